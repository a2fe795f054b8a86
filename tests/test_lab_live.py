"""The running lab, as a client sees it: every service answers, and only as its profile says."""

from __future__ import annotations

import asyncio
import base64
import ftplib
import http.client
import io
import json
import shutil
import socket
import ssl
import subprocess
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from audit_ti.lab import Lab, LabGateway, LabLayout, Profile, ServiceKind
from audit_ti.lab import mqtt as mqtt_packets
from audit_ti.lab.content import ADMIN_PASSWORD, ADMIN_REALM, ADMIN_USER, MQTT_PASSWORD, MQTT_USER
from audit_ti.lab.pki import Material
from audit_ti.lab.probes import close_stream, smb_negotiate
from tests.conftest import skip_without_ipv6

pytestmark = pytest.mark.root


def _layout(lab: Lab) -> LabLayout:
    assert lab.layout is not None
    return lab.layout


def _gateway(lab: Lab, profile: Profile) -> LabGateway:
    return _layout(lab).reference(profile)


def test_every_service_answers(lab: Lab) -> None:
    status = lab.status()
    assert status.running
    down = [(e.gateway.name, e.service.declaration) for e in status.endpoints if not e.up]
    assert down == []
    assert status.daemons and all(daemon.running for daemon in status.daemons)


def test_daemons_listen_on_the_lab_sockets_and_nowhere_else(lab: Lab) -> None:
    expected = {(s.transport, str(g.address), s.port) for g, s in _layout(lab).endpoints()}
    sockets = lab.sockets()
    assert {(b.transport, str(b.address), b.port) for b in sockets} == expected
    assert not any(b.is_wildcard for b in sockets)


def _read_until(connection: socket.socket, marker: bytes, timeout: float = 5.0) -> bytes:
    connection.settimeout(timeout)
    received = b""
    deadline = time.monotonic() + timeout
    while marker not in received and time.monotonic() < deadline:
        chunk = connection.recv(1024)
        if not chunk:
            break
        received += chunk
    return received


def test_telnet_prompts_and_refuses_every_login(lab: Lab, tmp_path: Path) -> None:
    gateway = _gateway(lab, Profile.VULNERABLE)
    witness = tmp_path / "ne-doit-pas-exister"
    with socket.create_connection((str(gateway.address), 23), timeout=5) as connection:
        banner = _read_until(connection, b"login: ")
        assert banner.startswith(b"\xff") and b"eclairage-armoire-01 login: " in banner
        connection.sendall(f"admin; touch {witness}\r\n".encode())
        assert b"Password: " in _read_until(connection, b"Password: ")
        connection.sendall(f"$(touch {witness})\r\n".encode())
        assert b"Login incorrect" in _read_until(connection, b"Login incorrect")
    assert not witness.exists(), "le script de connexion a exécuté une saisie"


def test_ftp_is_anonymous_and_read_only(lab: Lab) -> None:
    gateway = _gateway(lab, Profile.VULNERABLE)
    with ftplib.FTP(str(gateway.address), timeout=10) as ftp:
        assert ftp.login().startswith("230")
        assert {"LISEZMOI.txt", "releves", "sauvegardes"} <= set(ftp.nlst())
        lines: list[str] = []
        ftp.retrlines("RETR sauvegardes/armoire-01.conf.bak", lines.append)
        assert f"web.mot_de_passe={ADMIN_PASSWORD}" in lines
        with pytest.raises(ftplib.error_perm, match="550"):
            ftp.storbinary("STOR depot.txt", io.BytesIO(b"x"))
        with pytest.raises(ftplib.error_perm, match="550"):
            ftp.mkd("nouveau")


def _receive(connection: socket.socket, size: int) -> bytes:
    received = b""
    while len(received) < size:
        chunk = connection.recv(size - len(received))
        if not chunk:
            break
        received += chunk
    return received


def test_smb_still_accepts_smbv1_on_the_vulnerable_gateway_only(lab: Lab) -> None:
    vulnerable = _gateway(lab, Profile.VULNERABLE)
    with socket.create_connection((str(vulnerable.address), 445), timeout=5) as connection:
        connection.sendall(smb_negotiate("NT LM 0.12"))  # an SMB1 client that knows nothing newer
        frame = _receive(connection, 4)
        answer = _receive(connection, int.from_bytes(frame[1:], "big"))
    # SMB1 NEGOTIATE response, status 0, 17 parameter words (NT LM 0.12), first dialect chosen.
    assert answer[:5] == b"\xffSMB\x72"
    assert int.from_bytes(answer[5:9], "little") == 0
    assert answer[32] == 17 and int.from_bytes(answer[33:35], "little") == 0
    for profile in (Profile.MEDIUM, Profile.HARDENED):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((str(_gateway(lab, profile).address), 445), timeout=5).close()


