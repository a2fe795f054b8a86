"""Is a service up? Each probe speaks the service's own protocol, as a client would.

A port that accepts connections is not enough: a broker must send CONNACK, an SSH server its
version line, an SNMP agent a GetResponse. The probes only ever connect to the lab's addresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from audit_ti.lab import mqtt
from audit_ti.lab.content import MQTT_PASSWORD, MQTT_USER
from audit_ti.lab.layout import LabGateway, Profile, Service, ServiceKind

__all__ = [
    "Endpoint",
    "ProbeSettings",
    "close_stream",
    "mqtt_credentials",
    "open_stream",
    "probe",
    "probe_all",
    "run_sync",
    "smb_negotiate",
    "tls_context",
]

Endpoint = tuple[LabGateway, Service]
T = TypeVar("T")


def _ber(tag: int, content: bytes) -> bytes:
    """One BER element (short form: every element here is under 128 bytes)."""
    return bytes([tag, len(content)]) + content


# SNMPv2c GetRequest for sysName.0 (1.3.6.1.2.1.1.5.0), community "public", request id 0x4c61.
_SYSNAME_OID = bytes([0x2B, 6, 1, 2, 1, 1, 5, 0])
_SNMP_GET_SYSNAME = _ber(
    0x30,
    _ber(0x02, b"\x01")
    + _ber(0x04, b"public")
    + _ber(
        0xA0,
        _ber(0x02, b"\x4c\x61")
        + _ber(0x02, b"\x00")
        + _ber(0x02, b"\x00")
        + _ber(0x30, _ber(0x30, _ber(0x06, _SYSNAME_OID) + b"\x05\x00")),
    ),
)
# CoAP confirmable GET /.well-known/core, message id 0x4c61.
_COAP_GET_CORE = b"\x40\x01\x4c\x61\xbb.well-known\x04core"
# Semtech UDP (LoRaWAN bridge): PULL_DATA, version 2, token 0x4c61, EUI; the bridge answers PULL_ACK.
_SEMTECH_PULL_DATA = b"\x02\x4c\x61\x02" + bytes.fromhex("aa555a0000000101")
# Modbus/TCP: transaction 0x4c61, unit 1, read one holding register at address 0.
_MODBUS_READ = struct.pack("!HHHBBHH", 0x4C61, 0, 6, 1, 3, 0, 1)


def smb_negotiate(*dialects: str) -> bytes:
    """An SMB1 NEGOTIATE request offering ``dialects``, in its NetBIOS session frame (TCP 445).

    The header: protocol, command 0x72, status 0, flags (canonical, case-insensitive paths),
    flags2 (NT status codes, long names), process id high, signature, reserved, tree id,
    process id 0x4c61, user id, multiplex id. No parameter words; the dialects as data.
    """
    header = struct.pack("<4sBIBHH8sHHHHH", b"\xffSMB", 0x72, 0, 0x18, 0x4001, 0, bytes(8), 0, 0, 0x4C61, 0, 0)
    data = b"".join(b"\x02" + dialect.encode("ascii") + b"\x00" for dialect in dialects)
    message = header + b"\x00" + struct.pack("<H", len(data)) + data
    return b"\x00" + len(message).to_bytes(3, "big") + message


# Any SMB server answers this one: in SMB1 if it still speaks it, else in SMB2.
_SMB_NEGOTIATE = smb_negotiate("NT LM 0.12", "SMB 2.002")
_SMB_MAX_REPLY = 1 << 16


@dataclass(frozen=True)
class ProbeSettings:
    """What the probes need beyond the layout.

    Attributes:
        timeout: seconds allowed to each probe.
        ca_file: the lab's CA certificate; when given, the hardened gateway's TLS is verified.
    """

    timeout: float = 2.0
    ca_file: Path | None = None


def tls_context(gateway: LabGateway, settings: ProbeSettings) -> ssl.SSLContext:
    if gateway.profile is Profile.HARDENED and settings.ca_file is not None:
        return ssl.create_default_context(cafile=str(settings.ca_file))
    # The other gateways' certificates are expired or self-signed on purpose.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def mqtt_credentials(gateway: LabGateway) -> tuple[str, str] | None:
    """The account a client uses on that gateway's broker (None: anonymous)."""
    return None if gateway.profile is Profile.VULNERABLE else (MQTT_USER, MQTT_PASSWORD)


