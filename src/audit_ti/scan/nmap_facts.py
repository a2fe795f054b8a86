"""The parsed nmap XML tree → typed facts (python-nmap's dict drops too much).

Every number is checked (ASCII digits, in range): a value nmap never writes raises ``BadValue``
with the element that holds it, so that the caller can say on which line it stands.
"""

from __future__ import annotations

import ipaddress
import shlex
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from audit_ti.models.facts import (
    ExtraPorts,
    HostFacts,
    HostState,
    PortFacts,
    ScriptElem,
    ScriptOutput,
    ScriptTable,
    ServiceFacts,
)
from audit_ti.models.fields import parse_port_ranges, port_number
from audit_ti.models.scan_facts import ScanFacts, merge_duplicates
from audit_ti.scan.hardened_xml import MAX_DEPTH, too_deep

__all__ = ["BadValue", "requested_scripts", "scan_facts"]

_MAX_TIMESTAMP = 10**11  # year 5138: an nmap start time beyond is junk, not a date


class BadValue(Exception):
    """A value of the document that nmap never writes; ``element`` locates it."""

    def __init__(self, element: Element, key: str, message: str) -> None:
        super().__init__(message)
        self.element = element
        self.key = key
        self.message = message


def requested_scripts(args: str) -> frozenset[str]:
    """Scripts and script categories an nmap command line asks for (a script file counts by its name)."""
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    asked: set[str] = set()
    for index, word in enumerate(words):
        value = None
        if word.startswith("--script="):
            value = word.split("=", 1)[1]
        elif word == "--script" and index + 1 < len(words):
            value = words[index + 1]
        elif word in {"-sC", "-A"}:
            asked.add("default")
        if word in {"-sV", "-A"}:
            asked.add("version")
        if value:
            asked.update(_script_name(part) for part in value.split(",") if part.strip())
    return frozenset(asked)


def _script_name(part: str) -> str:
    name = part.strip()
    if name.endswith(".nse"):
        name = name.rsplit("/", 1)[-1].removesuffix(".nse")
    return name


def _number(element: Element, key: str, maximum: int, what: str) -> int | None:
    """An optional number nmap wrote (ASCII digits, at most ``maximum``), None when absent.

    Raises:
        BadValue: anything else (Unicode digits, signs, absurd values).
    """
    text = element.get(key)
    if text is None or text == "":
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)) or int(text) > maximum:
        raise BadValue(element, key, f"{what} « {text[:30]} » impossible : ce n'est pas une sortie de nmap")
    return int(text)


def _ranges_of(element: Element, key: str) -> tuple[tuple[int, int], ...]:
    text = element.get(key, "")
    if not text.strip():
        return ()
    try:
        return parse_port_ranges(text)
    except ValueError as bad:
        raise BadValue(
            element, key, f"liste de ports illisible (« {str(bad)[:40]} ») : ce n'est pas une sortie nmap"
        ) from None


def scan_facts(root: Element) -> ScanFacts:
    """The facts of an ``nmaprun`` element.

    Raises:
        BadValue: a value nmap never writes, or a document nested deeper than MAX_DEPTH.
    """
    deep = too_deep(root)
    if deep is not None:
        raise BadValue(deep, "", f"document imbriqué sur plus de {MAX_DEPTH} niveaux : ce n'est pas une sortie de nmap")
    tcp: list[tuple[int, int]] = []
    udp: list[tuple[int, int]] = []
    for info in root.findall("scaninfo"):
        # Only what nmap says it scanned in TCP or UDP counts as coverage (SCTP, IP protocols, blanks do not).
        target = {"tcp": tcp, "udp": udp}.get(info.get("protocol", ""))
        if target is not None:
            target.extend(_ranges_of(info, "services"))
    finished = root.find("runstats/finished")
    args = root.get("args", "")
    start = _number(root, "start", _MAX_TIMESTAMP, "heure de début")
    skipped = tuple(
        target.get("specification", "") for target in root.findall("target") if target.get("status") == "skipped"
    )
    hosts, merged = _hosts(root.findall("host"), _Shared())
    return ScanFacts(
        args=args,
        version=root.get("version", ""),
        started_at=datetime.fromtimestamp(start, UTC) if start is not None else None,
        finished=finished is not None,
        exit_status=finished.get("exit", "success") if finished is not None else "interrompu",
        error_message=finished.get("errormsg", "") if finished is not None else "",
        scanned_tcp=tuple(tcp),
        scanned_udp=tuple(udp),
        requested_scripts=requested_scripts(args),
        hosts=hosts,
        skipped_targets=skipped,
        merged_addresses=merged,
    )


