"""The AIPD and inclusion results as tables with French column headers, for the notebooks."""

from __future__ import annotations

import pandas as pd

from audit_ti.models.aipd_result import AipdResult, RiskLevelResult
from audit_ti.models.inclusion_result import InclusionResult
from audit_ti.report.tables import frame, number, yes_no
from audit_ti.text import french_number

__all__ = [
    "action_plan_table",
    "aipd_overview_table",
    "criteria_table",
    "inclusion_overview_table",
    "opinions_table",
    "prescreen_table",
    "principles_table",
    "publics_table",
    "risks_table",
]


# -- Inclusion ---------------------------------------------------------------------------------------


def publics_table(inclusion: InclusionResult) -> pd.DataFrame:
    """The publics at risk of exclusion and how many residents of the area belong to each."""
    columns = ("Public", "Concerné", "Part des habitants", "Habitants", "Origine du chiffre", "Source", "Année")
    return frame(
        (
            {
                "Public": public.title,
                "Concerné": yes_no(public.concerned),
                "Part des habitants": "—" if public.share_percent is None else f"{number(public.share_percent)} %",
                "Habitants": _residents(public.residents, public.origin),
                "Origine du chiffre": _origin(public.origin),
                "Source": public.source or "",
                "Année": public.year or "",
            }
            for public in inclusion.residents.publics
        ),
        columns,
    )


#: Where a share comes from, in words: a national share applied to the area is an estimate.
_ORIGINS = {
    "territoire": "chiffre du territoire",
    "national": "estimation : part nationale appliquée à la population de la zone",
    "national_ajuste": "estimation : part nationale × indice de fragilité numérique / 100 (indice MedNum/ANSA, "
    "base 100 = territoire de référence de l'indice)",
    "aucune": "aucun chiffre",
}


def _origin(code: str) -> str:
    return " ; ".join(_ORIGINS.get(part, part) for part in code.split("+"))


def _residents(count: int | None, origin: str) -> str:
    if count is None:
        return "inconnu"
    # Any part computed from a national share makes the count an estimate: said in the figure itself.
    return ("environ " if "national" in origin else "") + french_number(count, ",")


def criteria_table(inclusion: InclusionResult) -> pd.DataFrame:
    """Each criterion, its answer and the points it counts."""
    columns = ("Critère", "Rôle", "Réponse", "Points", "Bloquant", "Justification")
    return frame(
        (
            {
                "Critère": criterion.title,
                "Rôle": "aggrave le risque" if criterion.role == "risque" else "atténue le risque",
                "Réponse": "non renseigné (compté au plus défavorable)"
                if criterion.unanswered
                else criterion.answer_label,
                "Points": f"{criterion.points} / {criterion.max_points}",
                "Bloquant": ("non satisfait" if criterion.blocking_unmet else "satisfait")
                if criterion.blocking
                else "",
                "Justification": criterion.justification or "",
            }
            for criterion in inclusion.criteria
        ),
        columns,
    )


# -- AIPD --------------------------------------------------------------------------------------------


def prescreen_table(aipd: AipdResult) -> pd.DataFrame:
    """The pre-screen: criteria met, listed processings and exemptions, each with its reason."""
    prescreen = aipd.prescreen
    groups = (
        ("Critère du CEPD rempli", prescreen.criteria_met),
        ("Traitement de la liste de la CNIL", prescreen.listed),
        ("Exemption de la CNIL", prescreen.exemptions),
    )
    rows = [
        {"Nature": nature, "Élément": item.title, "Justification": item.justification or ""}
        for nature, items in groups
        for item in items
    ]
    rows += [
        {"Nature": "Critère du CEPD non renseigné", "Élément": name, "Justification": ""}
        for name in prescreen.criteria_unanswered
    ]
    return frame(rows, ("Nature", "Élément", "Justification"))


def principles_table(aipd: AipdResult) -> pd.DataFrame:
    """What was answered of the context and of the fundamental principles (CNIL method)."""
    parts = (("Contexte", aipd.context), ("Principes fondamentaux", aipd.principles))
    return frame(
        (
            {
                "Partie": name,
                "Renseignés": ", ".join(progress.answered) or "aucun",
                "Manquants": ", ".join(progress.missing) or "aucun",
                "À corriger": ", ".join(progress.to_correct) or "aucun",
            }
            for name, progress in parts
        ),
        ("Partie", "Renseignés", "Manquants", "À corriger"),
    )


def _level(level: RiskLevelResult | None) -> str:
    if level is None:
        return "non estimé"
    return (
        f"gravité {level.severity_label.lower()}, vraisemblance {level.likelihood_label.lower()} ({level.zone_label})"
    )


