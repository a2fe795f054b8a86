"""What the tool writes, and where: run folders stay inside --rapports, a full or read-only disk gives a
French message, an exit code and a manifest that never says « en_cours », and no temporary file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from audit_ti.errors import ExitCode, OutputError
from audit_ti.runs.folder import RESERVE_BYTES, RunFolder, case_name
from audit_ti.runs.manifest import RunStatus
from tests.conftest import FIXTURES, ROOT

AUDIT = FIXTURES / "audits" / "import-dionaea.yaml"
DIONAEA = FIXTURES / "nmap" / "dionaea_scan.xml"
NOW = datetime(2026, 11, 22, 14, 3, 9)


def audit_copy(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text(AUDIT.read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("...", "audit"),
        ("..", "audit"),
        (".cache", "cache"),
        ("a b;c", "a-b-c"),
        ("Éclairage du centre", "Éclairage-du-centre"),
    ],
)
def test_case_names_are_safe(stem: str, expected: str) -> None:
    assert case_name(Path(f"{stem}.yaml")) == expected


def test_audit_named_dots_writes_inside_the_reports_folder(tmp_path: Path, run_cli) -> None:
    odd = audit_copy(tmp_path, "...yaml")
    reports = tmp_path / "rapports"
    result = run_cli("importer", str(DIONAEA), "--audit", str(odd), "--rapports", str(reports), "--date", "2026-11-22")
    assert result.code == 1, result.err
    [folder] = list((reports / "audit").iterdir())
    assert folder.resolve().is_relative_to(reports.resolve())
    assert sorted(path.name for path in tmp_path.iterdir()) == ["...yaml", "rapports"]


def test_reserve_is_given_back_and_nothing_temporary_stays(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, FIXTURES / "audit-minimal.yaml", NOW)
    assert (folder.root / ".reserve").stat().st_size == RESERVE_BYTES
    folder.write_file("results/essai.json", "{}\n")
    folder.finish(RunStatus.COMPLETE, 0, NOW)
    assert sorted(path.name for path in folder.root.rglob("*")) == ["essai.json", "manifest.json", "results"]


def test_read_only_reports_folder_is_exit_2_before_anything(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root écrit dans un dossier en lecture seule : voir l'épreuve du système de fichiers monté")
    reports = tmp_path / "rapports"
    reports.mkdir(mode=0o500)
    with pytest.raises(OutputError) as caught:
        RunFolder.create(reports, FIXTURES / "audit-minimal.yaml", NOW)
    assert caught.value.exit_code is ExitCode.INVALID_INPUT
    assert "droits insuffisants" in str(caught.value)


def _in_own_mount(tmp_path: Path, size: str, read_only: bool, *command: str) -> subprocess.CompletedProcess[str]:
    """Run audit-ti with --rapports on a small tmpfs mounted in a mount namespace of its own."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("monter un système de fichiers d'essai exige root et unshare (util-linux)")
    mount_point = tmp_path / "disque"
    mount_point.mkdir()
    options = f"size={size}" + (",ro" if read_only else "")
    script = (
        f"mount -t tmpfs -o {options} essai {mount_point} && "
        f"{sys.executable} -m audit_ti {' '.join(command)} --rapports {mount_point}/rapports; "
        f"echo \"code=$?\"; find {mount_point} -printf '%P\\n'; "
        f'for m in {mount_point}/rapports/*/*/manifest.json; do [ -f "$m" ] && cat "$m"; done'
    )
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


@pytest.mark.root
def test_read_only_file_system(tmp_path: Path) -> None:
    audit = audit_copy(tmp_path, "lecture-seule.yaml")
    completed = _in_own_mount(
        tmp_path, "1m", True, "importer", str(DIONAEA), "--audit", str(audit), "--date", "2026-11-22"
    )
    assert "code=2" in completed.stdout, completed.stderr
    assert "système de fichiers en lecture seule" in completed.stderr
    assert "rapports" in completed.stderr and "Traceback" not in completed.stderr


@pytest.mark.root
def test_disk_full_half_way(tmp_path: Path) -> None:
    # Room for the run folder and its reserve, not for the evidence and the results.
    audit = audit_copy(tmp_path, "disque-plein.yaml")
    completed = _in_own_mount(
        tmp_path, "300k", False, "importer", str(DIONAEA), "--audit", str(audit), "--date", "2026-11-22"
    )
    assert "code=3" in completed.stdout, completed.stdout + completed.stderr
    assert "disque plein" in completed.stderr and "Traceback" not in completed.stderr
    listing, _, manifest_text = completed.stdout.partition("{")
    manifest = json.loads("{" + manifest_text)
    assert manifest["statut"] == "echec" and manifest["code_sortie"] == 3
    assert "disque plein" in manifest["etapes"][-1]["message"]
    assert ".tmp" not in listing and ".reserve" not in listing
    assert "findings.json" not in listing
