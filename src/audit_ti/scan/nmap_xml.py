"""nmap XML → typed facts, with our own parser (python-nmap's dict drops too much).

The XML may come from a third party (an integrator's scan) or be cut short by an interrupted run:
it is parsed with defusedxml (no entity declarations, no external references) and no DTD but
nmap's own bare ``<!DOCTYPE nmaprun>`` (no external DTD, no internal subset: nothing is ever
fetched, and no attribute default can be slipped in). An interrupted document is read up to its
last complete host. Every number is checked (ASCII digits, in range) and a bad value is reported
with its line. MQTT payloads and passwords that a script found are masked before the XML is kept
as evidence (they may be personal data or live secrets).
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from audit_ti.errors import InvalidInputError, Problem
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

__all__ = [
    "MAX_DEPTH",
    "REDACTED_SCRIPTS",
    "ParsedXml",
    "parse_nmap_xml",
    "prepare_evidence",
    "read_evidence",
    "requested_scripts",
]

#: Scripts whose output may carry data captured from the devices (personal data): masked in evidence.
REDACTED_SCRIPTS = frozenset({"mqtt-subscribe"})
#: nmap's deepest documents (NSE tables in tables) stay far below; deeper is an attack on the parser.
MAX_DEPTH = 48
MASK = "[masqué]"

#: Line boundaries tried, from the end, to read a document cut in the middle of an element.
_RECOVERY_LINES = 50
_XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n'
_MAX_TIMESTAMP = 10**11  # year 5138: an nmap start time beyond is junk, not a date


class _DoctypeRefused(Exception):
    """A DOCTYPE other than nmap's bare ``<!DOCTYPE nmaprun>``."""


class _Parser(DefusedXMLParser):
    """defusedxml's parser, refusing any DTD but a bare one (nmap writes ``<!DOCTYPE nmaprun>``)."""

    def __init__(self, target: TreeBuilder) -> None:
        super().__init__(target=target)
        self.parser.StartDoctypeDeclHandler = self._refuse_doctype

    @staticmethod
    def _refuse_doctype(name: str, system_id: str | None, public_id: str | None, internal_subset: bool) -> None:
        if system_id or public_id:
            raise _DoctypeRefused("DTD externe interdite : rien n'est lu hors du document")
        if internal_subset:
            raise _DoctypeRefused(
                "déclarations DTD interdites (entités, valeurs par défaut d'attributs) : document piégé possible"
            )


