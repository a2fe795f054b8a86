"""Default locations of the project folders, relative to where the command runs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from audit_ti.errors import InvalidInputError, Problem

if TYPE_CHECKING:
    from audit_ti.validation.catalog import GrilleCatalog

__all__ = ["AUDITS_DIR", "GRILLES_DIR", "catalog_for", "default_inputs", "grilles_dir_for"]

AUDITS_DIR = Path("audits")
GRILLES_DIR = Path("grilles")


def grilles_dir_for(option: Path | None, files: Sequence[Path] = ()) -> Path:
    """The grilles folder: the option, else ``./grilles``, else ``grilles/`` beside the audits folder."""
    if option is not None:
        if not option.is_dir():
            raise InvalidInputError(Problem(f"dossier de grilles introuvable : {option}"))
        return option
    if GRILLES_DIR.is_dir():
        return GRILLES_DIR
    for path in files:
        candidate = path.resolve().parent.parent / "grilles"
        if candidate.is_dir():
            return candidate
    return GRILLES_DIR


def default_inputs() -> list[Path]:
    """Every YAML file of ``audits/`` and ``grilles/`` (not their schema folders)."""
    if not AUDITS_DIR.is_dir() and not GRILLES_DIR.is_dir():
        raise InvalidInputError(
            Problem(
                f"aucun fichier à valider : ni « {AUDITS_DIR}/ » ni « {GRILLES_DIR}/ » dans {Path.cwd()}. "
                "Lancez la commande depuis la racine du projet ou nommez les fichiers."
            )
        )
    return sorted(GRILLES_DIR.glob("*.yaml")) + sorted(AUDITS_DIR.glob("*.yaml"))


def catalog_for(option: Path | None, files: Sequence[Path] = ()) -> GrilleCatalog:
    """The catalogue of the grilles folder (``--grilles``, else found as ``grilles_dir_for`` says)."""
    from audit_ti.validation.catalog import GrilleCatalog

    return GrilleCatalog.with_builtin_checks(grilles_dir_for(option, files))
