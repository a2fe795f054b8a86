"""findings.json and findings.csv: the machine-readable findings of a run."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

from audit_ti.models.finding import FINDINGS, Finding
from audit_ti.text import neutralise

__all__ = ["CSV_COLUMNS", "findings_csv", "findings_json", "read_findings", "spreadsheet_cell"]

#: Column order of findings.csv (French keys, as in the JSON).
CSV_COLUMNS = (
    "exigence",
    "titre",
    "theme",
    "cible",
    "statut",
    "severite",
    "importance",
    "confiance",
    "preuve",
    "recommandation",
    "references",
    "source",
    "justification",
    "auteur",
    "date_reponse",
    "risque_accepte",
    "grille",
)


def findings_json(findings: Sequence[Finding]) -> str:
    """Every finding, with its French keys, as a JSON list."""
    data = FINDINGS.dump_python(list(findings), mode="json", by_alias=True)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def read_findings(path: Path) -> list[Finding]:
    """Findings written by ``findings_json``."""
    return FINDINGS.validate_json(path.read_bytes(), by_alias=True, by_name=False)


def _accepted(finding: Finding) -> str:
    record = finding.accepted_risk
    if record is None:
        return ""
    state = "expirée" if record.expired else "en vigueur"
    return f"accepté par {record.signatory} jusqu'au {record.expires_on.isoformat()} ({state})"


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> str:
    """A spreadsheet cell that a banner from a device cannot turn into a formula or a hidden text."""
    text = neutralise("" if value is None else str(value))
    # Spreadsheets skip leading blanks before reading a formula: « \n=cmd|… » is still one.
    if text.lstrip(" \t\r\n").startswith(_FORMULA_STARTS) or text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def findings_csv(findings: Sequence[Finding]) -> str:
    """The findings as a spreadsheet: « ; » separators and a BOM, so that a French Excel opens it as is."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    rows = FINDINGS.dump_python(list(findings), mode="json", by_alias=True)
    for finding, row in zip(findings, rows, strict=True):
        row["references"] = " ".join(finding.references)
        row["risque_accepte"] = _accepted(finding)
        writer.writerow([spreadsheet_cell(row.get(column)) for column in CSV_COLUMNS])
    return buffer.getvalue()
