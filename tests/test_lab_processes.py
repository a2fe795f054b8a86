"""Process records, stopping by pid (never a stranger's), sockets and port conflicts, with real processes."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit_ti.lab import IPV6_ADDRESS, LabGateway, LabLayout, Profile, Service, ServiceKind, parse_network
from audit_ti.lab.layout import Transport
from audit_ti.lab.processes import (
    RUN_ID_ENV,
    LabSignature,
    ProcessRecord,
    is_running,
    lab_pids,
    memory_usage,
    read_records,
    spawn,
    start_ticks,
    terminate,
)
from audit_ti.lab.sockets import bound_sockets, find_conflicts, process_name

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


def _signature(run_id: str, folder: Path, *programs: str) -> LabSignature:
    return LabSignature(run_id, folder, frozenset(os.path.realpath(program) for program in programs))


def test_a_spawned_daemon_is_recorded_marked_and_stopped(tmp_path: Path) -> None:
    record = _spawn_sleep(tmp_path, "dormeur", "essai-1")
    signature = _signature("essai-1", tmp_path)
    assert is_running(record)
    assert read_records(tmp_path) == [record]
    assert lab_pids([], signature) == {record.pid}, "la marque d'environnement suffit"
    assert os.getsid(record.pid) == record.pid, "chaque démon a sa propre session"
    assert terminate([record], signature, grace=5) == []
    assert not is_running(record)
    assert lab_pids([], signature) == set()


def test_children_are_found_by_mark_and_by_descent(tmp_path: Path) -> None:
    # sh starts a child, as sshd or telnetd do for each connection.
    record = _spawn_sleep(tmp_path, "parent", "essai-2", ["/bin/sh", "-c", f"{_SLEEP} 60 & wait"])
    deadline = time.monotonic() + 5
    while len(lab_pids([record], None)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    family = lab_pids([record], None)
    assert len(family) == 2 and record.pid in family
    assert lab_pids([], _signature("essai-2", tmp_path)) == family
    assert terminate([], _signature("essai-2", tmp_path), grace=5) == []
    assert all(start_ticks(pid) is None for pid in family)


def _wait_for_exec(pid: int, seconds: float = 5) -> None:
    """Wait until ``pid`` runs the program it was started with (its command line no longer Python's)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if b"python" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return
        time.sleep(0.01)


def test_a_lab_program_naming_the_state_folder_is_found_without_mark(tmp_path: Path) -> None:
    """sshd overwrites the environment /proc shows; its command line keeps its config path."""
    watched = tmp_path / "config" / "journal"
    watched.parent.mkdir()
    watched.touch()
    elsewhere = tmp_path.parent / f"{tmp_path.name}-ailleurs"
    elsewhere.touch()
    tail = "/usr/bin/tail"
    inside = subprocess.Popen([tail, "-f", str(watched)])
    outside = subprocess.Popen([tail, "-f", str(elsewhere)])
    viewer = subprocess.Popen([_SLEEP, "60", str(watched)], stderr=subprocess.DEVNULL)
    try:
        # Until exec, /proc shows the forked Python's command line, not tail's: wait for the programs.
        for process in (inside, outside, viewer):
            _wait_for_exec(process.pid)
        assert lab_pids([], _signature("sans-marque", tmp_path, tail)) == {inside.pid}
        # Another program reading the same file (an editor…) is not the lab's.
        assert viewer.pid not in lab_pids([], _signature("sans-marque", tmp_path, tail))
        assert lab_pids([], _signature("sans-marque", tmp_path)) == set()
    finally:
        for process in (inside, outside, viewer):
            process.kill()
            process.wait()
        elsewhere.unlink()


def test_a_reused_pid_is_never_signalled(stranger: subprocess.Popen[bytes]) -> None:
    ticks = start_ticks(stranger.pid)
    assert ticks is not None
    stale = ProcessRecord("ancien", stranger.pid, ticks - 1)  # same pid, another process
    assert not is_running(stale)
    assert terminate([stale], None, grace=0.5) == []
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


def test_conflicts_on_the_ipv6_loopback_are_found_with_an_ipv6_socket(unused_block: str) -> None:
    """A socket on [::1] clashes with the IPv6 gateway, not with the IPv4 address of the same port."""
    with socket.socket(socket.AF_INET6) as squatter:
        squatter.bind(("::1", 0))  # an ephemeral port: no other lab uses it
        squatter.listen()
        port = squatter.getsockname()[1]
        service = Service(ServiceKind.SSH, port, Transport.TCP, "essai")
        ipv6 = LabGateway("passerelle-ipv6-01", IPV6_ADDRESS, Profile.HARDENED, (service,))
        ipv4 = LabLayout.build(parse_network(unused_block)).reference(Profile.HARDENED)
        (conflict,) = find_conflicts([(ipv6, service), (ipv4, service)])
        assert conflict.gateway == ipv6
        assert conflict.reason == f"déjà occupé par « {process_name(os.getpid())} » (pid {os.getpid()})"
    assert find_conflicts([(ipv6, service)]) == []
