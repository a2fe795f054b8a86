"""Rules of an audit file against itself, its grilles, its referentials and its statistics.

``examine_audit`` applies every rule and keeps what it resolved on the way (grilles, referentials,
figures), so that a run uses what was validated instead of reading it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from audit_ti.errors import Problem
from audit_ti.inputs.messages import did_you_mean
from audit_ti.inputs.referentials import Referential
from audit_ti.inputs.statistics import TerritoryStatistics
from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.audit import Audit
from audit_ti.models.base import KeyPath
from audit_ti.models.enums import Nature
from audit_ti.models.fields import is_placeholder
from audit_ti.models.grille import Grille
from audit_ti.models.inclusion_referential import InclusionReferential
from audit_ti.models.referential import ReferentialKind
from audit_ti.scan.authorisation import authorisation_block_problems, authorisation_problems
from audit_ti.validation.answer_rules import (
    aipd_answer_problems,
    has_answers,
    inclusion_answer_problems,
    territory_statistics,
)
from audit_ti.validation.catalog import GrilleCatalog, InvalidEntryError, MissingEntryError
from audit_ti.validation.located import duplicated, problem_at
from audit_ti.validation.vulnerability_rules import feed_path_problems

__all__ = ["AuditExamination", "audit_warnings", "examine_audit"]


@dataclass
class AuditExamination:
    """An audit, every problem found in it, and what its rules resolved on the way."""

    audit: Audit
    problems: list[Problem] = field(default_factory=list)
    grilles: list[Grille] = field(default_factory=list)
    aipd: AipdReferential | None = None
    inclusion: InclusionReferential | None = None
    national: TerritoryStatistics | None = None
    territory: TerritoryStatistics | None = None


def examine_audit(audit: Audit, catalog: GrilleCatalog, *, statistics: bool) -> AuditExamination:
    """Apply every rule to an audit file.

    Args:
        statistics: also read and check the statistics CSVs (national and territory figures) of
            an inclusion section with answers; a scan does not need them and never reads them.
    """
    found = AuditExamination(audit)
    found.problems = _gateway_problems(audit) + authorisation_block_problems(audit) + feed_path_problems(audit)
    found.grilles, grille_problems = _resolve_grilles(audit, catalog)
    found.problems += grille_problems
    if not grille_problems:
        found.problems += _answer_problems(audit, found.grilles)
        found.problems += _accepted_risk_problems(audit, found.grilles)
    _examine_assessments(found, catalog, statistics)
    return found


def _resolve_grilles(audit: Audit, catalog: GrilleCatalog) -> tuple[list[Grille], list[Problem]]:
    grilles: list[Grille] = []
    problems: list[Problem] = []
    for index, grille_id in enumerate(audit.grilles):
        loc: KeyPath = ("grilles", index)
        try:
            grilles.append(catalog.grille(grille_id))
        except MissingEntryError:
            available = catalog.available()
            hint = did_you_mean(grille_id, available)
            listing = (
                f" Grilles disponibles : {', '.join(available)}."
                if available
                else f" Aucune grille dans le dossier {catalog.folder}."
            )
            problems.append(problem_at(audit, loc, f"grille « {grille_id} » introuvable{hint}{listing}"))
        except InvalidEntryError as error:
            problems.append(problem_at(audit, loc, f"la grille « {grille_id} » est invalide : {error.problems[0]}"))
    return grilles, problems


def _examine_assessments(found: AuditExamination, catalog: GrilleCatalog, statistics: bool) -> None:
    """The AIPD and inclusion answers against their referentials (only if the section has answers)."""
    audit = found.audit
    for key, section, expected in (
        ("aipd", audit.aipd, ReferentialKind.AIPD),
        ("inclusion", audit.inclusion, ReferentialKind.INCLUSION),
    ):
        if not has_answers(section):
            continue
        referential = _section_referential(found, catalog, key, section.referential, expected)
        if isinstance(referential, InclusionReferential):
            if statistics and not _read_statistics(found, catalog, referential):
                continue
            found.inclusion = referential
            found.problems += inclusion_answer_problems(audit, referential)
            if statistics:
                found.territory, problems = territory_statistics(audit, referential)
                found.problems += problems
        elif isinstance(referential, AipdReferential):
            found.aipd = referential
            found.problems += aipd_answer_problems(audit, referential)


def _section_referential(
    found: AuditExamination, catalog: GrilleCatalog, key: str, referential_id: str, expected: ReferentialKind
) -> Referential | None:
    loc: KeyPath = (key, "referentiel")
    try:
        referential = catalog.referential(referential_id)
    except MissingEntryError:
        hint = did_you_mean(referential_id, catalog.available_referentials(), f" dans {catalog.folder}")
        found.problems.append(problem_at(found.audit, loc, f"référentiel « {referential_id} » introuvable{hint}"))
        return None
    except InvalidEntryError as error:
        message = f"le référentiel « {referential_id} » est invalide : {error.problems[0]}"
        found.problems.append(problem_at(found.audit, loc, message))
        return None
    if referential.kind != expected.value:
        message = f"« {referential_id} » n'est pas un référentiel « {expected.value} »"
        found.problems.append(problem_at(found.audit, loc, message))
        return None
    return referential


def _read_statistics(found: AuditExamination, catalog: GrilleCatalog, referential: InclusionReferential) -> bool:
    """Read the referential's national figures; False (and the problem) when they cannot be used."""
    try:
        found.national = catalog.national_statistics(referential)
    except InvalidEntryError as error:
        message = f"le référentiel « {referential.id} » est invalide : {error.problems[0]}"
        found.problems.append(problem_at(found.audit, ("inclusion", "referentiel"), message))
        return False
    return True


