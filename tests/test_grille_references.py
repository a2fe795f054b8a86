"""Every reference of the cyber grille has the form of an identifier of the guide it names."""

from __future__ import annotations

import re

import pytest

from audit_ti.inputs.documents import load_grille
from tests.conftest import ROOT

#: Each guide the grille cites, and the form of its identifiers (the guide's own numbering).
IDENTIFIERS = {
    "ANSSI-hygiene": r"[1-9]|[1-3][0-9]|4[0-2]",  # the 42 measures
    "ANSSI-ICS": r"R[1-9][0-9]{0,2}",  # ANSSI-PA-108, « mesures détaillées »
    "ANSSI-TLS": r"R[1-9][0-9]?",
    "ANSSI-SSH": r"R[1-9][0-9]?",
    "ANSSI-videoprotection": r"R[1-9][0-9]{0,2}",
    "ETSI-303645": r"[56](\.[1-9][0-9]?(-[1-9][0-9]?)?)?",  # clause, or provision 5.x-y / 6-y
    "OWASP-IoT": r"I(10|[1-9])",
    "CIS-v8": r"[1-9][0-9]?\.[1-9][0-9]?",
    "MSS": r"[A-Z_]+\.[1-9][0-9]?",
    "CERT-FR": r"CERTFR-20[0-9]{2}-(ALE|AVI|ACT|IOC)-[0-9]{3,4}",
    "CVE": r"CVE-(199|20[0-9])[0-9]-[0-9]{4,7}",
}


def misfits(references: list[str]) -> list[str]:
    """The references that name no known guide, or not in that guide's numbering."""
    wrong = []
    for reference in references:
        guide, _, number = reference.partition(":")
        pattern = IDENTIFIERS.get(guide)
        if pattern is None or not re.fullmatch(pattern, number):
            wrong.append(reference)
    return wrong


def test_every_reference_of_the_cyber_grille_is_a_known_identifier() -> None:
    grille = load_grille(ROOT / "grilles" / "hygiene-iot.yaml")
    cited = [reference for item in grille.items for reference in item.references]
    assert len(cited) > 100
    assert misfits(cited) == []


@pytest.mark.parametrize(
    "reference",
    ["ANSSI-TLS:HSTS", "ANSSI-hygiene:43", "OWASP-IoT:I11", "ETSI-303645:7.1-1", "ETSI:5.6-4", "ANSSI-SSH:15"],
)
def test_a_reference_out_of_its_guide_numbering_is_caught(reference: str) -> None:
    assert misfits([reference]) == [reference]
