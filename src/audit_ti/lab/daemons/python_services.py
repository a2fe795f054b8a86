"""Plan of the services with no Debian daemon: Modbus/TCP and CoAP, in one asyncio process.

What that process runs is ``audit_ti.lab.protocol_servers``; this module only writes its config.
"""

from __future__ import annotations

import json
import sys

from audit_ti.lab import content
from audit_ti.lab.daemons.base import ConfigFile, DaemonPlan, PlanContext, Program
from audit_ti.lab.layout import ServiceKind

__all__ = ["plan"]


def plan(context: PlanContext) -> list[DaemonPlan]:
    """The Python services process, if any gateway has Modbus or CoAP."""
    modbus = [
        {"adresse": str(gateway.address), "port": service.port, "passerelle": gateway.name}
        for gateway, service in context.layout.serving(ServiceKind.MODBUS)
    ]
    coap = [
        {
            "adresse": str(gateway.address),
            "port": service.port,
            "passerelle": gateway.name,
            "ressources": content.coap_resources(gateway),
        }
        for gateway, service in context.layout.serving(ServiceKind.COAP)
    ]
    if not modbus and not coap:
        return []
    config = context.folder.config_dir / "services-python.json"
    text = json.dumps({"modbus": modbus, "coap": coap}, ensure_ascii=False, indent=2) + "\n"
    return [
        DaemonPlan(
            name="services-python",
            # The interpreter running audit-ti: pymodbus and aiocoap are installed beside it.
            program=Program(sys.executable, "python3"),
            arguments=("-m", "audit_ti.lab.protocol_servers", str(config)),
            files=(ConfigFile(config, text),),
        )
    ]
