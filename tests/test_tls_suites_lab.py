"""Second opinion on the lab: nmap's ssl-enum-ciphers and sslyze see the same suites, judged alike.

The real nmap and sslyze's Python API scan the lab's TLS services (medium gateway 443, hardened
gateway 443 and 8883) on loopback; both must list the same accepted suites for every protocol
version, and the ANSSI classifier must give each suite the same class whichever tool found it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import ip_address

import pytest

from audit_ti.checks.tls_suites import SuiteClass, classify, iana_name, judge_suites
from audit_ti.lab import Lab, Profile
from audit_ti.models.facts import ScriptTable
from audit_ti.scan.nmap_xml import parse_nmap_xml
from audit_ti.scan.runner import run_nmap
from tests.test_tls_suites import POLICY

pytestmark = [pytest.mark.root, pytest.mark.nmap, pytest.mark.lent]

sslyze = pytest.importorskip("sslyze", reason="sslyze (dépendance de test) n'est pas installé")

#: sslyze's result attribute for each protocol version, under the name nmap gives it.
_SSLYZE_PROTOCOLS = {
    "SSLv3": "ssl_3_0_cipher_suites",
    "TLSv1.0": "tls_1_0_cipher_suites",
    "TLSv1.1": "tls_1_1_cipher_suites",
    "TLSv1.2": "tls_1_2_cipher_suites",
    "TLSv1.3": "tls_1_3_cipher_suites",
}

Endpoint = tuple[str, int]
Listing = dict[str, set[str]]


@dataclass(frozen=True)
class Scans:
    medium: str
    hardened: str
    nmap: dict[Endpoint, ScriptTable]
    sslyze: dict[Endpoint, Listing]

    def endpoints(self) -> list[Endpoint]:
        return [(self.medium, 443), (self.hardened, 443), (self.hardened, 8883)]


def _nmap(addresses: list[str]) -> dict[Endpoint, ScriptTable]:
    xml = run_nmap(
        addresses, ["-n", "-sV", "-p", "443,8883", "--script", "ssl-enum-ciphers", "--script-timeout", "180s"]
    )
    found = {}
    for host in parse_nmap_xml(xml).facts.hosts:
        for port in host.open_ports():
            enum = port.script("ssl-enum-ciphers")
            if enum is not None:
                found[(host.address, port.port)] = enum.structure
    return found


def _sslyze(endpoints: list[Endpoint]) -> dict[Endpoint, Listing]:
    commands = {getattr(sslyze.ScanCommand, attribute.upper()) for attribute in _SSLYZE_PROTOCOLS.values()}
    commands.add(sslyze.ScanCommand.SSL_2_0_CIPHER_SUITES)
    requests = []
    for address, number in endpoints:
        assert ip_address(address).is_loopback
        location = sslyze.ServerNetworkLocation(hostname=address, port=number, ip_address=address)
        requests.append(sslyze.ServerScanRequest(server_location=location, scan_commands=commands))
    scanner = sslyze.Scanner(per_server_concurrent_connections_limit=5, concurrent_server_scans_limit=3)
    scanner.queue_scans(requests)
    found: dict[Endpoint, Listing] = {}
    for result in scanner.get_results():
        location = result.server_location
        assert result.scan_status is sslyze.ServerScanStatusEnum.COMPLETED, result.connectivity_error_trace
        assert result.scan_result.ssl_2_0_cipher_suites.result.accepted_cipher_suites == []
        listing: Listing = {}
        for protocol, attribute in _SSLYZE_PROTOCOLS.items():
            attempt = getattr(result.scan_result, attribute)
            assert attempt.status is sslyze.ScanCommandAttemptStatusEnum.COMPLETED, (protocol, attempt.error_trace)
            accepted = {suite.cipher_suite.name for suite in attempt.result.accepted_cipher_suites}
            if accepted:
                listing[protocol] = accepted
        found[(location.ip_address, location.port)] = listing
    return found


@pytest.fixture(scope="module")
def scans(lab: Lab) -> Iterator[Scans]:
    if shutil.which("nmap") is None:
        pytest.skip("nmap est introuvable")
    layout = lab.layout
    assert layout is not None
    medium = str(layout.reference(Profile.MEDIUM).address)
    hardened = str(layout.reference(Profile.HARDENED).address)
    endpoints = [(medium, 443), (hardened, 443), (hardened, 8883)]
    yield Scans(medium, hardened, _nmap([medium, hardened]), _sslyze(endpoints))


def _nmap_listing(enum: ScriptTable) -> dict[str, dict[str, str | None]]:
    """Suites per protocol, IANA names, with the key exchange parameters nmap read."""
    listing: dict[str, dict[str, str | None]] = {}
    for protocol in enum.tables:
        ciphers = protocol.table("ciphers")
        if protocol.key and ciphers is not None:
            listing[protocol.key] = {
                iana_name(entry.elem("name") or ""): entry.elem("kex_info") for entry in ciphers.tables
            }
    return listing


def test_both_tools_see_the_same_suites_per_protocol(scans: Scans) -> None:
    for endpoint in scans.endpoints():
        nmap = {protocol: set(suites) for protocol, suites in _nmap_listing(scans.nmap[endpoint]).items()}
        assert nmap == scans.sslyze[endpoint], endpoint


def test_both_tools_get_the_same_class_for_each_suite(scans: Scans) -> None:
    for endpoint in scans.endpoints():
        for protocol, suites in _nmap_listing(scans.nmap[endpoint]).items():
            for name, kex_info in suites.items():
                from_nmap = classify(name, POLICY, kex_info)
                assert from_nmap.suite_class is not SuiteClass.UNREADABLE, name
                assert name in scans.sslyze[endpoint][protocol]
                assert classify(name, POLICY).suite_class is from_nmap.suite_class, (endpoint, protocol, name)


def test_medium_gateway_is_non_compliant(scans: Scans) -> None:
    enum = scans.nmap[(scans.medium, 443)]
    tls12 = scans.sslyze[(scans.medium, 443)]["TLSv1.2"]
    assert len(tls12) == 44 and "TLS_RSA_WITH_AES_128_CBC_SHA" in tls12
    status, text = judge_suites(enum, POLICY)
    assert status.value == "non_conforme"
    assert "échange de clés RSA (sans confidentialité persistante) : TLS_RSA_WITH_AES_128_CBC_SHA," in text


def test_hardened_gateway_is_compliant_on_https_and_mqtt(scans: Scans) -> None:
    """HTTPS and MQTT over TLS offer ECDHE-ECDSA with AES-GCM or ChaCha20 (and TLS 1.3 on HTTPS) only.

    The broker lists its suites: OpenSSL's default would add CBC with HMAC-SHA-1, in neither list of
    the guide's annex (R10-, R11), which the same check reports as forbidden (see test_tls_suites.py).
    """
    for port in (443, 8883):
        status, text = judge_suites(scans.nmap[(scans.hardened, port)], POLICY)
        assert status.value == "conforme", (port, text)
        assert not any("_CBC_" in name for name in scans.sslyze[(scans.hardened, port)]["TLSv1.2"]), port