Conversation = Callable[[LabGateway, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[bool]]


async def _ssh(_gateway: LabGateway, reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> bool:
    return (await reader.readline()).startswith(b"SSH-2.0-")


async def _ftp(_gateway: LabGateway, reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> bool:
    return (await reader.readline()).startswith(b"220")


async def _telnet(_gateway: LabGateway, reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> bool:
    return (await reader.read(1)) == b"\xff"  # IAC: option negotiation comes first


async def _http(gateway: LabGateway, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    writer.write(f"GET / HTTP/1.0\r\nHost: {gateway.host}\r\n\r\n".encode())
    await writer.drain()
    return (await reader.readline()).startswith(b"HTTP/1.")


async def _broker(gateway: LabGateway, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    code = await mqtt.connect(reader, writer, "audit-ti-sonde", mqtt_credentials(gateway))
    return code == mqtt.CONNECTION_ACCEPTED


async def _modbus(_gateway: LabGateway, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    writer.write(_MODBUS_READ)
    await writer.drain()
    answer = await reader.readexactly(9)
    return answer[:2] == _MODBUS_READ[:2] and answer[7] == 3


async def _rtsp(_gateway: LabGateway, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    writer.write(b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n")
    await writer.drain()
    return (await reader.readline()).startswith(b"RTSP/1.0 200")


async def _accepts(_gateway: LabGateway, _reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> bool:
    # A recorder's proprietary port in the lab: accepting the connection is all it does.
    return True


async def _smb(_gateway: LabGateway, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    writer.write(_SMB_NEGOTIATE)
    await writer.drain()
    frame = await reader.readexactly(4)
    length = int.from_bytes(frame[1:], "big")
    if frame[0] != 0 or not 4 <= length <= _SMB_MAX_REPLY:
        return False
    return (await reader.readexactly(length))[:4] in {b"\xffSMB", b"\xfeSMB"}


_TCP_CONVERSATIONS: dict[ServiceKind, Conversation] = {
    ServiceKind.SSH: _ssh,
    ServiceKind.FTP: _ftp,
    ServiceKind.TELNET: _telnet,
    ServiceKind.HTTP: _http,
    ServiceKind.HTTPS: _http,
    ServiceKind.DEBUG_CONSOLE: _http,
    ServiceKind.MQTT: _broker,
    ServiceKind.MQTTS: _broker,
    ServiceKind.MODBUS: _modbus,
    ServiceKind.SMB: _smb,
    ServiceKind.RTSP: _rtsp,
    ServiceKind.CWMP: _http,
    ServiceKind.DVR: _accepts,
}
# Request, and how the answer starts: an SNMP message (SEQUENCE), a CoAP ACK 2.05 to our id,
# a PULL_ACK to our token.
_UDP_EXCHANGES: dict[ServiceKind, tuple[bytes, bytes]] = {
    ServiceKind.SNMP: (_SNMP_GET_SYSNAME, b"\x30"),
    ServiceKind.COAP: (_COAP_GET_CORE, b"\x60\x45\x4c\x61"),
    ServiceKind.SEMTECH_UDP: (_SEMTECH_PULL_DATA, b"\x02\x4c\x61\x04"),
}
_TLS_KINDS = {ServiceKind.HTTPS, ServiceKind.MQTTS}
_CLOSING_GRACE_SECONDS = 0.05


async def open_stream(
    gateway: LabGateway, service: Service, settings: ProbeSettings
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP connection to the service, in TLS when the service is."""
    tls = service.kind in _TLS_KINDS
    return await asyncio.open_connection(
        str(gateway.address),
        service.port,
        ssl=tls_context(gateway, settings) if tls else None,
        server_hostname=str(gateway.address) if tls else None,
    )


async def close_stream(writer: asyncio.StreamWriter) -> None:
    """Close a connection, ignoring a peer that already left."""
    writer.close()
    with contextlib.suppress(OSError, ssl.SSLError):
        await writer.wait_closed()


async def _udp_exchange(gateway: LabGateway, service: Service, request: bytes, expected_prefix: bytes) -> bool:
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if gateway.ipv6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as udp:
        udp.setblocking(False)
        udp.connect((str(gateway.address), service.port))
        await loop.sock_sendall(udp, request)
        answer = await loop.sock_recv(udp, 4096)
    return answer.startswith(expected_prefix)


async def _probe(gateway: LabGateway, service: Service, settings: ProbeSettings) -> bool:
    if service.kind in _UDP_EXCHANGES:
        request, expected = _UDP_EXCHANGES[service.kind]
        return await _udp_exchange(gateway, service, request, expected)
    reader, writer = await open_stream(gateway, service, settings)
    try:
        return await _TCP_CONVERSATIONS[service.kind](gateway, reader, writer)
    finally:
        await close_stream(writer)


async def probe(gateway: LabGateway, service: Service, settings: ProbeSettings) -> bool:
    """True when the service answers in its own protocol within the timeout."""
    try:
        return await asyncio.wait_for(_probe(gateway, service, settings), settings.timeout)
    except (OSError, TimeoutError, asyncio.IncompleteReadError, ssl.SSLError, ConnectionError):
        return False


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end, also from code that already runs an event loop (a notebook)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, coroutine).result()


async def probe_all(endpoints: Sequence[Endpoint], settings: ProbeSettings, concurrency: int = 64) -> list[bool]:
    """Probe every endpoint, a bounded number at a time; results in the same order."""
    limit = asyncio.Semaphore(concurrency)

    async def bounded(gateway: LabGateway, service: Service) -> bool:
        async with limit:
            return await probe(gateway, service, settings)

    results = list(await asyncio.gather(*(bounded(gateway, service) for gateway, service in endpoints)))
    # A probe cut by its timeout closes its transport, but the closing finishes in later turns of
    # the loop: let them run before the loop ends, or the socket is reported unclosed.
    await asyncio.sleep(_CLOSING_GRACE_SECONDS)
    return results
