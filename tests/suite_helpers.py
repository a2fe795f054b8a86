"""What the suite's tests share: the demo audit, the reference scan, the suite's settings in a test folder."""

from __future__ import annotations

import re
import subprocess
import unicodedata
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


_WORD = re.compile(r'<word xMin="([-\d.]+)" yMin="[-\d.]+" xMax="([-\d.]+)"[^>]*>([^<]*)</word>')


def words_off_the_page(path: Path) -> list[str]:
    """Words pdftotext places beyond a page's width: cut off on paper (a table wider than the page)."""
    done = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True)
    off = []
    for page in re.finditer(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', done.stdout, re.S):
        width = float(page.group(1))
        words = _WORD.finditer(page.group(2))
        off += [word.group(3) for word in words if float(word.group(1)) < 0 or float(word.group(2)) > width]
    return off


def pdf_text(path: Path) -> str:
    """The text of a PDF as a reader copies it: pdftotext, NFKC, hyphenation at line ends undone."""
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True)
    text = unicodedata.normalize("NFKC", done.stdout)
    return re.sub(r"\s+", " ", re.sub(r"\u2010\s*\n\s*", "", text))
