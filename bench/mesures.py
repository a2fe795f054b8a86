"""Recorder shared by the benches: one JSON object per headline figure, for ``bench/tout.py``.

When the environment variable ``AUDIT_TI_BANC_JSON`` names a file, :func:`record` appends one line
of JSON to it; otherwise it does nothing, and a bench run by hand only prints its figures.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

ENV = "AUDIT_TI_BANC_JSON"


def record(
    section: str,
    label: str,
    value: float,
    *,
    unit: str,
    baseline: float | None = None,
    ratio: float | None = None,
    target: str = "",
    met: bool | None = None,
    timings: Sequence[float] = (),
    baseline_timings: Sequence[float] = (),
    detail: str = "",
) -> None:
    """Append one measure to the file named by ``AUDIT_TI_BANC_JSON`` (no-op when unset).

    ``target`` is written for readers (« ≤ 1,10 × »); ``met`` says whether it is reached (``None``:
    no target); ``timings`` and ``baseline_timings`` are the individual runs behind the medians.
    """
    path = os.environ.get(ENV)
    if not path:
        return
    measure = {
        "section": section,
        "label": label,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "ratio": ratio,
        "target": target,
        "met": met,
        "runs": len(timings) or None,
        "timings": list(timings),
        "baseline_timings": list(baseline_timings),
        "detail": detail,
    }
    with Path(path).open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(measure, ensure_ascii=False) + "\n")


def record_ratio(
    section: str,
    label: str,
    value: float,
    baseline: float,
    *,
    at_most: float | None = None,
    at_least: float | None = None,
    timings: Sequence[float] = (),
    baseline_timings: Sequence[float] = (),
    detail: str = "",
) -> None:
    """A duration against its baseline measured in the same run (seconds), with its target.

    ``at_most``: ``value / baseline`` may not exceed it (an overhead). ``at_least``: the speed-up
    ``baseline / value`` must reach it. Exactly one of the two.
    """
    if (at_most is None) == (at_least is None):
        raise ValueError("record_ratio: give exactly one of at_most and at_least")
    if at_most is not None:
        ratio, target, met = value / baseline, f"≤ {_french(at_most)} ×", value / baseline <= at_most
    else:
        assert at_least is not None
        ratio, target, met = baseline / value, f"≥ {_french(at_least)} ×", baseline / value >= at_least
    record(
        section,
        label,
        value,
        unit="s",
        baseline=baseline,
        ratio=ratio,
        target=target,
        met=met,
        timings=timings,
        baseline_timings=baseline_timings,
        detail=detail,
    )


def _french(number: float) -> str:
    """« 1,1 », « 10 »: a target as French readers write it."""
    return f"{number:g}".replace(".", ",")
