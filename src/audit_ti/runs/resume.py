"""The batches of a fleet scan, written as each one ends, and the resume of an interrupted scan from them.

``results/lots.json`` lists every nmap run of the scan (main pass by batch, second passes,
discovery): its label, its targets, how it ended and its evidence file. It is written again each
time a run ends, so that a scan stopped by Ctrl-C, a lost machine or a power cut leaves the
batches already done on disk, hashed in the manifest.

``--reprendre RUN`` starts a new run folder that takes back, from RUN, every batch that ended
well with the same targets, after checking that RUN was made from the same audit file (same
SHA-256), with the same scan plan, and that each evidence file still has the hash RUN's manifest
gave it; the other batches are scanned. The scope guard is checked again, at today's date, before
anything is sent or taken back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.runs.folder import RunFolder, sha256_of
from audit_ti.runs.manifest import Manifest, StepStatus
from audit_ti.scan.runner import NmapRun, RunRequest

__all__ = ["BATCHES_FILE", "BatchLedger", "EarlierRun", "earlier_run", "open_ledger"]

#: Where a scan's batches are listed, in its run folder.
BATCHES_FILE = "results/lots.json"
_DONE = "termine"
_INTERRUPTED = "interrompu"


@dataclass
class BatchLedger:
    """The batches of one scan, written to ``results/lots.json`` each time one ends."""

    folder: RunFolder
    size: int
    resumed_from: str | None = None
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def planned(self, requests: Sequence[RunRequest]) -> None:
        """Runs about to start: listed as not done until they end."""
        for request in requests:
            self.entries.setdefault(
                request.label,
                {"lot": request.label, "cibles": list(request.targets), "statut": "prevu", "preuve": None},
            )
        self._write()

    def ended(self, run: NmapRun, evidence: str | None, *, complete: bool, taken_from: str | None = None) -> None:
        """One run ended (or was taken back from an earlier run): its state and evidence file.

        ``complete``: nmap finished it on its own and its XML was read to its end; only such a
        batch may be taken back by a resume.
        """
        done = complete and evidence is not None
        self.entries[run.request.label] = {
            "lot": run.request.label,
            "cibles": list(run.request.targets),
            "statut": _DONE if done else _INTERRUPTED,
            "preuve": evidence,
            **({"repris_de": taken_from} if taken_from else {}),
        }
        self._write()

    def _write(self) -> None:
        self.folder.write_json(
            BATCHES_FILE,
            {"taille_lot": self.size, "reprise_de": self.resumed_from, "lots": list(self.entries.values())},
        )


@dataclass(frozen=True)
class EarlierRun:
    """What an earlier run of the same audit finished: its batches, their evidence checked.

    Attributes:
        root: the earlier run folder.
        size: the batch size it used (the resumed scan uses it too, so that batches match).
        done: label → (targets, kept XML) of every run that ended well, evidence hash checked.
        notes: French notes on batches that cannot be taken back (scanned again).
    """

    root: Path
    size: int
    done: dict[str, tuple[tuple[str, ...], str]]
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """What the resume takes back, in French (for the manifest)."""
        text = (
            f"reprise de {self.root} : {len(self.done)} exécution(s) de nmap terminée(s) reprise(s), preuves vérifiées"
        )
        return " ; ".join([text, *self.notes])

    def take(self, requests: Sequence[RunRequest]) -> tuple[list[NmapRun], list[RunRequest]]:
        """The runs taken back (same label, same targets), and the requests still to run."""
        taken, todo = [], []
        now = datetime.now(UTC)
        for request in requests:
            earlier = self.done.get(request.label)
            if earlier is not None and earlier[0] == request.targets:
                command = f"repris de {self.root} (preuve nmap-{request.label}.xml, empreinte vérifiée)"
                taken.append(NmapRun(request, earlier[1], False, "", now, now, command))
            else:
                todo.append(request)
        return taken, todo


def open_ledger(
    folder: RunFolder, plan: dict[str, object], resume_from: Path | None, size: int
) -> tuple[BatchLedger, EarlierRun | None]:
    """The ledger of a new scan; with ``resume_from`` (``--reprendre``), the earlier run too, checked.

    A resumed scan keeps the earlier run's batch size, so that its batches match.

    Raises:
        InvalidInputError: the earlier run cannot be resumed (``earlier_run``).
    """
    if resume_from is None:
        return BatchLedger(folder, size), None
    earlier = earlier_run(resume_from, folder.manifest, plan)
    folder.record("reprise", StepStatus.DONE, earlier.summary())
    return BatchLedger(folder, earlier.size or size, str(earlier.root)), earlier


def _refuse(message: str, path: Path) -> InvalidInputError:
    return InvalidInputError(Problem(f"reprise refusée : {message}", path))


def earlier_run(root: Path, current: Manifest, plan: dict[str, object]) -> EarlierRun:
    """The run folder to resume, checked against the new run (its manifest so far) and its scan plan.

    Raises:
        InvalidInputError: in French, when RUN is not a run folder, comes from another audit file
            (or another version of it), used other grilles, has no batches, or used another scan plan.
    """
    try:
        manifest = Manifest.model_validate_json((root / "manifest.json").read_bytes())
    except (OSError, ValueError):
        raise _refuse("pas de manifeste lisible, ce n'est pas un dossier d'exécution", root) from None
    if manifest.audit_sha256 != current.audit_sha256:
        raise _refuse(
            f"ce dossier a été produit par un autre fichier d'audit ({manifest.audit_file}, empreinte "
            f"{manifest.audit_sha256[:12]}…) ou par une autre version de {Path(current.audit_file).name} ; "
            "lancez un nouveau scan",
            root,
        )
    if _hashes(manifest) != _hashes(current):
        raise _refuse("les grilles ou les données de référence ont changé depuis ce dossier", root)
    ledger, earlier_plan = _read_json(root / BATCHES_FILE), _read_json(root / "results" / "plan-de-scan.json")
    if not isinstance(ledger, dict) or not isinstance(ledger.get("lots"), list):
        raise _refuse("ce dossier ne contient pas de lots de scan (results/lots.json)", root)
    if earlier_plan != json.loads(json.dumps(plan, default=str)):
        raise _refuse(
            "le plan de scan a changé depuis (profil, ports, scripts ou droits) : les lots ne sont pas comparables",
            root,
        )
    done: dict[str, tuple[tuple[str, ...], str]] = {}
    notes = []
    for entry in ledger["lots"]:
        if not isinstance(entry, dict) or entry.get("statut") != _DONE or not entry.get("preuve"):
            continue
        relative = str(entry["preuve"])
        path = root / relative
        expected = manifest.files.get(relative)
        if expected is None or not path.is_file() or sha256_of(path) != expected:
            notes.append(f"lot {entry.get('lot')} : preuve absente ou modifiée depuis, lot scanné à nouveau")
            continue
        done[str(entry["lot"])] = (tuple(str(target) for target in entry["cibles"]), path.read_text(encoding="utf-8"))
    return EarlierRun(root, int(ledger.get("taille_lot") or 0), done, tuple(notes))


def _hashes(manifest: Manifest) -> dict[str, str]:
    return {name: entry.get("empreinte", "") for name, entry in manifest.grilles.items()}


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
