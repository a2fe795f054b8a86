"""Reading an nmap XML document that may be hostile or cut short: parser, limits, recovery.

The XML may come from a third party (an integrator's scan) or be cut short by an interrupted run:
it is parsed with defusedxml (no entity declarations, no external references) and no DTD but
nmap's own bare ``<!DOCTYPE nmaprun>`` (no external DTD, no internal subset: nothing is ever
fetched, and no attribute default can be slipped in). An interrupted document is read up to its
last complete host. A document nested deeper than nmap ever writes is refused before anything
walks it recursively.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.common import EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from audit_ti.errors import InvalidInputError, Problem

__all__ = ["MAX_DEPTH", "Builder", "LineBuilder", "Source", "parse_root", "problem", "too_deep"]

#: nmap's deepest documents (NSE tables in tables) stay far below; deeper is an attack on the parser.
MAX_DEPTH = 48

#: Line boundaries tried, from the end, to read a document cut in the middle of an element.
_RECOVERY_LINES = 50

Source = str | Path
Builder = Callable[[], TreeBuilder]


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


class LineBuilder(TreeBuilder):
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


def _entity_declared(name: str, _parameter: bool, value: str | None, base: str | None, *ids: str | None) -> None:
    raise EntitiesForbidden(name, value, base, *ids)


def _unparsed_entity_declared(name: str, base: str | None, *ids: str | None) -> None:
    raise EntitiesForbidden(name, None, base, *ids)


def _external_reference(context: str, base: str | None, system_id: str | None, public_id: str | None) -> int:
    raise ExternalReferenceForbidden(context, base, system_id, public_id)


def _without_namespaces(text: str) -> bool:
    """True when ``text`` binds no namespace and uses no ``xml:`` name (what nmap writes).

    Element and attribute names cannot be spelt with character references: a namespace
    declaration always shows « xmlns » in the text, and the predeclared prefix « xml: ».
    """
    return "xmlns" not in text and "xml:" not in text


def _fast_fromstring(text: str) -> Element:
    """The tree of ``text`` built by expat calling the C tree builder directly (no Python frame per element).

    The same hardening as ``_Parser``: the same DOCTYPE refusal, entity declarations and external
    references refused with defusedxml's own exceptions. Used only for documents without
    namespaces, for which it builds the very tree ``_Parser`` builds (ElementTree's parser only
    rewrites namespaced names).

    Raises:
        ParseError: malformed XML.
    """
    target = TreeBuilder()
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _Parser._refuse_doctype
    parser.EntityDeclHandler = _entity_declared
    parser.UnparsedEntityDeclHandler = _unparsed_entity_declared
    parser.ExternalEntityRefHandler = _external_reference
    parser.StartElementHandler = target.start
    parser.EndElementHandler = target.end
    parser.CharacterDataHandler = target.data
    parser.buffer_text = True
    try:
        parser.Parse(text, True)
    except expat.ExpatError as error:
        failure = ParseError(f"{expat.ErrorString(error.code)}: line {error.lineno}, column {error.offset}")
        failure.code, failure.position = error.code, (error.lineno, error.offset)
        raise failure from None
    root: Element = target.close()
    return root


def _fromstring(text: str, builder: TreeBuilder | None = None) -> Element:
    if builder is None and _without_namespaces(text):
        return _fast_fromstring(text)
    target = builder or TreeBuilder()
    parser = _Parser(target)
    if isinstance(target, LineBuilder):
        target.parser = parser
    parser.feed(text)
    root: Element = parser.close()
    return root


def problem(source: Source, message: str, line: int | None = None, key: str | None = None) -> Problem:
    """A problem of the document: located in the file when ``source`` is a path, else named by it."""
    if isinstance(source, Path):
        return Problem(message, source, line, key)
    return Problem(f"{source} : {message}", None, line, key)


def parse_root(text: str, source: Source, builder: Builder | None = None) -> tuple[Element, bool]:
    """The ``nmaprun`` element of ``text``, and True when it had to be recovered from a cut document.

    ``builder`` makes the tree (``LineBuilder`` to locate an error); by default, ElementTree's own.

    Raises:
        InvalidInputError: hostile XML (entities, DTD, external references), unreadable XML,
            or not an nmap document.
    """
    try:
        return _checked_root(_fromstring(text, builder() if builder else None), source), False
    except _DoctypeRefused as refused:
        raise InvalidInputError(problem(source, f"XML refusé ({refused})")) from None
    except DefusedXmlException as error:
        raise InvalidInputError(problem(source, f"XML refusé ({_defused_reason(error)})")) from None
    except ParseError:
        recovered = _recover(text, builder)
        if recovered is None:
            raise InvalidInputError(
                problem(source, "ce n'est pas une sortie XML de nmap lisible (document vide ou tronqué)")
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
        raise InvalidInputError(problem(source, f"élément racine « {root.tag} » inattendu (« nmaprun » attendu)"))
    return root


def too_deep(root: Element) -> Element | None:
    """The first element deeper than MAX_DEPTH, found without recursion (a hostile document may nest
    thousands of levels), or None."""
    # Level by level first (children listed by C code, no tuple per element): nmap's documents end there.
    elements, depth = [root], 1
    while elements and depth <= MAX_DEPTH:
        elements = [child for parent in elements for child in parent]
        depth += 1
    if not elements:
        return None
    stack = [(root, 1)]
    while stack:
        element, level = stack.pop()
        if level > MAX_DEPTH:
            return element
        stack.extend((child, level + 1) for child in element)
    return None


def _recover(text: str, builder: Builder | None) -> Element | None:
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
            return _fromstring(candidate + "\n</nmaprun>\n", builder() if builder else None)
        except ParseError:
            continue
        except (DefusedXmlException, _DoctypeRefused):
            return None
    return None
