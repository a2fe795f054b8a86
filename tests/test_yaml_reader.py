"""Safe YAML reading: positions, limits, dates kept as text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit_ti.errors import InvalidInputError
from audit_ti.inputs.yaml_reader import MAX_FILE_BYTES, read_yaml


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_records_the_line_of_every_key(tmp_path: Path) -> None:
    path = write(tmp_path, "a:\n  b: 1\n  c:\n    - x\n    - d: 2\n")
    document = read_yaml(path)
    assert document.source.lines[("a",)] == 1
    assert document.source.lines[("a", "b")] == 2
    assert document.source.lines[("a", "c")] == 3
    assert document.source.lines[("a", "c", 1, "d")] == 5
    assert document.source.line_of(("a", "c", 1, "missing")) == 5


def test_dates_stay_text_so_that_they_serialise_to_json(tmp_path: Path) -> None:
    document = read_yaml(write(tmp_path, "date: 2026-11-22\nquand: 2026-11-22T10:00:00\n"))
    assert document.data == {"date": "2026-11-22", "quand": "2026-11-22T10:00:00"}
    json.dumps(document.data)


def test_keeps_safe_load_semantics_for_other_scalars(tmp_path: Path) -> None:
    document = read_yaml(write(tmp_path, "n: 3\nf: 1.5\nb: true\nz: null\ns: '3'\n"))
    assert document.data == {"n": 3, "f": 1.5, "b": True, "z": None, "s": "3"}


def test_refuses_python_tags(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as caught:
        read_yaml(write(tmp_path, "x: !!python/object/apply:os.system ['true']\n"))
    assert caught.value.problems[0].line == 1


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as caught:
        read_yaml(write(tmp_path, "a: 1\nb: 2\na: 3\n"))
    problem = caught.value.problems[0]
    assert problem.line == 3
    assert "déjà écrite ligne 1" in problem.message


def test_merge_key_is_not_a_duplicate(tmp_path: Path) -> None:
    document = read_yaml(write(tmp_path, "base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n"))
    assert document.data["c"] == {"x": 1, "y": 2}


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(InvalidInputError, match="trop volumineux"):
        read_yaml(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="introuvable"):
        read_yaml(tmp_path / "absent.yaml")


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="pas un fichier"):
        read_yaml(tmp_path)


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffa: 1\n".encode())
    assert read_yaml(path).data == {"a": 1}
