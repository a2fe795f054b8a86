"""Scales and statuses of the impact assessments (AIPD and digital inclusion)."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

__all__ = [
    "ActionStatus",
    "CnilLevel",
    "CnilScale",
    "CriterionRole",
    "DpoVerdict",
    "InclusionLevel",
    "InclusionVerdict",
    "ItemEvaluation",
    "MeasureState",
    "PrescreenVerdict",
    "StatUnit",
    "ValidationState",
]


class CnilLevel(IntEnum):
    """The CNIL 1–4 scale of severity and likelihood (PIA method, knowledge base)."""

    NEGLIGIBLE = 1
    LIMITED = 2
    SIGNIFICANT = 3
    MAXIMUM = 4

    @property
    def label(self) -> str:
        """French label, as in the CNIL PIA software."""
        return _CNIL_LABELS[self]

    @classmethod
    def parse(cls, value: Any) -> CnilLevel:
        """A level from 1–4 or from its French label (« importante »).

        Raises:
            ValueError: French message listing the accepted values.
        """
        if isinstance(value, CnilLevel):
            return value
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 4:
            return cls(value)
        if isinstance(value, str):
            text = value.strip().lower()
            if text.isascii() and text.isdigit() and len(text) == 1 and 1 <= int(text) <= 4:
                return cls(int(text))
            for level, label in _CNIL_LABELS.items():
                if _fold(label) == _fold(text):
                    return level
        raise ValueError(
            f"« {str(value)[:40]} » : niveau attendu de 1 à 4 (1 négligeable, 2 limitée, 3 importante, 4 maximale)"
        )


_CNIL_LABELS = {
    CnilLevel.NEGLIGIBLE: "Négligeable",
    CnilLevel.LIMITED: "Limitée",
    CnilLevel.SIGNIFICANT: "Importante",
    CnilLevel.MAXIMUM: "Maximale",
}


def _fold(text: str) -> str:
    return text.lower().replace("é", "e").replace("è", "e")


CnilScale = Annotated[
    CnilLevel,
    BeforeValidator(CnilLevel.parse),
    PlainSerializer(int, return_type=int),
    WithJsonSchema(
        {
            "description": "Niveau CNIL : 1 négligeable, 2 limitée, 3 importante, 4 maximale",
            "oneOf": [
                {"type": "integer", "minimum": 1, "maximum": 4},
                {"type": "string", "enum": ["négligeable", "limitée", "importante", "maximale"]},
            ],
        }
    ),
]


class PrescreenVerdict(StrEnum):
    """Answer of the pre-screen « AIPD obligatoire ? »."""

    MANDATORY = "obligatoire"
    RECOMMENDED = "recommandee"
    NOT_MANDATORY = "non_obligatoire"
    EXEMPT = "exemptee"
    INCOMPLETE = "a_completer"

    @property
    def label(self) -> str:
        """French label for tables and reports."""
        return _PRESCREEN_LABELS[self]


_PRESCREEN_LABELS = {
    PrescreenVerdict.MANDATORY: "AIPD obligatoire",
    PrescreenVerdict.RECOMMENDED: "AIPD recommandée",
    PrescreenVerdict.NOT_MANDATORY: "AIPD non obligatoire",
    PrescreenVerdict.EXEMPT: "AIPD non requise (liste d'exemption de la CNIL)",
    PrescreenVerdict.INCOMPLETE: "Présélection à compléter",
}


class ItemEvaluation(StrEnum):
    """The evaluator's status of an item, as in the CNIL PIA software."""

    ACCEPTABLE = "acceptable"
    IMPROVABLE = "ameliorable"
    TO_CORRECT = "a_corriger"


class MeasureState(StrEnum):
    """Whether a protective measure exists already or is planned."""

    EXISTING = "existante"
    PLANNED = "prevue"


class ActionStatus(StrEnum):
    """Progress of an action of the action plan."""

    TO_DO = "a_faire"
    IN_PROGRESS = "en_cours"
    DONE = "fait"
    DROPPED = "abandonnee"


class DpoVerdict(StrEnum):
    """The DPO's opinion: the processing may, or should not, be carried out."""

    FAVOURABLE = "favorable"
    UNFAVOURABLE = "defavorable"


class ValidationState(StrEnum):
    """Validation of the AIPD by the controller (CNIL PIA workflow)."""

    PENDING = "en_attente"
    VALIDATED = "validee"
    SIGNED = "validee_signee"
    REFUSED = "refusee"

    @property
    def is_validated(self) -> bool:
        """True once the controller has validated the AIPD."""
        return self in (ValidationState.VALIDATED, ValidationState.SIGNED)

    @property
    def label(self) -> str:
        """French label for tables and reports."""
        return _VALIDATION_LABELS[self]


_VALIDATION_LABELS = {
    ValidationState.PENDING: "en attente de validation",
    ValidationState.VALIDATED: "validée",
    ValidationState.SIGNED: "validée et signée",
    ValidationState.REFUSED: "refusée",
}


class CriterionRole(StrEnum):
    """Inclusion criteria either raise the exclusion risk or mitigate it (Canada's AIA)."""

    RISK = "risque"
    MITIGATION = "attenuation"


class InclusionLevel(StrEnum):
    """Exclusion-risk level, from I (low) to IV (very high)."""

    I = "I"  # noqa: E741 - the roman numeral is the level's name
    II = "II"
    III = "III"
    IV = "IV"


class InclusionVerdict(StrEnum):
    """What the inclusion assessment says about deploying."""

    FAVOURABLE = "favorable"
    CONDITIONAL = "favorable_sous_conditions"
    UNFAVOURABLE = "defavorable"

    @property
    def label(self) -> str:
        """French label for tables and reports."""
        return _INCLUSION_VERDICT_LABELS[self]


_INCLUSION_VERDICT_LABELS = {
    InclusionVerdict.FAVOURABLE: "Favorable",
    InclusionVerdict.CONDITIONAL: "Favorable sous conditions",
    InclusionVerdict.UNFAVOURABLE: "Défavorable",
}


class StatUnit(StrEnum):
    """Unit of a territory statistic."""

    PERCENT = "%"
    INHABITANTS = "habitants"
    INDEX = "indice"
