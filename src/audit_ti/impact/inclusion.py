"""The inclusion engine: AIA-style scores, level I–IV, blocking criteria, residents concerned.

Weights, points, thresholds, levels and safeguards come from ``grilles/inclusion.yaml``. The
arithmetic follows Canada's Algorithmic Impact Assessment: a raw risk score, a mitigation score
that, above a threshold, takes a fixed share off the raw score, and a level read from the final
score as a share of the highest possible raw score.
"""

from __future__ import annotations

from audit_ti.impact.residents import AreaInput, estimate_residents
from audit_ti.inputs.statistics import TerritoryStatistics
from audit_ti.models.inclusion import NOT_APPLICABLE, CriterionResponse, InclusionAnswers
from audit_ti.models.inclusion_referential import InclusionCriterion, InclusionReferential, LevelRule
from audit_ti.models.inclusion_result import CriterionScore, InclusionResult, ScoreSummary
from audit_ti.models.scales import CriterionRole, InclusionLevel
from audit_ti.text import french_number

__all__ = [
    "assess_inclusion",
    "level_for",
    "option_for_rate",
    "round_half_up",
    "score_criterion",
]

_LEVEL_ORDER = list(InclusionLevel)


def round_half_up(value: float) -> int:
    """Round like a person (and like the AIA's JavaScript ``Math.round``): 2.5 → 3."""
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def option_for_rate(criterion: InclusionCriterion, rate: float) -> str:
    """The option a rate falls in (RGAA: 100 % totale, ≥ 50 % partielle, else non conforme)."""
    for step in sorted(criterion.rate_steps, key=lambda s: s.minimum, reverse=True):
        if rate >= step.minimum:
            return step.value
    return criterion.rate_steps[-1].value


def score_criterion(criterion: InclusionCriterion, response: CriterionResponse | None) -> CriterionScore:
    """Points of one criterion; an unanswered one counts at its worst."""
    worst_for_risk = criterion.role is CriterionRole.RISK
    base = {
        "id": criterion.id,
        "titre": criterion.title,
        "role": criterion.role,
        "poids": criterion.weight,
        "taux": response.rate if response else None,
        "bloquant": criterion.blocking,
        "justification": response.justification if response else None,
    }
    if response is None:
        return CriterionScore.model_validate(
            base
            | {
                "reponse": None,
                "reponse_libelle": "Non renseigné (compté au plus défavorable)",
                "points": criterion.max_points if worst_for_risk else 0,
                "points_max": criterion.max_points,
                "non_renseigne": True,
                "non_applicable": False,
                "bloquant_non_satisfait": criterion.blocking,
            }
        )
    value = option_for_rate(criterion, response.rate) if response.rate is not None else response.choice
    if value == NOT_APPLICABLE:
        return CriterionScore.model_validate(
            base
            | {
                "reponse": NOT_APPLICABLE,
                "reponse_libelle": "Non applicable",
                "points": 0,
                "points_max": 0,
                "non_renseigne": False,
                "non_applicable": True,
                "bloquant_non_satisfait": False,
            }
        )
    option = criterion.option(str(value))
    if option is None:  # validation refuses this; a direct library call still gets a clear error
        raise ValueError(f"réponse « {value} » inconnue pour le critère « {criterion.id} »")
    return CriterionScore.model_validate(
        base
        | {
            "reponse": option.value,
            "reponse_libelle": option.label,
            "points": option.points * criterion.weight,
            "points_max": criterion.max_points,
            "non_renseigne": False,
            "non_applicable": False,
            "bloquant_non_satisfait": criterion.blocking and not option.met,
        }
    )


def level_for(percent: float, levels: list[LevelRule]) -> LevelRule:
    """The first level whose upper bound (inclusive) the final score does not exceed."""
    return next((level for level in levels if percent <= level.max_percent), levels[-1])


