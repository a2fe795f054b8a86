"""The two pages for elected officials, as data: one light, what to do before deploying, the study's recommendations.

``synthesise(results)`` reads the three audits of a run (cyber, AIPD, inclusion) and gives one
light for the use case by the rule ``RULE`` states, never green on what was not observed. The
result is written as ``synthese.json`` (open data, French keys) and its actions as ``actions.csv``.
"""

from __future__ import annotations

import csv
import io
import json

from pydantic import Field

from audit_ti.models.base import StrictModel
from audit_ti.models.follow_up import EvaluationIndicator
from audit_ti.models.scales import ActionStatus, PrescreenVerdict
from audit_ti.report.findings_io import spreadsheet_cell
from audit_ti.report.history import Progress
from audit_ti.report.study import StudyRecommendation, recommendations_for
from audit_ti.report.verdict import RULE, AuditLine, Light, audit_lines
from audit_ti.report.views import RunResults

__all__ = [
    "ACTION_COLUMNS",
    "RULE",
    "Action",
    "AuditLine",
    "Light",
    "Progress",
    "StudyRecommendation",
    "Synthesis",
    "actions_csv",
    "synthesis_json",
    "synthesise",
]

BEFORE_DEPLOYMENT = "avant le déploiement"

#: origin, action, owner, due, cost, late: an ``Action`` before it is numbered.
_Row = tuple[str, str, str, str, float | None, bool]


def _before_deployment(origin: str, what: str, owner: str) -> _Row:
    """An action due before deployment, with no known cost, not late (no date to be late against)."""
    return origin, what, owner, BEFORE_DEPLOYMENT, None, False


class Action(StrictModel):
    """Something to do before deploying: what, who, by when, at what cost."""

    rank: int = Field(alias="rang", ge=1)
    origin: str = Field(alias="origine", description="L'audit et l'élément dont l'action vient.")
    action: str
    owner: str = Field(alias="responsable")
    due: str = Field(alias="echeance", description="Date ISO 8601, ou « avant le déploiement ».")
    cost_eur: float | None = Field(default=None, alias="cout_euros")
    late: bool = Field(default=False, alias="en_retard")


class Synthesis(StrictModel):
    """The decision page of one use case: the light, its reasons, the actions and the study's recommendations."""

    case: str = Field(alias="cas")
    run_status: str = Field(alias="statut_execution")
    light: Light = Field(alias="feu")
    light_label: str = Field(alias="feu_libelle")
    rule: str = Field(alias="regle")
    reasons: tuple[str, ...] = Field(alias="motifs")
    audits: tuple[AuditLine, ...] = Field(alias="audits")
    actions: tuple[Action, ...]
    recommendations: tuple[StudyRecommendation, ...] = Field(alias="recommandations")
    indicators: tuple[EvaluationIndicator, ...] | None = Field(
        default=None,
        alias="indicateurs_evaluation",
        description="Indicateurs d'évaluation après déploiement (recommandation n°36) ; null s'ils n'ont pu être lus.",
    )
    progress: Progress | None = Field(
        default=None, alias="depuis_precedent", description="Ce qui a changé depuis l'exécution précédente."
    )


def _cyber_actions(results: RunResults) -> list[_Row]:
    cyber = results.cyber
    if cyber is None:
        return [
            _before_deployment(
                "Cybersécurité",
                "Faire l'audit de cybersécurité des passerelles (audit-ti auditer), puis relire ce rapport.",
                "Service numérique de la collectivité, avec l'intégrateur",
            )
        ]
    rows: list[_Row] = []
    if not cyber.complete:
        rows.append(
            _before_deployment(
                "Cybersécurité (scan incomplet)",
                "Refaire le scan jusqu'au bout : " + " ; ".join(cyber.incomplete_reasons),
                "Auditeur, avec l'exploitant des passerelles",
            )
        )
    # Open data: the measure and what to do, not which gateway is exposed (findings.json says it, internally).
    rows += [
        _before_deployment(
            f"Cybersécurité (mesure prioritaire n°{measure.rank})",
            f"{measure.title} : {measure.recommendation}",
            "Exploitant des passerelles (intégrateur ou prestataire)",
        )
        for measure in cyber.priorities
    ]
    return rows


