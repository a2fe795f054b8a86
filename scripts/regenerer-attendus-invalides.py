"""Regenerate tests/fixtures/invalides/attendus.yml, printing every change for review (--write to save)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import yaml

from audit_ti.checks import default_registry
from audit_ti.validation.catalog import GrilleCatalog
from audit_ti.validation.files import validate_file

HEADER = (
    "# Expected first problem of each invalid file (golden): line, key path and exact French message.\n"
    "# Regenerate only after reading every changed message.\n"
)


def main() -> None:
    path = Path("tests/fixtures/invalides/attendus.yml")
    old = yaml.safe_load(path.read_text(encoding="utf-8"))
    catalog = GrilleCatalog(Path("grilles"), default_registry())
    expected: dict[str, dict[str, object]] = {}
    for fixture in sorted(Path("tests/fixtures/invalides").glob("*.yaml")):
        problem = validate_file(fixture, catalog, date(2026, 11, 22)).problems[0]
        entry: dict[str, object] = {"ligne": problem.line, "message": problem.message}
        if problem.key:
            entry["cle"] = problem.key
        expected[fixture.name] = entry
        if old.get(fixture.name) != entry:
            print("CHANGED", fixture.name, "\n  old:", old.get(fixture.name), "\n  new:", entry)
    if "--write" in sys.argv:
        path.write_text(HEADER + yaml.safe_dump(expected, allow_unicode=True, sort_keys=True, width=200), "utf-8")


if __name__ == "__main__":
    main()