def assess_inclusion(
    answers: InclusionAnswers,
    referential: InclusionReferential,
    case: str,
    national: TerritoryStatistics,
    territory: TerritoryStatistics | None,
) -> InclusionResult:
    """The inclusion assessment of a use case."""
    scores = tuple(score_criterion(c, answers.criteria.get(c.id)) for c in referential.criteria)
    summary = _summary(scores, referential)
    scoring = referential.scoring
    score_rule = level_for(summary.final_percent, scoring.levels)
    blocking = tuple(score.id for score in scores if score.blocking_unmet)
    final_rule = score_rule
    if blocking:
        minimum = scoring.blocking.minimum_level
        if _LEVEL_ORDER.index(minimum) > _LEVEL_ORDER.index(score_rule.level):
            final_rule = next(level for level in scoring.levels if level.level is minimum)
    verdict = scoring.blocking.verdict if blocking else final_rule.verdict
    explanation = _explain(
        scores,
        summary=summary,
        referential=referential,
        score_rule=score_rule,
        final_rule=final_rule,
        blocking=blocking,
    )
    area = AreaInput(answers.territory.name, answers.territory.population, answers.territory.statistics)
    residents = estimate_residents(
        referential,
        national,
        territory,
        area,
        {public_id: answer.concerned for public_id, answer in answers.publics.items()},
    )
    return InclusionResult(
        case=case,
        referential=referential.id,
        referential_version=referential.version,
        state=answers.state,
        level=final_rule.level,
        level_title=final_rule.title,
        score_level=score_rule.level,
        verdict=verdict,
        verdict_label=verdict.label,
        scores=summary,
        criteria=scores,
        blocking_unmet=blocking,
        unanswered=tuple(score.id for score in scores if score.unanswered),
        safeguards=tuple(final_rule.safeguards),
        explanation=explanation,
        residents=residents,
    )


def _summary(scores: tuple[CriterionScore, ...], referential: InclusionReferential) -> ScoreSummary:
    risk = [s for s in scores if s.role is CriterionRole.RISK]
    mitigation = [s for s in scores if s.role is CriterionRole.MITIGATION]
    raw, raw_max = sum(s.points for s in risk), sum(s.max_points for s in risk)
    mit, mit_max = sum(s.points for s in mitigation), sum(s.max_points for s in mitigation)
    mit_percent = round(mit / mit_max * 100, 1) if mit_max else 0.0
    rule = referential.scoring.mitigation
    applied = mit_max > 0 and mit / mit_max * 100 >= rule.threshold_percent
    final = round_half_up(raw * (100 - rule.reduction_percent) / 100) if applied else raw
    return ScoreSummary(
        raw=raw,
        raw_max=raw_max,
        mitigation=mit,
        mitigation_max=mit_max,
        mitigation_percent=mit_percent,
        reduction_applied=applied,
        final=final,
        final_percent=round(final / raw_max * 100, 1) if raw_max else 0.0,
    )


def _explain(
    scores: tuple[CriterionScore, ...],
    *,
    summary: ScoreSummary,
    referential: InclusionReferential,
    score_rule: LevelRule,
    final_rule: LevelRule,
    blocking: tuple[str, ...],
) -> tuple[str, ...]:
    rule = referential.scoring.mitigation
    lines = [
        f"Score brut de risque : {summary.raw} sur {summary.raw_max} "
        "(somme, pour chaque critère « risque », des points de la réponse × le poids du critère).",
        f"Score d'atténuation : {summary.mitigation} sur {summary.mitigation_max}, "
        f"soit {french_number(summary.mitigation_percent)} % (seuil : {french_number(rule.threshold_percent)} %).",
    ]
    factor = french_number((100 - rule.reduction_percent) / 100)
    if summary.reduction_applied:
        lines.append(
            f"Seuil d'atténuation atteint : score final = arrondi({summary.raw} × {factor}) = {summary.final}."
        )
    else:
        lines.append(f"Seuil d'atténuation non atteint : score final = score brut = {summary.final}.")
    bounds = ", ".join(
        f"≤ {french_number(level.max_percent)} % : {level.level.value}" for level in referential.scoring.levels
    )
    lines.append(
        f"Score final : {summary.final} sur {summary.raw_max}, soit {french_number(summary.final_percent)} % → "
        f"niveau {score_rule.level.value} ({bounds})."
    )
    unanswered = [s.id for s in scores if s.unanswered]
    if unanswered:
        lines.append(
            f"{len(unanswered)} critère(s) non renseigné(s), comptés au plus défavorable : {', '.join(unanswered)}."
        )
    if blocking:
        titles = ", ".join(next(s.title for s in scores if s.id == b) for b in blocking)
        raised = (
            f" ; niveau relevé de {score_rule.level.value} à {final_rule.level.value}"
            if final_rule.level is not score_rule.level
            else ""
        )
        lines.append(
            f"Critère bloquant non satisfait ({titles}){raised} ; verdict "
            f"« {referential.scoring.blocking.verdict.label.lower()} » quel que soit le score. "
            f"{referential.scoring.blocking.explanation}"
        )
    return tuple(lines)
