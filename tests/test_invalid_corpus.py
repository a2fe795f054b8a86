"""The corpus of broken files: each gives its French message, its file and line, exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES, ROOT

CORPUS = FIXTURES / "invalides"
EXPECTED: dict[str, dict[str, object]] = yaml.safe_load((CORPUS / "attendus.yml").read_text(encoding="utf-8"))
TODAY = "2026-11-22"


def test_corpus_is_complete() -> None:
    files = sorted(path.name for path in CORPUS.glob("*.yaml"))
    assert files == sorted(EXPECTED)
    assert len(files) >= 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_broken_file_gives_its_message(name: str, run_cli) -> None:
    expected = EXPECTED[name]
    result = run_cli("valider", "--date", TODAY, "--grilles", str(ROOT / "grilles"), str(CORPUS / name))
    assert result.code == 2
    where = f"{CORPUS / name}, ligne {expected['ligne']}"
    key = f", clé « {expected['cle']} »" if "cle" in expected else ""
    assert f"{where}{key} : {expected['message']}" in " ".join(result.err.split())
    assert "Traceback" not in result.err + result.out


def test_fifty_megabyte_file_is_refused(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "enorme.yaml"
    line = b"cle_de_remplissage: " + b"x" * 1000 + b"\n"
    with path.open("wb") as handle:
        for _ in range(50 * 1024):
            handle.write(line)
    assert path.stat().st_size > 50_000_000
    result = run_cli("valider", str(path))
    assert result.code == 2
    assert "fichier trop volumineux (49,9 Mo ; au plus 4 Mo" in " ".join(result.err.split())
    assert str(path) in result.err


@pytest.mark.parametrize("name", ["audit-bombe-alias.yaml", "audit-binaire.yaml", "audit-latin1.yaml"])
def test_real_process_prints_no_traceback(name: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "audit_ti", "valider", "--grilles", str(ROOT / "grilles"), str(CORPUS / name)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr + completed.stdout
    assert name in completed.stderr
    assert f"ligne {EXPECTED[name]['ligne']}" in completed.stderr
