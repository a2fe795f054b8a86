"""Starting and stopping labs of their own (on a spare block): nothing left behind, crashes handled."""

from __future__ import annotations

import json
import os
import signal
import socket
from pathlib import Path

import pytest

from audit_ti.lab import LAB_IPV6_ENV, Lab, LabLayout, Profile, ServiceKind, parse_network
from audit_ti.lab.probes import smb_negotiate
from audit_ti.lab.processes import LabSignature, ProcessRecord, is_running, lab_pids, read_records, start_ticks
from audit_ti.lab.sockets import bound_sockets
from tests.conftest import skip_without_ipv6
from tests.process_helpers import open_record

pytestmark = pytest.mark.lent


@pytest.fixture(autouse=True)
def _needs_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("démarrer le laboratoire demande root (ports inférieurs à 1024)")


def _sockets_in(block: str) -> list[str]:
    network = parse_network(block)
    return [f"{b.address}:{b.port}/{b.transport.value}" for b in bound_sockets() if b.address in network]


def _signature(folder: Path) -> LabSignature:
    """How to find the run's processes, read while it runs (the state file goes at stop)."""
    state = json.loads((folder / "etat.json").read_text(encoding="utf-8"))
    return LabSignature(state["identifiant"], folder, frozenset(state["programmes"]))


def _kill(record: ProcessRecord) -> None:
    """Kill the daemon a pid file names and wait for its end; one already ended is just as dead."""
    daemon = open_record(record)
    if daemon is None:  # ended first, or its pid reused: never signal another process
        assert not is_running(record)
        return
    with daemon:
        daemon.send(signal.SIGKILL)
        assert daemon.ended(seconds=5), f"{record.name} (pid {record.pid}) survit à SIGKILL"
    assert not is_running(record)  # reaps it too, when this process started it


def _start_and_stop(run_cli, spare_block: str, folder: Path) -> None:
    started = run_cli(
        "lab", "demarrer", "--reseau", spare_block, "--sans-ipv6", "--passerelles", "5", "--dossier", str(folder)
    )
    assert started.code == 0, started.err
    assert "35/35 service(s) en ligne" in started.out
    signature = _signature(folder)
    pids = Lab(folder).pids()
    assert len(pids) >= 10 and lab_pids([], signature) == set(pids)
    assert len(_sockets_in(spare_block)) == 35
    # A client still connected to smbd when the lab stops: its per-connection smbd goes too.
    smb = LabLayout.build(parse_network(spare_block)).reference(Profile.VULNERABLE)
    with socket.create_connection((str(smb.address), 445), timeout=5) as client:
        client.sendall(smb_negotiate("NT LM 0.12"))
        assert client.recv(4)
        assert len(Lab(folder).pids()) > len(pids)
        stopped = run_cli("lab", "arreter", "--dossier", str(folder))
    assert stopped.code == 0, stopped.err
    assert "Laboratoire arrêté" in stopped.out
    assert lab_pids([], signature) == set()
    assert all(start_ticks(pid) is None for pid in pids)
    assert _sockets_in(spare_block) == []
    assert not (folder / "etat.json").exists() and not list((folder / "pids").iterdir())


@pytest.mark.root
def test_start_and_stop_twice_leaves_no_process_and_no_port(run_cli, spare_block: str, tmp_path: Path) -> None:
    folder = tmp_path / "etat"
    try:
        for _ in range(2):
            _start_and_stop(run_cli, spare_block, folder)
    finally:
        Lab(folder).stop()

    state = run_cli("lab", "etat", "--dossier", str(folder))
    assert state.code == 3 and "Aucun laboratoire démarré" in state.out
    again = run_cli("lab", "arreter", "--dossier", str(folder))
    assert again.code == 0 and "Aucun laboratoire à arrêter" in again.out


@pytest.mark.root
def test_a_dead_daemon_shows_and_lost_pid_files_do_not_hide_the_others(
    run_cli, spare_block: str, tmp_path: Path
) -> None:
    folder = tmp_path / "etat"
    layout = LabLayout.build(parse_network(spare_block))
    Lab(folder, layout).start()
    try:
        signature = _signature(folder)
        (broker,) = [record for record in read_records(folder / "pids") if record.name == "mosquitto"]
        _kill(broker)

        state = run_cli("lab", "etat", "--dossier", str(folder))
        assert state.code == 3
        assert "✗ mosquitto" in state.out
        status = Lab(folder).status()
        down = {(e.gateway.name, e.service.kind) for e in status.endpoints if not e.up}
        assert down == {(g.name, s.kind) for g, s in layout.serving(ServiceKind.MQTT, ServiceKind.MQTTS)}

        # A crash that lost every pid file: the marks still find the daemons, sshd included.
        for pid_file in (folder / "pids").iterdir():
            pid_file.unlink()
        assert len(lab_pids([], signature)) >= 7
        assert Lab(folder).stop().was_running
        assert lab_pids([], signature) == set()
        assert _sockets_in(spare_block) == []
    finally:
        Lab(folder).stop()


