"""``audit-ti lancer``: the whole suite for one use case, then for many in worker processes.

One use case: prepare the audit once, scan (or import a scan, or neither), assess the impact, run
the notebooks, render the reports, all in one run folder. An invalid audit stops before the
folder exists (exit 2); a failed notebook or an incomplete scan makes the use case exit 3 and its
reports say so at the top, and the other use cases still finish.
"""

from __future__ import annotations

import multiprocessing
import queue as queues
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from audit_ti.errors import AuditTiError, ExitCode, InvalidInputError, Problem
from audit_ti.report.history import progress_since
from audit_ti.report.synthesis import actions_csv, synthesis_json, synthesise
from audit_ti.report.views import load_run
from audit_ti.runs.audit import cyber_into, cyber_source
from audit_ti.runs.cyber import CyberOutcome, ScanSettings
from audit_ti.runs.folder import RunFolder, case_name
from audit_ti.runs.impact import impact_of, write_impact
from audit_ti.runs.notebooks import check_parameters, render_reports, run_notebooks
from audit_ti.validation.catalog import GrilleCatalog
from audit_ti.validation.prepare import BOTH, prepare_audit

__all__ = ["SuiteOutcome", "SuiteSettings", "run_suite", "run_suites", "safe_suite", "write_synthesis"]

#: Progress of a use case, as (case, notebook or step, state) in French.
ProgressCallback = Callable[[str, str, str], None]
#: Told the run folder's path as soon as it exists (the Dask driver needs it if the worker dies).
FolderCallback = Callable[[Path], None]


@dataclass(frozen=True)
class SuiteSettings:
    """How ``lancer`` runs each use case.

    Attributes:
        offline_scan: evaluate this nmap XML instead of scanning (``--hors-ligne``).
        skip_scan: no cyber evaluation at all (``--sans-scan``); the reports say it is missing.
    """

    reports_dir: Path = Path("rapports")
    grilles_dir: Path = Path("grilles")
    notebooks_dir: Path = Path("notebooks")
    offline_scan: Path | None = None
    skip_scan: bool = False
    scan: ScanSettings = field(default_factory=ScanSettings)
    pdf: bool = True


