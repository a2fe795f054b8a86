"""Generic network checks, parametrised by the grille: one function serves many requirements.

Each check is a pure function ``(GatewayContext, params) -> Observation``: one conclusion for one
gateway. A check that cannot conclude says ``non_teste`` with the reason; nothing here ever
defaults to ``conforme``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Annotated

from pydantic import AfterValidator, Field

from audit_ti.checks import confidence
from audit_ti.checks.context import GatewayContext, Observation, worst
from audit_ti.checks.registry import CheckParams, CheckRegistry
from audit_ti.models.enums import NetworkZone, ScanProfile, Status
from audit_ti.models.facts import HostFacts, PortFacts, ScriptOutput, ScriptTable
from audit_ti.models.fields import ExpectedPort, ExpectedPortField
from audit_ti.models.nse import NSE_SCRIPTS, script_categories

__all__ = ["register_network_checks"]


def _known_script(script_id: str) -> str:
    if script_id not in NSE_SCRIPTS:
        raise ValueError(
            f"script NSE « {script_id} » inconnu d'audit-ti (scripts connus : {', '.join(sorted(NSE_SCRIPTS))})"
        )
    return script_id


NseScriptId = Annotated[str, AfterValidator(_known_script)]


def _valid_regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValueError(f"expression régulière non valide « {pattern} » ({error})") from None
    return pattern


Regex = Annotated[str, AfterValidator(_valid_regex)]

# The usual conclusions when the service is not there: shared, not rebuilt for every gateway.
SERVICE_ABSENT = Observation(Status.NOT_APPLICABLE, confidence.ABSENT, "service absent")
NO_TLS_SERVICE = Observation(Status.NOT_APPLICABLE, confidence.ABSENT, "aucun service TLS")
NO_HTTPS_SERVICE = Observation(Status.NOT_APPLICABLE, confidence.ABSENT, "aucun service HTTPS")


@dataclass(frozen=True, slots=True)
class PortSelector:
    """Which open ports a check is about, built once from its parameters (looked up for every port)."""

    keys: frozenset[tuple[int, str]]
    names: frozenset[str]
    products: tuple[re.Pattern[str], ...] = ()
    titles: tuple[re.Pattern[str], ...] = ()

    def matches(self, port: PortFacts) -> bool:
        """True when the port is one the check is about."""
        service = port.service
        if (port.port, port.protocol) in self.keys or (service is not None and service.name in self.names):
            return True
        if (
            self.products
            and service is not None
            and service.product
            and any(pattern.search(service.product) for pattern in self.products)
        ):
            return True
        if self.titles and (title := port.script("http-title")) is not None:
            return any(pattern.search(title.output) for pattern in self.titles)
        return False

    def pick(self, host: HostFacts) -> list[PortFacts]:
        """The open ports of ``host`` the check is about, in nmap's order."""
        if (
            not self.products
            and not self.titles
            and self.keys.isdisjoint(host.open_keys)
            and self.names.isdisjoint(host.open_service_names)
        ):
            return []
        return [port for port in host.open_ports() if self.matches(port)]


class _PortSelection(CheckParams):
    """Which ports a check looks at: by number/protocol or by nmap service name."""

    ports: list[ExpectedPortField] = Field(default_factory=list, description="Ports visés (« 23/tcp »).")
    services: list[str] = Field(default_factory=list, description="Noms de service nmap visés.")

    def _build_selector(self) -> PortSelector:
        return PortSelector(frozenset((ref.port, ref.protocol) for ref in self.ports), frozenset(self.services))

    # Both are read for every gateway of the fleet: worked out on first use, then plain lookups.
    @cached_property
    def selector(self) -> PortSelector:
        """The ports this check is about."""
        return self._build_selector()

    @cached_property
    def udp_only(self) -> bool:
        """True when every port the check names is UDP."""
        return bool(self.ports) and all(ref.protocol == "udp" for ref in self.ports)

    def required_ports(self) -> tuple[ExpectedPort, ...]:
        return tuple(self.ports)


def _identified(port: PortFacts) -> bool:
    return port.service is not None and port.service.method == "probed" and port.service.confidence >= 8


def _not_tested_udp(context: GatewayContext, what: str) -> Observation:
    return Observation(
        Status.NOT_TESTED,
        confidence.NONE,
        f"{what} : ports UDP non sondés ({context.coverage.udp_reason or 'UDP non demandé'})",
    )


def _uncovered(context: GatewayContext, ports: Iterable[ExpectedPort]) -> list[str]:
    return [str(ref) for ref in ports if not context.run.covers(ref.port, ref.protocol)]


