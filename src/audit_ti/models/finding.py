"""Results: one finding per requirement and target.

A fleet of thousands of gateways gives hundreds of thousands of findings, built by audit-ti's own
code from validated grilles and checked observations: ``Finding`` is a frozen slotted dataclass,
cheap to build, and ``FINDINGS`` (a pydantic adapter) validates, serialises and describes it with
its French keys when it crosses a file boundary (findings.json).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from typing import Annotated

from pydantic import ConfigDict, Field, TypeAdapter

from audit_ti.models.base import StrictModel
from audit_ti.models.enums import FindingSource, Importance, Severity, Status

__all__ = [
    "EVIDENCE_MAX_CHARS",
    "FINDINGS",
    "PER_TARGET",
    "AcceptanceRecord",
    "Finding",
    "outcome_maker",
    "shorten",
]

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """Outcome of one requirement for one target (a gateway, or the use case when ``target`` is None).

    Attributes:
        requirement: id of the grille item.
        target: gateway name (or address of an undeclared host), None for the whole use case.
        status: never defaults; a check that could not conclude says ``non_teste`` or ``erreur``.
        severity: severity of the requirement.
        confidence: 0–100, how sure the evidence makes us (like OpenVAS' quality of detection).
        evidence: short, redacted evidence (at most ``EVIDENCE_MAX_CHARS``).
        recommendation: what to do.
        references: sources of the requirement.
        source: scan, import of an existing scan, or declarative answer.
        justification / author / answered_on: for declarative answers.
        accepted_risk: the acceptance that covers this finding, if any (it stays visible).
    """

    __pydantic_config__ = ConfigDict(extra="forbid", validate_by_alias=True, validate_by_name=True)

    requirement: Annotated[str, Field(alias="exigence", pattern=r"^[a-z][a-z0-9_]{1,62}$")]
    target: Annotated[str | None, Field(alias="cible")]
    status: Annotated[Status, Field(alias="statut")]
    severity: Annotated[Severity, Field(alias="severite")]
    confidence: Annotated[int, Field(alias="confiance", ge=0, le=100)]
    evidence: Annotated[str, Field(alias="preuve", max_length=EVIDENCE_MAX_CHARS)]
    recommendation: Annotated[str, Field(alias="recommandation")]
    references: Annotated[tuple[str, ...], Field(alias="references")] = ()
    title: Annotated[str, Field(alias="titre")] = ""
    theme: Annotated[str, Field(alias="theme")] = ""
    importance: Annotated[Importance, Field(alias="importance")] = Importance.RECOMMENDED
    grille: Annotated[str, Field(alias="grille")] = ""
    source: Annotated[FindingSource, Field(alias="source")] = FindingSource.SCAN
    justification: Annotated[str | None, Field(alias="justification")] = None
    author: Annotated[str | None, Field(alias="auteur")] = None
    answered_on: Annotated[date | None, Field(alias="date_reponse")] = None
    accepted_risk: Annotated[AcceptanceRecord | None, Field(alias="risque_accepte")] = None

    @property
    def accepted(self) -> bool:
        """True when a risk acceptance covers this finding and has not expired."""
        return self.accepted_risk is not None and not self.accepted_risk.expired

    def blocks(self, threshold: Severity) -> bool:
        """True when this finding fails a gate at ``threshold`` (non-compliant, serious, not accepted)."""
        return self.status is Status.NON_COMPLIANT and self.severity.at_least(threshold) and not self.accepted


#: Validates, serialises and describes lists of findings with their French keys.
FINDINGS: TypeAdapter[list[Finding]] = TypeAdapter(list[Finding])


#: What varies from one finding of a requirement to the next (the rest is the requirement's).
PER_TARGET = ("target", "status", "confidence", "evidence")


def outcome_maker(template: Finding) -> Callable[[str | None, Status, int, str], Finding]:
    """``make(target, status, confidence, evidence)``: ``template`` with these four fields replaced.

    What ``dataclasses.replace`` does, without its keyword ``__init__`` (a third of a fleet's
    evaluation time when each finding was built so): every field but the four is copied from the
    template, built and checked by ``Finding`` itself, into a new object.
    """
    shared = tuple((f.name, getattr(template, f.name)) for f in fields(Finding) if f.name not in PER_TARGET)
    new, put = object.__new__, object.__setattr__

    def make(target: str | None, status: Status, confidence: int, evidence: str) -> Finding:
        finding: Finding = new(Finding)
        put(finding, "target", target)
        put(finding, "status", status)
        put(finding, "confidence", confidence)
        put(finding, "evidence", evidence)
        for name, value in shared:
            put(finding, name, value)
        return finding

    return make
