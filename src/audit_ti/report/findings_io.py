"""findings.json and findings.csv: the machine-readable findings of a run."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit_ti.models.finding import FINDINGS, Finding
from audit_ti.models.finding_table import FindingBlock, Outcome, as_table
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


#: The French key of the one member that varies between the findings of one outcome of a block.
_TARGET = "cible"


def _template(block: FindingBlock) -> dict[str, Any]:
    """The block's template as ``FINDINGS`` serialises a finding (JSON types, French keys, in order)."""
    data: dict[str, Any] = FINDINGS.dump_python([block.template], mode="json", by_alias=True)[0]
    return data


def _with_outcome(data: dict[str, Any], outcome: Outcome) -> dict[str, Any]:
    status, confidence, evidence = outcome
    return {**data, "statut": status.value, "confiance": confidence, "preuve": evidence}


def _json_member(key: str, value: object) -> str:
    # As json.dumps(indent=2) writes it two levels down: a finding's member, in the list of findings.
    return f"    {json.dumps(key)}: " + json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n    ")


def findings_json(findings: Sequence[Finding]) -> bytes:
    """Every finding, with its French keys, as a JSON list in UTF-8: what ``json.dumps(indent=2)``
    writes of ``FINDINGS.dump_python``, byte for byte, written block by block.

    Within a block only the target changes from one finding to the next, once the outcome is known:
    each outcome's text is encoded once, around the place of the target, and the file's bytes are
    joined once (a fleet's file is hundreds of MB: no string of its own per finding).
    """
    targets: dict[str | None, bytes] = {}
    pieces: list[bytes] = []
    for block in as_table(findings).blocks:
        template = _template(block)
        befores, afters = [], []
        for outcome in block.outcomes:
            members = [(key, _json_member(key, value)) for key, value in _with_outcome(template, outcome).items()]
            split = next(index for index, (key, _) in enumerate(members) if key == _TARGET)
            before = "".join(text + ",\n" for _, text in members[:split])
            after = "".join(",\n" + text for _, text in members[split + 1 :])
            befores.append(f",\n  {{\n{before}    {json.dumps(_TARGET)}: ".encode())
            afters.append(f"{after}\n  }}".encode())
        for target, row in zip(block.targets, block.rows, strict=True):
            shown = targets.get(target)
            if shown is None:
                shown = targets[target] = json.dumps(target, ensure_ascii=False).encode()
            pieces += (befores[row], shown, afters[row])
    if not pieces:
        return b"[]\n"
    pieces[0] = pieces[0].removeprefix(b",")  # the first finding follows « [ », not another finding
    return b"[" + b"".join(pieces) + b"\n]\n"


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
    place = CSV_COLUMNS.index(_TARGET)
    targets: dict[str | None, str] = {}
    for block in as_table(findings).blocks:
        template = _template(block)
        template["references"] = " ".join(block.template.references)
        template["risque_accepte"] = _accepted(block.template)
        # Each outcome's cells once; each row takes them with its own target.
        cells = [
            [spreadsheet_cell(row.get(column)) for column in CSV_COLUMNS]
            for row in (_with_outcome(template, outcome) for outcome in block.outcomes)
        ]
        for target, row in zip(block.targets, block.rows, strict=True):
            shown = targets.get(target)
            if shown is None:
                shown = targets[target] = spreadsheet_cell(target)
            line = cells[row]
            line[place] = shown
            writer.writerow(line)
    return buffer.getvalue()
