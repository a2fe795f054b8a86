"""Base classes of every model: strict, frozen, French keys, English attributes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, PrivateAttr

__all__ = ["KeyPath", "SourceDocument", "SourceMap", "StrictModel", "format_key_path"]

KeyPath = tuple[str | int, ...]


class StrictModel(BaseModel):
    """Immutable model that rejects unknown keys.

    Attribute names are English; every field has a French alias, which is the key written in
    the YAML files and in the JSON outputs. ``schema_description`` is the French text that
    editors show for the object (docstrings stay English and out of the schemas).
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
        str_strip_whitespace=True,
    )
    schema_description: ClassVar[str | None] = None


@dataclass(frozen=True)
class SourceMap:
    """Where each key of a YAML file was written.

    Attributes:
        path: the file.
        lines: 1-based line of each key path (mapping keys as written, list indexes from 0).
    """

    path: Path
    lines: Mapping[KeyPath, int] = field(default_factory=dict)

    def line_of(self, loc: KeyPath) -> int | None:
        """Line of the longest prefix of ``loc`` that exists in the file."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(_normalise(loc[:end]))
            if line is not None:
                return line
        return None

    def has(self, loc: KeyPath) -> bool:
        """True when the exact key path was written in the file."""
        return _normalise(loc) in self.lines


def _normalise(loc: KeyPath) -> KeyPath:
    return tuple(part if isinstance(part, int) else str(part) for part in loc)


def format_key_path(loc: KeyPath) -> str:
    """Key path as a user reads it: ``passerelles[2].adresse``, list items counted from 1."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text += f".{part}" if text else str(part)
    return text


class SourceDocument(StrictModel):
    """A model read from a file; remembers where its keys were written."""

    _source: SourceMap | None = PrivateAttr(default=None)

    @property
    def source(self) -> SourceMap | None:
        """The file and key positions this document was read from, if any."""
        return self._source

    def with_source(self, source: SourceMap) -> None:
        """Attach the source map (done once by the loader)."""
        self._source = source
