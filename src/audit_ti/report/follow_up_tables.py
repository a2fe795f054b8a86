"""Tables of the follow-up: evaluation indicators (n°36), qualifications of the products (n°48), and the
coverage of the national study's recommendations by the tool."""

from __future__ import annotations

import pandas as pd

from audit_ti.models.follow_up import EvaluationIndicator, FollowUp
from audit_ti.report.study import StudyRecommendation
from audit_ti.report.tables import frame

__all__ = ["coverage_table", "indicators_table", "qualifications_table"]


def indicators_table(indicators: tuple[EvaluationIndicator, ...] | None) -> pd.DataFrame:
    """What the service will be judged on after deployment: indicator, target, first review, owner."""
    columns = ("Indicateur", "Cible", "Premier bilan", "Responsable")
    return frame(
        (
            {
                "Indicateur": item.name + (f" ({item.measure})" if item.measure else ""),
                "Cible": item.target or "à fixer",
                "Premier bilan": f"{item.due:%d/%m/%Y}" if item.due else "à fixer",
                "Responsable": item.owner or "à désigner",
            }
            for item in indicators or ()
        ),
        columns,
    )


def qualifications_table(follow_up: FollowUp) -> pd.DataFrame:
    """Each declared label or qualification, what it covers, and whether it was still valid on the audit date."""
    columns = ("Pour", "Label ou qualification", "Référence", "Produit certifié", "Validité")
    listed = {row.subject for row in follow_up.qualifications}
    rows = [
        {
            "Pour": row.subject,
            "Label ou qualification": row.kind_label,
            "Référence": row.reference,
            "Produit certifié": row.product or "non précisé",
            "Validité": (
                "non précisée"
                if row.valid_until is None
                else ("échue le " if row.expired else "jusqu'au ") + f"{row.valid_until:%d/%m/%Y}"
            ),
        }
        for row in follow_up.qualifications
    ]
    rows += [
        {
            "Pour": subject,
            "Label ou qualification": "aucun déclaré",
            "Référence": "",
            "Produit certifié": "",
            "Validité": "",
        }
        for subject in follow_up.without_qualification
        if subject not in listed
    ]
    return frame(rows, columns)


def coverage_table(recommendations: tuple[StudyRecommendation, ...]) -> pd.DataFrame:
    """The study's recommendations the tool covers: where it answers each one, and what it says of this project."""
    columns = ("N°", "Recommandation", "Où l'outil y répond", "Pour ce projet")
    return frame(
        (
            {
                "N°": item.number,
                "Recommandation": item.text,
                "Où l'outil y répond": item.coverage,
                "Pour ce projet": item.why,
            }
            for item in recommendations
        ),
        columns,
    )
