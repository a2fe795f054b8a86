"""Offline import of a real nmap XML: evaluated exactly as a live scan would be."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from audit_ti.checks import default_registry
from audit_ti.errors import ExitCode, InvalidInputError
from audit_ti.models import Status
from audit_ti.report.findings_io import read_findings
from audit_ti.runs.cyber import ScanSettings, import_scan
from audit_ti.runs.folder import sha256_of
from audit_ti.validation.catalog import GrilleCatalog
from tests.conftest import FIXTURES, ROOT

TODAY = date(2026, 11, 22)
AUDIT = FIXTURES / "audits" / "import-dionaea.yaml"
DIONAEA = FIXTURES / "nmap" / "dionaea_scan.xml"


def _import(xml: Path, reports: Path):
    return import_scan(
        xml,
        AUDIT,
        reports_dir=reports,
        catalog=GrilleCatalog(ROOT / "grilles", default_registry()),
        settings=ScanSettings(evaluation_date=TODAY),
    )


def test_dionaea_yields_the_expected_non_compliances(tmp_path: Path) -> None:
    outcome = _import(DIONAEA, tmp_path)
    status = {f.requirement: f.status for f in outcome.findings if f.target == "passerelle-dionaea"}
    for requirement in ("telnet_expose", "ftp_anonyme", "admin_web_http", "certificat_invalide", "service_non_declare"):
        assert status[requirement] is Status.NON_COMPLIANT, requirement
    assert status["mqtt_anonyme"] is Status.PARTIAL
    assert status["identifiants_par_defaut"] is Status.TO_VERIFY
    # The honeypot plays an unpatched Windows: nmap's own VULNERABLE output for MS17-010.
    assert status["smb_obsolete"] is Status.NON_COMPLIANT
    assert status["smb_vulnerabilite_critique"] is Status.NON_COMPLIANT
    cert = next(f for f in outcome.findings if f.requirement == "certificat_invalide")
    assert "expiré" in cert.evidence and "md5WithRSAEncryption" in cert.evidence
    undeclared = next(f for f in outcome.findings if f.requirement == "service_non_declare")
    assert (
        "21/tcp" in undeclared.evidence and "27017/tcp" in undeclared.evidence and "80/tcp" not in undeclared.evidence
    )
    assert outcome.exit_code is ExitCode.BLOCKING_FINDINGS
    assert outcome.evaluation.gateways[0].verdict.value == "deploiement_deconseille"


def test_import_leaves_evidence_results_and_manifest(tmp_path: Path) -> None:
    outcome = _import(DIONAEA, tmp_path)
    assert outcome.folder.parent == tmp_path / "import-dionaea"
    evidence = outcome.folder / "evidence" / "import-dionaea_scan.xml"
    manifest = json.loads((outcome.folder / "manifest.json").read_text())
    assert manifest["fichiers"]["evidence/import-dionaea_scan.xml"] == sha256_of(evidence)
    assert manifest["statut"] == "complet" and manifest["code_sortie"] == 1
    assert manifest["grilles"]["hygiene-iot"]["version"] == "2026.12.2"
    assert read_findings(outcome.folder / "results" / "findings.json") == list(outcome.findings)
    csv_text = (outcome.folder / "results" / "findings.csv").read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0].startswith("exigence;titre;theme;cible;statut")
    cyber = json.loads((outcome.folder / "results" / "cyber.json").read_text())
    assert cyber["cas_usage"]["verdict"] == "deploiement_deconseille"
    assert len(cyber["mesures_prioritaires"]) == 6


def test_interrupted_xml_is_incomplete(tmp_path: Path) -> None:
    text = DIONAEA.read_text(encoding="utf-8")
    cut = tmp_path / "coupe.xml"
    cut.write_text(text[: text.index("<host ")], encoding="utf-8")
    outcome = _import(cut, tmp_path / "rapports")
    assert outcome.exit_code is ExitCode.INCOMPLETE_RUN
    network = [f for f in outcome.findings if f.target == "passerelle-dionaea"]
    assert network and all(f.status is Status.NOT_TESTED for f in network)
    assert not any(f.status is Status.COMPLIANT for f in network)
    # Said as such, not only guessed from the missing final statistics.
    assert "scan importé interrompu : seuls les hôtes complets ont été lus" in outcome.evaluation.incomplete_reasons


def test_hostile_xml_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    hostile = tmp_path / "piege.xml"
    hostile.write_text('<!DOCTYPE nmaprun [<!ENTITY x SYSTEM "file:///etc/passwd">]><nmaprun args="&x;"/>')
    with pytest.raises(InvalidInputError, match="entités"):
        _import(hostile, tmp_path / "rapports")
    assert not (tmp_path / "rapports").exists()


def test_cli_importer(tmp_path: Path, run_cli) -> None:
    result = run_cli(
        "importer",
        str(DIONAEA),
        "--audit",
        str(AUDIT),
        "--rapports",
        str(tmp_path),
        "--grilles",
        str(ROOT / "grilles"),
        "--date",
        "2026-11-22",
    )
    assert result.code == 1, result.err
    flat = " ".join(result.out.split())
    assert "Déploiement déconseillé" in flat
    assert "Mesures prioritaires pour les six prochains mois" in flat
    assert str(tmp_path / "import-dionaea") in flat
    result = run_cli(
        "importer",
        str(DIONAEA),
        "--audit",
        str(AUDIT),
        "--rapports",
        str(tmp_path),
        "--grilles",
        str(ROOT / "grilles"),
        "--date",
        "2026-11-22",
        "--echec-si",
        "critique",
    )
    assert result.code == 1


def test_accepted_risks_stay_visible_and_only_valid_ones_unblock(tmp_path: Path) -> None:
    audit = tmp_path / "import-dionaea.yaml"
    audit.write_text(
        AUDIT.read_text(encoding="utf-8")
        + """risques_acceptes:
  - exigence: telnet_expose
    cible: passerelle-dionaea
    justification: Pot de miel volontairement exposé, isolé du réseau de production.
    signataire: Le maire
    date: 2026-11-01
    expire_le: 2027-06-30
  - exigence: ftp_anonyme
    justification: Acceptation ancienne, non renouvelée.
    signataire: Le maire
    date: 2025-01-01
    expire_le: 2025-12-31
