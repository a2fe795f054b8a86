"""One lighttpd serving every web service of the lab, one socket per gateway and port."""

from __future__ import annotations

from pathlib import Path

from audit_ti.lab import content
from audit_ti.lab.daemons.base import ConfigFile, DaemonPlan, PlanContext, Program, config_lines
from audit_ti.lab.layout import LabGateway, Profile, Service, ServiceKind

__all__ = ["PROGRAMS", "plan"]

PROGRAMS = (
    Program("lighttpd", "lighttpd"),
    # TLS lives in a separate module package; without it lighttpd stops at start-up.
    Program("/usr/lib/lighttpd/mod_openssl.so", "lighttpd-mod-openssl"),
)

_WEB_KINDS = (ServiceKind.HTTP, ServiceKind.HTTPS, ServiceKind.DEBUG_CONSOLE, ServiceKind.CWMP)

# The medium concentrator still accepts TLS 1.0 and every cipher OpenSSL can offer; OpenSSL 3
# needs security level 0 for that.
_LEGACY_TLS = '("MinProtocol" => "TLSv1", "CipherString" => "ALL:!aNULL:!eNULL:@SECLEVEL=0")'
_MODERN_TLS = (
    '("MinProtocol" => "TLSv1.2", "CipherString" => "ECDHE+AESGCM:ECDHE+CHACHA20", "Options" => "ServerPreference")'
)
_SECURITY_HEADERS = (
    '("Strict-Transport-Security" => "max-age=63072000; includeSubDomains", '
    '"X-Frame-Options" => "DENY", "X-Content-Type-Options" => "nosniff", '
    '"Content-Security-Policy" => "default-src \'self\'", '
    '"Referrer-Policy" => "no-referrer")'
)


def _site(gateway: LabGateway, service: Service) -> tuple[str, dict[str, str]]:
    """Folder name and pages of one web service."""
    if service.kind is ServiceKind.DEBUG_CONSOLE:
        return f"{gateway.name}-console", content.console_pages(gateway)
    if service.kind is ServiceKind.CWMP:
        return f"{gateway.name}-cwmp", content.cwmp_pages()
    if gateway.profile is Profile.VULNERABLE:
        return f"{gateway.name}-admin", content.admin_pages(gateway)
    if gateway.profile is Profile.MEDIUM:
        return gateway.name, content.medium_pages(gateway)
    if gateway.profile is Profile.HARDENED:
        return gateway.name, content.hardened_pages(gateway)
    return "echelle", content.scale_pages()


def _socket_block(context: PlanContext, gateway: LabGateway, service: Service, root: Path) -> list[str]:
    material = context.material
    lines = [
        f'$SERVER["socket"] == "{gateway.endpoint(service.port)}" {{',
        f'  server.document-root = "{root}"',
    ]
    if gateway.profile is Profile.VULNERABLE and service.kind is ServiceKind.HTTP:
        lines += [
            '  auth.backend = "plain"',
            f'  auth.backend.plain.userfile = "{context.folder.config_dir / "lighttpd-admin.users"}"',
            '  auth.require = ("/" => ("method" => "basic", '
            f'"realm" => "{content.ADMIN_REALM}", "require" => "valid-user"))',
        ]
    if service.kind is ServiceKind.CWMP:
        # TR-069's connection request: HTTP Digest, as the Broadband Forum's TR-069 (3.2.2) asks.
        lines += [
            '  auth.backend = "plain"',
            f'  auth.backend.plain.userfile = "{context.folder.config_dir / "lighttpd-cwmp.users"}"',
            '  auth.require = ("/" => ("method" => "digest", '
            f'"realm" => "{content.CWMP_REALM}", "require" => "valid-user"))',
        ]
    if service.kind is ServiceKind.HTTPS and gateway.profile is Profile.MEDIUM:
        lines += _tls(material.medium_tls_certificate, material.medium_tls_key, _LEGACY_TLS)
    if service.kind is ServiceKind.HTTPS and gateway.profile is Profile.HARDENED:
        lines += _tls(*material.server_tls(gateway), _MODERN_TLS)
        lines.append(f"  setenv.add-response-header = {_SECURITY_HEADERS}")
    return [*lines, "}"]


def _tls(certificate: Path, key: Path, openssl_settings: str) -> list[str]:
    return [
        '  ssl.engine = "enable"',
        f'  ssl.pemfile = "{certificate}"',
        f'  ssl.privkey = "{key}"',
        f"  ssl.openssl.ssl-conf-cmd = {openssl_settings}",
    ]


def plan(context: PlanContext) -> list[DaemonPlan]:
    """The web server, if any gateway has a web service."""
    endpoints = context.layout.serving(*_WEB_KINDS)
    if not endpoints:
        return []
    www = context.folder.data_dir / "www"
    config = context.folder.config_dir / "lighttpd.conf"
    files: dict[Path, ConfigFile] = {}
    blocks: list[str] = []
    roots = []
    for gateway, service in endpoints:
        site, pages = _site(gateway, service)
        root = www / site
        roots.append(root)
        for relative, text in pages.items():
            path = root / relative
            files[path] = ConfigFile(path, text, 0o644)
        blocks += [
            "",
            f"# {gateway.name}: {service.description}",
            *_socket_block(context, gateway, service, root),
        ]
    first_gateway, first_service = endpoints[0]
    users = context.folder.config_dir / "lighttpd-admin.users"
    files[users] = ConfigFile(users, f"{content.ADMIN_USER}:{content.ADMIN_PASSWORD}\n")
    cwmp_users = context.folder.config_dir / "lighttpd-cwmp.users"
    files[cwmp_users] = ConfigFile(cwmp_users, f"{content.CWMP_USER}:{content.CWMP_PASSWORD}\n")
    lines = [
        "# Generated by audit-ti lab: every socket is one simulated gateway's web service.",
        'server.modules = ("mod_access", "mod_auth", "mod_authn_file", "mod_openssl", "mod_setenv")',
        # The main socket is the first gateway's; the blocks below give each socket its settings.
        f'server.bind = "{first_gateway.address}"',
        f"server.port = {first_service.port}",
        f'server.document-root = "{roots[0]}"',
        'index-file.names = ("index.html")',
        'mimetype.assign = (".html" => "text/html; charset=utf-8", ".json" => "application/json", '
        '".txt" => "text/plain; charset=utf-8")',
    ]
    if any(gateway.ipv6 for gateway, _ in endpoints):
        # nmap 7.93's HTTP scripts send "Host: ::1", without the brackets RFC 3986 asks for; strict
        # lighttpd answers 400 and the audit would read a 400 page instead of the gateway's.
        lines.append('server.http-parseopts = ("host-strict" => "disable")')
    lines += blocks
    files[config] = ConfigFile(config, config_lines(*lines))
    directories = tuple((directory, 0o755) for directory in sorted({www, *roots}))
    return [
        DaemonPlan(
            name="lighttpd",
            program=PROGRAMS[0],
            arguments=("-D", "-f", str(config)),
            files=tuple(files.values()),
            directories=directories,
            requires=PROGRAMS[1:],
        )
    ]
