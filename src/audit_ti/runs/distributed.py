"""``audit-ti lancer --dask``: each use case's suite is one task of a Dask distributed cluster.

Imported only when ``--dask`` is given: Dask is an optional extra (``pip install 'audit-ti[echelle]'``).
Every path a task reads or writes (audits, grilles, notebooks, offline scans, the reports folder)
is made absolute here and must be the same on every worker: a folder all machines share (NFS or
the like), mounted at the same place.

A worker that dies mid-run leaves its run folder « en cours ». Dask would run the task again on
another worker; a claim file, created once per task with ``O_EXCL`` in the shared reports folder,
makes that second attempt return at once instead of starting a second run folder. The driver then
closes the dead run's folder as incomplete (exit code 3) with the reason in French, and the other
use cases go on.
"""

from __future__ import annotations

import json
import os
import queue as queues
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

from audit_ti.errors import AuditTiError, ExitCode, InvalidInputError, Problem, ToolMissingError
from audit_ti.runs.folder import RunFolder, case_name
from audit_ti.runs.manifest import RunStatus, StepStatus
from audit_ti.runs.suite import ProgressCallback, SuiteOutcome, SuiteSettings, safe_suite, write_synthesis
from audit_ti.runs.writes import atomic_write

__all__ = ["CLAIMS_DIR", "LOCAL", "LOCAL_CONFIG", "run_on_dask"]

#: ``--dask local``: a cluster of worker processes on this machine, on the loopback only.
LOCAL = "local"
#: Under the reports folder (shared by the workers): one claim file per task, removed at the end.
CLAIMS_DIR = ".audit-ti-dask"
_INSTALL = (
    "Dask n'est pas installé : installez l'extra « echelle » (pip install 'audit-ti[echelle]', "
    "ou make installer dans le dépôt), ou menez les cas d'usage sans Dask avec --jobs."
)
_CONNECT_TIMEOUT = "20s"
#: Dask settings of ``--dask local`` (docs/echelle.md gives them for workers started by hand).
LOCAL_CONFIG = {
    # One use case at a time per worker: a task of minutes must not wait behind another on a busy
    # worker while one is idle (Dask sends ceil(1.1 × threads) tasks to a worker by default).
    "distributed.scheduler.worker-saturation": 1.0,
    # A worker samples its task's stack every 10 ms and checks its event loop every 20 ms, taking
    # the interpreter from the task each time: measured on 8 use cases, 2.7 s more per use case.
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
}


def _absolute(settings: SuiteSettings) -> SuiteSettings:
    """The same settings with absolute paths: a worker does not run in the driver's folder."""
    offline = settings.offline_scan.absolute() if settings.offline_scan is not None else None
    return replace(
        settings,
        reports_dir=settings.reports_dir.absolute(),
        grilles_dir=settings.grilles_dir.absolute(),
        notebooks_dir=settings.notebooks_dir.absolute(),
        offline_scan=offline,
    )


