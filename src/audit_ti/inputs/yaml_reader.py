"""Safe reading of YAML files, keeping the line of every key.

``yaml.safe_load`` semantics, with what an audit tool needs on top: a size limit, a refusal of
binary and non-UTF-8 files, duplicate keys reported instead of silently overwritten, a budget
against alias bombs, dates kept as text (so that they stay JSON-serialisable for papermill),
and every error in French with its file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.inputs.files import decode_utf8, line_of, read_capped
from audit_ti.models.base import KeyPath, SourceMap, format_key_path

__all__ = ["MAX_FILE_BYTES", "MAX_NODES", "YamlDocument", "read_yaml"]

#: Audit files and grilles are a few kilobytes; anything this large is a mistake or an attack.
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Nodes visited with aliases expanded; a "billion laughs" document exceeds it at once.
MAX_NODES = 200_000
MAX_DEPTH = 64
#: No number an audit file holds needs more digits; Python refuses to convert beyond 4 300.
MAX_INT_DIGITS = 30

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_INT_TAG = "tag:yaml.org,2002:int"


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings (papermill's ``NoDatesSafeLoader`` does the same)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class YamlDocument:
    """Content of a YAML file and where each key was written."""

    data: Any
    source: SourceMap


def read_yaml(path: Path) -> YamlDocument:
    """Read one YAML file safely.

    Raises:
        InvalidInputError: French message naming the file and, when known, the line.
    """
    text = _read_text(path)
    try:
        return _parse(path, text)
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        raise InvalidInputError(
            Problem(f"caractère de contrôle U+{error.character:04X} interdit dans un fichier YAML", path, line)
        ) from None
    except yaml.MarkedYAMLError as error:
        raise InvalidInputError(_syntax_problem(path, error)) from None
    except yaml.YAMLError as error:
        raise InvalidInputError(Problem(f"YAML illisible ({error})", path)) from None
    except RecursionError:
        raise InvalidInputError(Problem("structure YAML trop profondément imbriquée", path)) from None


def _flow_too_deep(path: Path, text: str) -> None:
    """Refuse, with its line, flow nesting (« [[[[… ») deep enough to exhaust PyYAML's recursion.

    The indexer bounds the depth of what PyYAML builds; this pass catches, before PyYAML, the
    nesting PyYAML itself would die on, and says where it starts.
    """
    depth, line, quote = 0, 1, ""
    previous = "\n"
    for character in text:
        if character == "\n":
            line += 1
            if quote == "#":
                quote = ""
        elif quote:
            if character == quote and quote != "#":
                quote = ""
        elif character in "'\"" and previous in " \t\n[{,:":
            quote = character  # a quote opens a scalar only where one starts (not in « l'audit »)
        elif character == "#" and previous in " \t\n":
            quote = "#"
        elif character in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise InvalidInputError(Problem("structure YAML trop profondément imbriquée", path, line))
        elif character in "]}":
            depth = max(depth - 1, 0)
        previous = character


def _parse(path: Path, text: str) -> YamlDocument:
    _flow_too_deep(path, text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InvalidInputError(Problem("le fichier est vide (aucun contenu YAML)", path, 1))
        lines = _index_nodes(path, node)
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    return YamlDocument(data=data, source=SourceMap(path=path, lines=lines))


def _read_text(path: Path) -> str:
    raw = read_capped(path, MAX_FILE_BYTES, " pour un fichier d'audit ou une grille")
    if b"\x00" in raw:
        line = line_of(raw, raw.index(b"\x00"))
        raise InvalidInputError(Problem("fichier binaire (octet nul) : un fichier texte YAML est attendu", path, line))
    return decode_utf8(
        raw, path, "le fichier n'est pas encodé en UTF-8 (octet {octet} inattendu) : enregistrez-le en UTF-8"
    )


_SYNTAX_MESSAGES = {
    "found character '\\t' that cannot start any token": ("tabulation interdite en YAML : indentez avec des espaces"),
    "mapping values are not allowed here": (
        "« : » inattendu : indentation incorrecte, ou valeur contenant « : » à mettre entre guillemets"
    ),
    "could not find expected ':'": "« : » manquant après une clé, ou indentation incorrecte",
    "found undefined alias": "alias YAML (*nom) qui ne renvoie à aucune ancre (&nom)",
    "expected <block end>, but found '<block mapping start>'": "indentation incorrecte",
    "expected <block end>, but found '-'": "élément de liste « - » mal indenté",
    "expected <block end>, but found '<scalar>'": "indentation incorrecte ou guillemet mal fermé",
    "found unexpected end of stream": "fin de fichier inattendue : guillemet ou crochet non fermé",
    "but found another document": (
        "le fichier contient plusieurs documents YAML (séparateur « --- ») : un seul est attendu"
    ),
    "found a tab character that violates indentation": ("tabulation interdite en YAML : indentez avec des espaces"),
    "could not determine a constructor for the tag": (
        "étiquette YAML (« !! » ou « ! ») non autorisée : seules les valeurs simples sont acceptées"
    ),
}


def _syntax_problem(path: Path, error: yaml.MarkedYAMLError) -> Problem:
    problem = error.problem or "erreur de syntaxe"
    message = next(
        (french for english, french in _SYNTAX_MESSAGES.items() if problem.startswith(english)),
        None,
    )
    if message is None and "found a tab character" in problem:
        message = _SYNTAX_MESSAGES["found a tab character that violates indentation"]
    if message is None:
        message = f"erreur de syntaxe YAML ({problem})"
    mark = error.problem_mark or error.context_mark
    if problem.startswith("found unexpected end of stream") and error.context_mark is not None:
        # The end of the file says little; where the unclosed quote or bracket opened says more.
        mark = error.context_mark
        message = "guillemet ou crochet ouvert ici et jamais fermé"
    line = mark.line + 1 if mark is not None else None
    return Problem(message, path, line)


class _Indexer:
    """Walks the node graph once, recording key lines and enforcing the limits."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: dict[KeyPath, int] = {}
        self.visited = 0
        self._ancestors: set[int] = set()

    def walk(self, node: yaml.Node, loc: KeyPath, depth: int) -> None:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise InvalidInputError(
                Problem(
                    "le document se développe en trop d'éléments (abus d'alias YAML, type « billion laughs ») : refusé",
                    self.path,
                    node.start_mark.line + 1,
                )
            )
        if depth > MAX_DEPTH:
            raise InvalidInputError(
                Problem("structure YAML trop profondément imbriquée", self.path, node.start_mark.line + 1)
            )
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if not isinstance(node, yaml.CollectionNode):
            if node.tag == _INT_TAG and len(str(node.value)) > MAX_INT_DIGITS:
                raise self._error(
                    f"nombre entier de {len(str(node.value))} chiffres : aucune valeur d'un fichier d'audit "
                    f"n'en a plus de {MAX_INT_DIGITS}",
                    node,
                    loc,
                )
            return
        if id(node) in self._ancestors:
            raise self._error("structure récursive : un alias YAML (*nom) renvoie à un bloc qui le contient", node, loc)
        self._ancestors.add(id(node))
        if isinstance(node, yaml.MappingNode):
            self._walk_mapping(node, loc, depth)
        else:
            for index, child in enumerate(node.value):
                self.walk(child, (*loc, index), depth + 1)
        self._ancestors.discard(id(node))

    def _error(self, message: str, node: yaml.Node, loc: KeyPath) -> InvalidInputError:
        """A refusal located at the node's line and key path."""
        return InvalidInputError(Problem(message, self.path, node.start_mark.line + 1, format_key_path(loc) or None))

    def _walk_mapping(self, node: yaml.MappingNode, loc: KeyPath, depth: int) -> None:
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self._error("clé complexe (liste ou bloc utilisé comme clé) non prise en charge", key_node, loc)
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen and key != "<<":
                raise InvalidInputError(
                    Problem(
                        f"clé « {key} » en double (déjà écrite ligne {seen[key]}) : "
                        "la seconde valeur écraserait la première",
                        self.path,
                        line,
                        format_key_path((*loc, key)),
                    )
                )
            seen[key] = line
            self.lines[(*loc, key)] = line
            self.walk(value_node, (*loc, key), depth + 1)
            # The key's own line wins over the value's (a block value starts on the next line).
            self.lines[(*loc, key)] = line


def _index_nodes(path: Path, node: yaml.Node) -> dict[KeyPath, int]:
    indexer = _Indexer(path)
    indexer.walk(node, (), 0)
    return indexer.lines
