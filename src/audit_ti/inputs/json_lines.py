"""Where each key of a JSON document was written, and the bounds a hostile document must respect.

Python's ``json`` module says where a syntax error is, but not where a valid value sits: an error
on ``answers[11].data.gauge`` could not name its line. This one-pass tokenizer records the line
of every key and array item, and refuses, with its line, what ``json`` would choke on (nesting
deep enough to exhaust the interpreter's stack, integers of thousands of digits). It stops
quietly on malformed text: ``json.loads`` then reports the syntax error itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.models.base import KeyPath, format_key_path

__all__ = ["MAX_JSON_DEPTH", "MAX_JSON_INT_DIGITS", "index_json"]

#: No export of the CNIL PIA software nests deeper than about ten levels.
MAX_JSON_DEPTH = 64
#: No number of a PIA export needs more digits; Python refuses to convert beyond 4 300.
MAX_JSON_INT_DIGITS = 30

_NUMBER = re.compile(r"-?(\d+)(\.\d+)?([eE][+-]?\d+)?")
_LITERAL = re.compile(r"true|false|null")


def _string_end(text: str, start: int) -> int:
    """Index just after the string that opens at ``start`` (a ``"``), or -1 if it never closes."""
    index = start + 1
    while index < len(text):
        character = text[index]
        if character == "\\":
            index += 2
            continue
        if character == '"':
            return index + 1
        if character == "\n":
            return -1
        index += 1
    return -1


@dataclass
class _Container:
    """An open object or array: where it is, and its current key or item index."""

    loc: KeyPath
    is_object: bool
    key: str | None = None
    index: int = 0

    def child(self) -> KeyPath:
        if self.is_object:
            return (*self.loc, self.key) if self.key is not None else self.loc
        return (*self.loc, self.index)


class _Indexer:
    def __init__(self, text: str, path: Path) -> None:
        self.text = text
        self.path = path
        self.lines: dict[KeyPath, int] = {}
        self.stack: list[_Container] = []
        self.line = 1
        self.expect_key = False

    def refuse(self, message: str, loc: KeyPath) -> InvalidInputError:
        return InvalidInputError(Problem(message, self.path, self.line, format_key_path(loc) or None))

    def value_starts(self) -> KeyPath:
        loc = self.stack[-1].child() if self.stack else ()
        self.lines.setdefault(loc, self.line)
        return loc

    def run(self) -> dict[KeyPath, int]:
        index = 0
        while 0 <= index < len(self.text):
            character = self.text[index]
            if character == "\n":
                self.line += 1
                index += 1
            elif character in " \t\r:":
                index += 1
            elif character in "{[":
                index = self.open(index, character == "{")
            elif character in "}],":
                index = self.punctuation(index, character)
            elif character == '"':
                index = self.string(index)
            else:
                index = self.scalar(index)
        return self.lines

    def open(self, index: int, is_object: bool) -> int:
        loc = self.value_starts()
        if len(self.stack) >= MAX_JSON_DEPTH:
            raise self.refuse(f"document imbriqué sur plus de {MAX_JSON_DEPTH} niveaux : refusé", ())
        self.stack.append(_Container(loc, is_object))
        self.expect_key = is_object
        return index + 1

    def punctuation(self, index: int, character: str) -> int:
        if not self.stack:
            return -1
        if character != ",":
            self.stack.pop()
            self.expect_key = False
        elif self.stack[-1].is_object:
            self.expect_key = True
        else:
            self.stack[-1].index += 1
        return index + 1

    def string(self, index: int) -> int:
        end = _string_end(self.text, index)
        if end < 0:
            return -1
        if self.expect_key and self.stack:
            container = self.stack[-1]
            container.key = self.text[index + 1 : end - 1]
            self.lines.setdefault(container.child(), self.line)
            self.expect_key = False
        else:
            self.value_starts()
        return end

    def scalar(self, index: int) -> int:
        number = _NUMBER.match(self.text, index)
        if number is not None:
            loc = self.value_starts()
            if len(number[1]) > MAX_JSON_INT_DIGITS:
                raise self.refuse(
                    f"nombre de {len(number[1])} chiffres : aucune valeur d'un export PIA n'en a plus de "
                    f"{MAX_JSON_INT_DIGITS}",
                    loc,
                )
            return number.end()
        literal = _LITERAL.match(self.text, index)
        if literal is not None:
            self.value_starts()
            return literal.end()
        return -1


def index_json(text: str, path: Path) -> dict[KeyPath, int]:
    """The line of every key and array item of ``text`` (keys as written, items counted from 0).

    Raises:
        InvalidInputError: nesting deeper than MAX_JSON_DEPTH or an integer longer than
            MAX_JSON_INT_DIGITS digits, with its line and key.
    """
    return _Indexer(text, path).run()
