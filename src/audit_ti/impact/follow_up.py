"""The follow-up sheet of a use case: its evaluation indicators (n°36) and its products' qualifications (n°48)."""

from __future__ import annotations

from datetime import date

from audit_ti.models.audit import Audit
from audit_ti.models.follow_up import FollowUp, ProductQualification, QualificationRow

__all__ = ["HOSTING_SUBJECT", "build_follow_up"]

HOSTING_SUBJECT = "hébergement des données"


def _rows(subject: str, qualifications: list[ProductQualification], today: date) -> list[QualificationRow]:
    return [
        QualificationRow(
            subject=subject,
            kind=item.kind,
            kind_label=item.kind.label,
            reference=item.reference,
            product=item.product,
            valid_until=item.valid_until,
            # A certificate that lapsed before the audit no longer vouches for the product.
            expired=item.valid_until is not None and item.valid_until < today,
        )
        for item in qualifications
    ]


def build_follow_up(audit: Audit, case: str) -> FollowUp:
    """What the audit file declares for the follow-up, checked against the audit date."""
    today = audit.use_case.audit_date
    declared = [
        (f"passerelle {gateway.name} ({gateway.device_model})", gateway.qualifications) for gateway in audit.gateways
    ]
    if audit.aipd.hosting is not None:
        declared.append((HOSTING_SUBJECT, audit.aipd.hosting.qualifications))
    rows: list[QualificationRow] = []
    without: list[str] = []
    for subject, qualifications in declared:
        held = _rows(subject, qualifications, today)
        rows += held
        if all(row.expired for row in held):
            without.append(subject)
    return FollowUp(
        case=case,
        indicators=tuple(audit.use_case.indicators),
        qualifications=tuple(rows),
        without_qualification=tuple(without),
    )
