"""Checks that span several keys or files: grille ↔ check registry, audit ↔ grilles, dates, scope.

Each check returns located French problems instead of raising, so that one run of
``audit-ti valider`` reports everything that is wrong at once.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from pydantic import ValidationError

from audit_ti.checks.registry import CheckParams, CheckRegistry
from audit_ti.errors import InvalidInputError, Problem
from audit_ti.inputs.documents import load_audit, load_grille, problem_at, problems_from
from audit_ti.inputs.messages import did_you_mean
from audit_ti.inputs.referentials import Referential, declared_referential, load_referential
from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.audit import Audit
from audit_ti.models.base import KeyPath, SourceMap
from audit_ti.models.credentials import FactoryCredentials
from audit_ti.models.enums import Nature
from audit_ti.models.fields import is_placeholder, parse_perimeter_entry
from audit_ti.models.grille import Grille
from audit_ti.models.inclusion_referential import InclusionReferential
from audit_ti.models.referential import ReferentialKind
from audit_ti.scan.scope import authorisation_problems
from audit_ti.validation.impact_rules import (
    check_aipd_answers,
    check_aipd_referential,
    check_inclusion_answers,
    check_inclusion_referential,
    has_answers,
)

__all__ = [
    "FileKind",
    "FileReport",
    "GrilleCatalog",
    "audit_warnings",
    "check_audit",
    "check_grille",
    "check_referential",
    "file_kind",
    "summarise_referential",
    "validate_files",
]


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
    if declared_referential(path) is not None:
        return FileKind.REFERENTIAL
    if path.parent.name == "grilles" or path.name.startswith("grille"):
        return FileKind.GRILLE
    return FileKind.AUDIT


def check_referential(referential: Referential) -> list[Problem]:
    """Consistency of an assessment referential (and, for inclusion, of its national figures)."""
    if isinstance(referential, InclusionReferential):
        return check_inclusion_referential(referential)
    if isinstance(referential, FactoryCredentials):
        return _check_credentials(referential)
    return check_aipd_referential(referential)


def _check_credentials(credentials: FactoryCredentials) -> list[Problem]:
    cited = set(credentials.source_ids())
    problems = []
    pairs = [(account.username, account.password) for account in credentials.accounts]
    for index, account in enumerate(credentials.accounts):
        if pairs.index((account.username, account.password)) != index:
            problems.append(_problem(credentials, ("comptes", index), f"compte « {account.username} » en double"))
        problems += [
            _problem(credentials, ("comptes", index, "sources"), f"source « {source} » non déclarée dans « sources »")
            for source in account.sources
            if source not in cited
        ]
    for index, community in enumerate(credentials.snmp_communities):
        problems += [
            _problem(
                credentials,
                ("communautes_snmp", index, "sources"),
                f"source « {source} » non déclarée dans « sources »",
            )
            for source in community.sources
            if source not in cited
        ]
    return problems


_problem = problem_at


def _duplicates(values: Iterable[str]) -> set[str]:
    return {value for value, count in Counter(values).items() if count > 1}


def check_grille(grille: Grille, registry: CheckRegistry) -> list[Problem]:
    """Consistency of a grille and of its links to the check registry."""
    problems: list[Problem] = []
    if grille.source is not None and grille.id != grille.source.path.stem:
        problems.append(
            _problem(
                grille,
                ("id",),
                f"l'identifiant « {grille.id} » doit être le nom du fichier "
                f"(« {grille.source.path.stem} »), pour que les audits le retrouvent",
            )
        )
    theme_ids = [theme.id for theme in grille.themes]
    for index, theme in enumerate(grille.themes):
        if theme.id in _duplicates(theme_ids):
            problems.append(_problem(grille, ("themes", index, "id"), f"thème « {theme.id} » en double"))
    item_ids = [item.id for item in grille.items]
    duplicated_items = _duplicates(item_ids)
    for index, item in enumerate(grille.items):
        loc: KeyPath = ("items", index)
        if item.id in duplicated_items:
            problems.append(_problem(grille, (*loc, "id"), f"exigence « {item.id} » en double"))
        if item.theme not in theme_ids:
            hint = did_you_mean(item.theme, theme_ids, f" (thèmes : {', '.join(theme_ids)})")
            problems.append(_problem(grille, (*loc, "theme"), f"thème « {item.theme} » inconnu{hint}"))
        problems.extend(_check_nature(grille, index))
        for check_index in range(len(item.checks)):
            problems.extend(_check_ref(grille, registry, index, check_index))
    return problems


def _check_nature(grille: Grille, index: int) -> list[Problem]:
    item = grille.items[index]
    loc: KeyPath = ("items", index)
    problems = []
    if item.nature in (Nature.NETWORK, Nature.MIXED) and not item.checks:
        problems.append(
            _problem(
                grille,
                (*loc, "checks"),
                "une exigence « reseau » ou « mixte » doit citer au moins un contrôle",
            )
        )
    if item.nature in (Nature.DECLARATIVE, Nature.MIXED) and item.question is None:
        problems.append(
            _problem(grille, (*loc, "question"), "une exigence « declaratif » ou « mixte » doit poser une question")
        )
    if item.nature is Nature.DECLARATIVE and item.checks:
        problems.append(
            _problem(
                grille,
                (*loc, "checks"),
                "une exigence « declaratif » ne cite pas de contrôle : déclarez-la « mixte »",
            )
        )
    return problems


def _check_ref(grille: Grille, registry: CheckRegistry, item_index: int, check_index: int) -> list[Problem]:
    loc: KeyPath = ("items", item_index, "checks", check_index)
    ref = grille.items[item_index].checks[check_index]
    spec = registry.get(ref.check)
    if spec is None:
        hint = did_you_mean(ref.check, registry.ids())
        known = f" Contrôles disponibles : {', '.join(registry.ids())}." if registry.ids() else ""
        return [_problem(grille, (*loc, "check"), f"contrôle « {ref.check} » inconnu{hint}{known}")]
    try:
        spec.parse_params(ref.params)
    except ValidationError as error:
        source = grille.source or SourceMap(Path("<grille>"))
        return problems_from(error, spec.params_model, source, (*loc, "params"))
    return []


@dataclass
class GrilleCatalog:
    """Grilles of a folder, loaded and checked once, looked up by id."""

    folder: Path
    registry: CheckRegistry
    _cache: dict[str, Grille | InvalidInputError] = field(default_factory=dict)
    _referentials: dict[str, Referential | InvalidInputError] = field(default_factory=dict)

    def _yaml_files(self) -> list[Path]:
        return sorted(self.folder.glob("*.yaml")) if self.folder.is_dir() else []

    def available(self) -> list[str]:
        """Ids of the checklist grilles present in the folder (not the assessment referentials)."""
        return [path.stem for path in self._yaml_files() if declared_referential(path) is None]

    def available_referentials(self) -> list[str]:
        """Ids of the assessment referentials present in the folder."""
        return [path.stem for path in self._yaml_files() if declared_referential(path) is not None]

    def referential(self, referential_id: str) -> Referential | InvalidInputError | None:
        """The referential (or why it is invalid), or None when there is no such file."""
        if referential_id not in self._referentials:
            path = self.folder / f"{referential_id}.yaml"
            if not path.is_file():
                return None
            try:
                referential = load_referential(path)
                problems = check_referential(referential)
                self._referentials[referential_id] = InvalidInputError(problems) if problems else referential
            except InvalidInputError as error:
                self._referentials[referential_id] = error
        return self._referentials[referential_id]

    def get(self, grille_id: str) -> Grille | InvalidInputError | None:
        """The grille (or why it is invalid), or None when there is no such file."""
        if grille_id not in self._cache:
            path = self.folder / f"{grille_id}.yaml"
            if not path.is_file():
                return None
            if declared_referential(path) is not None:
                return InvalidInputError(
                    Problem(
                        f"« {grille_id} » est un référentiel d'évaluation, pas une grille d'exigences : "
                        f"il s'applique par la section « {declared_referential(path)} » du fichier d'audit",
                        path,
                    )
                )
            try:
                grille = load_grille(path)
                problems = check_grille(grille, self.registry)
                if not problems:
                    problems = self._check_credential_lists(grille)
                self._cache[grille_id] = InvalidInputError(problems) if problems else grille
            except InvalidInputError as error:
                self._cache[grille_id] = error
        return self._cache[grille_id]

    def _named_credential_lists(
        self, grille: Grille
    ) -> Iterator[tuple[KeyPath, str, Referential | InvalidInputError | None]]:
        """Each factory-credential list a check of the grille names: where, which, and what was found."""
        for item_index, item in enumerate(grille.items):
            for check_index, ref in enumerate(item.checks):
                for list_id in sorted((self.registry.params_of(ref) or CheckParams()).credential_lists()):
                    loc: KeyPath = ("items", item_index, "checks", check_index, "params", "liste")
                    yield loc, list_id, self.referential(list_id)

    def _check_credential_lists(self, grille: Grille) -> list[Problem]:
        """Every factory-credential list a check of the grille names exists and is valid."""
        problems = []
        for loc, list_id, found in self._named_credential_lists(grille):
            if isinstance(found, FactoryCredentials):
                continue
            why = (
                f"invalide : {found.problems[0]}"
                if isinstance(found, InvalidInputError)
                else f"introuvable dans {self.folder} (ou ce n'est pas une liste d'identifiants d'usine)"
            )
            problems.append(_problem(grille, loc, f"liste d'identifiants « {list_id} » {why}"))
        return problems

    def factory_credentials(self, grilles: Iterable[Grille]) -> FactoryCredentials | None:
        """The factory credentials the grilles' checks try, one list (merged when several), or None.

        Raises:
            InvalidInputError: a list the grilles name is missing or invalid.
        """
        lists: list[FactoryCredentials] = []
        for grille in grilles:
            for _, list_id, found in self._named_credential_lists(grille):
                if isinstance(found, InvalidInputError):
                    raise found
                if not isinstance(found, FactoryCredentials):
                    raise InvalidInputError(Problem(f"liste d'identifiants « {list_id} » introuvable"))
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


def check_audit(audit: Audit, catalog: GrilleCatalog, today: date) -> list[Problem]:
    """Consistency of an audit file with itself, its grilles and today's date."""
    problems = _check_gateways(audit)
    problems += _check_authorisation(audit)
    grilles, grille_problems = _resolve_grilles(audit, catalog)
    problems += grille_problems
    if not grille_problems:
        problems += _check_answers(audit, grilles)
        problems += _check_accepted_risks(audit, grilles)
    problems += _check_assessments(audit, catalog)
    return problems


