"""Files in and out of the CNIL PIA software: read its JSON, rewrite the ``aipd:`` block of an audit.

The audit file is rewritten as text: only the ``aipd:`` block changes, so the comments and the
layout of every other block survive. The result is validated before anything is written.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.inputs.documents import load_audit, problems_from
from audit_ti.inputs.files import decode_utf8, read_capped
from audit_ti.inputs.json_lines import index_json
from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.base import SourceMap
from audit_ti.models.cnil_pia import PiaExport
from audit_ti.pia.export import export_pia
from audit_ti.pia.imports import import_pia
from audit_ti.validation.audit_rules import examine_audit
from audit_ti.validation.catalog import GrilleCatalog, MissingEntryError
from audit_ti.validation.prepare import Pipeline, prepare_audit, required_referential

__all__ = [
    "MAX_PIA_BYTES",
    "aipd_fragment",
    "export_audit",
    "import_into_audit",
    "read_pia_export",
    "replace_aipd_block",
]

#: PIA exports with embedded attachments can be large; beyond this, something else was given.
MAX_PIA_BYTES = 20 * 1024 * 1024
_AIPD_KEY = "aipd"


def read_pia_export(path: Path) -> PiaExport:
    """Read a ``.json`` exported by the CNIL PIA software.

    Raises:
        InvalidInputError: unreadable file, invalid JSON (with its line), or not a PIA export.
    """
    raw = read_capped(path, MAX_PIA_BYTES, " pour un export du logiciel PIA")
    text = decode_utf8(raw, path, "le fichier n'est pas encodé en UTF-8")
    lines = index_json(text, path)  # refuses, with their line, what json.loads would choke on
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        message = f"JSON invalide ({_french_json_error(error.msg)})"
        raise InvalidInputError(Problem(message, path, error.lineno)) from None
    except (RecursionError, ValueError):
        # The index refuses deep nesting and huge integers first; what json still refuses says little more.
        raise InvalidInputError(Problem("JSON illisible : ce n'est pas un export PIA", path)) from None
    if not isinstance(data, dict) or "pia" not in data:
        raise InvalidInputError(
            Problem("ce n'est pas un export du logiciel PIA de la CNIL (objet « pia » absent)", path, 1)
        )
    try:
        return PiaExport.model_validate(data)
    except ValidationError as error:
        problems = problems_from(error, PiaExport, SourceMap(path, lines))
        raise InvalidInputError(
            [
                Problem(f"export PIA non conforme : {problem.message}", path, problem.line, problem.key)
                for problem in problems
            ]
        ) from None


_JSON_MESSAGES = {
    "Expecting value": "valeur attendue",
    "Expecting property name enclosed in double quotes": "nom de propriété entre guillemets attendu",
    "Expecting ',' delimiter": "virgule attendue",
    "Expecting ':' delimiter": "deux-points attendu",
    "Unterminated string starting at": "chaîne de caractères jamais fermée",
    "Extra data": "données en trop après la fin du document",
    "Invalid control character at": "caractère de contrôle interdit",
    "Invalid \\escape": "séquence d'échappement invalide",
}


def _french_json_error(message: str) -> str:
    return next((french for english, french in _JSON_MESSAGES.items() if message.startswith(english)), message)


#: Decisions on a risk the PIA format has no place for (GDPR art. 36): kept from the audit file.
_SIGNED_DECISIONS = ("non_consultation", "acceptation")


def _merge(existing: dict[str, Any], imported: dict[str, Any]) -> dict[str, Any]:
    """The audit's AIPD block with the imported parts laid over it.

    What the PIA format cannot carry (pre-screen, hosting, public information, custom risks, the
    signed decisions on a risk, action statuses and costs) is kept from the audit file.
    """
    merged = dict(existing)
    for key, value in imported.items():
        if key == "risques":
            before = existing.get("risques", {})
            custom = {k: v for k, v in before.items() if k not in value}
            signed = {
                k: {**v, **{d: before[k][d] for d in _SIGNED_DECISIONS if d in before.get(k, {})}}
                for k, v in value.items()
            }
            merged[key] = {**signed, **custom}
        elif key == "mesures":
            merged[key] = {**existing.get("mesures", {}), **value}
        elif key == "plan_action" and existing.get("plan_action"):
            continue  # the audit's plan is richer (status, cost); the PIA's comments would duplicate it
        else:
            merged[key] = value
    return merged


def _dump_block(section: dict[str, Any]) -> str:
    text = yaml.safe_dump(
        {_AIPD_KEY: section}, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False
    )
    return text


def replace_aipd_block(text: str, block: str) -> str:
    """Replace the top-level ``aipd:`` block of an audit file's text (or append it)."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith(f"{_AIPD_KEY}:")), None)
    if start is None:
        return text.rstrip("\n") + "\n\n" + block
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t"):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # blank lines before the next block stay where they are
    return "".join(lines[:start]) + block + "".join(lines[end:])


def import_into_audit(pia_path: Path, audit_path: Path, catalog: GrilleCatalog, today: date) -> str:
    """The audit file's text with its ``aipd:`` block updated from a PIA export, validated.

    Raises:
        InvalidInputError: the PIA export, the audit or the result is invalid (nothing is written).
    """
    document = read_pia_export(pia_path)
    audit = load_audit(audit_path)
    referential = required_referential(audit, catalog, "aipd", audit.aipd.referential, AipdReferential)
    existing = audit.aipd.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True, mode="json")
    merged = _merge(existing, import_pia(document, referential))
    text = replace_aipd_block(audit_path.read_text(encoding="utf-8"), _dump_block(merged))
    _check_result(text, audit_path, catalog)
    return text


def aipd_fragment(pia_path: Path, catalog: GrilleCatalog, referential_id: str = "aipd") -> str:
    """The ``aipd:`` block built from a PIA export alone, to paste into an audit file."""
    document = read_pia_export(pia_path)
    return _dump_block(import_pia(document, _aipd_referential(catalog, referential_id)))


def _aipd_referential(catalog: GrilleCatalog, referential_id: str) -> AipdReferential:
    try:
        found = catalog.referential(referential_id)
    except MissingEntryError:
        found = None
    if not isinstance(found, AipdReferential):
        raise InvalidInputError(Problem(f"référentiel AIPD « {referential_id} » introuvable dans {catalog.folder}"))
    return found


def _check_result(text: str, audit_path: Path, catalog: GrilleCatalog) -> None:
    # Validated as a file beside the original, so that relative paths (territory CSV) still resolve.
    with tempfile.NamedTemporaryFile(
        "w", suffix=".yaml", dir=audit_path.parent, prefix=".import-pia-", encoding="utf-8", delete=False
    ) as handle:
        handle.write(text)
        temporary = Path(handle.name)
    try:
        problems = examine_audit(load_audit(temporary), catalog, statistics=True).problems
    except InvalidInputError as error:
        problems = list(error.problems)
    finally:
        temporary.unlink(missing_ok=True)
    if problems:
        raise InvalidInputError(
            [Problem(f"après import, le fichier d'audit serait invalide : {problem}") for problem in problems]
        )


def export_audit(audit_path: Path, catalog: GrilleCatalog, today: date) -> dict[str, Any]:
    """The AIPD of a valid audit file as a CNIL PIA export (plain JSON data).

    Raises:
        InvalidInputError: the audit file is invalid.
    """
    prepared = prepare_audit(audit_path, catalog, {Pipeline.IMPACT})
    audit, referential = prepared.audit, prepared.aipd
    assert referential is not None, "prepared for the impact pipeline"
    return export_pia(audit.aipd, referential, audit.use_case.name, audit.use_case.owner.name, today)