def _aipd_actions(results: RunResults) -> list[_Row]:
    aipd = results.aipd
    if aipd is None:
        return [
            _before_deployment(
                "AIPD",
                "Faire la présélection et, si elle l'exige, l'analyse d'impact (AIPD), puis relire ce rapport.",
                "Responsable du traitement, avec le délégué à la protection des données",
            )
        ]
    rows: list[_Row] = [
        _before_deployment("AIPD (constat bloquant)", text, "Responsable du traitement (la collectivité)")
        for text in aipd.blocking
    ]
    rows += [
        (
            "AIPD (plan d'action)",
            action.action + (f" ({action.measure_title})" if action.measure_title else ""),
            action.owner or "à désigner",
            action.due.isoformat() if action.due else BEFORE_DEPLOYMENT,
            action.cost_eur,
            action.late,
        )
        for action in aipd.action_plan
        if action.status in (ActionStatus.TO_DO, ActionStatus.IN_PROGRESS)
    ]
    if not aipd.prescreen.requires_aipd and aipd.prescreen.signed is None:
        rows.append(
            _before_deployment(
                "AIPD (présélection)",
                "Faire signer la conclusion « AIPD non requise » (qui, quand, pourquoi), après avis du délégué "
                "à la protection des données : c'est la trace à garder quand aucune AIPD n'est faite.",
                "Responsable du traitement",
            )
        )
    if aipd.prescreen.aipd_due or aipd.prescreen.verdict is PrescreenVerdict.RECOMMENDED:
        rows += [
            _before_deployment("AIPD (avis)", f"Recueillir l'{text}.", "Responsable du traitement")
            for text in aipd.opinions.missing
        ]
    return rows


def _inclusion_actions(results: RunResults) -> list[_Row]:
    inclusion = results.inclusion
    if inclusion is None:
        return [
            _before_deployment(
                "Inclusion numérique",
                "Évaluer le risque d'exclusion numérique du service, puis relire ce rapport.",
                "Service porteur du projet",
            )
        ]
    origin = f"Inclusion numérique (niveau {inclusion.level.value})"
    return [_before_deployment(origin, text, "Service porteur du projet") for text in inclusion.safeguards]


def _follow_up_actions(results: RunResults) -> list[_Row]:
    follow_up = results.follow_up
    if follow_up is None or follow_up.indicators:
        return []
    return [
        _before_deployment(
            "Évaluation (recommandation n°36)",
            "Fixer les indicateurs sur lesquels le service sera jugé après son déploiement : cible, date du "
            "premier bilan, responsable.",
            "Service porteur du projet",
        )
    ]


def synthesise(results: RunResults, progress: Progress | None = None) -> Synthesis:
    """The synthesis of a run: its light by ``RULE``, the reasons, the actions, the study's recommendations.

    ``progress`` (``history.progress_since``) adds what changed since the previous run of the use case.
    """
    lines = audit_lines(results)
    worst = max((line.light for line in lines), key=lambda light: light.rank)
    reasons = tuple(f"{line.audit} : {reason}" for line in lines for reason in line.reasons)
    rows = _cyber_actions(results) + _aipd_actions(results) + _inclusion_actions(results)
    rows += _follow_up_actions(results)
    actions = tuple(
        Action(rank=rank, origin=origin, action=what, owner=who, due=when, cost_eur=cost, late=late)
        for rank, (origin, what, who, when, cost, late) in enumerate(rows, start=1)
    )
    manifest = results.manifest
    return Synthesis(
        case=results.case,
        run_status=manifest.status if manifest is not None else "manifeste_absent",
        light=worst,
        light_label=worst.label,
        rule=RULE,
        reasons=reasons,
        audits=lines,
        actions=actions,
        recommendations=recommendations_for(results),
        indicators=results.follow_up.indicators if results.follow_up is not None else None,
        progress=progress,
    )


def synthesis_json(synthesis: Synthesis) -> str:
    """``synthese.json``: the synthesis with its French keys."""
    data = synthesis.model_dump(mode="json", by_alias=True)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


#: Column order of actions.csv (the French keys of ``Action``).
ACTION_COLUMNS = ("rang", "origine", "action", "responsable", "echeance", "cout_euros", "en_retard")


def actions_csv(synthesis: Synthesis) -> str:
    """``actions.csv``: « ; » separators and a BOM, like findings.csv, so that a French Excel opens it as is."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(ACTION_COLUMNS)
    for action in synthesis.actions:
        cost = "" if action.cost_eur is None else f"{action.cost_eur:.2f}".replace(".", ",")
        row = (
            action.rank,
            action.origin,
            action.action,
            action.owner,
            action.due,
            cost,
            "oui" if action.late else "non",
        )
        writer.writerow([spreadsheet_cell(value) for value in row])
    return buffer.getvalue()
