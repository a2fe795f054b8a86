"""The results of a run as tables with French column headers, for the notebooks.

Each function turns a result read by ``views.load_run`` into a ``pandas.DataFrame``; nothing is
computed beyond ordering, counting and wording (numbers are written the French way).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from audit_ti.models.aipd_result import AipdResult, RiskLevelResult
from audit_ti.models.enums import Status
from audit_ti.models.evaluation import CyberEvaluation
from audit_ti.models.finding import Finding
from audit_ti.models.inclusion_result import InclusionResult
from audit_ti.report.views import RunManifest
from audit_ti.text import french_number

__all__ = [
    "accepted_risks_table",
    "action_plan_table",
    "criteria_table",
    "evidence_table",
    "findings_table",
    "gateways_table",
    "grilles_table",
    "opinions_table",
    "prescreen_table",
    "principles_table",
    "priorities_table",
    "publics_table",
    "risks_table",
    "status_counts_table",
    "steps_table",
    "theme_titles",
    "themes_table",
]

USE_CASE = "cas d'usage (ensemble)"


def _frame(rows: Iterable[Mapping[str, object]], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(columns))


def _number(value: float | None, spec: str = ".1f") -> str:
    return "—" if value is None else french_number(value, spec)


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{french_number(rate * 100, '.0f')} %"


def _yes(value: bool) -> str:
    return "oui" if value else "non"


def _target(target: str | None) -> str:
    return target if target is not None else USE_CASE


# -- Cyber -------------------------------------------------------------------------------------------


def gateways_table(cyber: CyberEvaluation) -> pd.DataFrame:
    """One line per gateway, then the use case: index out of 5, verdict and its reasons."""
    columns = ("Passerelle", "Indice sur 5", "Verdict", "Motifs")
    scores = (*cyber.gateways, cyber.use_case)
    return _frame(
        (
            {
                "Passerelle": _target(score.target),
                "Indice sur 5": _number(score.index),
                "Verdict": score.verdict.label,
                "Motifs": " ; ".join(score.reasons),
            }
            for score in scores
        ),
        columns,
    )


def themes_table(cyber: CyberEvaluation) -> pd.DataFrame:
    """The use case's index per theme, with the share of essential and recommended measures met."""
    columns = ("Thème", "Indice sur 5", "Mesures essentielles remplies", "Mesures recommandées remplies", "Mesures")
    return _frame(
        (
            {
                "Thème": theme.title,
                "Indice sur 5": _number(theme.index),
                "Mesures essentielles remplies": _percent(theme.essential_rate),
                "Mesures recommandées remplies": _percent(theme.recommended_rate),
                "Mesures": theme.measures,
            }
            for theme in cyber.use_case.themes
        ),
        columns,
    )


def theme_titles(cyber: CyberEvaluation | None) -> dict[str, str]:
    """The title of each theme id the evaluation names (« defense » → « Défense »)."""
    if cyber is None:
        return {}
    return {theme.theme: theme.title for score in (cyber.use_case, *cyber.gateways) for theme in score.themes}


def status_counts_table(findings: Sequence[Finding], titles: Mapping[str, str] | None = None) -> pd.DataFrame:
    """How many requirements of each status, per gateway and theme (``titles``: from ``theme_titles``)."""
    statuses = [status.label for status in Status]
    names = titles or {}
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for finding in findings:
        theme = names.get(finding.theme, finding.theme) or "—"
        line = counts.setdefault((_target(finding.target), theme), dict.fromkeys(statuses, 0))
        line[finding.status.label] += 1
    rows = [{"Passerelle": target, "Thème": theme, **line} for (target, theme), line in sorted(counts.items())]
    frame = _frame(rows, ("Passerelle", "Thème", *statuses))
    # Columns nobody reached only widen the table.
    return frame.loc[:, [c for c in frame.columns if c in ("Passerelle", "Thème") or frame[c].sum() > 0]]


def findings_table(
    findings: Sequence[Finding], titles: Mapping[str, str] | None = None, *, only_problems: bool = True
) -> pd.DataFrame:
    """The findings per gateway and theme, most serious first; by default only those not compliant."""
    names = titles or {}
    shown = Status.COMPLIANT, Status.NOT_APPLICABLE
    kept = [f for f in findings if not (only_problems and f.status in shown)]
    kept.sort(key=lambda f: (_target(f.target), f.theme, -f.severity.rank, f.requirement))
    columns = ("Passerelle", "Thème", "Exigence", "Statut", "Sévérité", "Constat", "Recommandation", "Risque accepté")
    return _frame(
        (
            {
                "Passerelle": _target(f.target),
                "Thème": names.get(f.theme, f.theme),
                "Exigence": f.title or f.requirement,
                "Statut": f.status.label,
                "Sévérité": f.severity.label,
                "Constat": f.evidence,
                "Recommandation": f.recommendation,
                "Risque accepté": "oui" if f.accepted_risk is not None else "",
            }
            for f in kept
        ),
        columns,
    )


