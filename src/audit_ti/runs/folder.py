"""The run folder: everything one run produced, and its manifest, kept even when the run fails.

``rapports/<cas>/<AAAA-MM-JJTHHMMSS>/`` holds ``evidence/`` (raw outputs, hashed, readable by their
owner only), ``results/`` (typed JSON, the single source of truth of every view), the reports and
``manifest.json``. The manifest is rewritten after every step, so an interrupted run still says
what it gathered. Every file is written to a temporary name and renamed, so a full disk never
leaves a truncated file presented as complete; a small reserve, released when the run ends, leaves
room to write the failed manifest when the disk fills up half-way.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from audit_ti.errors import AuditTiError, ExitCode, InvalidInputError, OutputError, Problem
from audit_ti.runs.manifest import AuthorisationRecord, Manifest, RunStatus, StepRecord, StepStatus
from audit_ti.runs.writes import atomic_write, write_error

__all__ = ["RunFolder", "case_name", "sha256_of"]

STAMP_FORMAT = "%Y-%m-%dT%H%M%S"
#: Room kept free in the run folder until it ends: enough for the last manifest, even with a full disk.
RESERVE_BYTES = 256 * 1024
_RESERVE = ".reserve"


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_UNSAFE = re.compile(r"[^\w.-]+")


def case_name(audit_file: Path) -> str:
    """The folder name of a use case: the audit file's stem, reduced to a safe, non-hidden name."""
    name = _UNSAFE.sub("-", audit_file.stem).strip(".-")
    return name or "audit"


def _status_of(outcomes: tuple[ExitCode, ...]) -> RunStatus:
    return RunStatus.INCOMPLETE if ExitCode.INCOMPLETE_RUN in outcomes else RunStatus.COMPLETE


