"""The digital-inclusion section of an audit file: territory, publics, criteria answers."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from audit_ti.models.assessment import AssessmentSection
from audit_ti.models.base import StrictModel
from audit_ti.models.types import CSV_PATH_PATTERN, RequirementId, Slug, Text

__all__ = ["NOT_APPLICABLE", "CriterionResponse", "InclusionAnswers", "PublicAnswer", "Territory"]

#: The answer that takes a criterion out of the score; it must be allowed by the criterion and justified.
NOT_APPLICABLE = "non_applicable"

#: A path relative to the audit file, without going through the root of the file system.
RelativePath = Annotated[str, StringConstraints(pattern=CSV_PATH_PATTERN)]


class Territory(StrictModel):
    """The area the use case serves, and where its statistics come from."""

    schema_description = (
        "Territoire desservi par le cas d'usage ; sans fichier de statistiques, les chiffres nationaux servent."
    )

    name: Text | None = Field(default=None, alias="nom")
    population: int | None = Field(
        default=None, ge=0, le=100_000_000, description="Habitants de la zone du cas d'usage."
    )
    statistics: RelativePath | None = Field(
        default=None,
        alias="statistiques",
        description="Fichier CSV des statistiques du territoire, chemin relatif au fichier d'audit.",
    )


class PublicAnswer(StrictModel):
    """Whether a public at risk is concerned by the use case."""

    schema_description = "Public à risque concerné ou non par le cas d'usage."

    concerned: bool = Field(alias="concerne")
    comment: Text | None = Field(default=None, alias="commentaire")


class CriterionResponse(StrictModel):
    """Answer to one inclusion criterion: a choice, or a rate for the RGAA criterion."""

    schema_description = "Réponse à un critère d'inclusion : un choix, ou un taux (RGAA)."

    choice: Slug | None = Field(default=None, alias="reponse", description="Valeur choisie parmi celles du critère.")
    rate: float | None = Field(default=None, ge=0, le=100, alias="taux", description="Taux en % (0 à 100).")
    justification: Text | None = None
    evidence: Text | None = Field(default=None, alias="preuve")

    @model_validator(mode="after")
    def _choice_or_rate(self) -> CriterionResponse:
        if (self.choice is None) == (self.rate is None):
            raise ValueError("indiquez soit « reponse » (un choix), soit « taux » (un pourcentage), pas les deux")
        return self


class InclusionAnswers(AssessmentSection):
    """Digital-inclusion impact assessment of the use case."""

    schema_description = "Évaluation d'impact sur l'inclusion numérique du cas d'usage."

    referential: Slug = Field(
        default="inclusion",
        alias="referentiel",
        description="Référentiel d'inclusion (fichier du dossier grilles/).",
    )
    territory: Territory = Field(default_factory=Territory, alias="territoire")
    publics: dict[RequirementId, PublicAnswer] = Field(
        default_factory=dict,
        alias="publics",
        description="Publics à risque, par identifiant ; un public non cité est réputé concerné.",
    )
    criteria: dict[RequirementId, CriterionResponse] = Field(
        default_factory=dict,
        alias="criteres",
        description="Réponses aux critères, par identifiant ; un critère sans réponse compte au plus défavorable.",
    )
