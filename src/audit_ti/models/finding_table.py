"""A fleet's findings in columns: blocks of one requirement's findings, one row per target.

10,000 gateways against the full grille are 310,000 findings, and most of them repeat: within one
requirement, findings differ only by their target, status, confidence and evidence, and gateways
configured alike share the same outcome. A block keeps what its findings share once (its template),
each distinct outcome once, and per row a target and the index of its outcome. ``FindingTable``
is a ``Sequence[Finding]`` that builds each finding when it is read; the scoring and the writers of
findings.json and findings.csv read the columns instead (measured on 10,000 hosts: building the
findings was a third of the evaluation, writing them as JSON ten seconds).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import overload

from audit_ti.models.enums import Status
from audit_ti.models.finding import PER_TARGET, Finding, outcome_maker

__all__ = ["FindingBlock", "FindingTable", "Outcome", "as_table"]

#: What one target's finding says: status, confidence, evidence.
Outcome = tuple[Status, int, str]
#: The fields a block's findings share: every field of ``Finding`` but the target and the outcome.
SHARED = tuple(f.name for f in fields(Finding) if f.name not in PER_TARGET)


@dataclass(frozen=True, slots=True)
class FindingBlock:
    """Findings sharing every field but the target and the outcome, in order.

    Attributes:
        template: the shared fields (its target, status, confidence and evidence are not read).
        targets: one per row.
        rows: one per row, the index of the row's outcome in ``outcomes``.
        outcomes: the distinct outcomes of the block.
    """

    template: Finding
    targets: tuple[str | None, ...]
    rows: tuple[int, ...]
    outcomes: tuple[Outcome, ...]
    _make: Callable[[str | None, Status, int, str], Finding] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Every finding of the block is built from the template: its maker is made once.
        object.__setattr__(self, "_make", outcome_maker(self.template))

    def __len__(self) -> int:
        return len(self.rows)

    def findings(self) -> Iterator[Finding]:
        """The block's findings, in row order."""
        make, outcomes = self._make, self.outcomes
        for target, row in zip(self.targets, self.rows, strict=True):
            yield make(target, *outcomes[row])

    def finding(self, target: str | None, outcome: int) -> Finding:
        """The finding this block gives ``target`` with the outcome at index ``outcome``."""
        return self._make(target, *self.outcomes[outcome])

    def split(self, templates: Sequence[Finding]) -> list[FindingBlock]:
        """The block cut where the template changes: ``templates`` gives each row its own (same length)."""
        blocks = []
        start = 0
        for end in range(1, len(self.rows) + 1):
            if end == len(self.rows) or templates[end] is not templates[start]:
                block = FindingBlock(templates[start], self.targets[start:end], self.rows[start:end], self.outcomes)
                blocks.append(block)
                start = end
        return blocks


class FindingTable(Sequence[Finding]):
    """Findings as blocks, in order; a ``Sequence[Finding]`` whose findings are built when read."""

    __slots__ = ("_built", "_length", "blocks")

    def __init__(self, blocks: Iterable[FindingBlock]) -> None:
        self.blocks: tuple[FindingBlock, ...] = tuple(block for block in blocks if block.rows)
        self._length = sum(len(block) for block in self.blocks)
        self._built: tuple[Finding, ...] | None = None

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[Finding]:
        if self._built is not None:
            return iter(self._built)
        return (finding for block in self.blocks for finding in block.findings())

    @overload
    def __getitem__(self, index: int) -> Finding: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Finding]: ...
    def __getitem__(self, index: int | slice) -> Finding | Sequence[Finding]:
        if self._built is None:
            self._built = tuple(self)
        return self._built[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FindingTable | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"FindingTable({self._length} résultats, {len(self.blocks)} blocs)"


def _shared(finding: Finding) -> tuple[object, ...]:
    return tuple(getattr(finding, name) for name in SHARED)


def as_table(findings: Iterable[Finding]) -> FindingTable:
    """``findings`` as a table (itself when it is one): consecutive findings that share their fields
    and name different targets form one block."""
    if isinstance(findings, FindingTable):
        return findings
    blocks: list[FindingBlock] = []
    current: list[Finding] = []
    shared: tuple[object, ...] = ()
    targets: set[str | None] = set()
    for finding in findings:
        fields_of = _shared(finding)
        if current and (fields_of != shared or finding.target in targets):
            blocks.append(_block(current))
            current, targets = [], set()
        if not current:
            shared = fields_of
        current.append(finding)
        targets.add(finding.target)
    if current:
        blocks.append(_block(current))
    return FindingTable(blocks)


def _block(findings: list[Finding]) -> FindingBlock:
    index: dict[Outcome, int] = {}
    rows = tuple(index.setdefault((f.status, f.confidence, f.evidence), len(index)) for f in findings)
    return FindingBlock(findings[0], tuple(f.target for f in findings), rows, tuple(index))
