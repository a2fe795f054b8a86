"""YAML into models: French messages with file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit_ti.errors import InvalidInputError
from audit_ti.inputs.documents import load_audit, load_grille
from audit_ti.models import Domain, ScanProfile
from tests.conftest import FIXTURES

MINIMAL = (FIXTURES / "audit-minimal.yaml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str, name: str = "cas.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(InvalidInputError) as caught:
        load_audit(path)
    return [str(problem) for problem in caught.value.problems]


def test_minimal_audit_loads_with_defaults(tmp_path: Path) -> None:
    audit = load_audit(write(tmp_path, MINIMAL))
    assert audit.use_case.domain is Domain.WASTE
    assert audit.scan.profile is ScanProfile.SAFE
    assert audit.grilles == ["hygiene-iot"]
    assert str(audit.gateways[0].expected_ports[0]) == "22/tcp ssh"
    assert audit.source is not None
    assert audit.source.line_of(("passerelles", 1, "adresse")) == 25


def test_dumps_to_json_with_french_keys_and_iso_dates(tmp_path: Path) -> None:
    data = load_audit(write(tmp_path, MINIMAL)).model_dump(mode="json")
    assert data["cas_usage"]["date_audit"] == "2026-11-20"
    assert data["passerelles"][0]["ports_attendus"] == ["22/tcp ssh"]
    assert "gateways" not in data


def test_english_attribute_names_are_not_accepted_as_keys(tmp_path: Path) -> None:
    found = problems(write(tmp_path, MINIMAL.replace("passerelles:", "gateways:")))
    assert any("« gateways » : clé inconnue" in text or "clé « gateways » : clé inconnue" in text for text in found)


def test_typo_suggests_closest_key_with_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("  responsable:", "  responsabel:"))
    found = problems(path)
    assert found[0] == (
        f"{path}, ligne 7, clé « cas_usage.responsabel » : clé inconnue, vouliez-vous dire « responsable » ?"
    )


def test_unknown_key_without_close_match_lists_the_possible_keys(tmp_path: Path) -> None:
    found = problems(write(tmp_path, MINIMAL + "zzz: 1\n"))
    assert "clé inconnue. Clés possibles ici : version_format, cas_usage, autorisation" in found[0]


def test_every_error_is_reported_not_only_the_first(tmp_path: Path) -> None:
    text = MINIMAL.replace("  domaine: dechets", "  domaine: 3").replace(
        "    zone: iot\n    ports", "    zone: 5\n    ports"
    )
    found = problems(write(tmp_path, text))
    assert len(found) == 2
    assert "ligne 6, clé « cas_usage.domaine »" in found[0]
    assert "ligne 21, clé « passerelles[1].zone »" in found[1]


def test_expected_port_accepts_bare_number_as_tcp(tmp_path: Path) -> None:
    audit = load_audit(write(tmp_path, MINIMAL.replace("      - 22/tcp ssh", "      - 8883")))
    port = audit.gateways[0].expected_ports[0]
    assert (port.port, port.protocol, port.service) == (8883, "tcp", None)


def test_port_out_of_range(tmp_path: Path) -> None:
    found = problems(write(tmp_path, MINIMAL.replace("      - 22/tcp ssh", "      - 70000/tcp")))
    assert "port 70000 hors de la plage 1–65535" in found[0]


def test_hostname_and_ipv6_addresses(tmp_path: Path) -> None:
    text = MINIMAL.replace("    - 127.0.20.0/24", "    - 127.0.20.0/24\n    - ::1\n    - passerelle.localhost")
    text = text.replace("adresse: 127.0.20.1", "adresse: PASSERELLE.localhost.").replace(
        "adresse: 127.0.20.2", "adresse: '0:0::1'"
    )
    audit = load_audit(write(tmp_path, text))
    assert [gateway.address for gateway in audit.gateways] == ["passerelle.localhost", "::1"]


def test_grille_loads(tmp_path: Path) -> None:
    grille = load_grille(FIXTURES / "grille-minimale.yaml")
    assert grille.requirement("inventaire_equipements") is not None
    assert grille.requirement("absent") is None