def priorities_table(cyber: CyberEvaluation) -> pd.DataFrame:
    """The priority measures, in their order."""
    columns = ("Rang", "Mesure", "Sévérité", "Statut", "Passerelles", "Recommandation")
    return _frame(
        (
            {
                "Rang": measure.rank,
                "Mesure": measure.title,
                "Sévérité": measure.severity.label,
                "Statut": measure.status.label,
                "Passerelles": ", ".join(measure.targets) or USE_CASE,
                "Recommandation": measure.recommendation,
            }
            for measure in cyber.priorities
        ),
        columns,
    )


def accepted_risks_table(findings: Sequence[Finding]) -> pd.DataFrame:
    """Every finding a risk acceptance covers, in force or expired (it stays visible)."""
    columns = ("Exigence", "Passerelle", "Statut", "Signataire", "Décidé le", "Expire le", "État", "Justification")
    return _frame(
        (
            {
                "Exigence": f.title or f.requirement,
                "Passerelle": _target(f.target),
                "Statut": f.status.label,
                "Signataire": record.signatory,
                "Décidé le": record.decided_on.isoformat(),
                "Expire le": record.expires_on.isoformat(),
                "État": "expirée" if record.expired else "en vigueur",
                "Justification": record.justification,
            }
            for f in findings
            if (record := f.accepted_risk) is not None
        ),
        columns,
    )


# -- The run -----------------------------------------------------------------------------------------


def evidence_table(manifest: RunManifest) -> pd.DataFrame:
    """Every file of the run and its SHA-256, as the manifest records it (evidence first)."""
    columns = ("Fichier", "Nature", "Empreinte SHA-256")
    files = sorted(manifest.files.items(), key=lambda item: (not item[0].startswith("evidence/"), item[0]))
    return _frame(
        (
            {
                "Fichier": name,
                "Nature": "preuve brute" if name.startswith("evidence/") else "résultat",
                "Empreinte SHA-256": digest,
            }
            for name, digest in files
        ),
        columns,
    )


def grilles_table(manifest: RunManifest) -> pd.DataFrame:
    """The grilles and referentials the run used, with their version and hash."""
    columns = ("Grille ou référentiel", "Version", "Fichier", "Empreinte SHA-256")
    return _frame(
        (
            {
                "Grille ou référentiel": name,
                "Version": entry.get("version", ""),
                "Fichier": entry.get("fichier", ""),
                "Empreinte SHA-256": entry.get("empreinte", ""),
            }
            for name, entry in manifest.grilles.items()
        ),
        columns,
    )


def steps_table(manifest: RunManifest) -> pd.DataFrame:
    """The steps of the run and how each ended."""
    labels = {"termine": "terminée", "echec": "échec", "non_execute": "non exécutée"}
    return _frame(
        (
            {"Étape": step.name, "Statut": labels.get(step.status, step.status), "Message": step.message}
            for step in manifest.steps
        ),
        ("Étape", "Statut", "Message"),
    )


# -- Inclusion ---------------------------------------------------------------------------------------


def publics_table(inclusion: InclusionResult) -> pd.DataFrame:
    """The publics at risk of exclusion and how many residents of the area belong to each."""
    columns = ("Public", "Concerné", "Part des habitants", "Habitants", "Origine du chiffre", "Source", "Année")
    return _frame(
        (
            {
                "Public": public.title,
                "Concerné": _yes(public.concerned),
                "Part des habitants": "—" if public.share_percent is None else f"{_number(public.share_percent)} %",
                "Habitants": "inconnu" if public.residents is None else french_number(public.residents, ","),
                "Origine du chiffre": public.origin,
                "Source": public.source or "",
                "Année": public.year or "",
            }
            for public in inclusion.residents.publics
        ),
        columns,
    )


def criteria_table(inclusion: InclusionResult) -> pd.DataFrame:
    """Each criterion, its answer and the points it counts."""
    columns = ("Critère", "Rôle", "Réponse", "Points", "Bloquant", "Justification")
    return _frame(
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
    return _frame(rows, ("Nature", "Élément", "Justification"))


def principles_table(aipd: AipdResult) -> pd.DataFrame:
    """What was answered of the context and of the fundamental principles (CNIL method)."""
    parts = (("Contexte", aipd.context), ("Principes fondamentaux", aipd.principles))
    return _frame(
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
    return _frame(
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
    return _frame(
        (
            {
                "Action": action.action,
                "Mesure": action.measure_title or action.measure or "",
                "Responsable": action.owner or "à désigner",
                "Échéance": action.due.isoformat() if action.due else "à fixer",
                "Statut": statuses.get(action.status, action.status),
                "Coût (€)": "—" if action.cost_eur is None else french_number(action.cost_eur, ",.0f"),
                "En retard": _yes(action.late),
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
    return _frame(rows, ("Avis", "Contenu"))
