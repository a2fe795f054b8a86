"""What the two impact assessments (AIPD, digital inclusion) share, in the audit file and in their results."""

from __future__ import annotations

from pydantic import Field

from audit_ti.models.base import StrictModel
from audit_ti.models.enums import SectionState
from audit_ti.models.types import Text

__all__ = ["AssessmentResult", "AssessmentSection", "ItemResult"]


class AssessmentSection(StrictModel):
    """Head of an assessment section of the audit file: its progress and a free comment.

    Subclasses add their ``referentiel`` key and their answers after these fields.
    """

    state: SectionState = Field(default=SectionState.TO_DO, alias="etat")
    comment: Text | None = Field(default=None, alias="commentaire")


class AssessmentResult(StrictModel):
    """Head of an assessment result: the use case and the referential it was assessed against."""

    case: str = Field(alias="cas")
    referential: str = Field(alias="referentiel")
    referential_version: str = Field(alias="version_referentiel")


class ItemResult(StrictModel):
    """An element of the referential as a result names it: its id and title, then what the result says."""

    id: str
    title: str = Field(alias="titre")
