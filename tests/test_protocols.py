"""The protocols of cameras, 4G routers and LoRaWAN bridges (issue 11), as the grille reads them.

Each requirement is taken from grilles/hygiene-iot.yaml as written, and run on facts shaped like
nmap's: one case that triggers it, one that does not, and one where the scan did not look; then
on the stored scans of the examples, real nmap output of the lab.
"""

from __future__ import annotations

from pathlib import Path

from audit_ti.checks import default_registry
from audit_ti.checks.context import GatewayContext, Observation
from audit_ti.inputs.documents import load_grille
from audit_ti.models import ScanProfile, Status
from audit_ti.runs.cyber import ScanSettings, import_scan
from audit_ti.validation.catalog import GrilleCatalog
from tests.conftest import ROOT
from tests.factories import TODAY, context, gateway, host, port, run, script

GRILLE = load_grille(ROOT / "grilles" / "hygiene-iot.yaml")
REGISTRY = default_registry()

# What audit-ti's NSE scripts print (their @output), on the lab's recorder and LoRaWAN bridge.
RTSP_OPEN = "\n  Described without authentication: \n    rtsp://127.0.10.1/Streaming/Channels/101\n  Paths not found: 9"
RTSP_PROTECTED = "\n  Authentication required: \n    rtsp://192.0.2.10:554/Streaming/Channels/101\n  Paths not found: 9"
RTSP_NOTHING = "\n  Paths not found: 10"
PULL_ACK = (
    "\n  Answer: PULL_ACK\n  Protocol version: 2\n  Authentication: none in the protocol (Semtech UDP packet forwarder)"
)


def evaluate(requirement: str, facts: GatewayContext) -> Observation:
    """The requirement's only check, with the grille's parameters, on those facts."""
    (item,) = (item for item in GRILLE.items if item.id == requirement)
    (check,) = item.checks
    spec = REGISTRY.get(check.check)
    assert spec is not None
    observation: Observation = spec.function(facts, spec.parse_params(check.params))
    return observation


def rtsp(output: str | None) -> GatewayContext:
    """The recorder's port; None: the script ran (nmap was asked for it) and printed nothing."""
    scripts = (script("audit-ti-rtsp-describe", output),) if output is not None else ()
    recorder = port(554, "rtsp", product="GStreamer rtspd", scripts=scripts)
    return context(recorder, scan=run(host(recorder), scripts=frozenset({"version", "audit-ti-rtsp-describe"})))


def test_a_stream_described_to_anyone_is_non_compliant() -> None:
    observation = evaluate("rtsp_sans_authentification", rtsp(RTSP_OPEN))
    assert observation.status is Status.NON_COMPLIANT
    assert "/Streaming/Channels/101" in observation.evidence


def test_a_recorder_that_asks_for_credentials_is_compliant() -> None:
    assert evaluate("rtsp_sans_authentification", rtsp(RTSP_PROTECTED)).status is Status.COMPLIANT


def test_a_recorder_with_none_of_the_known_paths_proves_nothing() -> None:
    assert evaluate("rtsp_sans_authentification", rtsp(RTSP_NOTHING)).status is Status.TO_VERIFY
    assert evaluate("rtsp_sans_authentification", rtsp(None)).status is Status.TO_VERIFY


def test_no_rtsp_server_is_not_applicable_only_when_its_ports_were_scanned() -> None:
    assert evaluate("rtsp_sans_authentification", context(port(22, "ssh"))).status is Status.NOT_APPLICABLE
    narrow = context(port(22, "ssh"), scan=run(host(port(22, "ssh")), tcp=((1, 1024),)))
    observation = evaluate("rtsp_sans_authentification", narrow)
    assert observation.status is Status.NOT_TESTED
    assert "8554/tcp" in observation.evidence


def test_the_rtsp_script_withheld_leaves_the_requirement_untested() -> None:
    facts = context(port(554, "rtsp"), scan=run(host(port(554, "rtsp")), scripts=frozenset({"version"})))
    assert evaluate("rtsp_sans_authentification", facts).status is Status.NOT_TESTED