def _task(audit: Path, settings: SuiteSettings, claim: Path, topic: str) -> SuiteOutcome | None:
    """One use case on a worker; None when an earlier attempt of the same task died with its worker."""
    from distributed import get_worker

    try:
        os.close(os.open(claim, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
    except FileExistsError:
        return None
    worker = get_worker()
    where = {"travailleur": str(worker.address), "pid": os.getpid()}
    atomic_write(claim, json.dumps(where).encode("utf-8"))

    def say(case: str, what: str, state: str) -> None:
        worker.log_event(topic, [case, what, state])

    def started(root: Path) -> None:
        atomic_write(claim, json.dumps({**where, "dossier": str(root)}).encode("utf-8"))

    return safe_suite(audit, settings, say, started)


def _claim_of(claim: Path) -> dict[str, Any]:
    try:
        data = json.loads(claim.read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _lost(audit: Path, claim: Path, cause: str, progress: ProgressCallback | None) -> SuiteOutcome:
    """The outcome of a task whose worker was lost: its run folder, if it had one, closed as incomplete."""
    where = _claim_of(claim)
    worker = f" ({where['travailleur']}, processus {where['pid']})" if "travailleur" in where else ""
    reason = f"{cause}{worker} : le cas d'usage n'est pas allé au bout"
    if progress is not None:
        progress(case_name(audit), "travailleur Dask", "echec")
    root = Path(where["dossier"]) if "dossier" in where else None
    if root is None:
        problem = Problem(f"{reason} ; aucun dossier créé", audit)
        return SuiteOutcome(audit, ExitCode.INCOMPLETE_RUN, problems=(problem,))
    try:
        folder = RunFolder.reopen(root)
        if folder.manifest.finished_at is not None:  # it died after closing its run: the run's own end stands
            return SuiteOutcome(audit, ExitCode(folder.manifest.exit_code or 0), root)
        folder.record("travailleur perdu", StepStatus.FAILED, reason)
        folder.finish(RunStatus.INCOMPLETE, int(ExitCode.INCOMPLETE_RUN))
        if (root / "synthese.json").exists():  # it said « complet » while the run went on
            write_synthesis(folder)
    except AuditTiError as error:
        reason = f"{reason} ; dossier {root} non refermé : {error}"
    return SuiteOutcome(audit, ExitCode.INCOMPLETE_RUN, root, missing=(reason,))


@contextmanager
def _client(address: str, workers: int) -> Iterator[Any]:
    """A client of the scheduler at ``address``, or of a new local cluster on the loopback."""
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise ToolMissingError(_INSTALL) from None
    if address == LOCAL:
        with dask.config.set(LOCAL_CONFIG):
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",  # health and metrics only, on a free loopback port
            )
        with cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(address, timeout=_CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as error:
        raise InvalidInputError(
            Problem(f"--dask : impossible de joindre l'ordonnanceur Dask {address} ({error or type(error).__name__})")
        ) from None
    with client:
        yield client


def _drain(events: queues.SimpleQueue[Any], progress: ProgressCallback | None, timeout: float) -> None:
    while True:
        try:
            _stamp, (case, what, state) = events.get(timeout=timeout) if timeout else events.get_nowait()
        except queues.Empty:
            return
        if progress is not None:
            progress(str(case), str(what), str(state))
        timeout = 0


def run_on_dask(
    address: str,
    audits: Sequence[Path],
    settings: Sequence[SuiteSettings],
    jobs: int,
    progress: ProgressCallback | None = None,
) -> list[SuiteOutcome]:
    """Each use case as one Dask task; outcomes in the order of ``audits``, a lost worker's case at exit 3.

    Args:
        address: the scheduler (``tcp://hôte:8786``) or ``local``.
        jobs: the number of workers of a local cluster (at least 2 there; the cores when ``jobs`` is 1).

    Raises:
        ToolMissingError: Dask is not installed.
        InvalidInputError: the scheduler cannot be reached.
    """
    each = [_absolute(one) for one in settings]
    token = uuid.uuid4().hex
    claims = (each[0].reports_dir if each else Path.cwd()) / CLAIMS_DIR / token
    workers = jobs if jobs > 1 else max(2, os.cpu_count() or 2)
    with _client(address, min(workers, max(len(audits), 1))) as client:
        claims.mkdir(parents=True, exist_ok=True)
        try:
            audits = [audit.absolute() for audit in audits]
            return _run(client, audits=audits, each=each, claims=claims, token=token, progress=progress)
        finally:
            shutil.rmtree(claims, ignore_errors=True)
            with suppress(OSError):
                claims.parent.rmdir()  # only when no other run of the same folder uses it


def _run(
    client: Any,
    *,
    audits: Sequence[Path],
    each: list[SuiteSettings],
    claims: Path,
    token: str,
    progress: ProgressCallback | None,
) -> list[SuiteOutcome]:
    topic = f"audit-ti-progression-{token}"
    events: queues.SimpleQueue[Any] = queues.SimpleQueue()
    client.subscribe_topic(topic, events.put)
    futures = [
        client.submit(
            _task, audit, one, claims / f"{index:04d}", topic, key=f"audit-ti-{case_name(audit)}-{token}-{index}"
        )
        for index, (audit, one) in enumerate(zip(audits, each, strict=True))
    ]
    try:
        while not all(future.done() for future in futures):
            _drain(events, progress, timeout=0.2)
        time.sleep(0.2)  # the last progress events travel through the scheduler
        _drain(events, progress, timeout=0)
    finally:
        client.unsubscribe_topic(topic)
    outcomes = []
    for index, (audit, future) in enumerate(zip(audits, futures, strict=True)):
        claim = claims / f"{index:04d}"
        if future.status != "finished":
            error = future.exception() if future.status == "error" else None
            cause = "le travailleur Dask qui menait ce cas d'usage a été perdu"
            if error is not None and type(error).__name__ != "KilledWorker":
                cause = f"la tâche Dask a échoué ({type(error).__name__} : {error})"
            outcomes.append(_lost(audit, claim, cause, progress))
            continue
        outcome = future.result()
        if outcome is None:
            outcome = _lost(audit, claim, "le travailleur Dask qui menait ce cas d'usage a été perdu", progress)
        outcomes.append(outcome)
    return outcomes
