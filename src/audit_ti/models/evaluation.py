"""Results of the cyber evaluation: index per theme, verdicts, priority measures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import ConfigDict, Field

from audit_ti.models.base import StrictModel
from audit_ti.models.enums import Importance, Severity, Status
from audit_ti.models.labels import LabelledEnum

__all__ = ["CyberEvaluation", "PriorityMeasure", "TargetScore", "ThemeIndex", "Verdict"]


class Verdict(LabelledEnum):
    """What the audit recommends to the authority about the deployment."""

    UNFAVOURABLE = "deploiement_deconseille", "Déploiement déconseillé"
    CONDITIONAL = "deploiement_sous_conditions", "Déploiement possible sous conditions"
    FAVOURABLE = "deploiement_favorable", "Déploiement favorable"

    @property
    def rank(self) -> int:
        """0 for the worst verdict, 2 for the best."""
        return list(Verdict).index(self)


_RESULT_CONFIG = ConfigDict(extra="forbid", validate_by_alias=True, validate_by_name=True)


# One per theme and per gateway, thousands for a fleet: frozen dataclasses, built without validation
# by the scoring code, validated and serialised by pydantic inside ``CyberEvaluation``.
@dataclass(frozen=True, slots=True, kw_only=True)
class ThemeIndex:
    """Index of one theme, computed like MonServiceSécurisé's indice cyber."""

    __pydantic_config__ = _RESULT_CONFIG

    theme: Annotated[str, Field(alias="theme")]
    title: Annotated[str, Field(alias="titre")]
    index: Annotated[float, Field(alias="indice", ge=0, le=5)]
    essential_rate: Annotated[float | None, Field(alias="taux_essentielles")]
    recommended_rate: Annotated[float | None, Field(alias="taux_recommandees")]
    measures: Annotated[int, Field(alias="mesures_comptees")]


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetScore:
    """Index and verdict of one gateway, or of the whole use case when ``target`` is None."""

    __pydantic_config__ = _RESULT_CONFIG

    target: Annotated[str | None, Field(alias="cible")]
    index: Annotated[float | None, Field(alias="indice")]
    themes: Annotated[tuple[ThemeIndex, ...], Field(alias="themes")]
    verdict: Annotated[Verdict, Field(alias="verdict")]
    reasons: Annotated[tuple[str, ...], Field(alias="motifs")]
    counts: Annotated[dict[Status, int], Field(alias="decompte")]


class PriorityMeasure(StrictModel):
    """One of the measures to take first (MonAideCyber's "six measures for six months")."""

    rank: int = Field(alias="rang", ge=1)
    requirement: str = Field(alias="exigence")
    title: str = Field(alias="titre")
    severity: Severity = Field(alias="severite")
    importance: Importance
    status: Status = Field(alias="statut")
    targets: tuple[str, ...] = Field(alias="cibles")
    recommendation: str = Field(alias="recommandation")


class CyberEvaluation(StrictModel):
    """Everything the cyber audit concludes, for the reports (the findings are written beside it)."""

    case: str = Field(alias="cas")
    evaluated_on: date = Field(alias="date_evaluation")
    grilles: dict[str, str] = Field(alias="grilles", description="Identifiant → version.")
    complete: bool = Field(alias="complet")
    incomplete_reasons: tuple[str, ...] = Field(alias="motifs_incomplet")
    use_case: TargetScore = Field(alias="cas_usage")
    gateways: tuple[TargetScore, ...] = Field(alias="passerelles")
    priorities: tuple[PriorityMeasure, ...] = Field(alias="mesures_prioritaires")
    accepted_risks: int = Field(alias="risques_acceptes")
