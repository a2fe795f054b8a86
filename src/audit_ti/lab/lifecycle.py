"""The lab's life cycle: start (checks, keys, configs, daemons, readiness) and stop.

What the state folder records of a started lab, and its status, live in ``lab.state``.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audit_ti.errors import IncompleteRunError, InvalidInputError, Problem, ToolMissingError
from audit_ti.lab import mqtt, processes
from audit_ti.lab.content import mqtt_messages
from audit_ti.lab.daemons import DaemonPlan, PlanContext, plan_daemons
from audit_ti.lab.daemons.base import SYSTEM_PATH
from audit_ti.lab.folder import StateFolder
from audit_ti.lab.layout import LAB_IPV6_ENV, LAB_NETWORK_ENV, LabLayout, Profile, ServiceKind
from audit_ti.lab.pki import Material, generate_material
from audit_ti.lab.probes import (
    Endpoint,
    ProbeSettings,
    close_stream,
    mqtt_credentials,
    open_stream,
    probe_all,
    run_sync,
)
from audit_ti.lab.sockets import BoundSocket, bound_sockets, find_conflicts, socket_owners
from audit_ti.lab.state import LabState, LabStatus

__all__ = ["Lab", "ProgressCallback", "StopReport"]

#: Called with (services ready, services in all) while the lab waits for its services.
ProgressCallback = Callable[[int, int], None]

_LOG_TAIL_LINES = 8


@dataclass(frozen=True)
class StopReport:
    """What ``stop`` found and did."""

    was_running: bool
    stopped: int


def _log_tail(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in lines[-_LOG_TAIL_LINES:] if line.strip())


def _default_timeout(layout: LabLayout) -> float:
    return 30.0 + 0.2 * layout.scale_count


class Lab:
    """A lab in one state folder.

    ``Lab(folder, layout).start()`` starts it; ``Lab(folder).stop()`` and ``.status()`` find what
    runs there from the folder's state file, so they need no layout.
    """

    def __init__(self, folder: Path, layout: LabLayout | None = None, *, search_path: str | None = None) -> None:
        self.folder = StateFolder(folder)
        self._state = LabState(self.folder)
        self._layout = layout
        self._search_path = search_path if search_path is not None else f"{os.environ.get('PATH', '')}:{SYSTEM_PATH}"

    @property
    def layout(self) -> LabLayout | None:
        """The layout given to start, else the one of the lab running in the folder."""
        return self._layout if self._layout is not None else self.running_layout()

    def pids(self) -> list[int]:
        """Every live process of the lab: its daemons and what they forked."""
        return self._state.pids()

    def running_layout(self) -> LabLayout | None:
        """The layout of the lab started in this folder, if any."""
        return self._state.layout()

    def sockets(self) -> list[BoundSocket]:
        """Listening TCP and bound UDP sockets held by the lab's processes."""
        pids = set(self.pids())
        owners = socket_owners()
        return [bound for bound in bound_sockets() if pids & set(owners.get(bound.inode, []))]

    # -- start --------------------------------------------------------------------------------

    def _plans(self, layout: LabLayout) -> list[DaemonPlan]:
        return plan_daemons(PlanContext(layout, self.folder, Material.at(self.folder)))

    def _check_programs(self, plans: list[DaemonPlan]) -> None:
        missing: dict[str, str] = {}
        for plan in plans:
            for program in (plan.program, *plan.requires):
                if program.locate(self._search_path) is None:
                    missing[program.command] = program.package
        if missing:
            listed = ", ".join(f"{command} (paquet {package})" for command, package in missing.items())
            packages = " ".join(sorted(set(missing.values())))
            raise ToolMissingError(
                f"programmes introuvables pour le laboratoire : {listed}. Installez-les avec "
                f"« make installer » ou « apt-get install {packages} » ; aucun service n'a été démarré."
            )

    @staticmethod
    def _check_root(layout: LabLayout) -> None:
        if os.geteuid() != 0:
            low = sorted({service.port for _, service in layout.endpoints() if service.port < 1024})
            raise InvalidInputError(
                Problem(
                    "le laboratoire doit être démarré en root, car ses passerelles écoutent sur des ports "
                    f"inférieurs à 1024 ({', '.join(map(str, low))}) : relancez la commande avec sudo."
                )
            )

    def _check_not_running(self) -> None:
        """Refuse a second lab in the same folder; forget a dead one (stale pid files)."""
        if self._state.read() is None and not self._state.records():
            return
        if self.pids():
            raise InvalidInputError(
                Problem(
                    f"un laboratoire tourne déjà dans {self.folder.root} : arrêtez-le d'abord "
                    "(« audit-ti lab arreter »)."
                )
            )
        self._state.forget()

    @staticmethod
    def _check_ports(layout: LabLayout) -> None:
        conflicts = find_conflicts(layout.endpoints())
        if not conflicts:
            return
        problems = [
            Problem(
                f"{conflict.gateway.endpoint(conflict.service.port)}/{conflict.service.transport.value} "
                f"({conflict.gateway.name}, {conflict.service.kind.value}) : {conflict.reason}"
            )
            for conflict in conflicts
        ]
        advice = (
            "rien n'a été démarré. Si un service système (sshd, mosquitto, snmpd…) occupe ces ports, "
            "arrêtez-le ; sinon choisissez un autre bloc d'adresses avec --reseau ou "
            f"{LAB_NETWORK_ENV} (par exemple 127.42.0.0/16)"
        )
        if any(conflict.gateway.ipv6 for conflict in conflicts):
            # ::1 is the same for every lab: another block does not help.
            advice += (
                f". ::1 est commune à tous les laboratoires de la machine : si un autre laboratoire y "
                f"sert déjà sa passerelle IPv6, démarrez celui-ci sans (--sans-ipv6 ou {LAB_IPV6_ENV}=0)"
            )
        problems.append(Problem(advice + "."))
        raise InvalidInputError(problems)

    def _write_files(self, plans: list[DaemonPlan]) -> None:
        for plan in plans:
            for directory, mode in plan.directories:
                directory.mkdir(parents=True, exist_ok=True)
                directory.chmod(mode)
            for file in plan.files:
                file.path.parent.mkdir(parents=True, exist_ok=True)
                file.path.unlink(missing_ok=True)
                file.path.touch(mode=file.mode)
                file.path.write_text(file.text, encoding="utf-8")

    @staticmethod
    def _environment(plan: DaemonPlan, run_id: str) -> dict[str, str]:
        # A small, fixed environment: nothing of the caller's (LD_PRELOAD, proxies…) leaks in.
        return {"PATH": SYSTEM_PATH, "LANG": "C.UTF-8", **plan.environment, processes.RUN_ID_ENV: run_id}

    def start(self, on_progress: ProgressCallback | None = None, timeout: float | None = None) -> LabStatus:
        """Start every daemon and wait until every service answers.

        Raises:
            InvalidInputError: not root, a lab already runs here, or a port is taken (exit code 2).
            ToolMissingError: a daemon is not installed (exit code 2); nothing started.
            IncompleteRunError: a daemon stopped or a service never answered (exit code 3); what
                was started is stopped again, the logs stay in the folder.
        """
        if self._layout is None:
            raise InvalidInputError(Problem("aucune disposition de laboratoire fournie"))
        layout = self._layout
        plans = self._plans(layout)
        self._check_root(layout)
        self._check_programs(plans)
        self._check_not_running()
        self._check_ports(layout)

        self.folder.prepare()
        material = generate_material(layout, self.folder)
        self._write_files(plans)
        run_id = secrets.token_hex(8)
        executables = [str(plan.program.locate(self._search_path)) for plan in plans]
        # Written before the first daemon starts: a crash from here on can always be cleaned up.
        self._state.write(layout, run_id, executables)
        try:
            records = [
                processes.spawn(
                    plan.name,
                    [executable, *plan.arguments],
                    self._environment(plan, run_id),
                    self.folder.log(plan.name),
                    self.folder.pids_dir / f"{plan.name}.pid",
                )
                for plan, executable in zip(plans, executables, strict=True)
            ]
            settings = ProbeSettings(timeout=1.0, ca_file=material.ca_certificate)
            self._wait_ready(layout, records, settings, on_progress, timeout or _default_timeout(layout))
            run_sync(self._publish_telemetry(layout, settings))
        except BaseException:
            self.stop()
            raise
        return self.status()

    def _wait_ready(
        self,
        layout: LabLayout,
        records: list[processes.ProcessRecord],
        settings: ProbeSettings,
        on_progress: ProgressCallback | None,
        timeout: float,
    ) -> None:
        pending: list[Endpoint] = list(layout.endpoints())
        total = len(pending)
        deadline = time.monotonic() + timeout
        while True:
            results = run_sync(probe_all(pending, settings))
            pending = [endpoint for endpoint, up in zip(pending, results, strict=True) if not up]
            if on_progress is not None:
                on_progress(total - len(pending), total)
            if not pending:
                return
            dead = [record for record in records if not processes.is_running(record)]
            if dead:
                details = "; ".join(
                    f"{record.name} (journal {log} : {_log_tail(log)})"
                    for record in dead
                    for log in [self.folder.log(record.name)]
                )
                raise IncompleteRunError(f"le laboratoire n'a pas démarré : arrêt prématuré de {details}")
            if time.monotonic() > deadline:
                silent = ", ".join(f"{gateway.name} {service.declaration}" for gateway, service in pending[:10])
                more = f" et {len(pending) - 10} autres" if len(pending) > 10 else ""
                raise IncompleteRunError(
                    f"le laboratoire n'a pas démarré : sans réponse après {timeout:.0f} s : {silent}{more} "
                    f"(journaux dans {self.folder.logs_dir})"
                )
            time.sleep(0.2)

    @staticmethod
    async def _publish_telemetry(layout: LabLayout, settings: ProbeSettings) -> None:
        """Leave retained messages on the reference brokers, as live telemetry would."""
        for gateway, service in layout.serving(ServiceKind.MQTT, ServiceKind.MQTTS):
            if gateway.profile is Profile.SCALE:
                continue
            reader, writer = await open_stream(gateway, service, settings)
            try:
                client = f"{gateway.name}-telemetrie"
                await mqtt.connect(reader, writer, client, mqtt_credentials(gateway), mqtt_messages(gateway))
            finally:
                await close_stream(writer)

    # -- stop and status ------------------------------------------------------------------------

    def stop(self) -> StopReport:
        """Stop every process of the lab of this folder, by pid; forget its state.

        Raises:
            IncompleteRunError: a process survived SIGKILL (its pid is named).
        """
        signature = self._state.signature()
        records = self._state.records()
        if signature is None and not records:
            return StopReport(was_running=False, stopped=0)
        alive = self.pids()
        survivors = processes.terminate(records, signature)
        if survivors:
            raise IncompleteRunError(
                f"processus du laboratoire encore vivants après SIGKILL : {', '.join(map(str, survivors))}"
            )
        self._state.forget()
        return StopReport(was_running=True, stopped=len(alive))

    def status(self, timeout: float = 3.0) -> LabStatus:
        """Which daemons run and which services answer (probed now)."""
        return self._state.status(timeout)
