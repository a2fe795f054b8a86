"""TLS cipher suites judged against a referential of recommended and degraded suites (ANSSI TLS guide).

The referential is data (the grille's ``referentiel_suites``): for each component of an IANA suite
name (key exchange, server authentication, cipher, mode, integrity) the values the guide recommends
and the values it tolerates as degraded; any other value is forbidden. TLS 1.3 suites, whose name
only carries the AEAD and the hash, are listed whole. A suite takes the class of its worst component.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from pydantic import Field

from audit_ti.models.base import StrictModel
from audit_ti.models.enums import Status
from audit_ti.models.facts import ScriptTable

__all__ = ["AcceptedSuite", "SuiteClass", "SuitePolicy", "SuiteVerdict", "Tiers", "accepted_suites", "judge_suites"]


class SuiteClass(StrEnum):
    """Where a suite stands in the referential, from the best to the worst."""

    RECOMMENDED = "recommandee"
    DEGRADED = "degradee"
    FORBIDDEN = "interdite"
    UNREADABLE = "illisible"


_ORDER = (SuiteClass.RECOMMENDED, SuiteClass.DEGRADED, SuiteClass.FORBIDDEN, SuiteClass.UNREADABLE)


class Tiers(StrictModel):
    """The values of one component the referential recommends, and those it tolerates; others are forbidden."""

    recommended: list[str] = Field(default_factory=list, alias="recommandes")
    degraded: list[str] = Field(default_factory=list, alias="degrades")

    def of(self, value: str) -> SuiteClass:
        """Class of one value (names compared without regard to case)."""
        wanted = value.upper()
        if wanted in (v.upper() for v in self.recommended):
            return SuiteClass.RECOMMENDED
        if wanted in (v.upper() for v in self.degraded):
            return SuiteClass.DEGRADED
        return SuiteClass.FORBIDDEN


class SuitePolicy(StrictModel):
    """The referential a grille judges accepted cipher suites against."""

    source: str = Field(min_length=1, description="Document et annexe d'où viennent les listes.")
    key_exchange: Tiers = Field(alias="echange_de_cles", description="ECDHE, DHE, RSA (statique)…")
    authentication: Tiers = Field(alias="authentification", description="ECDSA, RSA, DSS, anon, PSK…")
    cipher: Tiers = Field(alias="chiffrement", description="AES_128, CHACHA20, 3DES_EDE, RC4_128…")
    mode: Tiers = Field(alias="mode", description="GCM, CCM, CCM_8, POLY1305, CBC ; « AUCUN » pour RC4 et NULL.")
    integrity: Tiers = Field(alias="integrite", description="SHA256, SHA384 ; « AEAD » quand le nom n'en cite pas.")
    tls13: Tiers = Field(alias="suites_tls13", description="Noms IANA complets des suites TLS 1.3.")
    curves: Tiers | None = Field(
        default=None, alias="courbes", description="Courbes ECDHE (kex_info de nmap) ; absent : non jugées."
    )
    minimum_dh_bits: int | None = Field(default=None, ge=512, alias="taille_dh_minimale")


@dataclass(frozen=True, slots=True)
class AcceptedSuite:
    """One suite a server accepted, as ``ssl-enum-ciphers`` lists it."""

    protocol: str
    name: str
    kex_info: str | None = None


@dataclass(frozen=True, slots=True)
class SuiteVerdict:
    """The class of one suite and, unless recommended, the components that gave it."""

    name: str
    suite_class: SuiteClass
    reasons: tuple[str, ...] = ()


# nmap's ssl-enum-ciphers writes TLS 1.3 suites « TLS_AKE_WITH_AES_128_GCM_SHA256 ».
_NMAP_TLS13 = "TLS_AKE_WITH_"
_SUITE = re.compile(r"^(?:TLS|SSL)_(?P<kex>[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*?)_WITH_(?P<rest>[A-Za-z0-9_]+)$")
_TLS13 = re.compile(r"^TLS_[A-Z0-9]+(?:_[A-Z0-9]+)*$")
_HASHES = frozenset({"SHA", "SHA256", "SHA384", "SHA512", "MD5", "NULL"})
_EPHEMERAL = frozenset({"ECDHE", "DHE"})
_MODES = frozenset({"GCM", "CCM", "CBC", "POLY1305"})
_SHOWN = {"SHA": "SHA-1", "SHA256": "SHA-256", "SHA384": "SHA-384", "AUCUN": "aucun"}
_LABELS = {
    "key_exchange": "échange de clés",
    "authentication": "authentification",
    "cipher": "chiffrement",
    "mode": "mode",
    "integrity": "intégrité",
    "curve": "courbe",
}


def iana_name(name: str) -> str:
    """The IANA name of a suite as nmap writes it (TLS 1.3 suites lose nmap's « AKE_WITH_ »)."""
    name = name.strip()
    return "TLS_" + name[len(_NMAP_TLS13) :] if name.startswith(_NMAP_TLS13) else name


def components(name: str) -> dict[str, str] | None:
    """Key exchange, authentication, cipher, mode and integrity of a TLS ≤ 1.2 suite; None if unreadable."""
    match = _SUITE.match(name)
    if match is None:
        return None
    kex = match["kex"].split("_")
    rest = match["rest"].upper().split("_")
    integrity = rest.pop() if len(rest) > 1 and rest[-1] in _HASHES else "AEAD"
    if rest[-2:-1] == ["CCM"] and rest[-1] == "8":
        mode, cipher = "CCM_8", rest[:-2]
    elif rest[-1] in _MODES:
        mode, cipher = rest[-1], rest[:-1]
    else:
        mode, cipher = "AUCUN", rest
    return {
        "key_exchange": kex[0].upper(),
        "authentication": "_".join(kex[1:]) or kex[0].upper(),
        "cipher": "_".join(cipher) or "AUCUN",
        "mode": mode,
        "integrity": integrity,
    }


def classify(name: str, policy: SuitePolicy, kex_info: str | None = None) -> SuiteVerdict:
    """The class of one suite (IANA or nmap name), with the key exchange parameters nmap read if any."""
    name = iana_name(name)
    judged: list[tuple[SuiteClass, str]] = []
    parts = components(name)
    if parts is not None:
        for component, value in parts.items():
            tiers: Tiers = getattr(policy, component)
            reason = f"{_LABELS[component]} {_SHOWN.get(value, value)}"
            if component == "key_exchange" and value not in _EPHEMERAL:
                reason += " (sans confidentialité persistante)"
            judged.append((tiers.of(value), reason))
    elif _TLS13.match(name) and "_WITH_" not in name:
        judged.append((policy.tls13.of(name), "suite TLS 1.3 hors des listes du guide"))
    else:
        return SuiteVerdict(name, SuiteClass.UNREADABLE, ("nom de suite illisible",))
    judged += _kex_parameters(kex_info, policy)
    worst = max((found for found, _ in judged), key=_ORDER.index)
    reasons = tuple(reason for found, reason in judged if found is worst and worst is not SuiteClass.RECOMMENDED)
    return SuiteVerdict(name, worst, reasons)


_DH = re.compile(r"^dh (\d{3,5})$")


def _kex_parameters(kex_info: str | None, policy: SuitePolicy) -> list[tuple[SuiteClass, str]]:
    """Size of the DH group, or the ECDHE curve, as ssl-enum-ciphers names them (« dh 2048 », « secp256r1 »)."""
    info = (kex_info or "").strip()
    if not info or info.startswith("rsa "):
        return []
    size = _DH.match(info)
    if size is not None:
        bits = int(size[1])
        if policy.minimum_dh_bits and bits < policy.minimum_dh_bits:
            return [(SuiteClass.FORBIDDEN, f"groupe DH de {bits} bits (au moins {policy.minimum_dh_bits})")]
        return []
    if policy.curves is None:
        return []
    curve = info.removeprefix("ecdh_")
    return [(policy.curves.of(curve), f"{_LABELS['curve']} {curve}")]


def accepted_suites(enum: ScriptTable) -> list[AcceptedSuite]:
    """Every suite ``ssl-enum-ciphers`` lists, protocol by protocol (table ``ciphers`` → ``name``, ``kex_info``)."""
    suites = []
    for protocol in enum.tables:
        ciphers = protocol.table("ciphers")
        if protocol.key is None or ciphers is None:
            continue
        for entry in ciphers.tables:
            name = entry.elem("name")
            if name:
                suites.append(AcceptedSuite(protocol.key, name.strip(), entry.elem("kex_info")))
    return suites


def judge_suites(enum: ScriptTable, policy: SuitePolicy) -> tuple[Status, str]:
    """Status and French evidence for the suites one TLS service accepts."""
    suites = accepted_suites(enum)
    if not suites:
        return Status.TO_VERIFY, "aucune suite de chiffrement lisible dans la sortie de ssl-enum-ciphers"
    verdicts = [(suite.protocol, classify(suite.name, policy, suite.kex_info)) for suite in suites]
    found = {verdict.suite_class for _, verdict in verdicts}
    for wanted, status, heading in (
        (SuiteClass.FORBIDDEN, Status.NON_COMPLIANT, "suites interdites par le guide TLS de l'ANSSI"),
        (SuiteClass.UNREADABLE, Status.TO_VERIFY, "suites non reconnues, à vérifier"),
        (SuiteClass.DEGRADED, Status.PARTIAL, "suites dégradées selon le guide TLS de l'ANSSI"),
    ):
        if wanted in found:
            return status, f"{heading} — {_grouped(verdicts, wanted)}"
    return Status.COMPLIANT, f"{len(suites)} suites acceptées, toutes recommandées par le guide TLS de l'ANSSI"


def _grouped(verdicts: list[tuple[str, SuiteVerdict]], wanted: SuiteClass) -> str:
    """« TLSv1.0, TLSv1.1 : échange de clés RSA … : A, B ; intégrité SHA-1 : C — TLSv1.2 : … », by first reason."""
    by_protocol: dict[str, dict[str, list[str]]] = {}
    for protocol, verdict in verdicts:
        groups = by_protocol.setdefault(protocol, {})
        if verdict.suite_class is wanted:
            groups.setdefault(verdict.reasons[0], []).append(verdict.name)
    texts: dict[str, list[str]] = {}
    for protocol, groups in by_protocol.items():
        if groups:
            ordered = sorted(groups.items(), key=lambda group: _reason_rank(group[0]))
            text = " ; ".join(f"{reason} : {', '.join(names)}" for reason, names in ordered)
            texts.setdefault(text, []).append(protocol)
    return " — ".join(f"{', '.join(protocols)} : {text}" for text, protocols in texts.items())


def _reason_rank(reason: str) -> int:
    """Reasons in the order of a suite's name: key exchange first, integrity last."""
    labels = list(_LABELS.values())
    return next((rank for rank, label in enumerate(labels) if reason.startswith(label)), len(labels))
