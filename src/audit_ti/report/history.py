"""The previous run of the same use case, and what changed since: the synthesis's « depuis le dernier audit ».

Runs of one use case sit side by side in ``rapports/<cas>/<horodatage>/``; the timestamps sort in
time order, so the previous run is the latest sibling named before this one that holds cyber findings.
Only requirement titles are kept here, not gateways: the synthesis is publishable as open data.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field

from audit_ti.models.base import StrictModel
from audit_ti.report.compare import Change, compare_findings
from audit_ti.report.views import RunResults, load_run

__all__ = ["Progress", "previous_run", "progress_since"]

#: A run folder's name: the timestamp of ``runs/folder.STAMP_FORMAT``, with « -2 »… when two runs share a second.
_STAMPED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{6}(?:-(\d+))?")


def _order(name: str) -> tuple[str, int]:
    match = _STAMPED.fullmatch(name)
    assert match is not None
    return name[:17], int(match.group(1) or 1)


class Progress(StrictModel):
    """What a later run of the same use case fixed, found new, or still finds, per requirement."""

    previous_run: str = Field(alias="execution_precedente", description="Le dossier (horodatage) de l'exécution.")
    fixed: int = Field(alias="corriges", ge=0, description="Constats ouverts avant, conformes ou sans objet après.")
    new: int = Field(alias="nouveaux", ge=0, description="Constats ouverts qui ne l'étaient pas avant.")
    remaining: int = Field(alias="restants", ge=0, description="Constats ouverts dans les deux exécutions.")
    fixed_requirements: tuple[str, ...] = Field(alias="exigences_corrigees")
    new_requirements: tuple[str, ...] = Field(alias="exigences_nouvelles")
    remaining_requirements: tuple[str, ...] = Field(alias="exigences_restantes")


def previous_run(folder: Path) -> Path | None:
    """The latest run of the same use case before ``folder`` that holds cyber findings, or None."""
    if not _STAMPED.fullmatch(folder.name) or not folder.parent.is_dir():
        return None
    mine = _order(folder.name)
    earlier = [
        sibling
        for sibling in folder.parent.iterdir()
        if _STAMPED.fullmatch(sibling.name)
        and _order(sibling.name) < mine
        and (sibling / "results" / "findings.json").is_file()
    ]
    return max(earlier, key=lambda path: _order(path.name), default=None)


def _titles(changes: tuple[Change, ...]) -> tuple[str, ...]:
    """Each requirement once, in the order of the comparison (by requirement id)."""
    return tuple(dict.fromkeys(change.title for change in changes))


def progress_since(results: RunResults) -> Progress | None:
    """The comparison with the previous run of the same use case; None for a first run or without findings."""
    folder = previous_run(results.folder)
    if folder is None or results.findings is None:
        return None
    before = load_run(folder).findings
    if before is None:
        return None
    comparison = compare_findings(before, results.findings)
    return Progress(
        previous_run=folder.name,
        fixed=len(comparison.fixed),
        new=len(comparison.new),
        remaining=len(comparison.remaining),
        fixed_requirements=_titles(comparison.fixed),
        new_requirements=_titles(comparison.new),
        remaining_requirements=_titles(comparison.remaining),
    )
