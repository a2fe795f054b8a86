"""The cyber audit against the lab, with the real nmap: each gateway gets the verdict it deserves."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from audit_ti.checks import default_registry
from audit_ti.errors import ExitCode
from audit_ti.models import ScanProfile, Severity, Status
from audit_ti.models.evaluation import Verdict
from audit_ti.runs.cyber import CyberOutcome, ScanSettings, scan_audit
from audit_ti.validation.catalog import GrilleCatalog
from tests.conftest import ROOT, lab_block

pytestmark = [pytest.mark.nmap, pytest.mark.root, pytest.mark.lent]

TODAY = date(2026, 11, 22)
VULNERABLE, MEDIUM, HARDENED = "eclairage-armoire-01", "telereleve-eau-01", "passerelle-durcie-01"
IPV6 = "passerelle-ipv6-01"


def lab_audit(folder: Path, ipv6: bool) -> Path:
    """audits/demo-lab.yaml moved to the block the session lab listens on.

    The IPv6 gateway is left out when the session lab goes without it (::1 taken by another lab).
    """
    second = lab_block().split(".")[1]
    text = (ROOT / "audits" / "demo-lab.yaml").read_text(encoding="utf-8").replace("127.0.", f"127.{second}.")
    if not ipv6:
        start = text.index(f"  - nom: {IPV6}\n")
        text = text[:start] + text[text.index("\n\n", start) + 2 :]
    path = folder / "demo-lab.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def hardened(lab) -> list[str]:
    """The hardened gateways the session lab serves: the IPv4 one, and the IPv6 one if it has it."""
    return [HARDENED, *([IPV6] if lab.layout.ipv6_gateway is not None else [])]


def scan(lab, folder: Path, profile: ScanProfile) -> CyberOutcome:
    return scan_audit(
        lab_audit(folder, lab.layout.ipv6_gateway is not None),
        reports_dir=folder / "rapports",
        catalog=GrilleCatalog(ROOT / "grilles", default_registry()),
        settings=ScanSettings(profile=profile, evaluation_date=TODAY),
    )


@pytest.fixture(scope="module")
def intrusive(lab, tmp_path_factory: pytest.TempPathFactory) -> CyberOutcome:
    return scan(lab, tmp_path_factory.mktemp("intrusif"), ScanProfile.INTRUSIVE)


def statuses(outcome: CyberOutcome, gateway: str) -> dict[str, Status]:
    return {f.requirement: f.status for f in outcome.findings if f.target == gateway}


@pytest.mark.parametrize(
    "requirement",
    [
        "telnet_expose",
        "ftp_anonyme",
        "mqtt_anonyme",
        "snmp_communaute_defaut",
        "modbus_expose",
        "service_non_declare",
        "service_debug_expose",
        "identifiants_par_defaut",
        "smb_obsolete",
        "rtsp_sans_authentification",
        "enregistreur_ports_constructeur",
        "tr069_expose",
    ],
)
def test_vulnerable_gateway(intrusive: CyberOutcome, requirement: str) -> None:
    assert statuses(intrusive, VULNERABLE)[requirement] is Status.NON_COMPLIANT


def test_smb_findings_follow_what_the_scripts_saw(intrusive: CyberOutcome) -> None:
    vulnerable = {f.requirement: f for f in intrusive.findings if f.target == VULNERABLE}
    assert "NT LM 0.12 (SMBv1)" in vulnerable["smb_obsolete"].evidence
    # Samba says « NOT VULNERABLE », but with SMBv1 on that is no proof (see the grille).
    ms17 = vulnerable["smb_vulnerabilite_critique"]
    assert ms17.status is Status.TO_VERIFY
    assert "State: NOT VULNERABLE" in ms17.evidence
    for gateway in (MEDIUM, *{f.target for f in intrusive.findings if f.target in (HARDENED, IPV6)}):
        found = statuses(intrusive, gateway)
        assert found["smb_obsolete"] is Status.NOT_APPLICABLE, gateway
        assert found["smb_vulnerabilite_critique"] is Status.NOT_APPLICABLE, gateway


@pytest.mark.parametrize(
    "requirement",
    ["ssh_mot_de_passe", "tls_obsolete", "certificat_invalide", "mqtt_clair", "coap_sans_dtls", "lorawan_semtech_udp"],
)
def test_medium_gateway(intrusive: CyberOutcome, requirement: str) -> None:
    assert statuses(intrusive, MEDIUM)[requirement] is Status.NON_COMPLIANT


def test_hardened_gateways_have_nothing_serious(intrusive: CyberOutcome, lab) -> None:
    for gateway in hardened(lab):
        serious = [
            f
            for f in intrusive.findings
            if f.target == gateway and f.status is Status.NON_COMPLIANT and f.severity.at_least(Severity.HIGH)
        ]
        assert serious == [], gateway
        found = statuses(intrusive, gateway)
        assert found["ssh_mot_de_passe"] is Status.COMPLIANT, gateway
        assert found["tls_obsolete"] is Status.COMPLIANT, gateway
        assert found["service_non_declare"] is Status.COMPLIANT, gateway
        assert found["identifiants_par_defaut"] is Status.COMPLIANT, gateway
        # Its own host key and certificate: nothing shared with passerelle-durcie-01.
        assert found["cles_partagees"] is Status.COMPLIANT, gateway
        assert Status.ERROR not in found.values(), gateway


def test_the_new_protocols_are_found_where_the_lab_serves_them_and_only_there(intrusive: CyberOutcome, lab) -> None:
    findings = {(f.target, f.requirement): f for f in intrusive.findings}
    assert "/Streaming/Channels/101" in findings[VULNERABLE, "rtsp_sans_authentification"].evidence
    assert "37777/tcp" in findings[VULNERABLE, "enregistreur_ports_constructeur"].evidence
    assert "34567/tcp" in findings[VULNERABLE, "enregistreur_ports_constructeur"].evidence
    assert "7547/tcp" in findings[VULNERABLE, "tr069_expose"].evidence
    assert "PULL_ACK" in findings[MEDIUM, "lorawan_semtech_udp"].evidence
    # Scanned and closed: absent, hence not applicable or compliant; never « à vérifier ».
    assert findings[VULNERABLE, "lorawan_semtech_udp"].status is Status.NOT_APPLICABLE
    for gateway in (MEDIUM, *hardened(lab)):
        assert findings[gateway, "rtsp_sans_authentification"].status is Status.NOT_APPLICABLE, gateway
        assert findings[gateway, "enregistreur_ports_constructeur"].status is Status.COMPLIANT, gateway
        assert findings[gateway, "tr069_expose"].status is Status.COMPLIANT, gateway
    for gateway in hardened(lab):
        assert findings[gateway, "lorawan_semtech_udp"].status is Status.NOT_APPLICABLE, gateway


def test_factory_credentials_are_really_tried_and_never_kept(intrusive: CyberOutcome) -> None:
    by_target = {f.target: f for f in intrusive.findings if f.requirement == "identifiants_par_defaut"}
    vulnerable = by_target[VULNERABLE]
    assert "80/tcp : compte « admin » : identifiant d'usine accepté" in vulnerable.evidence
    assert "23/tcp : 13 identifiant(s) d'usine essayé(s) (telnet-brute), aucun accepté" in vulnerable.evidence
    # The agent answers « public » and « private »: snmp-brute names both, masked, one acceptance each.
    assert vulnerable.evidence.count("communauté : identifiant d'usine accepté (snmp-brute)") == 2
    medium = by_target[MEDIUM]
    assert medium.status is Status.COMPLIANT and medium.confidence == 85
    assert "22/tcp : 13 identifiant(s) d'usine essayé(s) (ssh-brute)" in medium.evidence
    # The hardened gateway's SSH takes no password: nothing to try there, and it says so.
    assert "22/tcp : aucune authentification par mot de passe" in by_target[HARDENED].evidence
    for path in intrusive.folder.rglob("*"):
        if path.is_file() and path.name != "identifiants-essayes.txt":
            assert "admin:admin" not in path.read_text(encoding="utf-8", errors="replace"), path
    evidence = intrusive.folder / "evidence"
    assert evidence.stat().st_mode & 0o777 == 0o700
    assert all(path.stat().st_mode & 0o777 == 0o600 for path in evidence.iterdir())


def test_verdicts(intrusive: CyberOutcome, lab) -> None:
    verdicts = {g.target: g.verdict for g in intrusive.evaluation.gateways}
    assert verdicts == {
        VULNERABLE: Verdict.UNFAVOURABLE,
        MEDIUM: Verdict.CONDITIONAL,
        **dict.fromkeys(hardened(lab), Verdict.FAVOURABLE),
    }
    assert intrusive.evaluation.use_case.verdict is Verdict.UNFAVOURABLE
    assert intrusive.exit_code is ExitCode.BLOCKING_FINDINGS


def test_evidence_is_kept_and_mqtt_payloads_masked(intrusive: CyberOutcome) -> None:
    manifest = json.loads((intrusive.folder / "manifest.json").read_text())
    assert manifest["statut"] == "complet"
    assert manifest["outils_externes"]["nmap"]
    evidence = intrusive.folder / "evidence" / "nmap-scan-1.xml"
    assert manifest["fichiers"]["evidence/nmap-scan-1.xml"]
    text = evidence.read_text()
    assert 'id="mqtt-subscribe"' in text
    assert "[masqué" in text
    # The lab's street-lighting controller publishes « allumer » and its power draw: never kept.
    assert "allumer" not in text and "4120" not in text
    assert not list((intrusive.folder / "evidence").glob(".progression-*"))


def test_safe_profile_leaves_login_attempts_untested(lab, tmp_path: Path) -> None:
    outcome = scan(lab, tmp_path, ScanProfile.SAFE)
    medium = statuses(outcome, MEDIUM)
    assert medium["ssh_mot_de_passe"] is Status.NOT_TESTED
    # Nothing tried in the safe profile: never « conforme », and never a green light.
    for gateway in (VULNERABLE, MEDIUM, HARDENED):
        assert statuses(outcome, gateway)["identifiants_par_defaut"] is Status.TO_VERIFY
    assert medium["tls_obsolete"] is Status.NON_COMPLIANT
    hardened = next(g for g in outcome.evaluation.gateways if g.target == HARDENED)
    assert hardened.verdict is Verdict.CONDITIONAL
    assert any("identifiants_par_defaut" in reason for reason in hardened.reasons)
    # The SMB scripts are safe ones: the safe profile runs them.
    assert statuses(outcome, VULNERABLE)["smb_obsolete"] is Status.NON_COMPLIANT
