#!/usr/bin/env python3
"""Give apt and pip in a network namespace access to their registries, and to nothing else.

scripts/essai-debian-minimale.sh runs a fresh Debian in a network namespace that has only its
loopback. Two halves bridge it to the host through a Unix socket (a file, which network namespaces
do not separate):

    relais-registres.py mandataire SOCKET HOTE...    # on the host: an HTTP proxy limited to HOTE...
    relais-registres.py relais PORT SOCKET           # in the namespace: 127.0.0.1:PORT -> SOCKET

The proxy understands CONNECT (HTTPS, port 443) and plain HTTP requests in absolute form (port 80),
which is what apt and pip send when http_proxy and https_proxy are set. Any other host is refused.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from urllib.parse import urlsplit

_HEAD_LIMIT = 64 * 1024


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        writer.close()


async def _splice(
    reader_a: asyncio.StreamReader,
    writer_a: asyncio.StreamWriter,
    reader_b: asyncio.StreamReader,
    writer_b: asyncio.StreamWriter,
) -> None:
    await asyncio.gather(_pipe(reader_a, writer_b), _pipe(reader_b, writer_a))
    for writer in (writer_a, writer_b):
        writer.close()


def _target(request_line: str) -> tuple[str, str, int] | None:
    """Method, host and port of a proxy request, or None when it is not one this proxy serves."""
    parts = request_line.split()
    if len(parts) != 3:
        return None
    method, target, _ = parts
    if method == "CONNECT":
        host, _, port = target.rpartition(":")
        return (method, host, 443) if port == "443" else None
    url = urlsplit(target)
    if url.scheme == "http" and url.hostname and url.port in (None, 80):
        return method, url.hostname, 80
    return None


async def _serve_proxy(allowed: frozenset[str], reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
        writer.close()
        return
    request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    target = _target(request_line)
    if target is None or target[1] not in allowed:
        print(f"refusé : {request_line}", file=sys.stderr, flush=True)
        writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        writer.close()
        return
    method, host, port = target
    print(f"{method} {host}:{port}", file=sys.stderr, flush=True)
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
    except OSError as error:
        print(f"injoignable : {host}:{port} ({error})", file=sys.stderr, flush=True)
        writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        writer.close()
        return
    if method == "CONNECT":
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    else:  # origin servers accept the absolute form (RFC 9112, 3.2.2): the request goes on as is
        upstream_writer.write(head)
    await _splice(reader, writer, upstream_reader, upstream_writer)


async def _serve_relay(socket_path: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        upstream_reader, upstream_writer = await asyncio.open_unix_connection(socket_path)
    except OSError:
        writer.close()
        return
    await _splice(reader, writer, upstream_reader, upstream_writer)


async def _main(arguments: list[str]) -> int:
    if len(arguments) >= 3 and arguments[0] == "mandataire":
        allowed = frozenset(arguments[2:])
        server = await asyncio.start_unix_server(
            lambda r, w: _serve_proxy(allowed, r, w), arguments[1], limit=_HEAD_LIMIT
        )
    elif len(arguments) == 3 and arguments[0] == "relais":
        socket_path = arguments[2]
        server = await asyncio.start_server(
            lambda r, w: _serve_relay(socket_path, r, w), "127.0.0.1", int(arguments[1])
        )
    else:
        print(__doc__, file=sys.stderr)
        return 2
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()  # SIGTERM: the end of the check, a normal exit
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(_main(sys.argv[1:])))
    except KeyboardInterrupt:
        sys.exit(0)
