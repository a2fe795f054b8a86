"""Scales and statuses of the impact assessments (AIPD and digital inclusion)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from audit_ti.models.labels import LabelledEnum, LabelledIntEnum

__all__ = [
    "ActionStatus",
    "CnilLevel",
    "CnilScale",
    "CriterionRole",
    "DpoVerdict",
    "HostingLocation",
    "InclusionLevel",
    "InclusionVerdict",
    "ItemEvaluation",
    "MeasureState",
    "PrescreenVerdict",
    "StatUnit",
    "ValidationState",
]


class CnilLevel(LabelledIntEnum):
    """The CNIL 1–4 scale of severity and likelihood (PIA method, knowledge base)."""

    # Labels word for word as in the CNIL PIA software.
    NEGLIGIBLE = 1, "Négligeable"
    LIMITED = 2, "Limitée"
    SIGNIFICANT = 3, "Importante"
    MAXIMUM = 4, "Maximale"

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
            for level in cls:
                if _fold(level.label) == _fold(text):
                    return level
        raise ValueError(
            f"« {str(value)[:40]} » : niveau attendu de 1 à 4 (1 négligeable, 2 limitée, 3 importante, 4 maximale)"
        )


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


class PrescreenVerdict(LabelledEnum):
    """Answer of the pre-screen « AIPD obligatoire ? »."""

    MANDATORY = "obligatoire", "AIPD obligatoire"
    # WP248: two criteria or more mean a DPIA « in most cases », a presumption the controller may rebut.
    PRESUMED = "requise_presomption", "AIPD requise (présomption CEPD)"
    REASONED_EXCEPTION = "non_requise_exception", "AIPD non requise, exception motivée"
    RECOMMENDED = "recommandee", "AIPD recommandée"
    NOT_MANDATORY = "non_obligatoire", "AIPD non obligatoire"
    EXEMPT = "exemptee", "AIPD non requise (liste d'exemption de la CNIL)"
    INCOMPLETE = "a_completer", "Présélection à compléter"


class HostingLocation(LabelledEnum):
    """Where the data of the use case will be hosted (study's recommendation n°19)."""

    FRANCE = "france", "en France"
    EUROPEAN_UNION = "union_europeenne", "dans l'Union européenne"
    OUTSIDE_EU = "hors_union_europeenne", "hors de l'Union européenne"
    TO_SPECIFY = "a_preciser", "à préciser"


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


class ValidationState(LabelledEnum):
    """Validation of the AIPD by the controller (CNIL PIA workflow)."""

    PENDING = "en_attente", "en attente de validation"
    VALIDATED = "validee", "validée"
    SIGNED = "validee_signee", "validée et signée"
    REFUSED = "refusee", "refusée"

    @property
    def is_validated(self) -> bool:
        """True once the controller has validated the AIPD."""
        return self in (ValidationState.VALIDATED, ValidationState.SIGNED)


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


class InclusionVerdict(LabelledEnum):
    """What the inclusion assessment says about deploying."""

    FAVOURABLE = "favorable", "Favorable"
    CONDITIONAL = "favorable_sous_conditions", "Favorable sous conditions"
    UNFAVOURABLE = "defavorable", "Défavorable"


class StatUnit(StrEnum):
    """Unit of a territory statistic."""

    PERCENT = "%"
    INHABITANTS = "habitants"
    INDEX = "indice"