class _Shared:
    """Facts a fleet repeats from host to host (one service banner, one script output), built once.

    They are frozen: the hosts that show the same ``<service>`` or the same script output without
    nested tables hold the same object, equal to the one each would have built.
    """

    def __init__(self) -> None:
        self.ports: dict[tuple[object, ...], PortFacts] = {}
        self.services: dict[tuple[object, ...], ServiceFacts] = {}
        self.scripts: dict[tuple[str, str], ScriptOutput] = {}

    def port(self, port: Element) -> PortFacts:
        # Everything ``_port`` reads, when its scripts hold no nested table (else: built for itself).
        scripts = port.findall("script")
        if any(len(script) for script in scripts):
            return _port(port, self)
        state, service = port.find("state"), port.find("service")
        key = (
            tuple(port.items()),
            None if state is None else tuple(state.items()),
            None if service is None else _service_key(service),
            tuple((script.get("id", ""), script.get("output", "")) for script in scripts),
        )
        known = self.ports.get(key)
        if known is None:
            known = self.ports[key] = _port(port, self)
        return known

    def service(self, service: Element) -> ServiceFacts:
        key = _service_key(service)
        known = self.services.get(key)
        if known is None:
            known = self.services[key] = _service(service)
        return known

    def script(self, script: Element) -> ScriptOutput:
        if len(script):
            return _script(script)
        key = (script.get("id", ""), script.get("output", ""))
        known = self.scripts.get(key)
        if known is None:
            known = self.scripts[key] = _script(script)
        return known


def _service_key(service: Element) -> tuple[object, ...]:
    return tuple(service.items()), tuple(cpe.text or "" for cpe in service.findall("cpe"))


def _children(element: Element, path: str) -> list[Element]:
    """``element.findall("a/b")`` with each step found by ElementTree's C code (same elements, same order)."""
    parent, child = path.split("/")
    return [found for middle in element.findall(parent) for found in middle.findall(child)]


def _hosts(elements: Iterable[Element], shared: _Shared) -> tuple[tuple[HostFacts, ...], tuple[str, ...]]:
    """Hosts in nmap's order; an address reported twice becomes one host, nothing of it dropped."""
    by_address: dict[str, list[HostFacts]] = defaultdict(list)
    for element in elements:
        host = _host(element, shared)
        if host.address:
            by_address[host.address].append(host)
    hosts = tuple(entries[0] if len(entries) == 1 else merge_duplicates(entries) for entries in by_address.values())
    return hosts, tuple(address for address, entries in by_address.items() if len(entries) > 1)


def _host(host: Element, shared: _Shared) -> HostFacts:
    address = _canonical(
        next((a.get("addr", "") for a in host.findall("address") if a.get("addrtype") in {"ipv4", "ipv6"}), "")
    )
    status = host.find("status")
    state = status.get("state", "unknown") if status is not None else "unknown"
    reason = status.get("reason", "") if status is not None else ""
    if host.get("timedout") == "true":
        host_state = HostState.TIMED_OUT
    elif state == "up":
        host_state = HostState.UP
    else:
        host_state = HostState.DOWN
    return HostFacts(
        address=address,
        state=host_state,
        reason=reason,
        hostnames=tuple(name.get("name", "") for name in _children(host, "hostnames/hostname")),
        ports=tuple(shared.port(port) for port in _children(host, "ports/port")),
        scripts=tuple(shared.script(script) for script in _children(host, "hostscript/script")),
        extraports=tuple(group for extra in _children(host, "ports/extraports") for group in _extraports(extra)),
    )


def _canonical(address: str) -> str:
    """One spelling per address (« 0:0:0:0:0:0:0:1 » is « ::1 »), so that it meets its declaration."""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address


def _extraports(extra: Element) -> list[ExtraPorts]:
    state = extra.get("state", "unknown")
    reasons = extra.findall("extrareasons")
    groups = [
        ExtraPorts(state, protocol, _ranges_of(reason, "ports") if reason.get("ports") else None)
        for reason in reasons
        if (protocol := reason.get("proto")) is not None
    ]
    # Older nmap versions say neither the protocol nor the ports: the state alone is known.
    return groups if groups and len(groups) == len(reasons) else [ExtraPorts(state)]


def _port(port: Element, shared: _Shared) -> PortFacts:
    number = port_number(port.get("portid", ""))
    if number is None:
        raise BadValue(port, "portid", f"numéro de port « {port.get('portid', '')[:30]} » impossible (0 à 65535)")
    state = port.find("state")
    service = port.find("service")
    return PortFacts(
        protocol=port.get("protocol", "tcp"),
        port=number,
        state=state.get("state", "unknown") if state is not None else "unknown",
        reason=state.get("reason", "") if state is not None else "",
        service=shared.service(service) if service is not None else None,
        scripts=tuple(shared.script(script) for script in port.findall("script")),
    )


def _service(service: Element) -> ServiceFacts:
    confidence = _number(service, "conf", 10, "confiance de la détection")
    return ServiceFacts(
        name=service.get("name", ""),
        product=service.get("product", ""),
        version=service.get("version", ""),
        extrainfo=service.get("extrainfo", ""),
        tunnel=service.get("tunnel"),
        method=service.get("method", "table"),
        confidence=confidence or 0,
        cpes=tuple(cpe.text or "" for cpe in service.findall("cpe")),
    )


def _script(script: Element) -> ScriptOutput:
    return ScriptOutput(
        id=script.get("id", ""),
        output=script.get("output", ""),
        structure=_table(None, script),
    )


def _table(key: str | None, element: Element) -> ScriptTable:
    # Recursion is bounded: the whole document is at most MAX_DEPTH deep.
    return ScriptTable(
        key=key,
        elems=tuple(ScriptElem(elem.get("key"), elem.text or "") for elem in element.findall("elem")),
        tables=tuple(_table(table.get("key"), table) for table in element.findall("table")),
    )
