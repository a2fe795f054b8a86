"""The authorisation to scan: its rules, in one place.

A signed authorisation names who signed, when, until when, the perimeter and the profile allowed.
``authorisation_block_problems`` says what makes the block wrong whatever the date (read by
``valider``); ``authorisation_problems`` says why it is not in force on a given day (the real date
of a scan: the scope guard refuses it; ``valider`` warns).
"""

from __future__ import annotations

import ipaddress
from datetime import date

from audit_ti.errors import Problem
from audit_ti.inputs.documents import problem_at
from audit_ti.models.audit import Audit, Authorisation
from audit_ti.models.fields import is_placeholder, parse_perimeter_entry

__all__ = ["authorisation_block_problems", "authorisation_problems", "in_perimeter"]


def authorisation_problems(authorisation: Authorisation, today: date) -> list[tuple[str, str]]:
    """Why an authorisation is not in force on ``today`` (the real date of a scan): (key, French text)."""
    problems = []
    if authorisation.signed_on > today:
        problems.append(
            (
                "date",
                f"autorisation signée dans le futur (le {authorisation.signed_on:%d/%m/%Y}) : date erronée ou "
                "autorisation pas encore signée",
            )
        )
    elif authorisation.starts_on > today:
        problems.append(
            (
                "valable_a_partir_du",
                f"autorisation pas encore en vigueur (à partir du {authorisation.starts_on:%d/%m/%Y})",
            )
        )
    if authorisation.valid_until < today:
        problems.append(("valable_jusqu_au", f"autorisation expirée depuis le {authorisation.valid_until:%d/%m/%Y}"))
    for key, what, value in (
        ("reference", "référence", authorisation.reference),
        ("signataire", "signataire", authorisation.signatory),
    ):
        if is_placeholder(value):
            problems.append((key, f"{what} de l'autorisation encore à compléter (« {value[:60]} ») : rien n'est signé"))
    return problems


def authorisation_block_problems(audit: Audit) -> list[Problem]:
    """What makes the authorisation block wrong whatever the date (its being in force is checked at scan time)."""
    authorisation = audit.authorisation
    if authorisation is None:
        return []
    problems = []
    if authorisation.signed_on > authorisation.valid_until:
        problems.append(
            problem_at(
                audit,
                ("autorisation", "date"),
                "la date de signature est postérieure à la fin de validité de l'autorisation",
            )
        )
    if authorisation.valid_from is not None and authorisation.valid_from > authorisation.valid_until:
        problems.append(
            problem_at(
                audit,
                ("autorisation", "valable_a_partir_du"),
                "l'autorisation commencerait après la fin de sa validité : dates inversées ?",
            )
        )
    entries = [parse_perimeter_entry(entry) for entry in authorisation.perimeter]
    for index, gateway in enumerate(audit.gateways):
        if not in_perimeter(gateway.address, entries):
            problems.append(
                problem_at(
                    audit,
                    ("passerelles", index, "adresse"),
                    f"l'adresse « {gateway.address} » de la passerelle « {gateway.name} » est hors du "
                    f"périmètre autorisé ({', '.join(authorisation.perimeter)})",
                )
            )
    return problems


def in_perimeter(address: str, entries: list[ipaddress.IPv4Network | ipaddress.IPv6Network | str]) -> bool:
    """True when an address (or a name, written as such in the perimeter) is inside the declared perimeter."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address in entries
    return any(not isinstance(entry, str) and ip in entry for entry in entries)
