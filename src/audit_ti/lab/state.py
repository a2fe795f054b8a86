"""What a state folder records of the lab started in it, and that lab's status.

The state file (block, scale count, run id, programs, start time) and the pid files are all that
``stop`` and ``status`` go by: they need no layout, only the folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.lab import processes
from audit_ti.lab.folder import StateFolder
from audit_ti.lab.layout import LabGateway, LabLayout, Service, parse_network
from audit_ti.lab.pki import Material
from audit_ti.lab.probes import ProbeSettings, probe_all, run_sync

__all__ = ["DaemonStatus", "EndpointStatus", "LabState", "LabStatus"]

_STATE_FORMAT = 1


@dataclass(frozen=True)
class EndpointStatus:
    """Whether one service of one gateway answers."""

    gateway: LabGateway
    service: Service
    up: bool


@dataclass(frozen=True)
class DaemonStatus:
    """One daemon the lab started."""

    name: str
    pid: int
    running: bool


@dataclass(frozen=True)
class LabStatus:
    """What a lab folder holds: nothing, or a lab with its daemons and services."""

    folder: Path
    layout: LabLayout | None
    started_at: datetime | None
    daemons: tuple[DaemonStatus, ...]
    endpoints: tuple[EndpointStatus, ...]

    @property
    def running(self) -> bool:
        """True when a lab was started in this folder and not stopped."""
        return self.layout is not None

    @property
    def all_up(self) -> bool:
        """True when the lab runs and every service answers."""
        return self.running and all(endpoint.up for endpoint in self.endpoints)


class LabState:
    """The state file and pid files of one state folder."""

    def __init__(self, folder: StateFolder) -> None:
        self.folder = folder

    def read(self) -> dict[str, object] | None:
        """The state file's content; None when no lab was started here (or it was stopped).

        Raises:
            InvalidInputError: the state file cannot be read or parsed.
        """
        try:
            data = json.loads(self.folder.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            raise InvalidInputError(
                Problem(
                    "fichier d'état du laboratoire illisible : arrêtez les processus du laboratoire, puis supprimez-le",
                    file=self.folder.state_file,
                )
            ) from None
        return data if isinstance(data, dict) else None

    def write(self, layout: LabLayout, run_id: str, executables: list[str]) -> None:
        """Record the lab about to start: its layout, run id and the programs its daemons run."""
        state = {
            "format": _STATE_FORMAT,
            "identifiant": run_id,
            "programmes": sorted({os.path.realpath(path) for path in executables}),
            "reseau": str(layout.network),
            "passerelles_echelle": layout.scale_count,
            "ipv6": layout.ipv6,
            "demarre_le": datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        self.folder.state_file.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")

    def forget(self) -> None:
        """Remove the state file and the pid files (the processes they name are gone)."""
        for path in self.folder.pids_dir.glob("*.pid"):
            path.unlink(missing_ok=True)
        self.folder.state_file.unlink(missing_ok=True)

    def layout(self) -> LabLayout | None:
        """The layout of the lab started in this folder, if any."""
        state = self.read()
        if state is None:
            return None
        return LabLayout.build(
            parse_network(str(state["reseau"])),
            int(str(state["passerelles_echelle"])),
            ipv6=state.get("ipv6") is True,
        )

    def signature(self) -> processes.LabSignature | None:
        """What marks the processes of the lab started here, if any."""
        state = self.read()
        if state is None:
            return None
        programs = state.get("programmes", [])
        return processes.LabSignature(
            str(state["identifiant"]),
            self.folder.root,
            frozenset(str(program) for program in programs) if isinstance(programs, list) else frozenset(),
        )

    def records(self) -> list[processes.ProcessRecord]:
        """The daemons the lab started, from their pid files."""
        return processes.read_records(self.folder.pids_dir) if self.folder.pids_dir.is_dir() else []

    def pids(self) -> list[int]:
        """Every live process of the lab: its daemons and what they forked."""
        return sorted(processes.lab_pids(self.records(), self.signature()))

    def status(self, timeout: float) -> LabStatus:
        """Which daemons run and which services answer (probed now)."""
        layout = self.layout()
        if layout is None:
            return LabStatus(self.folder.root, None, None, (), ())
        state = self.read() or {}
        daemons = tuple(
            DaemonStatus(record.name, record.pid, processes.is_running(record)) for record in self.records()
        )
        endpoints = list(layout.endpoints())
        ca_file = Material.at(self.folder).ca_certificate
        settings = ProbeSettings(timeout=timeout, ca_file=ca_file if ca_file.exists() else None)
        results = run_sync(probe_all(endpoints, settings))
        # A busy machine can make a healthy daemon miss a short timeout: a service is only reported
        # down after a second, longer try.
        retry = [index for index, up in enumerate(results) if not up]
        if retry:
            slower = ProbeSettings(timeout=3 * timeout, ca_file=settings.ca_file)
            again = run_sync(probe_all([endpoints[index] for index in retry], slower))
            for index, up in zip(retry, again, strict=True):
                results[index] = up
        return LabStatus(
            self.folder.root,
            layout,
            datetime.fromisoformat(str(state["demarre_le"])) if "demarre_le" in state else None,
            daemons,
            tuple(
                EndpointStatus(gateway, service, up) for (gateway, service), up in zip(endpoints, results, strict=True)
            ),
        )
