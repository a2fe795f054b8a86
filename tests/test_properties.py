"""Random mutations of a valid audit file never crash the loader with a foreign exception."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit_ti.errors import InvalidInputError
from audit_ti.inputs.documents import load_audit
from tests.conftest import FIXTURES

BASE_TEXT = (FIXTURES / "audit-minimal.yaml").read_text(encoding="utf-8")
BASE: dict[str, Any] = yaml.safe_load(BASE_TEXT)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["2026-02-30", "127.0.20.1", "-iL", "0/tcp", "tcp/22", "conforme", "…", "", " "]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _paths(child, (*prefix, index))
    return found


PATHS = _paths(BASE)[1:]


def _mutate(data: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    import copy

    data = copy.deepcopy(data)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete":
        del parent[last]
    elif action == "rename" and isinstance(parent, dict):
        parent[f"{last}x"] = parent.pop(last)
    elif action == "wrap":
        parent[last] = [parent[last]]
    return data


def _load_text(text: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cas.yaml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        try:
            load_audit(path)
        except InvalidInputError as error:
            assert error.problems
            assert all(problem.message for problem in error.problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(PATHS),
    action=st.sampled_from(["replace", "delete", "rename", "wrap"]),
    value=values,
)
def test_structural_mutations(path: tuple[Any, ...], action: str, value: Any) -> None:
    _load_text(yaml.safe_dump(_mutate(BASE, path, action, value), allow_unicode=True))


@settings(max_examples=300, deadline=None)
@given(
    position=st.integers(min_value=0, max_value=len(BASE_TEXT.encode()) - 1),
    replacement=st.binary(min_size=0, max_size=4),
    length=st.integers(min_value=0, max_value=6),
)
def test_byte_level_mutations(position: int, replacement: bytes, length: int) -> None:
    raw = BASE_TEXT.encode()
    _load_text(raw[:position] + replacement + raw[position + length :])


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_text(text: str) -> None:
    _load_text(text)
