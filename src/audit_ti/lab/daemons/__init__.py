"""Plans of the lab's daemons: real Debian daemons first, a Python process for the rest."""

from __future__ import annotations

from audit_ti.lab.daemons import legacy, lighttpd, mosquitto, openssh, python_services, rtsp, samba
from audit_ti.lab.daemons.base import ConfigFile, DaemonPlan, PlanContext, Program

__all__ = ["ConfigFile", "DaemonPlan", "PlanContext", "Program", "plan_daemons"]


def plan_daemons(context: PlanContext) -> list[DaemonPlan]:
    """Every daemon the layout needs, in start order."""
    return [
        *mosquitto.plan(context),
        *openssh.plan(context),
        *lighttpd.plan(context),
        *legacy.plan(context),
        *samba.plan(context),
        *python_services.plan(context),
        *rtsp.plan(context),
    ]
