"""What every per-gateway check shares: which ports it is about, and what the run really observed.

The rule all checks follow lives here: a check may conclude « conforme » (or « non applicable »,
the service being absent) only when every port its grille names was observed, open or absent. A
port the run did not scan makes the conclusion « non testé »; a port that did not answer clearly
(UDP « open|filtered ») makes it « à vérifier ». A script that did not run is « non testé » too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, wraps
from typing import Annotated, TypeVar

from pydantic import AfterValidator, Field

from audit_ti.checks import confidence
from audit_ti.checks.context import GatewayContext, Observation
from audit_ti.checks.registry import CheckParams
from audit_ti.checks.withheld import Withheld, withheld
from audit_ti.models.enums import Status
from audit_ti.models.facts import HostFacts, PortFacts, PortSeen
from audit_ti.models.fields import ExpectedPort, ExpectedPortField
from audit_ti.models.nse import NSE_SCRIPTS, script_categories

__all__ = [
    "NO_HTTPS_SERVICE",
    "NO_TLS_SERVICE",
    "SERVICE_ABSENT",
    "NseScriptId",
    "PortSelection",
    "PortSelector",
    "Regex",
    "identified",
    "needs_named_ports",
    "not_run_reason",
    "script_not_run",
    "script_ran",
]


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


class PortSelection(CheckParams):
    """Which ports a check looks at: by number/protocol or by nmap service name."""

    ports: list[ExpectedPortField] = Field(default_factory=list, description="Ports visés (« 23/tcp »).")
    services: list[str] = Field(default_factory=list, description="Noms de service nmap visés.")

    def _build_selector(self) -> PortSelector:
        return PortSelector(frozenset((ref.port, ref.protocol) for ref in self.ports), frozenset(self.services))

    # Read for every gateway of the fleet: worked out on first use, then plain lookups.
    @cached_property
    def selector(self) -> PortSelector:
        """The ports this check is about."""
        return self._build_selector()

    def required_ports(self) -> tuple[ExpectedPort, ...]:
        return tuple(self.ports)


def identified(port: PortFacts) -> bool:
    """True when nmap talked to the service and is sure of its name."""
    return port.service is not None and port.service.method == "probed" and port.service.confidence >= 8


# --- what was observed on the named ports -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Gaps:
    """Named ports the run did not observe: not scanned, or scanned without a clear answer."""

    unscanned: tuple[str, ...]
    unclear: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.unscanned or self.unclear)


def _gaps(context: GatewayContext, ports: Iterable[ExpectedPort]) -> _Gaps:
    unscanned: list[str] = []
    unclear: list[str] = []
    for ref in ports:
        seen = context.run.seen(context.host, ref.port, ref.protocol)
        if seen is PortSeen.NOT_SCANNED:
            unscanned.append(f"{ref.port}/{ref.protocol}")
        elif seen is PortSeen.UNCLEAR:
            unclear.append(f"{ref.port}/{ref.protocol}")
    return _Gaps(tuple(unscanned), tuple(unclear))


def _gap_observation(context: GatewayContext, gaps: _Gaps, evidence: str, named: int) -> Observation:
    # When no named port was observed, what the check said of the others is beside the point.
    observed_some = len(gaps.unscanned) + len(gaps.unclear) < named
    parts = [evidence] if evidence and observed_some else []
    if gaps.unclear:
        parts.append(f"sans réponse concluante (ouvert ou filtré ?) : {', '.join(gaps.unclear)}")
    if gaps.unscanned:
        why = ""
        if any(port.endswith("/udp") for port in gaps.unscanned) and not context.coverage.udp:
            why = f" (UDP non sondé : {context.coverage.udp_reason or 'UDP non demandé'})"
        parts.append(f"ports non scannés : {', '.join(gaps.unscanned)}{why}")
    status = Status.TO_VERIFY if gaps.unclear else Status.NOT_TESTED
    return Observation(status, confidence.NONE, " ; ".join(parts))


ParamsT = TypeVar("ParamsT", bound=PortSelection)
Check = Callable[[GatewayContext, ParamsT], Observation]


def needs_named_ports(check: Check[ParamsT]) -> Check[ParamsT]:
    """A « conforme » or « non applicable » conclusion stands only if every named port was observed.

    Whatever the check found on the ports it could read, a port of the grille the run did not
    scan (a narrowed ``scan.ports``, UDP not probed, an imported scan of other ports) or that gave
    no clear answer may hide exactly what the requirement forbids.
    """

    @wraps(check)
    def observed(context: GatewayContext, params: ParamsT) -> Observation:
        observation = check(context, params)
        if observation.status not in (Status.COMPLIANT, Status.NOT_APPLICABLE) or not params.ports:
            return observation
        gaps = _gaps(context, params.ports)
        return _gap_observation(context, gaps, observation.evidence, len(params.ports)) if gaps else observation

    return observed


def checked_ports(context: GatewayContext, ports: Sequence[ExpectedPort]) -> str:
    """The named ports the run observed, for evidence (« ports vérifiés : 23/tcp, 2323/tcp »)."""
    seen = [f"{ref.port}/{ref.protocol}" for ref in ports if context.run.covers(ref.port, ref.protocol)]
    return f" (ports vérifiés : {', '.join(seen)})" if seen else ""


# --- NSE scripts ---------------------------------------------------------------------------------


def not_run_reason(context: GatewayContext, script_id: str) -> str:
    """Why a script the check reads did not run, in French."""
    if context.coverage.imported:
        return f"script « {script_id} » absent du scan importé"
    known = NSE_SCRIPTS.get(script_id)
    why = withheld(known, context.coverage.profile, udp=context.coverage.udp) if known is not None else None
    if known is not None and why is Withheld.INTRUSIVE:
        return f"script « {script_id} » {why} ({known.why})"
    if why is Withheld.NO_UDP:
        return f"script « {script_id} » non exécuté : {why} ({context.coverage.udp_reason or 'non demandé'})"
    return f"script « {script_id} » non exécuté"


def script_not_run(context: GatewayContext, script_id: str) -> Observation:
    """« non testé », with the reason the script did not run."""
    return Observation(Status.NOT_TESTED, confidence.NONE, not_run_reason(context, script_id))


def script_ran(context: GatewayContext, script_id: str, ports: Iterable[PortFacts] = ()) -> bool:
    """True when the script ran: the run asked nmap for it (by name or category), or it printed something."""
    if any(port.script(script_id) is not None for port in ports):
        return True
    known = NSE_SCRIPTS.get(script_id)
    if known is not None and known.host_level and context.host.script(script_id) is not None:
        return True
    if known is not None and known.udp and not context.coverage.udp:
        return False
    return context.run.ran_script(script_id, script_categories(script_id))
