"""Model rules that hold whatever file they come from."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from typing import Any

import pytest
from pydantic import ValidationError

from audit_ti.models import Finding, Severity, Status
from audit_ti.models.enums import FindingSource, Importance
from audit_ti.models.finding import FINDINGS, outcome_maker


def finding(**changes: object) -> Finding:
    fields: dict[str, object] = {
        "exigence": "telnet_expose",
        "cible": "passerelle-a",
        "statut": "non_conforme",
        "severite": "critique",
        "confiance": 95,
        "preuve": "23/tcp ouvert : telnet",
        "recommandation": "Fermer telnet.",
    }
    fields.update(changes)
    return FINDINGS.validate_python([fields], by_alias=True, by_name=False)[0]


def dump(result: Finding) -> dict[str, object]:
    data: dict[str, object] = FINDINGS.dump_python([result], mode="json", by_alias=True)[0]
    return data


def test_finding_status_never_defaults() -> None:
    with pytest.raises(ValidationError) as caught:
        finding(statut=None)
    assert caught.value.errors()[0]["loc"] == (0, "statut")
    fields = dump(finding())
    del fields["statut"]
    with pytest.raises(ValidationError, match="statut"):
        FINDINGS.validate_python([fields], by_alias=True)


def test_finding_target_must_be_explicit() -> None:
    fields = dump(finding())
    del fields["cible"]
    with pytest.raises(ValidationError, match="cible"):
        FINDINGS.validate_python([fields], by_alias=True)


def test_finding_is_frozen_and_bounded() -> None:
    result = finding()
    with pytest.raises(FrozenInstanceError):
        result.status = Status.COMPLIANT  # type: ignore[misc]
    with pytest.raises(ValidationError):
        finding(confiance=101)
    with pytest.raises(ValidationError):
        finding(preuve="x" * 2001)


def test_a_template_with_an_outcome_is_the_finding_the_constructor_builds() -> None:
    requirement: dict[str, Any] = {
        "requirement": "telnet_expose",
        "severity": Severity.CRITICAL,
        "recommendation": "Fermer telnet.",
        "references": ("ANSSI, mesure 12",),
        "title": "Telnet exposé",
        "theme": "exposition",
        "importance": Importance.ESSENTIAL,
        "grille": "hygiene-iot",
        "source": FindingSource.IMPORT,
        "justification": "réponse de l'exploitant",
    }
    make = outcome_maker(Finding(target="x", status=Status.ERROR, confidence=1, evidence="modèle", **requirement))
    built = make("passerelle-a", Status.NON_COMPLIANT, 95, "23/tcp ouvert")
    expected = Finding(
        target="passerelle-a", status=Status.NON_COMPLIANT, confidence=95, evidence="23/tcp ouvert", **requirement
    )
    assert built == expected
    assert dump(built) == dump(expected)
    assert make(None, Status.COMPLIANT, 80, "fermé").target is None
    with pytest.raises(FrozenInstanceError):
        built.status = Status.COMPLIANT  # type: ignore[misc]


def test_finding_json_uses_french_keys_and_values() -> None:
    data = dump(finding())
    assert data["statut"] == "non_conforme"
    assert data["severite"] == "critique"
    assert data["references"] == []


def test_severity_order() -> None:
    assert Severity.CRITICAL.at_least(Severity.HIGH)
    assert not Severity.MEDIUM.at_least(Severity.HIGH)
    assert sorted(Severity, key=lambda s: s.rank)[0] is Severity.INFO
    assert Status.TO_VERIFY.label == "À vérifier"
