"""One nmap run as evidence (``ScanFacts``), and the merging of hosts and runs reported twice.

Like the host and port facts of ``models.facts``, plain frozen dataclasses with slots, built by
``scan.nmap_xml`` and read by the checks.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from audit_ti.models.facts import HostFacts, HostState, PortFacts, PortSeen, ScriptOutput, seen_from_state

__all__ = ["AUTHORITY_SUFFIX", "ScanFacts", "merge_duplicates", "merge_hosts", "merge_runs", "with_script_suffix"]

#: Added to a script's id in the facts of a pass run with the authority's own secret (counter-test).
AUTHORITY_SUFFIX = "@collectivite"


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


def with_script_suffix(run: ScanFacts, suffix: str) -> ScanFacts:
    """``run`` with ``suffix`` added to every script id, so that it can be merged beside a run of the same scripts.

    The counter-test runs a script again with the authority's secret: its outputs must not be
    taken for those of the main pass, which speaks the default value.
    """

    def renamed(scripts: tuple[ScriptOutput, ...]) -> tuple[ScriptOutput, ...]:
        return tuple(ScriptOutput(script.id + suffix, script.output, script.structure) for script in scripts)

    hosts = tuple(
        replace(
            host,
            scripts=renamed(host.scripts),
            ports=tuple(replace(port, scripts=renamed(port.scripts)) for port in host.ports),
        )
        for host in run.hosts
    )
    return replace(run, hosts=hosts, requested_scripts=frozenset(name + suffix for name in run.requested_scripts))
