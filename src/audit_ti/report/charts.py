"""Small static figures for the reports, readable in black and white and by colour-blind readers.

Meaning never rests on colour alone: bars carry hatches and their value, zones of the risk map
carry hatches and a legend, points « avant » and « après » differ by their marker. Colours come
from the Okabe-Ito palette. Each figure comes with its French text alternative, which
``figure_html`` puts in the ``alt`` of the image so that it reaches the HTML report.

Figures are built on matplotlib's object API with the Agg canvas: no pyplot state, no display.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter
from dataclasses import dataclass

from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from audit_ti.models.aipd_result import AipdResult, RiskLevelResult
from audit_ti.models.evaluation import CyberEvaluation
from audit_ti.text import french_number

__all__ = ["OKABE_ITO", "Chart", "cyber_index_chart", "figure_html", "risk_map_chart"]

#: Okabe & Ito's palette, distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
HATCHES = ("//", "\\\\", "xx", "..", "--", "++", "oo", "**")
SIZE = (5.0, 3.0)
DPI = 100


@dataclass(frozen=True)
class Chart:
    """A figure, its title and the French text that says what it shows."""

    figure: Figure
    title: str
    alt: str


def _figure(height: float = SIZE[1]) -> Figure:
    figure = Figure(figsize=(SIZE[0], height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _one(value: float) -> str:
    return french_number(value, ".1f")


def cyber_index_chart(cyber: CyberEvaluation) -> Chart:
    """The use case's cyber index per theme (out of 5), one hatched bar each, and the overall index."""
    themes = cyber.use_case.themes
    names = [theme.title for theme in themes]
    values = [theme.index for theme in themes]
    overall = cyber.use_case.index
    figure = _figure()
    axes = figure.add_subplot()
    for position, value in enumerate(values):
        axes.bar(
            position,
            value,
            color=OKABE_ITO[position % len(OKABE_ITO)],
            hatch=HATCHES[position % len(HATCHES)],
            edgecolor="black",
        )
        axes.annotate(
            _one(value),
            (position, value),
            ha="center",
            va="bottom",
            fontsize=9,
            xytext=(0, 2),
            textcoords="offset points",
        )
    if overall is not None:
        axes.axhline(overall, color="black", linestyle="--", linewidth=1, label=f"indice d'ensemble : {_one(overall)}")
        axes.legend(loc="upper left", fontsize=8, frameon=False)
    axes.set_xticks(range(len(names)), names, fontsize=9)
    axes.set_ylim(0, 5.4)
    axes.set_yticks(range(6))
    axes.set_ylabel("Indice (sur 5)")
    title = "Indice cyber par thème"
    axes.set_title(title, fontsize=10)
    parts = " ; ".join(f"{name} {_one(value)}" for name, value in zip(names, values, strict=True))
    whole = f" Indice d'ensemble du cas d'usage : {_one(overall)} sur 5." if overall is not None else ""
    alt = f"Diagramme en barres de l'indice cyber du cas d'usage, sur 5, par thème : {parts or 'aucun thème'}.{whole}"
    return Chart(figure, title, alt)


#: Labels of the default referential's zones, for the legend when no estimated risk names a zone
#: (the risk map of aipd.json gives zone ids only; a risk's level carries its zone's label).
DEFAULT_ZONE_LABELS = {"acceptable": "Risque acceptable", "a_reduire": "Risque à réduire", "eleve": "Risque élevé"}


def _zone_labels(aipd: AipdResult) -> dict[str, str]:
    labels: dict[str, str] = dict(DEFAULT_ZONE_LABELS)
    for risk in aipd.risks:
        for level in (risk.before, risk.after):
            if level is not None:
                labels[level.zone] = level.zone_label
    return labels


def _described(level: RiskLevelResult | None) -> str:
    if level is None:
        return "non estimé"
    return (
        f"gravité {level.severity_label.lower()} et vraisemblance {level.likelihood_label.lower()} "
        f"(zone « {level.zone_label} »)"
    )


