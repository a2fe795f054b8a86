"""Frozen results of the inclusion assessment (``results/inclusion.json``)."""

from __future__ import annotations

from pydantic import Field

from audit_ti.models.assessment import AssessmentResult, ItemResult
from audit_ti.models.base import StrictModel
from audit_ti.models.enums import SectionState
from audit_ti.models.scales import CriterionRole, InclusionLevel, InclusionVerdict

__all__ = ["CriterionScore", "InclusionResult", "PublicEstimate", "ResidentsEstimate", "ScoreSummary"]


class CriterionScore(ItemResult):
    """How one criterion was answered and what it weighs in the score."""

    role: CriterionRole
    weight: int = Field(alias="poids")
    answer: str | None = Field(alias="reponse", description="Valeur retenue ; None si non renseigné.")
    answer_label: str = Field(alias="reponse_libelle")
    rate: float | None = Field(alias="taux")
    points: int = Field(description="Points comptés (poids × points de la réponse).")
    max_points: int = Field(alias="points_max")
    unanswered: bool = Field(alias="non_renseigne")
    not_applicable: bool = Field(alias="non_applicable")
    blocking: bool = Field(alias="bloquant")
    blocking_unmet: bool = Field(alias="bloquant_non_satisfait")
    justification: str | None


class ScoreSummary(StrictModel):
    """The AIA-style scores, each number a person can recompute."""

    raw: int = Field(alias="brut")
    raw_max: int = Field(alias="brut_max")
    mitigation: int = Field(alias="attenuation")
    mitigation_max: int = Field(alias="attenuation_max")
    mitigation_percent: float = Field(alias="attenuation_pourcent")
    reduction_applied: bool = Field(alias="reduction_appliquee")
    final: int = Field(alias="final")
    final_percent: float = Field(alias="final_pourcent")


class PublicEstimate(ItemResult):
    """Residents of the area who belong to a public at risk."""

    concerned: bool = Field(alias="concerne")
    indicator: str | None = Field(alias="indicateur")
    share_percent: float | None = Field(alias="part_pourcent")
    residents: int | None = Field(alias="habitants")
    covered_population: int | None = Field(
        alias="population_couverte", description="Habitants des zones pour lesquelles une part est connue."
    )
    origin: str = Field(alias="origine", description="territoire, national, national_ajuste ou aucune")
    source: str | None
    year: str | None = Field(alias="annee")


class ResidentsEstimate(StrictModel):
    """How many residents of the use case's area fall in each public at risk."""

    area: str | None = Field(alias="zone")
    population: int | None
    population_source: str = Field(alias="source_population")
    statistics_file: str | None = Field(alias="fichier_statistiques")
    fragility_index: float | None = Field(alias="indice_fragilite")
    publics: tuple[PublicEstimate, ...]


class InclusionResult(AssessmentResult):
    """The inclusion assessment of one use case."""

    state: SectionState = Field(alias="etat")
    level: InclusionLevel = Field(alias="niveau")
    level_title: str = Field(alias="niveau_titre")
    score_level: InclusionLevel = Field(alias="niveau_du_score", description="Niveau que donne le seul score.")
    verdict: InclusionVerdict
    verdict_label: str = Field(alias="verdict_libelle")
    scores: ScoreSummary
    criteria: tuple[CriterionScore, ...] = Field(alias="criteres")
    blocking_unmet: tuple[str, ...] = Field(alias="criteres_bloquants_non_satisfaits")
    unanswered: tuple[str, ...] = Field(alias="criteres_non_renseignes")
    safeguards: tuple[str, ...] = Field(alias="garanties_requises")
    explanation: tuple[str, ...] = Field(alias="explication")
    residents: ResidentsEstimate = Field(alias="habitants")

    @property
    def is_blocking(self) -> bool:
        """True when a blocking criterion is not met."""
        return bool(self.blocking_unmet)
