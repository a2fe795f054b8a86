"""The loopback-only guard: a refused target means nmap is never started."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from audit_ti.errors import ExitCode, ScopeError
from audit_ti.scan.runner import run_nmap
from audit_ti.scan.scope import LOOPBACK_ENV, check_loopback_only, is_loopback_target, loopback_only


def test_guard_is_on_in_the_test_session() -> None:
    assert os.environ[LOOPBACK_ENV] == "1"
    assert loopback_only()


@pytest.mark.parametrize(
    ("target", "allowed"),
    [
        ("127.0.0.1", True),
        ("127.255.255.254", True),
        ("127.0.10.0/24", True),
        ("::1", True),
        ("localhost", True),
        ("passerelle.localhost", True),
        ("192.0.2.10", False),
        ("10.0.0.1", False),
        ("0.0.0.0", False),
        ("126.0.0.0/7", False),
        ("exemple.fr", False),
        ("::ffff:127.0.0.1", False),
        ("-iL", False),
    ],
)
def test_loopback_targets(target: str, allowed: bool) -> None:
    assert is_loopback_target(target) is allowed


def test_guard_off_accepts_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LOOPBACK_ENV, "0")
    check_loopback_only(["192.0.2.10"])


@pytest.fixture
def fake_nmap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in nmap first on PATH that only records that it was started (it sends nothing)."""
    marker = tmp_path / "nmap-lance"
    script = tmp_path / "bin" / "nmap"
    script.parent.mkdir()
    script.write_text(f'#!/bin/sh\necho "$@" >> {marker}\necho "Nmap version 7.93 ( https://nmap.org )"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    return marker


def test_nmap_is_never_started_for_a_target_outside_the_loopback(fake_nmap: Path) -> None:
    with pytest.raises(ScopeError) as caught:
        run_nmap(["127.0.0.1", "192.0.2.10"], ["-sV"])
    assert caught.value.exit_code is ExitCode.INVALID_INPUT
    assert "192.0.2.10" in str(caught.value)
    assert "aucun paquet n'a été envoyé" in str(caught.value)
    assert not fake_nmap.exists()


def test_the_stand_in_nmap_does_record_a_start(fake_nmap: Path) -> None:
    # Control for the test above: with a loopback target, the stand-in is started.
    with pytest.raises(Exception):  # noqa: B017 - the stand-in prints no XML
        run_nmap(["127.0.0.1"], ["-sn"])
    assert fake_nmap.exists()
