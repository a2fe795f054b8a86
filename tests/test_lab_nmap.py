"""The real nmap on the running lab: each profile shows what the cyber audit will look for.

Five nmap runs, side by side: every TCP port (-sS -p-), versions and scripts on the TCP services
(not the recorders' proprietary ports: silent listeners, whose open state is the finding),
UDP services (-sU -sV), SMB with its host scripts, and Modbus; and, when the session lab has the
IPv6 gateway, two more on ::1 with ``-6`` (every TCP port, then versions and scripts). Modbus gets
its own run with ``--version-intensity 0``: pymodbus, as the protocol requires, ignores the
non-Modbus probes of -sV, so a full version scan of port 502 waits about 2 min 30 s for nothing;
modbus-discover identifies the service instead.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree

from audit_ti.lab import Lab, LabLayout, Profile, ServiceKind, Transport
from audit_ti.lab.sockets import bound_sockets
from audit_ti.models.nse import NSE_SCRIPTS
from audit_ti.scan.runner import run_nmap
from tests.conftest import skip_without_ipv6

pytestmark = [pytest.mark.root, pytest.mark.nmap, pytest.mark.lent]

# audit-ti's own scripts by their path: the RTSP DESCRIBE and the Semtech UDP PULL_DATA.
_TCP_SCRIPTS = (
    "ftp-anon,http-default-accounts,http-auth,http-title,http-security-headers,ssh-auth-methods,"
    f"ssh2-enum-algos,ssl-enum-ciphers,ssl-cert,mqtt-subscribe,{NSE_SCRIPTS['audit-ti-rtsp-describe'].argument}"
)
_UDP_SCRIPTS = f"snmp-sysdescr,snmp-info,coap-resources,{NSE_SCRIPTS['audit-ti-semtech-udp'].argument}"
# Host scripts (nmap's hostrule): their output sits under <hostscript>, once per host.
_SMB_SCRIPTS = "smb-protocols,smb-vuln-ms17-010"
_TIMING = ["-n", "--max-retries", "1", "--host-timeout", "300s", "--script-timeout", "90s"]


@dataclass
class Port:
    """One port of nmap's XML report."""

    state: str
    service: str = ""
    product: str = ""
    tunnel: str = ""
    scripts: dict[str, str] = field(default_factory=dict)


Report = dict[str, dict[tuple[str, int], Port]]
HostScripts = dict[str, dict[str, str]]


def _attribute(element: Element | None, name: str) -> str:
    return "" if element is None else element.get(name, "")


def _parse(xml: str) -> Report:
    report: Report = {}
    for host in ElementTree.fromstring(xml).iter("host"):
        ports = report.setdefault(_attribute(host.find("address"), "addr"), {})
        for element in host.iter("port"):
            service = element.find("service")
            port = Port(
                state=_attribute(element.find("state"), "state"),
                service=_attribute(service, "name"),
                product=_attribute(service, "product"),
                tunnel=_attribute(service, "tunnel"),
                scripts={_attribute(script, "id"): _attribute(script, "output") for script in element.iter("script")},
            )
            ports[(_attribute(element, "protocol"), int(_attribute(element, "portid")))] = port
    return report


def _host_scripts(xml: str) -> HostScripts:
    return {
        _attribute(host.find("address"), "addr"): {
            _attribute(script, "id"): _attribute(script, "output") for script in host.iterfind("hostscript/script")
        }
        for host in ElementTree.fromstring(xml).iter("host")
    }


@dataclass(frozen=True)
class Scans:
    layout: LabLayout
    all_tcp: Report
    tcp: Report
    udp: Report
    modbus: Report
    smb: Report
    smb_host: HostScripts
    ipv6_all_tcp: Report
    ipv6: Report

    def port(self, profile: Profile, transport: str, number: int) -> Port:
        address = str(self.layout.reference(profile).address)
        for report in (self.tcp, self.udp, self.modbus, self.smb):
            if (transport, number) in report.get(address, {}):
                return report[address][(transport, number)]
        raise AssertionError(f"{address} {number}/{transport} absent des rapports nmap")

    def open_tcp(self, profile: Profile) -> set[int]:
        ports = self.all_tcp[str(self.layout.reference(profile).address)]
        return {number for (_, number), port in ports.items() if port.state == "open"}