""",
        encoding="utf-8",
    )
    outcome = import_scan(
        DIONAEA,
        audit,
        reports_dir=tmp_path / "r",
        catalog=GrilleCatalog(ROOT / "grilles", default_registry()),
        settings=ScanSettings(evaluation_date=TODAY),
    )
    by_requirement = {f.requirement: f for f in outcome.findings if f.target == "passerelle-dionaea"}
    telnet, ftp = by_requirement["telnet_expose"], by_requirement["ftp_anonyme"]
    assert telnet.status is Status.NON_COMPLIANT and telnet.accepted
    assert ftp.accepted_risk is not None and ftp.accepted_risk.expired and not ftp.accepted
    assert "telnet_expose" not in {m.requirement for m in outcome.evaluation.priorities}
    assert "ftp_anonyme" in " ".join(outcome.evaluation.gateways[0].reasons)
    assert outcome.evaluation.accepted_risks == 2
    csv_text = (outcome.folder / "results" / "findings.csv").read_text(encoding="utf-8-sig")
    assert "accepté par Le maire jusqu'au 2027-06-30 (en vigueur)" in csv_text
    assert "jusqu'au 2025-12-31 (expirée)" in csv_text


def test_accepted_risk_must_name_a_requirement_and_a_gateway(tmp_path: Path, run_cli) -> None:
    audit = tmp_path / "import-dionaea.yaml"
    audit.write_text(
        AUDIT.read_text(encoding="utf-8")
        + """risques_acceptes:
  - exigence: telnet_expos
    cible: passerelle-dionea
    justification: essai
    signataire: Le maire
    date: 2026-11-01
    expire_le: 2026-10-01
""",
        encoding="utf-8",
    )
    result = run_cli("valider", "--grilles", str(ROOT / "grilles"), "--date", "2026-11-22", str(audit))
    assert result.code == 2
    flat = " ".join(result.err.split())
    expected = (
        "clé « risques_acceptes[1].exigence » : « telnet_expos » n'est une exigence d'aucune grille, "
        "vouliez-vous dire « telnet_expose » ?"
    )
    assert expected in flat
    assert "« passerelle-dionea » n'est pas une passerelle déclarée, vouliez-vous dire « passerelle-dionaea » ?" in flat
    assert "l'acceptation expire avant d'avoir été décidée" in flat


def test_address_reported_twice_is_merged_and_its_telnet_found(tmp_path: Path) -> None:
    """Today's XML with the honeypot twice: the second entry, with telnet open, is not ignored."""
    text = DIONAEA.read_text(encoding="utf-8")
    start, end = text.index("<host "), text.index("</host>") + len("</host>")
    only_web = re.sub(r'<port protocol="tcp" portid="23">.*?</port>', "", text[start:end], flags=re.DOTALL)
    telnet = re.search(r'<port protocol="tcp" portid="23">.*?</port>', text, flags=re.DOTALL)
    assert telnet is not None and 'portid="23"' not in only_web
    second = re.sub(r"<ports>.*</ports>", f"<ports>{telnet[0]}</ports>", text[start:end], flags=re.DOTALL)
    doubled = tmp_path / "double.xml"
    doubled.write_text(text[:start] + only_web + "\n" + second + text[end:], encoding="utf-8")
    outcome = _import(doubled, tmp_path / "rapports")
    status = {f.requirement: f.status for f in outcome.findings if f.target == "passerelle-dionaea"}
    assert status["telnet_expose"] is Status.NON_COMPLIANT
    assert status["ftp_anonyme"] is Status.NON_COMPLIANT
    manifest = json.loads((outcome.folder / "manifest.json").read_text())
    assert "observations réunies : 172.28.1.3" in manifest["etapes"][0]["message"]
    assert outcome.exit_code is ExitCode.BLOCKING_FINDINGS