def _check_accepted_risks(audit: Audit, grilles: list[Grille]) -> list[Problem]:
    requirements = [item.id for grille in grilles for item in grille.items]
    gateways = [gateway.name for gateway in audit.gateways]
    problems = []
    for index, risk in enumerate(audit.accepted_risks):
        loc: KeyPath = ("risques_acceptes", index)
        if risk.requirement not in requirements:
            hint = did_you_mean(risk.requirement, requirements)
            problems.append(
                _problem(audit, (*loc, "exigence"), f"« {risk.requirement} » n'est une exigence d'aucune grille{hint}")
            )
        if risk.target is not None and risk.target not in gateways:
            hint = did_you_mean(risk.target, gateways)
            problems.append(
                _problem(audit, (*loc, "cible"), f"« {risk.target} » n'est pas une passerelle déclarée{hint}")
            )
        if risk.expires_on < risk.decided_on:
            problems.append(
                _problem(
                    audit, (*loc, "expire_le"), "l'acceptation expire avant d'avoir été décidée : dates inversées ?"
                )
            )
    return problems


def _check_assessments(audit: Audit, catalog: GrilleCatalog) -> list[Problem]:
    """The AIPD and inclusion answers against their referentials (only if the section has answers)."""
    problems: list[Problem] = []
    for key, section, expected in (
        ("aipd", audit.aipd, ReferentialKind.AIPD),
        ("inclusion", audit.inclusion, ReferentialKind.INCLUSION),
    ):
        if not has_answers(section):
            continue
        loc: KeyPath = (key, "referentiel")
        found = catalog.referential(section.referential)
        if found is None:
            known = catalog.available_referentials()
            hint = did_you_mean(section.referential, known, f" dans {catalog.folder}")
            problems.append(_problem(audit, loc, f"référentiel « {section.referential} » introuvable{hint}"))
        elif isinstance(found, InvalidInputError):
            problems.append(
                _problem(audit, loc, f"le référentiel « {section.referential} » est invalide : {found.problems[0]}")
            )
        elif found.kind != expected.value:
            problems.append(
                _problem(audit, loc, f"« {section.referential} » n'est pas un référentiel « {expected.value} »")
            )
        elif isinstance(found, InclusionReferential):
            problems += check_inclusion_answers(audit, found)
        elif isinstance(found, AipdReferential):
            problems += check_aipd_answers(audit, found)
    return problems


