"""The lab's state folder: configs, keys, data, logs, pid files and the state file, nothing elsewhere.

(One exception, imposed by Debian's OpenSSH: ``/run/sshd`` must exist; the lab creates it if
needed, empty, as the system service would.)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Final

__all__ = ["LAB_FOLDER_ENV", "StateFolder", "default_folder"]

#: Overrides the default state folder.
LAB_FOLDER_ENV = "AUDIT_TI_LAB_DOSSIER"


def default_folder() -> Path:
    """``$AUDIT_TI_LAB_DOSSIER``, else ``$XDG_RUNTIME_DIR/audit-ti-lab``, else ``/run/audit-ti-lab``.

    A non-root user without a runtime directory gets a folder in the temporary directory (the lab
    will refuse to start, but ``etat`` and ``arreter`` still work).
    """
    explicit = os.environ.get(LAB_FOLDER_ENV, "").strip()
    if explicit:
        return Path(explicit)
    runtime = os.environ.get("XDG_RUNTIME_DIR", "").strip()
    if runtime:
        return Path(runtime) / "audit-ti-lab"
    if os.geteuid() == 0:
        return Path("/run/audit-ti-lab")
    return Path(tempfile.gettempdir()) / f"audit-ti-lab-{os.getuid()}"


class StateFolder:
    """Named places inside the state folder."""

    def __init__(self, root: Path) -> None:
        self.root: Final = root.absolute()
        #: What the running lab is: block, scale count, run id, start time.
        self.state_file: Final = self.root / "etat.json"
        #: Daemon configuration files.
        self.config_dir: Final = self.root / "config"
        #: Keys and certificates, generated at each start.
        self.keys_dir: Final = self.root / "cles"
        #: What the services serve: web pages, the anonymous FTP folder, SNMP persistence.
        self.data_dir: Final = self.root / "donnees"
        #: One log per daemon (its standard output and error).
        self.logs_dir: Final = self.root / "journaux"
        #: One pid file per daemon started by the lab.
        self.pids_dir: Final = self.root / "pids"
        #: Runtime files the daemons insist on writing (their own pid files).
        self.run_dir: Final = self.root / "run"

    def log(self, daemon: str) -> Path:
        """Log file of a daemon."""
        return self.logs_dir / f"{daemon}.log"

    def prepare(self) -> None:
        """Create the folder tree; private parts are readable by root only."""
        self.root.mkdir(parents=True, exist_ok=True)
        for private in (self.config_dir, self.keys_dir, self.logs_dir, self.pids_dir, self.run_dir):
            private.mkdir(exist_ok=True)
            private.chmod(0o700)
        # Served files are read by daemons after they drop privileges (vsftpd's ftp user).
        self.data_dir.mkdir(exist_ok=True)
        self.data_dir.chmod(0o755)
