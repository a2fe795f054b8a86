"""Shared fixtures. The loopback-only guard is on for the whole test session, before any import."""

from __future__ import annotations

import os

os.environ["AUDIT_TI_BOUCLE_LOCALE"] = "1"

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run with the project root as working directory (where the README's commands run)."""
    monkeypatch.chdir(ROOT)
    yield ROOT


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``audit-ti`` in process and capture what it prints."""
    from audit_ti.cli.main import main

    def invoke(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke
