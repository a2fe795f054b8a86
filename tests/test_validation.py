"""Cross-file checks: grilles and the check registry, answers, perimeter, expiry."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from audit_ti.checks import default_registry
from audit_ti.checks.registry import CheckCatalog, CheckParams, CheckRegistry
from audit_ti.validation.catalog import GrilleCatalog
from audit_ti.validation.files import FileKind, file_kind, validate_file
from tests.conftest import FIXTURES, ROOT

TODAY = date(2026, 11, 22)
MINIMAL = (FIXTURES / "audit-minimal.yaml").read_text(encoding="utf-8")
EXPIRED = FIXTURES / "audit-autorisation-expiree.yaml"
GRILLE = (FIXTURES / "grille-minimale.yaml").read_text(encoding="utf-8")


class PortParams(CheckParams):
    port: int


def registry_with_port_check() -> CheckRegistry:
    catalog = CheckCatalog()
    catalog.check("port_interdit", params=PortParams, description="essai")(lambda facts, params: [])
    registry = CheckRegistry()
    registry.include(catalog)
    return registry


def grille_with_check(tmp_path: Path, params: str) -> Path:
    folder = tmp_path / "grilles"
    folder.mkdir(exist_ok=True)
    text = GRILLE.replace("id: grille-minimale", "id: essai").replace(
        "    nature: declaratif\n",
        f"    nature: mixte\n    checks:\n      - check: port_interdit\n        params: {params}\n",
    )
    path = folder / "essai.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_file_kind_by_folder_or_name() -> None:
    assert file_kind(Path("grilles/x.yaml")) is FileKind.GRILLE
    assert file_kind(Path("a/grille-x.yaml")) is FileKind.GRILLE
    assert file_kind(Path("audits/x.yaml")) is FileKind.AUDIT


def test_check_params_are_validated_against_the_check_model(tmp_path: Path) -> None:
    catalog = GrilleCatalog(tmp_path / "grilles", registry_with_port_check())
    good = validate_file(grille_with_check(tmp_path, "{port: 23}"), catalog, TODAY)
    assert good.ok, good.problems
    bad = validate_file(grille_with_check(tmp_path, "{port: telnet, portt: 2}"), catalog, TODAY)
    messages = [str(problem) for problem in bad.problems]
    assert any(
        "clé « items[1].checks[1].params.portt » : clé inconnue, vouliez-vous dire « port » ?" in m for m in messages
    )
    assert any("ligne 22, clé « items[1].checks[1].params.port » : nombre entier attendu" in m for m in messages)


def test_unknown_check_suggests_a_registered_one(tmp_path: Path) -> None:
    path = grille_with_check(tmp_path, "{port: 23}")
    path.write_text(path.read_text().replace("port_interdit", "port_interdt"))
    report = validate_file(path, GrilleCatalog(tmp_path / "grilles", registry_with_port_check()), TODAY)
    assert "contrôle « port_interdt » inconnu, vouliez-vous dire « port_interdit » ?" in report.problems[0].message


def test_audit_cannot_answer_a_network_requirement(tmp_path: Path) -> None:
    grille_with_check(tmp_path, "{port: 23}")
    text = MINIMAL.replace("passerelles:", "grilles: [essai]\npasserelles:")
    (tmp_path / "grilles").joinpath("essai.yaml").write_text(
        (tmp_path / "grilles" / "essai.yaml")
        .read_text()
        .replace("nature: mixte", "nature: reseau")
        .replace("    question: Tenez-vous un inventaire à jour ?\n", "")
    )
    audit = tmp_path / "cas.yaml"
    audit.write_text(text, encoding="utf-8")
    report = validate_file(audit, GrilleCatalog(tmp_path / "grilles", registry_with_port_check()), TODAY)
    assert "est vérifiée par le scan réseau" in report.problems[0].message


def test_authorisation_in_force_on_its_last_day_and_a_warning_the_day_after(tmp_path: Path) -> None:
    """An expired authorisation does not make the file invalid (evaluations need none): valider warns."""
    audit = tmp_path / "cas.yaml"
    audit.write_text(MINIMAL, encoding="utf-8")
    catalog = GrilleCatalog(ROOT / "grilles", default_registry())
    last_day = validate_file(audit, catalog, date(2027, 11, 1))
    assert last_day.ok and not last_day.warnings
    expired = validate_file(audit, catalog, date(2027, 11, 2))
    assert expired.ok
    [warning] = expired.warnings
    assert warning.message.startswith("autorisation expirée depuis le 01/11/2027")
    assert "« audit-ti scanner » la refusera" in warning.message
    assert warning.key == "autorisation.valable_jusqu_au" and warning.line is not None


def test_expired_authorisation_fixture_is_a_warning(run_cli) -> None:
    result = run_cli("valider", "--date", "2026-11-22", "--grilles", str(ROOT / "grilles"), str(EXPIRED))
    assert result.code == 0
    assert "ligne 12, clé « autorisation.valable_jusqu_au » : autorisation expirée depuis le 30/06/2025" in " ".join(
        result.err.split()
    )


def test_authorisation_signed_in_the_future_or_not_yet_in_force(tmp_path: Path) -> None:
    audit = tmp_path / "cas.yaml"
    catalog = GrilleCatalog(ROOT / "grilles", default_registry())
    audit.write_text(MINIMAL, encoding="utf-8")
    signed = validate_file(audit, catalog, date(2026, 1, 1))
    assert signed.ok and "autorisation signée dans le futur" in signed.warnings[0].message
    later = MINIMAL.replace("  valable_jusqu_au:", "  valable_a_partir_du: 2027-03-01\n  valable_jusqu_au:")
    audit.write_text(later, encoding="utf-8")
    pending = validate_file(audit, catalog, date(2027, 2, 1))
    assert "autorisation pas encore en vigueur (à partir du 01/03/2027)" in pending.warnings[0].message
    inverted = MINIMAL.replace("  valable_jusqu_au:", "  valable_a_partir_du: 2030-01-01\n  valable_jusqu_au:")
    audit.write_text(inverted, encoding="utf-8")
    assert "dates inversées" in validate_file(audit, catalog, TODAY).problems[0].message


def test_placeholders_of_the_template_are_listed_with_their_lines(tmp_path: Path, run_cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_cli("init", "essai", "--collectivite", "Commune d'essai", "--domaine", "eclairage").code == 0
    result = run_cli("valider", "--grilles", str(ROOT / "grilles"), "audits/essai.yaml")
    assert result.code == 0
    err = " ".join(result.err.split())
    for key in ("autorisation.reference", "autorisation.signataire", "cas_usage.responsable.nom"):
        assert f"clé « {key} » : valeur à compléter" in err
    assert err.count("valeur à compléter") == 5


def test_hostname_gateway_must_be_listed_by_name(tmp_path: Path) -> None:
    audit = tmp_path / "cas.yaml"
    audit.write_text(MINIMAL.replace("adresse: 127.0.20.1", "adresse: passerelle.localhost"), encoding="utf-8")
    catalog = GrilleCatalog(ROOT / "grilles", default_registry())
    report = validate_file(audit, catalog, TODAY)
    assert (
        "« passerelle.localhost » de la passerelle « passerelle-a » est hors du périmètre" in report.problems[0].message
    )
    audit.write_text(
        audit.read_text().replace("    - 127.0.20.0/24", "    - 127.0.20.0/24\n    - passerelle.localhost")
    )
    assert validate_file(audit, catalog, TODAY).ok


def test_invalid_grille_is_reported_on_the_audit(tmp_path: Path) -> None:
    folder = tmp_path / "grilles"
    folder.mkdir()
    (folder / "hygiene-iot.yaml").write_text("id: hygiene-iot\n", encoding="utf-8")
    audit = tmp_path / "cas.yaml"
    audit.write_text(MINIMAL, encoding="utf-8")
    report = validate_file(audit, GrilleCatalog(folder, CheckRegistry()), TODAY)
    assert "la grille « hygiene-iot » est invalide" in report.problems[0].message
