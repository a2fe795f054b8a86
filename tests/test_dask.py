"""``lancer --dask``: use cases as tasks of a real Dask cluster on the loopback, one worker killed mid-run."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from audit_ti.errors import ExitCode, ToolMissingError
from audit_ti.runs.cyber import ScanSettings
from audit_ti.runs.suite import run_suites
from audit_ti.runs.verify import verify_run
from tests.conftest import ROOT
from tests.suite_helpers import settings

AUDITS = ROOT / "audits"
REFERENCES = AUDITS / "references"
EXAMPLES = ("demo-lab", "eclairage-public", "stationnement", "telereleve-eau")
#: The use case whose worker is killed: submitted second, so it starts at once on the second worker.
VICTIM = "eclairage-public"
SCAN_DAY = date(2026, 12, 2)


def test_audit_ti_starts_without_dask() -> None:
    code = (
        "import sys, audit_ti.cli.main, audit_ti.runs.suite; "
        "sys.exit(1 if {'dask', 'distributed'} & set(sys.modules) else 0)"
    )
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    assert subprocess.run([sys.executable, "-c", code], env=environment, check=False).returncode == 0


def test_without_dask_the_option_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audit_ti.cli.main import main

    monkeypatch.setitem(sys.modules, "distributed", None)  # « import distributed » raises ImportError
    with pytest.raises(ToolMissingError, match=r"pip install 'audit-ti\[echelle\]'"):
        run_suites([AUDITS / "demo-lab.yaml"], settings(tmp_path, ROOT / "notebooks"), dask="local")
    reports = tmp_path / "cli"
    code = main(["lancer", "--dask", "local", str(AUDITS / "demo-lab.yaml"), "--sans-scan", "--rapports", str(reports)])
    assert code == ExitCode.INVALID_INPUT
    assert not reports.exists()  # nothing started


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.lent
def test_an_unreachable_scheduler_is_an_invalid_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed", reason="extra « echelle » absent (make installer l'installe)")
    from audit_ti.cli.main import main

    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    reports = tmp_path / "rapports"
    code = main(["lancer", "--dask", address, str(AUDITS / "demo-lab.yaml"), "--sans-scan", "--rapports", str(reports)])
    assert code == ExitCode.INVALID_INPUT
    assert "impossible de joindre l'ordonnanceur Dask" in capsys.readouterr().err
    assert not reports.exists()


@pytest.mark.lent
def test_lancer_on_a_local_cluster_from_relative_paths(
    tmp_path: Path, in_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("distributed", reason="extra « echelle » absent (make installer l'installe)")
    from audit_ti.cli.main import main
    from tests.test_suite import write_notebooks

    notebooks = write_notebooks(tmp_path / "nb")
    reports = tmp_path / "rapports"
    cases = ("demo-lab", "stationnement")
    args = [f"audits/{cas}.yaml" for cas in cases]
    args += [arg for cas in cases for arg in ("--hors-ligne", f"audits/references/{cas}.xml")]
    args += ["--notebooks", str(notebooks), "--rapports", str(reports), "--date", SCAN_DAY.isoformat()]
    assert main(["lancer", "--dask", "local", "--jobs", "2", *args]) == ExitCode.BLOCKING_FINDINGS
    out = capsys.readouterr().out
    for cas in cases:
        (folder,) = (reports / cas).iterdir()
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["statut"] == "complet" and manifest["code_sortie"] == 1, cas
        assert manifest["fichier_audit"] == str(in_root / "audits" / f"{cas}.yaml")  # made absolute for the workers
        assert str(folder / "rapport-elus.pdf") in out
    assert sorted(path.name for path in reports.iterdir()) == sorted(cases)  # no claim left behind


def _kill_when_started(client: Any, reports: Path, killed: list[int], timeout: float = 240) -> None:
    """Once the victim's run folder has recorded a step, kill (SIGKILL) the worker process executing it."""

    def _executing(dask_worker: Any) -> tuple[int, list[str]]:
        # Sent by value to each worker (a nested function): its process and the keys of its running tasks.
        import os

        return os.getpid(), [str(task.key) for task in dask_worker.state.executing]

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        manifests = list((reports / VICTIM).glob("*/manifest.json"))
        if manifests and '"etapes": [\n' in manifests[0].read_text(encoding="utf-8"):
            for pid, keys in client.run(_executing).values():
                if any(key.startswith(f"audit-ti-{VICTIM}-") for key in keys):
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    return
        time.sleep(0.1)