def _check_gateways(audit: Audit) -> list[Problem]:
    problems = []
    names = [gateway.name for gateway in audit.gateways]
    duplicated = _duplicates(names)
    seen: set[str] = set()
    for index, gateway in enumerate(audit.gateways):
        if gateway.name in duplicated and gateway.name in seen:
            problems.append(
                _problem(
                    audit,
                    ("passerelles", index, "nom"),
                    f"nom de passerelle « {gateway.name} » en double : chaque passerelle a un nom unique",
                )
            )
        seen.add(gateway.name)
    if audit.gateways and audit.authorisation is None:
        problems.append(
            _problem(
                audit,
                ("passerelles",),
                "des passerelles sont déclarées mais le bloc « autorisation » manque : "
                "sans autorisation écrite, aucun scan n'est possible (article 323-1 du Code pénal)",
            )
        )
    return problems


def _check_authorisation(audit: Audit) -> list[Problem]:
    """What makes the authorisation block wrong whatever the date (its being in force is checked at scan time)."""
    authorisation = audit.authorisation
    if authorisation is None:
        return []
    problems = []
    if authorisation.signed_on > authorisation.valid_until:
        problems.append(
            _problem(
                audit,
                ("autorisation", "date"),
                "la date de signature est postérieure à la fin de validité de l'autorisation",
            )
        )
    if authorisation.valid_from is not None and authorisation.valid_from > authorisation.valid_until:
        problems.append(
            _problem(
                audit,
                ("autorisation", "valable_a_partir_du"),
                "l'autorisation commencerait après la fin de sa validité : dates inversées ?",
            )
        )
    entries = [parse_perimeter_entry(entry) for entry in authorisation.perimeter]
    for index, gateway in enumerate(audit.gateways):
        if not _in_perimeter(gateway.address, entries):
            problems.append(
                _problem(
                    audit,
                    ("passerelles", index, "adresse"),
                    f"l'adresse « {gateway.address} » de la passerelle « {gateway.name} » est hors du "
                    f"périmètre autorisé ({', '.join(authorisation.perimeter)})",
                )
            )
    return problems


