"""The run folder: everything one run produced, and its manifest, kept even when the run fails.

``rapports/<cas>/<AAAA-MM-JJTHHMMSS>/`` holds ``evidence/`` (raw outputs, hashed), ``results/``
(typed JSON, the single source of truth of every view), the reports and ``manifest.json``. The
manifest is rewritten after every step, so an interrupted run still says what it gathered.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from audit_ti import __version__
from audit_ti.models.base import StrictModel

__all__ = ["Manifest", "RunFolder", "RunStatus", "StepRecord", "StepStatus", "sha256_of"]

STAMP_FORMAT = "%Y-%m-%dT%H%M%S"


class RunStatus(StrEnum):
    """State of a whole run."""

    RUNNING = "en_cours"
    COMPLETE = "complet"
    INCOMPLETE = "incomplet"


class StepStatus(StrEnum):
    """State of one step of a run."""

    DONE = "termine"
    FAILED = "echec"
    SKIPPED = "non_execute"


class StepRecord(StrictModel):
    """One step of a run (a scan, an evaluation, a report), and what happened."""

    name: str = Field(alias="etape")
    status: StepStatus = Field(alias="statut")
    message: str = ""
    started_at: datetime = Field(alias="debut")
    finished_at: datetime = Field(alias="fin")


class Manifest(StrictModel):
    """What a run was, what it produced and how it ended."""

    tool: str = Field(default="audit-ti", alias="outil")
    tool_version: str = Field(default=__version__, alias="version_outil")
    python_version: str = Field(default_factory=platform.python_version, alias="version_python")
    case: str = Field(alias="cas")
    audit_file: str = Field(alias="fichier_audit")
    audit_sha256: str = Field(alias="empreinte_audit")
    started_at: datetime = Field(alias="debut")
    finished_at: datetime | None = Field(default=None, alias="fin")
    status: RunStatus = Field(default=RunStatus.RUNNING, alias="statut")
    exit_code: int | None = Field(default=None, alias="code_sortie")
    tools: dict[str, str] = Field(default_factory=dict, alias="outils_externes")
    grilles: dict[str, dict[str, str]] = Field(default_factory=dict)
    steps: tuple[StepRecord, ...] = Field(default=(), alias="etapes")
    files: dict[str, str] = Field(default_factory=dict, alias="fichiers")


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class RunFolder:
    """A new run folder and its manifest."""

    def __init__(self, root: Path, manifest: Manifest) -> None:
        self.root = root
        self.manifest = manifest

    @classmethod
    def create(cls, reports_dir: Path, audit_file: Path, now: datetime | None = None) -> RunFolder:
        """Create ``<reports_dir>/<audit stem>/<stamp>/`` (never reusing an existing folder)."""
        started = (now or datetime.now()).astimezone()
        case_dir = reports_dir / audit_file.stem
        case_dir.mkdir(parents=True, exist_ok=True)
        stamp = started.strftime(STAMP_FORMAT)
        root = case_dir / stamp
        suffix = 1
        while True:
            try:
                root.mkdir()
                break
            except FileExistsError:
                suffix += 1
                root = case_dir / f"{stamp}-{suffix}"
        manifest = Manifest(
            case=audit_file.stem,
            audit_file=str(audit_file),
            audit_sha256=sha256_of(audit_file),
            started_at=started,
        )
        folder = cls(root, manifest)
        folder.save_manifest()
        return folder

    @property
    def evidence_dir(self) -> Path:
        """Raw evidence (nmap XML…), created on first use."""
        return self._subdir("evidence")

    @property
    def results_dir(self) -> Path:
        """Typed JSON results, created on first use."""
        return self._subdir("results")

    def _subdir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(exist_ok=True)
        return path

    def _update(self, **changes: Any) -> None:
        self.manifest = self.manifest.model_copy(update=changes)
        self.save_manifest()

    def record_file(self, path: Path) -> str:
        """Hash a file of the run folder into the manifest; returns its SHA-256."""
        digest = sha256_of(path)
        files = dict(self.manifest.files)
        files[path.relative_to(self.root).as_posix()] = digest
        self._update(files=files)
        return digest

    def write_json(self, relative: str, data: BaseModel | Any) -> Path:
        """Write JSON (a model with its French keys, or plain data) and record its hash."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, BaseModel):
            text = data.model_dump_json(indent=2, by_alias=True)
        else:
            text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        _atomic_write(path, text + "\n")
        self.record_file(path)
        return path

    def record_tool(self, name: str, version: str) -> None:
        """Remember the version of an external tool (nmap…)."""
        self._update(tools={**self.manifest.tools, name: version})

    def record_grille(self, grille_id: str, version: str, path: Path) -> None:
        """Remember which grille, in which version and with which content, the run used."""
        entry = {"version": version, "fichier": str(path), "empreinte": sha256_of(path)}
        self._update(grilles={**self.manifest.grilles, grille_id: entry})

    def record_step(self, step: StepRecord) -> None:
        """Append a step to the manifest (written at once)."""
        self._update(steps=(*self.manifest.steps, step))

    def finish(self, status: RunStatus, exit_code: int, now: datetime | None = None) -> None:
        """Close the run: final status, exit code and end time."""
        self._update(status=status, exit_code=exit_code, finished_at=(now or datetime.now()).astimezone())

    def save_manifest(self) -> None:
        """Write ``manifest.json`` atomically."""
        _atomic_write(self.root / "manifest.json", self.manifest.model_dump_json(indent=2, by_alias=True) + "\n")


def _atomic_write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