def _ports(numbers: Iterable[int]) -> str:
    return ",".join(map(str, sorted(numbers)))


@pytest.fixture(scope="module")
def scans(lab: Lab) -> Iterator[Scans]:
    if shutil.which("nmap") is None:
        pytest.skip("nmap est introuvable")
    layout = lab.layout
    assert layout is not None
    references = [
        str(layout.reference(profile).address) for profile in (Profile.VULNERABLE, Profile.MEDIUM, Profile.HARDENED)
    ]
    tcp_ports = sorted(
        {
            s.port
            for g, s in layout.endpoints()
            if s.transport is Transport.TCP and s.kind not in {ServiceKind.MODBUS, ServiceKind.SMB, ServiceKind.DVR}
        }
    )
    udp_targets = [str(g.address) for g, s in layout.endpoints() if s.transport is Transport.UDP]
    udp_ports = {s.port for _, s in layout.endpoints() if s.transport is Transport.UDP}
    modbus_targets = [str(g.address) for g, _ in layout.serving(ServiceKind.MODBUS)]
    jobs = {
        "all_tcp": (references, ["-sS", "-p-", "-T4"]),
        "tcp": (references, ["-sV", "-p", _ports(tcp_ports), "--script", _TCP_SCRIPTS]),
        "udp": (udp_targets, ["-sU", "-sV", "-p", _ports(udp_ports), "--script", _UDP_SCRIPTS]),
        "modbus": (
            modbus_targets,
            ["-sV", "--version-intensity", "0", "-p", "502", "--script", "modbus-discover"],
        ),
        # Every reference gateway: SMB must answer on the vulnerable one only.
        "smb": (references, ["-sV", "-p", "445", "--script", _SMB_SCRIPTS, "--script-args", "vulns.showall"]),
    }
    ipv6 = layout.ipv6_gateway
    if ipv6 is not None:
        ipv6_ports = _ports(s.port for s in ipv6.services)
        jobs["ipv6_all_tcp"] = ([str(ipv6.address)], ["-6", "-sS", "-p-", "-T4"])
        jobs["ipv6"] = ([str(ipv6.address)], ["-6", "-sV", "-p", ipv6_ports, "--script", _TCP_SCRIPTS])
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {
            name: pool.submit(run_nmap, targets, [*arguments, *_TIMING]) for name, (targets, arguments) in jobs.items()
        }
        reports = {name: _parse(future.result()) for name, future in futures.items()}
        smb_host = _host_scripts(futures["smb"].result())
    reports.setdefault("ipv6_all_tcp", {})
    reports.setdefault("ipv6", {})
    yield Scans(layout, **reports, smb_host=smb_host)


def _foreign_wildcard_tcp_ports(lab: Lab) -> set[int]:
    """Ports some other program of the machine listens on for every address (0.0.0.0 or ::)."""
    ours = {bound.inode for bound in lab.sockets()}
    return {
        bound.port
        for bound in bound_sockets()
        if bound.transport is Transport.TCP and bound.is_wildcard and bound.inode not in ours
    }


def test_every_tcp_port_is_the_layouts_and_the_hardened_gateway_has_nothing_else(scans: Scans, lab: Lab) -> None:
    foreign = _foreign_wildcard_tcp_ports(lab)
    for profile in (Profile.VULNERABLE, Profile.MEDIUM, Profile.HARDENED):
        gateway = scans.layout.reference(profile)
        expected = {s.port for s in gateway.services if s.transport is Transport.TCP}
        assert scans.open_tcp(profile) - foreign == expected, profile
    assert scans.open_tcp(Profile.HARDENED) - foreign == {22, 443, 8883}


