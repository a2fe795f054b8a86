"""The assessment referentials of ``grilles/``: recognised by their top-level ``referentiel`` key.

A checklist grille (``hygiene-iot.yaml``) has no such key; ``aipd.yaml`` says ``referentiel: aipd``
and ``inclusion.yaml`` says ``referentiel: inclusion``. The key, not the file name, decides which
model validates the file, so a copy renamed for a test or a new version is still recognised.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.inputs.documents import validate_document
from audit_ti.inputs.messages import did_you_mean
from audit_ti.inputs.yaml_reader import YamlDocument, read_yaml
from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.credentials import FactoryCredentials
from audit_ti.models.inclusion_referential import InclusionReferential
from audit_ti.models.referential import REFERENTIAL_KEY, ReferentialKind

__all__ = [
    "Referential",
    "declared_referential",
    "load_aipd_referential",
    "load_inclusion_referential",
    "load_referential",
    "referential_from",
    "referential_kind",
]

Referential = AipdReferential | InclusionReferential | FactoryCredentials

_MODELS: dict[ReferentialKind, type[AipdReferential] | type[InclusionReferential] | type[FactoryCredentials]] = {
    ReferentialKind.AIPD: AipdReferential,
    ReferentialKind.INCLUSION: InclusionReferential,
    ReferentialKind.FACTORY_CREDENTIALS: FactoryCredentials,
}


def referential_kind(document: YamlDocument) -> str | None:
    """The value of the document's top-level ``referentiel`` key, or None (not a referential)."""
    if isinstance(document.data, dict) and REFERENTIAL_KEY in document.data:
        return str(document.data[REFERENTIAL_KEY])
    return None


def declared_referential(path: Path) -> str | None:
    """The value of the top-level ``referentiel`` key of a file, or None (not a referential, or unreadable)."""
    try:
        return referential_kind(read_yaml(path))
    except InvalidInputError:
        return None


def load_referential(path: Path) -> Referential:
    """Read a referential, choosing its model from its ``referentiel`` key.

    Raises:
        InvalidInputError: unknown kind (with a suggestion) or any problem of the content.
    """
    return referential_from(read_yaml(path))


def referential_from(document: YamlDocument) -> Referential:
    """Validate a document already read as a referential, choosing its model from its ``referentiel`` key.

    Raises:
        InvalidInputError: unknown kind (with a suggestion) or any problem of the content.
    """
    declared = document.data.get(REFERENTIAL_KEY) if isinstance(document.data, dict) else None
    kinds = [kind.value for kind in ReferentialKind]
    if declared not in kinds:
        hint = did_you_mean(str(declared), kinds, ".")
        raise InvalidInputError(
            Problem(
                f"référentiel « {declared} » inconnu{hint} Valeurs possibles : {', '.join(kinds)}.",
                document.source.path,
                document.source.line_of((REFERENTIAL_KEY,)) or 1,
                REFERENTIAL_KEY,
            )
        )
    return validate_document(document, _MODELS[ReferentialKind(declared)])


ReferentialT = TypeVar("ReferentialT", AipdReferential, InclusionReferential)


def _load_as(path: Path, model: type[ReferentialT], kind: ReferentialKind) -> ReferentialT:
    referential = load_referential(path)
    if not isinstance(referential, model):
        message = f"ce fichier n'est pas un référentiel « {kind.value} » (clé referentiel: {kind.value})"
        raise InvalidInputError(Problem(message, path, 1))
    return referential


def load_aipd_referential(path: Path) -> AipdReferential:
    """Read the AIPD referential (``grilles/aipd.yaml``)."""
    return _load_as(path, AipdReferential, ReferentialKind.AIPD)


def load_inclusion_referential(path: Path) -> InclusionReferential:
    """Read the inclusion referential (``grilles/inclusion.yaml``)."""
    return _load_as(path, InclusionReferential, ReferentialKind.INCLUSION)