class _LineBuilder(TreeBuilder):
    """A tree builder that remembers the line of every element (only used to locate an error)."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: _Parser | None = None
        self.lines: dict[Element, int] = {}

    def start(self, tag: Any, attrs: Any) -> Element:
        element = super().start(tag, attrs)
        if self.parser is not None:
            self.lines[element] = self.parser.parser.CurrentLineNumber
        return element


def _fromstring(text: str, builder: TreeBuilder | None = None) -> Element:
    target = builder or TreeBuilder()
    parser = _Parser(target)
    if isinstance(target, _LineBuilder):
        target.parser = parser
    parser.feed(text)
    root: Element = parser.close()
    return root


class _BadValue(Exception):
    """A value of the document that nmap never writes; ``element`` locates it."""

    def __init__(self, element: Element, key: str, message: str) -> None:
        super().__init__(message)
        self.element = element
        self.key = key
        self.message = message


@dataclass(frozen=True)
class ParsedXml:
    """Facts and how the document had to be read.

    Attributes:
        facts: the typed facts.
        recovered: True when the document was cut short and read up to its last complete host.
    """

    facts: ScanFacts
    recovered: bool


Source = str | Path


def _problem(source: Source, message: str, line: int | None = None, key: str | None = None) -> Problem:
    if isinstance(source, Path):
        return Problem(message, source, line, key)
    return Problem(f"{source} : {message}", None, line, key)


def parse_nmap_xml(text: str, source: Source = "XML nmap") -> ParsedXml:
    """Parse nmap's XML output, complete or interrupted.

    Raises:
        InvalidInputError: hostile XML (entities, DTD, external references), not an nmap document,
            or a value nmap never writes (with its line).
    """
    root, recovered = _parse_root(text, source)
    try:
        return ParsedXml(_facts(root), recovered)
    except _BadValue:
        return _located_failure(text, source)


def _located_failure(text: str, source: Source) -> ParsedXml:
    """Parse again, remembering lines, to say where the value nmap never writes is."""
    builder = _LineBuilder()
    located, _ = _parse_root(text, source, lambda: builder)
    try:
        _facts(located)
    except _BadValue as bad:
        key = f"{bad.element.tag}.{bad.key}" if bad.key else bad.element.tag
        raise InvalidInputError(_problem(source, bad.message, builder.lines.get(bad.element), key)) from None
    raise AssertionError("the same document parsed twice gave two answers")


def prepare_evidence(text: str, source: Source = "XML nmap") -> tuple[str, list[str]]:
    """The XML to keep as evidence, with captured payloads and found passwords masked, and notes.

    Untouched byte for byte when there is nothing to mask.
    """
    # Always parsed: a textual search for id="mqtt-subscribe" misses « mqtt&#45;subscribe ».
    root, recovered = _parse_root(text, source)
    return _masked(root, recovered, text, source)


def read_evidence(text: str, source: Source = "XML nmap") -> tuple[str, list[str], ParsedXml]:
    """``prepare_evidence`` and ``parse_nmap_xml`` from a single parse of ``text``.

    The facts are those of the masked document, as a later reading of the kept copy would give,
    and ``recovered`` still says whether ``text`` itself was cut short. A value nmap never writes
    is located in ``text``, the document the user or nmap gave.

    Raises:
        InvalidInputError: as ``parse_nmap_xml``.
    """
    root, recovered = _parse_root(text, source)
    kept, notes = _masked(root, recovered, text, source)
    try:
        facts = _facts(root)
    except _BadValue:
        return kept, notes, _located_failure(text, source)
    return kept, notes, ParsedXml(facts, recovered)


def _masked(root: Element, recovered: bool, text: str, source: Source) -> tuple[str, list[str]]:
    """Mask ``root`` in place; the text to keep (``text`` itself when nothing changed) and notes."""
    if _too_deep(root) is not None:
        _located_failure(text, source)  # serialising it again would exhaust the stack: refused, with its line
    payloads = _redact_payloads(root)
    secrets = _redact_passwords(root)
    if payloads == 0 and secrets == 0 and not recovered:
        return text, []
    notes = []
    if payloads:
        notes.append(f"{payloads} valeur(s) capturée(s) par un script NSE masquée(s) (données personnelles possibles)")
    if secrets:
        notes.append(f"{secrets} mot(s) de passe trouvé(s) par un script masqué(s) (le compte reste nommé)")
    if recovered:
        notes.append("sortie interrompue : seuls les hôtes complets ont été conservés")
    return _XML_HEADER + tostring(root, encoding="unicode") + "\n", notes


Builder = Callable[[], TreeBuilder]


def _parse_root(text: str, source: Source, builder: Builder = TreeBuilder) -> tuple[Element, bool]:
    try:
        return _checked_root(_fromstring(text, builder()), source), False
    except _DoctypeRefused as refused:
        raise InvalidInputError(_problem(source, f"XML refusé ({refused})")) from None
    except DefusedXmlException as error:
        raise InvalidInputError(_problem(source, f"XML refusé ({_defused_reason(error)})")) from None
    except ParseError:
        recovered = _recover(text, builder)
        if recovered is None:
            raise InvalidInputError(
                _problem(source, "ce n'est pas une sortie XML de nmap lisible (document vide ou tronqué)")
            ) from None
        return _checked_root(recovered, source), True


def _defused_reason(error: DefusedXmlException) -> str:
    name = type(error).__name__
    if "Entities" in name:
        return "déclaration d'entités interdite : document piégé possible"
    if "External" in name:
        return "référence externe interdite"
    return "construction XML interdite"


def _checked_root(root: Element, source: Source) -> Element:
    if root.tag != "nmaprun":
        raise InvalidInputError(_problem(source, f"élément racine « {root.tag} » inattendu (« nmaprun » attendu)"))
    return root


def _too_deep(root: Element) -> Element | None:
    """The first element deeper than MAX_DEPTH, found without recursion (a hostile document may nest
    thousands of levels), or None."""
    stack = [(root, 1)]
    while stack:
        element, level = stack.pop()
        if level > MAX_DEPTH:
            return element
        stack.extend((child, level + 1) for child in element)
    return None


def _recover(text: str, builder: Builder) -> Element | None:
    """Read an interrupted document up to its last complete host (nmap writes one host at a time).

    Failing that, cut at an earlier line: nmap starts every element of the document on its own line.
    """
    if "<nmaprun" not in text:
        return None
    candidates = []
    cut = text.rfind("</host>")
    if cut >= 0:
        candidates.append(text[: cut + len("</host>")])
    first_host = re.search(r"\n<host[ >]|\n<hosthint>", text)
    if first_host is not None:
        candidates.append(text[: first_host.start()])
    end = len(text)
    for _ in range(_RECOVERY_LINES):
        end = text.rfind("\n<", 0, end)
        if end < 0:
            break
        candidates.append(text[:end])
    for candidate in candidates:
        try:
            return _fromstring(candidate + "\n</nmaprun>\n", builder())
        except ParseError:
            continue
        except (DefusedXmlException, _DoctypeRefused):
            return None
    return None


# --- masking ------------------------------------------------------------------------------------


def _redact_payloads(root: Element) -> int:
    count = 0
    for script in root.iter("script"):
        if script.get("id") not in REDACTED_SCRIPTS:
            continue
        for elem in script.iter("elem"):
            if elem.text and elem.get("key") not in {"ERROR"}:
                elem.text = f"[masqué : {len(elem.text)} caractères]"
                count += 1
        output = script.get("output", "")
        masked = _redact_lines(output)
        if masked != output:
            script.set("output", masked)
            count += 1
    return count


_PAYLOADS_HEADER = "Topics and their most recent payloads"
#: What mqtt-subscribe itself says before any payload (refusals, errors): kept readable.
_MQTT_MESSAGES = ("ERROR", "Connection rejected", "Received control packet", "Every topic filter", "Failed")


def _redact_lines(output: str) -> str:
    """mqtt-subscribe's text output with every payload masked, whatever its layout.

    Any line « topic: payload » keeps its topic, header or not (a document may drop the header);
    after the header, any other non-empty line (the rest of a payload that spans lines) is masked
    whole. The script's errors stay readable in the structure (``ERROR``), which is not masked.
    """
    masked = []
    after_header = False
    for line in output.split("\n"):
        if _PAYLOADS_HEADER in line:
            after_header = True
            masked.append(line)
        elif not line.strip() or (not after_header and line.strip().startswith(_MQTT_MESSAGES)):
            masked.append(line)
        elif ": " in line:
            topic, _, _ = line.partition(": ")
            masked.append(f"{topic}: [masqué]")
        elif after_header:
            masked.append(line[: len(line) - len(line.lstrip())] + "[masqué]")
        else:
            masked.append(line)
    return "\n".join(masked)


def _redact_passwords(root: Element) -> int:
    """Mask every password a script reports (brute scripts, http-default-accounts, snmp-brute).

    The account name stays: « admin accepte le mot de passe d'usine » is the finding; the password
    itself is a live secret of the device until it is changed.
    """
    count = 0
    for script in root.iter("script"):
        found: list[tuple[str | None, str]] = []
        for parent in script.iter():
            elems = {elem.get("key"): elem for elem in parent.findall("elem")}
            secret = elems.get("password")
            if secret is None or not secret.text or secret.text == MASK:
                continue
            user = elems.get("username")
            found.append((user.text if user is not None else None, secret.text))
            secret.text = MASK
            count += 1
        if found:
            script.set("output", _masked_output(script.get("output", ""), found))
    return count


def _masked_output(output: str, found: Iterable[tuple[str | None, str]]) -> str:
    for user, secret in found:
        if user is not None:
            output = output.replace(f"{user}:{secret}", f"{user}:{MASK}")
        output = re.sub(rf"(?m)^(\s*){re.escape(secret)}(\s+-\s)", rf"\g<1>{MASK}\g<2>", output)
    return output


# --- reading -----------------------------------------------------------------------------------


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
        _BadValue: anything else (Unicode digits, signs, absurd values).
    """
    text = element.get(key)
    if text is None or text == "":
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)) or int(text) > maximum:
        raise _BadValue(element, key, f"{what} « {text[:30]} » impossible : ce n'est pas une sortie de nmap")
    return int(text)


