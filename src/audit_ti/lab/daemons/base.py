"""How a daemon is described before it starts: program, arguments, files to write."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from audit_ti.lab.folder import StateFolder
from audit_ti.lab.layout import LabLayout
from audit_ti.lab.pki import Material

__all__ = ["SYSTEM_PATH", "ConfigFile", "DaemonPlan", "PlanContext", "Program", "config_lines"]

#: Where Debian puts daemons; searched after $PATH, which often lacks the sbin folders.
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class Program:
    """An external program and the Debian package that installs it."""

    command: str
    package: str

    def locate(self, search_path: str) -> Path | None:
        """Absolute path of the program (sshd refuses to start from a relative one), if installed."""
        if Path(self.command).is_absolute():  # the running interpreter, or a module file
            return Path(self.command) if os.path.lexists(self.command) else None
        found = shutil.which(self.command, path=search_path)
        return Path(found).absolute() if found else None


@dataclass(frozen=True)
class ConfigFile:
    """A file a daemon needs, written before it starts."""

    path: Path
    text: str
    mode: int = 0o600


@dataclass(frozen=True)
class DaemonPlan:
    """One daemon to start.

    Attributes:
        name: unique short name; names its log and pid files.
        program: what to run.
        arguments: command-line arguments after the program.
        files: files to write first.
        directories: folders to create first (with their mode).
        environment: variables added to the lab's environment.
        requires: other installed files the daemon cannot start without.
    """

    name: str
    program: Program
    arguments: tuple[str, ...]
    files: tuple[ConfigFile, ...] = ()
    directories: tuple[tuple[Path, int], ...] = ()
    environment: dict[str, str] = field(default_factory=dict)
    requires: tuple[Program, ...] = ()


@dataclass(frozen=True)
class PlanContext:
    """What every plan needs: the layout, the state folder and where the keys are."""

    layout: LabLayout
    folder: StateFolder
    material: Material


def config_lines(*lines: str) -> str:
    """A configuration file from its lines, with a final newline."""
    return "\n".join(lines) + "\n"