def test_vulnerable_gateway(scans: Scans) -> None:
    vulnerable = Profile.VULNERABLE
    telnet = scans.port(vulnerable, "tcp", 23)
    assert (telnet.service, telnet.product) == ("telnet", "BusyBox telnetd")
    assert "Anonymous FTP login allowed" in scans.port(vulnerable, "tcp", 21).scripts["ftp-anon"]
    admin = scans.port(vulnerable, "tcp", 80)
    assert admin.service == "http" and not admin.tunnel
    assert "[Apache Felix OSGi Management Console] at /system/console" in admin.scripts["http-default-accounts"]
    assert "admin:admin" in admin.scripts["http-default-accounts"]
    assert "realm=OSGi Management Console" in admin.scripts["http-auth"]
    broker = scans.port(vulnerable, "tcp", 1883)
    assert broker.service == "mqtt"
    assert "Topics and their most recent payloads" in broker.scripts["mqtt-subscribe"]
    assert "depart/1/commande: allumer" in broker.scripts["mqtt-subscribe"]
    snmp = scans.port(vulnerable, "udp", 161)
    assert (snmp.state, snmp.service) == ("open", "snmp")
    assert "EP-4000" in snmp.scripts["snmp-sysdescr"]
    assert "net-snmp" in snmp.scripts["snmp-info"]
    modbus = scans.port(vulnerable, "tcp", 502)
    assert modbus.service == "modbus"
    assert "Device identification: Laboratoire audit-ti EP-4000" in modbus.scripts["modbus-discover"]
    console = scans.port(vulnerable, "tcp", 1880)
    assert console.service == "http" and console.scripts["http-title"] == "Node-RED"


def test_the_street_cabinet_recorder_and_router_speak_rtsp_and_tr069(scans: Scans) -> None:
    vulnerable = Profile.VULNERABLE
    rtsp = scans.port(vulnerable, "tcp", 554)
    assert (rtsp.service, rtsp.product) == ("rtsp", "GStreamer rtspd")
    described = rtsp.scripts["audit-ti-rtsp-describe"]
    assert "Described without authentication" in described and "/Streaming/Channels/101" in described
    assert "Authentication required" not in described
    cwmp = scans.port(vulnerable, "tcp", 7547)
    assert (cwmp.service, cwmp.product) == ("http", "lighttpd")
    assert "Digest" in cwmp.scripts["http-auth"] and "realm=CWMP Connection Request" in cwmp.scripts["http-auth"]
    assert {37777, 34567} <= scans.open_tcp(vulnerable)
    for profile in (Profile.MEDIUM, Profile.HARDENED):
        for number in (554, 7547):
            assert scans.port(profile, "tcp", number).state == "closed", (profile, number)
        assert not {37777, 34567} & scans.open_tcp(profile), profile


def test_only_the_vulnerable_gateway_shares_files_and_it_still_speaks_smbv1(scans: Scans) -> None:
    smb = scans.port(Profile.VULNERABLE, "tcp", 445)
    assert (smb.state, smb.product) == ("open", "Samba smbd")
    host_scripts = scans.smb_host[str(scans.layout.reference(Profile.VULNERABLE).address)]
    assert "NT LM 0.12 (SMBv1) [dangerous, but default]" in host_scripts["smb-protocols"]
    assert "311" in host_scripts["smb-protocols"]  # SMB 3.1.1 too
    # Samba is not MS17-010: the script, told to show all, says so.
    assert "State: NOT VULNERABLE" in host_scripts["smb-vuln-ms17-010"]
    for profile in (Profile.MEDIUM, Profile.HARDENED):
        assert scans.port(profile, "tcp", 445).state == "closed"
        assert scans.smb_host[str(scans.layout.reference(profile).address)] == {}


def test_medium_gateway(scans: Scans) -> None:
    medium = Profile.MEDIUM
    ssh = scans.port(medium, "tcp", 22)
    assert ssh.product == "OpenSSH"
    assert "password" in ssh.scripts["ssh-auth-methods"]
    assert "diffie-hellman-group1-sha1" in ssh.scripts["ssh2-enum-algos"]
    https = scans.port(medium, "tcp", 443)
    assert (https.service, https.tunnel) == ("http", "ssl")
    assert "TLSv1.0:" in https.scripts["ssl-enum-ciphers"]
    certificate = https.scripts["ssl-cert"]
    issuer = certificate.split("Issuer: ")[1].splitlines()[0]
    assert certificate.startswith(f"Subject: {issuer}"), "certificat autosigné attendu"
    expiry = certificate.split("Not valid after:")[1].split()[0]
    assert datetime.fromisoformat(expiry).replace(tzinfo=UTC) < datetime.now(UTC)
    assert "Connection rejected" in scans.port(medium, "tcp", 1883).scripts["mqtt-subscribe"]
    coap = scans.port(medium, "udp", 5683)
    assert (coap.state, coap.service) == ("open", "coap")
    assert "/compteurs/index" in coap.scripts["coap-resources"]


