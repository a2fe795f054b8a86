"""Enumerations whose members carry the French label that tables and reports show."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Self, overload

__all__ = ["LabelledEnum", "LabelledIntEnum"]


def _attach(member: LabelledEnum | LabelledIntEnum, value: str | int, label: str | None) -> None:
    if label is None:
        raise TypeError(f"{type(member).__name__} : le membre {value!r} est déclaré sans libellé")
    member._value_ = value
    member.label = label


class LabelledEnum(StrEnum):
    """A ``StrEnum`` whose members are declared with their label: ``COMPLIANT = "conforme", "Conforme"``.

    The value (the word written in the files) is all that equality, ``str()``, pydantic and the
    JSON Schemas see; ``label`` is the French text for readers.
    """

    label: str

    # Member definitions pass (value, label); once the class exists, ``Status("conforme")`` is a
    # lookup that Enum answers without calling this, hence the one-argument overload.
    @overload
    def __new__(cls, value: str) -> Self: ...
    @overload
    def __new__(cls, value: str, label: str) -> Self: ...
    def __new__(cls, value: str, label: str | None = None) -> Self:
        member = str.__new__(cls, value)
        _attach(member, value, label)
        return member


class LabelledIntEnum(IntEnum):
    """An ``IntEnum`` whose members are declared with their label: ``LIMITED = 2, "Limitée"``."""

    label: str

    @overload
    def __new__(cls, value: int) -> Self: ...
    @overload
    def __new__(cls, value: int, label: str) -> Self: ...
    def __new__(cls, value: int, label: str | None = None) -> Self:
        member = int.__new__(cls, value)
        _attach(member, value, label)
        return member
