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
