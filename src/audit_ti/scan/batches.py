"""The nmap runs of a scan: gateways in batches, one address family per run, and the second pass.

nmap parallelises hosts within a run, and a few runs go side by side; it scans IPv6 only with
``-6`` and never both families in one run. The second pass tries the factory credentials on the
hosts of a batch that showed a password prompt, on those ports only.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from pathlib import Path

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

__all__ = ["BATCH_SIZE", "COMMUNITY_PASS", "SECOND_PASS", "community_requests", "credential_requests", "scan_requests"]

#: Gateways per nmap run: nmap parallelises hosts within a run; a few runs go side by side.
BATCH_SIZE = 256
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


def scan_requests(scope: AuthorisedScope, plan: ScanPlan) -> list[RunRequest]:
    """The main pass: gateways in batches of BATCH_SIZE, one family of addresses per run, then discovery."""
    requests = []
    for version, addresses in sorted(_by_family([target.address for target in scope.targets]).items()):
        arguments = tuple(nmap_arguments(plan) + (["-6"] if version == 6 else []))
        suffix = "-ipv6" if version == 6 else ""
        requests += [
            RunRequest(f"scan{suffix}-{index + 1}", tuple(addresses[start : start + BATCH_SIZE]), arguments)
            for index, start in enumerate(range(0, len(addresses), BATCH_SIZE))
        ]
    for version, ranges in sorted(_by_family(list(scope.discovery)).items()):
        arguments = tuple(discovery_arguments(plan) + (["-6"] if version == 6 else []))
        requests.append(RunRequest("decouverte" + ("-ipv6" if version == 6 else ""), tuple(ranges), arguments))
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
