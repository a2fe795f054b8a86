"""Cyber index, verdict and priority measures, from the findings (rules in docs/audit-cyber.md).

The index follows ANSSI's MonServiceSécurisé "indice cyber": per theme, essential measures weigh
60 % and recommended ones 40 %, a partial measure counts half; the verdict follows its bands, capped
by the most serious unaccepted non-compliance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

from audit_ti.models.bulk import paused_garbage_collector
from audit_ti.models.enums import Importance, Severity, Status
from audit_ti.models.evaluation import CyberEvaluation, PriorityMeasure, TargetScore, ThemeIndex, Verdict
from audit_ti.models.finding import Finding
from audit_ti.models.finding_table import FindingBlock, FindingTable, as_table
from audit_ti.models.grille import Grille
from audit_ti.text import french_number

__all__ = [
    "FAVOURABLE_FROM",
    "PRIORITY_COUNT",
    "UNFAVOURABLE_BELOW",
    "assess_target",
    "build_evaluation",
    "priority_measures",
    "theme_indices",
]

#: Value of a finding in the index; statuses absent from this table are not counted.
STATUS_VALUE = {
    Status.COMPLIANT: 1.0,
    Status.PARTIAL: 0.5,
    Status.NON_COMPLIANT: 0.0,
    Status.TO_VERIFY: 0.0,
    Status.ERROR: 0.0,
}
#: Statuses that establish nothing: an essential requirement left so keeps the verdict from « favorable ».
_UNOBSERVED = frozenset({Status.NOT_TESTED, Status.TO_VERIFY})
ESSENTIAL_WEIGHT = 0.6
RECOMMENDED_WEIGHT = 0.4
#: MonServiceSécurisé bands: below 2 the homologation is advised against; from 4, granted for 3 years.
UNFAVOURABLE_BELOW = 2.0
FAVOURABLE_FROM = 4.0
PRIORITY_COUNT = 6


class _Tally:
    """One pass over the findings of a target: values per requirement, counts, blocking requirements."""

    __slots__ = ("counts", "critical", "errors", "high", "meta", "sizes", "sums", "unobserved")

    def __init__(self, findings: Iterable[Finding] = ()) -> None:
        self.sums: dict[str, float] = {}
        self.sizes: dict[str, int] = {}
        self.meta: dict[str, tuple[str, Importance]] = {}
        self.counts: dict[Status, int] = {}
        self.critical: set[str] = set()
        self.high: set[str] = set()
        self.errors: set[str] = set()
        self.unobserved: set[str] = set()
        for finding in findings:
            status = finding.status
            self.counts[status] = self.counts.get(status, 0) + 1
            requirement = finding.requirement
            value = STATUS_VALUE.get(status)
            if value is not None:
                if requirement in self.sums:
                    self.sums[requirement] += value
                    self.sizes[requirement] += 1
                else:
                    self.sums[requirement] = value
                    self.sizes[requirement] = 1
                    self.meta[requirement] = (finding.theme, finding.importance)
            if status is Status.NON_COMPLIANT and not finding.accepted:
                if finding.severity is Severity.CRITICAL:
                    self.critical.add(requirement)
                elif finding.severity is Severity.HIGH:
                    self.high.add(requirement)
            elif status is Status.ERROR:
                self.errors.add(requirement)
            elif status in _UNOBSERVED and finding.importance is Importance.ESSENTIAL and not finding.accepted:
                self.unobserved.add(requirement)

    def absorb(self, other: _Tally) -> None:
        """Add another target's tally (the use case is the sum of its gateways and its own findings)."""
        for requirement, total in other.sums.items():
            if requirement in self.sums:
                self.sums[requirement] += total
                self.sizes[requirement] += other.sizes[requirement]
            else:
                self.sums[requirement] = total
                self.sizes[requirement] = other.sizes[requirement]
                self.meta[requirement] = other.meta[requirement]
        for status, count in other.counts.items():
            self.counts[status] = self.counts.get(status, 0) + count
        self.critical |= other.critical
        self.high |= other.high
        self.errors |= other.errors
        self.unobserved |= other.unobserved