def risks_table(aipd: AipdResult) -> pd.DataFrame:
    """Each risk before and after the planned measures."""
    columns = ("Risque", "Lettre", "Avant les mesures", "Après les mesures", "Mesures")
    return frame(
        (
            {
                "Risque": risk.title,
                "Lettre": risk.letter,
                "Avant les mesures": _level(risk.before),
                "Après les mesures": _level(risk.after),
                "Mesures": ", ".join(risk.measures),
            }
            for risk in aipd.risks
        ),
        columns,
    )


def action_plan_table(aipd: AipdResult) -> pd.DataFrame:
    """The action plan: what, who, by when, at what cost, and whether it is late."""
    statuses = {"a_faire": "à faire", "en_cours": "en cours", "fait": "fait", "abandonnee": "abandonnée"}
    columns = ("Action", "Mesure", "Responsable", "Échéance", "Statut", "Coût (€)", "En retard")
    return frame(
        (
            {
                "Action": action.action,
                "Mesure": action.measure_title or action.measure or "",
                "Responsable": action.owner or "à désigner",
                "Échéance": action.due.isoformat() if action.due else "à fixer",
                "Statut": statuses.get(action.status, action.status),
                "Coût (€)": "—" if action.cost_eur is None else french_number(action.cost_eur, ",.0f"),
                "En retard": yes_no(action.late),
            }
            for action in aipd.action_plan
        ),
        columns,
    )


def opinions_table(aipd: AipdResult) -> pd.DataFrame:
    """The opinions gathered (DPO, data subjects) and those still missing."""
    opinions = aipd.opinions
    dpo = opinions.dpo or "non recueilli"
    if opinions.dpo and opinions.dpo_name:
        dpo = f"{opinions.dpo} ({opinions.dpo_name})"
    rows = [
        {"Avis": "Délégué à la protection des données", "Contenu": dpo},
        {"Avis": "Personnes concernées", "Contenu": opinions.data_subjects or "non recueilli"},
        *({"Avis": "Manquant", "Contenu": text} for text in opinions.missing),
    ]
    return frame(rows, ("Avis", "Contenu"))


def _listed(items: tuple[str, ...], empty: str = "aucun") -> str:
    return ", ".join(items) or empty


def inclusion_overview_table(inclusion: InclusionResult) -> pd.DataFrame:
    """The inclusion assessment in a few lines: level, verdict, score, what blocks and what is unanswered."""
    scores = inclusion.scores
    residents = inclusion.residents
    population = "inconnue" if residents.population is None else french_number(residents.population, ",")
    rows = (
        ("Niveau de risque d'exclusion", f"{inclusion.level.value} : {inclusion.level_title}"),
        ("Verdict", inclusion.verdict_label),
        ("Score final", f"{scores.final} sur {scores.raw_max} ({number(scores.final_percent)} %)"),
        ("Niveau que donne le seul score", inclusion.score_level.value),
        ("Critères bloquants non satisfaits", _listed(inclusion.blocking_unmet)),
        ("Critères non renseignés", _listed(inclusion.unanswered)),
        ("Zone et population", f"{residents.area or 'zone non précisée'} : {population} habitants"),
    )
    return frame(({"Élément": name, "Valeur": value} for name, value in rows), ("Élément", "Valeur"))


def aipd_overview_table(aipd: AipdResult) -> pd.DataFrame:
    """The AIPD in a few lines: pre-screen, validation, art. 36, hosting, cost, blocking findings."""
    consultation = aipd.prior_consultation
    art36 = "non requise"
    if consultation.required:
        art36 = f"requise : {' ; '.join(consultation.reasons) or _listed(consultation.risks)}"
    if consultation.waived:
        art36 += f" ; écartée par décision motivée : {' ; '.join(consultation.waived)}"
    residual = aipd.max_residual
    rows = (
        ("AIPD obligatoire ?", aipd.prescreen.label),
        ("Validation par le responsable du traitement", aipd.validation.label),
        ("Risque résiduel le plus haut", residual.zone_label if residual is not None else "non estimé"),
        ("Consultation préalable de la CNIL (RGPD, art. 36)", art36),
        ("Risques « à réduire » sans acceptation signée", _listed(consultation.unaccepted)),
        ("Hébergement recommandé", aipd.hosting or "non renseigné"),
        ("Coût du plan d'action", f"{french_number(aipd.action_plan_cost_eur, ',.0f')} €"),
        ("Constats bloquants", " ; ".join(aipd.blocking) or "aucun"),
    )
    return frame(({"Élément": name, "Valeur": value} for name, value in rows), ("Élément", "Valeur"))