def audit_warnings(audit: Audit, today: date) -> list[Problem]:
    """What does not make the file invalid but must be dealt with before a scan or a report.

    Every value still holding the template's « À compléter », and an authorisation that is not in
    force today (``scanner`` refuses it; ``evaluer`` and ``importer`` need none).
    """
    warnings = [
        _problem(audit, loc, f"valeur à compléter : « {value[:80]} »")
        for loc, value in _text_leaves(audit.model_dump(by_alias=True, mode="json", exclude_defaults=True))
        if is_placeholder(value)
    ]
    warnings += [
        _problem(
            audit,
            ("risques_acceptes", index, "date"),
            f"acceptation datée du {risk.decided_on:%d/%m/%Y}, après aujourd'hui : elle ne couvre rien "
            "avant cette date",
        )
        for index, risk in enumerate(audit.accepted_risks)
        if risk.decided_on > today
    ]
    if audit.authorisation is not None:
        warnings += [
            _problem(audit, ("autorisation", key), f"{text} : « audit-ti scanner » la refusera")
            for key, text in authorisation_problems(audit.authorisation, today)
            if key not in ("reference", "signataire")  # already listed as values to complete
        ]
    return warnings


def _text_leaves(node: object, loc: KeyPath = ()) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(node, str):
        yield loc, node
    elif isinstance(node, dict):
        for key, child in node.items():
            yield from _text_leaves(child, (*loc, str(key)))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _text_leaves(child, (*loc, index))


