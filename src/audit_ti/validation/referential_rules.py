"""Rules of the assessment referentials (AIPD, inclusion, factory credentials) and of their national figures.

The national figures are a CSV read with pandas: they are read only when a command needs them
(``valider``, ``evaluer``), never by a scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.inputs.files import inside
from audit_ti.inputs.referentials import Referential
from audit_ti.inputs.statistics import TerritoryStatistics, read_statistics
from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.base import KeyPath
from audit_ti.models.credentials import FactoryCredentials
from audit_ti.models.inclusion import NOT_APPLICABLE
from audit_ti.models.inclusion_referential import InclusionReferential
from audit_ti.models.scales import PrescreenVerdict, StatUnit
from audit_ti.validation.located import (
    cited_source_problems,
    duplicate_problems,
    file_id_problems,
    problem_at,
    reference_problems,
    unknown,
)

__all__ = ["national_statistics", "national_statistics_path", "referential_problems"]


def referential_problems(referential: Referential) -> list[Problem]:
    """Consistency of an assessment referential (its national figures are read apart, when needed)."""
    if isinstance(referential, InclusionReferential):
        return _inclusion_problems(referential)
    if isinstance(referential, FactoryCredentials):
        return _credentials_problems(referential)
    return _aipd_problems(referential)


def _credentials_problems(credentials: FactoryCredentials) -> list[Problem]:
    cited = set(credentials.source_ids())
    problems = []
    pairs = [(account.username, account.password) for account in credentials.accounts]
    for index, account in enumerate(credentials.accounts):
        if pairs.index((account.username, account.password)) != index:
            problems.append(problem_at(credentials, ("comptes", index), f"compte « {account.username} » en double"))
        problems += [
            problem_at(credentials, ("comptes", index, "sources"), f"source « {source} » non déclarée dans « sources »")
            for source in account.sources
            if source not in cited
        ]
    for index, community in enumerate(credentials.snmp_communities):
        problems += [
            problem_at(
                credentials,
                ("communautes_snmp", index, "sources"),
                f"source « {source} » non déclarée dans « sources »",
            )
            for source in community.sources
            if source not in cited
        ]
    return problems


def _aipd_problems(ref: AipdReferential) -> list[Problem]:
    """Ids unique, cross-references resolved, matrix complete, sources cited declared."""
    rules = ref.prescreen
    criterion_ids = [c.id for c in rules.criteria]
    zone_ids = [z.id for z in ref.matrix.zones]
    problems = file_id_problems(ref, ref.id)
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
        problems += duplicate_problems(ref, ids, loc, what)
    listed = [*rules.mandatory_list, *rules.exemption_list]
    list_keys = ["traitements_obligatoires"] * len(rules.mandatory_list) + ["exemptions"] * len(rules.exemption_list)
    positions = [*range(len(rules.mandatory_list)), *range(len(rules.exemption_list))]
    problems += reference_problems(
        ref,
        [
            (("preselection", key, i, "criteres"), e.criteria)
            for key, i, e in zip(list_keys, positions, listed, strict=True)
        ],
        criterion_ids,
        "critère",
    )
    problems += reference_problems(
        ref,
        [(("mesures", i, "traite"), m.treats) for i, m in enumerate(ref.measures)],
        [e.id for e in ref.feared_events],
        "événement redouté",
    )
    problems += reference_problems(
        ref, [(("cartographie", "grille", i), row) for i, row in enumerate(ref.matrix.grid)], zone_ids, "zone"
    )
    if ref.matrix.consultation_zone not in zone_ids:
        loc = ("cartographie", "zone_consultation")
        problems.append(unknown(ref, loc, "zone", ref.matrix.consultation_zone, zone_ids))
    acceptance = ref.prior_consultation.acceptance_zone
    if acceptance is not None and acceptance not in zone_ids:
        problems.append(unknown(ref, ("consultation_prealable", "zone_acceptation"), "zone", acceptance, zone_ids))
    problems += _scale_problems(ref)
    problems += cited_source_problems(ref, ref.source_ids(), _aipd_citations(ref))
    return problems


def _scale_problems(ref: AipdReferential) -> list[Problem]:
    problems = [
        problem_at(ref, ("cartographie", "grille", i), "chaque ligne compte quatre zones")
        for i, row in enumerate(ref.matrix.grid)
        if len(row) != 4
    ]
    for scale_key, steps in (("gravite", ref.scales.severity), ("vraisemblance", ref.scales.likelihood)):
        if [step.level for step in steps] != [1, 2, 3, 4]:
            message = "les niveaux doivent être 1, 2, 3 et 4, dans l'ordre"
            problems.append(problem_at(ref, ("echelles", scale_key), message))
    missing = [verdict.value for verdict in PrescreenVerdict if verdict not in ref.prescreen.guidance]
    if missing:
        message = f"conduite à tenir absente pour : {', '.join(missing)}"
        problems.append(problem_at(ref, ("preselection", "conduite_a_tenir"), message))
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
        *([(("compteurs_communicants",), ref.meters.sources)] if ref.meters is not None else []),
        *([(("cameras_espace_public",), ref.cameras.sources)] if ref.cameras is not None else []),
    ]


def _inclusion_problems(ref: InclusionReferential) -> list[Problem]:
    """Ids unique, indicators and publics resolved, options consistent."""
    indicator_ids = [i.id for i in ref.indicators]
    public_ids = [p.id for p in ref.publics]
    problems = file_id_problems(ref, ref.id)
    problems += duplicate_problems(ref, indicator_ids, ("indicateurs",), "indicateur")
    problems += duplicate_problems(ref, public_ids, ("publics",), "public")
    problems += duplicate_problems(ref, [c.id for c in ref.criteria], ("criteres",), "critère")
    levels = [lv.level.value for lv in ref.scoring.levels]
    problems += duplicate_problems(ref, levels, ("notation", "niveaux"), "niveau", "niveau")
    problems += _indicator_problems(ref, indicator_ids)
    problems += reference_problems(
        ref,
        [(("publics", i, "indicateur"), [p.indicator]) for i, p in enumerate(ref.publics) if p.indicator],
        indicator_ids,
        "indicateur",
    )
    for index in range(len(ref.criteria)):
        problems += _criterion_problems(ref, index, public_ids)
    cited = [*_citations(("publics",), ref.publics), *_citations(("criteres",), ref.criteria)]
    problems += cited_source_problems(ref, ref.source_ids(), cited)
    return problems


def national_statistics_path(ref: InclusionReferential) -> Path:
    """The national figures of an inclusion referential, resolved beside it."""
    folder = ref.source.path.parent if ref.source is not None else Path()
    return folder / ref.national_statistics


def national_statistics(ref: InclusionReferential) -> tuple[TerritoryStatistics | None, list[Problem]]:
    """The national figures of a valid inclusion referential, or why they cannot be used."""
    national = national_statistics_path(ref)
    if ref.source is not None and not inside(national, [ref.source.path.parent]):
        message = f"le fichier des chiffres nationaux doit être dans le dossier du référentiel (ici : {national})"
        return None, [problem_at(ref, ("statistiques_nationales",), message)]
    try:
        return read_statistics(national, ref), []
    except InvalidInputError as error:
        return None, list(error.problems)


def _indicator_problems(ref: InclusionReferential, indicator_ids: list[str]) -> list[Problem]:
    problems = []
    for key, indicator_id, unit in (
        ("indicateur_population", ref.population_indicator, StatUnit.INHABITANTS),
        ("indicateur_fragilite", ref.fragility_index, StatUnit.INDEX),
    ):
        found = ref.indicator(indicator_id) if indicator_id is not None else None
        if indicator_id is not None and found is None:
            problems.append(unknown(ref, (key,), "indicateur", indicator_id, indicator_ids))
        elif found is not None and found.unit is not unit:
            message = f"l'indicateur « {indicator_id} » doit être en « {unit.value} »"
            problems.append(problem_at(ref, (key,), message))
    return problems


def _criterion_problems(ref: InclusionReferential, index: int, public_ids: list[str]) -> list[Problem]:
    criterion = ref.criteria[index]
    loc: KeyPath = ("criteres", index)
    values = [option.value for option in criterion.options]
    problems = duplicate_problems(ref, values, (*loc, "options"), "valeur", "valeur")
    if NOT_APPLICABLE in values:
        message = f"« {NOT_APPLICABLE} » est réservé : utilisez « non_applicable_possible: true »"
        problems.append(problem_at(ref, (*loc, "options"), message))
    problems += reference_problems(ref, [((*loc, "publics"), criterion.publics)], public_ids, "public")
    steps = [step.value for step in criterion.rate_steps]
    problems += [
        unknown(ref, (*loc, "paliers_taux", i, "valeur"), "valeur", value, values)
        for i, value in enumerate(steps)
        if value not in values
    ]
    return problems