class RunFolder:
    """A new run folder and its manifest."""

    def __init__(self, root: Path, manifest: Manifest) -> None:
        self.root = root
        self.manifest = manifest
        self._closed = False

    @classmethod
    def create(
        cls,
        reports_dir: Path,
        audit_file: Path,
        now: datetime | None = None,
        *,
        evaluation_date: date | None = None,
    ) -> RunFolder:
        """Create ``<reports_dir>/<case>/<stamp>/`` (never reusing an existing folder, never outside).

        Raises:
            OutputError: the folder cannot be created (exit code 2: nothing has started).
        """
        started = (now or datetime.now()).astimezone()
        case = case_name(audit_file)
        case_dir = reports_dir / case
        try:
            case_dir.mkdir(parents=True, exist_ok=True)
            if not case_dir.resolve().is_relative_to(reports_dir.resolve()):
                raise OutputError(
                    f"le dossier du cas d'usage sortirait de {reports_dir} ({case_dir.resolve()}) : refusé",
                    ExitCode.INVALID_INPUT,
                )
            root = cls._new_stamped_folder(case_dir, started.strftime(STAMP_FORMAT))
        except OSError as error:
            raise write_error(case_dir, error, started=False) from None
        manifest = Manifest(
            case=case,
            audit_file=str(audit_file),
            audit_sha256=sha256_of(audit_file),
            started_at=started,
            evaluation_date=evaluation_date,
        )
        folder = cls(root, manifest)
        try:
            try:
                folder._reserve()
            except OSError as error:
                raise write_error(root, error, started=False) from None
            folder.save_manifest(started=False)
        except OutputError:
            # Not even room for the reserve and a first manifest: nothing started, nothing is left.
            folder._release()
            shutil.rmtree(root, ignore_errors=True)
            raise
        return folder

    @staticmethod
    def _new_stamped_folder(case_dir: Path, stamp: str) -> Path:
        root = case_dir / stamp
        suffix = 1
        while True:
            try:
                root.mkdir()
                return root
            except FileExistsError:
                suffix += 1
                root = case_dir / f"{stamp}-{suffix}"

    def _reserve(self) -> None:
        descriptor = os.open(self.root / _RESERVE, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            try:
                os.posix_fallocate(descriptor, 0, RESERVE_BYTES)
            except OSError as error:
                if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                    raise
                os.write(descriptor, bytes(RESERVE_BYTES))  # a file system without fallocate
        finally:
            os.close(descriptor)

    def _release(self) -> None:
        (self.root / _RESERVE).unlink(missing_ok=True)

    @property
    def evidence_dir(self) -> Path:
        """Raw evidence (nmap XML…): readable by the folder's owner only, created on first use."""
        return self._subdir("evidence", 0o700)

    @property
    def results_dir(self) -> Path:
        """Typed JSON results, created on first use."""
        return self._subdir("results")

    def _subdir(self, name: str, mode: int = 0o755) -> Path:
        path = self.root / name
        try:
            path.mkdir(mode=mode, exist_ok=True)
        except OSError as error:
            raise write_error(path, error) from None
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

    def write_file(self, relative: str, data: str | bytes, *, private: bool = False) -> Path:
        """Write one file of the run atomically and record its hash (``private``: owner only).

        Raises:
            OutputError: the disk is full or the folder not writable (exit code 3).
        """
        path = self.root / relative
        raw = data.encode("utf-8") if isinstance(data, str) else data
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, raw, 0o600 if private else None)
        except OSError as error:
            raise write_error(path, error) from None
        self.record_file(path)
        return path

    def write_evidence(self, name: str, data: str | bytes) -> Path:
        """Keep raw evidence under ``evidence/``, readable by its owner only, hashed in the manifest."""
        self.evidence_dir  # noqa: B018 - created with its restricted mode before the first file
        return self.write_file(f"evidence/{name}", data, private=True)

    def write_json(self, relative: str, data: BaseModel | Any) -> Path:
        """Write JSON (a model with its French keys, or plain data) and record its hash."""
        if isinstance(data, BaseModel):
            text = data.model_dump_json(indent=2, by_alias=True)
        else:
            text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        return self.write_file(relative, text + "\n")

    @classmethod
    def reopen(cls, root: Path) -> RunFolder:
        """An existing run folder, to add to it (re-rendered reports); its files keep their hashes.

        Raises:
            InvalidInputError: no readable manifest: not a run folder.
        """
        path = root / "manifest.json"
        try:
            manifest = Manifest.model_validate_json(path.read_bytes())
        except (OSError, ValueError):
            raise InvalidInputError(
                Problem("pas de manifeste lisible : ce n'est pas un dossier d'exécution", path)
            ) from None
        folder = cls(root, manifest)
        folder._closed = True
        return folder

    def name_use_case(self, name: str) -> None:
        """Remember the use case's name (the title of the reports)."""
        self._update(use_case=name)

    def record_tool(self, name: str, version: str) -> None:
        """Remember the version of an external tool (nmap…)."""
        self._update(tools={**self.manifest.tools, name: version})

    def record_grille(self, grille_id: str, version: str, path: Path) -> None:
        """Remember which grille, in which version and with which content, the run used."""
        entry = {"version": version, "fichier": str(path), "empreinte": sha256_of(path)}
        self._update(grilles={**self.manifest.grilles, grille_id: entry})

    def record_authorisation(self, record: AuthorisationRecord) -> None:
        """Remember the authorisation a scan relied on."""
        self._update(authorisation=record)

    def record_step(self, step: StepRecord) -> None:
        """Append a step to the manifest (written at once)."""
        self._update(steps=(*self.manifest.steps, step))

    def record(
        self, name: str, status: StepStatus, message: str, *, started: datetime | None = None, command: str = ""
    ) -> None:
        """Record a step that ends now: the one way the pipelines say what they did.

        Args:
            started: when the step began (default: now, for a step with no duration).
            command: the command line it ran, kept beside the message as evidence.
        """
        now = datetime.now().astimezone()
        text = f"{message} — {command}" if command else message
        begun = started or now
        self.record_step(
            StepRecord(name=name, status=status, message=text, started_at=begun, finished_at=max(now, begun))
        )

    def finish(self, status: RunStatus, exit_code: int, now: datetime | None = None) -> None:
        """Close the run: final status, exit code and end time (the reserve is given back first)."""
        self._release()
        # A run started at a given time (tests, replays) never ends before it began.
        finished = max((now or datetime.now()).astimezone(), self.manifest.started_at)
        self._update(status=status, exit_code=exit_code, finished_at=finished)
        self._closed = True

    def close(self, *outcomes: ExitCode) -> None:
        """Close a run after its pipelines: incomplete when one was cut short, the worst exit code of them."""
        self.finish(_status_of(outcomes), int(max(outcomes, default=ExitCode.OK)))

    def settle(self, *outcomes: ExitCode) -> None:
        """Say how the evaluations ended while the run goes on (the notebooks read it; ``close`` ends the run)."""
        self._update(status=_status_of(outcomes), exit_code=int(max(outcomes, default=ExitCode.OK)))

    def fail(self, reason: str, exit_code: int) -> None:
        """Close a run that stopped on an error, whatever the state of the disk: never left « en cours »."""
        now = datetime.now().astimezone()
        step = StepRecord(name="arrêt", status=StepStatus.FAILED, message=reason, started_at=now, finished_at=now)
        self._release()
        self.manifest = self.manifest.model_copy(
            update={
                "status": RunStatus.FAILED,
                "exit_code": exit_code,
                "finished_at": now,
                "steps": (*self.manifest.steps, step),
            }
        )
        self._closed = True
        # If even the reserve's room is refused, the error that stopped the run already says why.
        with suppress(OutputError):
            self.save_manifest()

    @contextmanager
    def guarded(self) -> Iterator[RunFolder]:
        """Run a block; if anything stops it, the manifest says so before the error goes on."""
        try:
            yield self
        except AuditTiError as error:
            if not self._closed:
                self.fail(str(error), int(error.exit_code))
            raise
        except KeyboardInterrupt:
            if not self._closed:
                self.fail("interrompu par l'utilisateur", int(ExitCode.INCOMPLETE_RUN))
            raise
        except Exception as error:
            if not self._closed:
                self.fail(f"erreur interne : {type(error).__name__}", int(ExitCode.INCOMPLETE_RUN))
            raise

    def save_manifest(self, *, started: bool = True) -> None:
        """Write ``manifest.json`` atomically.

        Raises:
            OutputError: it could not be written (exit code 3; 2 for the first manifest, ``started``
                false, when nothing has run yet).
        """
        path = self.root / "manifest.json"
        try:
            atomic_write(path, (self.manifest.model_dump_json(indent=2, by_alias=True) + "\n").encode("utf-8"))
        except OSError as error:
            raise write_error(path, error, started=started) from None
