"""Real nmap runs that go wrong: never reported as compliant, always leaving their run folder."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests import factories
from tests.conftest import ROOT
from tests.process_helpers import Process, find_child, hold_children

pytestmark = pytest.mark.nmap

#: The silent gateway; every nmap the tests look for has it on its command line.
ADDRESS = "127.0.40.1"

AUDIT = (
    factories.audit_head("Essai des pannes de scan", "127.0.40.0/24")
    + """
passerelles:
  - nom: passerelle-muette
    adresse: {address}
    modele: serveur qui accepte et ne répond jamais
    zone: laboratoire
    ports_attendus:
      - {port}/tcp
scan:
  ports: "{port}"
  delai_hote_secondes: {host_timeout}
  tentatives_max: 0
"""
)


class SilentServer:
    """Accepts TCP connections on a loopback address and never answers: nmap -sV waits on it."""

    def __init__(self, address: str) -> None:
        self.socket = socket.create_server((address, 0))
        self.port = self.socket.getsockname()[1]
        self.clients: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.socket.accept()
            except OSError:
                return
            self.clients.append(client)

    def close(self) -> None:
        self.socket.close()
        for client in self.clients:
            client.close()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer(ADDRESS)
    yield server
    server.close()


def write_audit(tmp_path: Path, address: str, port: int, host_timeout: int = 600) -> Path:
    path = tmp_path / "pannes.yaml"
    path.write_text(AUDIT.format(address=address, port=port, host_timeout=host_timeout), encoding="utf-8")
    return path


class Scanners:
    """The ``audit-ti scanner`` processes a test starts; any still running at the end is killed."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[str]] = []

    def start(
        self, audit: Path, reports: Path, *extra: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[str]:
        # A shell without job control starts background commands (`make test &` in a script) with
        # SIGINT ignored, which exec passes on and Python keeps: the scanner would never see the
        # user's Ctrl-C. A Python handler here becomes the default disposition in the child.
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            process = self._spawn(audit, reports, *extra, env=env)
        finally:
            if previous is not None:  # None: set outside Python, cannot be put back
                signal.signal(signal.SIGINT, previous)
        self.started.append(process)
        return process

    @staticmethod
    def _spawn(audit: Path, reports: Path, *extra: str, env: dict[str, str] | None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "audit_ti",
                "scanner",
                str(audit),
                "--rapports",
                str(reports),
                "--grilles",
                str(ROOT / "grilles"),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                # Its nmap first: the scanner killed alone would leave it running until its host timeout.
                for nmap in hold_children(process.pid, "nmap"):
                    with nmap:
                        nmap.send(signal.SIGKILL)
                process.kill()
            process.communicate()


StartScanner = Callable[..., subprocess.Popen[str]]


@pytest.fixture
def scanner() -> Iterator[StartScanner]:
    scanners = Scanners()
    yield scanners.start
    scanners.stop_all()


def scan_nmap(process: subprocess.Popen[str]) -> Process:
    """The nmap that scans the test's gateway, held once it has had time to start its XML.

    python-nmap also runs ``nmap -V`` (twice) as a child of the scanner, which ends at once: only
    the nmap with the gateway's address on its command line is the scan.
    """
    nmap = find_child(process.pid, "nmap", "-oX", ADDRESS)
    time.sleep(1.0)  # let nmap write the start of its XML
    return nmap


def run_folder(reports: Path) -> Path:
    [folder] = list((reports / "pannes").iterdir())
    return folder


def assert_never_compliant(folder: Path) -> list[dict[str, object]]:
    findings = json.loads((folder / "results" / "findings.json").read_text())
    network = [f for f in findings if f["cible"] == "passerelle-muette"]
    assert network
    assert all(f["statut"] == "erreur" for f in network), {f["statut"] for f in network}
    return network


def test_nmap_killed_half_way(tmp_path: Path, silent: SilentServer, scanner: StartScanner) -> None:
    process = scanner(write_audit(tmp_path, ADDRESS, silent.port), tmp_path / "rapports")
    with scan_nmap(process) as nmap:
        # Not delivered means nmap had ended first: -sV waits on a silent server far longer than
        # scan_nmap's second, so it died of something else, which must be reported as this kill.
        delivered = nmap.send(signal.SIGKILL)
        assert nmap.ended(seconds=10)
    _, err = process.communicate(timeout=120)
    context = f"signal {'remis' if delivered else 'non remis, nmap était déjà fini'} :\n{err}"
    assert process.returncode == 3, context
    assert "Traceback" not in err
    assert "incomplète" in err, context
    folder = run_folder(tmp_path / "rapports")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["statut"] == "incomplet" and manifest["code_sortie"] == 3
    evidence = folder / "evidence" / "nmap-scan-1.xml"
    assert evidence.exists() and "<nmaprun" in evidence.read_text()
    assert manifest["fichiers"]["evidence/nmap-scan-1.xml"]
    network = assert_never_compliant(folder)
    assert "scan interrompu" in str(network[0]["preuve"]), context


def test_interrupted_by_the_user(tmp_path: Path, silent: SilentServer, scanner: StartScanner) -> None:
    process = scanner(write_audit(tmp_path, ADDRESS, silent.port), tmp_path / "rapports")
    with scan_nmap(process) as nmap:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
        survived = not nmap.ended(seconds=10)
        if survived:
            nmap.send(signal.SIGKILL)
    assert not survived, "nmap tourne encore après l'interruption du scan"
    assert process.returncode == 3, err
    assert "Traceback" not in err
    folder = run_folder(tmp_path / "rapports")
    assert (folder / "evidence" / "nmap-scan-1.xml").exists()
    assert_never_compliant(folder)


def test_host_timeout(tmp_path: Path, silent: SilentServer, scanner: StartScanner) -> None:
    process = scanner(write_audit(tmp_path, ADDRESS, silent.port, host_timeout=10), tmp_path / "rapports")
    _, err = process.communicate(timeout=180)
    assert process.returncode == 3, err
    network = assert_never_compliant(run_folder(tmp_path / "rapports"))
    assert "délai dépassé" in str(network[0]["preuve"])


def test_missing_nmap_binary(tmp_path: Path, scanner: StartScanner) -> None:
    process = scanner(
        write_audit(tmp_path, ADDRESS, 9), tmp_path / "rapports", env={"AUDIT_TI_NMAP": str(tmp_path / "absent")}
    )
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "nmap est introuvable" in err and "Traceback" not in err
    manifest = json.loads((run_folder(tmp_path / "rapports") / "manifest.json").read_text())
    assert manifest["statut"] == "incomplet" and manifest["code_sortie"] == 2
    assert "nmap est introuvable" in manifest["etapes"][-1]["message"]


@pytest.mark.root
@pytest.mark.skipif(os.geteuid() != 0, reason="créer un espace de noms réseau exige root")
def test_gateway_that_cannot_be_reached(tmp_path: Path) -> None:
    # In a network namespace of our own with its loopback down, the gateway has no route at all.
    namespace = f"audit-ti-essai-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", namespace], check=True)
    try:
        completed = subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                namespace,
                sys.executable,
                "-m",
                "audit_ti",
                "scanner",
                str(write_audit(tmp_path, "127.0.40.9", 22)),
                "--rapports",
                str(tmp_path / "rapports"),
                "--grilles",
                str(ROOT / "grilles"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        subprocess.run(["ip", "netns", "del", namespace], check=False)
    assert completed.returncode == 3, completed.stderr
    assert "injoignable" in completed.stderr
    network = assert_never_compliant(run_folder(tmp_path / "rapports"))
    assert "injoignable" in str(network[0]["preuve"])