def _themes(tally: _Tally, titles: dict[str, str]) -> tuple[list[ThemeIndex], float | None]:
    by_theme: dict[str, dict[Importance, list[float]]] = {}
    for requirement, total in tally.sums.items():
        theme, importance = tally.meta[requirement]
        by_theme.setdefault(theme, {}).setdefault(importance, []).append(total / tally.sizes[requirement])
    indices = []
    weighted = 0.0
    counted = 0
    for theme in [t for t in titles if t in by_theme] + sorted(set(by_theme) - set(titles)):
        essential = by_theme[theme].get(Importance.ESSENTIAL, [])
        recommended = by_theme[theme].get(Importance.RECOMMENDED, [])
        e_rate = sum(essential) / len(essential) if essential else None
        r_rate = sum(recommended) / len(recommended) if recommended else None
        if e_rate is not None and r_rate is not None:
            score = (ESSENTIAL_WEIGHT + RECOMMENDED_WEIGHT * r_rate) * e_rate
        else:
            score = e_rate if e_rate is not None else (r_rate or 0.0)
        count = len(essential) + len(recommended)
        indices.append(
            ThemeIndex(
                theme=theme,
                title=titles.get(theme, theme),
                index=round(5 * score, 2),
                essential_rate=None if e_rate is None else round(e_rate, 3),
                recommended_rate=None if r_rate is None else round(r_rate, 3),
                measures=count,
            )
        )
        weighted += count * score
        counted += count
    return indices, (round(5 * weighted / counted, 2) if counted else None)


def theme_indices(findings: Sequence[Finding], titles: dict[str, str]) -> tuple[list[ThemeIndex], float | None]:
    """Index per theme (0–5) and overall index, None when nothing could be counted."""
    return _themes(_Tally(findings), titles)


def _decide(index: float | None, tally: _Tally) -> tuple[Verdict, list[str]]:
    if index is None:
        verdict, band = Verdict.CONDITIONAL, "aucune mesure évaluable : indice non calculé"
    elif index < UNFAVOURABLE_BELOW:
        verdict, band = (
            Verdict.UNFAVOURABLE,
            f"indice {_fr(index)}/5, sous le seuil de {_fr(UNFAVOURABLE_BELOW)}",
        )
    elif index < FAVOURABLE_FROM:
        verdict, band = (
            Verdict.CONDITIONAL,
            f"indice {_fr(index)}/5, entre {_fr(UNFAVOURABLE_BELOW)} et {_fr(FAVOURABLE_FROM)}",
        )
    else:
        verdict, band = Verdict.FAVOURABLE, f"indice {_fr(index)}/5, au moins {_fr(FAVOURABLE_FROM)}"
    reasons = [band]
    if tally.critical:
        verdict = Verdict.UNFAVOURABLE
        reasons.append(f"non-conformité critique non acceptée : {', '.join(sorted(tally.critical))}")
    if tally.high:
        if verdict is Verdict.FAVOURABLE:
            verdict = Verdict.CONDITIONAL
        reasons.append(f"non-conformité élevée non acceptée : {', '.join(sorted(tally.high))}")
    if tally.errors:
        if verdict is Verdict.FAVOURABLE:
            verdict = Verdict.CONDITIONAL
        reasons.append(f"évaluation incomplète (erreur) : {', '.join(sorted(tally.errors))}")
    if tally.unobserved:
        # A green light needs every essential requirement observed or answered, not merely unrefuted.
        if verdict is Verdict.FAVOURABLE:
            verdict = Verdict.CONDITIONAL
        reasons.append(
            f"exigences essentielles non établies (non testées ou à vérifier) : {', '.join(sorted(tally.unobserved))}"
        )
    return verdict, reasons


def _fr(value: float) -> str:
    return french_number(value, ".1f")


def assess_target(target: str | None, findings: Sequence[Finding], titles: dict[str, str]) -> TargetScore:
    """Index, verdict and counts for one gateway (its findings) or the use case (all findings)."""
    return _assess(target, _Tally(findings), titles)


def _assess(target: str | None, tally: _Tally, titles: dict[str, str]) -> TargetScore:
    themes, index = _themes(tally, titles)
    verdict, reasons = _decide(index, tally)
    return TargetScore(
        target=target,
        index=index,
        themes=tuple(themes),
        verdict=verdict,
        reasons=tuple(reasons),
        counts={status: tally.counts[status] for status in Status if status in tally.counts},
    )


_STATUS_ORDER = {Status.NON_COMPLIANT: 0, Status.PARTIAL: 1, Status.TO_VERIFY: 2}


class _Priority:
    """One requirement's findings that call for a measure: how many, their best status, their blocks."""

    __slots__ = ("count", "first", "order", "parts")

    def __init__(self, first: Finding) -> None:
        self.first = first
        self.count = 0
        self.order = len(_STATUS_ORDER)
        self.parts: list[tuple[FindingBlock, frozenset[int]]] = []

    def targets(self) -> tuple[str, ...]:
        found = {
            target or "cas d'usage"
            for block, wanted in self.parts
            for target, row in zip(block.targets, block.rows, strict=True)
            if row in wanted
        }
        return tuple(sorted(found))


