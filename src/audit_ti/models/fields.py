"""Field types with their own parsing: dates, network addresses, expected ports."""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

from audit_ti.models.base import StrictModel

__all__ = [
    "Address",
    "ExpectedPort",
    "ExpectedPortField",
    "IsoDate",
    "NetworkRange",
    "PerimeterEntry",
    "PortRanges",
    "PortSpec",
    "is_hostname",
    "is_placeholder",
    "parse_perimeter_entry",
    "parse_port_ranges",
    "parse_port_spec",
    "port_number",
]

PortRanges = tuple[tuple[int, int], ...]
_MAX_PORT = 65_535

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_HOST_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_HOST_LABEL}(?:\.{_HOST_LABEL})*\.?$")
_EXPECTED_PORT = re.compile(
    r"^(?P<port>[0-9]{1,5})/(?P<protocol>tcp|udp)(?:\s+(?P<service>[a-z0-9][a-z0-9_.+-]{0,40}))?$"
)
EXPECTED_PORT_PATTERN = _EXPECTED_PORT.pattern


def _iso_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        return value.strip()
    raise ValueError("date attendue au format AAAA-MM-JJ (par exemple 2026-03-31)")


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "description": "Date AAAA-MM-JJ"}),
]


#: What ``audit-ti init`` writes where the user must answer (« À compléter : … »).
_PLACEHOLDER = re.compile(r"(?i)(?:^|\W)[àa]\s+compl[ée]ter\b")


def is_placeholder(value: str) -> bool:
    """True for a value still holding the template's « À compléter » (or « a completer »)."""
    return bool(_PLACEHOLDER.search(value))


def is_hostname(value: str) -> bool:
    """True for a syntactically valid host name (letters, digits, hyphens, dots)."""
    return bool(_HOSTNAME.match(value)) and not value.replace(".", "").isdigit()


def _address(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("adresse IP ou nom d'hôte attendu (texte)")
    text = value.strip()
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        pass
    if is_hostname(text):
        return text.lower().rstrip(".")
    raise ValueError(f"« {text[:80]} » n'est ni une adresse IP ni un nom d'hôte valide")


Address = Annotated[
    str,
    BeforeValidator(_address),
    WithJsonSchema({"type": "string", "description": "Adresse IPv4, IPv6 ou nom d'hôte"}),
]


def parse_perimeter_entry(
    value: str,
) -> ipaddress.IPv4Network | ipaddress.IPv6Network | str:
    """An authorised-perimeter entry as a network (CIDR or single address) or a host name.

    Raises:
        ValueError: with a French message when the entry is neither.
    """
    text = value.strip()
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        pass
    if "/" not in text and is_hostname(text):
        return text.lower().rstrip(".")
    raise ValueError(f"« {text[:80]} » n'est ni une plage CIDR (192.0.2.0/24), ni une adresse IP, ni un nom d'hôte")


def _perimeter_entry(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("plage CIDR, adresse IP ou nom d'hôte attendu (texte)")
    return str(parse_perimeter_entry(value))


PerimeterEntry = Annotated[
    str,
    BeforeValidator(_perimeter_entry),
    WithJsonSchema({"type": "string", "description": "Plage CIDR, adresse IP ou nom d'hôte autorisé"}),
]


class ExpectedPort(StrictModel):
    """A service the integrator declares, written ``8883/tcp mqtts`` in the audit file."""

    port: int = Field(ge=1, le=65535)
    protocol: Literal["tcp", "udp"] = Field(alias="protocole")
    service: str | None = None

    def __str__(self) -> str:
        base = f"{self.port}/{self.protocol}"
        return f"{base} {self.service}" if self.service else base


def _expected_port(value: Any) -> Any:
    if isinstance(value, ExpectedPort):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value}/tcp"
    if not isinstance(value, str):
        raise ValueError("port attendu sous la forme « 8883/tcp mqtts » (port/protocole service)")
    match = _EXPECTED_PORT.match(value.strip().lower())
    if match is None:
        raise ValueError(f"« {value[:60]} » : port attendu sous la forme « 8883/tcp mqtts » (port/protocole service)")
    port = int(match["port"])
    if not 1 <= port <= 65535:
        raise ValueError(f"port {port} hors de la plage 1–65535")
    return ExpectedPort(port=port, protocol=match["protocol"], service=match["service"])  # type: ignore[arg-type]


ExpectedPortField = Annotated[
    ExpectedPort,
    BeforeValidator(_expected_port),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": EXPECTED_PORT_PATTERN,
            "description": "Service déclaré : « port/protocole service », par exemple « 8883/tcp mqtts »",
        }
    ),
]


def port_number(text: str, minimum: int = 0) -> int | None:
    """A port number written in ASCII digits, or None (Unicode digits, signs, out of range)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 5:
        return None
    number = int(text)
    return number if minimum <= number <= _MAX_PORT else None


def parse_port_ranges(text: str, minimum: int = 0) -> PortRanges:
    """``22,80-90`` as inclusive ranges.

    Raises:
        ValueError: the first part that is not a port or a range of ports (``minimum``–65535, low ≤ high).
    """
    ranges = []
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        first = port_number(low, minimum)
        last = port_number(high, minimum) if dash else first
        if first is None or last is None or first > last:
            raise ValueError(part.strip())
        ranges.append((first, last))
    return tuple(ranges)


def parse_port_spec(text: str) -> tuple[PortRanges, PortRanges]:
    """An nmap port specification (``22,80``, ``T:22,U:161``) as TCP and UDP ranges.

    Ports before any ``T:`` or ``U:`` are TCP.

    Raises:
        ValueError: with a French message naming the faulty part.
    """
    tcp: list[tuple[int, int]] = []
    udp: list[tuple[int, int]] = []
    target = tcp
    for raw in text.split(","):
        part = raw.strip()
        if part[:2] in ("T:", "U:"):
            target = tcp if part[0] == "T" else udp
            part = part[2:]
        try:
            target.extend(parse_port_ranges(part, minimum=1))
        except ValueError:
            raise ValueError(
                f"« {part[:30]} » n'est ni un port ni une plage de ports (de 1 à 65535, « 8000-8100 »)"
            ) from None
    return tuple(tcp), tuple(udp)


def _port_spec(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("ports attendus sous la forme « 1-1024,1883,8883 » ou « T:22,U:161 »")
    text = value.strip()
    if not text or len(text) > 400:
        raise ValueError("liste de ports vide ou trop longue (400 caractères au plus)")
    parse_port_spec(text)
    return text


PortSpec = Annotated[
    str,
    BeforeValidator(_port_spec),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[0-9TU:,\\- ]{1,400}$",
            "description": "Ports (syntaxe de nmap) : « 1-1024,1883 », ou « T:22,443,U:161 » pour l'UDP",
        }
    ),
]


def _network_range(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("plage CIDR ou adresse IP attendue (texte)")
    text = value.strip()
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        raise ValueError(
            f"« {text[:80]} » n'est pas une plage CIDR ni une adresse IP (un nom d'hôte ne désigne pas une plage)"
        ) from None


NetworkRange = Annotated[
    str,
    BeforeValidator(_network_range),
    WithJsonSchema({"type": "string", "description": "Plage CIDR (192.0.2.0/28) ou adresse IP"}),
]