def _ranges_of(element: Element, key: str) -> tuple[tuple[int, int], ...]:
    text = element.get(key, "")
    if not text.strip():
        return ()
    try:
        return parse_port_ranges(text)
    except ValueError as bad:
        raise _BadValue(
            element, key, f"liste de ports illisible (« {str(bad)[:40]} ») : ce n'est pas une sortie nmap"
        ) from None


def _facts(root: Element) -> ScanFacts:
    deep = _too_deep(root)
    if deep is not None:
        raise _BadValue(
            deep, "", f"document imbriqué sur plus de {MAX_DEPTH} niveaux : ce n'est pas une sortie de nmap"
        )
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
    hosts, merged = _hosts(root.findall("host"))
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


def _hosts(elements: Iterable[Element]) -> tuple[tuple[HostFacts, ...], tuple[str, ...]]:
    """Hosts in nmap's order; an address reported twice becomes one host, nothing of it dropped."""
    by_address: dict[str, list[HostFacts]] = defaultdict(list)
    for element in elements:
        host = _host(element)
        if host.address:
            by_address[host.address].append(host)
    hosts = tuple(entries[0] if len(entries) == 1 else merge_duplicates(entries) for entries in by_address.values())
    return hosts, tuple(address for address, entries in by_address.items() if len(entries) > 1)


def _host(host: Element) -> HostFacts:
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
        hostnames=tuple(name.get("name", "") for name in host.findall("hostnames/hostname")),
        ports=tuple(_port(port) for port in host.findall("ports/port")),
        scripts=tuple(_script(script) for script in host.findall("hostscript/script")),
        extraports=tuple(group for extra in host.findall("ports/extraports") for group in _extraports(extra)),
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


def _port(port: Element) -> PortFacts:
    number = port_number(port.get("portid", ""))
    if number is None:
        raise _BadValue(port, "portid", f"numéro de port « {port.get('portid', '')[:30]} » impossible (0 à 65535)")
    state = port.find("state")
    service = port.find("service")
    return PortFacts(
        protocol=port.get("protocol", "tcp"),
        port=number,
        state=state.get("state", "unknown") if state is not None else "unknown",
        reason=state.get("reason", "") if state is not None else "",
        service=_service(service) if service is not None else None,
        scripts=tuple(_script(script) for script in port.findall("script")),
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
