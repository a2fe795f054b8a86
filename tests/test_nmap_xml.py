"""Our nmap XML parser on real outputs, interrupted outputs and hostile documents."""

from __future__ import annotations

import pytest

from audit_ti.errors import InvalidInputError
from audit_ti.models.facts import HostState
from audit_ti.scan.nmap_xml import parse_nmap_xml, prepare_evidence, requested_scripts
from tests.conftest import FIXTURES

SAMPLES = FIXTURES / "nmap"
XML = FIXTURES / "xml"
DIONAEA = (SAMPLES / "dionaea_scan.xml").read_text(encoding="utf-8")


def test_dionaea_services_scripts_tunnel_and_structure() -> None:
    facts = parse_nmap_xml(DIONAEA).facts
    assert (facts.version, facts.finished, facts.exit_status) == ("7.91", True, "success")
    assert facts.requested_scripts >= {"default", "safe", "version"}
    assert facts.covers(27017) and not facts.covers(161, "udp")
    [host] = facts.hosts
    assert (host.address, host.state) == ("172.28.1.3", HostState.UP)
    assert "dionaea" in host.hostnames
    assert [p.port for p in host.open_ports()][:5] == [21, 23, 42, 53, 80]
    https = host.port(443)
    assert https is not None and https.service is not None
    assert https.service.tunnel == "ssl" and https.service.over_tls
    cert = https.script("ssl-cert")
    assert cert is not None
    assert cert.structure.elem("sig_algo") == "md5WithRSAEncryption"
    validity = cert.structure.table("validity")
    assert validity is not None and validity.elem("notAfter") == "2021-11-22T17:06:58"
    mysql = host.port(3306)
    assert mysql is not None and mysql.service is not None and mysql.service.cpes == ("cpe:/a:mysql:mysql:5.7.16",)
    telnet = host.port(23)
    assert telnet is not None and telnet.service is not None and telnet.service.method == "table"


@pytest.mark.parametrize(
    ("name", "hosts", "up"),
    [
        ("fullscan.xml", 256, 2),
        ("full_sudo6.xml", 256, 4),
        ("2_hosts_version.xml", 2, 2),
        ("1_os_banner_scripts.xml", 1, 1),
        ("extra_ports.xml", 1, 1),
        ("1_hosts_down.xml", 1, 1),
    ],
)
def test_other_real_samples(name: str, hosts: int, up: int) -> None:
    facts = parse_nmap_xml((SAMPLES / name).read_text(encoding="utf-8")).facts
    assert len(facts.hosts) == hosts
    assert sum(host.state is HostState.UP for host in facts.hosts) == up


def test_interrupted_output_is_read_up_to_the_last_complete_host() -> None:
    text = (SAMPLES / "fullscan.xml").read_text(encoding="utf-8")
    cut = text[: text.index("</host>", len(text) // 2) + 40]
    parsed = parse_nmap_xml(cut)
    assert parsed.recovered
    assert not parsed.facts.finished and parsed.facts.exit_status == "interrompu"
    assert 0 < len(parsed.facts.hosts) < 256


def test_output_cut_before_any_host() -> None:
    parsed = parse_nmap_xml(DIONAEA[: DIONAEA.index("<host ")])
    assert parsed.recovered and parsed.facts.hosts == ()


@pytest.mark.parametrize("text", ["", "pas du XML", "<html><body>x</body></html>"])
def test_not_nmap_output(text: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_nmap_xml(text)


BOMB = (XML / "bombe-entites.xml").read_text(encoding="utf-8")
EXTERNAL = (XML / "entite-externe.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("text", "reason"), [(BOMB, "entités"), (EXTERNAL, "entités")])
def test_hostile_xml_is_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_nmap_xml(text, "scan-piege.xml")
    assert reason in str(caught.value)
    assert "scan-piege.xml" in str(caught.value)


def test_html_in_a_banner_stays_text() -> None:
    banner = DIONAEA.replace(
        'output="220 DiskStation FTP server ready."',
        'output="&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;220&lt;/b&gt;"',
    )
    facts = parse_nmap_xml(banner).facts
    ftp = facts.hosts[0].port(21)
    assert ftp is not None
    shown = ftp.script("banner")
    assert shown is not None and shown.output == "<script>alert(1)</script><b>220</b>"


MQTT = (XML / "mqtt-charges.xml").read_text(encoding="utf-8")


def test_mqtt_payloads_are_masked_in_evidence() -> None:
    kept, notes = prepare_evidence(MQTT)
    assert "13472" not in kept and "mosquitto 2.0.11" not in kept
    assert "compteurs/maison-12/index" in kept
    assert notes and "masquée" in notes[0]
    facts = parse_nmap_xml(kept).facts
    script = facts.hosts[0].ports[0].script("mqtt-subscribe")
    assert script is not None and "Topics and their most recent payloads" in script.output


def test_evidence_without_captured_data_is_kept_byte_for_byte() -> None:
    assert prepare_evidence(DIONAEA) == (DIONAEA, [])


def test_requested_scripts() -> None:
    assert requested_scripts("nmap -sV --script=ftp-anon,ssl-cert 127.0.0.1") == {"version", "ftp-anon", "ssl-cert"}
    assert requested_scripts("nmap -A --script vuln x") == {"default", "version", "vuln"}
    assert requested_scripts("nmap -sn x") == frozenset()
