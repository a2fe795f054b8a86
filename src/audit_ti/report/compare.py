"""``audit-ti comparer``: what a later run of the same use case fixed, what is new, what remains."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from audit_ti.models.enums import Status
from audit_ti.models.finding import Finding

__all__ = ["Comparison", "compare_findings"]

#: Statuses that call for action: the ones a remediation must make disappear.
_OPEN = {Status.NON_COMPLIANT, Status.PARTIAL, Status.TO_VERIFY, Status.ERROR, Status.NOT_TESTED}


@dataclass(frozen=True)
class Change:
    """One requirement on one target, before and after."""

    requirement: str
    title: str
    target: str
    before: Status | None
    after: Status | None


@dataclass(frozen=True)
class Comparison:
    """The findings of two runs, per requirement and target."""

    fixed: tuple[Change, ...]
    new: tuple[Change, ...]
    remaining: tuple[Change, ...]


def _key(finding: Finding) -> tuple[str, str]:
    return finding.requirement, finding.target or "cas d'usage"


def compare_findings(before: Iterable[Finding], after: Iterable[Finding]) -> Comparison:
    """Fixed: open before, compliant or not applicable after. New: open after, not before. Remaining: open in both."""
    old = {_key(f): f for f in before}
    now = {_key(f): f for f in after}
    fixed, new, remaining = [], [], []
    for key in sorted(old.keys() | now.keys()):
        was, is_ = old.get(key), now.get(key)
        was_open = was is not None and was.status in _OPEN
        is_open = is_ is not None and is_.status in _OPEN
        either = is_ or was
        title = (either.title if either is not None else "") or key[0]
        change = Change(key[0], title, key[1], was.status if was else None, is_.status if is_ else None)
        if was_open and is_ is not None and not is_open:
            fixed.append(change)
        elif is_open and not was_open:
            new.append(change)
        elif was_open and is_open:
            remaining.append(change)
    return Comparison(tuple(fixed), tuple(new), tuple(remaining))
