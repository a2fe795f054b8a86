"""Rules of an audit's AIPD and inclusion answers, against their referentials, and its territory figures."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.inputs.files import inside
from audit_ti.inputs.messages import did_you_mean, suggest
from audit_ti.inputs.statistics import TerritoryStatistics, read_statistics
from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.audit import Audit
from audit_ti.models.base import KeyPath
from audit_ti.models.inclusion import NOT_APPLICABLE
from audit_ti.models.inclusion_referential import InclusionReferential
from audit_ti.validation.located import problem_at, unknown

__all__ = [
    "aipd_answer_problems",
    "has_answers",
    "inclusion_answer_problems",
    "statistics_path",
    "territory_statistics",
]


def has_answers(section: BaseModel) -> bool:
    """True when an AIPD or inclusion section holds more than its state and comment."""
    dumped = section.model_dump(by_alias=True, exclude_defaults=True)
    return bool(set(dumped) - {"etat", "commentaire"})


def aipd_answer_problems(audit: Audit, ref: AipdReferential) -> list[Problem]:
    """The AIPD answers cite ids that exist in the referential, and custom items have a title."""
    answers = audit.aipd
    rules = ref.prescreen
    problems: list[Problem] = []
    for key, given, known, what in (
        ("criteres", answers.prescreen.criteria, [c.id for c in rules.criteria], "critère du CEPD"),
        (
            "traitements_listes",
            answers.prescreen.listed,
            [e.id for e in rules.mandatory_list],
            "type de traitement",
        ),
        (
            "exemptions",
            answers.prescreen.exemptions,
            [e.id for e in rules.exemption_list],
            "type de traitement",
        ),
        ("principes", answers.principles, [p.id for p in ref.principles], "principe"),
    ):
        loc: KeyPath = ("aipd", "preselection", key) if key != "principes" else ("aipd", key)
        problems += [unknown(audit, (*loc, item), what, item, known) for item in given if item not in known]
    problems += _measure_answer_problems(audit, ref)
    problems += _risk_answer_problems(audit, ref)
    if answers.hosting is not None:
        hosting_ids = [h.id for h in ref.hosting]
        if answers.hosting.sensitivity not in hosting_ids:
            loc = ("aipd", "hebergement", "sensibilite")
            problems.append(unknown(audit, loc, "sensibilité", answers.hosting.sensitivity, hosting_ids))
    return problems


def _untitled(audit: Audit, loc: KeyPath, what: str, value: str, known: list[str], *, note: str = "") -> Problem:
    close = suggest(value, known)
    hint = f"vouliez-vous dire « {close} » ? Sinon, " if close else ""
    return problem_at(audit, loc, f"{what} : {hint}donnez-lui un « titre »{note}")


def _measure_answer_problems(audit: Audit, ref: AipdReferential) -> list[Problem]:
    answers = audit.aipd
    catalogue = [m.id for m in ref.measures]
    problems = [
        _untitled(
            audit,
            ("aipd", "mesures", m),
            f"mesure « {m} » absente du catalogue",
            m,
            catalogue,
            note=" (mesure ajoutée)",
        )
        for m, used in answers.measures.items()
        if m not in catalogue and used.title is None
    ]
    known = sorted(set(answers.measures) | set(catalogue))
    problems += [
        unknown(audit, ("aipd", "plan_action", i, "mesure"), "mesure", a.measure, known)
        for i, a in enumerate(answers.action_plan)
        if a.measure is not None and a.measure not in known
    ]
    principles = [p.id for p in ref.principles]
    risks = sorted(set(answers.risks) | {e.id for e in ref.feared_events})
    for i, a in enumerate(answers.action_plan):
        if a.principle is not None and a.principle not in principles:
            problems.append(unknown(audit, ("aipd", "plan_action", i, "principe"), "principe", a.principle, principles))
        if a.risk is not None and a.risk not in risks:
            problems.append(unknown(audit, ("aipd", "plan_action", i, "risque"), "risque", a.risk, risks))
    return problems


def _risk_answer_problems(audit: Audit, ref: AipdReferential) -> list[Problem]:
    answers = audit.aipd
    declared = set(answers.measures)
    event_ids = [e.id for e in ref.feared_events]
    problems = []
    for risk_id, risk in answers.risks.items():
        loc: KeyPath = ("aipd", "risques", risk_id)
        if risk_id not in event_ids and risk.title is None:
            what = f"risque « {risk_id} » hors des trois événements redoutés"
            problems.append(_untitled(audit, loc, what, risk_id, event_ids))
        problems += [
            problem_at(
                audit,
                (*loc, "mesures", index),
                f"mesure « {measure_id} » citée par le risque mais absente de « aipd.mesures » : "
                "déclarez-la (existante ou prévue)",
            )
            for index, measure_id in enumerate(risk.measures)
            if measure_id not in declared
        ]
    return problems


def _audit_roots(audit: Audit) -> list[Path]:
    """Where an audit may point: its own folder, and the project when it sits in the project's audits/."""
    folder = audit.source.path.parent if audit.source is not None else Path()
    return [folder, folder.parent] if folder.resolve().name == "audits" else [folder]


