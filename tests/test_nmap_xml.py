"""Our nmap XML parser on real outputs, interrupted outputs and hostile documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audit_ti.errors import InvalidInputError
from audit_ti.models.facts import HostState, PortSeen
from audit_ti.scan.nmap_xml import parse_nmap_xml, prepare_evidence, read_evidence, requested_scripts
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


@pytest.mark.parametrize(
    "text",
    [pytest.param(path.read_text(encoding="utf-8"), id=path.name) for path in sorted(SAMPLES.glob("*.xml"))]
    + [pytest.param(MQTT, id="mqtt-charges.xml"), pytest.param(DIONAEA[: DIONAEA.index("<postscript")], id="coupe")],
)
def test_one_parse_gives_the_evidence_and_the_facts_of_the_kept_copy(text: str) -> None:
    kept, notes, parsed = read_evidence(text)
    assert (kept, notes) == prepare_evidence(text)
    assert parsed.facts == parse_nmap_xml(kept).facts
    assert parsed.recovered == parse_nmap_xml(text).recovered


def test_requested_scripts() -> None:
    assert requested_scripts("nmap -sV --script=ftp-anon,ssl-cert 127.0.0.1") == {"version", "ftp-anon", "ssl-cert"}
    assert requested_scripts("nmap -A --script vuln x") == {"default", "version", "vuln"}
    assert requested_scripts("nmap -sn x") == frozenset()


# --- values nmap never writes, DTDs, duplicated hosts, what extraports prove ---------------------

PORT_LINE = '<port protocol="tcp" portid="21">'


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("portid", ["abc", "-1", "65536", "99999999999999999999", "²", "٣", "", " 21", "1" * 5000])
def test_impossible_port_number_is_refused_with_its_line(portid: str) -> None:
    text = DIONAEA.replace(PORT_LINE, f'<port protocol="tcp" portid="{portid}">', 1)
    with pytest.raises(InvalidInputError) as caught:
        parse_nmap_xml(text, Path("scan-integrateur.xml"))
    [problem] = caught.value.problems
    assert problem.file == Path("scan-integrateur.xml")
    assert problem.line == _line_of(DIONAEA, PORT_LINE)
    assert problem.key == "port.portid"
    assert "numéro de port" in problem.message


@pytest.mark.parametrize("services", ["abc", "1-99999999999999999999", "80-20", "²", "1,,2"])
def test_unreadable_scanned_ports_are_refused(services: str) -> None:
    text = re.sub(r'(<scaninfo [^>]*services=")[^"]*"', rf'\g<1>{services}"', DIONAEA, count=1)
    with pytest.raises(InvalidInputError, match="liste de ports illisible") as caught:
        parse_nmap_xml(text, Path("scan.xml"))
    assert caught.value.problems[0].key == "scaninfo.services"
    assert caught.value.problems[0].line is not None


@pytest.mark.parametrize("value", ["²", "-3", "99999999999999999999999", "dix", "11"])
def test_junk_in_the_detection_confidence_is_refused(value: str) -> None:
    text = DIONAEA.replace('conf="10"', f'conf="{value}"', 1)
    with pytest.raises(InvalidInputError, match="confiance de la détection") as caught:
        parse_nmap_xml(text, Path("scan.xml"))
    assert caught.value.problems[0].key == "service.conf" and caught.value.problems[0].line is not None


@pytest.mark.parametrize("value", ["²", "-3", "9" * 30])
def test_junk_start_time_is_refused(value: str) -> None:
    text = DIONAEA.replace('start="', f'start="{value}" x="', 1)
    with pytest.raises(InvalidInputError, match="heure de début"):
        parse_nmap_xml(text, Path("scan.xml"))


def test_addresses_are_compared_in_one_spelling() -> None:
    text = _document(
        _host_xml("127.0.20.1").replace('addr="127.0.20.1" addrtype="ipv4"', 'addr="0:0:0:0:0:0:0:1" addrtype="ipv6"')
    )
    assert parse_nmap_xml(text).facts.hosts[0].address == "::1"


@pytest.mark.parametrize(
    ("doctype", "reason"),
    [
        ('<!DOCTYPE nmaprun SYSTEM "http://192.0.2.1/nmap.dtd">', "DTD externe interdite"),
        ('<!DOCTYPE nmaprun PUBLIC "-//x//y" "nmap.dtd">', "DTD externe interdite"),
        ('<!DOCTYPE nmaprun [<!ATTLIST port portid CDATA "23">]>', "déclarations DTD interdites"),
    ],
)
def test_dtd_other_than_nmaps_own_is_refused(doctype: str, reason: str) -> None:
    text = DIONAEA.replace("<!DOCTYPE nmaprun>", doctype)
    assert doctype in text
    with pytest.raises(InvalidInputError, match=reason):
        parse_nmap_xml(text, "scan-piege.xml")
    with pytest.raises(InvalidInputError, match=reason):
        prepare_evidence(text.replace("<elem", '<elem key="password">x</elem><elem', 1), "scan-piege.xml")


def test_deep_nesting_is_refused_with_its_line_without_recursion_error() -> None:
    nested = "<table>" * 5000 + "</table>" * 5000
    text = DIONAEA.replace("</script>", nested + "</script>", 1)
    with pytest.raises(InvalidInputError, match="imbriqué") as caught:
        parse_nmap_xml(text, Path("scan.xml"))
    assert caught.value.problems[0].line == _line_of(text, "<table><table>")


def _port_xml(number: int, state: str, service: str = "telnet") -> str:
    return (
        f'<port protocol="tcp" portid="{number}"><state state="{state}" reason="syn-ack" reason_ttl="0"/>'
        f'<service name="{service}" method="probed" conf="10"/></port>'
    )


def _document(*hosts: str, services: str = "1-1024") -> str:
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE nmaprun>\n'
        f'<nmaprun scanner="nmap" args="nmap -sV -p {services} x" start="1" version="7.93">\n'
        f'<scaninfo type="syn" protocol="tcp" numservices="1" services="{services}"/>\n'
        + "\n".join(hosts)
        + '\n<runstats><finished time="2" exit="success"/></runstats>\n</nmaprun>\n'
    )


def _host_xml(address: str, *ports: str, extra: str = "") -> str:
    return (
        f'<host><status state="up" reason="user-set"/><address addr="{address}" addrtype="ipv4"/>'
        f"<ports>{extra}{''.join(ports)}</ports></host>"
    )


def test_address_reported_twice_is_merged_not_first_wins() -> None:
    text = _document(
        _host_xml("127.0.20.1", _port_xml(22, "open", "ssh"), _port_xml(23, "closed")),
        _host_xml("127.0.20.1", _port_xml(23, "open"), _port_xml(80, "open", "http")),
    )
    facts = parse_nmap_xml(text).facts
    [host] = facts.hosts
    assert {p.port for p in host.open_ports()} == {22, 23, 80}
    assert facts.merged_addresses == ("127.0.20.1",)


def test_what_extraports_prove() -> None:
    extra = (
        '<extraports state="closed" count="1021">'
        '<extrareasons reason="reset" count="1021" proto="tcp" ports="1-21,24-1024"/></extraports>'
    )
    text = _document(_host_xml("127.0.20.1", _port_xml(22, "open", "ssh"), _port_xml(23, "filtered"), extra=extra))
    facts = parse_nmap_xml(text).facts
    [host] = facts.hosts
    assert facts.seen(host, 22) is PortSeen.OPEN
    assert facts.seen(host, 23) is PortSeen.ABSENT
    assert facts.seen(host, 502) is PortSeen.ABSENT
    assert facts.seen(host, 1880) is PortSeen.NOT_SCANNED
    assert facts.seen(host, 161, "udp") is PortSeen.NOT_SCANNED


def test_port_accounted_for_nowhere_proves_nothing() -> None:
    extra = (
        '<extraports state="closed" count="10">'
        '<extrareasons reason="reset" count="10" proto="tcp" ports="1-10"/></extraports>'
    )
    text = _document(_host_xml("127.0.20.1", extra=extra))
    facts = parse_nmap_xml(text).facts
    assert facts.seen(facts.hosts[0], 5) is PortSeen.ABSENT
    assert facts.seen(facts.hosts[0], 23) is PortSeen.UNCLEAR


def test_old_extraports_without_protocol() -> None:
    facts = parse_nmap_xml(DIONAEA).facts
    [host] = facts.hosts
    assert facts.seen(host, 21) is PortSeen.OPEN
    unlisted = next(n for n in range(1, 1000) if host.port(n) is None and facts.covers(n))
    assert facts.seen(host, unlisted) is PortSeen.ABSENT


def test_passwords_found_by_scripts_are_masked_but_accounts_kept() -> None:
    brute = (
        '<script id="http-brute" output="&#xa;  Accounts: &#xa;    admin:admin - Valid credentials&#xa;">'
        '<table key="Accounts"><table><elem key="state">Valid credentials</elem>'
        '<elem key="username">admin</elem><elem key="password">admin</elem></table></table></script>'
        '<script id="snmp-brute" output="&#xa;  s3cret - Valid credentials">'
        '<table><elem key="password">s3cret</elem><elem key="state">Valid credentials</elem></table></script>'
    )
    port = _port_xml(80, "open", "http").replace("</port>", brute + "</port>")
    kept, notes = prepare_evidence(_document(_host_xml("127.0.20.1", port)))
    assert "admin:[masqué]" in kept and "admin:admin" not in kept and "s3cret" not in kept
    assert '<elem key="username">admin</elem>' in kept
    assert any("mot(s) de passe" in note for note in notes)
    script = parse_nmap_xml(kept).facts.hosts[0].ports[0].script("http-brute")
    assert script is not None and "[masqué]" in script.output


def test_script_given_as_a_file_counts_by_its_name() -> None:
    asked = requested_scripts("nmap --script=/opt/audit-ti/nse/audit-ti-mqtt-brute.nse,ssh-brute x")
    assert asked == {"audit-ti-mqtt-brute", "ssh-brute"}
