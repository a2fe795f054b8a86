"""Bounded reads of input files that trust neither the file's type nor its reported size.

An input path may name a FIFO (the read would hang), a device such as ``/dev/zero`` (the read
would never end) or a file that grows while it is read. The file is opened without blocking,
checked to be a regular file on the open descriptor (so a swap between the check and the read
cannot fool it), then read up to a cap: one byte more than the cap is proof enough that it is
too large.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.text import french_number

__all__ = ["decode_utf8", "format_megabytes", "inside", "line_of", "read_capped"]

_CHUNK = 1 << 20


def format_megabytes(size: int) -> str:
    """A size in megabytes with a French decimal comma (``1,5``)."""
    return french_number(size / 1_048_576, ".1f")


def _why(error: OSError) -> str:
    if error.errno in (errno.EACCES, errno.EPERM):
        return "droits insuffisants pour le lire"
    if error.errno == errno.EISDIR:
        return "c'est un dossier, pas un fichier"
    if error.errno == errno.ELOOP:
        return "lien symbolique en boucle"
    return error.strerror or type(error).__name__


def read_capped(path: Path, limit: int, purpose: str = "") -> bytes:
    """The bytes of a regular file, refusing anything else and anything larger than ``limit``.

    Args:
        path: the file to read.
        limit: the largest size accepted, in bytes.
        purpose: French words after the limit in the "too large" message (« pour une sortie XML
            de nmap »).

    Raises:
        InvalidInputError: missing, unreadable, not a regular file, or too large.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InvalidInputError(Problem("fichier introuvable", path)) from None
    except OSError as error:
        raise InvalidInputError(Problem(f"fichier illisible ({_why(error)})", path)) from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise InvalidInputError(
                Problem(f"ce n'est pas un fichier ordinaire ({_kind(status.st_mode)}) : refusé sans être lu", path)
            )
        if status.st_size > limit:
            raise _too_large(path, f"{format_megabytes(status.st_size)} Mo", limit, purpose)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(descriptor, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                # The size the file system reported was wrong (a file that grows, a /proc file).
                raise _too_large(path, f"plus de {_limit_text(limit)} Mo", limit, purpose)
    except OSError as error:
        raise InvalidInputError(Problem(f"fichier illisible ({_why(error)})", path)) from None
    finally:
        os.close(descriptor)
    return b"".join(chunks)


def line_of(raw: bytes, offset: int) -> int:
    """The line (from 1) on which byte ``offset`` of ``raw`` stands."""
    return raw.count(b"\n", 0, offset) + 1


def decode_utf8(raw: bytes, path: Path, message: str) -> str:
    """The text of ``raw``, without a leading byte-order mark.

    Decoded as plain UTF-8 and not as ``utf-8-sig``, whose error offsets do not count the mark
    and would place the faulty byte a line too early.

    Args:
        message: the French problem when ``raw`` is not UTF-8; ``{octet}`` in it becomes the
            faulty byte (``0xe9``).

    Raises:
        InvalidInputError: ``raw`` is not UTF-8, with the line of the first faulty byte.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        problem = message.replace("{octet}", f"0x{raw[error.start]:02x}")
        raise InvalidInputError(Problem(problem, path, line_of(raw, error.start))) from None
    return text.removeprefix("\ufeff")


def _limit_text(limit: int) -> str:
    megabytes = limit / 1_048_576
    return str(int(megabytes)) if megabytes == int(megabytes) else format_megabytes(limit)


def _too_large(path: Path, size: str, limit: int, purpose: str) -> InvalidInputError:
    return InvalidInputError(
        Problem(f"fichier trop volumineux ({size} ; au plus {_limit_text(limit)} Mo{purpose})", path)
    )


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "un dossier"
    if stat.S_ISFIFO(mode):
        return "un tube nommé, FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "un périphérique"
    if stat.S_ISSOCK(mode):
        return "une socket"
    return "type inconnu"


def inside(path: Path, roots: Iterable[Path]) -> bool:
    """True when ``path``, links followed and ``..`` resolved, lies inside one of ``roots``."""
    resolved = path.resolve()
    return any(resolved.is_relative_to(root.resolve()) for root in roots)
