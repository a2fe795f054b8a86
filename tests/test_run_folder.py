"""The run folder keeps what a run produced and says how it ended."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from audit_ti.runs.folder import RunFolder, sha256_of
from audit_ti.runs.manifest import RunStatus, StepRecord, StepStatus
from tests.conftest import FIXTURES

NOW = datetime(2026, 11, 22, 14, 3, 9)


def test_folder_is_named_after_the_case_and_time_and_never_reused(tmp_path: Path) -> None:
    audit = FIXTURES / "audit-minimal.yaml"
    first = RunFolder.create(tmp_path, audit, NOW)
    second = RunFolder.create(tmp_path, audit, NOW)
    assert first.root == tmp_path / "audit-minimal" / "2026-11-22T140309"
    assert second.root == tmp_path / "audit-minimal" / "2026-11-22T140309-2"


def test_manifest_is_written_at_once_and_after_every_step(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, FIXTURES / "audit-minimal.yaml", NOW)
    manifest = json.loads((folder.root / "manifest.json").read_text())
    assert manifest["statut"] == "en_cours"
    assert manifest["empreinte_audit"] == sha256_of(FIXTURES / "audit-minimal.yaml")

    evidence = folder.evidence_dir / "passerelle-a.xml"
    evidence.write_text("<nmaprun/>")
    folder.record_file(evidence)
    folder.write_json("results/resultat.json", {"valeur": 1})
    folder.record_step(
        StepRecord(name="scan", status=StepStatus.FAILED, message="délai dépassé", started_at=NOW, finished_at=NOW)
    )
    manifest = json.loads((folder.root / "manifest.json").read_text())
    assert manifest["fichiers"]["evidence/passerelle-a.xml"] == sha256_of(evidence)
    assert "results/resultat.json" in manifest["fichiers"]
    assert manifest["etapes"][0]["statut"] == "echec"

    folder.finish(RunStatus.INCOMPLETE, 3, NOW)
    manifest = json.loads((folder.root / "manifest.json").read_text())
    assert (manifest["statut"], manifest["code_sortie"]) == ("incomplet", 3)
    assert not list(folder.root.glob(".*.tmp"))
