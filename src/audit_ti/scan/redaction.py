"""Masking, in the parsed XML, what must not be kept as evidence: captured payloads, found passwords.

MQTT payloads may be personal data; a password a script found is a live secret of the device
until it is changed. Both are masked in the tree before the XML is written as evidence; the
account a password belongs to stays named (« admin accepte le mot de passe d'usine » is the finding).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from xml.etree.ElementTree import Element

__all__ = ["MASK", "REDACTED_SCRIPTS", "redact_passwords", "redact_payloads"]

#: Scripts whose output may carry data captured from the devices (personal data): masked in evidence.
REDACTED_SCRIPTS = frozenset({"mqtt-subscribe"})
MASK = "[masqué]"

_PAYLOADS_HEADER = "Topics and their most recent payloads"
#: What mqtt-subscribe itself says before any payload (refusals, errors): kept readable.
_MQTT_MESSAGES = ("ERROR", "Connection rejected", "Received control packet", "Every topic filter", "Failed")


def redact_payloads(root: Element) -> int:
    """Mask, in place, every value the scripts of REDACTED_SCRIPTS captured; how many were masked."""
    count = 0
    for script in root.iter("script"):
        if script.get("id") not in REDACTED_SCRIPTS:
            continue
        for elem in script.iter("elem"):
            if elem.text and elem.get("key") not in {"ERROR"}:
                elem.text = f"[masqué : {len(elem.text)} caractères]"
                count += 1
        output = script.get("output", "")
        masked = _redact_lines(output)
        if masked != output:
            script.set("output", masked)
            count += 1
    return count


def _redact_lines(output: str) -> str:
    """mqtt-subscribe's text output with every payload masked, whatever its layout.

    Any line « topic: payload » keeps its topic, header or not (a document may drop the header);
    after the header, any other non-empty line (the rest of a payload that spans lines) is masked
    whole. The script's errors stay readable in the structure (``ERROR``), which is not masked.
    """
    masked = []
    after_header = False
    for line in output.split("\n"):
        if _PAYLOADS_HEADER in line:
            after_header = True
            masked.append(line)
        elif not line.strip() or (not after_header and line.strip().startswith(_MQTT_MESSAGES)):
            masked.append(line)
        elif ": " in line:
            topic, _, _ = line.partition(": ")
            masked.append(f"{topic}: [masqué]")
        elif after_header:
            masked.append(line[: len(line) - len(line.lstrip())] + "[masqué]")
        else:
            masked.append(line)
    return "\n".join(masked)


def redact_passwords(root: Element) -> int:
    """Mask, in place, every password a script reports (brute scripts, http-default-accounts, snmp-brute).

    The account name stays: « admin accepte le mot de passe d'usine » is the finding; the password
    itself is a live secret of the device until it is changed.
    """
    count = 0
    for script in root.iter("script"):
        found: list[tuple[str | None, str]] = []
        for parent in script.iter():
            elems = {elem.get("key"): elem for elem in parent.findall("elem")}
            secret = elems.get("password")
            if secret is None or not secret.text or secret.text == MASK:
                continue
            user = elems.get("username")
            found.append((user.text if user is not None else None, secret.text))
            secret.text = MASK
            count += 1
        if found:
            script.set("output", _masked_output(script.get("output", ""), found))
    return count


def _masked_output(output: str, found: Iterable[tuple[str | None, str]]) -> str:
    for user, secret in found:
        if user is not None:
            output = output.replace(f"{user}:{secret}", f"{user}:{MASK}")
        output = re.sub(rf"(?m)^(\s*){re.escape(secret)}(\s+-\s)", rf"\g<1>{MASK}\g<2>", output)
    return output