@pytest.mark.lent
def test_a_worker_lost_mid_run_leaves_one_incomplete_folder_and_the_others_finish(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed", reason="extra « echelle » absent (make installer l'installe)")
    from audit_ti.cli.main import main

    reports = tmp_path / "rapports"
    base = replace(settings(tmp_path, ROOT / "notebooks"), scan=ScanSettings(evaluation_date=SCAN_DAY))
    seen: list[tuple[str, str, str]] = []
    killed: list[int] = []
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0"
    )
    with cluster, distributed.Client(cluster) as client:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        killer = threading.Thread(target=_kill_when_started, args=(client, reports, killed))
        killer.start()
        try:
            outcomes = run_suites(
                [AUDITS / f"{cas}.yaml" for cas in EXAMPLES],
                base,
                progress=lambda case, what, state: seen.append((case, what, state)),
                offline=[REFERENCES / f"{cas}.xml" for cas in EXAMPLES],
                dask=cluster.scheduler_address,
            )
        finally:
            killer.join()
    assert killed, "the victim's worker was never found executing it"
    by_case = {outcome.case: outcome for outcome in outcomes}
    assert list(by_case) == list(EXAMPLES)
    assert max(outcome.exit_code for outcome in outcomes) == ExitCode.INCOMPLETE_RUN
    # Exactly one run folder per use case: the task was not run a second time after its worker died.
    assert sorted(path.name for path in reports.iterdir()) == sorted(EXAMPLES)
    folders = {cas: list((reports / cas).iterdir()) for cas in EXAMPLES}
    assert all(len(found) == 1 for found in folders.values()), folders

    lost = by_case[VICTIM]
    assert lost.exit_code == ExitCode.INCOMPLETE_RUN and lost.folder == folders[VICTIM][0]
    assert lost.missing and "travailleur Dask" in lost.missing[0] and f"processus {killed[0]}" in lost.missing[0]
    manifest = json.loads((lost.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["statut"] == "incomplet" and manifest["code_sortie"] == 3 and manifest["fin"]
    assert manifest["etapes"][-1]["etape"] == "travailleur perdu" and manifest["etapes"][-1]["statut"] == "echec"
    assert all(check.ok for check in verify_run(lost.folder))  # what it wrote before dying is intact
    assert not (lost.folder / ".reserve").exists()
    if (lost.folder / "synthese.json").exists():  # written before the kill: no longer says « complet »
        assert json.loads((lost.folder / "synthese.json").read_text(encoding="utf-8"))["statut_execution"] != "complet"
    assert (VICTIM, "travailleur Dask", "echec") in seen

    for cas in EXAMPLES:
        if cas == VICTIM:
            continue
        outcome = by_case[cas]
        assert outcome.exit_code in (ExitCode.OK, ExitCode.BLOCKING_FINDINGS), (cas, outcome)
        assert outcome.folder == folders[cas][0] and len(outcome.reports) == 4
        manifest = json.loads((outcome.folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["statut"] == "complet" and manifest["fin"], cas
        assert main(["verifier", str(outcome.folder)]) == ExitCode.OK, cas
        assert (cas, "rapports", "termine") in seen, cas  # progress per use case came back from the workers
    assert not (reports / ".audit-ti-dask").exists()


def _claimed(tmp_path: Path, **where: object) -> Path:
    claim = tmp_path / "reservation"
    claim.write_text(json.dumps({"travailleur": "tcp://127.0.0.1:40000", "pid": 4242, **where}), encoding="utf-8")
    return claim


def test_a_lost_task_closes_its_run_folder_as_incomplete(tmp_path: Path) -> None:
    from audit_ti.runs.distributed import _lost
    from audit_ti.runs.folder import RunFolder

    audit = AUDITS / "demo-lab.yaml"
    folder = RunFolder.create(tmp_path / "rapports", audit)  # left « en cours », as by a dead worker
    folder.write_file("synthese.json", '{"statut_execution": "complet"}')
    outcome = _lost(audit, _claimed(tmp_path, dossier=str(folder.root)), "le travailleur a été perdu", None)
    assert outcome.exit_code == ExitCode.INCOMPLETE_RUN and outcome.folder == folder.root
    assert "tcp://127.0.0.1:40000, processus 4242" in outcome.missing[0]
    manifest = RunFolder.reopen(folder.root).manifest
    assert manifest.status.value == "incomplet" and manifest.exit_code == 3 and manifest.finished_at is not None
    assert manifest.steps[-1].name == "travailleur perdu" and "processus 4242" in manifest.steps[-1].message
    synthesis = json.loads((folder.root / "synthese.json").read_text(encoding="utf-8"))
    assert synthesis["statut_execution"] == "incomplet"
    assert all(check.ok for check in verify_run(folder.root))


def test_a_run_closed_before_its_worker_died_keeps_its_own_end(tmp_path: Path) -> None:
    from audit_ti.runs.distributed import _lost
    from audit_ti.runs.folder import RunFolder

    audit = AUDITS / "demo-lab.yaml"
    folder = RunFolder.create(tmp_path / "rapports", audit)
    folder.close(ExitCode.BLOCKING_FINDINGS)
    before = (folder.root / "manifest.json").read_bytes()
    outcome = _lost(audit, _claimed(tmp_path, dossier=str(folder.root)), "le travailleur a été perdu", None)
    assert outcome.exit_code == ExitCode.BLOCKING_FINDINGS and outcome.folder == folder.root
    assert (folder.root / "manifest.json").read_bytes() == before


def test_a_task_lost_before_its_folder_existed_says_so(tmp_path: Path) -> None:
    from audit_ti.runs.distributed import _lost

    outcome = _lost(AUDITS / "demo-lab.yaml", _claimed(tmp_path), "le travailleur a été perdu", None)
    assert outcome.exit_code == ExitCode.INCOMPLETE_RUN and outcome.folder is None
    assert "aucun dossier créé" in outcome.problems[0].message
    missing = _lost(AUDITS / "demo-lab.yaml", tmp_path / "absente", "la tâche Dask a échoué", None)
    assert missing.exit_code == ExitCode.INCOMPLETE_RUN and missing.folder is None


def test_a_local_cluster_leaves_its_tasks_the_interpreter() -> None:
    import dask

    from audit_ti.runs.distributed import LOCAL, _client

    with _client(LOCAL, 1) as client:
        # Functions of an installed module: a worker cannot import this test file.
        (profiled,) = client.run(dask.config.get, "distributed.worker.profile.enabled").values()
        (tick,) = client.run(dask.config.get, "distributed.admin.tick.interval").values()
        saturation = client.cluster.scheduler.WORKER_SATURATION
    assert (profiled, tick) == (False, "1s")  # no statistical profiler, event loop checked once a second
    assert saturation == 1.0
