"""The scope guard refuses, before anything is sent, whatever the authorisation does not cover."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from audit_ti.errors import ScopeError
from audit_ti.inputs.documents import load_audit
from audit_ti.models import ScanProfile
from audit_ti.scan.scope import LOOPBACK_ENV, authorise_scope
from tests.conftest import FIXTURES

TODAY = date(2026, 11, 22)
BASE = yaml.safe_load((FIXTURES / "audit-minimal.yaml").read_text(encoding="utf-8"))


def audit_with(tmp_path: Path, **changes):
    data = yaml.safe_load(yaml.safe_dump(BASE))
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value
    path = tmp_path / "cas.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_audit(path)


def refusal(audit, profile=ScanProfile.SAFE, resolver=None) -> str:
    with pytest.raises(ScopeError) as caught:
        if resolver is None:
            authorise_scope(audit, TODAY, profile)
        else:
            authorise_scope(audit, TODAY, profile, resolver)
    text = str(caught.value)
    assert "aucun paquet n'a été envoyé" in text
    return text


def no_dns(name: str) -> list[str]:
    raise AssertionError(f"no name should be resolved here, got {name}")


def test_valid_scope(tmp_path: Path) -> None:
    scope = authorise_scope(audit_with(tmp_path), TODAY, ScanProfile.SAFE, no_dns)
    assert [(t.name, t.address) for t in scope.targets] == [
        ("passerelle-a", "127.0.20.1"),
        ("passerelle-b", "127.0.20.2"),
    ]


def test_expired_authorisation(tmp_path: Path) -> None:
    audit = audit_with(tmp_path, autorisation__valable_jusqu_au="2026-11-21", autorisation__date="2026-01-01")
    assert "autorisation expirée depuis le 21/11/2026" in refusal(audit)


def test_intrusive_needs_its_authorisation(tmp_path: Path) -> None:
    assert "profil « intrusif » demandé" in refusal(audit_with(tmp_path), ScanProfile.INTRUSIVE)
    allowed = audit_with(tmp_path, autorisation__profil_autorise="intrusif")
    assert authorise_scope(allowed, TODAY, ScanProfile.INTRUSIVE).profile is ScanProfile.INTRUSIVE


def test_address_outside_the_perimeter(tmp_path: Path) -> None:
    audit = audit_with(tmp_path, autorisation__perimetre=["127.0.20.1/32"])
    assert "passerelle « passerelle-b » : 127.0.20.2 est hors du périmètre autorisé" in refusal(audit)


def test_large_range_needs_explicit_permission(tmp_path: Path) -> None:
    audit = audit_with(tmp_path, autorisation__perimetre=["127.0.0.0/16"])
    assert "plus grande qu'un /22" in refusal(audit)
    allowed = audit_with(
        tmp_path, autorisation__perimetre=["127.0.0.0/16"], autorisation__grandes_plages_autorisees=True
    )
    assert len(authorise_scope(allowed, TODAY, ScanProfile.SAFE).targets) == 2


def test_names_are_resolved_once_and_must_land_in_the_perimeter(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(LOOPBACK_ENV, "0")
    audit = audit_with(tmp_path, passerelles__0__adresse="passerelle-a.exemple.fr")
    calls = []

    def resolver(name: str) -> list[str]:
        calls.append(name)
        return {"passerelle-a.exemple.fr": ["127.0.20.1"]}[name]

    scope = authorise_scope(audit, TODAY, ScanProfile.SAFE, resolver)
    assert scope.targets[0].address == "127.0.20.1"
    assert calls == ["passerelle-a.exemple.fr"]
    assert "hors du périmètre" in refusal(audit, resolver=lambda name: ["127.0.99.1"])


def test_names_are_never_resolved_under_the_loopback_guard(tmp_path: Path) -> None:
    audit = audit_with(tmp_path, passerelles__0__adresse="passerelle-a.exemple.fr")
    assert "refusé sans être résolu (garde boucle locale)" in refusal(audit, resolver=no_dns)


def test_public_address_must_be_listed_explicitly(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(LOOPBACK_ENV, "0")
    audit = audit_with(
        tmp_path,
        autorisation__perimetre=["127.0.20.0/24", "8.8.0.0/22"],
        passerelles__1__adresse="8.8.1.1",
    )
    assert "8.8.1.1 est une adresse publique" in refusal(audit, resolver=no_dns)


def test_loopback_guard_wins_over_an_authorisation(tmp_path: Path) -> None:
    audit = audit_with(
        tmp_path, autorisation__perimetre=["127.0.20.0/24", "192.0.2.0/24"], passerelles__1__adresse="192.0.2.10"
    )
    assert "192.0.2.10" in refusal(audit, resolver=no_dns)


def test_discovery_range_outside_the_perimeter(tmp_path: Path) -> None:
    audit = audit_with(tmp_path, scan={"decouverte": ["127.0.21.0/28"]})
    assert "plage de découverte « 127.0.21.0/28 » hors du périmètre" in refusal(audit)


def test_no_gateway_at_all_needs_no_scope(tmp_path: Path) -> None:
    audit = audit_with(tmp_path, passerelles=[])
    assert authorise_scope(audit, TODAY, ScanProfile.SAFE).targets == ()


def test_authorisation_signed_in_the_future_or_not_yet_in_force(tmp_path: Path) -> None:
    future = audit_with(tmp_path, autorisation__date="2026-12-01")
    assert "autorisation signée dans le futur (le 01/12/2026)" in refusal(future)
    pending = audit_with(tmp_path, autorisation__valable_a_partir_du="2026-12-01")
    assert "autorisation pas encore en vigueur (à partir du 01/12/2026)" in refusal(pending)


def test_placeholder_authorisation_sends_nothing(tmp_path: Path) -> None:
    audit = audit_with(
        tmp_path,
        autorisation__reference="À compléter : référence du mandat",
        autorisation__signataire="À compléter : nom et qualité du signataire",
    )
    text = refusal(audit)
    assert "référence de l'autorisation encore à compléter" in text
    assert "signataire de l'autorisation encore à compléter" in text


def test_evaluation_date_never_moves_the_authorisation(tmp_path: Path, run_cli) -> None:
    """--date in the past with an expired authorisation: refused, against today's real date."""
    audit = tmp_path / "expiree.yaml"
    audit.write_text((FIXTURES / "audit-autorisation-expiree.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    result = run_cli("scanner", str(audit), "--date", "2025-03-01", "--rapports", str(tmp_path / "rapports"))
    assert result.code == 2
    assert "autorisation expirée depuis le 30/06/2025" in result.err
    assert not (tmp_path / "rapports").exists()
