"""Follow-up commands on run folders: ``verifier`` (hashes), ``comparer`` (after remediation), ``rapport``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from audit_ti.cli.main import main
from audit_ti.report.history import previous_run, progress_since
from audit_ti.report.synthesis import synthesise
from audit_ti.report.views import load_run
from audit_ti.runs.audit import import_audit
from audit_ti.runs.suite import SuiteSettings, run_suite
from audit_ti.validation.catalog import GrilleCatalog
from tests.conftest import ROOT

REFERENCE = ROOT / "audits" / "references" / "demo-lab.xml"
DEMO = ROOT / "audits" / "demo-lab.yaml"


def imported_run(xml: Path, reports: Path) -> Path:
    catalog = GrilleCatalog.with_builtin_checks(ROOT / "grilles")
    return import_audit(xml, DEMO, reports_dir=reports, catalog=catalog).folder


def test_verifier_finds_one_changed_byte(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = imported_run(REFERENCE, tmp_path)
    assert main(["verifier", str(folder)]) == 0
    assert "intact(s)" in capsys.readouterr().out
    evidence = next((folder / "evidence").glob("*.xml"))
    data = bytearray(evidence.read_bytes())
    data[len(data) // 2] ^= 0x01
    evidence.write_bytes(bytes(data))
    assert main(["verifier", str(folder)]) == 1
    assert f"evidence/{evidence.name} : modifié" in capsys.readouterr().out
    (folder / "results" / "aipd.json").unlink()
    assert main(["verifier", str(folder)]) == 1
    assert "results/aipd.json : absent" in capsys.readouterr().out


def test_verifier_refuses_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    assert main(["verifier", str(tmp_path)]) == 2


def telnet_switched_off(tmp_path: Path) -> Path:
    """The reference scan with the lighting cabinet's telnet switched off: port 23 now refuses connections.

    A port merely absent from the XML would be « non testé », never « corrigé ».
    """
    text = REFERENCE.read_text(encoding="utf-8")
    closed = '<port protocol="tcp" portid="23"><state state="closed" reason="reset" reason_ttl="64" /></port>'
    # Every pass that saw it: the main one and the factory-credentials one (telnet-brute).
    without_telnet = re.sub(r'<port protocol="tcp" portid="23">.*?</port>', closed, text, flags=re.S)
    assert without_telnet != text
    xml = tmp_path / "sans-telnet.xml"
    xml.write_text(without_telnet, encoding="utf-8")
    return xml


def test_comparer_lists_a_service_switched_off_as_fixed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = imported_run(REFERENCE, tmp_path / "avant")
    after = imported_run(telnet_switched_off(tmp_path), tmp_path / "apres")
    assert main(["comparer", str(before), str(after)]) == 1  # other findings remain open
    out = capsys.readouterr().out
    fixed = out[out.index("Corrigé") : out.index("Nouveau")]
    assert "telnet" in fixed.lower() and "eclairage-armoire-01" in fixed
    assert "Restant" in out


@pytest.mark.lent
def test_the_synthesis_of_a_second_run_says_what_was_fixed_since_the_first(tmp_path: Path) -> None:
    reports = tmp_path / "rapports"
    first = imported_run(REFERENCE, reports)
    settings = SuiteSettings(
        reports_dir=reports, grilles_dir=ROOT / "grilles", offline_scan=telnet_switched_off(tmp_path)
    )
    outcome = run_suite(DEMO, settings)
    assert outcome.folder is not None and outcome.folder.parent == first.parent
    progress = json.loads((outcome.folder / "synthese.json").read_text(encoding="utf-8"))["depuis_precedent"]
    assert progress["execution_precedente"] == first.name
    assert progress["corriges"] >= 1 and progress["restants"] >= 1
    assert any("telnet" in title.lower() for title in progress["exigences_corrigees"])
    # Open data: which requirement, not which gateway.
    assert "eclairage-armoire-01" not in json.dumps(progress)
    elected = (outcome.folder / "rapport-elus.html").read_text(encoding="utf-8")
    assert "Depuis le dernier audit" in elected and f"{first.name[8:10]}/{first.name[5:7]}" in elected


def test_a_first_run_has_no_previous_run_and_no_section(tmp_path: Path) -> None:
    first = imported_run(REFERENCE, tmp_path)
    results = load_run(first)
    assert previous_run(first) is None and progress_since(results) is None
    # A folder that is not a run (no timestamp name) is never taken for the previous run.
    (first.parent / "0000-notes" / "results").mkdir(parents=True)
    (first.parent / "0000-notes" / "results" / "findings.json").write_text("[]", encoding="utf-8")
    assert previous_run(first) is None
    assert synthesise(results, progress_since(results)).progress is None
