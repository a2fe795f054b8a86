"""Every rule of the inclusion engine: thresholds, mitigation, rounding, blocking cap, RGAA steps."""

from __future__ import annotations

from typing import Any

import pytest

from audit_ti.impact.inclusion import assess_inclusion, level_for, option_for_rate, round_half_up
from audit_ti.models.inclusion_result import InclusionResult
from audit_ti.models.scales import InclusionLevel, InclusionVerdict
from tests.assess_helpers import inclusion_answers, inclusion_referential, national

REF = inclusion_referential()
LEVELS = REF.scoring.levels


def assess(criteria: dict[str, Any], **section: Any) -> InclusionResult:
    answers = inclusion_answers({"criteres": criteria, **section})
    return assess_inclusion(answers, REF, "essai", national(), None)


def best_answers() -> dict[str, Any]:
    """Lowest risk, highest mitigation."""
    answers = {}
    for criterion in REF.criteria:
        options = sorted(criterion.options, key=lambda o: o.points)
        chosen = options[0] if criterion.role.value == "risque" else options[-1]
        answers[criterion.id] = {"reponse": chosen.value}
    return answers


@pytest.mark.parametrize(
    ("percent", "level"),
    [(0, "I"), (25, "I"), (25.1, "II"), (50, "II"), (50.1, "III"), (75, "III"), (75.1, "IV"), (100, "IV")],
)
def test_level_thresholds_are_inclusive_upper_bounds(percent: float, level: str) -> None:
    assert level_for(percent, LEVELS).level is InclusionLevel(level)


@pytest.mark.parametrize(("value", "rounded"), [(25.5, 26), (25.49, 25), (0.5, 1), (28.05, 28)])
def test_rounding_is_half_up_like_the_aia(value: float, rounded: int) -> None:
    assert round_half_up(value) == rounded


@pytest.mark.parametrize(
    ("rate", "value"),
    [(100, "totale"), (99.9, "partielle"), (50, "partielle"), (49.9, "non_conforme"), (0, "non_conforme")],
)
def test_rgaa_rate_steps(rate: float, value: str) -> None:
    assert option_for_rate(REF.criterion("accessibilite_rgaa"), rate) == value  # type: ignore[arg-type]


def test_best_answers_give_level_one_and_a_favourable_verdict() -> None:
    result = assess(best_answers())
    assert (result.level, result.verdict) == (InclusionLevel.I, InclusionVerdict.FAVOURABLE)
    assert result.scores.raw == 0
    assert result.scores.mitigation == result.scores.mitigation_max == 60
    assert result.safeguards == tuple(LEVELS[0].safeguards)


def test_unanswered_criteria_count_at_their_worst() -> None:
    result = assess({})
    assert result.scores.raw == result.scores.raw_max == 52
    assert result.scores.mitigation == 0
    assert len(result.unanswered) == len(REF.criteria)
    assert result.level is InclusionLevel.IV


def raw_30_with_mitigation() -> dict[str, Any]:
    """Raw score 30 (12 + 12 + 6) with the best mitigation (60)."""
    answers = best_answers()
    answers["canal_numerique_impose"] = {"reponse": "oui"}  # 4 × 3 = 12
    answers["consequences_non_acces"] = {"reponse": "graves"}  # 4 × 3 = 12
    answers["equipement_requis"] = {"reponse": "smartphone"}  # 3 × 2 = 6
    return answers


def test_mitigation_at_the_threshold_takes_fifteen_percent_off_half_up() -> None:
    answers = raw_30_with_mitigation()
    answers["langage_clair"] = {"reponse": "clair"}  # 58/60 = 97 % ≥ 80 %
    result = assess(answers)
    assert result.scores.raw == 30
    assert result.scores.reduction_applied
    assert result.scores.final == 26  # round_half_up(30 × 0.85 = 25.5)
    assert any("arrondi(30 × 0,85) = 26" in line for line in result.explanation)


def test_mitigation_below_the_threshold_keeps_the_raw_score() -> None:
    answers = raw_30_with_mitigation()
    answers["langage_clair"] = {"reponse": "non"}  # -6
    answers["accompagnement_mediation"] = {"reponse": "non"}  # -4
    answers["usage_mobile"] = {"reponse": "non"}  # -2
    answers["analyse_egalite"] = {"reponse": "partielle"}  # -4 → 44/60 = 73.3 %
    result = assess(answers)
    assert result.scores.mitigation == 44
    assert not result.scores.reduction_applied
    assert result.scores.final == 30


def test_exactly_eighty_percent_mitigation_applies_the_reduction() -> None:
    answers = raw_30_with_mitigation()
    answers["langage_clair"] = {"reponse": "non"}  # -6
    answers["accompagnement_mediation"] = {"reponse": "non"}  # -4
    answers["usage_mobile"] = {"reponse": "non"}  # -2 → 48/60 = 80 %
    result = assess(answers)
    assert (result.scores.mitigation, result.scores.mitigation_max) == (48, 60)
    assert result.scores.reduction_applied
    answers["langues"] = {"reponse": "une"}  # 47/60 = 78.3 %
    assert not assess(answers).scores.reduction_applied


def test_missing_blocking_criterion_caps_the_verdict_whatever_the_score() -> None:
    answers = best_answers()
    answers["alternative_non_numerique"] = {"reponse": "non"}
    result = assess(answers)
    assert result.score_level is InclusionLevel.I
    assert result.level is InclusionLevel.IV
    assert result.verdict is InclusionVerdict.UNFAVOURABLE
    assert result.blocking_unmet == ("alternative_non_numerique",)
    assert any("Conseil d'État" in line for line in result.explanation)


def test_a_partial_alternative_does_not_satisfy_the_blocking_criterion() -> None:
    answers = best_answers()
    answers["alternative_non_numerique"] = {"reponse": "partielle"}
    assert assess(answers).verdict is InclusionVerdict.UNFAVOURABLE


def test_an_unanswered_blocking_criterion_is_unmet() -> None:
    answers = best_answers()
    del answers["alternative_non_numerique"]
    assert assess(answers).blocking_unmet == ("alternative_non_numerique",)


def test_not_applicable_takes_a_criterion_out_of_the_score_and_of_blocking() -> None:
    answers = best_answers()
    answers["alternative_non_numerique"] = {"reponse": "non_applicable", "justification": "aucune démarche"}
    result = assess(answers)
    assert result.blocking_unmet == ()
    assert result.scores.mitigation_max == 60 - 12


def test_a_rate_answer_is_scored_through_its_step() -> None:
    answers = best_answers()
    answers["accessibilite_rgaa"] = {"taux": 72}
    score = next(c for c in assess(answers).criteria if c.id == "accessibilite_rgaa")
    assert (score.answer, score.points, score.rate) == ("partielle", 3, 72)


def test_residents_default_to_national_shares_of_the_declared_population() -> None:
    result = assess(best_answers(), territoire={"nom": "Essai", "population": 10000})
    by_id = {p.id: p for p in result.residents.publics}
    assert by_id["personnes_agees"].residents == 1040  # 10 000 × 10,4 %
    assert by_id["personnes_agees"].origin == "national"
    assert by_id["non_francophones"].residents is None
    assert result.residents.population_source == "fichier d'audit"
