"""Starting and stopping the lab's daemons, by their own pids, never by name.

Every process the lab starts carries ``AUDIT_TI_LAB_ID=<run id>`` in its environment, and so do
the children it forks (sshd's per-connection processes, telnetd's login scripts). A pid file
records each daemon's pid *and* its start time, so that a pid reused by an unrelated process is
never signalled. Stopping signals the recorded daemons, then every process still carrying the run
id, which cleans up even after a crash that lost pid files.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "RUN_ID_ENV",
    "MemoryUsage",
    "ProcessRecord",
    "is_running",
    "marked_pids",
    "memory_usage",
    "read_records",
    "spawn",
    "start_ticks",
    "terminate",
]

#: Environment variable marking every process of one lab run.
RUN_ID_ENV = "AUDIT_TI_LAB_ID"

_PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessRecord:
    """A daemon the lab started: its name, pid and kernel start time (clock ticks since boot)."""

    name: str
    pid: int
    start_ticks: int

    def to_json(self) -> str:
        """The pid file's content."""
        return json.dumps({"nom": self.name, "pid": self.pid, "debut": self.start_ticks}) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ProcessRecord:
        """Read a pid file's content.

        Raises:
            ValueError: the content is not a pid record.
        """
        data = json.loads(text)
        try:
            return cls(str(data["nom"]), int(data["pid"]), int(data["debut"]))
        except (KeyError, TypeError) as error:
            raise ValueError(f"fiche de processus incomplète : {error}") from None


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    return text[text.rindex(")") + 2 :].split()


def _reap(pid: int) -> None:
    """Collect the exit status of a child of this process (the pytest fixture's case)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def start_ticks(pid: int) -> int | None:
    """When the process started (clock ticks after boot), or None if it is gone or a zombie."""
    _reap(pid)
    fields = _stat_fields(pid)
    if fields is None or fields[0] in {"Z", "X"}:
        return None
    return int(fields[19])  # field 22 of /proc/PID/stat; fields[0] is field 3


def is_running(record: ProcessRecord) -> bool:
    """True when the recorded process is alive and is the one the lab started."""
    return start_ticks(record.pid) == record.start_ticks


def spawn(
    name: str,
    argv: Sequence[str],
    environment: Mapping[str, str],
    log_path: Path,
    pid_file: Path,
) -> ProcessRecord:
    """Start a daemon in its own session, output to ``log_path``; write its pid file at once."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
    pid = os.posix_spawn(
        argv[0],
        list(argv),
        dict(environment),
        file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, str(log_path), flags, 0o600),
            (os.POSIX_SPAWN_DUP2, 1, 2),
        ],
        # Its own session and process group: no terminal signal of the caller reaches it.
        setsid=True,
    )
    record = ProcessRecord(name, pid, start_ticks(pid) or 0)
    pid_file.write_text(record.to_json(), encoding="utf-8")
    return record


def read_records(pids_dir: Path) -> list[ProcessRecord]:
    """Every readable pid file of the folder (unreadable ones are skipped: the sweep covers them)."""
    records = []
    for path in sorted(pids_dir.glob("*.pid")):
        try:
            records.append(ProcessRecord.from_json(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return records


def marked_pids(run_id: str) -> list[int]:
    """Pids of the live processes whose environment carries this lab run's id."""
    needle = f"{RUN_ID_ENV}={run_id}".encode()
    found = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0") and start_ticks(int(entry.name)) is not None:
            found.append(int(entry.name))
    return sorted(found)


def _signal(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _alive(pids: Iterable[int], run_id: str, records: Mapping[int, ProcessRecord]) -> list[int]:
    """Which of ``pids`` are still this lab's processes."""
    alive = []
    marked: set[int] | None = None
    for pid in pids:
        record = records.get(pid)
        if record is not None:
            if is_running(record):
                alive.append(pid)
            continue
        if marked is None:
            marked = set(marked_pids(run_id))
        if pid in marked:
            alive.append(pid)
    return alive


def _wait_gone(
    pids: list[int], run_id: str, records: Mapping[int, ProcessRecord], timeout: float
) -> list[int]:
    deadline = time.monotonic() + timeout
    remaining = _alive(pids, run_id, records)
    while remaining and time.monotonic() < deadline:
        time.sleep(0.05)
        remaining = _alive(remaining, run_id, records)
    return remaining


def terminate(records: Sequence[ProcessRecord], run_id: str, grace: float = 5.0) -> list[int]:
    """Stop the recorded daemons and every process marked with ``run_id``.

    SIGTERM first, SIGKILL after ``grace`` seconds. Returns the pids that survived both (empty
    when everything stopped).
    """
    by_pid = {record.pid: record for record in records if is_running(record)}
    targets = sorted(set(by_pid) | set(marked_pids(run_id)))
    for pid in targets:
        _signal(pid, signal.SIGTERM)
    remaining = _wait_gone(targets, run_id, by_pid, grace)
    # Children forked meanwhile (a connection accepted during shutdown) carry the mark too.
    remaining = sorted(set(remaining) | set(marked_pids(run_id)))
    for pid in remaining:
        _signal(pid, signal.SIGKILL)
    return _wait_gone(remaining, run_id, by_pid, 2.0)


@dataclass(frozen=True)
class MemoryUsage:
    """Memory of a set of processes.

    Attributes:
        rss: sum of resident set sizes, in bytes (counts shared pages once per process).
        pss: sum of proportional set sizes, in bytes (shared pages split between their users).
    """

    rss: int
    pss: int


def _status_kib(path: Path, key: str) -> int:
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return 0
    for line in lines:
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def memory_usage(pids: Iterable[int]) -> MemoryUsage:
    """RSS and PSS summed over ``pids`` (from /proc; vanished processes count for nothing)."""
    rss = pss = 0
    for pid in pids:
        rss += _status_kib(_PROC / str(pid) / "status", "VmRSS")
        pss += _status_kib(_PROC / str(pid) / "smaps_rollup", "Pss")
    return MemoryUsage(rss * 1024, pss * 1024)
