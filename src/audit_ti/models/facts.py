"""Facts observed by a network scan, as typed and frozen as the evidence they come from.

They are parsed from nmap's XML by ``scan.nmap_xml``; checks read them and nothing else. Plain
frozen dataclasses with slots: a fleet of thousands of gateways gives hundreds of thousands of
them, and they are never validated against user input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = [
    "HostFacts",
    "HostState",
    "PortFacts",
    "ScanFacts",
    "ScriptElem",
    "ScriptOutput",
    "ScriptTable",
    "ServiceFacts",
    "merge_hosts",
]


@dataclass(frozen=True, slots=True)
class ScriptElem:
    """A ``<elem>`` of an NSE script output."""

    key: str | None
    value: str


@dataclass(frozen=True, slots=True)
class ScriptTable:
    """A ``<table>`` of an NSE script output, with its nested elems and tables."""

    key: str | None
    elems: tuple[ScriptElem, ...] = ()
    tables: tuple[ScriptTable, ...] = ()

    def elem(self, key: str) -> str | None:
        """Value of the first elem with this key."""
        return next((elem.value for elem in self.elems if elem.key == key), None)

    def table(self, key: str) -> ScriptTable | None:
        """First nested table with this key."""
        return next((table for table in self.tables if table.key == key), None)

    def values(self) -> Iterator[str]:
        """Every elem value, nested tables included, depth first."""
        for elem in self.elems:
            yield elem.value
        for table in self.tables:
            yield from table.values()

    def strings(self) -> Iterator[str]:
        """Every key and value, nested tables included (what a pattern may look for)."""
        for elem in self.elems:
            if elem.key:
                yield elem.key
            yield elem.value
        for table in self.tables:
            if table.key:
                yield table.key
            yield from table.strings()


@dataclass(frozen=True, slots=True)
class ScriptOutput:
    """What one NSE script printed for a port or a host: flat text and structure.

    Attributes:
        text: the flat output and every key and value of the structure, for patterns to search.
        summary: the flat output on one line, at most 300 characters, for evidence.
    """

    id: str
    output: str
    structure: ScriptTable = field(default_factory=lambda: ScriptTable(None))
    text: str = field(init=False, repr=False, compare=False)
    summary: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Several checks read the same output on thousands of hosts: worked out once.
        object.__setattr__(self, "text", "\n".join([self.output, *self.structure.strings()]))
        flat = " ".join(self.output.split())
        object.__setattr__(self, "summary", flat if len(flat) <= 300 else flat[:299] + "…")


@dataclass(frozen=True, slots=True)
class ServiceFacts:
    """Service detection result for a port.

    Attributes:
        name: nmap service name (``http``, ``mqtt``…).
        tunnel: ``ssl`` when nmap saw TLS under the service, else None.
        method: ``probed`` (nmap talked to it) or ``table`` (guessed from the port number).
        confidence: nmap's own 0–10 confidence in the service name.
    """

    name: str
    product: str = ""
    version: str = ""
    extrainfo: str = ""
    tunnel: str | None = None
    method: str = "table"
    confidence: int = 0
    cpes: tuple[str, ...] = ()

    @property
    def over_tls(self) -> bool:
        """True when nmap saw TLS under the service, or its name says so (https, mqtts…)."""
        return self.tunnel == "ssl" or self.name in _TLS_SERVICE_NAMES

    @property
    def label(self) -> str:
        """Readable description: name, product and version when known."""
        parts = [("ssl/" if self.tunnel == "ssl" else "") + self.name, self.product, self.version]
        return " ".join(part for part in parts if part)


_TLS_SERVICE_NAMES = frozenset({"https", "ssl", "mqtts", "ftps", "imaps", "pop3s", "smtps", "coaps", "https-alt"})


@dataclass(frozen=True, slots=True)
class PortFacts:
    """One port of one host."""

    protocol: str
    port: int
    state: str
    reason: str = ""
    service: ServiceFacts | None = None
    scripts: tuple[ScriptOutput, ...] = ()
    label: str = field(init=False, repr=False, compare=False)
    description: str = field(init=False, repr=False, compare=False)
    _by_script: dict[str, ScriptOutput] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Read by several checks on thousands of hosts: worked out once.
        label = f"{self.port}/{self.protocol}"
        object.__setattr__(self, "label", label)
        service = self.service.label if self.service is not None else "service inconnu"
        object.__setattr__(self, "description", f"{label} ouvert ({service})")
        by_script: dict[str, ScriptOutput] = {}
        for script in self.scripts:
            by_script.setdefault(script.id, script)
        object.__setattr__(self, "_by_script", by_script)

    @property
    def is_open(self) -> bool:
        """Open, or open|filtered with a service that answered (UDP)."""
        return self.state == "open" or (
            self.state == "open|filtered" and self.service is not None and self.service.method == "probed"
        )

    def script(self, script_id: str) -> ScriptOutput | None:
        """Output of one script on this port, if it printed anything."""
        return self._by_script.get(script_id)


class HostState(StrEnum):
    """What nmap could say about a host."""

    UP = "up"
    DOWN = "down"
    TIMED_OUT = "delai_depasse"
    UNREACHABLE = "injoignable"
    NOT_SCANNED = "non_scanne"


@dataclass(frozen=True, slots=True)
class HostFacts:
    """Everything a scan observed about one address."""

    address: str
    state: HostState
    reason: str = ""
    hostnames: tuple[str, ...] = ()
    ports: tuple[PortFacts, ...] = ()
    scripts: tuple[ScriptOutput, ...] = ()
    # Every check asks for the open ports: worked out once (thousands of hosts × dozens of checks).
    _open: tuple[PortFacts, ...] = field(init=False, repr=False, compare=False)
    _open_keys: frozenset[tuple[int, str]] = field(init=False, repr=False, compare=False)
    _open_names: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        open_ports = tuple(port for port in self.ports if port.is_open)
        object.__setattr__(self, "_open", open_ports)
        object.__setattr__(self, "_open_keys", frozenset((port.port, port.protocol) for port in open_ports))
        object.__setattr__(
            self, "_open_names", frozenset(port.service.name for port in open_ports if port.service is not None)
        )

    def open_ports(self) -> tuple[PortFacts, ...]:
        """Open ports, in the order nmap listed them."""
        return self._open

    @property
    def open_keys(self) -> frozenset[tuple[int, str]]:
        """(port, protocol) of every open port."""
        return self._open_keys

    @property
    def open_service_names(self) -> frozenset[str]:
        """nmap service names of the open ports."""
        return self._open_names

    def port(self, number: int, protocol: str = "tcp") -> PortFacts | None:
        """The port, if nmap reported it (closed ports summarised as extraports are not listed)."""
        return next((p for p in self.ports if p.port == number and p.protocol == protocol), None)

    def script(self, script_id: str) -> ScriptOutput | None:
        """Output of one host script (``<hostscript>``), if it printed anything."""
        return next((script for script in self.scripts if script.id == script_id), None)

    @property
    def answered(self) -> bool:
        """True when the host is up and was scanned to the end."""
        return self.state is HostState.UP


@dataclass(frozen=True, slots=True)
class ScanFacts:
    """One nmap run, as evidence: what was asked, what came back, whether it finished.

    Attributes:
        args: nmap's command line as recorded in the XML.
        finished: False when the XML stops before nmap's final statistics (run interrupted).
        exit_status: nmap's own ``success`` or ``error`` (``interrompu`` when it never said).
        scanned_tcp / scanned_udp: port ranges nmap says it scanned, inclusive.
        requested_scripts: NSE scripts the command line asked for (ids and categories).
        skipped_targets: targets nmap refused before scanning (no route, bad name).
    """

    args: str = ""
    version: str = ""
    started_at: datetime | None = None
    finished: bool = False
    exit_status: str = "interrompu"
    error_message: str = ""
    scanned_tcp: tuple[tuple[int, int], ...] = ()
    scanned_udp: tuple[tuple[int, int], ...] = ()
    requested_scripts: frozenset[str] = frozenset()
    hosts: tuple[HostFacts, ...] = ()
    skipped_targets: tuple[str, ...] = ()

    def host(self, address: str) -> HostFacts | None:
        """Facts about one address, if the scan reported it."""
        return next((host for host in self.hosts if host.address == address), None)

    def covers(self, port: int, protocol: str = "tcp") -> bool:
        """True when this run scanned that port."""
        ranges = self.scanned_udp if protocol == "udp" else self.scanned_tcp
        return any(low <= port <= high for low, high in ranges)

    def ran_script(self, script_id: str, categories: frozenset[str] = frozenset()) -> bool:
        """True when the command line asked for the script, by name or by one of its categories."""
        return script_id in self.requested_scripts or bool(categories & self.requested_scripts)


def merge_hosts(runs: Iterable[ScanFacts]) -> dict[str, tuple[HostFacts, ScanFacts]]:
    """Each address with its facts and the run that observed it best.

    A host answering beats one that did not; among answers, the run that scanned ports (not a
    discovery sweep) wins.
    """
    merged: dict[str, tuple[HostFacts, ScanFacts]] = {}
    for run in runs:
        for host in run.hosts:
            known = merged.get(host.address)
            better = known is None or (host.answered, bool(run.scanned_tcp or run.scanned_udp)) > (
                known[0].answered,
                bool(known[1].scanned_tcp or known[1].scanned_udp),
            )
            if better:
                merged[host.address] = (host, run)
    return merged
