"""Process records, stopping by pid (never a stranger's), sockets and port conflicts, with real processes."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit_ti.lab import LabLayout, Profile, parse_network
from audit_ti.lab.layout import Transport
from audit_ti.lab.processes import (
    RUN_ID_ENV,
    ProcessRecord,
    is_running,
    marked_pids,
    memory_usage,
    read_records,
    spawn,
    start_ticks,
    terminate,
)
from audit_ti.lab.sockets import bound_sockets, find_conflicts

_SLEEP = "/bin/sleep"


@pytest.fixture
def stranger() -> Iterator[subprocess.Popen[bytes]]:
    """A process the lab did not start."""
    process = subprocess.Popen([_SLEEP, "60"])
    yield process
    process.kill()
    process.wait()


def _spawn_sleep(tmp_path: Path, name: str, run_id: str, argv: list[str] | None = None) -> ProcessRecord:
    return spawn(
        name,
        argv or [_SLEEP, "60"],
        {"PATH": "/usr/bin:/bin", RUN_ID_ENV: run_id},
        tmp_path / f"{name}.log",
        tmp_path / f"{name}.pid",
    )


def test_a_spawned_daemon_is_recorded_marked_and_stopped(tmp_path: Path) -> None:
    record = _spawn_sleep(tmp_path, "dormeur", "essai-1")
    assert is_running(record)
    assert read_records(tmp_path) == [record]
    assert marked_pids("essai-1") == [record.pid]
    assert os.getsid(record.pid) == record.pid, "chaque démon a sa propre session"
    assert terminate([record], "essai-1", grace=5) == []
    assert not is_running(record)
    assert marked_pids("essai-1") == []


def test_children_carrying_the_mark_are_stopped_too(tmp_path: Path) -> None:
    # sh starts a child, as sshd or telnetd do for each connection, then the record is lost.
    record = _spawn_sleep(tmp_path, "parent", "essai-2", ["/bin/sh", "-c", f"{_SLEEP} 60 & wait"])
    deadline = time.monotonic() + 5
    while len(marked_pids("essai-2")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    family = marked_pids("essai-2")
    assert len(family) == 2 and record.pid in family
    assert terminate([], "essai-2", grace=5) == []
    assert marked_pids("essai-2") == []


def test_a_reused_pid_is_never_signalled(stranger: subprocess.Popen[bytes]) -> None:
    ticks = start_ticks(stranger.pid)
    assert ticks is not None
    stale = ProcessRecord("ancien", stranger.pid, ticks - 1)  # same pid, another process
    assert not is_running(stale)
    assert terminate([stale], "aucun-processus-marque", grace=0.5) == []
    time.sleep(0.2)
    assert stranger.poll() is None, "un processus étranger au laboratoire a été arrêté"


def test_unreadable_pid_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "casse.pid").write_text("pas du json", encoding="utf-8")
    (tmp_path / "incomplet.pid").write_text('{"nom": "x"}', encoding="utf-8")
    good = ProcessRecord("bon", 123, 456)
    (tmp_path / "bon.pid").write_text(good.to_json(), encoding="utf-8")
    assert read_records(tmp_path) == [good]


def test_memory_of_live_processes(stranger: subprocess.Popen[bytes]) -> None:
    usage = memory_usage([os.getpid(), stranger.pid])
    assert usage.rss > 10 * 1024 * 1024  # this Python process alone
    assert 0 < usage.pss <= usage.rss
    assert memory_usage([2**22 + 12345]).rss == 0


def test_bound_sockets_and_conflicts_name_the_holder(unused_block: str) -> None:
    layout = LabLayout.build(parse_network(unused_block))
    hardened = layout.reference(Profile.HARDENED)
    with socket.socket() as listener, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        listener.bind((str(hardened.address), 8883))
        listener.listen()
        udp.bind((str(layout.reference(Profile.MEDIUM).address), 5683))
        found = {(s.transport, str(s.address), s.port) for s in bound_sockets()}
        assert (Transport.TCP, str(hardened.address), 8883) in found
        assert (Transport.UDP, str(layout.reference(Profile.MEDIUM).address), 5683) in found
        conflicts = find_conflicts(layout.endpoints())
    assert [(c.gateway.name, c.service.port) for c in conflicts] == [
        ("telereleve-eau-01", 5683),
        ("passerelle-durcie-01", 8883),
    ]
    assert f"(pid {os.getpid()})" in conflicts[0].reason
    assert find_conflicts(layout.endpoints()) == []