def statistics_path(audit: Audit) -> Path | None:
    """The territory statistics file of the audit, resolved beside the audit file."""
    relative = audit.inclusion.territory.statistics
    if relative is None:
        return None
    folder = audit.source.path.parent if audit.source is not None else Path()
    return folder / relative


def inclusion_answer_problems(audit: Audit, ref: InclusionReferential) -> list[Problem]:
    """Publics and criteria exist, answers are among the options (the territory CSV is read apart)."""
    answers = audit.inclusion
    public_ids = [p.id for p in ref.publics]
    problems = [
        unknown(audit, ("inclusion", "publics", public_id), "public", public_id, public_ids)
        for public_id in answers.publics
        if public_id not in public_ids
    ]
    for criterion_id in answers.criteria:
        problems += _criterion_answer_problems(audit, ref, criterion_id)
    return problems


def territory_statistics(audit: Audit, ref: InclusionReferential) -> tuple[TerritoryStatistics | None, list[Problem]]:
    """The audit's territory figures (None when it names none), or why they cannot be used."""
    path = statistics_path(audit)
    if path is None:
        return None, []
    loc: KeyPath = ("inclusion", "territoire", "statistiques")
    if not inside(path, _audit_roots(audit)):
        message = (
            "le fichier de statistiques doit être dans le dossier du fichier d'audit (ou dans le projet, pour un "
            f"audit rangé dans audits/) : chemin résolu {path.resolve()}"
        )
        return None, [problem_at(audit, loc, message)]
    if not path.exists():
        return None, [problem_at(audit, loc, f"fichier de statistiques introuvable : {path}")]
    if not path.is_file():
        message = f"{path} n'est pas un fichier ordinaire (tube nommé, périphérique ou dossier) : refusé sans être lu"
        return None, [problem_at(audit, loc, message)]
    try:
        return read_statistics(path, ref), []
    except InvalidInputError as error:
        return None, list(error.problems)


def _criterion_answer_problems(audit: Audit, ref: InclusionReferential, criterion_id: str) -> list[Problem]:
    response = audit.inclusion.criteria[criterion_id]
    loc: KeyPath = ("inclusion", "criteres", criterion_id)
    criterion = ref.criterion(criterion_id)
    if criterion is None:
        return [unknown(audit, loc, "critère", criterion_id, [c.id for c in ref.criteria])]
    if response.rate is not None and not criterion.rate_steps:
        return [problem_at(audit, (*loc, "taux"), "ce critère attend une « reponse », pas un taux")]
    values = [option.value for option in criterion.options]
    if criterion.not_applicable_allowed:
        values.append(NOT_APPLICABLE)
    if response.choice is not None and response.choice not in values:
        hint = did_you_mean(response.choice, values, ".")
        message = f"réponse « {response.choice} » non prévue pour ce critère{hint} Valeurs possibles : "
        return [problem_at(audit, (*loc, "reponse"), message + ", ".join(values) + ".")]
    if response.choice == NOT_APPLICABLE and response.justification is None:
        return [problem_at(audit, loc, "« non_applicable » doit être justifié (clé « justification »)")]
    return []
