"""The command line: French help, exit codes, no traceback for bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from audit_ti import __version__
from tests.conftest import ROOT


def test_help_is_french(run_cli) -> None:
    result = run_cli("--help")
    assert result.code == 0
    assert "Utilisation : audit-ti" in result.out
    assert "Afficher cette aide et quitter." in result.out
    assert "Commandes:" in result.out
    assert "Show this message" not in result.out
    assert "article 323-1 du Code pénal" in " ".join(result.out.split())
    assert "COMMANDE [ARGUMENTS]..." in result.out


@pytest.mark.parametrize("command", ["valider", "grilles", "init"])
def test_every_command_has_french_help(run_cli, command: str) -> None:
    result = run_cli(command, "--help")
    assert result.code == 0
    assert "Utilisation : audit-ti " + command in result.out
    assert "Usage" not in result.out


def test_version(run_cli) -> None:
    result = run_cli("--version")
    assert result.code == 0
    assert result.out.strip() == f"audit-ti {__version__}"


def test_usage_errors_exit_2_in_french(run_cli) -> None:
    result = run_cli("valider", "--nope")
    assert result.code == 2
    assert "Erreur : Option inconnue : --nope." in result.err
    result = run_cli("commande-inexistante")
    assert result.code == 2
    assert "Commande inconnue" in result.err


def test_validate_defaults_to_every_file_of_the_project(in_root: Path, run_cli) -> None:
    result = run_cli("valider")
    assert result.code == 0, result.err
    for name in (
        "demo-lab.yaml",
        "eclairage-public.yaml",
        "telereleve-eau.yaml",
        "stationnement.yaml",
        "hygiene-iot.yaml",
        "aipd.yaml",
        "inclusion.yaml",
        "identifiants-usine.yaml",
    ):
        assert name in result.out
    assert "8 fichier(s) valide(s) sur 8." in result.out


def test_validate_outside_a_project_says_where_it_looked(tmp_path: Path, monkeypatch, run_cli) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("valider")
    assert result.code == 2
    assert "ni « audits/ » ni « grilles/ »" in result.err


def test_grilles_lists_counts(in_root: Path, run_cli) -> None:
    result = run_cli("grilles")
    assert result.code == 0
    assert "hygiene-iot" in result.out


def test_init_writes_a_file_that_validates(tmp_path: Path, monkeypatch, run_cli) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "grilles").symlink_to(ROOT / "grilles")
    result = run_cli("init", "capteurs-dechets", "--collectivite", "Commune d'essai", "--domaine", "dechets")
    assert result.code == 0, result.err
    written = tmp_path / "audits" / "capteurs-dechets.yaml"
    text = written.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=schema/audit.schema.json\n")
    assert 'collectivite: "Commune d\'essai"' in text
    assert run_cli("valider", str(written)).code == 0
    again = run_cli("init", "capteurs-dechets")
    assert again.code == 2
    assert "existe déjà" in again.err
    assert run_cli("init", "capteurs-dechets", "--forcer").code == 0


def test_init_refuses_a_bad_case_name(tmp_path: Path, monkeypatch, run_cli) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("init", "Mon Cas")
    assert result.code == 2
    assert "nom de cas attendu" in result.err
    assert not (tmp_path / "audits").exists()


def test_internal_error_is_reported_without_traceback_unless_debug(monkeypatch, run_cli) -> None:
    import audit_ti.cli.validate_cmd as module

    def boom(*args, **kwargs):
        raise RuntimeError("bogue simulé")

    monkeypatch.setattr(module, "validate_files", boom)
    result = run_cli("valider", str(ROOT / "audits" / "demo-lab.yaml"))
    assert result.code == 3
    assert "Erreur interne inattendue" in result.err
    assert "Traceback" not in result.err
    debug = run_cli("--debug", "valider", str(ROOT / "audits" / "demo-lab.yaml"))
    assert debug.code == 3
    assert "RuntimeError: bogue simulé" in debug.err


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("audit-ti")
    completed = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False, timeout=60)
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"audit-ti {__version__}"