# --- service exposé ------------------------------------------------------------------------


class ExposedServiceParams(_PortSelection):
    """A service that must not be reachable (telnet, Modbus, a debug console…)."""

    products: list[Regex] = Field(
        default_factory=list,
        alias="produits",
        description="Motifs (expressions régulières) du produit détecté.",
    )
    http_titles: list[Regex] = Field(
        default_factory=list, alias="titres_http", description="Motifs du titre de page (script http-title)."
    )
    allowed_zones: list[NetworkZone] = Field(
        default_factory=list,
        alias="zones_autorisees",
        description="Zones réseau où le service est admis (par exemple « ot » pour Modbus).",
    )

    def required_scripts(self) -> frozenset[str]:
        return frozenset({"http-title"}) if self.http_titles else frozenset()

    def _build_selector(self) -> PortSelector:
        base = super()._build_selector()
        return PortSelector(
            base.keys,
            base.names,
            tuple(re.compile(pattern, re.IGNORECASE) for pattern in self.products),
            tuple(re.compile(pattern, re.IGNORECASE) for pattern in self.http_titles),
        )


def exposed_service(context: GatewayContext, params: ExposedServiceParams) -> Observation:
    """Non-compliant when a forbidden service answers, outside the zones where it is allowed."""
    if params.udp_only and not context.coverage.udp:
        return _not_tested_udp(context, "service UDP")
    found = params.selector.pick(context.host)
    if found:
        if context.gateway.zone in params.allowed_zones:
            return Observation(
                Status.COMPLIANT,
                confidence.PROBED,
                f"{', '.join(port.description for port in found)} ; admis dans la zone « {context.gateway.zone} »",
            )
        certain = any(_identified(port) or port.scripts for port in found)
        return Observation(
            Status.NON_COMPLIANT,
            confidence.PROBED if certain else confidence.PORT_ONLY,
            "; ".join(port.description for port in found),
        )
    return _absence(context, params)


def _absence(context: GatewayContext, params: ExposedServiceParams) -> Observation:
    """What the absence of the service proves: it depends on the run only, so it is worked out once."""
    key = ("absence", id(context.run), id(params))
    known = context.memo.get(key)
    if isinstance(known, Observation):
        return known
    missing = _uncovered(context, params.ports)
    if missing and len(missing) == len(params.ports) and not params.services:
        result = Observation(Status.NOT_TESTED, confidence.NONE, f"ports non scannés : {', '.join(missing)}")
    else:
        scanned = [str(ref) for ref in params.ports if str(ref) not in missing]
        evidence = "aucun service correspondant ouvert"
        if scanned:
            evidence += f" (ports vérifiés : {', '.join(scanned)})"
        if missing:
            evidence += f" ; non scannés : {', '.join(missing)}"
        result = Observation(Status.COMPLIANT, confidence.ABSENT, evidence)
    context.memo[key] = result
    return result


# --- service sans chiffrement ----------------------------------------------------------------


class CleartextParams(_PortSelection):
    """A service that must be wrapped in TLS (or DTLS) when it is present."""


def cleartext_service(context: GatewayContext, params: CleartextParams) -> Observation:
    """Non-compliant when the service answers without TLS; not applicable when it is absent."""
    if params.udp_only and not context.coverage.udp:
        return _not_tested_udp(context, "service UDP")
    relevant = params.selector.pick(context.host)
    clear = [port for port in relevant if port.service is None or not port.service.over_tls]
    if clear:
        certain = any(_identified(port) for port in clear)
        return Observation(
            Status.NON_COMPLIANT,
            confidence.PROBED if certain else confidence.PORT_ONLY,
            "sans chiffrement : " + "; ".join(port.description for port in clear),
        )
    if relevant:
        return Observation(
            Status.COMPLIANT,
            confidence.PROBED,
            "chiffré : " + "; ".join(port.description for port in relevant),
        )
    return SERVICE_ABSENT


# --- résultat d'un script NSE ----------------------------------------------------------------


class ScriptRule(CheckParams):
    """If the script output matches ``pattern``, the status is ``status``."""

    pattern: Regex = Field(alias="motif", description="Expression régulière cherchée dans la sortie du script.")
    status: Status = Field(alias="statut")

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """The compiled pattern, case-insensitive."""
        return re.compile(self.pattern, re.IGNORECASE)


