"""Console output shared by the commands: Rich consoles, problems, debug state."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape

from audit_ti.errors import Problem
from audit_ti.text import neutralise

__all__ = ["STATE", "err_console", "out_console", "print_problems"]


@dataclass
class _State:
    debug: bool = False


#: Global options of the current invocation.
STATE = _State()

out_console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def print_problems(problems: Iterable[Problem], *, title: str | None = None, warning: bool = False) -> None:
    """Print located problems on stderr, one per line, file and line first (``warning``: in yellow, « ! »)."""
    colour, mark = ("yellow", "!") if warning else ("red", "✗")
    if title:
        err_console.print(f"[bold {colour}]{escape(title)}[/]", soft_wrap=True)
    for problem in problems:
        err_console.print(f"  [{colour}]{mark}[/] {escape(neutralise(str(problem)))}", soft_wrap=True)
