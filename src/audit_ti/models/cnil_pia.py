"""The JSON export of the CNIL PIA software (LINCnil/pia), as far as audit-ti reads and writes it.

This is someone else's format, and it grows with each version of the software: unlike the
project's own models, these ignore the keys they do not know instead of refusing them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["PiaAnswer", "PiaAnswerData", "PiaEvaluation", "PiaExport", "PiaGauges", "PiaMeasure", "PiaRecord"]


class _External(BaseModel):
    """Lenient, frozen model of an external format (unknown keys are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class PiaRecord(_External):
    """The ``pia`` object: identity, workflow status, opinions."""

    name: str = ""
    status: int = 0
    author_name: str | None = None
    evaluator_name: str | None = None
    validator_name: str | None = None
    dpo_status: int | None = None
    dpo_opinion: str | None = None
    dpos_names: str | None = None
    concerned_people_searched_opinion: bool | None = None
    concerned_people_searched_content: str | None = None
    concerned_people_opinion: str | None = None
    concerned_people_status: int | None = None
    people_names: str | None = None
    rejection_reason: str | None = None
    #: The spelling ``importData`` reads (the software's own exports write ``rejection_reason``).
    rejected_reason: str | None = None
    applied_adjustments: str | None = None
    category: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class PiaAnswerData(_External):
    """The content of an answer: text, gauge (1–4, 0 when unset) or list of tags."""

    text: str | None = None
    gauge: int | None = Field(default=None, ge=0, le=4)
    list: tuple[str, ...] = ()

    @field_validator("list", mode="before")
    @classmethod
    def _null_list(cls, value: Any) -> Any:
        return () if value is None else value  # answers made from a structure hold « list: null »


class PiaAnswer(_External):
    """The answer to one question, referenced by its id (111, 325…)."""

    reference_to: int
    data: PiaAnswerData = Field(default_factory=PiaAnswerData)


class PiaMeasure(_External):
    """A measure of section 3.1."""

    id: int | None = None
    title: str = ""
    content: str | None = None
    placeholder: str | None = None


class PiaGauges(_External):
    """The evaluator's re-assessment of a risk: x = severity, y = likelihood (0 when unset)."""

    x: int = Field(default=0, ge=0, le=4)
    y: int = Field(default=0, ge=0, le=4)


class PiaEvaluation(_External):
    """The evaluation of an item or question (``reference_to`` like "3.2" or "2.1.211")."""

    reference_to: str
    status: int = 0
    evaluation_comment: str | None = None
    action_plan_comment: str | None = None
    gauges: PiaGauges = Field(default_factory=PiaGauges)
    estimated_implementation_date: str | None = None
    person_in_charge: str | None = None
    global_status: int = 0

    @field_validator("gauges", mode="before")
    @classmethod
    def _null_gauges(cls, value: Any) -> Any:
        return {} if value is None else value


class PiaExport(_External):
    """A ``.json`` file exported by the CNIL PIA software."""

    pia: PiaRecord
    answers: tuple[PiaAnswer, ...] = ()
    measures: tuple[PiaMeasure, ...] = ()
    evaluations: tuple[PiaEvaluation, ...] = ()
    comments: tuple[dict[str, Any], ...] = ()
