"""Grille + scan facts + declarative answers → findings, one per requirement and target.

A gateway the scan could not observe gets ``erreur`` (or ``non_teste`` for an import that does not
cover it) for every network requirement: never ``conforme``.

A fleet repeats itself: gateways of one model, configured alike, answer the scan alike. A gateway
check reads the host's ports, scripts and state, the run, the coverage, the day, the vulnerability
knowledge and the gateway's declaration, never the gateway's name nor its address (fleet checks
do, and are never shared), nor a device's own key fingerprint unless the grille names its script:
gateways whose facts and declaration are equal but for these form one group, and each gateway
check runs once per group (``_Groups``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from audit_ti.checks import confidence
from audit_ti.checks.context import Coverage, FleetContext, GatewayContext, Observation, worst
from audit_ti.checks.registry import CheckParams, CheckRegistry, CheckScope
from audit_ti.cyber.finding_blocks import block_template, observed_block, rows_block, with_acceptances
from audit_ti.models.audit import Audit, Gateway
from audit_ti.models.bulk import paused_garbage_collector
from audit_ti.models.enums import FindingSource, Nature, Status
from audit_ti.models.facts import HostFacts, HostState, PortFacts, ScriptOutput
from audit_ti.models.fields import is_hostname
from audit_ti.models.finding import Finding
from audit_ti.models.finding_table import FindingBlock, FindingTable
from audit_ti.models.grille import Grille, Requirement
from audit_ti.models.scan_facts import ScanFacts, merge_hosts
from audit_ti.models.vulnerabilities import NO_KNOWLEDGE, VulnerabilityKnowledge

__all__ = ["Evaluated", "NetworkEvidence", "evaluate_findings"]


@dataclass(frozen=True)
class NetworkEvidence:
    """What the network side brings to the evaluation.

    Attributes:
        runs: parsed nmap runs (a live scan's batches, or one imported file).
        coverage: profile, UDP, live or imported.
        addresses: gateway name → address actually scanned (names are resolved once by the guard).
        discovery: True when undeclared hosts were looked for.
        interrupted: True when a run was cut short.
        knowledge: the vulnerability feeds and end-of-life list the audit names (none by default).
    """

    runs: tuple[ScanFacts, ...]
    coverage: Coverage
    addresses: Mapping[str, str]
    discovery: bool
    interrupted: bool = False
    knowledge: VulnerabilityKnowledge = NO_KNOWLEDGE


#: Scripts whose output is one device's own key fingerprint: read by the fleet check that compares
#: keys across gateways, by no built-in gateway check (only a grille's generic check may name one).
_FINGERPRINTS = frozenset({"ssh-hostkey"})


def _unread_fingerprints(grilles: Sequence[Grille], registry: CheckRegistry) -> frozenset[str]:
    """Fingerprint scripts no gateway check of these grilles reads: left out of the group key."""
    named: set[str] = set()
    for grille in grilles:
        for item in grille.items:
            for scope, _, params in _params(registry, item):
                if scope is CheckScope.GATEWAY:
                    named |= params.required_scripts()
    return _FINGERPRINTS - named


class _Groups:
    """Gateways whose checks must conclude alike: equal facts (but the address, the names the host
    goes by and the output of the fingerprint scripts in ``unread``), the same run, and equal
    declarations (but the name and the address)."""

    def __init__(self, unread: frozenset[str] = frozenset()) -> None:
        self._unread = unread
        self._ids: dict[tuple[object, ...], int] = {}
        self.of: dict[str, int] = {}

    def _scripts(self, scripts: tuple[ScriptOutput, ...]) -> tuple[object, ...]:
        # A fingerprint script nobody reads still ran: its id stays, its output goes.
        return tuple(script.id if script.id in self._unread else script for script in scripts)

    def _port(self, port: PortFacts) -> object:
        if not any(script.id in self._unread for script in port.scripts):
            return port
        return (port.protocol, port.port, port.state, port.reason, port.service, self._scripts(port.scripts))

    def add(self, context: GatewayContext) -> None:
        host, gateway = context.host, context.gateway
        key = (
            id(context.run),
            host.state,
            host.reason,
            tuple(self._port(port) for port in host.ports) if self._unread else host.ports,
            self._scripts(host.scripts),
            host.extraports,
            gateway.model_dump_json(exclude={"name", "address"}),
        )
        self.of[context.name] = self._ids.setdefault(key, len(self._ids))


def _shared(function: Callable[..., Observation], params: CheckParams, groups: _Groups) -> Callable[..., Observation]:
    """``function`` run once per group of gateways for these parameters."""
    done: dict[int, Observation] = {}

    def run(context: GatewayContext) -> Observation:
        group = groups.of[context.name]
        observation = done.get(group)
        if observation is None:
            observation = done[group] = function(context, params)
        return observation

    return run


class _Rows:
    """The gateways in declaration order, each row pointing at its slot: its group, or its own failure.

    A requirement checked by one gateway check is evaluated once per slot (its representative: the
    group's first gateway, or the failure's observation); its findings' rows are these slots.
    """

    def __init__(
        self,
        gateways: Sequence[Gateway],
        contexts: Mapping[str, GatewayContext],
        failures: Mapping[str, Observation],
        groups: _Groups,
    ) -> None:
        slots: dict[object, int] = {}
        self.representatives: list[GatewayContext | Observation] = []
        targets: list[str] = []
        rows: list[int] = []
        for gateway in gateways:
            context = contexts.get(gateway.name)
            if context is None and gateway.name not in failures:
                continue
            key: object = groups.of[gateway.name] if context is not None else ("failure", gateway.name)
            slot = slots.get(key)
            if slot is None:
                slot = slots[key] = len(self.representatives)
                self.representatives.append(context if context is not None else failures[gateway.name])
            targets.append(gateway.name)
            rows.append(slot)
        self.targets = tuple(targets)
        self.rows = tuple(rows)


@dataclass(frozen=True)
class Evaluated:
    """The findings, and the gateways the network side could not observe (name → French reason)."""

    findings: FindingTable
    unobserved: Mapping[str, str]


def evaluate_findings(
    audit: Audit,
    grilles: Sequence[Grille],
    evidence: NetworkEvidence,
    registry: CheckRegistry,
    today: date,
) -> Evaluated:
    """Every finding of the cyber audit, in grille order, gateways in declaration order."""
    with paused_garbage_collector():
        return _evaluate(audit, grilles, evidence, registry, today)


def _evaluate(
    audit: Audit, grilles: Sequence[Grille], evidence: NetworkEvidence, registry: CheckRegistry, today: date
) -> Evaluated:
    contexts, failures, undeclared = _observe(audit, evidence, today)
    groups = _Groups(_unread_fingerprints(grilles, registry))
    for context in contexts.values():
        groups.add(context)
    rows = _Rows(audit.gateways, contexts, failures, groups)
    fleet = FleetContext(
        tuple(contexts.values()), undeclared, evidence.discovery, evidence.coverage, today, tuple(failures)
    )
    source = FindingSource.IMPORT if evidence.coverage.imported else FindingSource.SCAN
    blocks: list[FindingBlock] = []
    for grille in grilles:
        for item in grille.items:
            if item.nature in (Nature.NETWORK, Nature.MIXED):
                template = block_template(grille, item, source)
                blocks.append(
                    _network(
                        item,
                        template,
                        rows=rows,
                        contexts=contexts,
                        failures=failures,
                        fleet=fleet,
                        registry=registry,
                        groups=groups,
                    )
                )
            if item.nature in (Nature.DECLARATIVE, Nature.MIXED):
                blocks.append(_declared(grille, item, audit))
    return Evaluated(
        FindingTable(with_acceptances(blocks, audit.accepted_risks, today)),
        {name: failure.evidence for name, failure in failures.items()},
    )


def _address_of(gateway: Gateway, evidence: NetworkEvidence) -> str:
    return evidence.addresses.get(gateway.name, gateway.address)


def _observe(
    audit: Audit, evidence: NetworkEvidence, today: date
) -> tuple[dict[str, GatewayContext], dict[str, Observation], tuple[HostFacts, ...]]:
    hosts = merge_hosts(evidence.runs)
    by_name = {name: address for address, (host, _) in hosts.items() for name in host.hostnames}
    skipped = {target for run in evidence.runs for target in run.skipped_targets}
    contexts: dict[str, GatewayContext] = {}
    unobserved: dict[str, Observation] = {}
    declared: set[str] = set()
    for gateway in audit.gateways:
        address = _address_of(gateway, evidence)
        if address not in hosts and is_hostname(address):
            # A gateway declared by name meets its host by name; an address never does (a PTR record
            # claiming « 127.0.10.3 » must not stand in for 127.0.10.3).
            address = by_name.get(address, address)
        declared.add(address)
        found = hosts.get(address)
        if found is None:
            unobserved[gateway.name] = _missing(address, gateway, evidence, skipped)
            continue
        host, run = found
        if host.state is HostState.UP:
            contexts[gateway.name] = GatewayContext(
                gateway.name, gateway, host, run, evidence.coverage, today, evidence.knowledge
            )
        elif host.state is HostState.TIMED_OUT:
            unobserved[gateway.name] = _unobserved(f"{address} : délai dépassé, scan abandonné par nmap")
        else:
            unobserved[gateway.name] = _unobserved(f"{address} ne répond pas ({host.reason or 'aucune réponse'})")
    undeclared = tuple(host for address, (host, _) in hosts.items() if address not in declared)
    return contexts, unobserved, undeclared


def _unobserved(reason: str, status: Status = Status.ERROR) -> Observation:
    """What stands for every network requirement of a gateway the scan could not observe."""
    return Observation(status, confidence.NONE, reason)


def _missing(address: str, gateway: Gateway, evidence: NetworkEvidence, skipped: set[str]) -> Observation:
    if evidence.coverage.imported:
        return _unobserved(f"{address} absente du scan importé", Status.NOT_TESTED)
    if address in skipped or gateway.address in skipped:
        return _unobserved(f"{address} injoignable (aucune route) : rien n'a pu être testé")
    if evidence.interrupted:
        return _unobserved(f"{address} : scan interrompu avant la fin de cette passerelle")
    return _unobserved(f"{address} absente de la sortie de nmap")


def _params(registry: CheckRegistry, item: Requirement) -> list[tuple[CheckScope, Callable[..., Any], CheckParams]]:
    checks = []
    for ref in item.checks:
        spec = registry.get(ref.check)
        if spec is None:  # validation refuses such grilles; kept for safety
            continue
        checks.append((spec.scope, spec.function, spec.parse_params(ref.params)))
    return checks


def _network(
    item: Requirement,
    template: Finding,
    *,
    rows: _Rows,
    contexts: Mapping[str, GatewayContext],
    failures: Mapping[str, Observation],
    fleet: FleetContext,
    registry: CheckRegistry,
    groups: _Groups,
) -> FindingBlock:
    """The requirement's findings: gateways in declaration order, then other targets of fleet checks."""
    checks = _params(registry, item)
    if len(checks) == 1 and checks[0][0] is CheckScope.GATEWAY:
        # The usual case, taken for thousands of gateways: one gateway check, run once per slot.
        _, function, params = checks[0]
        observations = [
            slot if isinstance(slot, Observation) else function(slot, params) for slot in rows.representatives
        ]
        return rows_block(template, rows.targets, rows.rows, observations)
    per_target: dict[str | None, list[Observation]] = {name: [] for name in rows.targets}
    for scope, function, params in checks:
        if scope is CheckScope.FLEET:
            for targeted in function(fleet, params):
                per_target.setdefault(targeted.target, []).append(targeted.observation)
            continue
        check = _shared(function, params, groups)
        for name, context in contexts.items():
            per_target[name].append(check(context))
    result: list[tuple[str | None, Observation]] = []
    combined: dict[tuple[Observation, ...], Observation] = {}
    for target, observations in per_target.items():
        failure = failures.get(target) if target is not None else None
        if failure is not None:
            result.append((target, failure))
        elif len(observations) == 1:
            result.append((target, observations[0]))
        elif observations:
            key = tuple(observations)
            if key not in combined:
                combined[key] = _combine(observations)
            result.append((target, combined[key]))
    return observed_block(template, result)


def _combine(observations: list[Observation]) -> Observation:
    status = worst([o.status for o in observations])
    deciding = [o for o in observations if o.status is status]
    return Observation(
        status,
        min(o.confidence for o in deciding),
        " | ".join(dict.fromkeys(o.evidence for o in observations)),
    )


def _declared(grille: Grille, item: Requirement, audit: Audit) -> FindingBlock:
    answer = audit.answers.get(item.id)
    template = block_template(grille, item, FindingSource.DECLARATIVE)
    if answer is None:
        observation = Observation(Status.TO_VERIFY, confidence.NONE, f"question sans réponse : {item.question}")
    else:
        observation = Observation(
            answer.status.status,
            confidence.DECLARED_WITH_EVIDENCE if answer.evidence else confidence.DECLARED,
            answer.evidence or "déclaration sans pièce justificative",
        )
        template = replace(
            template, justification=answer.justification, author=answer.author, answered_on=answer.answered_on
        )
    return observed_block(template, [(None, observation)])
