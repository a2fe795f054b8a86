"""Committed JSON Schemas match the models, and every example points editors at them."""

from __future__ import annotations

import json

import pytest

from audit_ti.inputs.schemas import SCHEMA_FILES, render_schema
from tests.conftest import ROOT


@pytest.mark.parametrize("relative", sorted(SCHEMA_FILES))
def test_committed_schema_is_up_to_date(relative: str) -> None:
    committed = (ROOT / relative).read_text(encoding="utf-8")
    assert committed == render_schema(SCHEMA_FILES[relative]), (
        f"{relative} est périmé : lancez « make schemas » et committez le résultat"
    )


def test_schemas_speak_french_to_editors() -> None:
    schema = json.loads((ROOT / "audits/schema/audit.schema.json").read_text(encoding="utf-8"))
    gateway = schema["$defs"]["Gateway"]
    assert gateway["description"].startswith("Passerelle IoT")
    assert "ports_attendus" in gateway["properties"]
    assert gateway["additionalProperties"] is False
    assert "An IoT gateway" not in json.dumps(schema)


@pytest.mark.parametrize(
    "path", sorted([*ROOT.glob("audits/*.yaml"), *ROOT.glob("grilles/*.yaml")]), ids=lambda p: p.name
)
def test_examples_declare_their_schema_on_the_first_line(path) -> None:
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    folder = path.parent.name
    expected = "audit" if folder == "audits" else "grille"
    if path.stem in ("aipd", "inclusion", "identifiants-usine"):  # referentials have their own schemas
        expected = path.stem
    assert first_line == f"# yaml-language-server: $schema=schema/{expected}.schema.json"
