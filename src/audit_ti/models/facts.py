"""Facts observed by a network scan, as typed and frozen as the evidence they come from.

They are parsed from nmap's XML by ``scan.nmap_xml``; checks read them and nothing else. Plain
frozen dataclasses with slots: a fleet of thousands of gateways gives hundreds of thousands of
them, and they are never validated against user input.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = [
    "ExtraPorts",
    "HostFacts",
    "HostState",
    "PortFacts",
    "PortSeen",
    "ScanFacts",
    "ScriptElem",
    "ScriptOutput",
    "ScriptTable",
    "ServiceFacts",
    "merge_duplicates",
    "merge_hosts",
    "merge_runs",
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
    merged_addresses: tuple[str, ...] = ()
    # Looked up for every port of every check on every host: the ranges sorted and merged once.
    _starts: dict[str, tuple[list[int], list[int]]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_starts", {"tcp": _sorted_ranges(self.scanned_tcp), "udp": _sorted_ranges(self.scanned_udp)}
        )

    def host(self, address: str) -> HostFacts | None:
        """Facts about one address, if the scan reported it."""
        return next((host for host in self.hosts if host.address == address), None)

    def covers(self, port: int, protocol: str = "tcp") -> bool:
        """True when this run scanned that port."""
        sorted_ranges = self._starts.get(protocol)
        if sorted_ranges is None:
            return False
        lows, highs = sorted_ranges
        index = bisect_right(lows, port) - 1
        return index >= 0 and port <= highs[index]

    def uncovered(self, ranges: Iterable[tuple[int, int]], protocol: str) -> list[tuple[int, int]]:
        """The parts of ``ranges`` this run did not scan, as inclusive ranges (interval arithmetic)."""
        lows, highs = self._starts.get(protocol, ([], []))
        missing: list[tuple[int, int]] = []
        for low, high in sorted(ranges):
            current = low
            index = max(bisect_right(lows, current) - 1, 0)
            while current <= high:
                if index < len(lows) and lows[index] <= high:
                    if highs[index] < current:
                        index += 1
                        continue
                    if lows[index] > current:
                        missing.append((current, lows[index] - 1))
                    current = highs[index] + 1
                    index += 1
                else:
                    missing.append((current, high))
                    break
        return missing

    def seen(self, host: HostFacts, port: int, protocol: str = "tcp") -> PortSeen:
        """What this run observed on one port of one of its hosts."""
        listed = host.port(port, protocol)
        if listed is not None:
            probed = listed.service is not None and listed.service.method == "probed"
            return seen_from_state(listed.state, probed)
        if not self.covers(port, protocol):
            return PortSeen.NOT_SCANNED
        return host.unlisted(port, protocol)

    def ran_script(self, script_id: str, categories: frozenset[str] = frozenset()) -> bool:
        """True when the command line asked for the script, by name or by one of its categories."""
        return script_id in self.requested_scripts or bool(categories & self.requested_scripts)


def _sorted_ranges(ranges: Iterable[tuple[int, int]]) -> tuple[list[int], list[int]]:
    lows: list[int] = []
    highs: list[int] = []
    for low, high in sorted(ranges):
        if highs and low <= highs[-1] + 1:
            highs[-1] = max(highs[-1], high)
        else:
            lows.append(low)
            highs.append(high)
    return lows, highs


#: From the most to the least telling port state when one address was reported twice.
_STATE_RANK = {"open": 0, "open|filtered": 1, "unfiltered": 2, "filtered": 3, "closed|filtered": 4, "closed": 5}
_HOST_RANK = {HostState.UP: 0, HostState.TIMED_OUT: 1, HostState.UNREACHABLE: 2, HostState.DOWN: 3}


def _merged_scripts(groups: Iterable[tuple[ScriptOutput, ...]]) -> tuple[ScriptOutput, ...]:
    by_id: dict[str, ScriptOutput] = {}
    for scripts in groups:
        for script in scripts:
            by_id.setdefault(script.id, script)
    return tuple(by_id.values())


def _merged_port(first: PortFacts, second: PortFacts) -> PortFacts:
    """One port reported twice: the more open state wins, with every script either entry ran."""
    best, other = sorted(
        (first, second),
        key=lambda p: (
            _STATE_RANK.get(p.state, 9),
            0 if p.service is not None and p.service.method == "probed" else 1,
        ),
    )
    return PortFacts(
        protocol=best.protocol,
        port=best.port,
        state=best.state,
        reason=best.reason,
        service=best.service or other.service,
        scripts=_merged_scripts((best.scripts, other.scripts)),
    )


def merge_duplicates(entries: Iterable[HostFacts]) -> HostFacts:
    """One host reported several times by one run (declared twice, or an edited file), as one.

    Nothing observed is dropped: an open port in any entry is open, every script output is kept,
    and the host is up if any entry saw it up.
    """
    entries = list(entries)
    best = min(entries, key=lambda host: _HOST_RANK.get(host.state, 9))
    ports: dict[tuple[int, str], PortFacts] = {}
    for entry in entries:
        for port in entry.ports:
            key = (port.port, port.protocol)
            ports[key] = port if key not in ports else _merged_port(ports[key], port)
    return HostFacts(
        address=best.address,
        state=best.state,
        reason=best.reason,
        hostnames=tuple(dict.fromkeys(name for entry in entries for name in entry.hostnames)),
        ports=tuple(ports.values()),
        scripts=_merged_scripts(entry.scripts for entry in entries),
        extraports=tuple(group for entry in entries for group in entry.extraports),
    )


def merge_runs(first: ScanFacts, second: ScanFacts) -> ScanFacts:
    """A run completed by a second pass over some of its hosts (the factory-credential attempts).

    The second pass adds script outputs on ports the first one found; what the first run scanned
    stays the coverage, and the run is finished only if both were.
    """
    by_address: dict[str, list[HostFacts]] = {}
    for host in (*first.hosts, *second.hosts):
        by_address.setdefault(host.address, []).append(host)
    return ScanFacts(
        args=first.args,
        version=first.version,
        started_at=first.started_at,
        finished=first.finished and second.finished,
        exit_status=first.exit_status if first.exit_status != "success" else second.exit_status,
        error_message=" ; ".join(message for message in (first.error_message, second.error_message) if message),
        scanned_tcp=first.scanned_tcp,
        scanned_udp=first.scanned_udp,
        requested_scripts=first.requested_scripts | second.requested_scripts,
        hosts=tuple(hosts[0] if len(hosts) == 1 else merge_duplicates(hosts) for hosts in by_address.values()),
        skipped_targets=first.skipped_targets,
        merged_addresses=first.merged_addresses,
    )


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
