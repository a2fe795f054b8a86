"""Follow-up commands on run folders: ``verifier`` (hashes), ``comparer`` (after remediation), ``rapport``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audit_ti.cli.main import main
from audit_ti.runs.audit import import_audit
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


def test_comparer_lists_a_service_switched_off_as_fixed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = imported_run(REFERENCE, tmp_path / "avant")
    # The lighting cabinet's telnet switched off between the two scans: port 23 now refuses connections
    # (a port merely absent from the XML would be « non testé », never « corrigé »).
    text = REFERENCE.read_text(encoding="utf-8")
    closed = '<port protocol="tcp" portid="23"><state state="closed" reason="reset" reason_ttl="64" /></port>'
    without_telnet = re.sub(r'<port protocol="tcp" portid="23">.*?</port>', closed, text, count=1, flags=re.S)
    assert without_telnet != text
    xml = tmp_path / "sans-telnet.xml"
    xml.write_text(without_telnet, encoding="utf-8")
    after = imported_run(xml, tmp_path / "apres")
    assert main(["comparer", str(before), str(after)]) == 1  # other findings remain open
    out = capsys.readouterr().out
    fixed = out[out.index("Corrigé") : out.index("Nouveau")]
    assert "telnet" in fixed.lower() and "eclairage-armoire-01" in fixed
    assert "Restant" in out
