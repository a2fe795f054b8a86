"""What the notebooks call to show a run: the warning box, tables, charts and the decision light.

Every helper displays HTML built here (escaped), so that a notebook cell is one call and the
HTML report shows the same thing as the notebook.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TypeGuard, TypeVar

import pandas as pd
from IPython.display import HTML, display

from audit_ti.models.public_notice import PublicNotice
from audit_ti.report.charts import Chart, figure_html
from audit_ti.report.synthesis import Synthesis
from audit_ti.report.tables import progress_table
from audit_ti.report.views import RunResults, warnings_html

__all__ = [
    "notice_html",
    "present",
    "show_chart",
    "show_list",
    "show_notice",
    "show_progress",
    "show_table",
    "show_verdict",
    "show_warnings",
    "table_html",
    "verdict_html",
]


def _show_html(text: str) -> None:
    # IPython's display functions carry no annotations.
    display(HTML(text))  # type: ignore[no-untyped-call]


_T = TypeVar("_T")


def present(result: _T | None, what: str = "ce résultat") -> TypeGuard[_T]:
    """True when ``result`` exists; otherwise say in the report that it is missing (see the warnings)."""
    if result is None:
        _show_html(
            f'<p class="absent"><strong>{html.escape(what[:1].upper() + what[1:])} manque</strong> : '
            "voir les avertissements en tête du rapport.</p>"
        )
        return False
    return True


def show_warnings(results: RunResults) -> None:
    """The box every notebook shows first: what is missing or failed, or that the run is complete."""
    _show_html(warnings_html(results))


def table_html(frame: pd.DataFrame, empty: str = "Rien à signaler.") -> str:
    """A table without its index (text escaped), or ``empty`` in a paragraph when it has no line."""
    if frame.empty:
        return f"<p><em>{html.escape(empty)}</em></p>"
    return frame.to_html(index=False, border=0, classes="tableau", escape=True, na_rep="—")


def show_table(frame: pd.DataFrame, empty: str = "Rien à signaler.") -> None:
    """Display a table without its index, or ``empty`` when it has no line."""
    _show_html(table_html(frame, empty))


def show_progress(synthesis: Synthesis) -> None:
    """The section « Depuis le dernier audit », only when a previous run of the use case exists."""
    if synthesis.progress is None:
        return
    _show_html(
        "<h2>Depuis le dernier audit</h2><p>Ce projet a déjà été audité. Le tableau compare les constats de "
        "cybersécurité des deux audits, exigence par exigence : ce qui a été corrigé, ce qui est apparu, ce qui "
        "reste à traiter. Le détail, passerelle par passerelle, est donné par <code>audit-ti comparer</code>.</p>"
        + table_html(progress_table(synthesis))
    )


def show_chart(chart: Chart) -> None:
    """Display a chart as an inline PNG whose ``alt`` is its French text alternative."""
    _show_html(figure_html(chart))


def show_list(items: Iterable[str], empty: str = "Aucun.") -> None:
    """Display a bulleted list (escaped), or ``empty``."""
    lines = [f"<li>{html.escape(item)}</li>" for item in items]
    _show_html(f"<ul>{''.join(lines)}</ul>" if lines else f"<p><em>{html.escape(empty)}</em></p>")


def notice_html(notice: PublicNotice) -> str:
    """The public notice, in the parts of information-public.md, escaped, its headings under the report's."""
    parts = [
        f'<div class="information-public"><h3>{html.escape(notice.title)}</h3>',
        f"<p><em>{html.escape(notice.authority)} — mise à jour le {notice.updated_on:%d/%m/%Y}</em></p>",
    ]
    for section in notice.sections:
        parts.append(f"<h4>{html.escape(section.title)}</h4>")
        lines = section.text.splitlines()
        if len(lines) > 1:
            parts.append("<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>")
        else:
            parts.append(f"<p>{html.escape(section.text)}</p>")
    if notice.missing:
        parts.append(
            f"<p><strong>À compléter avant publication :</strong> {html.escape(', '.join(notice.missing))}.</p>"
        )
    return "".join(parts) + "</div>"


def show_notice(notice: PublicNotice) -> None:
    """Display the public notice (text from the audit file is escaped, never interpreted as HTML)."""
    _show_html(notice_html(notice))


_LIGHT_WORDS = {"vert": "FEU VERT", "orange": "FEU ORANGE", "rouge": "FEU ROUGE"}


def verdict_html(synthesis: Synthesis) -> str:
    """The decision box: the light in words (never by colour alone), its reasons and the rule."""
    light = synthesis.light
    reasons = "".join(f"<li>{html.escape(reason)}</li>" for reason in synthesis.reasons)
    reasons_block = f"<p>Pourquoi :</p><ul>{reasons}</ul>" if reasons else ""
    return (
        f'<div class="feu feu-{light.value}" role="status">'
        f"<p><strong>{_LIGHT_WORDS[light.value]}</strong> — {html.escape(light.label)}</p>"
        f"{reasons_block}"
        f'<p class="regle">Règle appliquée : {html.escape(synthesis.rule)}</p></div>'
    )


def show_verdict(synthesis: Synthesis) -> None:
    """Display the decision box."""
    _show_html(verdict_html(synthesis))