def test_only_the_water_concentrator_answers_as_a_lorawan_bridge(scans: Scans) -> None:
    bridge = scans.port(Profile.MEDIUM, "udp", 1700)
    # nmap has no probe for it: open, and named, only because audit-ti's script got a PULL_ACK.
    assert (bridge.state, bridge.service) == ("open", "semtech-udp")
    assert "PULL_ACK" in bridge.scripts["audit-ti-semtech-udp"]
    elsewhere = scans.port(Profile.VULNERABLE, "udp", 1700)
    assert elsewhere.state == "closed" and "audit-ti-semtech-udp" not in elsewhere.scripts


def test_hardened_gateway(scans: Scans) -> None:
    hardened = Profile.HARDENED
    methods = scans.port(hardened, "tcp", 22).scripts["ssh-auth-methods"]
    assert "publickey" in methods and "password" not in methods
    assert "sha1" not in scans.port(hardened, "tcp", 22).scripts["ssh2-enum-algos"]
    https = scans.port(hardened, "tcp", 443)
    assert https.tunnel == "ssl"
    ciphers = https.scripts["ssl-enum-ciphers"]
    assert "TLSv1.2:" in ciphers and "TLSv1.0:" not in ciphers and "TLSv1.1:" not in ciphers
    assert "Strict-Transport-Security" in https.scripts["http-security-headers"]
    assert "de certification du laboratoire audit-ti" in https.scripts["ssl-cert"]
    mqtts = scans.port(hardened, "tcp", 8883)
    assert (mqtts.service, mqtts.tunnel) == ("mqtt", "ssl")
    assert "Connection rejected" in mqtts.scripts["mqtt-subscribe"]


@pytest.fixture
def ipv6(scans: Scans, lab: Lab) -> dict[tuple[str, int], Port]:
    skip_without_ipv6(lab)
    return scans.ipv6["::1"]


def _foreign_ipv6_tcp_ports(lab: Lab) -> set[int]:
    """Ports other programs listen on at ::1 (a database, CUPS…) or on every IPv6 address."""
    ours = {bound.inode for bound in lab.sockets()}
    return {
        bound.port
        for bound in bound_sockets()
        if bound.transport is Transport.TCP
        and bound.address.version == 6
        and (bound.is_wildcard or str(bound.address) == "::1")
        and bound.inode not in ours
    }


def test_nmap_6_finds_the_ipv6_gateway_hardened_and_nothing_else(
    scans: Scans, lab: Lab, ipv6: dict[tuple[str, int], Port]
) -> None:
    all_tcp = scans.ipv6_all_tcp["::1"]
    open_ports = {number for (_, number), port in all_tcp.items() if port.state == "open"}
    assert open_ports - _foreign_ipv6_tcp_ports(lab) == {22, 443, 8883}
    ssh = ipv6[("tcp", 22)]
    assert (ssh.service, ssh.product) == ("ssh", "OpenSSH")
    methods = ssh.scripts["ssh-auth-methods"]
    assert "publickey" in methods and "password" not in methods
    assert "sha1" not in ssh.scripts["ssh2-enum-algos"]
    https = ipv6[("tcp", 443)]
    assert (https.service, https.tunnel) == ("http", "ssl")
    ciphers = https.scripts["ssl-enum-ciphers"]
    assert "TLSv1.2:" in ciphers and "TLSv1.0:" not in ciphers and "TLSv1.1:" not in ciphers
    assert "commonName=passerelle-ipv6-01" in https.scripts["ssl-cert"]
    assert "IP Address:0:0:0:0:0:0:0:1" in https.scripts["ssl-cert"]
    # nmap 7.93 writes « Host: ::1 » without brackets: the lab's web server accepts it, so the
    # scripts read the gateway's page and its headers, not a 400 error.
    assert "Strict-Transport-Security" in https.scripts["http-security-headers"]
    mqtts = ipv6[("tcp", 8883)]
    assert (mqtts.service, mqtts.tunnel) == ("mqtt", "ssl")
    assert "Connection rejected" in mqtts.scripts["mqtt-subscribe"]
