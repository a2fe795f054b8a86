"""Shared fixtures. The loopback-only guard is on for the whole test session, before any import."""

from __future__ import annotations

import os

os.environ["AUDIT_TI_BOUCLE_LOCALE"] = "1"

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from audit_ti.lab import Lab

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


# -- The lab (audit-ti lab) -------------------------------------------------------------------------
# The suite uses three /16 blocks of the loopback: the session lab's (AUDIT_TI_LAB_RESEAU, by default
# 127.0.0.0/16), the next one for the tests that start and stop labs of their own, and the one after
# for tests that only bind sockets. Two checkouts testing at once: give them blocks three apart.


def lab_block(offset: int = 0) -> str:
    """The session lab's block shifted by ``offset`` in its second byte."""
    from audit_ti.lab import network_from_env

    second = (network_from_env().network_address.packed[1] + offset) % 256
    return f"127.{second}.0.0/16"


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """The three reference gateways, started once for the session in a temporary folder."""
    from audit_ti.lab import Lab, LabLayout, parse_network

    if os.geteuid() != 0:
        pytest.skip("le laboratoire doit être démarré en root (ports inférieurs à 1024)")
    started = Lab(tmp_path_factory.mktemp("laboratoire"), LabLayout.build(parse_network(lab_block())))
    started.start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def spare_block() -> str:
    """A block for tests that start and stop labs of their own."""
    return lab_block(1)


@pytest.fixture
def unused_block() -> str:
    """A block no lab of the suite listens on."""
    return lab_block(2)
