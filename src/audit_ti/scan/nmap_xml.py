"""nmap XML → typed facts and the evidence to keep: the entry points, from a single parse.

The XML may come from a third party (an integrator's scan) or be cut short by an interrupted run.
How it is read lies in three parts: ``hardened_xml`` parses it (defusedxml, no DTD but nmap's
bare ``<!DOCTYPE nmaprun>``, depth limit, recovery up to the last complete host), ``nmap_facts``
turns the tree into typed facts (every number checked, a bad value reported with its line), and
``redaction`` masks MQTT payloads and found passwords before the XML is kept as evidence (they
may be personal data or live secrets).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element, tostring

from audit_ti.errors import InvalidInputError
from audit_ti.models.bulk import paused_garbage_collector
from audit_ti.models.scan_facts import ScanFacts
from audit_ti.scan.hardened_xml import MAX_DEPTH, LineBuilder, Source, parse_root, problem, too_deep
from audit_ti.scan.nmap_facts import BadValue, requested_scripts, scan_facts
from audit_ti.scan.redaction import REDACTED_SCRIPTS, redact_passwords, redact_payloads

__all__ = [
    "MAX_DEPTH",
    "REDACTED_SCRIPTS",
    "ParsedXml",
    "parse_nmap_xml",
    "prepare_evidence",
    "read_evidence",
    "requested_scripts",
]

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


def parse_nmap_xml(text: str, source: Source = "XML nmap") -> ParsedXml:
    """Parse nmap's XML output, complete or interrupted.

    Raises:
        InvalidInputError: hostile XML (entities, DTD, external references), not an nmap document,
            or a value nmap never writes (with its line).
    """
    with paused_garbage_collector():
        root, recovered = parse_root(text, source)
        try:
            return ParsedXml(scan_facts(root), recovered)
        except BadValue:
            pass
    return _located_failure(text, source)


def _located_failure(text: str, source: Source) -> ParsedXml:
    """Parse again, remembering lines, to say where the value nmap never writes is."""
    builder = LineBuilder()
    located, _ = parse_root(text, source, lambda: builder)
    try:
        scan_facts(located)
    except BadValue as bad:
        key = f"{bad.element.tag}.{bad.key}" if bad.key else bad.element.tag
        raise InvalidInputError(problem(source, bad.message, builder.lines.get(bad.element), key)) from None
    raise AssertionError("the same document parsed twice gave two answers")


def prepare_evidence(text: str, source: Source = "XML nmap") -> tuple[str, list[str]]:
    """The XML to keep as evidence, with captured payloads and found passwords masked, and notes.

    Untouched byte for byte when there is nothing to mask.
    """
    # Always parsed: a textual search for id="mqtt-subscribe" misses « mqtt&#45;subscribe ».
    root, recovered = parse_root(text, source)
    return _masked(root, recovered, text, source)


def read_evidence(text: str, source: Source = "XML nmap") -> tuple[str, list[str], ParsedXml]:
    """``prepare_evidence`` and ``parse_nmap_xml`` from a single parse of ``text``.

    The facts are those of the masked document, as a later reading of the kept copy would give,
    and ``recovered`` still says whether ``text`` itself was cut short. A value nmap never writes
    is located in ``text``, the document the user or nmap gave.

    Raises:
        InvalidInputError: as ``parse_nmap_xml``.
    """
    with paused_garbage_collector():
        root, recovered = parse_root(text, source)
        kept, notes = _masked(root, recovered, text, source)
        try:
            facts = scan_facts(root)
        except BadValue:
            facts = None
    if facts is None:
        return kept, notes, _located_failure(text, source)
    return kept, notes, ParsedXml(facts, recovered)


def _masked(root: Element, recovered: bool, text: str, source: Source) -> tuple[str, list[str]]:
    """Mask ``root`` in place; the text to keep (``text`` itself when nothing changed) and notes."""
    if too_deep(root) is not None:
        _located_failure(text, source)  # serialising it again would exhaust the stack: refused, with its line
    payloads = redact_payloads(root)
    secrets = redact_passwords(root)
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
