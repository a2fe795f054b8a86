"""Entry point of the lab's Python services process: ``python protocol_servers.py CONFIG.json``.

Runs the real protocol stacks that Debian does not package as daemons: pymodbus's Modbus/TCP
server and aiocoap's CoAP server, each bound to its gateway's address only; the LoRaWAN bridge's
Semtech UDP protocol (small enough to follow its public specification here); and the recorders'
proprietary ports, which have no free implementation: listeners that accept a connection and
say nothing. Stops on SIGTERM.
The process is planned (config file, arguments) by ``daemons.python_services``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from pathlib import Path
from typing import Any, cast

import aiocoap
import aiocoap.resource
from pymodbus.pdu.device import ModbusDeviceIdentification
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

__all__ = ["main"]

_LOG = logging.getLogger("audit_ti.lab.protocol_servers")
_MODBUS_UNIT = 1

# Semtech's UDP packet-forwarder protocol, version 2 (packet_forwarder, PROTOCOL.TXT): version,
# 2-byte token, identifier, then the gateway's EUI (8 bytes) and, for PUSH_DATA, a JSON object.
_SEMTECH_VERSIONS = {1, 2}
_SEMTECH_ACKS = {0x00: 0x01, 0x02: 0x04}  # PUSH_DATA → PUSH_ACK, PULL_DATA → PULL_ACK
_SEMTECH_HEADER = 12
_DVR_IDLE_SECONDS = 30.0


class _SemtechBridge(asyncio.DatagramProtocol):
    """The network-server side of the Semtech UDP protocol: acknowledges every gateway, as bridges do.

    No authentication exists in that protocol: whoever sends PUSH_DATA injects uplinks, and
    whoever sends PULL_DATA becomes the gateway the bridge sends downlinks to.
    """

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        if len(data) < _SEMTECH_HEADER or data[0] not in _SEMTECH_VERSIONS or data[3] not in _SEMTECH_ACKS:
            return
        if self.transport is not None:
            self.transport.sendto(data[:3] + bytes([_SEMTECH_ACKS[data[3]]]), addr)


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A recorder's proprietary port: accepts, reads and discards, answers nothing, closes when idle."""
    try:
        while await asyncio.wait_for(reader.read(4096), _DVR_IDLE_SECONDS):
            pass
    except (TimeoutError, OSError):
        pass
    finally:
        writer.close()


class _TextResource(aiocoap.resource.Resource):  # type: ignore[misc]
    """A read-only CoAP resource with a plain-text payload."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._payload = text.encode()

    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        return aiocoap.Message(payload=self._payload, content_format=0)


def _modbus_server(entry: dict[str, Any]) -> ModbusTcpServer:
    """A street-cabinet controller: dimming levels in holding registers, identity for 0x11/0x2B."""
    identity = ModbusDeviceIdentification(  # type: ignore[no-untyped-call]
        info_name={
            "VendorName": "Laboratoire audit-ti",
            "ProductCode": "EP-4000",
            "MajorMinorRevision": "1.0-lab",
            "ProductName": f"Controleur d'armoire {entry['passerelle']}",
            "ModelName": "EP-4000",
        }
    )
    registers = [100, 100, 0, 75, *([0] * 96)]
    device = SimDevice(
        id=_MODBUS_UNIT,
        simdata=[SimData(0, count=len(registers), values=registers, datatype=DataType.REGISTERS)],
        identity=identity,
    )
    return ModbusTcpServer(device, identity=identity, address=(entry["adresse"], int(entry["port"])))


def _coap_site(entry: dict[str, Any]) -> aiocoap.resource.Site:
    site = aiocoap.resource.Site()
    site.add_resource([".well-known", "core"], aiocoap.resource.WKCResource(site.get_resources_as_linkheader))
    for path, text in entry["ressources"].items():
        site.add_resource(path.split("/"), _TextResource(text))
    return site


async def _serve(config: dict[str, Any]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    modbus_servers = [_modbus_server(entry) for entry in config.get("modbus", [])]
    modbus_tasks = [asyncio.create_task(server.serve_forever()) for server in modbus_servers]
    coap_contexts = [
        # udp6 only: no CoAP-over-TCP listener the gateway was not declared to have.
        await aiocoap.Context.create_server_context(
            _coap_site(entry), bind=(entry["adresse"], int(entry["port"])), transports=["udp6"]
        )
        for entry in config.get("coap", [])
    ]
    bridges = []
    for entry in config.get("semtech", []):
        address = (entry["adresse"], int(entry["port"]))
        transport, _ = await loop.create_datagram_endpoint(_SemtechBridge, local_addr=address)
        bridges.append(transport)
    recorders = [
        await asyncio.start_server(_silent, entry["adresse"], int(entry["port"])) for entry in config.get("dvr", [])
    ]
    _LOG.warning(
        "services prêts : %d Modbus, %d CoAP, %d Semtech UDP, %d ports d'enregistreur",
        len(modbus_servers),
        len(coap_contexts),
        len(bridges),
        len(recorders),
    )
    await stop.wait()
    for bridge in bridges:
        bridge.close()
    for recorder in recorders:
        recorder.close()
    for server in modbus_servers:
        await server.shutdown()  # type: ignore[no-untyped-call]
    for context in coap_contexts:
        await context.shutdown()
    for task in modbus_tasks:
        task.cancel()
    await asyncio.gather(*modbus_tasks, return_exceptions=True)


def main(argv: list[str] | None = None) -> int:
    """Run the services described by the JSON file given as only argument."""
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    asyncio.run(_serve(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
