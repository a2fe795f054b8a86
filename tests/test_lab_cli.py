"""``audit-ti lab``: French help and refusals of bad options (nothing needs root here)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize("command", [(), ("demarrer",), ("arreter",), ("etat",)])
def test_lab_commands_have_french_help(run_cli, command: tuple[str, ...]) -> None:
    result = run_cli("lab", *command, "--help")
    assert result.code == 0
    assert "Utilisation : audit-ti lab" in result.out
    assert "Usage" not in result.out and "Show this message" not in result.out


def test_lab_is_listed_in_the_main_help(run_cli) -> None:
    assert "lab " in run_cli("--help").out


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--reseau", "10.0.0.0/16"], "boucle locale"),
        (["--reseau", "127.0.10.0/24"], "bloc /16"),
        (["--passerelles", "2001"], "n'est pas dans l'intervalle"),
        (["--passerelles", "beaucoup"], "n'est pas un entier valide"),
    ],
)
def test_bad_options_exit_2_in_french(run_cli, tmp_path: Path, options: list[str], expected: str) -> None:
    folder = tmp_path / "etat"
    result = run_cli("lab", "demarrer", *options, "--dossier", str(folder))
    assert result.code == 2
    assert expected in " ".join(result.err.split())
    assert not folder.exists()


def test_the_block_can_come_from_the_environment(run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AUDIT_TI_LAB_RESEAU", "192.168.0.0/16")
    result = run_cli("lab", "demarrer", "--dossier", str(tmp_path / "etat"))
    assert result.code == 2
    assert "192.168.0.0/16" in result.err and "boucle locale" in " ".join(result.err.split())


def test_state_and_stop_of_an_empty_folder(run_cli, tmp_path: Path) -> None:
    state = run_cli("lab", "etat", "--dossier", str(tmp_path))
    assert state.code == 3
    assert "Aucun laboratoire démarré" in state.out
    stop = run_cli("lab", "arreter", "--dossier", str(tmp_path))
    assert stop.code == 0
    assert "Aucun laboratoire à arrêter" in stop.out


def test_the_ipv6_gateway_can_be_left_out(run_cli, tmp_path: Path, monkeypatch) -> None:
    assert "--ipv6 / --sans-ipv6" in run_cli("lab", "demarrer", "--help").out
    monkeypatch.setenv("AUDIT_TI_LAB_IPV6", "peut-être")
    result = run_cli("lab", "demarrer", "--dossier", str(tmp_path / "etat"))
    assert result.code == 2
    assert "AUDIT_TI_LAB_IPV6" in result.err and "1 ou 0" in result.err
    assert not (tmp_path / "etat").exists()