def _accepted_risk_problems(audit: Audit, grilles: list[Grille]) -> list[Problem]:
    requirements = [item.id for grille in grilles for item in grille.items]
    gateways = [gateway.name for gateway in audit.gateways]
    problems = []
    for index, risk in enumerate(audit.accepted_risks):
        loc: KeyPath = ("risques_acceptes", index)
        if risk.requirement not in requirements:
            hint = did_you_mean(risk.requirement, requirements)
            problems.append(
                problem_at(
                    audit, (*loc, "exigence"), f"« {risk.requirement} » n'est une exigence d'aucune grille{hint}"
                )
            )
        if risk.target is not None and risk.target not in gateways:
            hint = did_you_mean(risk.target, gateways)
            problems.append(
                problem_at(audit, (*loc, "cible"), f"« {risk.target} » n'est pas une passerelle déclarée{hint}")
            )
        if risk.expires_on < risk.decided_on:
            problems.append(
                problem_at(
                    audit, (*loc, "expire_le"), "l'acceptation expire avant d'avoir été décidée : dates inversées ?"
                )
            )
    return problems


def _gateway_problems(audit: Audit) -> list[Problem]:
    problems = []
    names = [gateway.name for gateway in audit.gateways]
    twice = duplicated(names)
    seen: set[str] = set()
    for index, gateway in enumerate(audit.gateways):
        if gateway.name in twice and gateway.name in seen:
            problems.append(
                problem_at(
                    audit,
                    ("passerelles", index, "nom"),
                    f"nom de passerelle « {gateway.name} » en double : chaque passerelle a un nom unique",
                )
            )
        seen.add(gateway.name)
    if audit.gateways and audit.authorisation is None:
        problems.append(
            problem_at(
                audit,
                ("passerelles",),
                "des passerelles sont déclarées mais le bloc « autorisation » manque : "
                "sans autorisation écrite, aucun scan n'est possible (article 323-1 du Code pénal)",
            )
        )
    return problems


def audit_warnings(audit: Audit, today: date) -> list[Problem]:
    """What does not make the file invalid but must be dealt with before a scan or a report.

    Every value still holding the template's « À compléter », and an authorisation that is not in
    force today (``scanner`` refuses it; ``evaluer`` and ``importer`` need none).
    """
    warnings = [
        problem_at(audit, loc, f"valeur à compléter : « {value[:80]} »")
        for loc, value in _text_leaves(audit.model_dump(by_alias=True, mode="json", exclude_defaults=True))
        if is_placeholder(value)
    ]
    warnings += [
        problem_at(
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
            problem_at(audit, ("autorisation", key), f"{text} : « audit-ti scanner » la refusera")
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


def _answer_problems(audit: Audit, grilles: list[Grille]) -> list[Problem]:
    items = {item.id: item for grille in grilles for item in grille.items}
    answerable = [item_id for item_id, item in items.items() if item.nature is not Nature.NETWORK]
    problems = []
    for requirement_id in audit.answers:
        loc: KeyPath = ("reponses", requirement_id)
        item = items.get(requirement_id)
        if item is None:
            hint = did_you_mean(requirement_id, answerable)
            problems.append(
                problem_at(
                    audit,
                    loc,
                    f"« {requirement_id} » n'est une exigence d'aucune grille de l'audit "
                    f"({', '.join(audit.grilles)}){hint}",
                )
            )
        elif item.nature is Nature.NETWORK:
            problems.append(
                problem_at(
                    audit,
                    loc,
                    f"l'exigence « {requirement_id} » est vérifiée par le scan réseau : "
                    "elle n'attend pas de réponse déclarative",
                )
            )
    return problems
