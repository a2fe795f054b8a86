"""The results of a run as tables with French column headers, for the notebooks: cyber, the run, the synthesis.

Each function turns a result read by ``views.load_run`` into a ``pandas.DataFrame``; nothing is
computed beyond ordering, counting and wording (numbers are written the French way). The AIPD and
inclusion tables are in ``impact_tables.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from audit_ti.models.enums import Status
from audit_ti.models.evaluation import CyberEvaluation
from audit_ti.models.finding import Finding
from audit_ti.report.synthesis import Synthesis
from audit_ti.report.views import RunManifest
from audit_ti.text import french_number

__all__ = [
    "accepted_risks_table",
    "actions_table",
    "audits_table",
    "evidence_table",
    "findings_table",
    "frame",
    "gateways_table",
    "grilles_table",
    "number",
    "percent",
    "priorities_table",
    "recommendations_table",
    "status_counts_table",
    "steps_table",
    "theme_titles",
    "themes_table",
    "yes_no",
]

USE_CASE = "cas d'usage (ensemble)"


def frame(rows: Iterable[Mapping[str, object]], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(columns))


def number(value: float | None, spec: str = ".1f") -> str:
    return "—" if value is None else french_number(value, spec)


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{french_number(rate * 100, '.0f')} %"


def yes_no(value: bool) -> str:
    return "oui" if value else "non"


def _target(target: str | None) -> str:
    return target if target is not None else USE_CASE


# -- Cyber -------------------------------------------------------------------------------------------


def gateways_table(cyber: CyberEvaluation) -> pd.DataFrame:
    """One line per gateway, then the use case: index out of 5, verdict and its reasons."""
    columns = ("Passerelle", "Indice sur 5", "Verdict", "Motifs")
    scores = (*cyber.gateways, cyber.use_case)
    return frame(
        (
            {
                "Passerelle": _target(score.target),
                "Indice sur 5": number(score.index),
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
    return frame(
        (
            {
                "Thème": theme.title,
                "Indice sur 5": number(theme.index),
                "Mesures essentielles remplies": percent(theme.essential_rate),
                "Mesures recommandées remplies": percent(theme.recommended_rate),
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
    table = frame(rows, ("Passerelle", "Thème", *statuses))
    # Columns nobody reached only widen the table.
    return table.loc[:, [c for c in table.columns if c in ("Passerelle", "Thème") or table[c].sum() > 0]]


def findings_table(
    findings: Sequence[Finding], titles: Mapping[str, str] | None = None, *, only_problems: bool = True
) -> pd.DataFrame:
    """The findings per gateway and theme, most serious first; by default only those not compliant."""
    names = titles or {}
    shown = Status.COMPLIANT, Status.NOT_APPLICABLE
    kept = [f for f in findings if not (only_problems and f.status in shown)]
    kept.sort(key=lambda f: (_target(f.target), f.theme, -f.severity.rank, f.requirement))
    columns = ("Passerelle", "Thème", "Exigence", "Statut", "Sévérité", "Constat", "Recommandation", "Risque accepté")
    return frame(
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
    return frame(
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
    return frame(
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
    return frame(
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
    return frame(
        (
            {
                "Grille ou référentiel": name,
                "Version": entry.get("version", ""),
                # The name only: the full path, in the manifest, depends on the machine that ran.
                "Fichier": Path(entry.get("fichier", "")).name,
                "Empreinte SHA-256": entry.get("empreinte", ""),
            }
            for name, entry in manifest.grilles.items()
        ),
        columns,
    )


def steps_table(manifest: RunManifest) -> pd.DataFrame:
    """The steps of the run and how each ended."""
    labels = {"termine": "terminée", "echec": "échec", "non_execute": "non exécutée"}
    return frame(
        (
            {"Étape": step.name, "Statut": labels.get(step.status, step.status), "Message": step.message}
            for step in manifest.steps
        ),
        ("Étape", "Statut", "Message"),
    )


# -- Synthesis --------------------------------------------------------------------------------------


def audits_table(synthesis: Synthesis) -> pd.DataFrame:
    """Each audit of the run: its light (in words) and its conclusion (the reasons are in the decision box)."""
    return frame(
        ({"Audit": line.audit, "Feu": line.light.value, "Conclusion": line.conclusion} for line in synthesis.audits),
        ("Audit", "Feu", "Conclusion"),
    )


def actions_table(synthesis: Synthesis) -> pd.DataFrame:
    """What to do before deploying (and which audit asks for it), who, by when; the cost when one is known."""
    columns = ["N°", "Quoi", "Qui", "Quand"]
    if any(action.cost_eur is not None for action in synthesis.actions):
        columns.append("Coût (€)")
    return frame(
        (
            {
                "N°": action.rank,
                "Quoi": f"{action.action} ({action.origin})",
                "Qui": action.owner,
                "Quand": action.due + (" (en retard)" if action.late else ""),
                "Coût (€)": "—" if action.cost_eur is None else french_number(action.cost_eur, ",.0f"),
            }
            for action in synthesis.actions
        ),
        columns,
    )


def recommendations_table(synthesis: Synthesis) -> pd.DataFrame:
    """The national study's recommendations the use case touches, and why."""
    return frame(
        (
            {
                "N°": item.number,
                "Recommandation": item.text,
                "Ce projet est concerné parce que": item.why,
            }
            for item in synthesis.recommendations
        ),
        ("N°", "Recommandation", "Ce projet est concerné parce que"),
    )


def progress_table(synthesis: Synthesis) -> pd.DataFrame:
    """Since the previous run: how many findings were fixed, are new, remain, and on which requirements."""
    progress = synthesis.progress
    if progress is None:
        return frame((), ())
    stamp = progress.previous_run
    since = f"{stamp[8:10]}/{stamp[5:7]}/{stamp[:4]} à {stamp[11:13]} h {stamp[13:15]}"
    rows = (
        ("Corrigé", progress.fixed, progress.fixed_requirements),
        ("Nouveau", progress.new, progress.new_requirements),
        ("Toujours à traiter", progress.remaining, progress.remaining_requirements),
    )
    column = f"Depuis l'audit du {since}"
    return frame(
        (
            {column: what, "Constats": count, "Exigences": " ; ".join(titles) or "aucune"}
            for what, count, titles in rows
        ),
        (column, "Constats", "Exigences"),
    )
