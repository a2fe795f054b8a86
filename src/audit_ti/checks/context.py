"""What a check sees (one gateway or the fleet) and what it concludes (observations)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from audit_ti.models.audit import Gateway
from audit_ti.models.enums import ScanProfile, Status
from audit_ti.models.facts import HostFacts
from audit_ti.models.scan_facts import ScanFacts
from audit_ti.models.vulnerabilities import NO_KNOWLEDGE, VulnerabilityKnowledge

__all__ = ["Coverage", "FleetContext", "GatewayContext", "Observation", "TargetedObservation", "worst"]


@dataclass(frozen=True, slots=True)
class Coverage:
    """What the scan was able to do.

    Attributes:
        profile: the profile the scan ran with (for an import: the profile of the audit).
        udp: True when UDP services were probed.
        udp_reason: French reason why they were not, shown in ``non_teste`` findings.
        imported: True when the facts come from an existing nmap XML, not from a scan of ours.
        reference_tcp / reference_udp: the ports the audit's default plan covers (usual ports,
            every port the grilles name, every declared port): what a scan must have covered before
            "only the declared services answer" can be said. Empty: not known (no comparison).
    """

    profile: ScanProfile
    udp: bool
    udp_reason: str = ""
    imported: bool = False
    reference_tcp: tuple[tuple[int, int], ...] = ()
    reference_udp: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class GatewayContext:
    """One declared gateway that answered the scan, with the run that observed it.

    ``knowledge`` holds the vulnerability feeds and the end-of-life list the audit was given.
    """

    name: str
    gateway: Gateway
    host: HostFacts
    run: ScanFacts
    coverage: Coverage
    today: date
    knowledge: VulnerabilityKnowledge = NO_KNOWLEDGE


@dataclass(frozen=True, slots=True)
class FleetContext:
    """Every declared gateway that answered, and the hosts nobody declared.

    Attributes:
        undeclared: hosts the runs saw but the audit does not declare.
        discovery: True when a discovery sweep looked for undeclared hosts (or an import brought them).
        unobserved: declared gateways the scan could not observe (their keys could not be compared).
    """

    gateways: tuple[GatewayContext, ...]
    undeclared: tuple[HostFacts, ...]
    discovery: bool
    coverage: Coverage
    today: date
    unobserved: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Observation:
    """What a check concludes for one gateway (the caller knows which)."""

    status: Status
    confidence: int
    evidence: str


@dataclass(frozen=True, slots=True)
class TargetedObservation:
    """What a fleet check concludes for one target: a gateway, an undeclared address, or the use case (None)."""

    target: str | None
    observation: Observation


#: From the most to the least telling outcome when several ports or checks speak for one target.
_PRECEDENCE = (
    Status.NON_COMPLIANT,
    Status.PARTIAL,
    Status.ERROR,
    Status.TO_VERIFY,
    Status.NOT_TESTED,
    Status.COMPLIANT,
    Status.NOT_APPLICABLE,
)


def worst(statuses: list[Status]) -> Status:
    """The status that must be reported when several observations concern one target."""
    return min(statuses, key=_PRECEDENCE.index) if statuses else Status.NOT_APPLICABLE
