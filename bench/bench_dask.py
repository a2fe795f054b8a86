"""Benchmark of ``audit-ti lancer --dask local`` against ``--jobs 2`` (prints timings and the ratio, asserts nothing).

Usage: .venv/bin/python bench/bench_dask.py [rounds, default 3]

Eight use cases (the four examples twice, offline from their stored scans, judged on 2026-12-02):
a Dask LocalCluster of two worker processes (one thread each, loopback only; its start
and stop counted, as a user waits for them) against ``--jobs 2`` (two worker processes of
ProcessPoolExecutor), measured in turn over several rounds; the ratio of the medians.
Target: Dask within 10 % of ``--jobs 2`` (ratio ≤ 1.10). Needs the ``echelle`` extra.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from mesures import record_ratio

from audit_ti.runs.cyber import ScanSettings
from audit_ti.runs.suite import SuiteSettings, run_suites

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ("demo-lab", "eclairage-public", "stationnement", "telereleve-eau")
AUDITS: list[Path] = [ROOT / "audits" / f"{cas}.yaml" for cas in EXAMPLES] * 2
SCANS: Sequence[Path | None] = [ROOT / "audits" / "references" / f"{cas}.xml" for cas in EXAMPLES] * 2


def settings(reports: Path) -> SuiteSettings:
    base = SuiteSettings(reports_dir=reports, grilles_dir=ROOT / "grilles", notebooks_dir=ROOT / "notebooks")
    return replace(base, scan=ScanSettings(evaluation_date=date(2026, 12, 2)))


def measure(reports: Path, dask: str | None) -> float:
    started = time.perf_counter()
    outcomes = run_suites(AUDITS, settings(reports), jobs=2, offline=SCANS, dask=dask)
    elapsed = time.perf_counter() - started
    failed = [outcome.case for outcome in outcomes if int(outcome.exit_code) > 1]
    if failed:
        print(f"  cas en échec : {failed}")
    return elapsed


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    system = f"{platform.system()} {platform.release()}"
    print(f"machine : {platform.machine()}, {os.cpu_count()} cœurs, {system}, Python {platform.python_version()}")
    timings: dict[str, list[float]] = {"--jobs 2": [], "--dask local": []}
    with tempfile.TemporaryDirectory(prefix="audit-ti-bench-dask-") as work:
        for round_ in range(rounds):
            for label, dask in (("--jobs 2", None), ("--dask local", "local")):
                timings[label].append(measure(Path(work) / f"{label.strip('-').replace(' ', '-')}-{round_}", dask))
                print(f"{label:<14} {len(AUDITS)} cas d'usage, tour {round_ + 1}  {timings[label][-1]:6.1f} s")
    pool, cluster = statistics.median(timings["--jobs 2"]), statistics.median(timings["--dask local"])
    print(f"médianes : --jobs 2 {pool:.1f} s, --dask local (2 travailleurs) {cluster:.1f} s")
    print(f"rapport dask / jobs 2 {cluster / pool:6.2f} ×   (objectif ≤ 1,10 ×)")
    record_ratio(
        f"Dask, {len(AUDITS)} cas d'usage hors ligne",
        "--dask local (2 travailleurs) / --jobs 2",
        cluster,
        pool,
        at_most=1.10,
        timings=timings["--dask local"],
        baseline_timings=timings["--jobs 2"],
    )


if __name__ == "__main__":
    main()
