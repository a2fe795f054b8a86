"""Referentials of grilles/ are told from checklists by their ``referentiel`` key, and checked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from audit_ti.checks import default_registry
from audit_ti.validation.catalog import GrilleCatalog
from audit_ti.validation.files import FileKind, file_kind, validate_file
from tests.conftest import ROOT

TODAY = date(2026, 11, 22)


def test_kind_comes_from_the_referentiel_key_not_from_the_name(tmp_path: Path) -> None:
    assert file_kind(ROOT / "grilles" / "aipd.yaml") is FileKind.REFERENTIAL
    assert file_kind(ROOT / "grilles" / "inclusion.yaml") is FileKind.REFERENTIAL
    assert file_kind(ROOT / "grilles" / "hygiene-iot.yaml") is FileKind.GRILLE
    renamed = tmp_path / "copie-quelconque.yaml"
    renamed.write_text((ROOT / "grilles" / "aipd.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert file_kind(renamed) is FileKind.REFERENTIAL
    assert file_kind(ROOT / "audits" / "stationnement.yaml") is FileKind.AUDIT


def test_catalog_separates_grilles_from_referentials() -> None:
    catalog = GrilleCatalog(ROOT / "grilles", default_registry())
    assert "aipd" not in catalog.available()
    assert catalog.available_referentials() == ["aipd", "identifiants-usine", "inclusion"]


def test_citing_a_referential_as_a_grille_says_what_it_is(tmp_path: Path) -> None:
    audit = tmp_path / "audit.yaml"
    text = (ROOT / "tests" / "fixtures" / "audit-minimal.yaml").read_text(encoding="utf-8")
    audit.write_text(text + "grilles:\n  - aipd\n", encoding="utf-8")
    report = validate_file(audit, GrilleCatalog(ROOT / "grilles", default_registry()), TODAY)
    assert not report.ok
    assert "est un référentiel d'évaluation, pas une grille d'exigences" in str(report.problems[0])


def test_an_empty_section_does_not_need_its_referential(tmp_path: Path) -> None:
    """Audits of folders without aipd.yaml stay valid as long as their sections are empty."""
    folder = tmp_path / "grilles"
    folder.mkdir()
    for name in ("hygiene-iot.yaml", "identifiants-usine.yaml"):
        (folder / name).write_text((ROOT / "grilles" / name).read_text(encoding="utf-8"))
    report = validate_file(
        ROOT / "tests" / "fixtures" / "audit-minimal.yaml", GrilleCatalog(folder, default_registry()), TODAY
    )
    assert report.ok, report.problems


def test_a_grille_needs_the_credential_list_its_checks_try(tmp_path: Path) -> None:
    folder = tmp_path / "grilles"
    folder.mkdir()
    (folder / "hygiene-iot.yaml").write_text((ROOT / "grilles" / "hygiene-iot.yaml").read_text(encoding="utf-8"))
    report = validate_file(
        ROOT / "tests" / "fixtures" / "audit-minimal.yaml", GrilleCatalog(folder, default_registry()), TODAY
    )
    assert not report.ok
    message = str(report.problems[0])
    assert "liste d'identifiants « identifiants-usine » introuvable" in message
    assert "hygiene-iot.yaml, ligne" in message and "params.liste" in message


def test_inclusion_referential_checks_its_national_figures(tmp_path: Path) -> None:
    folder = tmp_path / "grilles"
    (folder / "donnees").mkdir(parents=True)
    (folder / "inclusion.yaml").write_text((ROOT / "grilles" / "inclusion.yaml").read_text(encoding="utf-8"))
    (folder / "donnees" / "statistiques-nationales.csv").write_text(
        "zone;indicateur;valeur;unite;source;annee\nFrance;taux_pauvrete;145;%;Insee;2021\n", encoding="utf-8"
    )
    report = validate_file(folder / "inclusion.yaml", GrilleCatalog(folder, default_registry()), TODAY)
    assert not report.ok
    first = report.problems[0]
    assert first.file == folder / "donnees" / "statistiques-nationales.csv"
    assert first.line == 2
    assert "part de 145 %" in first.message


def test_grilles_command_lists_referentials_apart(run_cli, in_root: Path) -> None:
    result = run_cli("grilles")
    assert result.code == 0, result.err
    text = " ".join(result.out.split())
    assert "Référentiels d'évaluation" in text
    assert "│ aipd " in text and "│ inclusion " in text
    assert "référentiel AIPD" in text
