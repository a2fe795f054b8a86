"""Plan of the services with no Debian daemon, in one asyncio process.

Modbus/TCP, CoAP, the LoRaWAN bridge (Semtech UDP) and the recorders' proprietary ports.

What that process runs is ``audit_ti.lab.protocol_servers``; this module only writes its config.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from audit_ti.lab import content
from audit_ti.lab.daemons.base import ConfigFile, DaemonPlan, PlanContext, Program
from audit_ti.lab.layout import ServiceKind

__all__ = ["plan"]

_SERVERS = Path(__file__).resolve().parent.parent / "protocol_servers.py"


def _entries(context: PlanContext, kind: ServiceKind) -> list[dict[str, str | int]]:
    return [
        {"adresse": str(gateway.address), "port": service.port, "passerelle": gateway.name}
        for gateway, service in context.layout.serving(kind)
    ]


def plan(context: PlanContext) -> list[DaemonPlan]:
    """The Python services process, if any gateway has one of its services."""
    modbus = _entries(context, ServiceKind.MODBUS)
    coap = [
        {
            "adresse": str(gateway.address),
            "port": service.port,
            "passerelle": gateway.name,
            "ressources": content.coap_resources(gateway),
        }
        for gateway, service in context.layout.serving(ServiceKind.COAP)
    ]
    semtech = _entries(context, ServiceKind.SEMTECH_UDP)
    dvr = _entries(context, ServiceKind.DVR)
    if not (modbus or coap or semtech or dvr):
        return []
    config = context.folder.config_dir / "services-python.json"
    services = {"modbus": modbus, "coap": coap, "semtech": semtech, "dvr": dvr}
    text = json.dumps(services, ensure_ascii=False, indent=2) + "\n"
    return [
        DaemonPlan(
            name="services-python",
            # The interpreter running audit-ti: pymodbus and aiocoap are installed beside it.
            program=Program(sys.executable, "python3"),
            # By its path, not « -m audit_ti… »: the lab's environment has no PYTHONPATH, and the file is
            # the one beside this module even when another audit_ti is installed in the interpreter.
            arguments=(str(_SERVERS), str(config)),
            files=(ConfigFile(config, text),),
        )
    ]
