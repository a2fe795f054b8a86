"""One requirement's findings as a block of the findings table: template, outcomes, rows.

The evaluation (``cyber.findings``) says what each target's observation is; this module turns
them into a ``FindingBlock``: the fields the findings share, each distinct outcome once with its
evidence made safe to show, and the acceptances of risk that cover some of its rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from audit_ti.checks.context import Observation
from audit_ti.models.audit import AcceptedRisk
from audit_ti.models.enums import FindingSource, Status
from audit_ti.models.finding import AcceptanceRecord, Finding, shorten
from audit_ti.models.finding_table import FindingBlock
from audit_ti.models.grille import Grille, Requirement
from audit_ti.text import neutralise

__all__ = ["block_template", "observed_block", "rows_block", "with_acceptances"]


def block_template(grille: Grille, item: Requirement, source: FindingSource) -> Finding:
    """What every finding of ``item`` shares (its target and outcome are set per row)."""
    return Finding(
        requirement=item.id,
        target=None,
        status=Status.NOT_TESTED,
        severity=item.severity,
        confidence=0,
        evidence="",
        recommendation=item.recommendation,
        references=tuple(item.references),
        title=item.title,
        theme=item.theme,
        importance=item.importance,
        grille=grille.id,
        source=source,
    )


def observed_block(template: Finding, observed: list[tuple[str | None, Observation]]) -> FindingBlock:
    """One requirement's findings from each target's observation: one outcome per distinct observation."""
    index: dict[Observation, int] = {}
    rows = tuple(index.setdefault(observation, len(index)) for _, observation in observed)
    return rows_block(template, tuple(target for target, _ in observed), rows, list(index))


def rows_block(
    template: Finding, targets: tuple[str | None, ...], rows: tuple[int, ...], observations: list[Observation]
) -> FindingBlock:
    """The block of these rows; gateways of one group share their observation, made safe to show once."""
    shown: dict[str, str] = {}
    outcomes = []
    for observation in observations:
        evidence = shown.get(observation.evidence)
        if evidence is None:
            evidence = shown[observation.evidence] = shorten(neutralise(observation.evidence))
        outcomes.append((observation.status, observation.confidence, evidence))
    return FindingBlock(template, targets, rows, tuple(outcomes))


#: Statuses an accepted risk covers; a compliant or untested finding keeps no acceptance.
_ACCEPTABLE = frozenset({Status.NON_COMPLIANT, Status.PARTIAL, Status.TO_VERIFY})


def with_acceptances(blocks: list[FindingBlock], accepted: Sequence[AcceptedRisk], today: date) -> list[FindingBlock]:
    """Blocks whose findings an accepted risk covers, cut where the acceptance starts and stops."""
    if not accepted:
        return blocks
    result = []
    for block in blocks:
        # An acceptance dated after the evaluation day is not decided yet: it covers nothing.
        risks = [
            risk for risk in accepted if risk.requirement == block.template.requirement and risk.decided_on <= today
        ]
        if not risks:
            result.append(block)
            continue
        covered: dict[int, Finding] = {}
        templates = []
        for target, row in zip(block.targets, block.rows, strict=True):
            match = next((risk for risk in risks if risk.target in (None, target)), None)
            if match is None or block.outcomes[row][0] not in _ACCEPTABLE:
                templates.append(block.template)
                continue
            if id(match) not in covered:
                record = AcceptanceRecord(
                    justification=match.justification,
                    signatory=match.signatory,
                    decided_on=match.decided_on,
                    expires_on=match.expires_on,
                    expired=match.expires_on < today,
                )
                covered[id(match)] = replace(block.template, accepted_risk=record)
            templates.append(covered[id(match)])
        result += block.split(templates)
    return result