def test_a_recorder_port_open_is_non_compliant_and_closed_ones_compliant() -> None:
    dahua = evaluate("enregistreur_ports_constructeur", context(port(37777, "unknown", method="table", conf=3)))
    assert dahua.status is Status.NON_COMPLIANT and "37777/tcp" in dahua.evidence
    xmeye = evaluate("enregistreur_ports_constructeur", context(port(34567, "dhanalakshmi", method="table", conf=3)))
    assert xmeye.status is Status.NON_COMPLIANT
    clean = evaluate("enregistreur_ports_constructeur", context(port(22, "ssh")))
    assert clean.status is Status.COMPLIANT and "37777/tcp, 34567/tcp" in clean.evidence


def test_recorder_ports_left_out_of_the_scan_are_not_compliant() -> None:
    narrow = context(port(22, "ssh"), scan=run(host(port(22, "ssh")), tcp=((1, 1024),)))
    assert evaluate("enregistreur_ports_constructeur", narrow).status is Status.NOT_TESTED


def test_tr069_connection_request_reachable_is_non_compliant_outside_the_management_zone() -> None:
    cwmp = port(7547, "http", product="lighttpd")
    assert evaluate("tr069_expose", context(cwmp)).status is Status.NON_COMPLIANT
    managed = context(cwmp, gw=gateway(zone="administration"))
    assert evaluate("tr069_expose", managed).status is Status.COMPLIANT
    assert evaluate("tr069_expose", context(port(22, "ssh"))).status is Status.COMPLIANT


def semtech(state: str, output: str | None, *, udp: bool = True) -> GatewayContext:
    scripts = (script("audit-ti-semtech-udp", output),) if output is not None else ()
    name = "semtech-udp" if output is not None else "mps-raft"
    bridge = port(1700, name, protocol="udp", state=state, method="probed" if output else "table", scripts=scripts)
    return context(bridge, udp=udp)


def test_a_bridge_that_acknowledges_pull_data_is_non_compliant() -> None:
    observation = evaluate("lorawan_semtech_udp", semtech("open", PULL_ACK))
    assert observation.status is Status.NON_COMPLIANT
    assert "PULL_ACK" in observation.evidence


def test_a_closed_port_is_not_applicable_and_a_silent_one_is_to_verify() -> None:
    assert evaluate("lorawan_semtech_udp", semtech("closed", None)).status is Status.NOT_APPLICABLE
    # An empty UDP probe gets nothing from a bridge: open|filtered proves nothing either way.
    assert evaluate("lorawan_semtech_udp", semtech("open|filtered", None)).status is Status.TO_VERIFY


def test_without_udp_the_bridge_is_not_tested() -> None:
    facts = context(port(22, "ssh"), udp=False, profile=ScanProfile.SAFE)
    observation = evaluate("lorawan_semtech_udp", facts)
    assert observation.status is Status.NOT_TESTED


def _imported(case: str, tmp_path: Path) -> dict[tuple[str | None, str], Status]:
    """The stored scan of an example audit (real nmap on the lab, audits/references/), imported."""
    outcome = import_scan(
        ROOT / "audits" / "references" / f"{case}.xml",
        ROOT / "audits" / f"{case}.yaml",
        reports_dir=tmp_path / case,
        catalog=GrilleCatalog(ROOT / "grilles", default_registry()),
        settings=ScanSettings(evaluation_date=TODAY),
    )
    return {(finding.target, finding.requirement): finding.status for finding in outcome.findings}


def test_the_stored_scans_show_the_new_protocols_where_the_lab_serves_them(tmp_path: Path) -> None:
    water = _imported("telereleve-eau", tmp_path)  # the vulnerable street cabinet stands for the tower
    for requirement in ("rtsp_sans_authentification", "enregistreur_ports_constructeur", "tr069_expose"):
        assert water["concentrateur-chateau-eau", requirement] is Status.NON_COMPLIANT, requirement
        assert water["frontal-telereleve", requirement] in {Status.COMPLIANT, Status.NOT_APPLICABLE}, requirement
    lighting = _imported("eclairage-public", tmp_path)  # the medium concentrator stands for the town hall
    assert lighting["armoire-mairie", "lorawan_semtech_udp"] is Status.NON_COMPLIANT
    assert lighting["supervision-eclairage", "lorawan_semtech_udp"] is Status.NOT_APPLICABLE
