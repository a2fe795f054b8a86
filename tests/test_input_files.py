"""Bounded reads: what is not a regular file is refused unread, what is too large is refused early."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from audit_ti.errors import InvalidInputError
from audit_ti.inputs.files import decode_utf8, read_capped


def test_regular_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "petit.txt"
    path.write_bytes(b"contenu")
    assert read_capped(path, 100) == b"contenu"


def test_file_exactly_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "juste.txt"
    path.write_bytes(b"x" * 100)
    assert len(read_capped(path, 100)) == 100


def test_larger_file_is_refused_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "gros.txt"
    path.write_bytes(b"x" * (3 * 1_048_576 // 2))
    with pytest.raises(
        InvalidInputError, match=r"fichier trop volumineux \(1,5 Mo ; au plus 1 Mo pour une sortie XML de nmap\)"
    ):
        read_capped(path, 1_048_576, " pour une sortie XML de nmap")


def test_decoding_drops_the_byte_order_mark() -> None:
    assert decode_utf8("\ufeffrégion;part\n".encode(), Path("t.csv"), "pas UTF-8") == "région;part\n"


def test_faulty_byte_after_a_byte_order_mark_is_placed_on_its_own_line() -> None:
    """The mark must not shift the line: ``utf-8-sig`` offsets would have said line 1."""
    raw = "\ufeffab\ncd\n".encode() + b"\xe9\n"
    with pytest.raises(InvalidInputError) as caught:
        decode_utf8(raw, Path("t.csv"), "pas UTF-8 (octet {octet})")
    problem = caught.value.problems[0]
    assert (problem.line, problem.message) == (3, "pas UTF-8 (octet 0xe9)")


def test_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "tube.xml"
    os.mkfifo(fifo)
    with pytest.raises(InvalidInputError, match=r"tube nommé"):
        read_capped(fifo, 100)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_device_is_refused(device: str) -> None:
    with pytest.raises(InvalidInputError, match="périphérique"):
        read_capped(Path(device), 100)


def test_link_to_a_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "scan.xml"
    link.symlink_to("/dev/zero")
    with pytest.raises(InvalidInputError, match="périphérique"):
        read_capped(link, 100)


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="un dossier"):
        read_capped(tmp_path, 100)


def test_missing_and_unreadable(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="introuvable"):
        read_capped(tmp_path / "absent", 100)
    loop = tmp_path / "boucle"
    loop.symlink_to(loop)
    with pytest.raises(InvalidInputError, match="boucle"):
        read_capped(loop, 100)


def test_size_reported_by_the_file_system_is_not_trusted() -> None:
    # /proc files say they are empty; the cap still stops the read.
    path = Path("/proc/self/maps")
    assert path.stat().st_size == 0
    with pytest.raises(InvalidInputError, match="plus de"):
        read_capped(path, 10)


def test_dev_zero_as_import_stays_small(tmp_path: Path) -> None:
    """The whole command, in a process capped at 512 MB: refused at once, memory untouched."""
    link = tmp_path / "scan.xml"
    link.symlink_to("/dev/zero")

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (512 * 1_048_576, 512 * 1_048_576))

    completed = subprocess.run(
        [sys.executable, "-m", "audit_ti", "importer", str(link), "--audit", "audits/demo-lab.yaml"],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=cap,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    assert completed.returncode == 2, completed.stderr
    assert "périphérique" in completed.stderr and "Traceback" not in completed.stderr
