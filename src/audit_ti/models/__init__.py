"""Typed models of every file audit-ti reads or writes."""

from audit_ti.models.audit import (
    AipdAnswers,
    Answer,
    AnswerStatus,
    Audit,
    Authorisation,
    Contact,
    Gateway,
    InclusionAnswers,
    ScanOptions,
    UseCase,
)
from audit_ti.models.base import KeyPath, SourceDocument, SourceMap, StrictModel, format_key_path
from audit_ti.models.enums import Domain, Nature, NetworkZone, ScanProfile, SectionState, Severity, Status
from audit_ti.models.fields import ExpectedPort
from audit_ti.models.finding import Finding
from audit_ti.models.grille import CheckRef, Grille, Requirement, Source, Theme

__all__ = [
    "AipdAnswers",
    "Answer",
    "AnswerStatus",
    "Audit",
    "Authorisation",
    "CheckRef",
    "Contact",
    "Domain",
    "ExpectedPort",
    "Finding",
    "Gateway",
    "Grille",
    "InclusionAnswers",
    "KeyPath",
    "Nature",
    "NetworkZone",
    "Requirement",
    "ScanOptions",
    "ScanProfile",
    "SectionState",
    "Severity",
    "Source",
    "SourceDocument",
    "SourceMap",
    "Status",
    "StrictModel",
    "Theme",
    "UseCase",
    "format_key_path",
]
