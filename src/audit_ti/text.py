"""Text for people: numbers written the French way, and text from devices made safe to show.

A banner is written by whoever controls the device. Control characters can rewrite a terminal
line; Unicode direction overrides (U+202E…) can make « moc.lisab » read as « basil.com »
in a report or a spreadsheet. Each is replaced by a visible ``[U+XXXX]``.
"""

from __future__ import annotations

import re

__all__ = ["french_number", "neutralise"]

#: Python's decimal point and thousands separator, as French writes them (U+202F: narrow no-break space).
_FRENCH_MARKS = str.maketrans({".": ",", ",": "\u202f"})

#: C0 controls but tab and newline, DEL and C1 controls, zero-width and bidirectional formatting marks.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def neutralise(text: str) -> str:
    """``text`` with every unsafe character replaced by ``[U+XXXX]``."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda match: f"[U+{ord(match[0]):04X}]", text)


def french_number(value: float, spec: str = "g") -> str:
    """``value`` formatted with ``spec``, with a decimal comma and U+202F between groups of thousands.

    ``french_number(12.5)`` → « 12,5 » ; ``french_number(0.7, ".1f")`` → « 0,7 » ;
    ``french_number(48000, ",")`` → « 48\u202f000 » ; ``french_number(45500.0, ",.0f")`` → « 45\u202f500 ».
    """
    return format(value, spec).translate(_FRENCH_MARKS)
