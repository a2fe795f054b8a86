"""Facts observed by a network scan about hosts and ports, as typed and frozen as the evidence.

They are parsed from nmap's XML by ``scan.nmap_xml``; checks read them and nothing else. Plain
frozen dataclasses with slots: a fleet of thousands of gateways gives hundreds of thousands of
them, and they are never validated against user input. The run that holds them, and the
merging of hosts reported twice, are in ``models.scan_facts``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "ExtraPorts",
    "HostFacts",
    "HostState",
    "PortFacts",
    "PortSeen",
    "ScriptElem",
    "ScriptOutput",
    "ScriptTable",
    "ServiceFacts",
    "seen_from_state",
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


class PortSeen(StrEnum):
    """What a run can say about one port of one host.

    Only ``OPEN`` and ``ABSENT`` are observations; the other two say why there is none.
    """

    #: The service answered.
    OPEN = "ouvert"
    #: The port was scanned and is closed or filtered: nothing reachable from the scanner.
    ABSENT = "absent"
    #: The port was scanned but the answer does not decide (UDP « open|filtered », unknown state).
    UNCLEAR = "incertain"
    #: The run did not scan this port.
    NOT_SCANNED = "non_scanne"


#: Port states that prove nothing is reachable on the port from where nmap stood.
_ABSENT_STATES = frozenset({"closed", "filtered", "closed|filtered"})


def seen_from_state(state: str, probed: bool = False) -> PortSeen:
    """What one nmap port state proves (``probed``: a service answered nmap's probes)."""
    if state == "open":
        return PortSeen.OPEN
    if state in _ABSENT_STATES:
        return PortSeen.ABSENT
    if state == "open|filtered" and probed:
        return PortSeen.OPEN
    return PortSeen.UNCLEAR


@dataclass(frozen=True, slots=True)
class ExtraPorts:
    """Ports nmap summarised instead of listing them (``<extraports>``), all in one state.

    Attributes:
        protocol: ``tcp`` or ``udp``, None when the XML does not say (nmap before 7.80).
        ranges: the ports, inclusive ranges, None when the XML does not list them.
    """

    state: str
    protocol: str | None = None
    ranges: tuple[tuple[int, int], ...] | None = None

    def holds(self, port: int, protocol: str) -> bool | None:
        """True or False when this group is known to hold the port or not; None when the XML cannot tell."""
        if self.protocol is not None and self.protocol != protocol:
            return False
        if self.ranges is None or self.protocol is None:
            return None
        return any(low <= port <= high for low, high in self.ranges)


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
    extraports: tuple[ExtraPorts, ...] = ()
    # Every check asks for the open ports: worked out once (thousands of hosts × dozens of checks).
    _open: tuple[PortFacts, ...] = field(init=False, repr=False, compare=False)
    _open_keys: frozenset[tuple[int, str]] = field(init=False, repr=False, compare=False)
    _open_names: frozenset[str] = field(init=False, repr=False, compare=False)
    _by_key: dict[tuple[int, str], PortFacts] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        open_ports = tuple(port for port in self.ports if port.is_open)
        object.__setattr__(self, "_open", open_ports)
        object.__setattr__(self, "_open_keys", frozenset((port.port, port.protocol) for port in open_ports))
        object.__setattr__(
            self, "_open_names", frozenset(port.service.name for port in open_ports if port.service is not None)
        )
        by_key: dict[tuple[int, str], PortFacts] = {}
        for port in self.ports:
            by_key.setdefault((port.port, port.protocol), port)
        object.__setattr__(self, "_by_key", by_key)

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
        """The port, if nmap listed it (ports summarised as extraports are not listed)."""
        return self._by_key.get((number, protocol))

    def unlisted(self, number: int, protocol: str) -> PortSeen:
        """What the extraports say of a port nmap scanned but did not list.

        nmap accounts for every port it scanned, listed or summarised; a port found in neither
        (a cut or edited document) proves nothing.
        """
        undecided: set[str] = set()
        for group in self.extraports:
            held = group.holds(number, protocol)
            if held:
                return seen_from_state(group.state)
            if held is None:
                undecided.add(group.state)
        if undecided and undecided <= _ABSENT_STATES:
            return PortSeen.ABSENT
        return PortSeen.UNCLEAR

    def script(self, script_id: str) -> ScriptOutput | None:
        """Output of one host script (``<hostscript>``), if it printed anything."""
        return next((script for script in self.scripts if script.id == script_id), None)

    @property
    def answered(self) -> bool:
        """True when the host is up and was scanned to the end."""
        return self.state is HostState.UP