def priority_measures(findings: Sequence[Finding], count: int = PRIORITY_COUNT) -> list[PriorityMeasure]:
    """The measures to take first: most serious first, essential before recommended, widest first."""
    grouped: dict[str, _Priority] = {}
    for block in as_table(findings).blocks:
        if block.template.accepted:
            continue
        wanted = {index: _STATUS_ORDER[o[0]] for index, o in enumerate(block.outcomes) if o[0] in _STATUS_ORDER}
        if not wanted:
            continue
        counted = Counter(block.rows)
        total = sum(counted[index] for index in wanted)
        if not total:
            continue
        requirement = block.template.requirement
        priority = grouped.get(requirement)
        if priority is None:
            priority = grouped[requirement] = _Priority(block.template)
        priority.count += total
        priority.order = min(priority.order, *(order for index, order in wanted.items() if counted[index]))
        priority.parts.append((block, frozenset(wanted)))

    def key(requirement: str) -> tuple[int, int, int, int, str]:
        priority = grouped[requirement]
        first = priority.first
        return (
            -first.severity.rank,
            0 if first.importance is Importance.ESSENTIAL else 1,
            priority.order,
            -priority.count,
            requirement,
        )

    ranked = sorted(grouped, key=key)[:count]
    statuses = {order: status for status, order in _STATUS_ORDER.items()}
    measures = []
    for rank, requirement in enumerate(ranked, start=1):
        priority = grouped[requirement]
        first = priority.first
        measures.append(
            PriorityMeasure(
                rank=rank,
                requirement=requirement,
                title=first.title,
                severity=first.severity,
                importance=first.importance,
                status=statuses[priority.order],
                targets=priority.targets(),
                recommendation=first.recommendation,
            )
        )
    return measures


def _gateway_scores(
    gateway_names: Sequence[str], table: FindingTable, titles: dict[str, str]
) -> tuple[list[_Tally], tuple[TargetScore, ...], _Tally]:
    """Each gateway's tally and score, in ``gateway_names`` order, and the tally of the other targets.

    A gateway's findings are its row in each block. What the score reads of a finding is its
    block's template and its status: gateways whose rows have the same status in every block get
    the first one's score, under their own names. The other targets (the use case, undeclared
    hosts) are tallied in the order their findings come, as one list per target.
    """
    names = tuple(gateway_names)
    position = {name: index for index, name in enumerate(names)}
    columns: list[Sequence[int]] = []
    others: dict[str | None, list[Finding]] = {}
    for block in table.blocks:
        if block.targets == names:
            columns.append(block.rows)  # the usual block: every gateway, in order, and nobody else
            continue
        column = [-1] * len(names)
        for target, row in zip(block.targets, block.rows, strict=True):
            index = position.get(target) if target is not None else None
            if index is None:
                others.setdefault(target, []).append(block.finding(target, row))
            else:
                column[index] = row
        columns.append(column)
    # Each row's status (-1, no row, reads the entry after the outcomes: None), one column per block.
    statuses = [
        list(map([*(outcome[0] for outcome in block.outcomes), None].__getitem__, column))
        for block, column in zip(table.blocks, columns, strict=True)
    ]
    keys = zip(*statuses, strict=True) if statuses else (() for _ in names)
    tallies: list[_Tally] = []
    scores: list[TargetScore] = []
    seen: dict[tuple[Status | None, ...], tuple[_Tally, TargetScore]] = {}
    for index, (name, key) in enumerate(zip(names, keys, strict=True)):
        known = seen.get(key)
        if known is None:
            rows = [(block, column[index]) for block, column in zip(table.blocks, columns, strict=True)]
            tally = _Tally([block.finding(name, row) for block, row in rows if row >= 0])
            known = seen[key] = (tally, _assess(name, tally, titles))
            scores.append(known[1])
        else:
            scores.append(replace(known[1], target=name))
        tallies.append(known[0])
    return tallies, tuple(scores), _Tally(finding for rest in others.values() for finding in rest)


def build_evaluation(
    case: str,
    *,
    grilles: Sequence[Grille],
    gateway_names: Sequence[str],
    findings: Sequence[Finding],
    today: date,
    incomplete_reasons: Sequence[str],
) -> CyberEvaluation:
    """The whole evaluation: the use case, each gateway, the priority measures."""
    titles = {theme.id: theme.title for grille in grilles for theme in grille.themes}
    table = as_table(findings)
    with paused_garbage_collector():
        tallies, gateways, whole = _gateway_scores(gateway_names, table, titles)
        for tally in tallies:
            whole.absorb(tally)
    return CyberEvaluation(
        case=case,
        evaluated_on=today,
        grilles={grille.id: grille.version for grille in grilles},
        complete=not incomplete_reasons,
        incomplete_reasons=tuple(incomplete_reasons),
        use_case=_assess(None, whole, titles),
        gateways=gateways,
        priorities=tuple(priority_measures(table)),
        accepted_risks=sum(len(block) for block in table.blocks if block.template.accepted_risk is not None),
    )
