"""nmap XML → typed facts, with our own parser (python-nmap's dict drops too much).

The XML may come from a third party (an integrator's scan) or be cut short by an interrupted run:
it is parsed with defusedxml (no entity declarations, no external references), an interrupted
document is read up to its last complete host, and MQTT payloads are masked before the XML is
kept as evidence (they may carry personal data).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, ParseError, tostring

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.models.facts import (
    HostFacts,
    HostState,
    PortFacts,
    ScanFacts,
    ScriptElem,
    ScriptOutput,
    ScriptTable,
    ServiceFacts,
)

__all__ = ["REDACTED_SCRIPTS", "ParsedXml", "parse_nmap_xml", "prepare_evidence", "requested_scripts"]

#: Scripts whose output may carry data captured from the devices (personal data): masked in evidence.
REDACTED_SCRIPTS = frozenset({"mqtt-subscribe"})

#: Line boundaries tried, from the end, to read a document cut in the middle of an element.
_RECOVERY_LINES = 50
_XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n'


@dataclass(frozen=True)
class ParsedXml:
    """Facts and how the document had to be read.

    Attributes:
        facts: the typed facts.
        recovered: True when the document was cut short and read up to its last complete host.
    """

    facts: ScanFacts
    recovered: bool


def parse_nmap_xml(text: str, source: str = "XML nmap") -> ParsedXml:
    """Parse nmap's XML output, complete or interrupted.

    Raises:
        InvalidInputError: hostile XML (entities, external references) or not an nmap document.
    """
    root, recovered = _parse_root(text, source)
    return ParsedXml(_facts(root), recovered)


def prepare_evidence(text: str, source: str = "XML nmap") -> tuple[str, list[str]]:
    """The XML to keep as evidence, with captured payloads masked, and French notes on what changed.

    Untouched byte for byte when there is nothing to mask.
    """
    if not any(f'id="{script}"' in text for script in REDACTED_SCRIPTS):
        return text, []
    root, recovered = _parse_root(text, source)
    count = _redact(root)
    if count == 0 and not recovered:
        return text, []
    notes = [f"{count} valeur(s) capturée(s) par un script NSE masquée(s) (données personnelles possibles)"]
    if recovered:
        notes.append("sortie interrompue : seuls les hôtes complets ont été conservés")
    return _XML_HEADER + tostring(root, encoding="unicode") + "\n", notes


def _parse_root(text: str, source: str) -> tuple[Element, bool]:
    try:
        return _checked_root(SafeET.fromstring(text), source), False
    except DefusedXmlException as error:
        raise InvalidInputError(Problem(f"XML refusé ({_defused_reason(error)}) : {source}")) from None
    except ParseError:
        recovered = _recover(text)
        if recovered is None:
            raise InvalidInputError(
                Problem(f"{source} : ce n'est pas une sortie XML de nmap lisible (document vide ou tronqué)")
            ) from None
        return _checked_root(recovered, source), True


def _defused_reason(error: DefusedXmlException) -> str:
    name = type(error).__name__
    if "Entities" in name:
        return "déclaration d'entités interdite : document piégé possible"
    if "External" in name:
        return "référence externe interdite"
    return "construction XML interdite"


def _checked_root(root: Element, source: str) -> Element:
    if root.tag != "nmaprun":
        raise InvalidInputError(Problem(f"{source} : élément racine « {root.tag} » inattendu (« nmaprun » attendu)"))
    return root


def _recover(text: str) -> Element | None:
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
            return SafeET.fromstring(candidate + "\n</nmaprun>\n")
        except ParseError:
            continue
        except DefusedXmlException:
            return None
    return None


def _redact(root: Element) -> int:
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


def _redact_lines(output: str) -> str:
    masked = []
    for line in output.split("\n"):
        topic, separator, payload = line.rpartition(": ")
        if separator and payload.strip() and topic.startswith("    "):
            masked.append(f"{topic}: [masqué]")
        else:
            masked.append(line)
    return "\n".join(masked)


def requested_scripts(args: str) -> frozenset[str]:
    """Scripts and script categories an nmap command line asks for."""
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
            asked.update(part.strip() for part in value.split(",") if part.strip())
    return frozenset(asked)


def _ranges(services: str) -> tuple[tuple[int, int], ...]:
    ranges = []
    for part in services.split(","):
        low, _, high = part.strip().partition("-")
        if low.isdigit():
            ranges.append((int(low), int(high) if high.isdigit() else int(low)))
    return tuple(ranges)


def _facts(root: Element) -> ScanFacts:
    tcp: list[tuple[int, int]] = []
    udp: list[tuple[int, int]] = []
    for info in root.findall("scaninfo"):
        target = udp if info.get("protocol") == "udp" else tcp
        target.extend(_ranges(info.get("services", "")))
    finished = root.find("runstats/finished")
    args = root.get("args", "")
    start = root.get("start", "")
    skipped = tuple(
        target.get("specification", "") for target in root.findall("target") if target.get("status") == "skipped"
    )
    return ScanFacts(
        args=args,
        version=root.get("version", ""),
        started_at=datetime.fromtimestamp(int(start), UTC) if start.isdigit() else None,
        finished=finished is not None,
        exit_status=finished.get("exit", "success") if finished is not None else "interrompu",
        error_message=finished.get("errormsg", "") if finished is not None else "",
        scanned_tcp=tuple(tcp),
        scanned_udp=tuple(udp),
        requested_scripts=requested_scripts(args),
        hosts=tuple(_host(host) for host in root.findall("host")),
        skipped_targets=skipped,
    )


def _host(host: Element) -> HostFacts:
    address = next(
        (a.get("addr", "") for a in host.findall("address") if a.get("addrtype") in {"ipv4", "ipv6"}),
        "",
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
    )


def _port(port: Element) -> PortFacts:
    state = port.find("state")
    service = port.find("service")
    return PortFacts(
        protocol=port.get("protocol", "tcp"),
        port=int(port.get("portid", "0")),
        state=state.get("state", "unknown") if state is not None else "unknown",
        reason=state.get("reason", "") if state is not None else "",
        service=_service(service) if service is not None else None,
        scripts=tuple(_script(script) for script in port.findall("script")),
    )


def _service(service: Element) -> ServiceFacts:
    conf = service.get("conf", "0")
    return ServiceFacts(
        name=service.get("name", ""),
        product=service.get("product", ""),
        version=service.get("version", ""),
        extrainfo=service.get("extrainfo", ""),
        tunnel=service.get("tunnel"),
        method=service.get("method", "table"),
        confidence=int(conf) if conf.isdigit() else 0,
        cpes=tuple(cpe.text or "" for cpe in service.findall("cpe")),
    )


def _script(script: Element) -> ScriptOutput:
    return ScriptOutput(
        id=script.get("id", ""),
        output=script.get("output", ""),
        structure=_table(None, script),
    )


def _table(key: str | None, element: Element) -> ScriptTable:
    return ScriptTable(
        key=key,
        elems=tuple(ScriptElem(elem.get("key"), elem.text or "") for elem in element.findall("elem")),
        tables=tuple(_table(table.get("key"), table) for table in element.findall("table")),
    )
