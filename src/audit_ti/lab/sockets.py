"""Which sockets are bound, by whom, and whether the lab's ports are free (from /proc, Linux)."""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from audit_ti.lab.layout import IPAddress, LabGateway, Service, Transport

__all__ = ["BoundSocket", "PortConflict", "bound_sockets", "find_conflicts", "process_name", "socket_owners"]

_PROC = Path("/proc")
_TCP_LISTEN = "0A"
# UDP sockets have no listening state; "07" (TCP_CLOSE) is how /proc shows an idle bound socket.
_UDP_BOUND = "07"


@dataclass(frozen=True)
class BoundSocket:
    """A listening TCP socket or a bound UDP socket."""

    transport: Transport
    address: IPAddress
    port: int
    inode: int

    @property
    def is_wildcard(self) -> bool:
        """True for 0.0.0.0 or ::, which would listen on every interface."""
        return self.address.is_unspecified


def _parse_address(text: str) -> tuple[IPAddress, int]:
    host, port = text.split(":")
    raw = bytes.fromhex(host)
    # The kernel prints each 32-bit word in host (little-endian) order.
    swapped = b"".join(raw[index : index + 4][::-1] for index in range(0, len(raw), 4))
    address: IPAddress = ipaddress.IPv4Address(swapped) if len(swapped) == 4 else ipaddress.IPv6Address(swapped)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address, int(port, 16)


def bound_sockets() -> list[BoundSocket]:
    """Every listening TCP socket and bound UDP socket of the machine (IPv4 and IPv6)."""
    found = []
    for table, transport, state in (
        ("tcp", Transport.TCP, _TCP_LISTEN),
        ("tcp6", Transport.TCP, _TCP_LISTEN),
        ("udp", Transport.UDP, _UDP_BOUND),
        ("udp6", Transport.UDP, _UDP_BOUND),
    ):
        try:
            lines = (_PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] != state:
                continue
            address, port = _parse_address(fields[1])
            found.append(BoundSocket(transport, address, port, int(fields[9])))
    return found


def socket_owners(inodes: Iterable[int] | None = None) -> dict[int, list[int]]:
    """Socket inode → pids holding it (all sockets, or only ``inodes``)."""
    wanted = None if inodes is None else {f"socket:[{inode}]" for inode in inodes}
    owners: dict[int, list[int]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            descriptors = list((entry / "fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                target = str(descriptor.readlink())
            except OSError:
                continue
            if target.startswith("socket:[") and (wanted is None or target in wanted):
                owners.setdefault(int(target[8:-1]), []).append(int(entry.name))
    return owners


def process_name(pid: int) -> str:
    """The short command name of a process (``?`` when it is gone)."""
    try:
        return (_PROC / str(pid) / "comm").read_text().strip()
    except OSError:
        return "?"


@dataclass(frozen=True)
class PortConflict:
    """A lab port that cannot be bound, and why."""

    gateway: LabGateway
    service: Service
    reason: str


def _try_bind(gateway: LabGateway, service: Service) -> int | None:
    """The errno that binding the lab's socket would raise, or None when it is free."""
    kind = socket.SOCK_STREAM if service.transport is Transport.TCP else socket.SOCK_DGRAM
    family = socket.AF_INET6 if gateway.ipv6 else socket.AF_INET
    try:
        with socket.socket(family, kind) as probe:  # no IPv6 in the kernel: EAFNOSUPPORT
            # Daemons set SO_REUSEADDR too: a connection lingering in TIME_WAIT is no conflict.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((str(gateway.address), service.port))
    except OSError as error:
        return error.errno
    return None


def _clashes(gateway: LabGateway, bound: BoundSocket) -> bool:
    """True when ``bound`` may hold the gateway's address: the address itself, or a wildcard.

    An IPv6 wildcard (``::``) also takes the IPv4 addresses unless it is IPv6-only; 0.0.0.0 never
    takes ::1.
    """
    if bound.address == gateway.address:
        return True
    return bound.is_wildcard and (not gateway.ipv6 or bound.address.version == 6)


def _holders(gateway: LabGateway, service: Service, sockets: list[BoundSocket]) -> str:
    clashing = [
        bound.inode
        for bound in sockets
        if bound.transport is service.transport and bound.port == service.port and _clashes(gateway, bound)
    ]
    owners = socket_owners(clashing)
    pids = sorted({pid for inode in clashing for pid in owners.get(inode, [])})
    return ", ".join(f"« {process_name(pid)} » (pid {pid})" for pid in pids)


def find_conflicts(endpoints: Iterable[tuple[LabGateway, Service]]) -> list[PortConflict]:
    """The lab endpoints that cannot be bound now, with the process holding each, if known."""
    conflicts = []
    sockets: list[BoundSocket] | None = None
    for gateway, service in endpoints:
        code = _try_bind(gateway, service)
        if code is None:
            continue
        if code == errno.EADDRINUSE:
            sockets = sockets if sockets is not None else bound_sockets()
            holders = _holders(gateway, service, sockets)
            reason = f"déjà occupé par {holders}" if holders else "déjà occupé"
        elif code in {errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT}:
            reason = "adresse absente de l'interface de boucle locale" + (
                " (IPv6 désactivé sur cette machine ?)" if gateway.ipv6 else ""
            )
        elif code == errno.EACCES:
            reason = "port réservé à root"
        else:
            reason = f"impossible d'écouter ({errno.errorcode.get(code, code)})"
        conflicts.append(PortConflict(gateway, service, reason))
    return conflicts
