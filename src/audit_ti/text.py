"""Text from devices, made safe to show: no control or direction-changing character survives.

A banner is written by whoever controls the device. Control characters can rewrite a terminal
line; Unicode direction overrides (U+202E…) can make « moc.lisab » read as « basil.com »
in a report or a spreadsheet. Each is replaced by a visible ``[U+XXXX]``.
"""

from __future__ import annotations

import re

__all__ = ["neutralise"]

#: C0 controls but tab and newline, DEL and C1 controls, zero-width and bidirectional formatting marks.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def neutralise(text: str) -> str:
    """``text`` with every unsafe character replaced by ``[U+XXXX]``."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda match: f"[U+{ord(match[0]):04X}]", text)
