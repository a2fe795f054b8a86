"""Why the scan leaves out an NSE script a check reads: decided once, for the plan and for the checks.

The scan plan lists the scripts it leaves out with the reason; a check that finds its script did
not run says « non testé » with the same reason. Both ask ``withheld``, each in its own words
around the reason (the plan names the script apart; a check writes a sentence about it).
"""

from __future__ import annotations

from enum import StrEnum

from audit_ti.models.enums import ScanProfile
from audit_ti.models.nse import NseScript

__all__ = ["BRUTE_CATEGORY", "Withheld", "withheld"]

#: nmap's category of the scripts that guess credentials: they need a list of factory credentials.
BRUTE_CATEGORY = "brute"


class Withheld(StrEnum):
    """Why a script is left out of the scan (the value is said in the plan and in the findings)."""

    INTRUSIVE = "réservé au profil intrusif"
    NO_UDP = "UDP non sondé"
    NO_CREDENTIALS = "aucune liste d'identifiants d'usine"


def withheld(script: NseScript, profile: ScanProfile, *, udp: bool, credentials: bool = True) -> Withheld | None:
    """Why a scan with ``profile`` leaves ``script`` out, or None when it runs it.

    Args:
        udp: True when the scan probes UDP services.
        credentials: False when the scan has no list of factory credentials to try (brute scripts
            are then left out).
    """
    if script.profile is ScanProfile.INTRUSIVE and profile is ScanProfile.SAFE:
        return Withheld.INTRUSIVE
    if script.udp and not udp:
        return Withheld.NO_UDP
    if BRUTE_CATEGORY in script.categories and not credentials:
        return Withheld.NO_CREDENTIALS
    return None
