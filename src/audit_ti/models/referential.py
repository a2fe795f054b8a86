"""What the two assessment referentials (``grilles/aipd.yaml``, ``grilles/inclusion.yaml``) share."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from audit_ti.models.base import SourceDocument, StrictModel
from audit_ti.models.types import RequirementId, Slug, Text, Url

__all__ = ["REFERENTIAL_KEY", "CitedSource", "ReferentialBase", "ReferentialItem", "ReferentialKind"]

#: Top-level key that tells a referential from a checklist grille in ``grilles/``.
REFERENTIAL_KEY = "referentiel"


class ReferentialKind(StrEnum):
    """Kinds of referential, the value of the top-level ``referentiel`` key."""

    AIPD = "aipd"
    INCLUSION = "inclusion"
    FACTORY_CREDENTIALS = "identifiants_usine"


class CitedSource(StrictModel):
    """A document the referential cites by a short id."""

    schema_description = "Document cité par le référentiel, sous un identifiant court."

    id: Slug = Field(description="Identifiant court, cité par les éléments du référentiel.")
    document: Text
    edition: Text | None = None
    url: Url | None = None


class ReferentialItem(StrictModel):
    """An element of a referential, cited by its id in the audit files and shown by its title.

    Subclasses declare their own fields after these two.
    """

    id: RequirementId
    title: Text = Field(alias="titre")


class ReferentialBase(SourceDocument):
    """Metadata every referential has."""

    id: Slug = Field(description="Identifiant : le nom du fichier, sans « .yaml ».")
    title: Text = Field(alias="titre")
    version: Text
    description: Text | None = None
    sources: list[CitedSource] = Field(min_length=1)

    def source_ids(self) -> list[str]:
        """Ids of the cited sources."""
        return [source.id for source in self.sources]
