"""What may be scanned: the loopback-only guard and the scope guard of the authorisation.

Every function here runs before nmap starts; a refusal raises ``ScopeError`` and nothing is sent.
The loopback-only guard always has the last word.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from audit_ti.errors import Problem, ScopeError
from audit_ti.models.audit import Audit
from audit_ti.models.enums import ScanProfile
from audit_ti.scan.authorisation import authorisation_problems

__all__ = [
    "LOOPBACK_ENV",
    "AuthorisedScope",
    "Target",
    "authorise_scope",
    "check_loopback_only",
    "is_loopback_target",
    "loopback_only",
    "resolve_name",
]

#: Set by ``make demo``, ``make test`` and the test suite: only 127.0.0.0/8 and ::1 may be scanned.
LOOPBACK_ENV = "AUDIT_TI_BOUCLE_LOCALE"

_FALSE_WORDS = {"", "0", "non", "no", "false", "faux"}


def loopback_only() -> bool:
    """True when the loopback-only guard is on."""
    return os.environ.get(LOOPBACK_ENV, "").strip().lower() not in _FALSE_WORDS


def is_loopback_target(target: str) -> bool:
    """True for a loopback address or range, or ``localhost``; no name is ever resolved here."""
    text = target.strip()
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        name = text.lower().rstrip(".")
        return name == "localhost" or name.endswith(".localhost")
    return network.is_loopback


def check_loopback_only(targets: Iterable[str]) -> None:
    """Refuse every target outside the loopback when the guard is on.

    Raises:
        ScopeError: listing every refused target, in French.
    """
    if not loopback_only():
        return
    refused = [target for target in targets if not is_loopback_target(target)]
    if refused:
        raise ScopeError(
            Problem(
                f"cible(s) refusée(s) : {', '.join(refused)}. La garde « boucle locale seulement » "
                f"({LOOPBACK_ENV}=1) n'autorise que 127.0.0.0/8 et ::1 ; aucun paquet n'a été envoyé."
            )
        )


# --- full scope guard of the cyber audit ------------------------------------------------------

#: Larger ranges need ``grandes_plages_autorisees: true`` in the authorisation.
MAX_PREFIX_WITHOUT_PERMISSION = {4: 22, 6: 118}
_SUSPICIOUS = re.compile(r"""[\s'"`$;|&<>\\]|^-""")


@dataclass(frozen=True)
class Target:
    """A target the guard accepted: the gateway name (or None for a discovery range) and its address."""

    name: str | None
    declared: str
    address: str


@dataclass(frozen=True)
class AuthorisedScope:
    """What may be scanned, after every check passed.

    Attributes:
        targets: declared gateways, each with the one address its name resolved to.
        discovery: ranges to sweep for undeclared hosts.
        profile: the profile the scan may use.
    """

    targets: tuple[Target, ...]
    discovery: tuple[str, ...]
    profile: ScanProfile


Resolver = Callable[[str], list[str]]


def resolve_name(name: str) -> list[str]:
    """Addresses a host name resolves to (the system resolver, once)."""
    infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


def _located(audit: Audit, key: str, message: str) -> Problem:
    """A refusal that names the audit file, the line and the key of the authorisation at fault."""
    source = audit.source
    loc = ("autorisation", key)
    return Problem(
        message,
        source.path if source else None,
        source.line_of(loc) if source else None,
        f"autorisation.{key}",
    )


def authorise_scope(
    audit: Audit,
    today: date,
    profile: ScanProfile,
    resolver: Resolver = resolve_name,
) -> AuthorisedScope:
    """Check every target against the authorisation before anything is sent.

    Args:
        today: the real date of the scan, never an evaluation date given on the command line:
            an authorisation is in force or not on the day packets are sent.

    Raises:
        ScopeError: every refusal, in French; nothing has been sent.
    """
    authorisation = audit.authorisation
    if authorisation is None:
        raise ScopeError(
            Problem("aucun bloc « autorisation » : sans autorisation écrite, aucun scan (article 323-1 du Code pénal)")
        )
    problems = [_located(audit, key, text) for key, text in authorisation_problems(authorisation, today)]
    if profile is ScanProfile.INTRUSIVE and authorisation.allowed_profile is not ScanProfile.INTRUSIVE:
        problems.append(
            _located(
                audit,
                "profil_autorise",
                "profil « intrusif » demandé mais l'autorisation ne permet que le profil « sur » "
                "(« profil_autorise: intrusif » à faire signer)",
            )
        )
    networks, perimeter_problems = _perimeter_networks(audit, resolver)
    problems += perimeter_problems
    targets: list[Target] = []
    for gateway in audit.gateways:
        target, target_problems = _check_target(gateway.name, gateway.address, networks, resolver)
        problems += target_problems
        if target is not None:
            targets.append(target)
    for entry in audit.scan.discovery:
        problems += _check_range(entry, networks, authorisation.large_ranges)
    if not problems:
        try:
            check_loopback_only([*(t.address for t in targets), *audit.scan.discovery])
        except ScopeError as refusal:
            problems += refusal.problems
    if problems:
        raise ScopeError(
            [
                *problems,
                Problem("aucun paquet n'a été envoyé : corrigez le fichier d'audit ou l'autorisation"),
            ]
        )
    return AuthorisedScope(tuple(targets), tuple(audit.scan.discovery), profile)


_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _perimeter_networks(audit: Audit, resolver: Resolver) -> tuple[list[_Network], list[Problem]]:
    assert audit.authorisation is not None
    networks: list[_Network] = []
    problems: list[Problem] = []
    for entry in audit.authorisation.perimeter:
        if _SUSPICIOUS.search(entry):
            problems.append(Problem(f"entrée de périmètre refusée : « {entry} »"))
            continue
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            if loopback_only() and not is_loopback_target(entry):
                problems.append(Problem(f"« {entry} » : nom refusé sans être résolu (garde boucle locale)"))
                continue
            try:
                networks.extend(ipaddress.ip_network(address) for address in resolver(entry))
            except OSError:
                problems.append(Problem(f"le nom « {entry} » du périmètre ne se résout pas"))
            continue
        limit = MAX_PREFIX_WITHOUT_PERMISSION[network.version]
        if network.prefixlen < limit and not audit.authorisation.large_ranges:
            problems.append(
                Problem(
                    f"plage « {entry} » plus grande qu'un /{limit} : refusée sans « grandes_plages_autorisees: true » "
                    "dans l'autorisation"
                )
            )
            continue
        networks.append(network)
    return networks, problems


def _check_target(
    name: str, declared: str, networks: list[_Network], resolver: Resolver
) -> tuple[Target | None, list[Problem]]:
    if _SUSPICIOUS.search(declared):
        return None, [Problem(f"passerelle « {name} » : cible « {declared} » refusée (ressemble à une option de nmap)")]
    try:
        address = ipaddress.ip_address(declared)
    except ValueError:
        if loopback_only() and not is_loopback_target(declared):
            return None, [
                Problem(f"passerelle « {name} » : nom « {declared} » refusé sans être résolu (garde boucle locale)")
            ]
        try:
            resolved = resolver(declared)
        except OSError:
            return None, [Problem(f"passerelle « {name} » : le nom « {declared} » ne se résout pas")]
        if not resolved:
            return None, [Problem(f"passerelle « {name} » : le nom « {declared} » ne se résout pas")]
        address = ipaddress.ip_address(resolved[0])
    container = next((network for network in networks if address in network), None)
    if container is None:
        return None, [Problem(f"passerelle « {name} » : {address} est hors du périmètre autorisé")]
    if address.is_global and container.num_addresses > 256:
        return None, [
            Problem(
                f"passerelle « {name} » : {address} est une adresse publique ; elle doit figurer explicitement "
                "(adresse ou plage d'au plus 256 adresses) dans le périmètre"
            )
        ]
    return Target(name, declared, str(address)), []


def _check_range(entry: str, networks: list[_Network], large_ranges: bool) -> list[Problem]:
    try:
        network = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return [Problem(f"plage de découverte « {entry[:80]} » illisible : plage CIDR ou adresse IP attendue")]
    limit = MAX_PREFIX_WITHOUT_PERMISSION[network.version]
    if network.prefixlen < limit and not large_ranges:
        return [Problem(f"plage de découverte « {entry} » plus grande qu'un /{limit} : refusée")]
    if not any(network.version == n.version and network.subnet_of(n) for n in networks):  # type: ignore[arg-type]
        return [Problem(f"plage de découverte « {entry} » hors du périmètre autorisé")]
    if network.is_global:
        return [Problem(f"plage de découverte « {entry} » publique : refusée")]
    return []
