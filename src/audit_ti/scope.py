"""What may be scanned: the loopback-only guard (and, with the cyber audit, the full scope guard).

Every function here runs before nmap starts; a refusal raises ``ScopeError`` and nothing is sent.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable

from audit_ti.errors import Problem, ScopeError

__all__ = ["LOOPBACK_ENV", "check_loopback_only", "is_loopback_target", "loopback_only"]

#: Set by ``make demo``, ``make test`` and the test suite: only 127.0.0.0/8 and ::1 may be scanned.
LOOPBACK_ENV = "AUDIT_TI_BOUCLE_LOCALE"

_FALSE_WORDS = {"", "0", "non", "no", "false", "faux"}


def loopback_only() -> bool:
    """True when the loopback-only guard is on."""
    return os.environ.get(LOOPBACK_ENV, "").strip().lower() not in _FALSE_WORDS


def is_loopback_target(target: str) -> bool:
    """True for a loopback address or range, or ``localhost``; no name is ever resolved here."""
    text = target.strip()
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        name = text.lower().rstrip(".")
        return name == "localhost" or name.endswith(".localhost")
    return network.is_loopback


def check_loopback_only(targets: Iterable[str]) -> None:
    """Refuse every target outside the loopback when the guard is on.

    Raises:
        ScopeError: listing every refused target, in French.
    """
    if not loopback_only():
        return
    refused = [target for target in targets if not is_loopback_target(target)]
    if refused:
        raise ScopeError(
            Problem(
                f"cible(s) refusée(s) : {', '.join(refused)}. La garde « boucle locale seulement » "
                f"({LOOPBACK_ENV}=1) n'autorise que 127.0.0.0/8 et ::1 ; aucun paquet n'a été envoyé."
            )
        )