def risk_map_chart(aipd: AipdResult) -> Chart:
    """The CNIL risk map: severity by likelihood on a 4×4 grid, each risk before (○) and after (▲) the measures."""
    risk_map = aipd.risk_map
    zones = list(dict.fromkeys([*risk_map.colours, *(zone for row in risk_map.grid for zone in row)]))
    labels = _zone_labels(aipd)
    tints = ("#FFFFFF", OKABE_ITO[6], OKABE_ITO[5], OKABE_ITO[3])
    styles = {zone: (tints[i % len(tints)], ("", "..", "//", "xx")[i % 4]) for i, zone in enumerate(zones)}
    figure = _figure(3.6)
    axes = figure.add_subplot()
    for row, line in enumerate(risk_map.grid):
        for column, zone in enumerate(line):
            colour, hatch = styles[zone]
            axes.add_patch(
                Rectangle(
                    (column + 0.5, row + 0.5),
                    1,
                    1,
                    facecolor=colour,
                    alpha=0.35,
                    hatch=hatch,
                    edgecolor="grey",
                    linewidth=0.5,
                )
            )
    seen: Counter[tuple[int, int]] = Counter()
    spots: dict[tuple[str, str], tuple[float, float]] = {}
    for point in risk_map.points:
        cell = (point.likelihood, point.severity)
        shift = 0.18 * seen[cell]
        seen[cell] += 1
        x, y = point.likelihood - 0.25 + shift, point.severity + 0.2 - shift
        spots[(point.risk, point.phase)] = (x, y)
        after = point.phase != "avant"
        axes.plot(
            x,
            y,
            marker="^" if after else "o",
            markersize=8,
            linestyle="none",
            markerfacecolor="black" if after else "white",
            markeredgecolor="black",
        )
        axes.annotate(point.letter, (x, y), xytext=(6, -3), textcoords="offset points", fontsize=8)
    for (risk, phase), start in spots.items():
        end = spots.get((risk, "apres"))
        if phase == "avant" and end is not None and end != start:
            axes.annotate("", end, start, arrowprops={"arrowstyle": "->", "color": "black", "linewidth": 0.8})
    axes.set_xlim(0.5, 4.5)
    axes.set_ylim(0.5, 4.5)
    axes.set_xticks(range(1, 5), risk_map.likelihood_labels, fontsize=8)
    axes.set_yticks(range(1, 5), risk_map.severity_labels, fontsize=8)
    axes.set_xlabel("Vraisemblance", fontsize=9)
    axes.set_ylabel("Gravité", fontsize=9)
    title = "Carte des risques avant et après les mesures"
    axes.set_title(title, fontsize=10)
    handles: list[Artist] = [
        Patch(
            facecolor=styles[zone][0],
            alpha=0.35,
            hatch=styles[zone][1],
            edgecolor="grey",
            label=labels.get(zone, zone.replace("_", " ")),
        )
        for zone in zones
    ]
    handles += [
        axes.plot(
            [],
            [],
            marker="o",
            markerfacecolor="white",
            markeredgecolor="black",
            linestyle="none",
            label="avant les mesures",
        )[0],
        axes.plot(
            [],
            [],
            marker="^",
            markerfacecolor="black",
            markeredgecolor="black",
            linestyle="none",
            label="après les mesures",
        )[0],
    ]
    axes.legend(handles=handles, loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=7, frameon=False)
    estimated = [risk for risk in aipd.risks if risk.before is not None or risk.after is not None]
    if not estimated:
        axes.text(2.5, 2.5, "aucun risque estimé", ha="center", va="center", fontsize=9)
        detail = "aucun risque n'est encore estimé, la carte est vide."
    else:
        detail = (
            " ; ".join(
                f"{risk.title} ({risk.letter}) : avant, {_described(risk.before)} ; après, {_described(risk.after)}"
                for risk in estimated
            )
            + "."
        )
    alt = (
        "Carte des risques de la CNIL, gravité en ordonnée et vraisemblance en abscisse, quatre niveaux "
        f"chacune ; ronds blancs avant les mesures prévues, triangles noirs après : {detail}"
    )
    return Chart(figure, title, alt)


def figure_html(chart: Chart) -> str:
    """The figure as an inline PNG ``<img>`` with its text alternative, in a ``<figure>`` with its title."""
    buffer = io.BytesIO()
    chart.figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<figure class="graphique"><img src="data:image/png;base64,{data}" alt="{html.escape(chart.alt)}">'
        f"<figcaption>{html.escape(chart.title)}</figcaption></figure>"
    )
