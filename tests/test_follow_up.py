"""Evaluation indicators (study's n°36), products' qualifications (n°48) and the study's coverage table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from audit_ti.impact.follow_up import HOSTING_SUBJECT
from audit_ti.models.follow_up import QualificationKind
from audit_ti.report.follow_up_tables import coverage_table, indicators_table, qualifications_table
from audit_ti.report.study import STUDY, recommendations_for
from audit_ti.report.synthesis import synthesis_json, synthesise
from audit_ti.report.views import load_run
from audit_ti.runs.impact import evaluate_impact, write_outcome
from audit_ti.validation.catalog import GrilleCatalog
from tests.conftest import ROOT

CATALOG = GrilleCatalog.with_builtin_checks(ROOT / "grilles")
N36 = "Évaluation (recommandation n°36)"


def outcome(case: str):
    return evaluate_impact(ROOT / "audits" / f"{case}.yaml", CATALOG)


def run_of(case: str, tmp_path: Path):
    return load_run(write_outcome(outcome(case), tmp_path).root)


def test_an_expired_certificate_no_longer_counts() -> None:
    follow_up = outcome("stationnement").follow_up
    [row] = follow_up.qualifications
    assert row.kind is QualificationKind.CSPN and row.expired  # valid until 2026-06-30, audit on 2026-11-20
    recorder = next(s for s in follow_up.without_qualification if s.startswith("passerelle enregistreur-cameras"))
    table = qualifications_table(follow_up)
    assert table.loc[table["Pour"] == recorder, "Validité"].tolist() == ["échue le 30/06/2026"]
    # Every gateway and the hosting are listed: three gateways without any, and the hosting.
    assert len(follow_up.without_qualification) == 4 and HOSTING_SUBJECT in follow_up.without_qualification


def test_a_valid_secnumcloud_hosting_is_held() -> None:
    follow_up = outcome("telereleve-eau").follow_up
    [row] = follow_up.qualifications
    assert (row.subject, row.kind, row.expired) == (HOSTING_SUBJECT, QualificationKind.SECNUMCLOUD, False)
    assert HOSTING_SUBJECT not in follow_up.without_qualification
    assert len(follow_up.without_qualification) == 3  # the three gateways declare nothing


def test_declared_indicators_reach_the_synthesis_and_its_open_data(tmp_path: Path) -> None:
    run = run_of("eclairage-public", tmp_path)
    assert (run.folder / "results" / "suivi.json").is_file()
    synthesis = synthesise(run)
    assert [item.name for item in synthesis.indicators or ()] == [
        "Consommation d'électricité de l'éclairage public",
        "Pannes réparées en moins de 72 heures",
    ]
    assert not any(action.origin == N36 for action in synthesis.actions)
    data = json.loads(synthesis_json(synthesis))
    assert data["indicateurs_evaluation"][0]["cible"] == "−50 % par rapport à 2025"
    table = indicators_table(synthesis.indicators)
    assert table["Premier bilan"].tolist() == ["01/04/2028", "01/04/2028"]


def test_without_indicators_the_synthesis_asks_for_them(tmp_path: Path) -> None:
    synthesis = synthesise(run_of("stationnement", tmp_path))
    assert synthesis.indicators == ()
    assert [action.origin for action in synthesis.actions].count(N36) == 1
    why = next(item.why for item in synthesis.recommendations if item.number == 36)
    assert why.startswith("Aucun indicateur")


def test_a_run_without_the_follow_up_file_says_so_and_never_invents_one(tmp_path: Path) -> None:
    run = run_of("eclairage-public", tmp_path)
    (run.folder / "results" / "suivi.json").unlink()
    reread = load_run(run.folder)
    assert reread.follow_up is None
    assert any("suivi.json" in text for text in reread.warnings)
    synthesis = synthesise(reread)
    assert synthesis.indicators is None
    assert not any(action.origin == N36 for action in synthesis.actions)
    why = {item.number: item.why for item in synthesis.recommendations}
    assert "n'ont pas pu être lus" in why[36] and "n'ont pas pu être lus" in why[48]


def test_the_coverage_table_covers_the_nine_recommendations_of_the_issue(tmp_path: Path) -> None:
    table = coverage_table(recommendations_for(run_of("telereleve-eau", tmp_path)))
    assert table["N°"].tolist() == [3, 4, 19, 20, 32, 33, 36, 38, 48]
    assert all(text.strip() for text in table["Où l'outil y répond"])
    assert table.loc[table["N°"] == 48, "Pour ce projet"].item().startswith("1 équipement(s) ou hébergement sur 4")


@pytest.mark.parametrize("number", [number for number, *_ in STUDY])
def test_the_methods_document_has_the_same_coverage_table(number: int) -> None:
    text = (ROOT / "docs" / "methodes.md").read_text(encoding="utf-8")
    section = text[text.index("## 8. Couverture") :]
    numbers = [int(n) for n in re.findall(r"^\| (\d+) \|", section, flags=re.MULTILINE)]
    assert numbers == [n for n, *_ in STUDY]
    row = next(line for line in section.splitlines() if line.startswith(f"| {number} |"))
    assert "pas encore" not in row and "reste à faire" not in row
