"""Results: one finding per requirement and target."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from audit_ti.models.base import StrictModel
from audit_ti.models.enums import FindingSource, Importance, Severity, Status
from audit_ti.models.types import RequirementId

__all__ = ["EVIDENCE_MAX_CHARS", "AcceptanceRecord", "Finding", "shorten"]

EVIDENCE_MAX_CHARS = 2_000


def shorten(text: str, limit: int = EVIDENCE_MAX_CHARS) -> str:
    """Text cut to ``limit`` characters, saying that it was cut."""
    return text if len(text) <= limit else text[: limit - 12] + " […] (coupé)"


class AcceptanceRecord(StrictModel):
    """The accepted risk that covers a finding, as it stands on the evaluation date."""

    schema_description = "Acceptation du risque qui couvre ce résultat."

    justification: str
    signatory: str = Field(alias="signataire")
    decided_on: date = Field(alias="date")
    expires_on: date = Field(alias="expire_le")
    expired: bool = Field(alias="expiree")


class Finding(StrictModel):
    """Outcome of one requirement for one target (a gateway, or the use case when ``target`` is None).

    Attributes:
        requirement: id of the grille item.
        target: gateway name (or address of an undeclared host), None for the whole use case.
        status: never defaults; a check that could not conclude says ``non_teste`` or ``erreur``.
        severity: severity of the requirement.
        confidence: 0–100, how sure the evidence makes us (like OpenVAS' quality of detection).
        evidence: short, redacted evidence.
        recommendation: what to do.
        references: sources of the requirement.
        source: scan, import of an existing scan, or declarative answer.
        justification / author / answered_on: for declarative answers.
        accepted_risk: the acceptance that covers this finding, if any (it stays visible).
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
    title: str = Field(default="", alias="titre")
    theme: str = Field(default="", alias="theme")
    importance: Importance = Field(default=Importance.RECOMMENDED, alias="importance")
    grille: str = Field(default="", alias="grille")
    source: FindingSource = Field(default=FindingSource.SCAN, alias="source")
    justification: str | None = Field(default=None, alias="justification")
    author: str | None = Field(default=None, alias="auteur")
    answered_on: date | None = Field(default=None, alias="date_reponse")
    accepted_risk: AcceptanceRecord | None = Field(default=None, alias="risque_accepte")

    @property
    def accepted(self) -> bool:
        """True when a risk acceptance covers this finding and has not expired."""
        return self.accepted_risk is not None and not self.accepted_risk.expired

    def blocks(self, threshold: Severity) -> bool:
        """True when this finding fails a gate at ``threshold`` (non-compliant, serious, not accepted)."""
        return self.status is Status.NON_COMPLIANT and self.severity.at_least(threshold) and not self.accepted
