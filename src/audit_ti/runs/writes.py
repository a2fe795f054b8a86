"""Writing files whole or not at all: atomic replacement, and French errors naming the path and the cause."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from audit_ti.errors import ExitCode, OutputError

__all__ = ["atomic_write", "save_file", "write_error"]


def _why(error: OSError) -> str:
    causes = {
        errno.ENOSPC: "disque plein",
        errno.EDQUOT: "quota disque dépassé",
        errno.EROFS: "système de fichiers en lecture seule",
        errno.EACCES: "droits insuffisants",
        errno.EPERM: "droits insuffisants",
        errno.ENOENT: "dossier introuvable",
        errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    }
    return causes.get(error.errno or 0, error.strerror or type(error).__name__)


def write_error(path: Path, error: OSError, started: bool = True) -> OutputError:
    """A French error naming the path and the cause (exit 3 once a run started, else 2)."""
    code = ExitCode.INCOMPLETE_RUN if started else ExitCode.INVALID_INPUT
    then = "l'exécution est incomplète" if started else "rien n'a été fait"
    return OutputError(f"écriture impossible : {path} ({_why(error)}) ; {then}", code)


def save_file(path: Path, text: str) -> None:
    """Write a file the user asked for (an export, an updated audit) whole, or not at all.

    Raises:
        OutputError: the path names something that is not a regular file (a device such as
            ``/dev/full`` is never replaced), or cannot be written; exit code 2, nothing written.
    """
    if path.exists() and not path.is_file():
        raise OutputError(
            f"écriture refusée : {path} n'est pas un fichier ordinaire ; rien n'a été écrit", ExitCode.INVALID_INPUT
        )
    try:
        atomic_write(path, text.encode("utf-8"))
    except OSError as error:
        raise write_error(path, error, started=False) from None


def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write to a temporary name beside ``path`` and rename: never a truncated ``path``, no leftover."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, mode or 0o644)
        try:
            view = memoryview(data)
            while view:
                written = os.write(descriptor, view)
                view = view[written:]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if mode is not None:
            temporary.chmod(mode)  # the umask may have taken bits away
        temporary.replace(path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
