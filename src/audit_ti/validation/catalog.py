"""The grilles folder: each file read once, each grille and referential checked once, looked up by id.

A lookup gives the grille or referential, or raises: ``MissingEntryError`` when there is no such
file, ``InvalidEntryError`` (with the file's own problems) when there is one but it is wrong. The
caller says, in its own words and at its own key, why it needed the entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from audit_ti.checks import default_registry
from audit_ti.checks.registry import CheckParams, CheckRegistry
from audit_ti.errors import InvalidInputError, Problem
from audit_ti.inputs.documents import problem_at, validate_document
from audit_ti.inputs.referentials import Referential, referential_from, referential_kind
from audit_ti.inputs.statistics import TerritoryStatistics
from audit_ti.inputs.yaml_reader import YamlDocument, read_yaml
from audit_ti.models.base import KeyPath
from audit_ti.models.credentials import FactoryCredentials
from audit_ti.models.grille import Grille
from audit_ti.models.inclusion_referential import InclusionReferential
from audit_ti.validation.grille_rules import grille_problems
from audit_ti.validation.referential_rules import national_statistics, referential_problems

__all__ = ["GrilleCatalog", "InvalidEntryError", "MissingEntryError"]


class MissingEntryError(InvalidInputError):
    """No grille or referential of that id in the folder."""

    def __init__(self, entry_id: str, folder: Path) -> None:
        super().__init__(Problem(f"« {entry_id} » introuvable dans {folder}"))
        self.entry_id = entry_id


class InvalidEntryError(InvalidInputError):
    """The grille or referential exists but is invalid; ``problems`` says why, in its own file."""


def _signature(path: Path) -> tuple[int, int]:
    """What tells a file changed since it was read (a file rewritten during a command is read again)."""
    try:
        status = path.stat()
    except OSError:
        return (-1, -1)
    return (status.st_mtime_ns, status.st_size)


EntryT = TypeVar("EntryT")


class _Entries(Generic[EntryT]):
    """Entries built once each, by id; an invalid one is kept as the error it raises each time."""

    def __init__(self) -> None:
        self._built: dict[str, EntryT | InvalidEntryError] = {}

    def get(self, key: str, build: Callable[[], EntryT | InvalidEntryError]) -> EntryT:
        if key not in self._built:
            self._built[key] = build()
        found = self._built[key]
        if isinstance(found, InvalidEntryError):
            raise found
        return found


@dataclass
class GrilleCatalog:
    """Grilles and referentials of a folder, read and checked once, looked up by id.

    ``grille`` and ``referential`` raise ``MissingEntryError`` when there is no such file and
    ``InvalidEntryError`` (the file's own problems) when it is not valid.
    """

    folder: Path
    registry: CheckRegistry
    _documents: dict[Path, tuple[tuple[int, int], YamlDocument | InvalidInputError]] = field(default_factory=dict)
    _grilles: _Entries[Grille] = field(default_factory=_Entries)
    _referentials: _Entries[Referential] = field(default_factory=_Entries)
    _national: _Entries[TerritoryStatistics] = field(default_factory=_Entries)

    @classmethod
    def with_builtin_checks(cls, folder: Path) -> GrilleCatalog:
        """The catalogue of a folder, its grilles checked against the built-in checks."""
        return cls(folder, default_registry())

    def document(self, path: Path) -> YamlDocument:
        """A YAML file of the folder (or any other), read once whoever asks (again only if it changed).

        Raises:
            InvalidInputError: the file cannot be read as YAML.
        """
        signature = _signature(path)
        cached = self._documents.get(path)
        if cached is None or cached[0] != signature:
            try:
                found: YamlDocument | InvalidInputError = read_yaml(path)
            except InvalidInputError as error:
                found = error
            cached = self._documents[path] = (signature, found)
        if isinstance(cached[1], InvalidInputError):
            raise cached[1]
        return cached[1]

    def _kind(self, path: Path) -> str | None:
        """The file's ``referentiel`` key (None for a grille, or for a file that cannot be read)."""
        try:
            return referential_kind(self.document(path))
        except InvalidInputError:
            return None

    def _yaml_files(self) -> list[Path]:
        return sorted(self.folder.glob("*.yaml")) if self.folder.is_dir() else []

    def available(self) -> list[str]:
        """Ids of the checklist grilles present in the folder (not the assessment referentials)."""
        return [path.stem for path in self._yaml_files() if self._kind(path) is None]

    def available_referentials(self) -> list[str]:
        """Ids of the assessment referentials present in the folder."""
        return [path.stem for path in self._yaml_files() if self._kind(path) is not None]

    def _path(self, entry_id: str) -> Path:
        path = self.folder / f"{entry_id}.yaml"
        if not path.is_file():
            raise MissingEntryError(entry_id, self.folder)
        return path

    def grille(self, grille_id: str) -> Grille:
        """The grille, checked against the check registry and the credential lists it names."""
        return self._grilles.get(grille_id, lambda: self._checked_grille(grille_id))

    def _checked_grille(self, grille_id: str) -> Grille | InvalidEntryError:
        path = self._path(grille_id)
        declared = self._kind(path)
        if declared is not None:
            return InvalidEntryError(
                Problem(
                    f"« {grille_id} » est un référentiel d'évaluation, pas une grille d'exigences : "
                    f"il s'applique par la section « {declared} » du fichier d'audit",
                    path,
                )
            )
        try:
            grille = validate_document(self.document(path), Grille)
        except InvalidInputError as error:
            return InvalidEntryError(error.problems)
        problems = grille_problems(grille, self.registry) or self._credential_list_problems(grille)
        return InvalidEntryError(problems) if problems else grille

    def referential(self, referential_id: str) -> Referential:
        """The assessment referential (AIPD, inclusion, factory credentials), checked."""
        return self._referentials.get(referential_id, lambda: self._checked_referential(referential_id))

    def _checked_referential(self, referential_id: str) -> Referential | InvalidEntryError:
        try:
            referential = referential_from(self.document(self._path(referential_id)))
        except MissingEntryError:
            raise
        except InvalidInputError as error:
            return InvalidEntryError(error.problems)
        problems = referential_problems(referential)
        return InvalidEntryError(problems) if problems else referential

    def national_statistics(self, referential: InclusionReferential) -> TerritoryStatistics:
        """The national figures of an inclusion referential, read once (pandas, only when asked).

        Raises:
            InvalidEntryError: the figures file is misplaced or invalid.
        """

        def read() -> TerritoryStatistics | InvalidEntryError:
            figures, problems = national_statistics(referential)
            return InvalidEntryError(problems) if figures is None else figures

        return self._national.get(referential.id, read)

    def _named_credential_lists(self, grille: Grille) -> Iterator[tuple[KeyPath, str]]:
        """Each factory-credential list a check of the grille names, with where it is named."""
        for item_index, item in enumerate(grille.items):
            for check_index, ref in enumerate(item.checks):
                for list_id in sorted((self.registry.params_of(ref) or CheckParams()).credential_lists()):
                    yield ("items", item_index, "checks", check_index, "params", "liste"), list_id

    def _credential_list(self, list_id: str) -> FactoryCredentials:
        found = self.referential(list_id)
        if not isinstance(found, FactoryCredentials):
            raise MissingEntryError(list_id, self.folder)
        return found

    def _credential_list_problems(self, grille: Grille) -> list[Problem]:
        """Every factory-credential list a check of the grille names exists and is valid."""
        problems = []
        for loc, list_id in self._named_credential_lists(grille):
            try:
                self._credential_list(list_id)
            except InvalidEntryError as error:
                problems.append(
                    problem_at(grille, loc, f"liste d'identifiants « {list_id} » invalide : {error.problems[0]}")
                )
            except MissingEntryError:
                why = f"introuvable dans {self.folder} (ou ce n'est pas une liste d'identifiants d'usine)"
                problems.append(problem_at(grille, loc, f"liste d'identifiants « {list_id} » {why}"))
        return problems

    def factory_credentials(self, grilles: Iterable[Grille]) -> FactoryCredentials | None:
        """The factory credentials the grilles' checks try, one list (merged when several), or None.

        Raises:
            InvalidInputError: a list the grilles name is missing or invalid.
        """
        lists: list[FactoryCredentials] = []
        for grille in grilles:
            for _, list_id in self._named_credential_lists(grille):
                try:
                    found = self._credential_list(list_id)
                except MissingEntryError:
                    raise InvalidInputError(Problem(f"liste d'identifiants « {list_id} » introuvable")) from None
                if found not in lists:
                    lists.append(found)
        if len(lists) <= 1:
            return lists[0] if lists else None
        accounts = list({(a.username, a.password): a for listed in lists for a in listed.accounts}.values())
        communities = list({c.value: c for listed in lists for c in listed.snmp_communities}.values())
        return lists[0].model_copy(
            update={
                "accounts": accounts,
                "snmp_communities": communities,
                "rate": min(listed.rate for listed in lists),
            }
        )
