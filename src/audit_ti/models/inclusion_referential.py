"""The inclusion referential (``grilles/inclusion.yaml``): publics, criteria, weights, levels."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from audit_ti.models.base import StrictModel
from audit_ti.models.referential import ReferentialBase, ReferentialItem
from audit_ti.models.scales import CriterionRole, InclusionLevel, InclusionVerdict, StatUnit
from audit_ti.models.types import RequirementId, Slug, Text

__all__ = [
    "AnswerOption",
    "BlockingRule",
    "InclusionCriterion",
    "InclusionReferential",
    "Indicator",
    "LevelRule",
    "MitigationRule",
    "RateStep",
    "RiskPublic",
    "Scoring",
]


class Indicator(ReferentialItem):
    """A territory statistic the estimates use."""

    schema_description = "Indicateur statistique du territoire."

    unit: StatUnit = Field(alias="unite")
    description: Text | None = None


class RiskPublic(ReferentialItem):
    """A public at risk of digital exclusion."""

    schema_description = "Public à risque d'exclusion numérique."

    description: Text
    indicator: RequirementId | None = Field(
        default=None,
        alias="indicateur",
        description="Indicateur qui donne la part de ce public dans la population.",
    )
    scaled_by_index: bool = Field(
        default=False,
        alias="ajuste_par_indice",
        description="Sans chiffre local, la part nationale est multipliée par l'indice de fragilité / 100.",
    )
    sources: list[Slug] = Field(default_factory=list)


class AnswerOption(StrictModel):
    """One possible answer to a criterion, with its points."""

    schema_description = "Réponse possible à un critère, avec ses points."

    value: Slug = Field(alias="valeur")
    label: Text = Field(alias="libelle")
    points: int = Field(ge=0, le=100)
    met: bool = Field(
        default=True,
        alias="satisfait",
        description="Pour un critère bloquant : false si cette réponse laisse le critère non satisfait.",
    )


class RateStep(StrictModel):
    """For a rate criterion (RGAA): the option a rate falls in, from its lower bound."""

    schema_description = "Palier d'un critère à taux (RGAA) : la réponse retenue à partir de ce taux."

    minimum: float = Field(alias="min", ge=0, le=100)
    value: Slug = Field(alias="valeur")


class InclusionCriterion(ReferentialItem):
    """A criterion of the inclusion assessment."""

    schema_description = "Critère de l'évaluation d'inclusion."

    question: Text
    role: CriterionRole = Field(description="« risque » : augmente le risque brut ; « attenuation » : l'atténue.")
    weight: int = Field(default=1, alias="poids", ge=1, le=10)
    blocking: bool = Field(default=False, alias="bloquant")
    options: list[AnswerOption] = Field(min_length=2)
    rate_steps: list[RateStep] = Field(
        default_factory=list, alias="paliers_taux", description="Si non vide, la réponse est un taux en %."
    )
    not_applicable_allowed: bool = Field(
        default=False,
        alias="non_applicable_possible",
        description="Vrai si la valeur « non_applicable » est admise (le critère ne compte alors pas).",
    )
    publics: list[RequirementId] = Field(default_factory=list, description="Publics surtout concernés.")
    sources: list[Slug] = Field(min_length=1)

    @property
    def max_points(self) -> int:
        """Best points an answer can earn (mitigation) or worst it can cost (risk)."""
        return max(option.points for option in self.options) * self.weight

    def option(self, value: str) -> AnswerOption | None:
        """The option with this value, if any."""
        return next((option for option in self.options if option.value == value), None)


class MitigationRule(StrictModel):
    """Canada's AIA rule: enough mitigation reduces the raw score."""

    schema_description = "Règle d'atténuation (AIA canadienne) : assez de mesures réduisent le score brut."

    threshold_percent: float = Field(alias="seuil_pourcent", ge=0, le=100)
    reduction_percent: float = Field(alias="reduction_pourcent", ge=0, le=100)


class LevelRule(StrictModel):
    """A level, the scores it covers and the safeguards it requires."""

    schema_description = "Niveau d'impact, scores couverts et garanties exigées."

    level: InclusionLevel = Field(alias="niveau")
    title: Text = Field(alias="titre")
    max_percent: float = Field(
        alias="max_pourcent",
        ge=0,
        le=100,
        description="Borne haute (incluse) du score final, en % du maximum.",
    )
    verdict: InclusionVerdict
    description: Text
    safeguards: list[Text] = Field(alias="garanties", default_factory=list)


class BlockingRule(StrictModel):
    """What a missing blocking criterion does, whatever the score."""

    schema_description = "Effet d'un critère bloquant non satisfait, quel que soit le score."

    verdict: InclusionVerdict
    minimum_level: InclusionLevel = Field(alias="niveau_minimum")
    explanation: Text = Field(alias="explication")


class Scoring(StrictModel):
    """How answers become a level."""

    schema_description = "Calcul du niveau à partir des réponses."

    mitigation: MitigationRule = Field(alias="attenuation")
    levels: list[LevelRule] = Field(alias="niveaux", min_length=2)
    blocking: BlockingRule = Field(alias="blocage")

    @model_validator(mode="after")
    def _levels_cover_everything(self) -> Scoring:
        bounds = [level.max_percent for level in self.levels]
        if bounds != sorted(bounds) or bounds[-1] != 100:
            raise ValueError("les niveaux doivent être rangés par « max_pourcent » croissant, le dernier à 100")
        return self


class InclusionReferential(ReferentialBase):
    """The inclusion referential: every public, criterion, weight and level as data."""

    schema_description = (
        "Référentiel de l'évaluation d'impact sur l'inclusion numérique : indicateurs, publics à risque, "
        "critères pondérés, niveaux et garanties."
    )

    kind: Literal["inclusion"] = Field(alias="referentiel", description="Toujours « inclusion » pour ce référentiel.")
    national_statistics: str = Field(
        alias="statistiques_nationales",
        pattern=r"^[^/\\][^\\]{0,300}\.csv$",
        description="Fichier CSV des chiffres nationaux, relatif à ce référentiel.",
    )
    fragility_index: RequirementId | None = Field(
        default=None,
        alias="indicateur_fragilite",
        description="Indicateur de l'indice de fragilité numérique.",
    )
    population_indicator: RequirementId = Field(alias="indicateur_population")
    indicators: list[Indicator] = Field(alias="indicateurs", min_length=1)
    publics: list[RiskPublic] = Field(min_length=1)
    criteria: list[InclusionCriterion] = Field(alias="criteres", min_length=1)
    scoring: Scoring = Field(alias="notation")

    def criterion(self, criterion_id: str) -> InclusionCriterion | None:
        """The criterion with this id, if any."""
        return next((item for item in self.criteria if item.id == criterion_id), None)

    def indicator(self, indicator_id: str) -> Indicator | None:
        """The indicator with this id, if any."""
        return next((item for item in self.indicators if item.id == indicator_id), None)
