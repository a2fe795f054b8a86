"""Builders of facts and contexts for check tests, with keyword defaults."""

from __future__ import annotations

from datetime import date

from audit_ti.checks.context import Coverage, GatewayContext
from audit_ti.models import Gateway, ScanProfile
from audit_ti.models.facts import (
    ExtraPorts,
    HostFacts,
    HostState,
    PortFacts,
    ScriptElem,
    ScriptOutput,
    ScriptTable,
    ServiceFacts,
)
from audit_ti.models.scan_facts import ScanFacts

TODAY = date(2026, 11, 22)


def table(
    key: str | None = None, elems: dict[str, str] | None = None, tables: tuple[ScriptTable, ...] = ()
) -> ScriptTable:
    return ScriptTable(key, tuple(ScriptElem(k, v) for k, v in (elems or {}).items()), tables)


def script(script_id: str, output: str = "", structure: ScriptTable | None = None) -> ScriptOutput:
    return ScriptOutput(script_id, output, structure or table())


def port(
    number: int,
    name: str = "",
    *,
    protocol: str = "tcp",
    state: str = "open",
    tunnel: str | None = None,
    method: str = "probed",
    conf: int = 10,
    product: str = "",
    scripts: tuple[ScriptOutput, ...] = (),
) -> PortFacts:
    service = ServiceFacts(name, product=product, tunnel=tunnel, method=method, confidence=conf) if name else None
    return PortFacts(protocol, number, state, "syn-ack", service, scripts)


#: What nmap says of the ports it scanned but did not list, for most hosts: closed.
CLOSED_REST = (ExtraPorts("closed"),)


def host(
    *ports: PortFacts,
    address: str = "127.0.20.1",
    state: HostState = HostState.UP,
    reason: str = "user-set",
    extraports: tuple[ExtraPorts, ...] = CLOSED_REST,
    scripts: tuple[ScriptOutput, ...] = (),
) -> HostFacts:
    return HostFacts(address, state, reason, (), ports, scripts, extraports=extraports)


def run(
    *hosts: HostFacts,
    tcp: tuple[tuple[int, int], ...] = ((1, 65535),),
    udp: tuple[tuple[int, int], ...] = (),
    scripts: frozenset[str] = frozenset({"default", "version"}),
) -> ScanFacts:
    return ScanFacts(
        args="nmap",
        finished=True,
        exit_status="success",
        scanned_tcp=tcp,
        scanned_udp=udp,
        requested_scripts=scripts,
        hosts=hosts,
    )


def gateway(name: str = "passerelle-a", *, zone: str = "iot", ports: tuple[str, ...] = ("22/tcp ssh",)) -> Gateway:
    return Gateway.model_validate(
        {"nom": name, "adresse": "127.0.20.1", "modele": "essai", "zone": zone, "ports_attendus": list(ports)},
        by_alias=True,
        by_name=False,
    )


def context(
    *ports: PortFacts,
    gw: Gateway | None = None,
    scan: ScanFacts | None = None,
    profile: ScanProfile = ScanProfile.INTRUSIVE,
    udp: bool = True,
    imported: bool = False,
    facts: HostFacts | None = None,
    host_scripts: tuple[ScriptOutput, ...] = (),
) -> GatewayContext:
    facts = facts or host(*ports, scripts=host_scripts)
    return GatewayContext(
        name=(gw or gateway()).name,
        gateway=gw or gateway(),
        host=facts,
        run=scan or run(facts, udp=((1, 65535),) if udp else ()),
        coverage=Coverage(profile, udp, "" if udp else "sondes UDP impossibles sans droits root", imported),
        today=TODAY,
    )


def audit_head(name: str, perimeter: str, reference: str = "épreuve locale") -> str:
    """The start of a test audit file: its use case, and an authorisation in force for ``perimeter``."""
    return f"""
cas_usage:
  nom: {name}
  collectivite: Commune d'essai
  domaine: autre
  responsable:
    nom: Épreuves
  date_audit: 2026-11-22
autorisation:
  reference: {reference}
  signataire: épreuves
  date: 2026-11-01
  valable_jusqu_au: 2099-12-31
  perimetre:
    - {perimeter}
"""
