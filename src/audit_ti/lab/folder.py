"""The lab's state folder: configs, keys, data, logs, pid files and the state file, nothing elsewhere.

(One exception, imposed by Debian's OpenSSH: ``/run/sshd`` must exist; the lab creates it if
needed, empty, as the system service would.)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

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
        self.root = root.absolute()

    @property
    def state_file(self) -> Path:
        """What the running lab is: block, scale count, run id, start time."""
        return self.root / "etat.json"

    @property
    def config_dir(self) -> Path:
        """Daemon configuration files."""
        return self.root / "config"

    @property
    def keys_dir(self) -> Path:
        """Keys and certificates, generated at each start."""
        return self.root / "cles"

    @property
    def data_dir(self) -> Path:
        """What the services serve: web pages, the anonymous FTP folder, SNMP persistence."""
        return self.root / "donnees"

    @property
    def logs_dir(self) -> Path:
        """One log per daemon (its standard output and error)."""
        return self.root / "journaux"

    @property
    def pids_dir(self) -> Path:
        """One pid file per daemon started by the lab."""
        return self.root / "pids"

    @property
    def run_dir(self) -> Path:
        """Runtime files the daemons insist on writing (their own pid files)."""
        return self.root / "run"

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
