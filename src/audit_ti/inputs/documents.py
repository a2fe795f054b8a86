"""YAML files into models, with French errors that name the file, the line and the key."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.inputs.messages import describe_error, french_type_name
from audit_ti.inputs.yaml_reader import YamlDocument, read_yaml
from audit_ti.models.audit import Audit
from audit_ti.models.base import KeyPath, SourceDocument, SourceMap, format_key_path
from audit_ti.models.grille import Grille

__all__ = [
    "MAX_REPORTED_PROBLEMS",
    "load_audit",
    "load_document",
    "load_grille",
    "problem_at",
    "problems_from",
    "validate_document",
]

#: Beyond this, the first errors are enough to start fixing the file.
MAX_REPORTED_PROBLEMS = 30

DocumentT = TypeVar("DocumentT", bound=SourceDocument)


def problem_at(document: SourceDocument, loc: KeyPath, message: str) -> Problem:
    """A French problem located at a key path of a document read from a file."""
    source = document.source
    return Problem(
        message=message,
        file=source.path if source else None,
        line=source.line_of(loc) if source else None,
        key=format_key_path(loc) or None,
    )


def problems_from(
    error: ValidationError, model: type[BaseModel], source: SourceMap, prefix: KeyPath = ()
) -> list[Problem]:
    """French, located problems for every error of a pydantic validation.

    Args:
        error: the validation error.
        model: the model that was validated (to suggest keys for a typo).
        source: where the keys were written.
        prefix: key path of the validated data inside the file, when it is a part of it.
    """
    problems = []
    # A misspelt key also makes the right key "missing": the typo, with its suggestion, comes first.
    errors = sorted(error.errors(include_url=False), key=lambda details: details["type"] != "extra_forbidden")
    for details in errors[:MAX_REPORTED_PROBLEMS]:
        loc = (*prefix, *details["loc"])
        details["loc"] = tuple(details["loc"])
        problems.append(
            Problem(
                message=describe_error(details, model),
                file=source.path,
                line=source.line_of(loc),
                key=format_key_path(loc) or None,
            )
        )
    return problems


def load_document(path: Path, model: type[DocumentT]) -> DocumentT:
    """Read ``path`` and validate it as ``model``.

    Raises:
        InvalidInputError: every problem found, in French, with file, line and key.
    """
    return validate_document(read_yaml(path), model)


def validate_document(document: YamlDocument, model: type[DocumentT]) -> DocumentT:
    """Validate a YAML document already read as ``model`` (the file is not read again).

    Raises:
        InvalidInputError: every problem found, in French, with file, line and key.
    """
    path = document.source.path
    if not isinstance(document.data, dict):
        raise InvalidInputError(
            Problem(
                f"le fichier doit contenir un bloc de clés (« clé: valeur »), pas {french_type_name(document.data)}",
                path,
                1,
            )
        )
    try:
        result = model.model_validate(document.data, by_alias=True, by_name=False)
    except ValidationError as error:
        raise InvalidInputError(problems_from(error, model, document.source)) from None
    except RecursionError:
        raise InvalidInputError(Problem("structure récursive (alias YAML qui se contient lui-même)", path)) from None
    result.with_source(document.source)
    return result


def load_audit(path: Path) -> Audit:
    """Read and validate one audit file (its own content only; ``validation`` checks the rest)."""
    return load_document(path, Audit)


def load_grille(path: Path) -> Grille:
    """Read and validate one grille file (its own content only; ``validation`` checks the rest)."""
    return load_document(path, Grille)
