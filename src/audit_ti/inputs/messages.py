"""French sentences for pydantic validation errors, with the closest valid key for a typo."""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable
from functools import partial
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from audit_ti.models.base import KeyPath
from audit_ti.models.types import PATTERN_HINTS

__all__ = ["allowed_keys", "describe_error", "did_you_mean", "french_type_name", "suggest"]


#: French names of the YAML value types, most specific first (a bool is also an int).
_TYPE_NAMES: tuple[tuple[type, str], ...] = (
    (bool, "un booléen (true/false)"),
    (int, "un nombre entier"),
    (float, "un nombre décimal"),
    (str, "un texte"),
    (list, "une liste"),
    (dict, "un bloc de clés"),
)


def french_type_name(value: Any) -> str:
    """What kind of YAML value this is, in French."""
    if value is None:
        return "une valeur vide"
    return next(
        (name for kind, name in _TYPE_NAMES if isinstance(value, kind)),
        f"une valeur de type {type(value).__name__}",
    )


def _shown(value: Any, limit: int = 60) -> str:
    text = str(value)
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return f"« {text} »"


def suggest(word: str, choices: list[str]) -> str | None:
    """The closest choice to a mistyped word, if one is close enough."""
    matches = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: list[str], otherwise: str = "") -> str:
    """« , vouliez-vous dire « x » ? » for the closest choice, else ``otherwise``."""
    close = suggest(word, choices)
    return f", vouliez-vous dire « {close} » ?" if close else otherwise


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types an annotation can stand for (Annotated, Optional and unions removed)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [inner for arg in typing.get_args(annotation) for inner in _unwrap(arg)]
    return [annotation]


def _step(annotation: Any, part: str | int) -> Any:
    for candidate in _unwrap(annotation):
        origin = typing.get_origin(candidate)
        args = typing.get_args(candidate)
        if isinstance(candidate, type) and issubclass(candidate, BaseModel) and isinstance(part, str):
            for name, field in candidate.model_fields.items():
                if (field.alias or name) == part:
                    return field.annotation
        elif origin in (list, tuple) and isinstance(part, int) and args:
            return args[0]
        elif origin is dict and len(args) == 2:
            return args[1]
    return None


def allowed_keys(model: type[BaseModel], loc: KeyPath) -> list[str]:
    """Keys accepted at ``loc`` of ``model`` (empty when the place is not a block of keys)."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    for candidate in _unwrap(current):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return [field.alias or name for name, field in candidate.model_fields.items()]
    return []


def _expected_values(ctx: dict[str, Any]) -> list[str]:
    return re.findall(r"'([^']*)'", str(ctx.get("expected", "")))


def _choice_message(value: Any, ctx: dict[str, Any]) -> str:
    choices = _expected_values(ctx)
    message = f"valeur {_shown(value)} non reconnue"
    close = suggest(str(value), choices) if choices else None
    if close:
        message += f", vouliez-vous dire « {close} » ?"
    if choices:
        message += f"{'' if close else '.'} Valeurs possibles : {', '.join(choices)}."
    return message


def _extra_key_message(model: type[BaseModel], loc: KeyPath) -> str:
    key = str(loc[-1])
    choices = allowed_keys(model, loc[:-1])
    close = suggest(key, choices)
    if close:
        return f"clé inconnue, vouliez-vous dire « {close} » ?"
    if choices:
        return f"clé inconnue. Clés possibles ici : {', '.join(choices)}."
    return "clé inconnue"


def _bounds_message(kind: str, ctx: dict[str, Any], value: Any) -> str:
    symbols = {"greater_than": ">", "greater_than_equal": "≥", "less_than": "<", "less_than_equal": "≤"}
    bound = next(iter(ctx.values()), "?")
    return f"la valeur doit être {symbols[kind]} {bound} (reçu {_shown(value)})"


#: Errors of type: what was expected (the message adds the type received).
_EXPECTED_TYPE: dict[str, str] = {
    "string_type": "texte attendu",
    "int_type": "nombre entier attendu",
    "float_type": "nombre attendu",
    "bool_type": "oui ou non attendu (true/false)",
    "list_type": "liste attendue (éléments précédés de « - »)",
    "tuple_type": "liste attendue",
    "dict_type": "bloc de clés attendu",
    "model_type": "bloc de clés attendu",
    "model_attributes_type": "bloc de clés attendu",
}

#: Errors of reading: what was expected (the message adds the value received).
_EXPECTED_VALUE: dict[str, str] = {
    "int_parsing": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "float_parsing": "nombre attendu",
    "bool_parsing": "oui ou non attendu (true/false)",
}

_SIMPLE: dict[str, Callable[[Any, dict[str, Any]], str]] = {
    "missing": lambda v, c: "clé obligatoire absente",
    "string_too_short": lambda v, c: (
        "ne doit pas être vide" if c.get("min_length") == 1 else f"au moins {c.get('min_length')} caractères attendus"
    ),
    "string_too_long": lambda v, c: f"texte trop long (au plus {c.get('max_length')} caractères)",
    "string_pattern_mismatch": lambda v, c: (
        f"{_shown(v)} ne convient pas : attendu "
        + PATTERN_HINTS.get(str(c.get("pattern")), f"un texte de la forme {c.get('pattern')}")
    ),
    "too_short": lambda v, c: (
        "la liste ne doit pas être vide"
        if c.get("min_length") == 1
        else f"au moins {c.get('min_length')} éléments attendus"
    ),
    "too_long": lambda v, c: f"trop d'éléments (au plus {c.get('max_length')})",
    "date_type": lambda v, c: "date attendue au format AAAA-MM-JJ",
    "date_parsing": lambda v, c: f"{_shown(v)} n'est pas une date valide (format AAAA-MM-JJ)",
    "date_from_datetime_parsing": lambda v, c: f"{_shown(v)} n'est pas une date valide (format AAAA-MM-JJ)",
    "date_from_datetime_inexact": lambda v, c: "date attendue au format AAAA-MM-JJ",
    "enum": _choice_message,
    "literal_error": _choice_message,
    "value_error": lambda v, c: str(c.get("error", "valeur non valide")),
    "assertion_error": lambda v, c: str(c.get("error", "valeur non valide")),
    "frozen_instance": lambda v, c: "valeur non modifiable",
    "invalid_key": lambda v, c: "clé non valide",
    "recursion_loop": lambda v, c: "structure récursive (alias YAML qui se contient lui-même)",
    "json_type": lambda v, c: "valeur non représentable en JSON",
}


def _type_received(expected: str, value: Any, _ctx: dict[str, Any]) -> str:
    return f"{expected}, reçu {french_type_name(value)}"


def _value_received(expected: str, value: Any, _ctx: dict[str, Any]) -> str:
    return f"{expected}, reçu {_shown(value)}"


_SIMPLE.update({kind: partial(_type_received, expected) for kind, expected in _EXPECTED_TYPE.items()})
_SIMPLE.update({kind: partial(_value_received, expected) for kind, expected in _EXPECTED_VALUE.items()})


def describe_error(error: ErrorDetails, model: type[BaseModel]) -> str:
    """French sentence for one pydantic error of ``model``."""
    kind = error["type"]
    value = error.get("input")
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "extra_forbidden":
        return _extra_key_message(model, tuple(error["loc"]))
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return _bounds_message(kind, ctx, value)
    simple = _SIMPLE.get(kind)
    if simple is not None:
        return simple(value, ctx)
    return f"valeur {_shown(value)} non valide (règle « {kind} »)"