@dataclass(frozen=True)
class SuiteOutcome:
    """What the suite produced for one use case (picklable: it comes back from a worker process)."""

    audit: Path
    exit_code: ExitCode
    folder: Path | None = None
    reports: tuple[Path, ...] = ()
    problems: tuple[Problem, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def case(self) -> str:
        """The use case's name."""
        return case_name(self.audit)


def run_suite(
    audit_path: Path,
    settings: SuiteSettings,
    progress: ProgressCallback | None = None,
    started: FolderCallback | None = None,
) -> SuiteOutcome:
    """The whole suite for one use case, in one new run folder.

    Raises:
        InvalidInputError: the audit, a grille, a referential, a statistics file, the offline scan or a
            notebook's parameters are invalid (nothing sent, no run folder).
        ScopeError: a target is refused (nothing sent, no run folder).
    """
    say = progress or (lambda _case, _what, _state: None)
    case = case_name(audit_path)
    catalog = GrilleCatalog.with_builtin_checks(settings.grilles_dir)
    prepared = prepare_audit(audit_path, catalog, BOTH)
    check_parameters(settings.notebooks_dir)
    impact = impact_of(prepared)
    source = cyber_source(prepared, settings.scan, offline=settings.offline_scan, skip=settings.skip_scan)
    folder = RunFolder.create(settings.reports_dir, audit_path, evaluation_date=settings.scan.evaluation_date)
    with folder.guarded():
        if started is not None:
            started(folder.root)
        folder.name_use_case(prepared.audit.use_case.name)
        say(case, "scan", "en cours")
        cyber = cyber_into(folder, prepared, source, settings.scan)
        say(case, "scan", "termine")
        write_impact(folder, impact)
        codes = [cyber.exit_code if cyber is not None else ExitCode.INCOMPLETE_RUN, impact.exit_code]
        folder.settle(*codes)
        write_synthesis(folder)
        runs = run_notebooks(folder, audit_path, settings.notebooks_dir, lambda name, state: say(case, name, state))
        missing = _missing(cyber, [f"notebook {run.name} : {run.error}" for run in runs if not run.ok])
        say(case, "rapports", "en cours")
        reports = render_reports(folder, runs, prepared.audit.use_case.name, missing) if settings.pdf else []
        say(case, "rapports", "termine")
        codes += [ExitCode.INCOMPLETE_RUN for run in runs if not run.ok]
        folder.close(*codes)
    return SuiteOutcome(audit_path, max(codes), folder.root, tuple(reports), missing=tuple(missing))


def write_synthesis(folder: RunFolder) -> None:
    """``synthese.json`` (the verdicts, publishable as open data) and ``actions.csv`` beside the reports."""
    results = load_run(folder.root)
    synthesis = synthesise(results, progress_since(results))
    folder.write_file("synthese.json", synthesis_json(synthesis))
    folder.write_file("actions.csv", actions_csv(synthesis))


def _missing(cyber: CyberOutcome | None, failures: list[str]) -> list[str]:
    """What a reader must know is missing, in French, for the box at the top of each report."""
    missing = list(failures)
    if cyber is None:
        missing.insert(0, "aucune évaluation de cybersécurité (exécution lancée sans scan)")
    elif not cyber.evaluation.complete:
        missing[:0] = [f"cybersécurité : {reason}" for reason in cyber.evaluation.incomplete_reasons]
    return missing


def safe_suite(
    audit_path: Path,
    settings: SuiteSettings,
    progress: ProgressCallback | None,
    started: FolderCallback | None = None,
) -> SuiteOutcome:
    """One use case that never raises for its user's errors, so that it cannot stop the others."""
    try:
        return run_suite(audit_path, settings, progress, started)
    except InvalidInputError as error:
        return SuiteOutcome(audit_path, error.exit_code, problems=error.problems)
    except AuditTiError as error:
        return SuiteOutcome(audit_path, error.exit_code, problems=(Problem(str(error), audit_path),))


def _worker(audit_path: Path, settings: SuiteSettings, queue: Any) -> SuiteOutcome:
    """A worker process's task: its progress goes back to the parent through the queue."""
    return safe_suite(audit_path, settings, lambda case, what, state: queue.put((case, what, state)))


def run_suites(
    audits: Sequence[Path],
    settings: SuiteSettings,
    jobs: int = 1,
    progress: ProgressCallback | None = None,
    *,
    offline: Sequence[Path | None] | None = None,
    dask: str | None = None,
) -> list[SuiteOutcome]:
    """Every use case, ``jobs`` at a time in worker processes (kernels and nmap are processes anyway).

    Args:
        offline: the nmap XML to evaluate for each use case (None: scan it), in the order of ``audits``.
        dask: run each use case as one task of a Dask cluster instead: a scheduler's address
            (``tcp://hôte:8786``) or ``local`` (a cluster of ``jobs`` workers on this machine).

    Raises:
        ToolMissingError: ``dask`` is given but Dask is not installed (the ``echelle`` extra).
        InvalidInputError: the Dask scheduler cannot be reached.
    """
    scans = list(offline) if offline is not None else [settings.offline_scan] * len(audits)
    each = [replace(settings, offline_scan=scan) for scan in scans]
    if dask is not None:
        from audit_ti.runs.distributed import run_on_dask  # noqa: PLC0415 - Dask is an optional extra

        return run_on_dask(dask, list(audits), each, jobs, progress)
    if jobs <= 1 or len(audits) <= 1:
        return [safe_suite(audit, one, progress) for audit, one in zip(audits, each, strict=True)]
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        queue = manager.Queue()
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = [pool.submit(_worker, audit, one, queue) for audit, one in zip(audits, each, strict=True)]
            while not all(future.done() for future in futures):
                _drain(queue, progress, timeout=0.2)
            _drain(queue, progress, timeout=0)
            return [future.result() for future in futures]


def _drain(queue: Any, progress: ProgressCallback | None, timeout: float) -> None:
    while True:
        try:
            case, what, state = queue.get(timeout=timeout) if timeout else queue.get_nowait()
        except queues.Empty:
            return
        if progress is not None:
            progress(case, what, state)
        timeout = 0
