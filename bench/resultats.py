"""Pure parts of ``bench/tout.py``: the stored runs of the benches, their merge, and ``RESULTS.md``.

Nothing here runs a bench or reads the machine: every function takes its data, so that the
markdown and the ``--seulement`` merge are tested without a measure (tests/test_bench_results.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

#: Lines of output kept in RESULTS.md for a bench that failed.
TAIL_LINES = 40
#: What each Jupyter kernel prints as it is stopped at the end of a notebook: noise, left out of RESULTS.md.
KERNEL_STOP = "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel"


def kept_output(text: str) -> str:
    """A bench's output as RESULTS.md shows it: the kernels' stop messages counted, not repeated
    (bench/resultats.json keeps the output whole)."""
    kept = []
    dropped = 0
    for line in text.splitlines(keepends=True):
        if line.strip().rstrip(".") == KERNEL_STOP:
            dropped += 1
        else:
            kept.append(line)
    if dropped:
        kept.append(f"({dropped} ligne(s) « {KERNEL_STOP} » des noyaux Jupyter à leur arrêt, omises)\n")
    return "".join(kept)


class RunStatus(StrEnum):
    MEASURED = "mesure"
    FAILED = "echec"
    NOT_MEASURED = "non_mesure"


@dataclass(frozen=True)
class Measure:
    """One headline figure, as ``bench/mesures.py`` records it."""

    section: str
    label: str
    value: float
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    runs: int | None = None
    timings: tuple[float, ...] = ()
    baseline_timings: tuple[float, ...] = ()
    detail: str = ""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Measure:
        values = dict(data)
        values["timings"] = tuple(values.get("timings", ()))
        values["baseline_timings"] = tuple(values.get("baseline_timings", ()))
        return cls(**values)


@dataclass(frozen=True)
class BenchRun:
    """One bench's last run: how it went, what it printed, what it recorded."""

    name: str
    title: str
    command: str
    status: RunStatus
    measured_at: datetime
    commit: str
    machine: str
    load_before: str
    duration_s: float = 0.0
    quick: bool = False
    reason: str = ""
    exit_code: int | None = None
    output: str = ""
    measures: tuple[Measure, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        data["measured_at"] = self.measured_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BenchRun:
        values = dict(data)
        values["status"] = RunStatus(values["status"])
        values["measured_at"] = datetime.fromisoformat(values["measured_at"])
        values["measures"] = tuple(Measure.from_json(m) for m in values.get("measures", ()))
        return cls(**values)


def parse_measures(text: str) -> tuple[Measure, ...]:
    """The measures a bench appended to its JSON lines file."""
    return tuple(Measure.from_json(json.loads(line)) for line in text.splitlines() if line.strip())


def load_runs(path: Path) -> dict[str, BenchRun]:
    """The runs stored by a previous ``bench/tout.py`` (none when the file does not exist)."""
    if not path.exists():
        return {}
    stored = json.loads(path.read_text(encoding="utf-8"))
    return {name: BenchRun.from_json(run) for name, run in stored.get("bancs", {}).items()}


def save_runs(path: Path, runs: Mapping[str, BenchRun]) -> None:
    data = {"bancs": {name: run.to_json() for name, run in runs.items()}}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def merge(stored: Mapping[str, BenchRun], fresh: Iterable[BenchRun], order: Sequence[str]) -> dict[str, BenchRun]:
    """The stored runs with this run's benches replaced, in the benches' order (unknown names last)."""
    runs = dict(stored)
    runs.update((run.name, run) for run in fresh)
    ranked = sorted(runs, key=lambda name: (order.index(name) if name in order else len(order), name))
    return {name: runs[name] for name in ranked}


# -- RESULTS.md ------------------------------------------------------------------------------------


def number(value: float) -> str:
    """A figure for French readers: three significant digits or so, decimal comma."""
    size = abs(value)
    text = f"{value:.0f}" if size >= 100 else f"{value:.1f}" if size >= 10 else f"{value:.2f}"
    return text.replace(".", ",")


def _with_unit(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{number(value)} {unit}".strip()


def _met(measure: Measure) -> str:
    if measure.met is None:
        return "—"
    return "**oui**" if measure.met else "**non**"


def _value(measure: Measure) -> str:
    text = _with_unit(measure.value, measure.unit)
    if measure.runs and measure.runs > 1:
        text += f" (médiane de {measure.runs})"
    return text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_rows(run: BenchRun) -> list[str]:
    """The summary table's rows of one bench: its measures, or one row saying why there are none."""
    if run.status is RunStatus.NOT_MEASURED:
        return [f"| {_cell(run.title)} | — | — | — | — | {_cell(run.reason)} |"]
    if run.status is RunStatus.FAILED:
        return [f"| {_cell(run.title)} | — | — | — | — | **échec** |"]
    quick = " (mode rapide)" if run.quick else ""
    return [
        f"| {_cell(f'{m.section} : {m.label}{quick}')} | {_value(m)} | {_with_unit(m.baseline, m.unit)} | "
        f"{'—' if m.ratio is None else number(m.ratio) + ' ×'} | {_cell(m.target) or '—'} | {_met(m)} |"
        for m in run.measures
    ]


def fenced(text: str) -> list[str]:
    """A fenced block that no run of backticks in ``text`` can close."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", text.rstrip("\n"), fence]


def _when(moment: datetime) -> str:
    return f"{moment:%d/%m/%Y à %H:%M} UTC"


def section(run: BenchRun, machine: str) -> list[str]:
    """The markdown of one bench: when and how it ran, its measures, its output."""
    lines = [f"## {run.title} (`{run.name}`)", ""]
    if run.status is RunStatus.NOT_MEASURED:
        return [*lines, f"{run.reason.capitalize()} ({_when(run.measured_at)}).", "", *fenced(run.command), ""]
    mode = " en mode rapide (moins de mesures : pour essayer, pas pour comparer)" if run.quick else ""
    lines.append(
        f"Mesuré le {_when(run.measured_at)}{mode}, commit {run.commit}, charge moyenne avant : "
        f"{run.load_before}, durée : {number(run.duration_s)} s."
    )
    if run.machine != machine:
        lines.append(f"Machine de cette mesure : {run.machine}.")
    lines += ["", "Commande :", "", *fenced(run.command), ""]
    if run.status is RunStatus.FAILED:
        tail = "\n".join(kept_output(run.output).splitlines()[-TAIL_LINES:])
        code = "" if run.exit_code is None else f" (code de sortie {run.exit_code})"
        lines += [f"**Échec**{code} : {run.reason}. Fin de la sortie :", "", *fenced(tail), ""]
        return lines
    for measure in run.measures:
        lines.append(f"- {measure.section} : {measure.label} — {_value(measure)}")
        if measure.timings:
            lines.append(f"  - mesures : {', '.join(number(t) for t in measure.timings)}")
        if measure.baseline_timings:
            lines.append(f"  - référence : {', '.join(number(t) for t in measure.baseline_timings)}")
        if measure.detail:
            lines.append(f"  - {measure.detail}")
    return [*lines, "", "Sortie complète :", "", *fenced(kept_output(run.output)), ""]


def markdown(
    runs: Mapping[str, BenchRun], *, generated_at: datetime, commit: str, machine: Mapping[str, str], load: str
) -> str:
    """The whole RESULTS.md."""
    described = describe(machine)
    lines = [
        "# Mesures des bancs d'audit-ti",
        "",
        "Fichier régénéré par `make bench` (`bench/tout.py`) : ne pas le modifier à la main. Ces chiffres "
        "valent pour la machine décrite ci-dessous, au moment de la mesure ; les bancs n'affirment rien "
        "(aucun n'échoue quand une cible est manquée) : ils mesurent, et ce tableau compare à la cible.",
        "Sauf mention contraire dans le détail d'un banc, une durée est la médiane de plusieurs mesures, "
        "et un rapport la compare à sa référence mesurée dans la même exécution.",
        "",
        f"- date : {_when(generated_at)}",
        f"- commit : {commit}",
        *(f"- {key} : {value}" for key, value in machine.items()),
        f"- charge moyenne avant les mesures (1, 5, 15 min) : {load}",
        "",
        "## Synthèse",
        "",
        "| mesure | valeur | référence | rapport | cible | atteinte |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for run in runs.values():
        lines += summary_rows(run)
    lines.append("")
    for run in runs.values():
        lines += section(run, described)
    return "\n".join(lines).rstrip("\n") + "\n"


def describe(machine: Mapping[str, str]) -> str:
    """The machine in one line, stored with each run to tell when a section comes from another one."""
    return " ; ".join(f"{key} {value}" for key, value in machine.items())
