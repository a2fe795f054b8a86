"""What the suite's tests share: the demo audit, the reference scan, the suite's settings in a test folder."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from audit_ti.runs.cyber import ScanSettings
from audit_ti.runs.suite import SuiteSettings
from tests.conftest import ROOT

REFERENCE = ROOT / "audits" / "references" / "demo-lab.xml"
DEMO = ROOT / "audits" / "demo-lab.yaml"


def settings(tmp_path: Path, notebooks: Path, **changes: object) -> SuiteSettings:
    """The suite run offline on the reference scan, its reports under ``tmp_path``; ``changes`` override."""
    base = SuiteSettings(
        reports_dir=tmp_path / "rapports",
        grilles_dir=ROOT / "grilles",
        notebooks_dir=notebooks,
        offline_scan=REFERENCE,
        scan=ScanSettings(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]
