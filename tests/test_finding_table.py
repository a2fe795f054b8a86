"""Findings in columns (``FindingTable``): the same findings, the same files, the same scores as a list."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date

from audit_ti.cyber.scoring import assess_target, build_evaluation
from audit_ti.models.enums import FindingSource, Importance, Severity, Status
from audit_ti.models.finding import FINDINGS, AcceptanceRecord, Finding
from audit_ti.models.finding_table import FindingTable, as_table
from audit_ti.report.findings_io import CSV_COLUMNS, findings_csv, findings_json, spreadsheet_cell

BASE = Finding(
    requirement="telnet_expose",
    target="armoire-1",
    status=Status.NON_COMPLIANT,
    severity=Severity.HIGH,
    confidence=90,
    evidence="23/tcp ouvert (telnet) « Bienvenue »",
    recommendation="Fermer telnet ; utiliser SSH.",
    references=("ANSSI, mesure 12", "CNIL"),
    title="Telnet exposé",
    theme="exposition",
    importance=Importance.ESSENTIAL,
    grille="hygiene-iot",
)
RECORD = AcceptanceRecord(
    justification="remplacement prévu",
    signatory="maire",
    decided_on=date(2026, 1, 1),
    expires_on=date(2027, 1, 1),
    expired=False,
)


def _variety() -> list[Finding]:
    """Findings as an evaluation gives them, with the awkward values: quotes, newlines, emoji, None."""
    declared = replace(
        BASE,
        requirement="journalisation",
        target=None,
        status=Status.COMPLIANT,
        source=FindingSource.DECLARATIVE,
        justification="journaux « centralisés »",
        author="DSI",
        answered_on=date(2026, 11, 2),
        references=(),
    )
    return [
        BASE,
        replace(BASE, target="armoire-2"),
        replace(BASE, target="armoire-3", status=Status.TO_VERIFY, evidence='pas lu : "\\n" 😀\nligne 2'),
        replace(BASE, target="armoire-4", accepted_risk=RECORD),
        replace(BASE, target="127.0.10.9"),
        replace(BASE, target="armoire-1", evidence="=cmd|' /C calc'!A0"),  # the same target again
        declared,
        replace(BASE, requirement="modbus_expose", target="armoire-1", status=Status.NOT_APPLICABLE, confidence=0),
        replace(BASE, requirement="modbus_expose", target="armoire-2", status=Status.NOT_APPLICABLE, confidence=0),
    ]


def _csv_one_by_one(findings: list[Finding]) -> str:
    """findings.csv as it was written before the columns: one finding, one serialised row."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for finding, row in zip(findings, FINDINGS.dump_python(findings, mode="json", by_alias=True), strict=True):
        row["references"] = " ".join(finding.references)
        record = finding.accepted_risk
        row["risque_accepte"] = (
            ""
            if record is None
            else f"accepté par {record.signatory} jusqu'au {record.expires_on.isoformat()} "
            f"({'expirée' if record.expired else 'en vigueur'})"
        )
        writer.writerow([spreadsheet_cell(row.get(column)) for column in CSV_COLUMNS])
    return buffer.getvalue()


def test_a_list_becomes_blocks_of_what_findings_share_and_reads_back_the_same() -> None:
    findings = _variety()
    table = as_table(findings)
    assert [len(block) for block in table.blocks] == [3, 1, 2, 1, 2]
    assert len(table) == len(findings)
    assert list(table) == findings
    assert table == findings and table[3] == findings[3] and list(table[-2:]) == findings[-2:]
    assert table != findings[:-1]
    assert as_table(table) is table
    assert table.blocks[-1].outcomes == ((Status.NOT_APPLICABLE, 0, BASE.evidence),)


def test_findings_json_is_byte_for_byte_what_pydantic_and_json_dumps_write() -> None:
    findings = _variety()
    expected = json.dumps(FINDINGS.dump_python(findings, mode="json", by_alias=True), ensure_ascii=False, indent=2)
    assert findings_json(as_table(findings)) == (expected + "\n").encode()
    assert findings_json(findings) == (expected + "\n").encode()
    assert findings_json([]) == b"[]\n" == (json.dumps([], indent=2) + "\n").encode()
    assert FINDINGS.validate_json(findings_json(findings), by_alias=True, by_name=False) == findings


def test_findings_csv_is_what_one_row_per_finding_wrote() -> None:
    findings = _variety()
    assert findings_csv(as_table(findings)) == _csv_one_by_one(findings)
    assert findings_csv([]) == _csv_one_by_one([])
    assert "'=cmd" in findings_csv(findings)


def test_a_block_cut_by_an_acceptance_keeps_its_order_and_its_outcomes() -> None:
    findings = [replace(BASE, target=f"armoire-{n}") for n in range(5)]
    (block,) = as_table(findings).blocks
    accepted = replace(BASE, accepted_risk=RECORD)
    parts = block.split([BASE, BASE, accepted, accepted, BASE])
    assert [len(part) for part in parts] == [2, 2, 1]
    table = FindingTable(parts)
    assert [f.target for f in table] == [f"armoire-{n}" for n in range(5)]
    assert [f.accepted for f in table] == [False, False, True, True, False]


def test_scores_from_columns_equal_the_scores_of_each_gateway_on_its_own() -> None:
    names = [f"armoire-{n}" for n in range(6)]
    statuses = [
        Status.COMPLIANT,
        Status.NON_COMPLIANT,
        Status.COMPLIANT,
        Status.PARTIAL,
        Status.COMPLIANT,
        Status.ERROR,
    ]
    findings = [
        *(replace(BASE, target=name, status=status) for name, status in zip(names, statuses, strict=True)),
        *(replace(BASE, requirement="modbus_expose", target=name, importance=Importance.RECOMMENDED) for name in names),
        replace(BASE, requirement="modbus_expose", target="127.0.10.9", importance=Importance.RECOMMENDED),
        replace(BASE, requirement="journalisation", target=None, status=Status.COMPLIANT),
    ]
    evaluation = build_evaluation(
        "épreuve",
        grilles=[],
        gateway_names=names,
        findings=as_table(findings),
        today=date(2026, 12, 1),
        incomplete_reasons=[],
    )
    alone = [assess_target(name, [f for f in findings if f.target == name], {}) for name in names]
    assert list(evaluation.gateways) == alone
    assert evaluation.use_case == assess_target(None, findings, {})
    assert evaluation == build_evaluation(
        "épreuve", grilles=[], gateway_names=names, findings=findings, today=date(2026, 12, 1), incomplete_reasons=[]
    )
    (first, *_) = evaluation.priorities
    assert first.requirement == "telnet_expose" and first.targets == ("armoire-1", "armoire-3")
