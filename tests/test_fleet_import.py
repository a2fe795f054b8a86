"""Import and evaluation at fleet size (issue 12): the fast parser and the shared gateway checks.

Both must change nothing but the time taken: the fast parser builds the very tree defusedxml's
parser builds and refuses what it refuses; gateways that answer alike share their checks' work,
and each still gets what it would get evaluated on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from xml.etree.ElementTree import TreeBuilder, tostring

import pytest

from audit_ti.checks import default_registry
from audit_ti.checks.context import Coverage
from audit_ti.cyber import findings as findings_module
from audit_ti.cyber.findings import NetworkEvidence, evaluate_findings
from audit_ti.cyber.scoring import assess_target, build_evaluation
from audit_ti.errors import InvalidInputError
from audit_ti.inputs.documents import load_grille
from audit_ti.models import Audit, ScanProfile
from audit_ti.models.enums import Status
from audit_ti.models.finding import Finding
from audit_ti.scan import hardened_xml
from audit_ti.scan.nmap_xml import parse_nmap_xml
from tests.conftest import FIXTURES, ROOT
from tests.factories import TODAY, host, port, run, script, table

DOCUMENTS = sorted([*(ROOT / "audits" / "references").glob("*.xml"), *(FIXTURES / "nmap").glob("*.xml")])


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.name)
def test_fast_parser_builds_the_tree_of_the_defused_parser(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if not hardened_xml._without_namespaces(text):
        pytest.skip("document with namespaces: read by defusedxml's parser alone")
    fast = hardened_xml._fromstring(text)
    defused = hardened_xml._fromstring(text, TreeBuilder())  # an explicit builder takes the defused parser
    assert tostring(fast, encoding="unicode") == tostring(defused, encoding="unicode")


HOSTILE = {
    "entité interne": '<?xml version="1.0"?><!DOCTYPE nmaprun [<!ENTITY a "b">]><nmaprun>&a;</nmaprun>',
    "milliard de rires": (
        '<?xml version="1.0"?><!DOCTYPE nmaprun [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><nmaprun>&b;</nmaprun>'
    ),
    "DTD externe": '<?xml version="1.0"?><!DOCTYPE nmaprun SYSTEM "http://127.0.0.1:9/nmap.dtd"><nmaprun/>',
    "DTD publique": '<?xml version="1.0"?><!DOCTYPE nmaprun PUBLIC "-//x//y" "file:///etc/passwd"><nmaprun/>',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_fast_parser_refuses_what_the_defused_parser_refuses(name: str) -> None:
    text = HOSTILE[name]
    assert hardened_xml._without_namespaces(text)  # the fast parser is the one tried
    with pytest.raises(InvalidInputError, match="XML refusé"):
        hardened_xml.parse_root(text, "épreuve")


def test_undeclared_entity_is_malformed_for_the_fast_parser() -> None:
    with pytest.raises(InvalidInputError, match="ce n'est pas une sortie XML de nmap lisible"):
        hardened_xml.parse_root('<?xml version="1.0"?><nmaprun>&inconnue;</nmaprun>', "épreuve")


def test_namespaced_document_reads_as_before() -> None:
    text = '<nmaprun xmlns:x="urn:essai" args="nmap"><x:host/><runstats><finished exit="success"/></runstats></nmaprun>'
    assert not hardened_xml._without_namespaces(text)
    root, recovered = hardened_xml.parse_root(text, "épreuve")
    assert not recovered
    assert [child.tag for child in root] == ["{urn:essai}host", "runstats"]
    assert parse_nmap_xml(text).facts.hosts == ()


def test_cut_document_is_still_read_up_to_its_last_complete_host() -> None:
    text = (ROOT / "audits" / "references" / "eclairage-public.xml").read_text(encoding="utf-8")
    cut = text[: text.rfind("</host>") - 20]
    whole = parse_nmap_xml(text).facts
    parsed = parse_nmap_xml(cut)
    assert parsed.recovered
    assert parsed.facts.hosts == whole.hosts[: len(parsed.facts.hosts)]
    assert 0 < len(parsed.facts.hosts) < len(whole.hosts)


# --- gateways that answer alike share their checks -------------------------------------------------


def _audit(zones: dict[str, str]) -> Audit:
    gateways = [
        {"nom": name, "adresse": f"127.0.20.{index}", "modele": "essai", "zone": zone, "ports_attendus": ["22/tcp"]}
        for index, (name, zone) in enumerate(zones.items(), start=1)
    ]
    head = {
        "cas_usage": {
            "nom": "Flotte d'essai",
            "collectivite": "Commune d'essai",
            "domaine": "autre",
            "responsable": {"nom": "épreuves"},
            "date_audit": "2026-11-22",
        },
        "autorisation": {
            "reference": "épreuve",
            "signataire": "épreuves",
            "date": "2026-11-01",
            "valable_jusqu_au": "2099-12-31",
            "perimetre": ["127.0.20.0/24"],
        },
    }
    return Audit.model_validate({**head, "passerelles": gateways}, by_alias=True, by_name=False)


def _evaluate(audit: Audit) -> Sequence[Finding]:
    modbus = port(502, "mbap", scripts=(script("banner", "modbus"),))
    ssh = port(22, "ssh", product="OpenSSH")
    hosts = [
        host(modbus, ssh, address="127.0.20.1"),
        host(modbus, ssh, address="127.0.20.2"),
        host(modbus, ssh, address="127.0.20.3"),
        host(ssh, address="127.0.20.4"),
    ]
    evidence = NetworkEvidence((run(*hosts),), Coverage(ScanProfile.SAFE, udp=False, udp_reason="épreuve"), {}, False)
    grille = load_grille(ROOT / "grilles" / "hygiene-iot.yaml")
    return evaluate_findings(audit, [grille], evidence, default_registry(), TODAY).findings


ZONES = {"armoire-a": "iot", "armoire-b": "iot", "automate-c": "ot", "armoire-d": "iot"}


def test_shared_checks_give_what_each_gateway_gets_on_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    shared = _evaluate(_audit(ZONES))

    def alone(self, context):  # every gateway a group of its own: evaluated for itself, as before sharing
        self.of[context.name] = len(self.of)

    monkeypatch.setattr(findings_module._Groups, "add", alone)
    assert list(_evaluate(_audit(ZONES))) == list(shared)


def test_a_declaration_that_differs_is_not_shared() -> None:
    by_target = {f.target: f for f in _evaluate(_audit(ZONES)) if f.requirement == "modbus_expose"}
    # Same facts: a and b alike; c declared in the OT zone where Modbus is admitted; d has no Modbus.
    assert by_target["armoire-a"].status is by_target["armoire-b"].status is Status.NON_COMPLIANT
    assert by_target["armoire-a"].evidence == by_target["armoire-b"].evidence
    assert by_target["automate-c"].status is Status.COMPLIANT
    assert "zone « ot »" in by_target["automate-c"].evidence
    assert by_target["armoire-d"].status is not Status.NON_COMPLIANT


def test_gateways_sharing_facts_are_grouped_and_others_are_not() -> None:
    audit = _audit(ZONES)
    grille = load_grille(ROOT / "grilles" / "hygiene-iot.yaml")
    modbus = port(502, "mbap")
    hosts = [host(modbus, address=f"127.0.20.{index}") for index in range(1, 5)]
    evidence = NetworkEvidence((run(*hosts),), Coverage(ScanProfile.SAFE, udp=False), {}, False)
    groups = findings_module._Groups()
    contexts, _, _ = findings_module._observe(audit, evidence, TODAY)
    for context in contexts.values():
        groups.add(context)
    assert groups.of["armoire-a"] == groups.of["armoire-b"] == groups.of["armoire-d"]
    assert groups.of["automate-c"] != groups.of["armoire-a"]  # declared in another zone
    assert len(evaluate_findings(audit, [grille], evidence, default_registry(), TODAY).findings) > 0


def _grouped(unread: frozenset[str], *hosts) -> dict[str, int]:
    audit = _audit({f"passerelle-{index}": "iot" for index in range(1, len(hosts) + 1)})
    evidence = NetworkEvidence((run(*hosts),), Coverage(ScanProfile.SAFE, udp=False), {}, False)
    groups = findings_module._Groups(unread)
    contexts, _, _ = findings_module._observe(audit, evidence, TODAY)
    for context in contexts.values():
        groups.add(context)
    return groups.of


def _ssh(fingerprint: str, address: str):
    hostkey = script("ssh-hostkey", fingerprint, table(None, {"fingerprint": fingerprint}))
    return host(port(22, "ssh", product="OpenSSH", scripts=(hostkey,)), address=address)


def test_a_device_key_fingerprint_alone_does_not_split_a_group() -> None:
    a, b = _ssh("aa" * 20, "127.0.20.1"), _ssh("bb" * 20, "127.0.20.2")
    groups = _grouped(frozenset({"ssh-hostkey"}), a, b)
    assert groups["passerelle-1"] == groups["passerelle-2"]
    # A grille whose gateway check reads the fingerprint script: its output tells the gateways apart.
    groups = _grouped(frozenset(), a, b)
    assert groups["passerelle-1"] != groups["passerelle-2"]


def test_a_certificate_still_splits_a_group() -> None:
    def tls(subject: str, address: str):
        return host(port(443, "http", tunnel="ssl", scripts=(script("ssl-cert", subject),)), address=address)

    groups = _grouped(frozenset({"ssh-hostkey"}), tls("CN=a", "127.0.20.1"), tls("CN=b", "127.0.20.2"))
    assert groups["passerelle-1"] != groups["passerelle-2"]


def test_only_fingerprints_no_gateway_check_reads_are_left_out() -> None:
    grille = load_grille(ROOT / "grilles" / "hygiene-iot.yaml")
    assert findings_module._unread_fingerprints([grille], default_registry()) == {"ssh-hostkey"}


def test_shared_scores_equal_the_scores_of_each_gateway_alone() -> None:
    found = _evaluate(_audit(ZONES))
    grille = load_grille(ROOT / "grilles" / "hygiene-iot.yaml")
    titles = {theme.id: theme.title for theme in grille.themes}
    evaluation = build_evaluation(
        "essai", grilles=[grille], gateway_names=list(ZONES), findings=found, today=TODAY, incomplete_reasons=[]
    )
    alone = [assess_target(name, [f for f in found if f.target == name], titles) for name in ZONES]
    assert list(evaluation.gateways) == alone
    assert evaluation.gateways[0].verdict is not None and evaluation.gateways[0].themes


def test_ports_a_fleet_repeats_are_read_once_and_equal_what_each_host_gives() -> None:
    def host_xml(address: str, conf: str, title: str) -> str:
        return (
            f'<host><status state="up" reason="syn-ack"/><address addr="{address}" addrtype="ipv4"/><ports>'
            f'<port protocol="tcp" portid="80"><state state="open" reason="syn-ack"/>'
            f'<service name="http" method="probed" conf="{conf}"/><script id="http-title" output="{title}"/></port>'
            "</ports></host>"
        )

    hosts = [
        host_xml("127.0.20.1", "10", "Armoire"),
        host_xml("127.0.20.2", "10", "Armoire"),
        host_xml("127.0.20.3", "3", "Armoire"),
        host_xml("127.0.20.4", "10", "Node-RED"),
    ]
    facts = parse_nmap_xml(f'<nmaprun args="nmap">{"".join(hosts)}</nmaprun>').facts
    first, second, unsure, other = (found.ports[0] for found in facts.hosts)
    assert first is second  # one object for the same port
    assert unsure is not first and unsure.service is not None and unsure.service.confidence == 3
    title = other.script("http-title")
    assert other is not first and title is not None and title.output == "Node-RED"
    for found, text in zip(facts.hosts, hosts, strict=True):  # each equal to what the host alone gives
        assert found == parse_nmap_xml(f'<nmaprun args="nmap">{text}</nmaprun>').facts.hosts[0]
