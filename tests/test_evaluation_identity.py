"""The fleet-size import path gives, byte for byte, the results it gave before it was optimised.

The golden copies in ``tests/fixtures/constats-references/`` were written by the implementation
that preceded the fast parser and the shared evaluation (issue 12): findings JSON and CSV and the
scored evaluation of the four stored reference scans, imported as ``audit-ti importer`` would.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from audit_ti.checks import default_registry
from audit_ti.runs.cyber import ScanSettings, import_scan
from audit_ti.validation.catalog import GrilleCatalog
from tests.conftest import FIXTURES, ROOT

GOLDEN = FIXTURES / "constats-references"
TODAY = date(2026, 11, 22)
CASES = ["demo-lab", "eclairage-public", "stationnement", "telereleve-eau"]
FILES = ("findings.json", "findings.csv", "cyber.json")
#: Set to 1 to rewrite the golden copies (only before a change meant to keep them identical).
REGENERATE = os.environ.get("AUDIT_TI_REGENERER_CONSTATS") == "1"


@pytest.mark.parametrize("case", CASES)
def test_reference_scans_give_the_stored_results_byte_for_byte(case: str, tmp_path: Path) -> None:
    outcome = import_scan(
        ROOT / "audits" / "references" / f"{case}.xml",
        ROOT / "audits" / f"{case}.yaml",
        reports_dir=tmp_path,
        catalog=GrilleCatalog(ROOT / "grilles", default_registry()),
        settings=ScanSettings(evaluation_date=TODAY),
    )
    assert outcome.findings, "an import of a reference scan gives findings"
    for name in FILES:
        produced = (outcome.folder / "results" / name).read_bytes()
        golden = GOLDEN / case / name
        if REGENERATE:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_bytes(produced)
        assert produced == golden.read_bytes(), f"{case}/{name} a changé"
