"""Factory credentials, on the lab's real nmap outputs: tried and refused is « conforme », accepted is
« non conforme » naming the account only, not tried (safe profile) is « à vérifier »."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from audit_ti.checks import Coverage, default_registry
from audit_ti.checks.credentials import FactoryCredentialsParams, factory_credentials
from audit_ti.cyber.findings import NetworkEvidence, evaluate_findings
from audit_ti.inputs.documents import load_audit, load_grille
from audit_ti.models import ScanProfile, Status
from audit_ti.models.scan_facts import merge_runs
from audit_ti.scan.nmap_xml import parse_nmap_xml
from tests.conftest import FIXTURES, ROOT
from tests.factories import context, port, script, table

TODAY = date(2026, 12, 1)
MAIN = parse_nmap_xml((FIXTURES / "nmap" / "labo-passe-principale.xml").read_text(encoding="utf-8")).facts
SECOND = parse_nmap_xml((FIXTURES / "nmap" / "labo-identifiants-usine.xml").read_text(encoding="utf-8")).facts
GRILLE = load_grille(ROOT / "grilles" / "hygiene-iot.yaml")
AUDIT = load_audit(ROOT / "audits" / "demo-lab.yaml")


def _evaluate(run, profile: ScanProfile):
    coverage = Coverage(profile, udp=True, reference_tcp=run.scanned_tcp, reference_udp=run.scanned_udp)
    evidence = NetworkEvidence((run,), coverage, {}, discovery=False)
    findings = evaluate_findings(AUDIT, [GRILLE], evidence, default_registry(), TODAY).findings
    return {f.target: f for f in findings if f.requirement == "identifiants_par_defaut"}


def test_both_passes_of_the_lab() -> None:
    found = _evaluate(merge_runs(MAIN, SECOND), ScanProfile.INTRUSIVE)
    vulnerable = found["eclairage-armoire-01"]
    assert vulnerable.status is Status.NON_COMPLIANT and vulnerable.confidence == 99
    assert "compte « admin » : identifiant d'usine accepté (http-brute)" in vulnerable.evidence
    assert "admin:admin" not in vulnerable.evidence and "[masqué]" not in vulnerable.evidence
    assert "161/udp : communauté : identifiant d'usine accepté (snmp-brute)" in vulnerable.evidence
    assert "23/tcp : 13 identifiant(s) d'usine essayé(s) (telnet-brute), aucun accepté" in vulnerable.evidence
    medium = found["telereleve-eau-01"]
    assert (medium.status, medium.confidence) == (Status.COMPLIANT, 85)
    assert "1883/tcp : 13 identifiant(s) d'usine essayé(s) (audit-ti-mqtt-brute), aucun accepté" in medium.evidence
    hardened = found["passerelle-durcie-01"]
    assert hardened.status is Status.COMPLIANT
    assert "22/tcp : aucune authentification par mot de passe" in hardened.evidence


def test_a_signature_script_that_found_nothing_proves_nothing() -> None:
    """The main pass alone, as a safe or a signature-only scan would leave it: nothing tried, nothing green."""
    found = _evaluate(MAIN, ScanProfile.SAFE)
    for gateway in ("telereleve-eau-01", "passerelle-durcie-01"):
        assert found[gateway].status is Status.TO_VERIFY, found[gateway].evidence
        assert "identifiants d'usine non essayés" in found[gateway].evidence


def test_an_aborted_attempt_is_not_a_refusal() -> None:
    aborted = "Accounts: No valid accounts found\n  Statistics: Performed 0 guesses in 1 seconds"
    telnet = port(
        23,
        "telnet",
        scripts=(script("telnet-brute", aborted, table(elems={"ERROR": "The service seems to have failed"})),),
    )
    checks = FactoryCredentialsParams.model_validate(
        {"services": ["telnet"], "ports": ["23/tcp"], "scripts": ["telnet-brute"]}, by_alias=True, by_name=False
    )
    obs = factory_credentials(context(telnet), checks)
    assert obs.status is Status.TO_VERIFY and "interrompu" in obs.evidence


def test_a_locked_account_is_reported_not_counted_as_refused() -> None:
    locked = table(
        tables=(
            table(
                "Accounts",
                tables=(table(None, {"username": "root", "password": "[masqué]", "state": "Account is locked"}),),
            ),
        )
    )
    ssh = port(22, "ssh", scripts=(script("ssh-brute", "Statistics: Performed 4 guesses", locked),))
    checks = FactoryCredentialsParams.model_validate(
        {"services": ["ssh"], "scripts": ["ssh-brute"]}, by_alias=True, by_name=False
    )
    obs = factory_credentials(context(ssh), checks)
    assert obs.status is Status.TO_VERIFY
    assert "compte « root » : Account is locked" in obs.evidence


def test_the_second_pass_covers_only_the_prompts() -> None:
    assert replace(SECOND, hosts=()).scanned_tcp != MAIN.scanned_tcp
    assert {script for script in SECOND.requested_scripts if "brute" in script} >= {"telnet-brute", "ssh-brute"}