class ScriptResultParams(_PortSelection):
    """What an NSE script's output means for the requirement."""

    script: NseScriptId = Field(description="Identifiant du script NSE.")
    rules: list[ScriptRule] = Field(
        alias="regles", min_length=1, description="La première règle qui s'applique décide."
    )
    no_output: Status = Field(
        alias="sans_sortie", description="Statut quand le script a tourné sur le service sans rien afficher."
    )
    unmatched: Status = Field(
        default=Status.TO_VERIFY, alias="autre_sortie", description="Statut quand aucune règle ne s'applique."
    )
    absent: Status = Field(
        default=Status.NOT_APPLICABLE,
        alias="service_absent",
        description="Statut quand aucun port visé n'est ouvert (par défaut : non applicable).",
    )
    absent_evidence: str = Field(default="service absent", alias="preuve_service_absent")

    def required_scripts(self) -> frozenset[str]:
        return frozenset({self.script})

    @cached_property
    def absent_observation(self) -> Observation:
        """The conclusion when none of the ports is open (the same for every such gateway)."""
        return Observation(self.absent, confidence.ABSENT, self.absent_evidence)


def _not_run_reason(context: GatewayContext, script_id: str) -> str:
    known = NSE_SCRIPTS.get(script_id)
    if context.coverage.imported:
        return f"script « {script_id} » absent du scan importé"
    if known is not None and known.profile is ScanProfile.INTRUSIVE and context.coverage.profile is ScanProfile.SAFE:
        return f"script « {script_id} » réservé au profil intrusif ({known.why})"
    return f"script « {script_id} » non exécuté"


def _script_not_run(context: GatewayContext, script_id: str) -> Observation:
    return Observation(Status.NOT_TESTED, confidence.NONE, _not_run_reason(context, script_id))


def _script_ran(context: GatewayContext, script_id: str) -> bool:
    return context.run.ran_script(script_id, script_categories(script_id))


def script_result(context: GatewayContext, params: ScriptResultParams) -> Observation:
    """Read one NSE script's output on the relevant ports and apply the grille's rules."""
    known = NSE_SCRIPTS.get(params.script)
    if known is not None and known.udp and not context.coverage.udp:
        return _not_tested_udp(context, f"script « {params.script} »")
    relevant = params.selector.pick(context.host)
    if not relevant:
        return params.absent_observation
    outputs: list[tuple[str, ScriptOutput | None]]
    if known is not None and known.host_level:
        # A host script speaks once for the host, whichever of the ports it talked to.
        outputs = [(", ".join(port.label for port in relevant), context.host.script(params.script))]
    else:
        outputs = [(port.label, port.script(params.script)) for port in relevant]
    statuses: list[Status] = []
    evidence: list[str] = []
    for label, output in outputs:
        if output is None:
            if not _script_ran(context, params.script):
                return _script_not_run(context, params.script)
            statuses.append(params.no_output)
            evidence.append(f"{label} : « {params.script} » sans résultat")
            continue
        rule = next((rule for rule in params.rules if rule.regex.search(output.text)), None)
        statuses.append(rule.status if rule else params.unmatched)
        evidence.append(f"{label} {params.script} : {output.summary}")
    status = worst(statuses)
    level = confidence.CONFIRMED if status in (Status.NON_COMPLIANT, Status.PARTIAL) else confidence.BANNER
    return Observation(status, level, "; ".join(evidence))


# --- valeurs interdites dans la structure d'un script ------------------------------------------


class ForbiddenValuesParams(_PortSelection):
    """Values a script must not list (weak SSH algorithms in ``ssh2-enum-algos``…)."""

    script: NseScriptId
    tables: list[str] = Field(default_factory=list, description="Tables du script à lire ; vide : toutes.")
    forbidden: list[str] = Field(alias="interdits", min_length=1, description="Valeurs interdites (exactes).")

    def required_scripts(self) -> frozenset[str]:
        return frozenset({self.script})


def forbidden_values(context: GatewayContext, params: ForbiddenValuesParams) -> Observation:
    """Non-compliant when the script lists a forbidden value; not applicable without the service."""
    relevant = params.selector.pick(context.host)
    if not relevant:
        return SERVICE_ABSENT
    forbidden = set(params.forbidden)
    bad: list[str] = []
    unread: list[str] = []
    for port in relevant:
        output = port.script(params.script)
        if output is None:
            if not _script_ran(context, params.script):
                return _script_not_run(context, params.script)
            unread.append(port.label)
            continue
        tables = [t for t in output.structure.tables if not params.tables or t.key in params.tables]
        values = {value for table in tables for value in table.values()}
        bad.extend(f"{port.label} {value}" for value in sorted(values & forbidden))
    if bad:
        return Observation(Status.NON_COMPLIANT, confidence.CONFIRMED, "proposés : " + ", ".join(bad))
    if unread:
        return Observation(
            Status.TO_VERIFY,
            confidence.NONE,
            f"« {params.script} » sans résultat sur {', '.join(unread)}",
        )
    return Observation(Status.COMPLIANT, confidence.BANNER, "aucune valeur interdite proposée")


