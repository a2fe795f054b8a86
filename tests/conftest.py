"""Shared fixtures. The loopback-only guard is on for the whole test session, before any import."""

from __future__ import annotations

import os

os.environ["AUDIT_TI_BOUCLE_LOCALE"] = "1"

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from audit_ti.lab import Lab, LabLayout

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
# The session lab also serves the IPv6 gateway on ::1, which every lab of the machine shares: the
# labs of the other blocks never do. When another checkout's lab already holds ::1, the session lab
# goes without it and the IPv6 tests are skipped, saying why; AUDIT_TI_LAB_IPV6=1 makes a busy ::1
# an error instead, AUDIT_TI_LAB_IPV6=0 leaves the IPv6 gateway out.


def lab_block(offset: int = 0) -> str:
    """The session lab's block shifted by ``offset`` in its second byte."""
    from audit_ti.lab import network_from_env

    second = (network_from_env().network_address.packed[1] + offset) % 256
    return f"127.{second}.0.0/16"


_ipv6_off_reason = ""


def _session_ipv6() -> bool:
    """Whether the session lab serves the IPv6 gateway (see above); says why not in _ipv6_off_reason."""
    global _ipv6_off_reason  # noqa: PLW0603 - set once, when the session lab starts
    from audit_ti.lab import LAB_IPV6_ENV, LabLayout, ipv6_from_env
    from audit_ti.lab.sockets import find_conflicts

    if not ipv6_from_env():
        _ipv6_off_reason = f"{LAB_IPV6_ENV}=0"
        return False
    if os.environ.get(LAB_IPV6_ENV, "").strip():
        return True
    gateway = LabLayout.build(ipv6=True).ipv6_gateway
    assert gateway is not None
    conflicts = find_conflicts((gateway, service) for service in gateway.services)
    if conflicts:
        taken = "; ".join(f"{c.gateway.endpoint(c.service.port)} {c.reason}" for c in conflicts)
        _ipv6_off_reason = f"::1 déjà prise par un autre laboratoire ou service ({taken})"
        return False
    return True


def skip_without_ipv6(lab: Lab) -> None:
    """Skip a test of the IPv6 gateway when the session lab goes without it, saying why."""
    if lab.layout is None or lab.layout.ipv6_gateway is None:
        pytest.skip(f"laboratoire de session sans passerelle IPv6 : {_ipv6_off_reason or 'non demandée'}")


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """The reference gateways and, if ::1 is free, the IPv6 one, started once for the session."""
    from audit_ti.lab import LabLayout, parse_network

    layout = LabLayout.build(parse_network(lab_block()), ipv6=_session_ipv6())
    with running_lab(tmp_path_factory.mktemp("laboratoire"), layout) as started:
        yield started


@contextmanager
def running_lab(folder: Path, layout: LabLayout) -> Iterator[Lab]:
    """For a fixture: the lab of ``layout`` started in ``folder``, stopped after its tests (root only)."""
    from audit_ti.lab import Lab

    if os.geteuid() != 0:
        pytest.skip("le laboratoire doit être démarré en root (ports inférieurs à 1024)")
    started = Lab(folder, layout)
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
