"""Checks on TLS services: protocol versions and cipher strength, server certificates."""

from __future__ import annotations

import re
from datetime import date

from pydantic import Field

from audit_ti.checks import confidence
from audit_ti.checks.context import GatewayContext, Observation, worst
from audit_ti.checks.registry import CheckCatalog, CheckParams
from audit_ti.checks.selection import NO_TLS_SERVICE, not_run_reason, script_not_run, script_ran
from audit_ti.checks.tls_suites import SuitePolicy, judge_suites
from audit_ti.models.enums import Status
from audit_ti.models.facts import PortFacts, ScriptTable

__all__ = ["CHECKS", "CertificateParams", "TlsParams"]

CHECKS = CheckCatalog()

_GRADES = "ABCDEF"


class TlsParams(CheckParams):
    """Protocol versions and cipher strength accepted on TLS services."""

    forbidden_protocols: list[str] = Field(
        default_factory=list, alias="protocoles_interdits", description="Par exemple SSLv3, TLSv1.0, TLSv1.1."
    )
    minimum_grade: str | None = Field(
        default=None,
        alias="note_minimale",
        pattern=r"^[A-F]$",
        description="Note minimale de la suite la plus faible (« least strength » de ssl-enum-ciphers).",
    )
    suite_policy: SuitePolicy | None = Field(
        default=None,
        alias="referentiel_suites",
        description="Suites recommandées et dégradées (guide TLS de l'ANSSI) ; toute autre suite est interdite.",
    )

    def required_scripts(self) -> frozenset[str]:
        return frozenset({"ssl-enum-ciphers", "sslv2"})


def _tls_ports(context: GatewayContext) -> list[PortFacts]:
    return [
        port
        for port in context.host.open_ports()
        if (port.service is not None and port.service.over_tls)
        or port.script("ssl-enum-ciphers")
        or port.script("ssl-cert")
    ]


@CHECKS.check("configuration_tls", params=TlsParams, description="Versions de TLS et force des suites proposées.")
def tls_configuration(context: GatewayContext, params: TlsParams) -> Observation:
    """Read ``ssl-enum-ciphers`` (and ``sslv2``) on every TLS port."""
    tls_ports = _tls_ports(context)
    if not tls_ports:
        return NO_TLS_SERVICE
    statuses: list[Status] = []
    evidence: list[str] = []
    for port in tls_ports:
        status, text = _tls_port(context, port, params)
        statuses.append(status)
        evidence.append(f"{port.label} : {text}")
    status = worst(statuses)
    concluded = status in (Status.COMPLIANT, Status.PARTIAL, Status.NON_COMPLIANT)
    level = confidence.CONFIRMED if concluded else confidence.NONE
    return Observation(status, level, "; ".join(evidence))


def _tls_port(context: GatewayContext, port: PortFacts, params: TlsParams) -> tuple[Status, str]:
    enum = port.script("ssl-enum-ciphers")
    if enum is None:
        if not script_ran(context, "ssl-enum-ciphers"):
            return Status.NOT_TESTED, not_run_reason(context, "ssl-enum-ciphers")
        return Status.TO_VERIFY, "aucune poignée de main TLS réussie"
    protocols = [table.key for table in enum.structure.tables if table.key]
    if not protocols:
        return Status.TO_VERIFY, f"sortie de ssl-enum-ciphers sans protocole lisible ({enum.summary[:120]})"
    sslv2 = port.script("sslv2")
    if sslv2 is not None and "SSLv2 supported" in sslv2.output:
        protocols.append("SSLv2")
    problems = [p for p in protocols if p in params.forbidden_protocols]
    grade = enum.structure.elem("least strength")
    text = f"protocoles {', '.join(protocols)}"
    if grade and params.suite_policy is None:
        text += f", suite la plus faible notée {grade}"
    if problems:
        return Status.NON_COMPLIANT, text + f" (interdits : {', '.join(problems)})"
    status = Status.COMPLIANT
    if params.suite_policy is not None:
        status, suites = judge_suites(enum.structure, params.suite_policy)
        text += f" ; {suites}"
    if params.minimum_grade and status is not Status.NON_COMPLIANT:
        if grade is None or grade not in _GRADES:
            return Status.TO_VERIFY, text + " ; note de la suite la plus faible illisible"
        if _GRADES.find(grade) > _GRADES.find(params.minimum_grade):
            return Status.NON_COMPLIANT, text + f" (note minimale {params.minimum_grade})"
    sslv2_unchecked = "SSLv2" in params.forbidden_protocols and not script_ran(context, "sslv2", [port])
    if status is Status.COMPLIANT and sslv2_unchecked:
        return Status.NOT_TESTED, text + f" ; SSLv2 non vérifié ({not_run_reason(context, 'sslv2')})"
    return status, text


