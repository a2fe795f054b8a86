"""Consistency checks of the assessment referentials and of the audit's AIPD and inclusion answers.

Like ``validation``, each function returns located French problems instead of raising, so that
one run of ``audit-ti valider`` reports everything at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.impact.inclusion import NOT_APPLICABLE
from audit_ti.inputs.documents import problem_at
from audit_ti.inputs.files import inside
from audit_ti.inputs.messages import did_you_mean, suggest
from audit_ti.inputs.statistics import read_statistics
from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.audit import Audit
from audit_ti.models.base import KeyPath, SourceDocument
from audit_ti.models.inclusion_referential import InclusionReferential
from audit_ti.models.scales import PrescreenVerdict, StatUnit

__all__ = [
    "check_aipd_answers",
    "check_aipd_referential",
    "check_inclusion_answers",
    "check_inclusion_referential",
    "has_answers",
    "national_statistics_path",
    "statistics_path",
]


_problem = problem_at


_FEMININE = {"zone", "source", "mesure", "valeur", "sensibilité"}


def _unknown(document: SourceDocument, loc: KeyPath, what: str, value: str, known: Sequence[str]) -> Problem:
    hint = did_you_mean(value, list(known), f" (possibles : {', '.join(known)})")
    ending = "e" if what.split(maxsplit=1)[0] in _FEMININE else ""
    return _problem(document, loc, f"{what} « {value} » inconnu{ending}{hint}")


def _duplicates(
    document: SourceDocument, items: Iterable[str], loc_of: KeyPath, what: str, key: str = "id"
) -> list[Problem]:
    values = list(items)
    counts = Counter(values)
    seen: set[str] = set()
    problems = []
    for index, value in enumerate(values):
        if counts[value] > 1 and value in seen:
            problems.append(_problem(document, (*loc_of, index, key), f"{what} « {value} » en double"))
        seen.add(value)
    return problems


def _file_id(document: SourceDocument, declared: str) -> list[Problem]:
    if document.source is not None and declared != document.source.path.stem:
        return [
            _problem(
                document,
                ("id",),
                f"l'identifiant « {declared} » doit être le nom du fichier "
                f"(« {document.source.path.stem} »), "
                "pour que les audits le retrouvent",
            )
        ]
    return []


def _cited_sources(
    document: SourceDocument, known: list[str], cited: Iterable[tuple[KeyPath, list[str]]]
) -> list[Problem]:
    problems = []
    for loc, sources in cited:
        for index, source_id in enumerate(sources):
            if source_id not in known:
                problems.append(_unknown(document, (*loc, "sources", index), "source", source_id, known))
    return problems


def _references(
    document: SourceDocument, cited: Iterable[tuple[KeyPath, list[str]]], known: list[str], what: str
) -> list[Problem]:
    """Every id cited in the lists (each with the key path of its list) must be known."""
    return [
        _unknown(document, (*loc, index), what, value, known)
        for loc, values in cited
        for index, value in enumerate(values)
        if value not in known
    ]


def check_aipd_referential(ref: AipdReferential) -> list[Problem]:
    """Ids unique, cross-references resolved, matrix complete, sources cited declared."""
    rules = ref.prescreen
    criterion_ids = [c.id for c in rules.criteria]
    zone_ids = [z.id for z in ref.matrix.zones]
    problems = _file_id(ref, ref.id)
    for loc, ids, what in (
        (("preselection", "criteres"), criterion_ids, "critère"),
        (
            ("preselection", "traitements_obligatoires"),
            [e.id for e in rules.mandatory_list],
            "type de traitement",
        ),
        (("preselection", "exemptions"), [e.id for e in rules.exemption_list], "exemption"),
        (("contexte",), [q.id for q in ref.context], "question"),
        (("principes",), [q.id for q in ref.principles], "principe"),
        (("evenements_redoutes",), [e.id for e in ref.feared_events], "événement redouté"),
        (("mesures",), [m.id for m in ref.measures], "mesure"),
        (("hebergement",), [h.id for h in ref.hosting], "sensibilité"),
        (("cartographie", "zones"), zone_ids, "zone"),
    ):
        problems += _duplicates(ref, ids, loc, what)
    listed = [*rules.mandatory_list, *rules.exemption_list]
    list_keys = ["traitements_obligatoires"] * len(rules.mandatory_list) + ["exemptions"] * len(rules.exemption_list)
    positions = [*range(len(rules.mandatory_list)), *range(len(rules.exemption_list))]
    problems += _references(
        ref,
        [
            (("preselection", key, i, "criteres"), e.criteria)
            for key, i, e in zip(list_keys, positions, listed, strict=True)
        ],
        criterion_ids,
        "critère",
    )
    problems += _references(
        ref,
        [(("mesures", i, "traite"), m.treats) for i, m in enumerate(ref.measures)],
        [e.id for e in ref.feared_events],
        "événement redouté",
    )
    problems += _references(
        ref, [(("cartographie", "grille", i), row) for i, row in enumerate(ref.matrix.grid)], zone_ids, "zone"
    )
    if ref.matrix.consultation_zone not in zone_ids:
        loc = ("cartographie", "zone_consultation")
        problems.append(_unknown(ref, loc, "zone", ref.matrix.consultation_zone, zone_ids))
    problems += _scale_problems(ref)
    problems += _cited_sources(ref, ref.source_ids(), _aipd_citations(ref))
    return problems


def _scale_problems(ref: AipdReferential) -> list[Problem]:
    problems = [
        _problem(ref, ("cartographie", "grille", i), "chaque ligne compte quatre zones")
        for i, row in enumerate(ref.matrix.grid)
        if len(row) != 4
    ]
    for scale_key, steps in (("gravite", ref.scales.severity), ("vraisemblance", ref.scales.likelihood)):
        if [step.level for step in steps] != [1, 2, 3, 4]:
            message = "les niveaux doivent être 1, 2, 3 et 4, dans l'ordre"
            problems.append(_problem(ref, ("echelles", scale_key), message))
    missing = [verdict.value for verdict in PrescreenVerdict if verdict not in ref.prescreen.guidance]
    if missing:
        message = f"conduite à tenir absente pour : {', '.join(missing)}"
        problems.append(_problem(ref, ("preselection", "conduite_a_tenir"), message))
    return problems


class _Cited(Protocol):
    @property
    def sources(self) -> list[str]: ...


def _citations(key: KeyPath, items: Sequence[_Cited]) -> list[tuple[KeyPath, list[str]]]:
    return [((*key, index), item.sources) for index, item in enumerate(items)]


def _aipd_citations(ref: AipdReferential) -> list[tuple[KeyPath, list[str]]]:
    rules = ref.prescreen
    return [
        *_citations(("preselection", "criteres"), rules.criteria),
        *_citations(("preselection", "traitements_obligatoires"), rules.mandatory_list),
        *_citations(("preselection", "exemptions"), rules.exemption_list),
        *_citations(("contexte",), ref.context),
        *_citations(("principes",), ref.principles),
        *_citations(("mesures",), ref.measures),
        *_citations(("hebergement",), ref.hosting),
        (("cartographie",), ref.matrix.sources),
        (("consultation_prealable",), ref.prior_consultation.sources),
    ]


def check_inclusion_referential(ref: InclusionReferential) -> list[Problem]:
    """Ids unique, indicators and publics resolved, options consistent, national CSV valid."""
    indicator_ids = [i.id for i in ref.indicators]
    public_ids = [p.id for p in ref.publics]
    problems = _file_id(ref, ref.id)
    problems += _duplicates(ref, indicator_ids, ("indicateurs",), "indicateur")
    problems += _duplicates(ref, public_ids, ("publics",), "public")
    problems += _duplicates(ref, [c.id for c in ref.criteria], ("criteres",), "critère")
    levels = [lv.level.value for lv in ref.scoring.levels]
    problems += _duplicates(ref, levels, ("notation", "niveaux"), "niveau", "niveau")
    problems += _indicator_problems(ref, indicator_ids)
    problems += _references(
        ref,
        [(("publics", i, "indicateur"), [p.indicator]) for i, p in enumerate(ref.publics) if p.indicator],
        indicator_ids,
        "indicateur",
    )
    for index in range(len(ref.criteria)):
        problems += _criterion_problems(ref, index, public_ids)
    cited = [*_citations(("publics",), ref.publics), *_citations(("criteres",), ref.criteria)]
    problems += _cited_sources(ref, ref.source_ids(), cited)
    if ref.source is not None and not problems:
        national = national_statistics_path(ref)
        if not inside(national, [ref.source.path.parent]):
            message = f"le fichier des chiffres nationaux doit être dans le dossier du référentiel (ici : {national})"
            problems.append(_problem(ref, ("statistiques_nationales",), message))
            return problems
        try:
            read_statistics(national, ref)
        except InvalidInputError as error:
            problems += error.problems
    return problems


def national_statistics_path(ref: InclusionReferential) -> Path:
    """The national figures of an inclusion referential, resolved beside it."""
    folder = ref.source.path.parent if ref.source is not None else Path()
    return folder / ref.national_statistics


def _indicator_problems(ref: InclusionReferential, indicator_ids: list[str]) -> list[Problem]:
    problems = []
    for key, indicator_id, unit in (
        ("indicateur_population", ref.population_indicator, StatUnit.INHABITANTS),
        ("indicateur_fragilite", ref.fragility_index, StatUnit.INDEX),
    ):
        found = ref.indicator(indicator_id) if indicator_id is not None else None
        if indicator_id is not None and found is None:
            problems.append(_unknown(ref, (key,), "indicateur", indicator_id, indicator_ids))
        elif found is not None and found.unit is not unit:
            message = f"l'indicateur « {indicator_id} » doit être en « {unit.value} »"
            problems.append(_problem(ref, (key,), message))
    return problems


def _criterion_problems(ref: InclusionReferential, index: int, public_ids: list[str]) -> list[Problem]:
    criterion = ref.criteria[index]
    loc: KeyPath = ("criteres", index)
    values = [option.value for option in criterion.options]
    problems = _duplicates(ref, values, (*loc, "options"), "valeur", "valeur")
    if NOT_APPLICABLE in values:
        message = f"« {NOT_APPLICABLE} » est réservé : utilisez « non_applicable_possible: true »"
        problems.append(_problem(ref, (*loc, "options"), message))
    problems += _references(ref, [((*loc, "publics"), criterion.publics)], public_ids, "public")
    steps = [step.value for step in criterion.rate_steps]
    problems += [
        _unknown(ref, (*loc, "paliers_taux", i, "valeur"), "valeur", value, values)
        for i, value in enumerate(steps)
        if value not in values
    ]
    return problems


def has_answers(section: BaseModel) -> bool:
    """True when an AIPD or inclusion section holds more than its state and comment."""
    dumped = section.model_dump(by_alias=True, exclude_defaults=True)
    return bool(set(dumped) - {"etat", "commentaire"})


def check_aipd_answers(audit: Audit, ref: AipdReferential) -> list[Problem]:
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
        problems += [_unknown(audit, (*loc, item), what, item, known) for item in given if item not in known]
    problems += _measure_answer_problems(audit, ref)
    problems += _risk_answer_problems(audit, ref)
    if answers.hosting is not None:
        hosting_ids = [h.id for h in ref.hosting]
        if answers.hosting.sensitivity not in hosting_ids:
            loc = ("aipd", "hebergement", "sensibilite")
            problems.append(_unknown(audit, loc, "sensibilité", answers.hosting.sensitivity, hosting_ids))
    return problems


def _untitled(audit: Audit, loc: KeyPath, what: str, value: str, known: list[str], *, note: str = "") -> Problem:
    close = suggest(value, known)
    hint = f"vouliez-vous dire « {close} » ? Sinon, " if close else ""
    return _problem(audit, loc, f"{what} : {hint}donnez-lui un « titre »{note}")


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
        _unknown(audit, ("aipd", "plan_action", i, "mesure"), "mesure", a.measure, known)
        for i, a in enumerate(answers.action_plan)
        if a.measure is not None and a.measure not in known
    ]
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
            _problem(
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


def check_inclusion_answers(audit: Audit, ref: InclusionReferential) -> list[Problem]:
    """Publics and criteria exist, answers are among the options, the territory CSV is valid."""
    answers = audit.inclusion
    public_ids = [p.id for p in ref.publics]
    problems = [
        _unknown(audit, ("inclusion", "publics", public_id), "public", public_id, public_ids)
        for public_id in answers.publics
        if public_id not in public_ids
    ]
    for criterion_id in answers.criteria:
        problems += _criterion_answer_problems(audit, ref, criterion_id)
    path = statistics_path(audit)
    if path is not None and not inside(path, _audit_roots(audit)):
        message = (
            "le fichier de statistiques doit être dans le dossier du fichier d'audit (ou dans le projet, pour un "
            f"audit rangé dans audits/) : chemin résolu {path.resolve()}"
        )
        problems.append(_problem(audit, ("inclusion", "territoire", "statistiques"), message))
    elif path is not None and not path.exists():
        message = f"fichier de statistiques introuvable : {path}"
        problems.append(_problem(audit, ("inclusion", "territoire", "statistiques"), message))
    elif path is not None and not path.is_file():
        message = f"{path} n'est pas un fichier ordinaire (tube nommé, périphérique ou dossier) : refusé sans être lu"
        problems.append(_problem(audit, ("inclusion", "territoire", "statistiques"), message))
    elif path is not None:
        try:
            read_statistics(path, ref)
        except InvalidInputError as error:
            problems += error.problems
    return problems


def _criterion_answer_problems(audit: Audit, ref: InclusionReferential, criterion_id: str) -> list[Problem]:
    response = audit.inclusion.criteria[criterion_id]
    loc: KeyPath = ("inclusion", "criteres", criterion_id)
    criterion = ref.criterion(criterion_id)
    if criterion is None:
        return [_unknown(audit, loc, "critère", criterion_id, [c.id for c in ref.criteria])]
    if response.rate is not None and not criterion.rate_steps:
        return [_problem(audit, (*loc, "taux"), "ce critère attend une « reponse », pas un taux")]
    values = [option.value for option in criterion.options]
    if criterion.not_applicable_allowed:
        values.append(NOT_APPLICABLE)
    if response.choice is not None and response.choice not in values:
        hint = did_you_mean(response.choice, values, ".")
        message = f"réponse « {response.choice} » non prévue pour ce critère{hint} Valeurs possibles : "
        return [_problem(audit, (*loc, "reponse"), message + ", ".join(values) + ".")]
    if response.choice == NOT_APPLICABLE and response.justification is None:
        return [_problem(audit, loc, "« non_applicable » doit être justifié (clé « justification »)")]
    return []
