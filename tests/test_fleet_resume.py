"""Fleet scans in batches: a batch cut short marks only its gateways, and an interrupted scan resumes.

A small scale lab of its own (four light gateways on the spare block), scanned in batches of two
with one nmap run at a time: the scan is interrupted (Ctrl-C, as a user would) once the first
batch has ended, then resumed with ``--reprendre``; the findings equal those of a scan that was
never interrupted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from audit_ti.checks import default_registry
from audit_ti.cli.main import main
from audit_ti.errors import ExitCode, InvalidInputError
from audit_ti.lab import LabLayout, parse_network
from audit_ti.models.enums import ScanProfile, Status
from audit_ti.models.finding import Finding
from audit_ti.report.findings_io import findings_json
from audit_ti.runs.cyber import CyberOutcome, ScanSettings, scan_audit
from audit_ti.runs.scan_steps import SilentObserver
from audit_ti.scan.batches import FLEET_MIN_BATCH, MAX_BATCH, batch_size, fleet_arguments
from audit_ti.scan.runner import RunRequest, run_requests
from audit_ti.validation.catalog import GrilleCatalog
from tests import factories
from tests.conftest import ROOT, lab_block, running_lab

GATEWAYS = 4
BATCH = 2


def _audit_text(layout: LabLayout, ports: str = "T:22,80,1883") -> str:
    gateways = "".join(
        f"  - nom: {gateway.name}\n"
        f"    adresse: {gateway.address}\n"
        "    modele: Capteur de stationnement (simulé)\n"
        "    zone: laboratoire\n"
        '    ports_attendus: ["22/tcp ssh", "80/tcp http", "1883/tcp mqtt"]\n'
        for gateway in layout.fleet
    )
    head = factories.audit_head("Flotte de capteurs de stationnement", f"{layout.fleet[0].address}/24")
    return f'{head}passerelles:\n{gateways}scan:\n  profil: sur\n  ports: "{ports}"\n  tentatives_max: 1\n'


# -- Batch size (no lab) ----------------------------------------------------------------------------


def test_batch_size_shares_the_fleet_between_the_parallel_runs_within_the_profile_bounds() -> None:
    assert batch_size(1000, ScanProfile.SAFE, 2) == 500
    assert batch_size(1000, ScanProfile.SAFE, 4) == 250
    assert batch_size(5000, ScanProfile.SAFE, 2) == MAX_BATCH[ScanProfile.SAFE]
    assert batch_size(5000, ScanProfile.INTRUSIVE, 2) == MAX_BATCH[ScanProfile.INTRUSIVE]
    assert batch_size(3, ScanProfile.SAFE, 2) == FLEET_MIN_BATCH  # three gateways: one run


def test_fleet_batches_hold_one_host_group_and_small_scans_keep_nmap_settings() -> None:
    assert fleet_arguments(FLEET_MIN_BATCH - 1) == []
    arguments = fleet_arguments(500)
    assert arguments[arguments.index("--min-hostgroup") + 1] == "500"
    assert "--min-parallelism" in arguments


def test_the_console_draws_one_bar_per_batch_advanced_by_its_gateways() -> None:
    from audit_ti.cli.cyber_cmd import LiveProgress
    from audit_ti.runs.scan_steps import BatchObserver

    progress = LiveProgress()
    assert isinstance(progress, BatchObserver)
    with progress:
        progress.batches_planned([("scan-1", ("127.0.1.1", "127.0.1.2")), ("scan-2", ("127.0.1.3",))])
        progress.host_done("127.0.1.1", "termine")
        bars = {task.description: task for task in progress._progress.tasks}
        assert bars["lot scan-1 (2 cible(s))"].completed == 1
        progress.batch_done("scan-2", "incomplet")
        assert "incomplet" in bars["lot scan-2 (1 cible(s))"].fields["state"]
        assert bars["lot scan-2 (1 cible(s))"].completed == 0


# -- With a lab -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabLayout]:
    """Four light gateways (and the three reference ones) on the spare block, for this module."""
    layout = LabLayout.build(parse_network(lab_block(1)), GATEWAYS)
    with running_lab(tmp_path_factory.mktemp("flotte"), layout):
        yield layout


class _StopAfterFirstBatch(SilentObserver):
    """Presses Ctrl-C once the first batch has ended (nmap runs one at a time)."""

    def __init__(self) -> None:
        self.ended: list[str] = []

    def batches_planned(self, batches: Sequence[tuple[str, Sequence[str]]]) -> None:
        """Nothing to show."""

    def batch_done(self, label: str, outcome: str) -> None:
        self.ended.append(label)
        if len(self.ended) == 1:
            raise KeyboardInterrupt


def _scan(audit: Path, reports: Path, **settings: object) -> CyberOutcome:
    catalog = GrilleCatalog(ROOT / "grilles", default_registry())
    chosen = ScanSettings(max_parallel=1, **settings)  # type: ignore[arg-type]
    return scan_audit(audit, reports_dir=reports, catalog=catalog, settings=chosen)


def _comparable(findings: Sequence[Finding]) -> list[str]:
    return sorted(json.dumps(entry, sort_keys=True) for entry in json.loads(findings_json(findings)))


def _batches(folder: Path) -> dict[str, dict[str, object]]:
    ledger = json.loads((folder / "results" / "lots.json").read_text(encoding="utf-8"))
    return {entry["lot"]: entry for entry in ledger["lots"]}


@pytest.mark.root
@pytest.mark.nmap
@pytest.mark.lent
def test_an_interrupted_fleet_scan_resumes_from_its_finished_batches_with_the_same_findings(
    fleet: LabLayout, tmp_path: Path
) -> None:
    audit = tmp_path / "flotte.yaml"
    audit.write_text(_audit_text(fleet), encoding="utf-8")
    whole = _scan(audit, tmp_path / "entier", batch_size=BATCH)
    assert whole.exit_code is not ExitCode.INCOMPLETE_RUN
    assert set(_batches(whole.folder)) == {"scan-1", "scan-2"}

    stopper = _StopAfterFirstBatch()
    cut = _scan(audit, tmp_path / "rapports", batch_size=BATCH, observer=stopper)
    assert stopper.ended[0] == "scan-1"
    # Only the second batch's gateways are incomplete; nothing of theirs is reported compliant.
    assert cut.exit_code is ExitCode.INCOMPLETE_RUN
    first, second = (tuple(str(g.address) for g in fleet.fleet[i : i + BATCH]) for i in (0, BATCH))
    names = {str(g.address): g.name for g in fleet.fleet}
    batches = _batches(cut.folder)
    assert batches["scan-1"]["statut"] == "termine" and tuple(batches["scan-1"]["cibles"]) == first  # type: ignore[arg-type]
    assert batches["scan-2"]["statut"] != "termine"
    late = {names[address] for address in second}
    assert not any(f.status is Status.COMPLIANT for f in cut.findings if f.target in late)
    # The first batch's gateways are judged as in the whole scan (evidence that names other gateways,
    # such as a host key shared across the fleet, may differ while the others are unobserved).
    early = {names[address] for address in first}
    assert sorted((f.requirement, f.target, f.status) for f in cut.findings if f.target in early) == sorted(
        (f.requirement, f.target, f.status) for f in whole.findings if f.target in early
    )

    resumed = _scan(audit, tmp_path / "rapports", batch_size=BATCH, resume_from=cut.folder)
    assert resumed.exit_code is whole.exit_code
    assert _comparable(resumed.findings) == _comparable(whole.findings)
    batches = _batches(resumed.folder)
    assert batches["scan-1"].get("repris_de") == str(cut.folder)
    assert "repris_de" not in batches["scan-2"] and batches["scan-2"]["statut"] == "termine"
    manifest = json.loads((resumed.folder / "manifest.json").read_text(encoding="utf-8"))
    steps = {step["etape"]: step["message"] for step in manifest["etapes"]}
    assert steps["reprise"].startswith(f"reprise de {cut.folder}")
    assert "repris de" in steps["nmap scan-1"] and "nmap -oX" in steps["nmap scan-2"]
    # The evidence taken back is copied into the new run folder, hashed in its manifest.
    assert "evidence/nmap-scan-1.xml" in manifest["fichiers"]


@pytest.mark.root
@pytest.mark.nmap
@pytest.mark.lent
def test_resume_refuses_a_run_folder_of_another_audit_file_or_another_scan_plan(
    fleet: LabLayout, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audit = tmp_path / "flotte.yaml"
    audit.write_text(_audit_text(fleet), encoding="utf-8")
    stopper = _StopAfterFirstBatch()
    cut = _scan(audit, tmp_path / "rapports", batch_size=BATCH, observer=stopper)
    other = tmp_path / "autre.yaml"
    other.write_text(_audit_text(fleet).replace("tentatives_max: 1", "tentatives_max: 2"), encoding="utf-8")
    with pytest.raises(InvalidInputError, match="autre fichier d'audit"):
        _scan(other, tmp_path / "rapports", resume_from=cut.folder)
    # The same file edited since (other ports): another version, refused too.
    audit.write_text(_audit_text(fleet, ports="T:22,80"), encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"autre version de flotte\.yaml"):
        _scan(audit, tmp_path / "rapports", resume_from=cut.folder)
    # The command line says it in French, with exit code 2.
    capsys.readouterr()
    code = main(
        [
            "scanner",
            str(other),
            "--rapports",
            str(tmp_path / "rapports"),
            "--grilles",
            str(ROOT / "grilles"),
            "--reprendre",
            str(cut.folder),
        ]
    )
    assert code == ExitCode.INVALID_INPUT
    assert "reprise refusée" in capsys.readouterr().err


@pytest.mark.root
@pytest.mark.nmap
@pytest.mark.lent
def test_a_batch_past_its_time_is_stopped_alone_and_keeps_what_nmap_wrote(fleet: LabLayout, tmp_path: Path) -> None:
    quick, slow = (str(gateway.address) for gateway in fleet.fleet[:2])
    requests = [
        RunRequest("lent", (slow,), ("-sT", "-Pn", "-n", "-p", "1-2000", "--scan-delay", "1s"), timeout_s=3),
        RunRequest("rapide", (quick,), ("-sT", "-Pn", "-n", "-p", "22,80")),
    ]
    ended: list[str] = []
    runs = run_requests(
        requests, tmp_path, lambda *_: None, max_parallel=2, on_run=lambda run: ended.append(run.request.label)
    )
    by_label = {run.request.label: run for run in runs}
    assert by_label["lent"].interrupted and "délai du lot dépassé" in by_label["lent"].error
    assert by_label["lent"].xml.startswith("<?xml")  # the partial output is kept
    assert not by_label["rapide"].interrupted and "</nmaprun>" in by_label["rapide"].xml
    assert sorted(ended) == ["lent", "rapide"]
