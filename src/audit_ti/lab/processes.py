"""Starting and stopping the lab's daemons, by their own pids, never by name.

A pid file records each daemon's pid *and* its start time, so that a pid reused by an unrelated
process is never signalled. Every process the lab starts also carries ``AUDIT_TI_LAB_ID=<run id>``
in its environment (inherited by what it forks), and names the state folder on its command line:
stopping signals the recorded daemons, every process bearing those marks, and their children,
which cleans up even after a crash that lost the pid files.
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
    "LabSignature",
    "MemoryUsage",
    "ProcessRecord",
    "descendants",
    "is_running",
    "lab_pids",
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


@dataclass(frozen=True)
class LabSignature:
    """How to recognise the processes of one lab run without their pid files.

    A process belongs to the run when its environment carries the run id, or when it runs one
    of the lab's programs with the state folder on its command line: sshd rewrites the memory
    that /proc shows as its environment (to set its process title), but its title keeps the
    path of its configuration file.

    Attributes:
        run_id: the run's id, as in ``AUDIT_TI_LAB_ID``.
        folder: the state folder.
        programs: resolved paths of the programs the lab started.
    """

    run_id: str
    folder: Path
    programs: frozenset[str]

    def matches(self, pid: int) -> bool:
        """True when the process belongs to this run."""
        entry = _PROC / str(pid)
        try:
            if f"{RUN_ID_ENV}={self.run_id}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                return True
            executable = str((entry / "exe").readlink())
            command_line = (entry / "cmdline").read_bytes()
        except OSError:
            return False
        return executable in self.programs and f"{self.folder}/".encode() in command_line


def _all_pids() -> list[int]:
    return [int(entry.name) for entry in _PROC.iterdir() if entry.name.isdigit()]


def _parents() -> dict[int, int]:
    """Pid → parent pid, for every process."""
    parents = {}
    for pid in _all_pids():
        fields = _stat_fields(pid)
        if fields is not None:
            parents[pid] = int(fields[1])
    return parents


def descendants(roots: Iterable[int]) -> set[int]:
    """Every process below ``roots`` in the process tree (sshd's per-connection processes…)."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    found: set[int] = set()
    stack = list(roots)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def lab_pids(records: Sequence[ProcessRecord], signature: LabSignature | None) -> set[int]:
    """Live processes of a lab: recorded daemons, processes matching its signature, their children."""
    roots = {record.pid for record in records if is_running(record)}
    if signature is not None:
        roots |= {pid for pid in _all_pids() if signature.matches(pid) and start_ticks(pid) is not None}
    return roots | {pid for pid in descendants(roots) if start_ticks(pid) is not None}


def _signal(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _wait_gone(targets: dict[int, int], timeout: float) -> dict[int, int]:
    """Wait until no target (pid → start ticks) runs; returns those still running."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = {pid: ticks for pid, ticks in targets.items() if start_ticks(pid) == ticks}
        if not remaining or time.monotonic() >= deadline:
            return remaining
        time.sleep(0.05)


def terminate(records: Sequence[ProcessRecord], signature: LabSignature | None, grace: float = 5.0) -> list[int]:
    """Stop every process of a lab (see ``lab_pids``): SIGTERM, then SIGKILL after ``grace`` s.

    Each process is identified by its pid *and* start time when it is chosen, so a pid reused
    meanwhile is never signalled. Returns the pids that survived (empty when all stopped).
    """
    targets: dict[int, int] = {}

    def collect() -> None:
        # Children are collected while their parents live: orphans leave the process tree.
        for pid in lab_pids(records, signature):
            ticks = start_ticks(pid)
            if ticks is not None:
                targets.setdefault(pid, ticks)

    collect()
    for pid in targets:
        _signal(pid, signal.SIGTERM)
    _wait_gone(targets, grace)
    collect()  # a connection accepted during shutdown forked a child
    remaining = _wait_gone(targets, 0)
    for pid in remaining:
        _signal(pid, signal.SIGKILL)
    return sorted(_wait_gone(remaining, 2.0))


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