@pytest.mark.root
def test_stale_pid_files_after_every_daemon_died_do_not_block_a_new_start(spare_block: str, tmp_path: Path) -> None:
    folder = tmp_path / "etat"
    layout = LabLayout.build(parse_network(spare_block))
    Lab(folder, layout).start()
    try:
        records = read_records(folder / "pids")
        for record in records:  # as after a reboot or an OOM kill
            _kill(record)
        assert (folder / "etat.json").exists() and read_records(folder / "pids")

        assert Lab(folder, layout).start().all_up
        assert {record.pid for record in read_records(folder / "pids")}.isdisjoint({r.pid for r in records})
    finally:
        Lab(folder).stop()
    assert _sockets_in(spare_block) == []


@pytest.mark.root
def test_a_second_lab_in_the_same_folder_is_refused(run_cli, spare_block: str, tmp_path: Path) -> None:
    folder = tmp_path / "etat"
    lab = Lab(folder, LabLayout.build(parse_network(spare_block)))
    lab.start()
    try:
        again = run_cli("lab", "demarrer", "--reseau", spare_block, "--sans-ipv6", "--dossier", str(folder))
        assert again.code == 2
        assert "un laboratoire tourne déjà" in again.err
        assert lab.status().all_up
    finally:
        lab.stop()


@pytest.mark.root
def test_a_busy_port_is_named_with_its_holder_and_nothing_starts(run_cli, spare_block: str, tmp_path: Path) -> None:
    hardened = LabLayout.build(parse_network(spare_block)).reference(Profile.HARDENED)
    folder = tmp_path / "etat"
    with socket.socket() as squatter:
        squatter.bind((str(hardened.address), 8883))
        squatter.listen()
        result = run_cli("lab", "demarrer", "--reseau", spare_block, "--sans-ipv6", "--dossier", str(folder))
    assert result.code == 2
    assert f"{hardened.address}:8883/tcp (passerelle-durcie-01, mqtts)" in result.err
    assert f"(pid {os.getpid()})" in result.err
    assert "rien n'a été démarré" in result.err
    assert not (folder / "etat.json").exists()
    assert _sockets_in(spare_block) == []


@pytest.mark.root
def test_a_second_ipv6_gateway_is_refused_with_its_holders_and_the_way_out(
    lab: Lab, run_cli, spare_block: str, tmp_path: Path
) -> None:
    """::1 is one address for every lab: the session lab holds it, a lab on another block cannot."""
    skip_without_ipv6(lab)
    folder = tmp_path / "etat"
    result = run_cli("lab", "demarrer", "--reseau", spare_block, "--ipv6", "--dossier", str(folder))
    assert result.code == 2
    flat = " ".join(result.err.split())
    for holder, port in (("sshd", 22), ("lighttpd", 443), ("mosquitto", 8883)):
        assert f"[::1]:{port}/tcp (passerelle-ipv6-01" in flat and f"« {holder} »" in flat
    assert "--sans-ipv6" in flat and f"{LAB_IPV6_ENV}=0" in flat
    assert "127." not in flat.split("rien n'a été démarré")[0], "les adresses IPv4 du bloc libre sont libres"
    assert not (folder / "etat.json").exists()
    assert _sockets_in(spare_block) == []


def test_without_root_the_lab_says_so_in_one_sentence(run_cli, spare_block: str, tmp_path: Path) -> None:
    # The effective uid really changes (the saved uid keeps root to come back): the check asks
    # the kernel, as for any user. Modules the command needs are loaded before, as a user's would be.
    import rich.progress  # noqa: F401

    import audit_ti.lab.lifecycle  # noqa: F401

    folder = tmp_path / "etat"
    os.seteuid(65534)
    try:
        result = run_cli("lab", "demarrer", "--reseau", spare_block, "--sans-ipv6", "--dossier", str(folder))
    finally:
        os.seteuid(0)
    assert result.code == 2
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "le laboratoire doit être démarré en root" in lines[0]
    assert "relancez la commande avec sudo" in lines[0]
    assert not folder.exists()
