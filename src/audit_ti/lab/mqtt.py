"""The few MQTT 3.1.1 packets the lab sends: to check a broker answers, and to leave retained telemetry."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Mapping

__all__ = ["CONNECTION_ACCEPTED", "connect", "connect_packet", "disconnect_packet", "publish_packet"]

CONNECTION_ACCEPTED = 0


def _remaining_length(length: int) -> bytes:
    encoded = bytearray()
    while True:
        byte, length = length % 128, length // 128
        encoded.append(byte | (0x80 if length else 0))
        if not length:
            return bytes(encoded)


def _string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("!H", len(data)) + data


def _packet(header: int, body: bytes) -> bytes:
    return bytes([header]) + _remaining_length(len(body)) + body


def connect_packet(client_id: str, username: str | None = None, password: str | None = None) -> bytes:
    """CONNECT with a clean session and, optionally, a user name and password."""
    flags = 0x02
    payload = _string(client_id)
    if username is not None:
        flags |= 0x80
        payload += _string(username)
    if password is not None:
        flags |= 0x40
        payload += _string(password)
    variable = _string("MQTT") + bytes([4, flags]) + struct.pack("!H", 30)
    return _packet(0x10, variable + payload)


def publish_packet(topic: str, payload: str, retain: bool = True) -> bytes:
    """PUBLISH at QoS 0."""
    return _packet(0x30 | (0x01 if retain else 0), _string(topic) + payload.encode())


def disconnect_packet() -> bytes:
    """DISCONNECT."""
    return bytes([0xE0, 0x00])


async def connect(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    client_id: str,
    credentials: tuple[str, str] | None = None,
    retained: Mapping[str, str] | None = None,
) -> int:
    """Send CONNECT, read CONNACK; when accepted, publish ``retained`` and disconnect.

    Returns:
        The CONNACK return code (0: accepted, 5: not authorised…).

    Raises:
        ConnectionError: the peer did not answer with a CONNACK.
    """
    username, password = credentials if credentials else (None, None)
    writer.write(connect_packet(client_id, username, password))
    await writer.drain()
    answer = await reader.readexactly(4)
    if answer[0] != 0x20 or answer[1] != 0x02:
        raise ConnectionError("réponse MQTT inattendue")
    code = answer[3]
    if code == CONNECTION_ACCEPTED:
        for topic, payload in (retained or {}).items():
            writer.write(publish_packet(topic, payload))
        writer.write(disconnect_packet())
        await writer.drain()
    return code
