"""The layout docs/architecture.md describes: rooms, what each may import, small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "audit_ti"

#: Each room of the package and the rooms it may import (docs/architecture.md, « Pièces »).
ALLOWED: dict[str, set[str]] = {
    "text": set(),
    "errors": set(),
    "models": set(),
    "lab": {"errors"},
    "inputs": {"errors", "models", "text"},
    "checks": {"models", "text"},
    "scan": {"checks", "errors", "inputs", "models", "text"},
    "cyber": {"checks", "models", "text"},
    "impact": {"errors", "inputs", "models", "text"},
    "report": {"errors", "inputs", "models", "text"},
    "validation": {"checks", "errors", "inputs", "models", "scan", "text"},
    "pia": {"errors", "impact", "inputs", "models", "validation", "text"},
    "runs": {
        "__init__",
        "checks",
        "cyber",
        "errors",
        "impact",
        "inputs",
        "models",
        "report",
        "scan",
        "validation",
        "text",
    },
    "cli": {"__init__", "errors", "inputs", "lab", "models", "pia", "report", "runs", "text", "validation", "checks"},
    "__main__": {"cli"},
    "__init__": set(),
}

MAX_LINES = 400
LOOSE_FILES = {"__init__.py", "__main__.py", "errors.py", "text.py"}


def _room(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0].removesuffix(".py")


def _imported_rooms(path: Path) -> set[str]:
    rooms = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "audit_ti":
                rooms.add(parts[1] if len(parts) > 1 else "__init__")
    return rooms


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_each_module_imports_only_the_rooms_below_it(path: Path) -> None:
    room = _room(path)
    assert room in ALLOWED, f"pièce inconnue de docs/architecture.md : {room}"
    forbidden = _imported_rooms(path) - ALLOWED[room] - {room}
    assert not forbidden, f"{path.relative_to(PACKAGE)} importe {sorted(forbidden)}"


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): count
        for path in MODULES
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long


def test_the_root_holds_packages_and_at_most_four_files() -> None:
    loose = {path.name for path in PACKAGE.glob("*.py")}
    assert loose <= LOOSE_FILES, loose - LOOSE_FILES


def test_the_rooms_form_no_cycle() -> None:
    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(room == goal or (room not in seen and reaches(room, goal, seen | {room})) for room in ALLOWED[start])

    assert not [room for room in ALLOWED if reaches(room, room)]
