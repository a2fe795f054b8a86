"""Interoperability with the CNIL PIA software: import, export, round trips, the CLI."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from audit_ti.inputs.documents import load_audit
from audit_ti.models.aipd import AipdAnswers
from audit_ti.models.cnil_pia import PiaExport
from audit_ti.pia.exchange import read_pia_export, replace_aipd_block
from audit_ti.pia.export import export_pia
from audit_ti.pia.imports import import_pia, slugify
from audit_ti.pia.mapping import PLANNED_PREFIX
from tests.assess_helpers import aipd_answers, aipd_referential
from tests.conftest import FIXTURES, ROOT

PIA_FILE = FIXTURES / "pia" / "pia-marche-couvert.json"
TODAY = "2026-11-22"


def imported() -> AipdAnswers:
    return aipd_answers(import_pia(read_pia_export(PIA_FILE), aipd_referential()))


def test_import_maps_context_principles_and_evaluations_without_html() -> None:
    answers = imported()
    assert answers.context.overview == "Compter les visiteurs du marché couvert pour adapter les horaires."
    assert answers.context.processing == "Deux caméras à l'entrée comptent les passages ; aucune image n'est gardée."
    assert answers.context.data == "Nombre de passages par quart d'heure.\nImages traitées en mémoire vive."
    minimisation = answers.principles["minimisation"]
    assert minimisation.answer == "Seul un nombre de passages sort de la caméra."
    assert (minimisation.evaluation, minimisation.comment) == (
        "a_corriger",
        "Préciser ce qui sort de la caméra.",
    )
    assert answers.principles["finalites"].evaluation == "acceptable"


def test_import_maps_measures_to_the_catalogue_or_to_titled_custom_measures() -> None:
    measures = imported().measures
    assert set(measures) == {"chiffrement", "journalisation", "controle_acces", "comptage_dans_la_camera"}
    assert measures["journalisation"].title is None  # « Traçabilité » is the catalogue's PIA title
    custom = measures["comptage_dans_la_camera"]
    assert (custom.title, custom.state.value, custom.description) == (
        "Comptage dans la caméra",
        "prevue",
        "Le comptage est calculé dans la caméra.",
    )


def test_import_maps_risks_gauges_and_the_evaluator_reassessment() -> None:
    risks = imported().risks
    access = risks["acces_illegitime"]
    assert (access.before.severity, access.before.likelihood) == (3, 3)
    assert access.after is not None and (access.after.severity, access.after.likelihood) == (2, 1)
    assert access.measures == ["chiffrement", "journalisation", "comptage_dans_la_camera"]
    assert access.impacts == ["Sentiment d'être surveillé", "Suivi d'une personne"]
    assert access.evaluation == "ameliorable"
    assert "disparition" not in risks  # no gauges in the export: not assessed yet


def test_import_maps_opinions_validation_and_the_action_plan() -> None:
    answers = imported()
    assert answers.opinions.dpo is not None
    assert (answers.opinions.dpo.name, answers.opinions.dpo.verdict) == (
        "Jean Martin (DPO mutualisé)",
        "favorable",
    )
    subjects = answers.opinions.data_subjects
    assert subjects is not None and not subjects.sought
    assert subjects.reason_not_sought == "Les commerçants seront consultés au conseil de marché de mars."
    assert answers.validation.state == "en_attente"
    [action] = answers.action_plan
    assert (action.measure, action.owner, action.due) == (
        "comptage_dans_la_camera",
        "Service du commerce local",
        date(2027, 1, 15),
    )


def test_pia_to_ours_to_pia_to_ours_is_a_fixed_point() -> None:
    first = imported()
    exported = export_pia(first, aipd_referential(), "Marché couvert", "Service", date(2026, 11, 22))
    second = aipd_answers(import_pia(PiaExport.model_validate(exported), aipd_referential()))
    assert second == first


def test_ours_to_pia_and_back_keeps_everything_the_format_can_carry() -> None:
    original = load_audit(ROOT / "audits" / "telereleve-eau.yaml").aipd
    exported = export_pia(original, aipd_referential(), "Télérelève", "Karim Benali", date(2026, 11, 22))
    back = aipd_answers(import_pia(PiaExport.model_validate(json.loads(json.dumps(exported))), aipd_referential()))
    assert back.context == original.context
    assert back.principles == original.principles
    assert back.measures == original.measures
    # The PIA has no field for the date of the DPO's opinion nor for how data subjects were asked.
    lost = {"dpo": {"given_on"}, "data_subjects": {"how"}}
    assert back.opinions.model_dump(exclude=lost) == original.opinions.model_dump(exclude=lost)
    assert back.validation.state == original.validation.state
    for risk_id, risk in original.risks.items():
        got = back.risks[risk_id]
        assert got.model_dump(exclude={"after"}) == risk.model_dump(exclude={"after"})
        assert (got.after is None) == (risk.after is None)
        if risk.after is not None and got.after is not None:
            assert (got.after.severity, got.after.likelihood) == (risk.after.severity, risk.after.likelihood)


def test_export_has_the_structure_the_pia_software_reads() -> None:
    answers = load_audit(ROOT / "audits" / "stationnement.yaml").aipd
    exported = export_pia(answers, aipd_referential(), "Stationnement", "Sophie Le Gall", date(2026, 11, 22))
    assert set(exported) == {"pia", "answers", "measures", "evaluations", "comments"}
    assert exported["pia"]["status"] == 0 and exported["pia"]["dpo_status"] == 0
    gauges = {a["reference_to"]: a["data"]["gauge"] for a in exported["answers"] if a["data"]["gauge"]}
    assert (gauges[325], gauges[326]) == (4, 3)  # acces_illegitime, avant
    risk_evaluation = next(e for e in exported["evaluations"] if e["reference_to"] == "3.2")
    assert risk_evaluation["gauges"] == {"x": 3, "y": 3}  # après: severity x, likelihood y
    planned = [m for m in exported["measures"] if m["content"].startswith(f"<p>{PLANNED_PREFIX}")]
    assert {m["title"] for m in planned} >= {"Chiffrement", "Traitement en périphérie (edge)"}
    assert any(e["reference_to"].startswith("3.1.") and e["action_plan_comment"] for e in exported["evaluations"])


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Comptage dans la caméra", "comptage_dans_la_camera"),
        ("123 caméras", "m_123_cameras"),
        ("Contrôle d\u2019accès physique", "controle_d_acces_physique"),
        ("Contrôle d'accès physique", "controle_d_acces_physique"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_replace_block_keeps_everything_else() -> None:
    text = (
        "# tête\na: 1\n\n# bloc aipd\naipd:\n  etat: a_completer\n  # commentaire perdu\n\n"
        "# suite\ninclusion:\n  etat: en_cours\n"
    )
    result = replace_aipd_block(text, "aipd:\n  etat: termine\n")
    assert result == "# tête\na: 1\n\n# bloc aipd\naipd:\n  etat: termine\n\n# suite\ninclusion:\n  etat: en_cours\n"
    assert replace_aipd_block("a: 1\n", "aipd: {}\n") == "a: 1\n\naipd: {}\n"


# --- Command line ---------------------------------------------------------------------------


@pytest.fixture
def audit_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "audits"
    shutil.copytree(ROOT / "audits", folder)
    return folder / "stationnement.yaml"


def test_import_into_a_new_file_keeps_comments_and_the_answers_pia_cannot_carry(run_cli, audit_copy: Path) -> None:
    before = audit_copy.read_text(encoding="utf-8")
    output = audit_copy.with_name("stationnement-importe.yaml")
    args = ("aipd", "importer", str(PIA_FILE), "--audit", str(audit_copy), "--sortie", str(output))
    result = run_cli(*args, "--date", TODAY, "--grilles", str(ROOT / "grilles"))
    assert result.code == 0, result.err
    assert audit_copy.read_text(encoding="utf-8") == before  # the original is untouched
    text = output.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=schema/audit.schema.json\n#\n# Exemple : stationnement")
    assert "# --- Inclusion numérique" in text
    merged = load_audit(output).aipd
    assert merged.context.overview == "Compter les visiteurs du marché couvert pour adapter les horaires."
    assert "rgpd_35_3_c" in merged.prescreen.listed  # kept: the PIA has no pre-screen
    assert merged.public_information is not None  # kept
    assert len(merged.action_plan) == 3  # the audit's richer plan is kept
    assert "comptage_dans_la_camera" in merged.measures and "floutage" in merged.measures
    again = run_cli(*args, "--date", TODAY, "--grilles", str(ROOT / "grilles"))
    assert again.code == 2
    assert "existe déjà : rien n'a été écrit" in again.err


def test_import_keeps_the_signed_decisions_on_a_risk_that_pia_cannot_carry(run_cli, audit_copy: Path) -> None:
    signed = (
        "    acces_illegitime:\n      acceptation:\n        par: Maire de Démoville\n"
        "        date: 2026-11-20\n        motifs: risque résiduel accepté en conseil municipal\n"
    )
    text = audit_copy.read_text(encoding="utf-8")
    assert text.count("    acces_illegitime:\n") == 1
    audit_copy.write_text(text.replace("    acces_illegitime:\n", signed), encoding="utf-8")
    output = audit_copy.with_name("stationnement-importe.yaml")
    args = ("aipd", "importer", str(PIA_FILE), "--audit", str(audit_copy), "--sortie", str(output))
    assert run_cli(*args, "--date", TODAY, "--grilles", str(ROOT / "grilles")).code == 0
    merged = load_audit(output).aipd
    acceptance = merged.risks["acces_illegitime"].acceptance
    assert acceptance is not None and acceptance.by == "Maire de Démoville"
    assert merged.risks["acces_illegitime"].impacts != []  # the rest comes from the PIA export


def test_import_replace_keeps_a_backup(run_cli, audit_copy: Path) -> None:
    before = audit_copy.read_text(encoding="utf-8")
    result = run_cli("aipd", "importer", str(PIA_FILE), "--audit", str(audit_copy), "--remplacer", "--date", TODAY)
    assert result.code == 0, result.err
    assert audit_copy.with_name("stationnement.yaml.bak").read_text(encoding="utf-8") == before
    assert load_audit(audit_copy).aipd.opinions.dpo.name == "Jean Martin (DPO mutualisé)"  # type: ignore[union-attr]


def test_import_without_audit_prints_a_fragment(run_cli, in_root: Path) -> None:
    result = run_cli("aipd", "importer", str(PIA_FILE))
    assert result.code == 0, result.err
    assert result.out.startswith("aipd:\n  contexte:\n    presentation: Compter les visiteurs")


def test_export_command_writes_json_and_never_overwrites(run_cli, in_root: Path, tmp_path: Path) -> None:
    output = tmp_path / "pia.json"
    result = run_cli("aipd", "exporter", "audits/telereleve-eau.yaml", "-o", str(output), "--date", TODAY)
    assert result.code == 0, result.err
    data = json.loads(output.read_text(encoding="utf-8"))
    assert data["pia"]["name"] == "Télérelève des compteurs d'eau"
    again = run_cli("aipd", "exporter", "audits/telereleve-eau.yaml", "-o", str(output), "--date", TODAY)
    assert again.code == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"pia": {"name": "x"}, "answers": [', "JSON invalide"),
        ('{"answers": []}', "ce n'est pas un export du logiciel PIA de la CNIL"),
        ('{"pia": {}, "answers": [{"reference_to": "cent onze"}]}', "export PIA non conforme"),
    ],
)
def test_bad_pia_files_give_french_errors(run_cli, in_root: Path, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "mauvais.json"
    path.write_text(content, encoding="utf-8")
    result = run_cli("aipd", "importer", str(path))
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
