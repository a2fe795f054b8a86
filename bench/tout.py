"""Run every bench and write ``bench/RESULTS.md`` (``make bench``).

Each bench runs as a subprocess of the same interpreter; its output is streamed as it comes, and
the figures it records through ``bench/mesures.py`` are collected. The runs are stored in
``bench/resultats.json``, so that ``--seulement`` measures some benches again and keeps the others.
The lab benches need root: without it they are written « non mesuré (root requis) ». A bench that
fails is written as such, with the end of its output; the others still run, and the exit code is 1.

Usage: .venv/bin/python bench/tout.py [--seulement NOM[,NOM]] [--repetitions N] [--rapide]
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from mesures import ENV
from resultats import (
    BenchRun,
    RunStatus,
    describe,
    load_runs,
    markdown,
    merge,
    parse_measures,
    save_runs,
)

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "RESULTS.md"
STORED = BENCH / "resultats.json"
#: Environment variables that change what a bench measures, shown with its command.
SHOWN_ENV = ("AUDIT_TI_LAB_RESEAU", "AUDIT_TI_LAB_IPV6")


@dataclass(frozen=True)
class Bench:
    name: str
    title: str
    root: bool
    #: The bench's arguments for (repetitions, quick mode).
    arguments: Callable[[int, bool], list[str]]


BENCHES = (
    Bench(
        "scan_vs_nmap",
        "Scan du laboratoire contre nmap seul",
        True,
        lambda reps, quick: ["--repetitions", str(reps)],
    ),
    Bench(
        "lab_echelle",
        "Flottes de 200 et 1 000 passerelles",
        True,
        # 1,000 gateways: two measures at most (about a quarter of an hour each on 2 cores).
        lambda reps, quick: [
            *["--scan", "--tailles", "200" if quick else "200,1000", "--repetitions", str(reps)],
            *["--repetitions-grandes", str(min(reps, 2))],
        ],
    ),
    Bench("evaluation_10k", "Import et évaluation de 10 000 hôtes", False, lambda reps, quick: ["10000", str(reps)]),
    Bench(
        "bench_suite",
        "Suite de cas d'usage, --jobs et tailles des rapports",
        False,
        lambda reps, quick: ["2" if quick else "8", str(reps)],
    ),
    Bench("bench_dask", "Grappe Dask locale contre --jobs 2", False, lambda reps, quick: [str(reps)]),
    Bench("bench_evaluation", "Évaluations AIPD et inclusion", False, lambda reps, quick: []),
)
NAMES = [bench.name for bench in BENCHES]


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return ""


def _output_of(command: Sequence[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    except OSError:
        return ""
    return done.stdout.strip()


def machine() -> dict[str, str]:
    """What the figures depend on, read from the system (« inconnu » when it cannot be read)."""
    cpuinfo = _read("/proc/cpuinfo")
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "")
    meminfo = _read("/proc/meminfo").split()
    memory = int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024**2 if "MemTotal:" in meminfo else None
    nmap = _output_of(["nmap", "--version"]).splitlines()
    return {
        "processeur": model or platform.processor() or "inconnu",
        "cœurs": str(os.cpu_count()),
        "mémoire": f"{memory:.1f} Gio".replace(".", ",") if memory else "inconnue",
        "noyau": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "Debian": _read("/etc/debian_version").strip() or "inconnue",
        "Python": platform.python_version(),
        "nmap": nmap[0].removeprefix("Nmap version ").split(" (")[0] if nmap else "introuvable",
    }


def load_average() -> str:
    return " ".join(f"{value:.2f}".replace(".", ",") for value in os.getloadavg())


def commit() -> str:
    """The commit measured, « + modifications » when the working tree differs from it (results aside)."""
    head = _output_of(["git", "rev-parse", "--short", "HEAD"]) or "inconnu"
    kept = [f":!{path.relative_to(ROOT)}" for path in (RESULTS, STORED)]
    dirty = _output_of(["git", "status", "--porcelain", "--", ".", *kept])
    return f"{head} + modifications" if dirty else head


def command_line(bench: Bench, arguments: Sequence[str]) -> str:
    interpreter = Path(sys.executable)
    shown = interpreter.relative_to(ROOT) if interpreter.is_relative_to(ROOT) else interpreter
    env = [f"{name}={shlex.quote(os.environ[name])}" for name in SHOWN_ENV if name in os.environ]
    return shlex.join([*env, str(shown), f"bench/{bench.name}.py", *arguments])


def run_bench(bench: Bench, repetitions: int, quick: bool, machine_line: str, revision: str) -> BenchRun:
    """Run one bench, streaming its output; its run as stored."""
    arguments = bench.arguments(repetitions, quick)
    base = BenchRun(
        name=bench.name,
        title=bench.title,
        command=command_line(bench, arguments),
        status=RunStatus.NOT_MEASURED,
        measured_at=datetime.now(UTC),
        commit=revision,
        machine=machine_line,
        load_before=load_average(),
        quick=quick,
    )
    if bench.root and os.geteuid() != 0:
        print(f"== {bench.name} : non mesuré (root requis)", flush=True)
        return replace(base, reason="non mesuré (root requis)")
    print(f"== {bench.name} : {base.command}", flush=True)
    with tempfile.TemporaryDirectory(prefix="audit-ti-banc-mesures-") as work:
        measures_file = Path(work) / "mesures.jsonl"
        env = {**os.environ, ENV: str(measures_file), "PYTHONUNBUFFERED": "1"}
        started = time.perf_counter()
        output: list[str] = []
        with subprocess.Popen(
            [sys.executable, str(BENCH / f"{bench.name}.py"), *arguments],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                print(line, end="", flush=True)
                output.append(line)
        duration = time.perf_counter() - started
        try:
            measures = parse_measures(_read(str(measures_file)))
        except (ValueError, TypeError) as error:
            measures, reason = (), f"mesures illisibles ({error})"
        else:
            reason = "aucune mesure enregistrée" if not measures else ""
    if process.returncode != 0:
        reason = "le banc s'est arrêté en erreur"
    return replace(
        base,
        status=RunStatus.FAILED if reason else RunStatus.MEASURED,
        duration_s=duration,
        reason=reason,
        exit_code=process.returncode,
        output="".join(output),
        measures=measures,
    )


def _names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"bancs inconnus : {', '.join(unknown)} (bancs : {', '.join(NAMES)})")
    return names


def parser() -> argparse.ArgumentParser:
    described = "\n".join(f"  {b.name:<18}{b.title}{' (root)' if b.root else ''}" for b in BENCHES)
    result = argparse.ArgumentParser(
        description="Lance les bancs de mesure d'audit-ti et écrit bench/RESULTS.md (les chiffres de cette "
        "machine ; les bancs n'affirment rien).",
        epilog=f"bancs :\n{described}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    result.add_argument(
        "--seulement",
        type=_names,
        metavar="NOM[,NOM]",
        help="ne relancer que ces bancs ; les mesures enregistrées des autres sont gardées",
    )
    result.add_argument(
        "--repetitions", type=int, default=None, metavar="N", help="mesures par banc (médiane ; défaut : 3)"
    )
    result.add_argument(
        "--rapide", action="store_true", help="pour essayer : une mesure, flotte de 200 seulement, 2 cas d'usage"
    )
    result.add_argument(
        "--resultats", type=Path, default=RESULTS, metavar="FICHIER", help="fichier Markdown écrit (bench/RESULTS.md)"
    )
    result.add_argument(
        "--json", type=Path, default=STORED, metavar="FICHIER", help="mesures brutes gardées (bench/resultats.json)"
    )
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    repetitions = args.repetitions or (1 if args.rapide else 3)
    if repetitions < 1:
        parser().error("--repetitions : au moins 1")
    selected = [bench for bench in BENCHES if args.seulement is None or bench.name in args.seulement]
    system, load, revision = machine(), load_average(), commit()
    machine_line = describe(system)
    generated_at = datetime.now(UTC)
    fresh = [run_bench(bench, repetitions, args.rapide, machine_line, revision) for bench in selected]
    runs = merge(load_runs(args.json) if args.seulement else {}, fresh, NAMES)
    save_runs(args.json, runs)
    text = markdown(runs, generated_at=generated_at, commit=revision, machine=system, load=load)
    args.resultats.write_text(text, encoding="utf-8")
    failed = [run.name for run in fresh if run.status is RunStatus.FAILED]
    skipped = [run.name for run in fresh if run.status is RunStatus.NOT_MEASURED]
    print(f"\n{args.resultats} écrit ({len(fresh)} banc(s) lancé(s)).")
    if skipped:
        print(f"non mesurés (root requis) : {', '.join(skipped)}")
    if failed:
        print(f"bancs en échec : {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