def _smbclient(address: str, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["smbclient", "--no-pass", f"//{address}/supervision", "--command", command],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.skipif(shutil.which("smbclient") is None, reason="smbclient est introuvable (paquet smbclient)")
def test_smb_share_is_open_to_guests_and_read_only(lab: Lab, tmp_path: Path) -> None:
    address = str(_gateway(lab, Profile.VULNERABLE).address)
    copy = tmp_path / "copie.ini"
    fetched = _smbclient(address, f"get scada/connexion-superviseur.ini {copy}")
    assert fetched.returncode == 0, fetched.stdout + fetched.stderr
    assert f"hote={address}" in copy.read_text(encoding="utf-8")
    listed = _smbclient(address, "cd ../..; ls")
    assert "LISEZMOI.txt" in listed.stdout and "exports" in listed.stdout  # still the share's root
    deposit = tmp_path / "depot.txt"
    deposit.write_text("x", encoding="utf-8")
    for command in (f"put {deposit} depot.txt", "mkdir nouveau"):
        refused = _smbclient(address, command)
        assert "NT_STATUS_ACCESS_DENIED" in refused.stdout + refused.stderr, command


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def _get(connection: http.client.HTTPConnection, path: str, headers: dict[str, str] | None = None) -> _Answer:
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return _Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()


def _http(address: str, port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(address, port, timeout=5)


def test_admin_page_takes_the_factory_account(lab: Lab) -> None:
    address = str(_gateway(lab, Profile.VULNERABLE).address)
    refused = _get(_http(address, 80), "/system/console/")
    assert refused.status == 401
    assert f'realm="{ADMIN_REALM}"' in refused.headers["WWW-Authenticate"]
    token = base64.b64encode(f"{ADMIN_USER}:{ADMIN_PASSWORD}".encode()).decode()
    accepted = _get(_http(address, 80), "/system/console/", {"Authorization": f"Basic {token}"})
    assert accepted.status == 200
    assert "Apache Felix Web Console" in accepted.body.decode()
    wrong = base64.b64encode(b"admin:autre").decode()
    assert _get(_http(address, 80), "/system/console/", {"Authorization": f"Basic {wrong}"}).status == 401


def test_debug_console_leaks_its_flows(lab: Lab) -> None:
    response = _get(_http(str(_gateway(lab, Profile.VULNERABLE).address), 1880), "/flows.json")
    assert response.status == 200
    flows = json.loads(response.body)
    assert any(node.get("credentials", {}).get("user") == MQTT_USER for node in flows)


async def _mqtt(gateway: LabGateway, port: int, credentials: tuple[str, str] | None, tls: ssl.SSLContext | None) -> int:
    reader, writer = await asyncio.open_connection(
        str(gateway.address), port, ssl=tls, server_hostname=str(gateway.address) if tls else None
    )
    try:
        return await mqtt_packets.connect(reader, writer, "epreuve", credentials)
    finally:
        # Closed to the end before asyncio.run() drops the loop, or the socket is reported unclosed.
        await close_stream(writer)


def test_brokers_follow_their_profile(lab: Lab) -> None:
    vulnerable = _gateway(lab, Profile.VULNERABLE)
    medium = _gateway(lab, Profile.MEDIUM)
    hardened = _gateway(lab, Profile.HARDENED)
    account = (MQTT_USER, MQTT_PASSWORD)
    assert asyncio.run(_mqtt(vulnerable, 1883, None, None)) == 0
    assert asyncio.run(_mqtt(medium, 1883, None, None)) == 5  # not authorised
    assert asyncio.run(_mqtt(medium, 1883, (MQTT_USER, "mauvais"), None)) in {4, 5}
    assert asyncio.run(_mqtt(medium, 1883, account, None)) == 0
    verified = ssl.create_default_context(cafile=str(Material.at(lab.folder).ca_certificate))
    assert asyncio.run(_mqtt(hardened, 8883, account, verified)) == 0
    assert asyncio.run(_mqtt(hardened, 8883, None, verified)) == 5
    with pytest.raises(ConnectionRefusedError):
        asyncio.run(_mqtt(hardened, 1883, account, None))


def _handshake(address: str, context: ssl.SSLContext) -> ssl.SSLSocket:
    raw = socket.create_connection((address, 443), timeout=5)
    return context.wrap_socket(raw, server_hostname=address)


def _legacy_context(version: ssl.TLSVersion) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("ALL:@SECLEVEL=0")
    with warnings.catch_warnings():
        # Python deprecates TLS 1.0/1.1 clients; talking like one is the point of this test.
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = context.maximum_version = version
    return context


def test_medium_https_accepts_tls_1_0_with_an_expired_self_signed_certificate(lab: Lab) -> None:
    address = str(_gateway(lab, Profile.MEDIUM).address)
    with _handshake(address, _legacy_context(ssl.TLSVersion.TLSv1)) as tls:
        assert tls.version() == "TLSv1"
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    certificate = x509.load_der_x509_certificate(der)
    assert certificate.issuer == certificate.subject
    assert certificate.not_valid_after_utc < datetime.now(UTC)


def test_hardened_https_refuses_old_tls_and_sends_security_headers(lab: Lab) -> None:
    address = str(_gateway(lab, Profile.HARDENED).address)
    for version in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
        with pytest.raises(ssl.SSLError):
            _handshake(address, _legacy_context(version)).close()
    verified = ssl.create_default_context(cafile=str(Material.at(lab.folder).ca_certificate))
    response = _get(http.client.HTTPSConnection(address, 443, timeout=5, context=verified), "/")
    assert response.status == 200
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _ssh(address: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "ssh",
            "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null",
            "-o", "IdentitiesOnly=yes",
            "-o", "ConnectTimeout=5",
            *options,
            f"root@{address}",
            "id",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )  # fmt: skip


def test_ssh_gives_no_shell_to_anyone(lab: Lab) -> None:
    material = Material.at(lab.folder)
    hardened = _ssh(str(_gateway(lab, Profile.HARDENED).address), "-i", str(material.hardened_user_key))
    assert hardened.returncode == 0, hardened.stderr
    assert "aucun shell" in hardened.stdout and "uid=" not in hardened.stdout
    medium = _ssh(str(_gateway(lab, Profile.MEDIUM).address), "-i", str(material.hardened_user_key))
    assert medium.returncode == 255
    assert "Permission denied (publickey,password)" in medium.stderr


@pytest.fixture
def ipv6(lab: Lab) -> LabGateway:
    skip_without_ipv6(lab)
    gateway = _layout(lab).ipv6_gateway
    assert gateway is not None
    return gateway


def test_the_ipv6_gateway_answers_on_the_ipv6_loopback_only(lab: Lab, ipv6: LabGateway) -> None:
    status = lab.status()
    on_ipv6 = [(e.service.declaration, e.up) for e in status.endpoints if e.gateway == ipv6]
    assert on_ipv6 == [("22/tcp ssh", True), ("443/tcp https", True), ("8883/tcp mqtts", True)]
    sockets = {(b.transport, str(b.address), b.port) for b in lab.sockets() if b.address.version == 6}
    assert {(transport, port) for transport, address, port in sockets if address == "::1"} == {
        (s.transport, s.port) for s in ipv6.services
    }
    assert {address for _, address, _ in sockets} == {"::1"}


def test_the_ipv6_gateway_is_hardened_with_keys_of_its_own(lab: Lab, ipv6: LabGateway) -> None:
    material = Material.at(lab.folder)
    verified = ssl.create_default_context(cafile=str(material.ca_certificate))
    # HTTPS: the lab CA's certificate for ::1 (verified, host name included), old TLS refused, headers.
    for version in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
        with pytest.raises(ssl.SSLError):
            _handshake("::1", _legacy_context(version)).close()
    with _handshake("::1", verified) as tls:
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    certificate = x509.load_der_x509_certificate(der)
    assert ipv6.name in certificate.subject.rfc4514_string()
    hardened = x509.load_pem_x509_certificate(material.hardened_tls_chain.read_bytes())
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert certificate.public_key().public_bytes(*spki) != hardened.public_key().public_bytes(*spki)
    response = _get(http.client.HTTPSConnection("::1", 443, timeout=5, context=verified), "/")
    assert response.status == 200 and ipv6.name in response.body.decode()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # MQTT over TLS: the lab account only.
    account = (MQTT_USER, MQTT_PASSWORD)
    assert asyncio.run(_mqtt(ipv6, 8883, account, verified)) == 0
    assert asyncio.run(_mqtt(ipv6, 8883, None, verified)) == 5
    # SSH: the lab key gets the forced command of this gateway, not a shell; no password.
    session = _ssh("::1", "-i", str(material.hardened_user_key))
    assert session.returncode == 0, session.stderr
    assert f"{ipv6.name} : session de laboratoire" in session.stdout and "uid=" not in session.stdout
    refused = _ssh("::1", "-o", "PubkeyAuthentication=no", "-o", "PasswordAuthentication=yes")
    assert refused.returncode == 255 and "Permission denied (publickey)" in refused.stderr
    # Its own host key: a key lifted from one gateway must not open the other (cles_partagees).
    keys = {
        address: subprocess.run(
            ["ssh-keyscan", "-t", "ed25519", "-T", "5", address],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout.split()[-1]
        for address in ("::1", str(_gateway(lab, Profile.HARDENED).address))
    }
    assert len(set(keys.values())) == 2


def test_state_command_shows_every_service_up(lab: Lab, run_cli) -> None:
    result = run_cli("lab", "etat", "--dossier", str(lab.folder.root))
    assert result.code == 0, result.out + result.err
    assert "✗" not in result.out
    assert result.out.count("✓") == sum(1 for _ in _layout(lab).endpoints())
    assert "Processus du laboratoire en vie" in result.out
    assert ServiceKind.MODBUS.value in result.out
    # The recorder's two proprietary ports: one row each, not one cell for both.
    assert "dvr 37777" in result.out and "dvr 34567" in result.out


def test_status_works_from_a_running_event_loop(lab: Lab) -> None:
    """Notebooks run an event loop: the lab's own asyncio calls must not collide with it."""

    async def from_a_notebook_cell() -> bool:
        return lab.status().all_up

    assert asyncio.run(from_a_notebook_cell())
