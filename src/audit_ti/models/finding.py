"""Results: one finding per requirement and target."""

from __future__ import annotations

from pydantic import Field

from audit_ti.models.base import StrictModel
from audit_ti.models.enums import Severity, Status
from audit_ti.models.types import RequirementId

__all__ = ["EVIDENCE_MAX_CHARS", "Finding"]

EVIDENCE_MAX_CHARS = 2_000


class Finding(StrictModel):
    """Outcome of one requirement for one target (a gateway, or the use case when ``target`` is None).

    Attributes:
        requirement: id of the grille item.
        target: gateway name, or None for a requirement of the whole use case.
        status: never defaults; a check that could not conclude says ``non_teste`` or ``erreur``.
        severity: severity of the requirement.
        confidence: 0–100, how sure the evidence makes us (like OpenVAS' quality of detection).
        evidence: short, redacted evidence.
        recommendation: what to do.
        references: sources of the requirement.
    """

    schema_description = "Résultat d'une exigence pour une cible."

    requirement: RequirementId = Field(alias="exigence")
    target: str | None = Field(alias="cible")
    status: Status = Field(alias="statut")
    severity: Severity = Field(alias="severite")
    confidence: int = Field(alias="confiance", ge=0, le=100)
    evidence: str = Field(alias="preuve", max_length=EVIDENCE_MAX_CHARS)
    recommendation: str = Field(alias="recommandation")
    references: tuple[str, ...] = Field(default=(), alias="references")