class CertificateParams(CheckParams):
    """What makes a server certificate unacceptable."""

    reject_expired: bool = Field(default=True, alias="refuser_expire")
    reject_self_signed: bool = Field(default=True, alias="refuser_autosigne")
    forbidden_signatures: list[str] = Field(
        default_factory=list, alias="signatures_interdites", description="Par exemple md5WithRSAEncryption."
    )
    minimum_rsa_bits: int = Field(default=2048, ge=512, alias="taille_rsa_minimale")
    maximum_days: int | None = Field(default=None, ge=1, alias="duree_maximale_jours")

    def required_scripts(self) -> frozenset[str]:
        return frozenset({"ssl-cert"})


@CHECKS.check("certificat", params=CertificateParams, description="Validité du certificat serveur.")
def certificate(context: GatewayContext, params: CertificateParams) -> Observation:
    """Read ``ssl-cert`` on every TLS port; valid only when everything the grille checks was read."""
    tls_ports = _tls_ports(context)
    if not tls_ports:
        return NO_TLS_SERVICE
    if not script_ran(context, "ssl-cert", tls_ports):
        return script_not_run(context, "ssl-cert")
    bad: list[str] = []
    unread: list[str] = []
    good: list[str] = []
    for port in tls_ports:
        cert = port.script("ssl-cert")
        if cert is None:
            unread.append(f"{port.label} : certificat non lu")
            continue
        problems, unknown = _certificate_problems(cert.structure, params, context.today)
        if problems:
            bad.append(f"{port.label} : {', '.join(problems + unknown)}")
        elif unknown:
            unread.append(f"{port.label} : {', '.join(unknown)}")
        else:
            good.append(f"{port.label} : valide")
    if bad:
        return Observation(Status.NON_COMPLIANT, confidence.CONFIRMED, "; ".join(bad + unread + good))
    if unread:
        return Observation(Status.TO_VERIFY, confidence.NONE, "; ".join(unread + good))
    return Observation(Status.COMPLIANT, confidence.BANNER, "; ".join(good))


def _certificate_problems(cert: ScriptTable, params: CertificateParams, today: date) -> tuple[list[str], list[str]]:
    """What makes the certificate invalid, and what of it could not be read."""
    problems: list[str] = []
    unknown: list[str] = []
    for part in (_validity_problems, _issuer_problems, _key_problems):
        found, unread = part(cert, params, today)
        problems += found
        unknown += unread
    return problems, unknown


Problems = tuple[list[str], list[str]]


def _validity_problems(cert: ScriptTable, params: CertificateParams, today: date) -> Problems:
    validity = cert.table("validity")
    not_after = _when(validity.elem("notAfter") if validity else None)
    not_before = _when(validity.elem("notBefore") if validity else None)
    if not_after is None or not_before is None:
        return [], ["dates de validité illisibles"]
    if not_after < not_before:
        return [], ["dates de validité incohérentes (fin avant début)"]
    problems = []
    if params.reject_expired and not_after < today:
        problems.append(f"expiré depuis le {not_after:%d/%m/%Y}")
    if not_before > today:
        problems.append(f"pas encore valide (à partir du {not_before:%d/%m/%Y})")
    if params.maximum_days and (not_after - not_before).days > params.maximum_days:
        problems.append(f"validité de {(not_after - not_before).days} jours (au plus {params.maximum_days})")
    return problems, []


def _issuer_problems(cert: ScriptTable, params: CertificateParams, today: date) -> Problems:
    problems: list[str] = []
    unknown: list[str] = []
    subject, issuer = cert.table("subject"), cert.table("issuer")
    if params.reject_self_signed:
        if subject is None or issuer is None:
            unknown.append("émetteur illisible")
        elif subject == _rekeyed(issuer, subject.key):
            problems.append("autosigné")
    signature = cert.elem("sig_algo")
    if params.forbidden_signatures and not signature:
        unknown.append("algorithme de signature illisible")
    elif signature in params.forbidden_signatures:
        problems.append(f"signé avec {signature}")
    return problems, unknown


def _key_problems(cert: ScriptTable, params: CertificateParams, today: date) -> Problems:
    pubkey = cert.table("pubkey")
    key_type = pubkey.elem("type") if pubkey else None
    bits = pubkey.elem("bits") if pubkey else None
    if key_type is None:
        return [], ["clé publique illisible"]
    if key_type != "rsa":
        return [], []
    if bits is None or not (bits.isascii() and bits.isdigit()) or len(bits) > 6:
        return [], ["taille de la clé RSA illisible"]
    if int(bits) < params.minimum_rsa_bits:
        return [f"clé RSA de {bits} bits (au moins {params.minimum_rsa_bits})"], []
    return [], []


def _rekeyed(table: ScriptTable | None, key: str | None) -> ScriptTable | None:
    return None if table is None else ScriptTable(key, table.elems, table.tables)


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?)?")


def _when(text: str | None) -> date | None:
    """An ssl-cert date (``2027-01-01T00:00:00``), or None when unreadable or absurd."""
    if not text or not text.isascii():
        return None
    match = _ISO_DATE.match(text.strip())
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
