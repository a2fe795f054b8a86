"""The grille: a checklist of requirements, as data (``grilles/*.yaml``)."""

from __future__ import annotations

from pydantic import Field, JsonValue

from audit_ti.models.base import SourceDocument, StrictModel
from audit_ti.models.enums import Importance, Nature, Severity
from audit_ti.models.types import Reference, RequirementId, Slug, Text, Url

__all__ = ["CheckRef", "Grille", "Requirement", "Source", "Theme"]


class Source(StrictModel):
    """A document the grille is derived from."""

    schema_description = "Document dont la grille est tirée."

    document: Text
    edition: Text | None = None
    url: Url | None = None


class Theme(StrictModel):
    """A group of requirements (gouvernance, protection, …)."""

    schema_description = "Thème regroupant des exigences."

    id: Slug
    title: Text = Field(alias="titre")
    description: Text | None = None


class CheckRef(StrictModel):
    """An automated check that evidences a requirement, with its parameters."""

    schema_description = "Contrôle automatique qui vérifie l'exigence, avec ses paramètres."

    check: RequirementId = Field(description="Identifiant d'un contrôle enregistré dans audit-ti.")
    params: dict[str, JsonValue] = Field(default_factory=dict, description="Paramètres du contrôle.")


class Requirement(StrictModel):
    """One requirement of a grille."""

    schema_description = "Exigence de la grille."

    id: RequirementId = Field(description="Identifiant stable, en snake_case.")
    title: Text = Field(alias="titre")
    description: Text
    theme: Slug = Field(alias="theme")
    severity: Severity = Field(alias="severite")
    importance: Importance = Field(
        description="« essentielle » ou « recommandee » : pèse 60 % ou 40 % dans l'indice cyber de son thème."
    )
    nature: Nature = Field(
        description="« reseau » : vérifiée par le scan ; « declaratif » : réponse dans le fichier d'audit ; "
        "« mixte » : les deux."
    )
    checks: list[CheckRef] = Field(default_factory=list)
    question: Text | None = Field(default=None, description="Question posée (exigences déclaratives).")
    recommendation: Text = Field(alias="recommandation")
    references: list[Reference] = Field(default_factory=list)


class Grille(SourceDocument):
    """A checklist: metadata, themes and requirements."""

    schema_description = "Grille d'exigences : métadonnées, thèmes et exigences."

    id: Slug
    title: Text = Field(alias="titre")
    version: Text
    description: Text | None = None
    sources: list[Source] = Field(min_length=1)
    themes: list[Theme] = Field(alias="themes", min_length=1)
    items: list[Requirement] = Field(min_length=1)

    def requirement(self, requirement_id: str) -> Requirement | None:
        """The requirement with this id, if the grille has it."""
        return next((item for item in self.items if item.id == requirement_id), None)
