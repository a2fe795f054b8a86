"""``audit-ti verifier``: every file the manifest of a run lists, checked against its SHA-256."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audit_ti.runs.folder import RunFolder, sha256_of

__all__ = ["FileCheck", "verify_run"]


@dataclass(frozen=True)
class FileCheck:
    """One file of a run: its path in the run folder and what its hash says."""

    path: str
    state: str  # « intact », « modifié », « absent »

    @property
    def ok(self) -> bool:
        """True when the file is as the run wrote it."""
        return self.state == "intact"


def verify_run(folder: Path) -> list[FileCheck]:
    """Each file the manifest lists, intact, changed (one byte is enough) or missing.

    Raises:
        InvalidInputError: no readable manifest in the folder.
    """
    listed = RunFolder.reopen(folder).manifest.files
    checks = []
    for relative, expected in sorted(listed.items()):
        path = folder / relative
        if not path.resolve().is_relative_to(folder.resolve()) or not path.is_file():
            checks.append(FileCheck(relative, "absent"))
        else:
            checks.append(FileCheck(relative, "intact" if sha256_of(path) == expected else "modifié"))
    return checks
