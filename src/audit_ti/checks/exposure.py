"""Checks on what a gateway exposes: forbidden services, services without TLS, undeclared services."""

from __future__ import annotations

import re

from pydantic import Field

from audit_ti.checks import confidence
from audit_ti.checks.context import GatewayContext, Observation
from audit_ti.checks.registry import CheckCatalog, CheckParams
from audit_ti.checks.selection import (
    SERVICE_ABSENT,
    PortSelection,
    PortSelector,
    Regex,
    checked_ports,
    identified,
    needs_named_ports,
    script_not_run,
    script_ran,
)
from audit_ti.models.enums import NetworkZone, Status
from audit_ti.models.facts import PortSeen

__all__ = ["CHECKS", "BaselineParams", "CleartextParams", "ExposedServiceParams"]

CHECKS = CheckCatalog()


class ExposedServiceParams(PortSelection):
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


@CHECKS.check("service_expose", params=ExposedServiceParams, description="Un service interdit répond.")
@needs_named_ports
def exposed_service(context: GatewayContext, params: ExposedServiceParams) -> Observation:
    """Non-compliant when a forbidden service answers, outside the zones where it is allowed."""
    found = params.selector.pick(context.host)
    if found:
        if context.gateway.zone in params.allowed_zones:
            return Observation(
                Status.COMPLIANT,
                confidence.PROBED,
                f"{', '.join(port.description for port in found)} ; admis dans la zone « {context.gateway.zone} »",
            )
        certain = any(identified(port) or port.scripts for port in found)
        return Observation(
            Status.NON_COMPLIANT,
            confidence.PROBED if certain else confidence.PORT_ONLY,
            "; ".join(port.description for port in found),
        )
    if params.http_titles and not script_ran(context, "http-title", context.host.open_ports()):
        # A console known by its page title may answer on any port: without titles, nothing is proven.
        return script_not_run(context, "http-title")
    if not params.ports:
        # Found by name, product or page title only: absent from what the run scanned, nothing more.
        return Observation(Status.COMPLIANT, confidence.ABSENT, "aucun service correspondant parmi les ports scannés")
    return Observation(
        Status.COMPLIANT,
        confidence.ABSENT,
        "aucun service correspondant ouvert" + checked_ports(context, params.ports),
    )


class CleartextParams(PortSelection):
    """A service that must be wrapped in TLS (or DTLS) when it is present."""


@CHECKS.check("service_sans_chiffrement", params=CleartextParams, description="Un service répond sans TLS.")
@needs_named_ports
def cleartext_service(context: GatewayContext, params: CleartextParams) -> Observation:
    """Non-compliant when the service answers without TLS; not applicable when it is absent."""
    relevant = params.selector.pick(context.host)
    clear = [port for port in relevant if port.service is None or not port.service.over_tls]
    if clear:
        certain = any(identified(port) for port in clear)
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


class BaselineParams(CheckParams):
    """Compare what answered with the ports the integrator declared."""


def _compact(ranges: list[tuple[int, int]]) -> str:
    shown = [str(low) if low == high else f"{low}-{high}" for low, high in ranges[:8]]
    return ",".join(shown) + ("…" if len(ranges) > 8 else "")


def _coverage_gaps(context: GatewayContext) -> list[str]:
    """What the run left out of the ports the audit's default plan covers."""
    gaps = []
    tcp = context.run.uncovered(context.coverage.reference_tcp, "tcp")
    if tcp:
        gaps.append(f"TCP {_compact(tcp)}")
    udp = context.run.uncovered(context.coverage.reference_udp, "udp")
    if udp:
        reason = "" if context.coverage.udp else f" ({context.coverage.udp_reason or 'UDP non demandé'})"
        gaps.append(f"UDP {_compact(udp)}{reason}")
    return gaps


@CHECKS.check("ecart_ports_attendus", params=BaselineParams, description="Services ouverts mais non déclarés.")
def baseline(context: GatewayContext, params: BaselineParams) -> Observation:
    """Non-compliant for every open service the integrator did not declare.

    « Only the declared services answer » needs the run to have covered the ports the audit's
    default plan covers, with a clear answer on each UDP port of that plan.
    """
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
        if context.run.seen(context.host, ref.port, ref.protocol) is PortSeen.ABSENT
    ]
    note = f" ; déclarés mais fermés : {', '.join(missing)}" if missing else ""
    if extra:
        return Observation(
            Status.NON_COMPLIANT,
            confidence.PROBED,
            "non déclarés : " + "; ".join(port.description for port in extra) + note,
        )
    gaps = _coverage_gaps(context)
    if gaps:
        return Observation(
            Status.NOT_TESTED,
            confidence.NONE,
            f"seuls les ports déclarés répondent parmi ceux scannés, mais ports non scannés : {' ; '.join(gaps)}{note}",
        )
    unclear = [
        f"{port}/udp"
        for low, high in context.coverage.reference_udp
        for port in range(low, high + 1)
        if (port, "udp") not in declared and context.run.seen(context.host, port, "udp") is PortSeen.UNCLEAR
    ]
    if unclear:
        return Observation(
            Status.TO_VERIFY,
            confidence.NONE,
            f"ports UDP sans réponse concluante (ouverts ou filtrés ?) : {', '.join(unclear)}{note}",
        )
    return Observation(Status.COMPLIANT, confidence.ABSENT, f"seuls les ports déclarés répondent{note}")
