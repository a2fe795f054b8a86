"""Benchmark of ``audit-ti lancer`` (prints ratios and sizes, asserts nothing).

Usage: .venv/bin/python bench/bench_suite.py [use cases, default 8] [rounds, default 3]

1. The suite's own overhead per use case (offline import, evaluations, four notebooks, two reports in
   HTML and PDF) against the raw ``papermill`` command line running the same four notebooks on the
   same run folder, the two measured in turn over the rounds: the ratio of the medians. Target:
   ≤ 1.2 × raw papermill, reports included.
2. Throughput of ``--jobs 2`` against ``--jobs 1`` on N copies of the demo audit, the two measured in
   turn over several rounds (a shared virtual machine varies by a few tens of percent from one
   minute to the next): the ratio of the medians. Target on 2 cores: ≥ 1.7 ×.
3. Report sizes. Targets for the demo: rapport-elus.html < 500 KB, rapport-elus.pdf < 1 MB.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mesures import record, record_ratio

from audit_ti.runs.notebooks import NOTEBOOKS
from audit_ti.runs.suite import SuiteSettings, run_suites

ROOT = Path(__file__).resolve().parent.parent
#: Size budgets of the demo's reports for the elected officials (kB: 500 KB and 1 MB).
SIZE_TARGETS = {"rapport-elus.html": 500, "rapport-elus.pdf": 1000}
AUDIT = ROOT / "audits" / "demo-lab.yaml"
REFERENCE = ROOT / "audits" / "references" / "demo-lab.xml"


def settings(reports: Path) -> SuiteSettings:
    return SuiteSettings(
        reports_dir=reports, grilles_dir=ROOT / "grilles", notebooks_dir=ROOT / "notebooks", offline_scan=REFERENCE
    )


def copies(folder: Path, count: int) -> list[Path]:
    """N audit files of the demo lab, each with its own name (one run folder each)."""
    folder.mkdir(parents=True, exist_ok=True)
    audits = []
    for index in range(count):
        path = folder / f"demo-{index:02d}.yaml"
        shutil.copy(AUDIT, path)
        audits.append(path)
    return audits


def raw_papermill(run_folder: Path, out: Path) -> float:
    """The four notebooks through papermill's own command line, on an existing run folder."""
    started = time.perf_counter()
    for name in NOTEBOOKS:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "papermill",
                str(ROOT / "notebooks" / f"{name}.ipynb"),
                str(out / f"{name}.ipynb"),
                "--cwd",
                str(ROOT / "notebooks"),
                "-p",
                "dossier_run",
                str(run_folder),
                "--no-progress-bar",
            ],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - started


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    with tempfile.TemporaryDirectory(prefix="audit-ti-bench-") as work:
        base = Path(work)
        audits = copies(base / "audits", count)
        rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
        suite_timings: list[float] = []
        raw_timings: list[float] = []
        folder = base
        for round_ in range(rounds):
            started = time.perf_counter()
            (one,) = run_suites([AUDIT], settings(base / f"un-{round_}"), jobs=1)
            suite_timings.append(time.perf_counter() - started)
            assert one.folder is not None
            folder = one.folder
            (base / f"brut-{round_}").mkdir()
            raw_timings.append(raw_papermill(folder, base / f"brut-{round_}"))
            print(f"tour {round_ + 1} : suite {suite_timings[-1]:.1f} s, papermill brut {raw_timings[-1]:.1f} s")
        suite_s, raw_s = statistics.median(suite_timings), statistics.median(raw_timings)
        print(f"suite complète, un cas d'usage        {suite_s:6.1f} s (médiane)")
        print(f"papermill brut, les quatre notebooks  {raw_s:6.1f} s (médiane)")
        print(f"rapport suite / papermill brut        {suite_s / raw_s:6.2f} ×   (objectif ≤ 1,2 ×)")
        record_ratio(
            "Suite d'un cas d'usage",
            "audit-ti lancer / papermill brut (quatre notebooks)",
            suite_s,
            raw_s,
            at_most=1.2,
            timings=suite_timings,
            baseline_timings=raw_timings,
        )
        for name in ("rapport-elus.html", "rapport-elus.pdf", "rapport-technique.html", "rapport-technique.pdf"):
            size = (folder / name).stat().st_size
            print(f"{name:<38}{size / 1024:6.0f} Kio")
            budget = SIZE_TARGETS.get(name)
            met = size < budget * 1000 if budget else None
            target = f"< {budget} ko" if budget else ""
            record("Taille des rapports (démo)", name, size / 1000, unit="ko", target=target, met=met)
        timings: dict[int, list[float]] = {1: [], 2: []}
        for round_ in range(rounds):
            for jobs in (1, 2):
                started = time.perf_counter()
                outcomes = run_suites(audits, settings(base / f"jobs-{jobs}-{round_}"), jobs=jobs)
                timings[jobs].append(time.perf_counter() - started)
                failed = [outcome.case for outcome in outcomes if outcome.folder is None]
                label = f"--jobs {jobs}, {count} cas d'usage, tour {round_ + 1}"
                print(f"{label:<38}{timings[jobs][-1]:6.1f} s  {failed or ''}")
        one_job, two_jobs = statistics.median(timings[1]), statistics.median(timings[2])
        print(f"médianes : --jobs 1 {one_job:.1f} s, --jobs 2 {two_jobs:.1f} s")
        print(f"débit --jobs 2 / --jobs 1             {one_job / two_jobs:6.2f} ×   (objectif ≥ 1,7 ×)")
        record_ratio(
            f"Parallélisme, {count} cas d'usage",
            "débit --jobs 2 / --jobs 1",
            two_jobs,
            one_job,
            at_least=1.7,
            timings=timings[2],
            baseline_timings=timings[1],
        )


if __name__ == "__main__":
    main()
