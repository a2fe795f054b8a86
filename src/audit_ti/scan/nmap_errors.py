"""nmap's own messages (English, on stderr) as French sentences for the user and the manifest."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["french_nmap_messages"]

_KNOWN: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), french)
    for pattern, french in (
        (r'Failed to resolve "?([^"]+?)"?\.?$', "nom « {0} » introuvable par le résolveur"),
        (r"failed to determine route to (\S+)", "aucune route vers {0} : la cible est injoignable"),
        (r"looks like an IPv6 target specification", "adresse IPv6 donnée sans l'option -6"),
        (r"requires root privileges", "ce type de scan exige les droits root"),
        (r"did not match a category, filename, or directory", "script NSE introuvable"),
        (r"failed to initialize the script engine", "le moteur de scripts NSE de nmap n'a pas démarré"),
        (r"(?:Ports specified must be between|Illegal character\(s\) in port)", "liste de ports refusée par nmap"),
        (r"Unable to split netmask from target expression", "plage d'adresses illisible pour nmap"),
        (r"no targets were specified", "aucune cible donnée à nmap"),
        (r"Permission denied", "permission refusée"),
        (r"Couldn't open a raw socket", "socket brute impossible (droits root nécessaires)"),
    )
)
_NOISE = re.compile(r"^(QUITTING!|Nmap done|Starting Nmap|See the output of nmap -h)", re.IGNORECASE)


def _french(line: str) -> str:
    for pattern, french in _KNOWN:
        match = pattern.search(line)
        if match:
            return french.format(*(group.strip() for group in match.groups()))
    warning = re.match(r"^\s*warning:\s*(.*)$", line, re.IGNORECASE)
    if warning:
        return f"avertissement de nmap (en anglais) : « {warning[1].strip()[:200]} »"
    return f"message de nmap (en anglais) : « {line.strip()[:200]} »"


def french_nmap_messages(raw: str | Iterable[str] | None) -> str:
    """nmap's stderr (text, or python-nmap's list of chunks) as one French sentence per distinct line."""
    if not raw:
        return ""
    chunks = [raw] if isinstance(raw, str) else [str(chunk) for chunk in raw]
    lines = dict.fromkeys(
        line.strip() for chunk in chunks for line in chunk.splitlines() if line.strip() and not _NOISE.match(line)
    )
    return " ; ".join(dict.fromkeys(_french(line) for line in lines))