def _in_perimeter(address: str, entries: list[ipaddress.IPv4Network | ipaddress.IPv6Network | str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address in entries
    return any(not isinstance(entry, str) and ip in entry for entry in entries)


def _resolve_grilles(audit: Audit, catalog: GrilleCatalog) -> tuple[list[Grille], list[Problem]]:
    grilles: list[Grille] = []
    problems: list[Problem] = []
    for index, grille_id in enumerate(audit.grilles):
        found = catalog.get(grille_id)
        loc: KeyPath = ("grilles", index)
        if found is None:
            available = catalog.available()
            hint = did_you_mean(grille_id, available)
            listing = (
                f" Grilles disponibles : {', '.join(available)}."
                if available
                else f" Aucune grille dans le dossier {catalog.folder}."
            )
            problems.append(_problem(audit, loc, f"grille « {grille_id} » introuvable{hint}{listing}"))
        elif isinstance(found, InvalidInputError):
            problems.append(_problem(audit, loc, f"la grille « {grille_id} » est invalide : {found.problems[0]}"))
        else:
            grilles.append(found)
    return grilles, problems


def _check_answers(audit: Audit, grilles: list[Grille]) -> list[Problem]:
    items = {item.id: item for grille in grilles for item in grille.items}
    answerable = [item_id for item_id, item in items.items() if item.nature is not Nature.NETWORK]
    problems = []
    for requirement_id in audit.answers:
        loc: KeyPath = ("reponses", requirement_id)
        item = items.get(requirement_id)
        if item is None:
            hint = did_you_mean(requirement_id, answerable)
            problems.append(
                _problem(
                    audit,
                    loc,
                    f"« {requirement_id} » n'est une exigence d'aucune grille de l'audit "
                    f"({', '.join(audit.grilles)}){hint}",
                )
            )
        elif item.nature is Nature.NETWORK:
            problems.append(
                _problem(
                    audit,
                    loc,
                    f"l'exigence « {requirement_id} » est vérifiée par le scan réseau : "
                    "elle n'attend pas de réponse déclarative",
                )
            )
    return problems


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
    """Validate one file completely; never raises for bad input."""
    kind = kind or file_kind(path)
    warnings: list[Problem] = []
    try:
        if kind is FileKind.REFERENTIAL:
            referential = load_referential(path)
            problems = check_referential(referential)
            summary = summarise_referential(referential)
        elif kind is FileKind.GRILLE:
            grille = load_grille(path)
            problems = check_grille(grille, catalog.registry)
            summary = _summarise_grille(grille)
        else:
            audit = load_audit(path)
            problems = check_audit(audit, catalog, today)
            summary = _summarise_audit(audit)
            warnings = audit_warnings(audit, today)
    except InvalidInputError as error:
        return FileReport(path, kind, error.problems)
    return FileReport(path, kind, tuple(problems), "" if problems else summary, tuple(warnings))


def validate_files(
    paths: Iterable[Path], catalog: GrilleCatalog, today: date, kind: FileKind | None = None
) -> list[FileReport]:
    """Validate every file; one report per file, in the given order."""
    return [validate_file(path, catalog, today, kind) for path in paths]


def load_valid_audit(path: Path, catalog: GrilleCatalog, today: date) -> tuple[Audit, list[Grille]]:
    """An audit and its grilles, fully checked, for the commands that run it.

    Raises:
        InvalidInputError: every problem found.
    """
    audit = load_audit(path)
    problems = check_audit(audit, catalog, today)
    if problems:
        raise InvalidInputError(problems)
    grilles, _ = _resolve_grilles(audit, catalog)
    return audit, grilles
