"""Exit codes and the project's small exception tree.

Every error a user can cause carries a French message; the CLI turns it into its exit code
without a traceback. Anything else is a bug and is reported as such.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

__all__ = [
    "AuditTiError",
    "ExitCode",
    "IncompleteRunError",
    "InvalidInputError",
    "OutputError",
    "Problem",
    "ScopeError",
    "ToolMissingError",
]


class ExitCode(IntEnum):
    """Process exit codes shared by every command."""

    OK = 0
    BLOCKING_FINDINGS = 1
    INVALID_INPUT = 2
    INCOMPLETE_RUN = 3


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file.

    Attributes:
        message: French sentence saying what is wrong and what was expected.
        file: the file concerned, if any.
        line: 1-based line number, if known.
        key: the key path in the file (``passerelles[2].adresse``), if any.
    """

    message: str
    file: Path | None = None
    line: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.key:
            where.append(f"clé « {self.key} »")
        return f"{', '.join(where)} : {self.message}" if where else self.message


class AuditTiError(Exception):
    """Base of every error the tool reports to its user in French."""

    exit_code: ExitCode = ExitCode.INCOMPLETE_RUN


class InvalidInputError(AuditTiError):
    """An input file or argument is invalid; nothing was done (exit code 2)."""

    exit_code = ExitCode.INVALID_INPUT

    def __init__(self, problems: Problem | str | Iterable[Problem]) -> None:
        if isinstance(problems, str):
            problems = Problem(problems)
        self.problems: tuple[Problem, ...] = (problems,) if isinstance(problems, Problem) else tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ScopeError(InvalidInputError):
    """A target is outside the authorised scope: the scan is refused before anything is sent."""


class ToolMissingError(AuditTiError):
    """An external program (nmap, a lab daemon) is not installed."""

    exit_code = ExitCode.INVALID_INPUT


class IncompleteRunError(AuditTiError):
    """A run stopped before its end; what was gathered is kept (exit code 3)."""

    exit_code = ExitCode.INCOMPLETE_RUN


class OutputError(AuditTiError):
    """The tool could not write where it must (disk full, read-only folder, no permission).

    Exit code 2 when nothing could start, 3 when a run was cut short; the message names the path
    and the cause.
    """

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.INCOMPLETE_RUN) -> None:
        super().__init__(message)
        self.exit_code = exit_code
