"""Consistency checks of the assessment referentials and of the audit's AIPD and inclusion answers.

Like ``validation``, each function returns located French problems instead of raising, so that
one run of ``audit-ti valider`` reports everything at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel

from audit_ti.assess.inclusion import NOT_APPLICABLE
from audit_ti.assess.territory import read_statistics
from audit_ti.errors import InvalidInputError, Problem
from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.audit import Audit
from audit_ti.models.base import KeyPath, SourceDocument, format_key_path
from audit_ti.models.inclusion_referential import InclusionReferential
from audit_ti.models.scales import PrescreenVerdict, StatUnit
from audit_ti.validation_messages import suggest

__all__ = [
    "check_aipd_answers",
    "check_aipd_referential",
    "check_inclusion_answers",
    "check_inclusion_referential",
    "has_answers",
    "statistics_path",
]


def _problem(document: SourceDocument, loc: KeyPath, message: str) -> Problem:
    source = document.source
    return Problem(
        message=message,
        file=source.path if source else None,
        line=source.line_of(loc) if source else None,
        key=format_key_path(loc) or None,
    )


_FEMININE = {"zone", "source", "mesure", "valeur", "sensibilité"}


def _unknown(document: SourceDocument, loc: KeyPath, what: str, value: str, known: Sequence[str]) -> Problem:
    close = suggest(value, list(known))
    hint = f", vouliez-vous dire « {close} » ?" if close else f" (possibles : {', '.join(known)})"
    ending = "e" if what.split()[0] in _FEMININE else ""
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
                f"l'identifiant « {declared} » doit être le nom du fichier (« {document.source.path.stem} »), "
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


def check_aipd_referential(ref: AipdReferential) -> list[Problem]:
    """Ids unique, cross-references resolved, matrix complete, sources cited declared."""
    problems = _file_id(ref, ref.id)
    rules = ref.prescreen
    criterion_ids = [c.id for c in rules.criteria]
    event_ids = [e.id for e in ref.feared_events]
    zone_ids = [z.id for z in ref.matrix.zones]
    problems += _duplicates(ref, criterion_ids, ("preselection", "criteres"), "critère")
    problems += _duplicates(
        ref,
        [e.id for e in rules.mandatory_list],
        ("preselection", "traitements_obligatoires"),
        "type de traitement",
    )
    problems += _duplicates(
        ref, [e.id for e in rules.exemption_list], ("preselection", "exemptions"), "exemption"
    )
    problems += _duplicates(ref, [q.id for q in ref.context], ("contexte",), "question")
    problems += _duplicates(ref, [q.id for q in ref.principles], ("principes",), "principe")
    problems += _duplicates(ref, event_ids, ("evenements_redoutes",), "événement redouté")
    problems += _duplicates(ref, [m.id for m in ref.measures], ("mesures",), "mesure")
    problems += _duplicates(ref, [h.id for h in ref.hosting], ("hebergement",), "sensibilité")
    problems += _duplicates(ref, zone_ids, ("cartographie", "zones"), "zone")
    for list_key, entries in (
        ("traitements_obligatoires", rules.mandatory_list),
        ("exemptions", rules.exemption_list),
    ):
        for index, entry in enumerate(entries):
            for c_index, criterion in enumerate(entry.criteria):
                if criterion not in criterion_ids:
                    loc = ("preselection", list_key, index, "criteres", c_index)
                    problems.append(_unknown(ref, loc, "critère", criterion, criterion_ids))
    for index, measure in enumerate(ref.measures):
        for t_index, event in enumerate(measure.treats):
            if event not in event_ids:
                problems.append(
                    _unknown(
                        ref, ("mesures", index, "traite", t_index), "événement redouté", event, event_ids
                    )
                )
    for row_index, row in enumerate(ref.matrix.grid):
        if len(row) != 4:
            problems.append(
                _problem(ref, ("cartographie", "grille", row_index), "chaque ligne compte quatre zones")
            )
        for col_index, zone in enumerate(row):
            if zone not in zone_ids:
                problems.append(
                    _unknown(ref, ("cartographie", "grille", row_index, col_index), "zone", zone, zone_ids)
                )
    if ref.matrix.consultation_zone not in zone_ids:
        problems.append(
            _unknown(
                ref, ("cartographie", "zone_consultation"), "zone", ref.matrix.consultation_zone, zone_ids
            )
        )
    for scale_key, steps in (("gravite", ref.scales.severity), ("vraisemblance", ref.scales.likelihood)):
        if [step.level for step in steps] != [1, 2, 3, 4]:
            problems.append(
                _problem(ref, ("echelles", scale_key), "les niveaux doivent être 1, 2, 3 et 4, dans l'ordre")
            )
    missing = [verdict.value for verdict in PrescreenVerdict if verdict not in rules.guidance]
    if missing:
        problems.append(
            _problem(
                ref,
                ("preselection", "conduite_a_tenir"),
                f"conduite à tenir absente pour : {', '.join(missing)}",
            )
        )
    cited: list[tuple[KeyPath, list[str]]] = [
        (("preselection", "criteres", i), c.sources) for i, c in enumerate(rules.criteria)
    ]
    cited += [
        (("preselection", "traitements_obligatoires", i), e.sources)
        for i, e in enumerate(rules.mandatory_list)
    ]
    cited += [(("preselection", "exemptions", i), e.sources) for i, e in enumerate(rules.exemption_list)]
    cited += [(("contexte", i), q.sources) for i, q in enumerate(ref.context)]
    cited += [(("principes", i), q.sources) for i, q in enumerate(ref.principles)]
    cited += [(("mesures", i), m.sources) for i, m in enumerate(ref.measures)]
    cited += [(("hebergement", i), h.sources) for i, h in enumerate(ref.hosting)]
    cited += [
        (("cartographie",), ref.matrix.sources),
        (("consultation_prealable",), ref.prior_consultation.sources),
    ]
    problems += _cited_sources(ref, ref.source_ids(), cited)
    return problems


def check_inclusion_referential(ref: InclusionReferential) -> list[Problem]:
    """Ids unique, indicators and publics resolved, options consistent, national CSV valid."""
    problems = _file_id(ref, ref.id)
    indicator_ids = [i.id for i in ref.indicators]
    public_ids = [p.id for p in ref.publics]
    problems += _duplicates(ref, indicator_ids, ("indicateurs",), "indicateur")
    problems += _duplicates(ref, public_ids, ("publics",), "public")
    problems += _duplicates(ref, [c.id for c in ref.criteria], ("criteres",), "critère")
    problems += _duplicates(
        ref, [lv.level.value for lv in ref.scoring.levels], ("notation", "niveaux"), "niveau", "niveau"
    )
    for key, indicator_id, unit in (
        ("indicateur_population", ref.population_indicator, StatUnit.INHABITANTS),
        ("indicateur_fragilite", ref.fragility_index, StatUnit.INDEX),
    ):
        if indicator_id is None:
            continue
        found = ref.indicator(indicator_id)
        if found is None:
            problems.append(_unknown(ref, (key,), "indicateur", indicator_id, indicator_ids))
        elif found.unit is not unit:
            problems.append(
                _problem(ref, (key,), f"l'indicateur « {indicator_id} » doit être en « {unit.value} »")
            )
    for index, public in enumerate(ref.publics):
        if public.indicator is not None and public.indicator not in indicator_ids:
            problems.append(
                _unknown(ref, ("publics", index, "indicateur"), "indicateur", public.indicator, indicator_ids)
            )
    for index, criterion in enumerate(ref.criteria):
        loc: KeyPath = ("criteres", index)
        values = [option.value for option in criterion.options]
        problems += _duplicates(ref, values, (*loc, "options"), "valeur", "valeur")
        if NOT_APPLICABLE in values:
            problems.append(
                _problem(
                    ref,
                    (*loc, "options"),
                    f"« {NOT_APPLICABLE} » est réservé : utilisez « non_applicable_possible: true »",
                )
            )
        for p_index, public_id in enumerate(criterion.publics):
            if public_id not in public_ids:
                problems.append(_unknown(ref, (*loc, "publics", p_index), "public", public_id, public_ids))
        for s_index, step in enumerate(criterion.rate_steps):
            if step.value not in values:
                problems.append(
                    _unknown(ref, (*loc, "paliers_taux", s_index, "valeur"), "valeur", step.value, values)
                )
    cited = [(("publics", i), p.sources) for i, p in enumerate(ref.publics)]
    cited += [(("criteres", i), c.sources) for i, c in enumerate(ref.criteria)]
    problems += _cited_sources(ref, ref.source_ids(), cited)
    if ref.source is not None and not problems:
        try:
            read_statistics(ref.source.path.parent / ref.national_statistics, ref)
        except InvalidInputError as error:
            problems += error.problems
    return problems


def has_answers(section: BaseModel) -> bool:
    """True when an AIPD or inclusion section holds more than its state and comment."""
    dumped = section.model_dump(by_alias=True, exclude_defaults=True)
    return bool(set(dumped) - {"etat", "commentaire"})


def check_aipd_answers(audit: Audit, ref: AipdReferential) -> list[Problem]:
    """The AIPD answers cite ids that exist in the referential, and custom items have a title."""
    answers = audit.aipd
    base: KeyPath = ("aipd",)
    problems: list[Problem] = []
    rules = ref.prescreen
    for key, given, known in (
        ("criteres", answers.prescreen.criteria, [c.id for c in rules.criteria]),
        ("traitements_listes", answers.prescreen.listed, [e.id for e in rules.mandatory_list]),
        ("exemptions", answers.prescreen.exemptions, [e.id for e in rules.exemption_list]),
    ):
        what = "critère du CEPD" if key == "criteres" else "type de traitement"
        for item_id in given:
            if item_id not in known:
                problems.append(_unknown(audit, (*base, "preselection", key, item_id), what, item_id, known))
    principle_ids = [p.id for p in ref.principles]
    for principle_id in answers.principles:
        if principle_id not in principle_ids:
            problems.append(
                _unknown(audit, (*base, "principes", principle_id), "principe", principle_id, principle_ids)
            )
    catalogue = [m.id for m in ref.measures]
    for measure_id, used in answers.measures.items():
        if measure_id not in catalogue and used.title is None:
            close = suggest(measure_id, catalogue)
            hint = f"vouliez-vous dire « {close} » ? Sinon, " if close else ""
            problems.append(
                _problem(
                    audit,
                    (*base, "mesures", measure_id),
                    f"mesure « {measure_id} » absente du catalogue : {hint}donnez-lui un « titre » (mesure ajoutée)",
                )
            )
    declared = set(answers.measures)
    event_ids = [e.id for e in ref.feared_events]
    for risk_id, risk in answers.risks.items():
        loc = (*base, "risques", risk_id)
        if risk_id not in event_ids and risk.title is None:
            close = suggest(risk_id, event_ids)
            hint = f"vouliez-vous dire « {close} » ? Sinon, " if close else ""
            problems.append(
                _problem(
                    audit,
                    loc,
                    f"risque « {risk_id} » hors des trois événements redoutés : {hint}donnez-lui un « titre »",
                )
            )
        for index, measure_id in enumerate(risk.measures):
            if measure_id not in declared:
                problems.append(
                    _problem(
                        audit,
                        (*loc, "mesures", index),
                        f"mesure « {measure_id} » citée par le risque mais absente de « aipd.mesures » : "
                        "déclarez-la (existante ou prévue)",
                    )
                )
    for index, action in enumerate(answers.action_plan):
        if action.measure is not None and action.measure not in declared and action.measure not in catalogue:
            problems.append(
                _unknown(
                    audit,
                    (*base, "plan_action", index, "mesure"),
                    "mesure",
                    action.measure,
                    sorted(declared) or catalogue,
                )
            )
    if answers.hosting is not None:
        hosting_ids = [h.id for h in ref.hosting]
        if answers.hosting.sensitivity not in hosting_ids:
            problems.append(
                _unknown(
                    audit,
                    (*base, "hebergement", "sensibilite"),
                    "sensibilité",
                    answers.hosting.sensitivity,
                    hosting_ids,
                )
            )
    return problems


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
    base: KeyPath = ("inclusion",)
    problems: list[Problem] = []
    public_ids = [p.id for p in ref.publics]
    for public_id in answers.publics:
        if public_id not in public_ids:
            problems.append(_unknown(audit, (*base, "publics", public_id), "public", public_id, public_ids))
    criterion_ids = [c.id for c in ref.criteria]
    for criterion_id, response in answers.criteria.items():
        loc = (*base, "criteres", criterion_id)
        criterion = ref.criterion(criterion_id)
        if criterion is None:
            problems.append(_unknown(audit, loc, "critère", criterion_id, criterion_ids))
            continue
        if response.rate is not None and not criterion.rate_steps:
            problems.append(_problem(audit, (*loc, "taux"), "ce critère attend une « reponse », pas un taux"))
        if response.choice is None:
            continue
        values = [option.value for option in criterion.options]
        if criterion.not_applicable_allowed:
            values.append(NOT_APPLICABLE)
        if response.choice not in values:
            close = suggest(response.choice, values)
            hint = f", vouliez-vous dire « {close} » ?" if close else "."
            problems.append(
                _problem(
                    audit,
                    (*loc, "reponse"),
                    f"réponse « {response.choice} » non prévue pour ce critère{hint} Valeurs possibles : {', '.join(values)}.",
                )
            )
        elif response.choice == NOT_APPLICABLE and response.justification is None:
            problems.append(
                _problem(audit, loc, "« non_applicable » doit être justifié (clé « justification »)")
            )
    path = statistics_path(audit)
    if path is not None:
        if not path.is_file():
            problems.append(
                _problem(
                    audit,
                    (*base, "territoire", "statistiques"),
                    f"fichier de statistiques introuvable : {path}",
                )
            )
        else:
            try:
                read_statistics(path, ref)
            except InvalidInputError as error:
                problems += error.problems
    return problems
