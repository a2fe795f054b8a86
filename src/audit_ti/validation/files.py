"""``audit-ti valider`` as a library: what each file is, and every problem it has, in one report per file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.inputs.documents import validate_document
from audit_ti.inputs.referentials import Referential, declared_referential, referential_from, referential_kind
from audit_ti.inputs.yaml_reader import YamlDocument
from audit_ti.models.audit import Audit
from audit_ti.models.credentials import FactoryCredentials
from audit_ti.models.enums import Nature
from audit_ti.models.grille import Grille
from audit_ti.models.inclusion_referential import InclusionReferential
from audit_ti.validation.audit_rules import audit_warnings, examine_audit
from audit_ti.validation.catalog import GrilleCatalog
from audit_ti.validation.grille_rules import grille_problems
from audit_ti.validation.referential_rules import national_statistics, referential_problems

__all__ = ["FileKind", "FileReport", "file_kind", "summarise_referential", "validate_file", "validate_files"]


class FileKind(StrEnum):
    """What an input file is."""

    AUDIT = "audit"
    GRILLE = "grille"
    REFERENTIAL = "referentiel"


def file_kind(path: Path) -> FileKind:
    """What a file is.

    A top-level ``referentiel`` key makes it an assessment referential (AIPD, inclusion), wherever
    it lies; otherwise a file in a ``grilles`` folder, or named ``grille*``, is a grille, and
    anything else an audit.
    """
    return _kind(path, declared_referential(path))


def _kind(path: Path, declared: str | None) -> FileKind:
    if declared is not None:
        return FileKind.REFERENTIAL
    if path.parent.name == "grilles" or path.name.startswith("grille"):
        return FileKind.GRILLE
    return FileKind.AUDIT


@dataclass(frozen=True)
class FileReport:
    """Outcome of validating one file.

    Attributes:
        path: the file.
        kind: audit, grille or assessment referential.
        problems: empty when the file is valid.
        summary: French one-liner describing the content when valid.
    """

    path: Path
    kind: FileKind
    problems: tuple[Problem, ...]
    summary: str = ""
    warnings: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the file has no problem."""
        return not self.problems


def _summarise_audit(audit: Audit) -> str:
    return f"{len(audit.gateways)} passerelle(s), {len(audit.answers)} réponse(s), grilles : {', '.join(audit.grilles)}"


def _summarise_grille(grille: Grille) -> str:
    counts = Counter(item.nature for item in grille.items)
    return (
        f"{len(grille.items)} exigences ({counts[Nature.NETWORK]} réseau, "
        f"{counts[Nature.DECLARATIVE]} déclaratives, {counts[Nature.MIXED]} mixtes), version {grille.version}"
    )


def summarise_referential(referential: Referential) -> str:
    """French one-liner describing a referential's content."""
    if isinstance(referential, FactoryCredentials):
        return (
            f"identifiants d'usine : {len(referential.accounts)} comptes, "
            f"{len(referential.snmp_communities)} communautés SNMP, version {referential.version}"
        )
    if isinstance(referential, InclusionReferential):
        return (
            f"référentiel d'inclusion : {len(referential.criteria)} critères, "
            f"{len(referential.publics)} publics, "
            f"{len(referential.scoring.levels)} niveaux, version {referential.version}"
        )
    return (
        f"référentiel AIPD : {len(referential.prescreen.criteria)} critères du CEPD, "
        f"{len(referential.prescreen.mandatory_list)} types de traitement listés, "
        f"{len(referential.measures)} mesures, version {referential.version}"
    )


def validate_file(path: Path, catalog: GrilleCatalog, today: date, kind: FileKind | None = None) -> FileReport:
    """Validate one file completely (it is read once); never raises for bad input."""
    try:
        document = catalog.document(path)
    except InvalidInputError as error:
        return FileReport(path, kind or file_kind(path), error.problems)
    kind = kind or _kind(path, referential_kind(document))
    warnings: list[Problem] = []
    try:
        if kind is FileKind.REFERENTIAL:
            problems, summary = _validate_referential(document)
        elif kind is FileKind.GRILLE:
            grille = validate_document(document, Grille)
            problems = grille_problems(grille, catalog.registry)
            summary = _summarise_grille(grille)
        else:
            audit = validate_document(document, Audit)
            problems = examine_audit(audit, catalog, statistics=True).problems
            summary = _summarise_audit(audit)
            warnings = audit_warnings(audit, today)
    except InvalidInputError as error:
        return FileReport(path, kind, error.problems)
    return FileReport(path, kind, tuple(problems), "" if problems else summary, tuple(warnings))


def _validate_referential(document: YamlDocument) -> tuple[list[Problem], str]:
    referential = referential_from(document)
    problems = referential_problems(referential)
    if not problems and isinstance(referential, InclusionReferential):
        problems = national_statistics(referential)[1]
    return problems, summarise_referential(referential)


def validate_files(
    paths: Iterable[Path], catalog: GrilleCatalog, today: date, kind: FileKind | None = None
) -> list[FileReport]:
    """Validate every file; one report per file, in the given order."""
    return [validate_file(path, catalog, today, kind) for path in paths]
