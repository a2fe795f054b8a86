"""Index, verdict and priority measures, checked against hand computations (docs/audit-cyber.md)."""

from __future__ import annotations

from datetime import date

import pytest

from audit_ti.cyber.scoring import assess_target, priority_measures, theme_indices
from audit_ti.models import Finding, Severity, Status
from audit_ti.models.enums import Importance
from audit_ti.models.evaluation import Verdict
from audit_ti.models.finding import AcceptanceRecord

TITLES = {"protection": "Protection", "gouvernance": "Gouvernance"}


def finding(
    requirement: str,
    status: Status,
    *,
    theme: str = "protection",
    importance: str = "essentielle",
    severity: Severity = Severity.MEDIUM,
    target: str | None = "a",
    accepted: bool = False,
) -> Finding:
    record = (
        AcceptanceRecord(
            justification="j",
            signatory="maire",
            decided_on=date(2026, 1, 1),
            expires_on=date(2027, 1, 1),
            expired=False,
        )
        if accepted
        else None
    )
    return Finding(
        requirement=requirement,
        target=target,
        status=status,
        severity=severity,
        confidence=90,
        evidence="e",
        recommendation=f"faire {requirement}",
        theme=theme,
        importance=Importance(importance),
        accepted_risk=record,
    )


def test_theme_index_follows_the_mss_formula() -> None:
    # essential: 1, 0.5 → 0.75 ; recommended: 0, 1 → 0.5 ; score = (0.6 + 0.4 × 0.5) × 0.75 = 0.6 → 3.0 / 5
    findings = [
        finding("e1", Status.COMPLIANT),
        finding("e2", Status.PARTIAL),
        finding("r1", Status.NON_COMPLIANT, importance="recommandee"),
        finding("r2", Status.COMPLIANT, importance="recommandee"),
        finding("na", Status.NOT_APPLICABLE),
        finding("nt", Status.NOT_TESTED),
    ]
    [theme], index = theme_indices(findings, TITLES)
    assert (theme.index, theme.essential_rate, theme.recommended_rate, theme.measures) == (3.0, 0.75, 0.5, 4)
    assert index == 3.0


def test_overall_index_weights_themes_by_their_measures() -> None:
    # protection: 2 essential measures at 1 → 1.0 ; gouvernance: 1 recommended at 0 → 0.0
    findings = [
        finding("e1", Status.COMPLIANT),
        finding("e2", Status.COMPLIANT),
        finding("g1", Status.TO_VERIFY, theme="gouvernance", importance="recommandee"),
    ]
    _, index = theme_indices(findings, TITLES)
    assert index == round(5 * (2 * 1.0 + 1 * 0.0) / 3, 2)


def test_a_requirement_over_several_gateways_is_averaged() -> None:
    findings = [finding("e1", Status.COMPLIANT, target="a"), finding("e1", Status.NON_COMPLIANT, target="b")]
    _, index = theme_indices(findings, TITLES)
    assert index == 2.5


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([Status.COMPLIANT] * 9 + [Status.NON_COMPLIANT], Verdict.FAVOURABLE),  # 4.5
        ([Status.COMPLIANT] * 6 + [Status.NON_COMPLIANT] * 4, Verdict.CONDITIONAL),  # 3.0
        ([Status.COMPLIANT] * 3 + [Status.NON_COMPLIANT] * 7, Verdict.UNFAVOURABLE),  # 1.5
    ],
)
def test_verdict_bands(statuses: list[Status], expected: Verdict) -> None:
    findings = [finding(f"r{i}", status) for i, status in enumerate(statuses)]
    assert assess_target("a", findings, TITLES).verdict is expected


def test_critical_non_compliance_vetoes_and_acceptance_lifts_the_veto() -> None:
    good = [finding(f"r{i}", Status.COMPLIANT) for i in range(20)]
    critical = finding("telnet_expose", Status.NON_COMPLIANT, severity=Severity.CRITICAL)
    assessed = assess_target("a", [*good, critical], TITLES)
    assert assessed.verdict is Verdict.UNFAVOURABLE
    assert "non-conformité critique non acceptée : telnet_expose" in assessed.reasons
    accepted = finding("telnet_expose", Status.NON_COMPLIANT, severity=Severity.CRITICAL, accepted=True)
    assert assess_target("a", [*good, accepted], TITLES).verdict is Verdict.FAVOURABLE


def test_high_non_compliance_and_errors_cap_at_conditional() -> None:
    good = [finding(f"r{i}", Status.COMPLIANT) for i in range(20)]
    high = finding("admin_web_http", Status.NON_COMPLIANT, severity=Severity.HIGH)
    assert assess_target("a", [*good, high], TITLES).verdict is Verdict.CONDITIONAL
    error = finding("tls", Status.ERROR)
    assessed = assess_target("a", [*good, error], TITLES)
    assert assessed.verdict is Verdict.CONDITIONAL
    assert any(reason.startswith("évaluation incomplète") for reason in assessed.reasons)


def test_priorities_most_serious_then_essential_then_widest() -> None:
    findings = [
        finding("moyenne_large", Status.NON_COMPLIANT, target="a"),
        finding("moyenne_large", Status.NON_COMPLIANT, target="b"),
        finding("moyenne_etroite", Status.NON_COMPLIANT, target="a"),
        finding("critique", Status.NON_COMPLIANT, severity=Severity.CRITICAL),
        finding("elevee_reco", Status.NON_COMPLIANT, severity=Severity.HIGH, importance="recommandee"),
        finding("elevee_ess", Status.PARTIAL, severity=Severity.HIGH),
        finding("question", Status.TO_VERIFY, severity=Severity.LOW, target=None),
        finding("faible", Status.NON_COMPLIANT, severity=Severity.LOW),
        finding("accepte", Status.NON_COMPLIANT, severity=Severity.CRITICAL, accepted=True),
        finding("ok", Status.COMPLIANT, severity=Severity.CRITICAL),
    ]
    measures = priority_measures(findings)
    assert [m.requirement for m in measures] == [
        "critique",
        "elevee_ess",
        "elevee_reco",
        "moyenne_large",
        "moyenne_etroite",
        "faible",
    ]
    assert measures[3].targets == ("a", "b")
    assert [m.rank for m in measures] == [1, 2, 3, 4, 5, 6]


def test_an_essential_requirement_not_established_keeps_the_verdict_from_favourable() -> None:
    good = [finding(f"r{i}", Status.COMPLIANT) for i in range(20)]
    for status in (Status.NOT_TESTED, Status.TO_VERIFY):
        assessed = assess_target("a", [*good, finding("identifiants_par_defaut", status)], TITLES)
        assert assessed.verdict is Verdict.CONDITIONAL, status
        assert any("non établies" in reason and "identifiants_par_defaut" in reason for reason in assessed.reasons)
    recommended = finding("entetes", Status.NOT_TESTED, importance="recommandee")
    assert assess_target("a", [*good, recommended], TITLES).verdict is Verdict.FAVOURABLE
