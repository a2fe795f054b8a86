"""Start nmap through python-nmap, after the guards, and keep what it printed even when cut short.

Several gateways go to one nmap run (nmap parallelises hosts itself); a few runs may go side by
side. python-nmap captures the XML on stdout; nmap's normal output goes to a file we read while
it runs, to follow the progress host by host. If nmap is killed or we are interrupted, python-nmap
still hands over the XML written so far.
"""

from __future__ import annotations

import os
import shlex
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import nmap

from audit_ti.errors import ToolMissingError
from audit_ti.scan.nmap_errors import french_nmap_messages
from audit_ti.scan.scope import check_loopback_only

__all__ = [
    "InterruptedScan",
    "NmapRun",
    "RunCallback",
    "RunRequest",
    "child_pids",
    "nmap_version",
    "run_nmap",
    "run_requests",
]

#: Path of the nmap program, when it is not the one found on the PATH.
NMAP_ENV = "AUDIT_TI_NMAP"
_DEFAULT_SEARCH = ("nmap", "/usr/bin/nmap", "/usr/local/bin/nmap")
_POLL_SECONDS = 0.3
_REPORT_PREFIX = "Nmap scan report for "
_TIMEOUT_PREFIX = "Skipping host "


@dataclass(frozen=True)
class RunRequest:
    """One nmap run to make.

    Attributes:
        label: short name used for the evidence files (``scan-1``, ``decouverte``).
        targets: addresses only, already accepted by the scope guard.
        arguments: nmap options (no output option: the runner adds its own).
    """

    label: str
    targets: tuple[str, ...]
    arguments: tuple[str, ...]
    #: Seconds the whole run may take before it is stopped (its partial XML kept); None: no limit.
    timeout_s: float | None = None


@dataclass(frozen=True)
class NmapRun:
    """What one nmap run gave back.

    Attributes:
        xml: the XML nmap wrote, complete or cut short (empty if nothing came).
        interrupted: True when nmap did not finish on its own (killed, or we stopped it).
        error: French explanation when something went wrong.
    """

    request: RunRequest
    xml: str
    interrupted: bool
    error: str
    started_at: datetime
    finished_at: datetime
    command: str


HostCallback = Callable[[str, str], None]
#: Called in the caller's thread as each run ends (its evidence can be kept at once).
RunCallback = Callable[[NmapRun], None]


def _scanner() -> nmap.PortScanner:
    """A python-nmap scanner (it runs ``nmap -V`` at once).

    Raises:
        ToolMissingError: nmap is not installed (or not where ``AUDIT_TI_NMAP`` says).
    """
    chosen = os.environ.get(NMAP_ENV)
    try:
        return nmap.PortScanner(nmap_search_path=(chosen,) if chosen else _DEFAULT_SEARCH)
    except nmap.PortScannerError:
        where = f" à l'emplacement indiqué par {NMAP_ENV} ({chosen})" if chosen else ""
        raise ToolMissingError(
            f"nmap est introuvable{where} : installez-le (« make demo » le fait, ou « apt-get install nmap »)"
        ) from None


def nmap_version() -> str:
    """The installed nmap's version.

    Raises:
        ToolMissingError: nmap is not installed.
    """
    major, minor = _scanner().nmap_version()
    return f"{major}.{minor}"


def run_nmap(targets: Sequence[str], arguments: Sequence[str]) -> str:
    """Run nmap once on ``targets`` and return its XML (the loopback-only guard is checked first).

    Raises:
        ScopeError: a target is refused by the loopback-only guard; nmap is never started.
        ToolMissingError: nmap is not installed.
    """
    check_loopback_only(targets)
    scanner = _scanner()
    scanner.scan(hosts=" ".join(targets), arguments=shlex.join(arguments))
    return _text(scanner.get_nmap_last_output())


def _text(output: bytes | str | None) -> str:
    if output is None:
        return ""
    return output.decode("utf-8", errors="replace") if isinstance(output, bytes) else output


@dataclass
class _Progress:
    """Follows nmap's normal output file to see hosts finish."""

    path: Path
    on_host: HostCallback
    position: int = 0
    seen: set[str] = field(default_factory=set)

    def poll(self) -> None:
        try:
            with self.path.open("r", encoding="utf-8", errors="replace") as handle:
                handle.seek(self.position)
                chunk = handle.read()
        except FileNotFoundError:
            return
        complete, _, _ = chunk.rpartition("\n")
        self.position += len(complete.encode("utf-8")) + (1 if complete else 0)
        for line in complete.splitlines():
            if line.startswith(_REPORT_PREFIX):
                self._report(line.removeprefix(_REPORT_PREFIX).strip(), "termine")
            elif line.startswith(_TIMEOUT_PREFIX) and "timeout" in line:
                self._report(line.removeprefix(_TIMEOUT_PREFIX).split()[0], "delai_depasse")

    def _report(self, address: str, outcome: str) -> None:
        if address not in self.seen:
            self.seen.add(address)
            self.on_host(address, outcome)


