"""JSON Schemas of the YAML files, generated from the models and committed beside the examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import CoreSchema

from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.audit import Audit
from audit_ti.models.base import StrictModel
from audit_ti.models.credentials import FactoryCredentials
from audit_ti.models.grille import Grille
from audit_ti.models.inclusion_referential import InclusionReferential
from audit_ti.models.vulnerabilities import EndOfLifeList

__all__ = ["SCHEMA_FILES", "render_schema", "write_schemas"]

#: Where each schema lives, relative to the project root.
SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "audits/schema/audit.schema.json": Audit,
    "grilles/schema/grille.schema.json": Grille,
    "grilles/schema/aipd.schema.json": AipdReferential,
    "grilles/schema/inclusion.schema.json": InclusionReferential,
    "grilles/schema/identifiants-usine.schema.json": FactoryCredentials,
    "grilles/schema/fin-de-vie.schema.json": EndOfLifeList,
}


class _FrenchSchema(GenerateJsonSchema):
    """Uses each model's French ``schema_description`` instead of its English docstring."""

    def model_schema(self, schema: Any) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        cls = schema.get("cls")
        if isinstance(cls, type) and issubclass(cls, StrictModel):
            # Class names and docstrings are English; editors show French text only.
            json_schema.pop("title", None)
            json_schema.pop("description", None)
            if cls.schema_description:
                json_schema["description"] = cls.schema_description
        return json_schema

    def generate(self, schema: CoreSchema, mode: Any = "validation") -> JsonSchemaValue:
        json_schema = super().generate(schema, mode=mode)
        json_schema["$schema"] = self.schema_dialect
        return json_schema


def render_schema(model: type[BaseModel]) -> str:
    """The schema of ``model`` as committed: sorted keys, two-space indent, final newline."""
    schema = model.model_json_schema(by_alias=True, schema_generator=_FrenchSchema, mode="validation")
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(root: Path) -> list[Path]:
    """(Re)write every schema under ``root``; returns the files written."""
    written = []
    for relative, model in SCHEMA_FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_schema(model), encoding="utf-8")
        written.append(path)
    return written