# --- configuration TLS ----------------------------------------------------------------------

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

    def required_scripts(self) -> frozenset[str]:
        return frozenset({"ssl-enum-ciphers", "sslv2"})


def tls_configuration(context: GatewayContext, params: TlsParams) -> Observation:
    """Read ``ssl-enum-ciphers`` (and ``sslv2``) on every TLS port."""
    tls_ports = [
        port
        for port in context.host.open_ports()
        if (port.service is not None and port.service.over_tls) or port.script("ssl-enum-ciphers")
    ]
    if not tls_ports:
        return NO_TLS_SERVICE
    statuses: list[Status] = []
    evidence: list[str] = []
    for port in tls_ports:
        status, text = _tls_port(context, port, params)
        statuses.append(status)
        evidence.append(f"{port.label} : {text}")
    status = worst(statuses)
    level = confidence.CONFIRMED if status is not Status.NOT_TESTED else confidence.NONE
    return Observation(status, level, "; ".join(evidence))


def _tls_port(context: GatewayContext, port: PortFacts, params: TlsParams) -> tuple[Status, str]:
    enum = port.script("ssl-enum-ciphers")
    if enum is None:
        if not _script_ran(context, "ssl-enum-ciphers"):
            return Status.NOT_TESTED, _not_run_reason(context, "ssl-enum-ciphers")
        return Status.TO_VERIFY, "aucune poignée de main TLS réussie"
    protocols = [table.key for table in enum.structure.tables if table.key]
    sslv2 = port.script("sslv2")
    if sslv2 is not None and "SSLv2 supported" in sslv2.output:
        protocols.append("SSLv2")
    problems = [p for p in protocols if p in params.forbidden_protocols]
    grade = enum.structure.elem("least strength")
    text = f"protocoles {', '.join(protocols) or 'inconnus'}"
    if grade:
        text += f", suite la plus faible notée {grade}"
    if problems:
        return Status.NON_COMPLIANT, text + f" (interdits : {', '.join(problems)})"
    if params.minimum_grade and grade and _GRADES.find(grade) > _GRADES.find(params.minimum_grade):
        return Status.NON_COMPLIANT, text + f" (note minimale {params.minimum_grade})"
    return Status.COMPLIANT, text


# --- certificat -----------------------------------------------------------------------------


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


def certificate(context: GatewayContext, params: CertificateParams) -> Observation:
    """Read ``ssl-cert`` on every TLS port and list what makes each certificate invalid."""
    found = [(port, cert) for port in context.host.open_ports() if (cert := port.script("ssl-cert")) is not None]
    if not found:
        tls = [p for p in context.host.open_ports() if p.service is not None and p.service.over_tls]
        if not tls:
            return NO_TLS_SERVICE
        if not _script_ran(context, "ssl-cert"):
            return _script_not_run(context, "ssl-cert")
        return Observation(Status.TO_VERIFY, confidence.NONE, "certificat non lu")
    bad: list[str] = []
    good: list[str] = []
    for port, cert in found:
        problems = _certificate_problems(cert.structure, params, context.today)
        (bad if problems else good).append(f"{port.label} : {', '.join(problems) or 'valide'}")
    if bad:
        return Observation(Status.NON_COMPLIANT, confidence.CONFIRMED, "; ".join(bad + good))
    return Observation(Status.COMPLIANT, confidence.BANNER, "; ".join(good))


def _certificate_problems(cert: ScriptTable, params: CertificateParams, today: date) -> list[str]:
    problems = []
    validity = cert.table("validity")
    not_after = _when(validity.elem("notAfter") if validity else None)
    not_before = _when(validity.elem("notBefore") if validity else None)
    if params.reject_expired and not_after is not None and not_after < today:
        problems.append(f"expiré depuis le {not_after:%d/%m/%Y}")
    if not_before is not None and not_before > today:
        problems.append(f"pas encore valide (à partir du {not_before:%d/%m/%Y})")
    if params.maximum_days and not_after and not_before and (not_after - not_before).days > params.maximum_days:
        problems.append(f"validité de {(not_after - not_before).days} jours (au plus {params.maximum_days})")
    subject, issuer = cert.table("subject"), cert.table("issuer")
    if params.reject_self_signed and subject is not None and subject == _rekeyed(issuer, subject.key):
        problems.append("autosigné")
    signature = cert.elem("sig_algo")
    if signature in params.forbidden_signatures:
        problems.append(f"signé avec {signature}")
    pubkey = cert.table("pubkey")
    bits = pubkey.elem("bits") if pubkey else None
    rsa_bits = int(bits) if pubkey is not None and pubkey.elem("type") == "rsa" and bits and bits.isdigit() else None
    if rsa_bits is not None and rsa_bits < params.minimum_rsa_bits:
        problems.append(f"clé RSA de {bits} bits (au moins {params.minimum_rsa_bits})")
    return problems


