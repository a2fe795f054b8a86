"""Signals the fault tests send to processes: to the very process meant, which may end first.

A pid alone can name a process that has already ended, or, once reused, another one. A pidfd
(Linux 5.3+) names one process for good: it is opened on a process the test identified by what
the test itself started (parent, program, command line, start time), and a signal sent through it
can only reach that process. If the process has ended in the meantime, the signal is not
delivered and the caller is told so, to check that outcome instead of crashing on
ProcessLookupError.
"""

from __future__ import annotations

import os
import select
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from audit_ti.lab.processes import ProcessRecord, start_ticks
from audit_ti.scan.runner import child_pids

__all__ = ["Process", "child_processes", "find_child", "hold_children", "open_record"]


@dataclass
class Process:
    """One process, held by a pidfd; close it (or use ``with``) when done."""

    pid: int
    fd: int

    def send(self, signum: signal.Signals) -> bool:
        """Send ``signum``; False when the process had already ended (nothing was signalled).

        An ended process that its parent has not reaped yet still takes a signal, as a no-op:
        hence the first check.
        """
        if self.ended():
            return False
        try:
            signal.pidfd_send_signal(self.fd, signum)
        except ProcessLookupError:
            return False
        return True

    def ended(self, seconds: float = 0) -> bool:
        """True once the process has ended, waiting up to ``seconds``."""
        readable, _, _ = select.select([self.fd], [], [], seconds)
        return bool(readable)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> Process:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _open(pid: int, ticks: int | None) -> Process | None:
    """A pidfd on ``pid`` if it still is the process that started at ``ticks``."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return None
    # Checked after opening: from now on the pid cannot be reused while the pidfd is open.
    if start_ticks(pid) != ticks:
        os.close(fd)
        return None
    return Process(pid, fd)


def _command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def child_processes(parent: int, name: str, *words: str) -> list[int]:
    """Children of ``parent`` running ``name`` whose command line holds every one of ``words``."""
    return [pid for pid in child_pids(parent, name) if set(words) <= set(_command_line(pid))]


def hold_children(parent: int, name: str, *words: str) -> list[Process]:
    """Hold the children of ``parent`` running ``name`` with every one of ``words`` on their command line."""
    held = []
    for pid in child_processes(parent, name, *words):
        process = _open(pid, start_ticks(pid))
        if process is None:
            continue
        # Checked again once held: still the child found, not a pid reused in between.
        if pid in child_processes(parent, name, *words):
            held.append(process)
        else:
            process.close()
    return held


def find_child(parent: int, name: str, *words: str, seconds: float = 30) -> Process:
    """Wait for a child of ``parent`` running ``name`` with ``words`` on its command line; hold it.

    Raises:
        AssertionError: no such process within ``seconds``.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = hold_children(parent, name, *words)
        if found:
            for other in found[1:]:
                other.close()
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"aucun processus « {name} {' '.join(words)} » n'a démarré")


def open_record(record: ProcessRecord) -> Process | None:
    """The lab daemon a pid file names, if it still runs (None when it has ended or its pid was reused)."""
    return _open(record.pid, record.start_ticks)