def test_import_covering_other_ports_is_never_compliant_on_them(tmp_path: Path) -> None:
    text = DIONAEA.read_text(encoding="utf-8")
    narrowed = re.sub(r'(<scaninfo [^>]*services=")[^"]*"', r'\g<1>1-1000"', text, count=1)
    path = tmp_path / "etroit.xml"
    path.write_text(narrowed, encoding="utf-8")
    outcome = _import(path, tmp_path / "rapports")
    status = {f.requirement: f for f in outcome.findings if f.target == "passerelle-dionaea"}
    assert status["service_debug_expose"].status is Status.NOT_TESTED
    assert "1880/tcp" in status["service_debug_expose"].evidence
    assert status["service_non_declare"].status is Status.NON_COMPLIANT


LAB_SMB_AUDIT = FIXTURES / "audits" / "import-labo-smb.yaml"


def _smb_findings(xml: str, tmp_path: Path, address: str = "127.60.10.1") -> dict[str, tuple[Status, str]]:
    audit = tmp_path / "import-labo-smb.yaml"
    text = LAB_SMB_AUDIT.read_text(encoding="utf-8").replace("127.60.10.", address.rsplit(".", 1)[0] + ".")
    audit.write_text(text, encoding="utf-8")
    outcome = import_scan(
        FIXTURES / "nmap" / xml,
        audit,
        reports_dir=tmp_path / "rapports",
        catalog=GrilleCatalog(ROOT / "grilles", default_registry()),
        settings=ScanSettings(evaluation_date=TODAY),
    )
    assert outcome.exit_code is not ExitCode.INCOMPLETE_RUN
    return {f.requirement: (f.status, f.evidence) for f in outcome.findings if f.target == "eclairage-armoire-01"}


def test_lab_smb_server_offers_smbv1_and_ms17_010_stays_unproven(tmp_path: Path) -> None:
    """Real nmap output of the lab's Samba: SMBv1 offered; « NOT VULNERABLE » proves nothing with SMBv1 on."""
    found = _smb_findings("labo-smb1.xml", tmp_path)
    status, evidence = found["smb_obsolete"]
    assert status is Status.NON_COMPLIANT
    assert "445/tcp smb-protocols : dialects: NT LM 0.12 (SMBv1)" in evidence
    status, evidence = found["smb_vulnerabilite_critique"]
    assert status is Status.TO_VERIFY
    assert "State: NOT VULNERABLE" in evidence and "NT LM 0.12" in evidence


def test_smb_server_without_smbv1_is_compliant_on_both(tmp_path: Path) -> None:
    """Real nmap output of the same Samba with « server min protocol = SMB2_10 »."""
    found = _smb_findings("labo-smb2.xml", tmp_path, address="127.62.10.1")
    assert found["smb_obsolete"][0] is Status.COMPLIANT
    assert found["smb_vulnerabilite_critique"][0] is Status.COMPLIANT


def test_an_acceptance_dated_in_the_future_covers_nothing_yet(tmp_path: Path) -> None:
    audit = tmp_path / "import-dionaea.yaml"
    audit.write_text(
        AUDIT.read_text(encoding="utf-8")
        + """risques_acceptes:
  - exigence: telnet_expose
    justification: Décision prévue au prochain conseil municipal.
    signataire: Le maire
    date: 2026-12-15
    expire_le: 2027-06-30
""",
        encoding="utf-8",
    )
    catalog = GrilleCatalog(ROOT / "grilles", default_registry())
    outcome = import_scan(
        DIONAEA, audit, reports_dir=tmp_path / "rapports", catalog=catalog, settings=ScanSettings(evaluation_date=TODAY)
    )
    telnet = next(f for f in outcome.findings if f.requirement == "telnet_expose")
    assert telnet.accepted_risk is None
    assert outcome.evaluation.use_case.verdict.value == "deploiement_deconseille"