def _rekeyed(table: ScriptTable | None, key: str | None) -> ScriptTable | None:
    return None if table is None else ScriptTable(key, table.elems, table.tables)


def _when(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text[:19]).date()
    except ValueError:
        return None


# --- écart avec les ports déclarés ----------------------------------------------------------


class BaselineParams(CheckParams):
    """Compare what answered with the ports the integrator declared."""


def baseline(context: GatewayContext, params: BaselineParams) -> Observation:
    """Non-compliant for every open service the integrator did not declare."""
    declared = context.gateway.expected_keys
    if not declared:
        return Observation(
            Status.TO_VERIFY,
            confidence.NONE,
            "aucun port attendu déclaré (« ports_attendus ») : rien à comparer",
        )
    extra = [port for port in context.host.open_ports() if (port.port, port.protocol) not in declared]
    missing = [
        str(ref)
        for ref in context.gateway.expected_ports
        if context.run.covers(ref.port, ref.protocol)
        and (port := context.host.port(ref.port, ref.protocol)) is not None
        and not port.is_open
    ]
    note = f" ; déclarés mais fermés : {', '.join(missing)}" if missing else ""
    if extra:
        return Observation(
            Status.NON_COMPLIANT,
            confidence.PROBED,
            "non déclarés : " + "; ".join(port.description for port in extra) + note,
        )
    udp_note = "" if context.coverage.udp else " (TCP seulement : UDP non sondé)"
    return Observation(
        Status.COMPLIANT,
        confidence.ABSENT,
        f"seuls les ports déclarés répondent{udp_note}{note}",
    )


# --- en-têtes de sécurité HTTP --------------------------------------------------------------


class HeadersParams(CheckParams):
    """HTTP security headers every HTTPS administration page must send."""

    required: list[str] = Field(
        alias="requis", min_length=1, description="Noms d'en-têtes, par exemple Strict-Transport-Security."
    )

    def required_scripts(self) -> frozenset[str]:
        return frozenset({"http-security-headers"})


def security_headers(context: GatewayContext, params: HeadersParams) -> Observation:
    """Non-compliant when an HTTPS service omits a required header."""
    https = [
        port
        for port in context.host.open_ports()
        if port.service is not None and port.service.over_tls and port.service.name.startswith("http")
    ]
    if not https:
        return NO_HTTPS_SERVICE
    missing: list[str] = []
    unread: list[str] = []
    for port in https:
        output = port.script("http-security-headers")
        if output is None:
            if not _script_ran(context, "http-security-headers"):
                return _script_not_run(context, "http-security-headers")
            unread.append(port.label)
            continue
        text = output.text.lower()
        missing.extend(f"{port.label} {name}" for name in params.required if name.lower() not in text)
    if missing:
        return Observation(
            Status.NON_COMPLIANT,
            confidence.BANNER,
            "en-têtes absents : " + ", ".join(missing),
        )
    return Observation(
        Status.COMPLIANT,
        confidence.BANNER,
        "en-têtes présents : " + ", ".join(params.required),
    )


def register_network_checks(registry: CheckRegistry) -> None:
    """Register the generic per-gateway checks."""
    registry.register("service_expose", params=ExposedServiceParams, description="Un service interdit répond.")(
        exposed_service
    )
    registry.register("service_sans_chiffrement", params=CleartextParams, description="Un service répond sans TLS.")(
        cleartext_service
    )
    registry.register(
        "resultat_script",
        params=ScriptResultParams,
        description="La sortie d'un script NSE décide du statut.",
    )(script_result)
    registry.register(
        "valeurs_interdites",
        params=ForbiddenValuesParams,
        description="Un script NSE liste une valeur interdite.",
    )(forbidden_values)
    registry.register(
        "configuration_tls", params=TlsParams, description="Versions de TLS et force des suites proposées."
    )(tls_configuration)
    registry.register("certificat", params=CertificateParams, description="Validité du certificat serveur.")(
        certificate
    )
    registry.register("ecart_ports_attendus", params=BaselineParams, description="Services ouverts mais non déclarés.")(
        baseline
    )
    registry.register("en_tetes_securite", params=HeadersParams, description="En-têtes de sécurité des pages HTTPS.")(
        security_headers
    )
