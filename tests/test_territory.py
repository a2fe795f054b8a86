"""Territory statistics: the shipped national figures, the estimates, and the broken-CSV corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from audit_ti.errors import InvalidInputError
from audit_ti.impact.residents import AreaInput, estimate_residents
from audit_ti.inputs.statistics import read_statistics
from tests.assess_helpers import inclusion_referential, national
from tests.conftest import FIXTURES, ROOT

CORPUS = FIXTURES / "csv-invalides"
EXPECTED: dict[str, dict[str, object]] = yaml.safe_load((CORPUS / "attendus.yml").read_text(encoding="utf-8"))
REF = inclusion_referential()


def test_national_figures_carry_source_and_year() -> None:
    figures = {figure.indicator: figure for figure in national().figures}
    assert figures["part_illectronisme"].value == 15.4
    assert figures["part_illectronisme"].year == "2021"
    assert "Insee Première n°1953" in figures["part_illectronisme"].source
    assert all(figure.source and len(figure.year) == 4 for figure in figures.values())


def test_corpus_is_complete() -> None:
    assert sorted(path.name for path in CORPUS.glob("*.csv")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_broken_csv_gives_its_located_french_message(name: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        read_statistics(CORPUS / name, REF)
    first = caught.value.problems[0]
    expected = EXPECTED[name]
    assert first.file == CORPUS / name
    assert first.line == expected["ligne"]
    assert str(expected["message"]) in first.message


def test_comma_separated_file_with_decimal_points_is_read(tmp_path: Path) -> None:
    path = tmp_path / "virgules.csv"
    path.write_text(
        "zone,indicateur,valeur,unite,source,annee\nA,population,2000,habitants,Insee,2022\n"
        'A,part_75_ans_et_plus,12.5,%,"Insee, recensement",2022\n',
        encoding="utf-8",
    )
    stats = read_statistics(path, REF)
    assert stats.get("A", "part_75_ans_et_plus").value == 12.5  # type: ignore[union-attr]
    assert stats.get("A", "part_75_ans_et_plus").source == "Insee, recensement"  # type: ignore[union-attr]


def area(population: int | None = None, name: str | None = "Zone") -> AreaInput:
    return AreaInput(name, population, None)


def test_multi_zone_estimate_weights_each_zone_by_its_population() -> None:
    territory = read_statistics(ROOT / "audits/territoires/val-dorge.csv", REF)
    result = estimate_residents(REF, national(), territory, area(), {})
    by_id = {p.id: p for p in result.publics}
    assert result.population == 38000
    assert result.population_source == "fichier du territoire"
    # 9 800 × 9,1 % + 4 200 × 14,6 % + 2 650 × 16,2 % + 21 350 × 8,4 % = 3 727,7
    assert by_id["personnes_agees"].residents == 3728
    assert by_id["personnes_agees"].origin == "territoire"
    # national 12 % × index/100 of each zone: 9 800×0,96 + 4 200×1,28 + 2 650×1,41 + 21 350×1,04
    assert by_id["sans_acces_internet"].residents == 4887
    assert by_id["sans_acces_internet"].origin == "national_ajuste"
    # one zone gives its own figure, the others fall back on the adjusted national share
    assert by_id["faibles_competences"].origin == "national_ajuste+territoire"
    # only Orge-sur-Bois gives a coverage figure: the share is over that zone only
    assert (by_id["zones_mal_couvertes"].residents, by_id["zones_mal_couvertes"].covered_population) == (
        477,
        2650,
    )
    assert result.fragility_index == pytest.approx(107.2, abs=0.1)


def test_without_population_only_shares_are_given() -> None:
    result = estimate_residents(REF, national(), None, area(None), {"jeunes": False})
    by_id = {p.id: p for p in result.publics}
    assert result.population is None
    assert by_id["precarite"].share_percent == 14.5
    assert by_id["precarite"].residents is None
    assert by_id["jeunes"].concerned is False
