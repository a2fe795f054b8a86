"""Model rules that hold whatever file they come from."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from audit_ti.models import Finding, Severity, Status


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
    return Finding.model_validate(fields)


def test_finding_status_never_defaults() -> None:
    with pytest.raises(ValidationError) as caught:
        finding(statut=None)
    assert caught.value.errors()[0]["loc"] == ("statut",)
    fields = finding().model_dump()
    del fields["statut"]
    with pytest.raises(ValidationError, match="statut"):
        Finding.model_validate(fields)


def test_finding_target_must_be_explicit() -> None:
    fields = finding().model_dump()
    del fields["cible"]
    with pytest.raises(ValidationError, match="cible"):
        Finding.model_validate(fields)


def test_finding_is_frozen_and_bounded() -> None:
    result = finding()
    with pytest.raises(ValidationError):
        result.status = Status.COMPLIANT  # type: ignore[misc]
    with pytest.raises(ValidationError):
        finding(confiance=101)
    with pytest.raises(ValidationError):
        finding(preuve="x" * 2001)


def test_finding_json_uses_french_keys_and_values() -> None:
    data = finding().model_dump(mode="json")
    assert data["statut"] == "non_conforme"
    assert data["severite"] == "critique"
    assert data["references"] == []


def test_severity_order() -> None:
    assert Severity.CRITICAL.at_least(Severity.HIGH)
    assert not Severity.MEDIUM.at_least(Severity.HIGH)
    assert sorted(Severity, key=lambda s: s.rank)[0] is Severity.INFO
    assert Status.TO_VERIFY.label == "À vérifier"