def _run_one(request: RunRequest, progress_file: Path, begun: dict[str, float]) -> NmapRun:
    begun[request.label] = time.monotonic()
    started = datetime.now(UTC)
    arguments = [*request.arguments, "-oN", str(progress_file)]
    command = shlex.join(["nmap", "-oX", "-", *request.targets, *arguments])
    scanner = _scanner()
    error = ""
    interrupted = False
    try:
        result = scanner.scan(hosts=" ".join(request.targets), arguments=shlex.join(arguments))
        error = french_nmap_messages(result.get("nmap", {}).get("scaninfo", {}).get("error"))
    except nmap.PortScannerError as failure:
        # The XML could not be parsed: nmap stopped before writing its end.
        interrupted = True
        error = french_nmap_messages(str(failure))[:500] or "nmap s'est arrêté sans finir sa sortie XML"
    except (AttributeError, KeyError, TypeError, ValueError) as failure:
        # python-nmap trips on XML it does not expect; audit-ti reads the XML itself, which is kept.
        error = f"python-nmap n'a pas su lire la sortie de nmap ({type(failure).__name__}) : elle est lue par audit-ti"
    xml = _text(scanner.get_nmap_last_output())
    if xml and "</nmaprun>" not in xml:
        interrupted = True
    return NmapRun(request, xml, interrupted, error, started, datetime.now(UTC), command)


def run_requests(
    requests: Sequence[RunRequest],
    workdir: Path,
    on_host: HostCallback,
    max_parallel: int = 2,
    on_run: RunCallback | None = None,
) -> list[NmapRun]:
    """Run every request (a few at a time), reporting each host as nmap finishes it and each run as it ends.

    A run that outlives its ``timeout_s`` is stopped: its partial output is kept and it is marked
    interrupted, the other runs go on. On Ctrl-C, the runs not yet started are dropped, the nmap
    processes are stopped and their partial output is still returned; the caller then marks the
    run incomplete.

    Raises:
        ScopeError: a target is refused by the loopback-only guard (checked for every request first).
        ToolMissingError: nmap is not installed.
    """
    for request in requests:
        check_loopback_only(request.targets)
    nmap_version()
    workdir.mkdir(parents=True, exist_ok=True)
    progress = [_Progress(workdir / f".progression-{request.label}.nmap", on_host) for request in requests]
    begun: dict[str, float] = {}
    watch = _Watch(requests, progress, begun, on_run)
    with ThreadPoolExecutor(max_workers=max(1, max_parallel), thread_name_prefix="nmap") as pool:
        futures: list[Future[NmapRun]] = [
            pool.submit(_run_one, request, tracker.path, begun)
            for request, tracker in zip(requests, progress, strict=True)
        ]
        try:
            while not all(future.done() for future in futures):
                watch.poll(futures)
                time.sleep(_POLL_SECONDS)
            watch.poll(futures)
        except KeyboardInterrupt:
            for future in futures:
                future.cancel()
            while not all(future.done() for future in futures):
                _stop_children()
                time.sleep(_POLL_SECONDS)
            runs = [watch.result(future) for future in futures if not future.cancelled()]
            raise InterruptedScan(runs) from None
        finally:
            # nmap's normal output only serves the progress display; it may quote captured MQTT
            # values, which the evidence masks: it does not outlive the run.
            for tracker in progress:
                tracker.path.unlink(missing_ok=True)
    return [watch.result(future) for future in futures]


@dataclass
class _Watch:
    """Follows the runs from the caller's thread: hosts done, runs ended, runs past their time."""

    requests: Sequence[RunRequest]
    progress: list[_Progress]
    begun: dict[str, float]
    on_run: RunCallback | None
    reported: set[int] = field(default_factory=set)
    stopped: set[str] = field(default_factory=set)

    def poll(self, futures: list[Future[NmapRun]]) -> None:
        for tracker in self.progress:
            tracker.poll()
        now = time.monotonic()
        for index, (request, future, tracker) in enumerate(zip(self.requests, futures, self.progress, strict=True)):
            if future.done():
                if index not in self.reported and not future.cancelled():
                    self.reported.add(index)
                    if self.on_run is not None:
                        self.on_run(self.result(future))
                continue
            started = self.begun.get(request.label)
            limit = request.timeout_s
            if (
                limit is not None
                and started is not None
                and now - started > limit
                and request.label not in self.stopped
            ):
                self.stopped.add(request.label)
                _stop_run(tracker.path)

    def result(self, future: Future[NmapRun]) -> NmapRun:
        run = future.result()
        if run.request.label not in self.stopped:
            return run
        said = f"délai du lot dépassé ({run.request.timeout_s:.0f} s) : nmap arrêté, hôtes non terminés incomplets"
        return replace(run, interrupted=True, error="; ".join(part for part in (said, run.error) if part))


class InterruptedScan(Exception):
    """The user interrupted the scan; ``runs`` holds what nmap had written."""

    def __init__(self, runs: list[NmapRun]) -> None:
        super().__init__("scan interrompu")
        self.runs = runs


def _stop_run(progress_file: Path) -> None:
    """Stop the one nmap process of this process that writes ``progress_file`` (its own run)."""
    marker = str(progress_file).encode()
    for pid in child_pids(os.getpid(), "nmap"):
        try:
            if marker in Path(f"/proc/{pid}/cmdline").read_bytes():
                os.kill(pid, signal.SIGTERM)
        except (OSError, ProcessLookupError):
            continue


def _stop_children() -> None:
    """Stop the nmap processes this process started (and only those)."""
    for pid in child_pids(os.getpid(), "nmap"):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue


def child_pids(parent: int, name: str) -> list[int]:
    """Children of ``parent`` whose program is ``name`` (as /proc/PID/comm shows it)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if int(fields[1]) == parent and comm == name:
            children.append(int(entry.name))
    return children
