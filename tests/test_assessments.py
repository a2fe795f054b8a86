"""The four examples end to end: golden JSON results, ``audit-ti evaluer``, its run folder."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from audit_ti.checks import default_registry
from audit_ti.models.scales import InclusionLevel, PrescreenVerdict
from audit_ti.runs.impact import evaluate_impact
from audit_ti.validation.catalog import GrilleCatalog
from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
TODAY = date(2026, 11, 22)
CASES = ["demo-lab", "eclairage-public", "stationnement", "telereleve-eau"]
#: Set to 1 to rewrite the golden files, then read every changed line before committing.
REGENERATE = os.environ.get("AUDIT_TI_REGENERER_GOLDEN") == "1"


def outcome(case: str):
    catalog = GrilleCatalog(ROOT / "grilles", default_registry())
    return evaluate_impact(ROOT / "audits" / f"{case}.yaml", catalog)


@pytest.mark.parametrize("case", CASES)
def test_results_match_the_golden_files(case: str) -> None:
    result = outcome(case)
    for name, model in (
        ("aipd", result.aipd),
        ("inclusion", result.inclusion),
        ("information-public", result.notice),
    ):
        path = GOLDEN / case / f"{name}.json"
        text = model.model_dump_json(indent=2, by_alias=True) + "\n"
        if REGENERATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert json.loads(text) == json.loads(path.read_text(encoding="utf-8")), f"{path} a changé"


def test_the_examples_come_out_as_the_issue_asks() -> None:
    parking, lighting, water, demo = (
        outcome(c) for c in ("stationnement", "eclairage-public", "telereleve-eau", "demo-lab")
    )
    assert parking.aipd.prescreen.verdict is PrescreenVerdict.MANDATORY
    assert parking.aipd.prior_consultation.required
    assert parking.aipd.max_residual is not None and parking.aipd.max_residual.zone == "eleve"
    assert lighting.aipd.prescreen.verdict is PrescreenVerdict.NOT_MANDATORY
    assert water.aipd.prescreen.verdict is PrescreenVerdict.PRESUMED  # two EDPB criteria: a presumption
    assert {c.id for c in water.aipd.prescreen.criteria_met} == {"donnees_sensibles", "grande_echelle"}
    assert not water.aipd.prior_consultation.required
    # Counting cameras guiding drivers in real time: an operational use, no authorisation documented yet.
    assert any(f.startswith("Caméras sur la voie publique") for f in parking.aipd.blocking)
    assert any(f.startswith("Caméras « augmentées »") for f in parking.aipd.blocking)
    # An hourly index of every meter under a public-task basis: the load curve needs consent.
    assert any("2012-404" in finding for finding in water.aipd.blocking)
    assert not any("2012-404" in finding for finding in parking.aipd.blocking + lighting.aipd.blocking)
    levels = [o.inclusion.level for o in (lighting, water, parking, demo)]
    assert levels == [InclusionLevel.I, InclusionLevel.II, InclusionLevel.IV, InclusionLevel.IV]
    assert demo.inclusion.blocking_unmet == ("alternative_non_numerique",)
    # The residents' subscription can only be taken online: no alternative for the whole procedure.
    assert parking.inclusion.blocking_unmet == ("alternative_non_numerique",)
    assert [o.exit_code for o in (lighting, water, parking, demo)] == [0, 1, 1, 1]


def test_gender_and_discrimination_dimension_on_the_examples() -> None:
    lighting, water = outcome("eclairage-public"), outcome("telereleve-eau")
    # Dimming planned street by street: a different level of service by neighbourhood.
    differed = next(c for c in lighting.inclusion.criteria if c.id == "traitement_differencie")
    assert (differed.answer, differed.points) == ("indirect", 4)
    analysis = next(c for c in lighting.inclusion.criteria if c.id == "analyse_egalite")
    assert (analysis.answer, analysis.points) == ("non", 0)
    # Same metering and price for every subscriber: nothing to count, partial analysis still credited.
    differed = next(c for c in water.inclusion.criteria if c.id == "traitement_differencie")
    assert (differed.answer, differed.points) == ("non", 0)
    analysis = next(c for c in water.inclusion.criteria if c.id == "analyse_egalite")
    assert (analysis.answer, analysis.points) == ("partielle", 2)
    # No national share for these publics: shown, never given a made-up number of residents.
    publics = {public.id: public for public in lighting.inclusion.residents.publics}
    for public_id in ("femmes", "personnes_discriminees"):
        assert publics[public_id].residents is None
        assert publics[public_id].origin == "aucune"


def test_results_are_json_serialisable_and_frozen() -> None:
    result = outcome("telereleve-eau")
    data = json.loads(result.aipd.model_dump_json(by_alias=True))
    assert data["date_audit"] == "2026-11-18"
    assert data["preselection"]["verdict"] == "requise_presomption"
    with pytest.raises(ValueError, match="frozen"):
        result.aipd.validation = "validee"


@pytest.mark.parametrize(("case", "code"), [("eclairage-public", 0), ("stationnement", 1)])
def test_evaluate_command_writes_the_run_folder(run_cli, in_root: Path, tmp_path: Path, case: str, code: int) -> None:
    result = run_cli("evaluer", f"audits/{case}.yaml", "--rapports", str(tmp_path), "--date", "2026-11-22")
    assert result.code == code, result.err
    [folder] = (tmp_path / case).iterdir()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["statut"], manifest["code_sortie"]) == ("complet", code)
    assert set(manifest["grilles"]) == {"aipd", "inclusion"}
    for name in ("aipd.json", "inclusion.json", "information-public.json", "information-public.md"):
        assert (folder / "results" / name).is_file()
        assert f"results/{name}" in manifest["fichiers"]
    assert manifest["etapes"][0]["etape"] == "evaluation_aipd_inclusion"
    text = " ".join(result.out.split())
    assert "AIPD obligatoire ?" in text and "Habitants concernés" in text
    if code:
        assert "consultation préalable de la CNIL obligatoire" in text
    else:
        assert "Aucun constat bloquant." in text


def test_evaluate_refuses_an_invalid_audit_with_exit_2(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "casse.yaml"
    text = (ROOT / "audits" / "eclairage-public.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("reponse: deux_moyens", "reponse: trois_moyens"), encoding="utf-8")
    result = run_cli(
        "evaluer",
        str(path),
        "--rapports",
        str(tmp_path / "r"),
        "--grilles",
        str(ROOT / "grilles"),
        "--date",
        "2026-11-22",
    )
    assert result.code == 2
    assert "réponse « trois_moyens » non prévue pour ce critère, vouliez-vous dire « deux_moyens » ?" in " ".join(
        result.err.split()
    )
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("command", [("evaluer",), ("aipd",), ("aipd", "importer"), ("aipd", "exporter")])
def test_new_commands_have_french_help(run_cli, command: tuple[str, ...]) -> None:
    result = run_cli(*command, "--help")
    assert result.code == 0
    assert "Utilisation : audit-ti " + " ".join(command) in result.out
    assert "Usage" not in result.out
