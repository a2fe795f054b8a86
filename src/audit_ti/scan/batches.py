"""The nmap runs of a scan: gateways in batches, one address family per run, and the second pass.

nmap parallelises hosts within a run, and a few runs go side by side; it scans IPv6 only with
``-6`` and never both families in one run. The second pass tries the factory credentials on the
hosts of a batch that showed a password prompt, on those ports only.

Batch size: the fleet is shared evenly between the runs that go side by side (``--parallele``),
within bounds that depend on the profile. Left alone, nmap cuts a run into host groups of 64 to
128 hosts (fewer with many ports) and finishes each group, slowest host and version probes
included, before starting the next; most of that time is spent waiting on UDP answers and on
services that send no banner, not on the processor. A fleet batch is therefore kept in one host
group (``--min-hostgroup``) with more probes in flight (``--min-parallelism``), so that those
waits overlap across all its gateways. Small scans (fewer than ``FLEET_MIN_BATCH`` gateways per
run) keep nmap's own settings.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from pathlib import Path

from audit_ti.models.enums import ScanProfile
from audit_ti.models.facts import HostFacts
from audit_ti.models.scan_facts import ScanFacts
from audit_ti.scan.plan import (
    CredentialFiles,
    ScanPlan,
    community_arguments,
    credential_arguments,
    discovery_arguments,
    nmap_arguments,
)
from audit_ti.scan.runner import RunRequest
from audit_ti.scan.scope import AuthorisedScope

__all__ = [
    "BATCH_SIZE",
    "COMMUNITY_PASS",
    "FLEET_MIN_BATCH",
    "MAX_BATCH",
    "SECOND_PASS",
    "batch_size",
    "community_requests",
    "credential_requests",
    "fleet_arguments",
    "scan_requests",
]

#: Largest batch of the intrusive profile (its scripts weigh more per host); the default size.
BATCH_SIZE = 256
#: Largest batch by profile: one nmap run holds this many gateways at most.
MAX_BATCH = {ScanProfile.SAFE: 512, ScanProfile.INTRUSIVE: BATCH_SIZE}
#: From this many gateways in a run, the fleet settings apply (one host group, more probes in flight).
FLEET_MIN_BATCH = 16
#: Probes nmap keeps in flight at least, in a fleet batch (its version scan caps them at 100).
FLEET_PARALLELISM = 64
#: Suffix of the label of a batch's second pass (its evidence file is named after it).
SECOND_PASS = "-identifiants"
#: Suffix of the label of a batch's counter-test with the authority's SNMP community.
COMMUNITY_PASS = "-snmp-collectivite"
#: States of 161/udp where an agent may be listening: one that refuses « public » does not answer it.
_MAYBE_AGENT = frozenset({"open", "open|filtered"})


def _by_family(items: Sequence[str]) -> dict[int, list[str]]:
    """Targets or ranges by IP version: nmap scans IPv6 only with ``-6``, and never both at once."""
    families: dict[int, list[str]] = {}
    for item in dict.fromkeys(items):
        families.setdefault(ipaddress.ip_network(item, strict=False).version, []).append(item)
    return families


def batch_size(gateways: int, profile: ScanProfile, parallel: int) -> int:
    """Gateways per nmap run: the fleet shared evenly by the runs that go side by side, within bounds.

    At least ``FLEET_MIN_BATCH`` (a run's start costs more than it saves below that), at most the
    profile's ``MAX_BATCH``.
    """
    share = -(-max(gateways, 1) // max(parallel, 1))
    return min(MAX_BATCH[profile], max(FLEET_MIN_BATCH, share))


def fleet_arguments(batch: int) -> list[str]:
    """nmap's options for a fleet batch of ``batch`` gateways: one host group, more probes in flight."""
    if batch < FLEET_MIN_BATCH:
        return []
    return ["--min-hostgroup", str(batch), "--min-parallelism", str(FLEET_PARALLELISM)]


def _timeout(plan: ScanPlan) -> float:
    """Seconds a batch may take: its hosts run side by side, each bounded by the host timeout."""
    return 2.0 * plan.host_timeout_s + 120.0


def scan_requests(scope: AuthorisedScope, plan: ScanPlan, size: int = BATCH_SIZE) -> list[RunRequest]:
    """The main pass: gateways in batches of ``size``, one family of addresses per run, then discovery."""
    requests = []
    for version, addresses in sorted(_by_family([target.address for target in scope.targets]).items()):
        arguments = [*nmap_arguments(plan), *(["-6"] if version == 6 else [])]
        suffix = "-ipv6" if version == 6 else ""
        for index, start in enumerate(range(0, len(addresses), size)):
            batch = tuple(addresses[start : start + size])
            requests.append(
                RunRequest(
                    f"scan{suffix}-{index + 1}",
                    batch,
                    tuple(arguments + fleet_arguments(len(batch))),
                    timeout_s=_timeout(plan) if len(batch) >= FLEET_MIN_BATCH else None,
                )
            )
    for version, ranges in sorted(_by_family(list(scope.discovery)).items()):
        sweep = tuple(discovery_arguments(plan) + (["-6"] if version == 6 else []))
        requests.append(RunRequest("decouverte" + ("-ipv6" if version == 6 else ""), tuple(ranges), sweep))
    return requests


def _follow_ups(
    scope: AuthorisedScope,
    facts: dict[str, ScanFacts],
    suffix: str,
    ports_of: Callable[[HostFacts], set[tuple[int, str]]],
    arguments_for: Callable[[list[tuple[int, str]]], list[str]],
) -> list[RunRequest]:
    """One follow-up run per batch: its authorised hosts with ports to try again, on those ports only."""
    authorised = {target.address for target in scope.targets}
    requests = []
    for label, run in facts.items():
        if label.startswith("decouverte"):
            continue
        wanted = {host.address: ports_of(host) for host in run.hosts if host.address in authorised}
        targets = tuple(address for address, ports in wanted.items() if ports)
        if not targets:
            continue
        arguments = arguments_for(sorted(set().union(*wanted.values())))
        if ipaddress.ip_address(targets[0]).version == 6:
            arguments.append("-6")
        requests.append(RunRequest(label + suffix, targets, tuple(arguments)))
    return requests


def credential_requests(
    scope: AuthorisedScope, plan: ScanPlan, files: CredentialFiles, facts: dict[str, ScanFacts]
) -> list[RunRequest]:
    """The second pass of each batch: its hosts that showed a password prompt, on those ports only."""
    return _follow_ups(
        scope,
        facts,
        SECOND_PASS,
        lambda host: {(port.port, port.protocol) for port in plan.prompt_ports(host)},
        lambda ports: credential_arguments(plan, files, ports),
    )


def _maybe_agent(host: HostFacts) -> set[tuple[int, str]]:
    """161/udp when an SNMP agent may listen there (UDP scanned, port not closed)."""
    port = host.port(161, "udp")
    return {(161, "udp")} if port is not None and port.state in _MAYBE_AGENT else set()


def community_requests(
    scope: AuthorisedScope, plan: ScanPlan, script: str, arguments_file: Path, facts: dict[str, ScanFacts]
) -> list[RunRequest]:
    """The counter-test of each batch: its hosts where 161/udp may hold an agent (UDP scanned, not closed)."""
    return _follow_ups(
        scope, facts, COMMUNITY_PASS, _maybe_agent, lambda _ports: community_arguments(plan, script, arguments_file)
    )
