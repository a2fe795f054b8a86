"""The scan plan: which ports, scripts and options, derived from the grilles and the audit.

The grille decides what is scanned: every check says which ports and NSE scripts it needs; the
profile filters out what it does not allow. Building the plan is pure, so it is tested without nmap.
The same computation gives the *reference* coverage: what the default plan scans, against which
an import or a narrowed ``scan.ports`` is measured before anything is called « conforme ».
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from audit_ti.checks.registry import CheckRegistry
from audit_ti.checks.selection import PortSelection, PortSelector
from audit_ti.checks.withheld import BRUTE_CATEGORY, Withheld, withheld
from audit_ti.models.audit import Audit
from audit_ti.models.credentials import FactoryCredentials
from audit_ti.models.enums import ScanProfile
from audit_ti.models.facts import HostFacts, PortFacts
from audit_ti.models.fields import ExpectedPort, PortRanges, parse_port_ranges, parse_port_spec
from audit_ti.models.grille import Grille
from audit_ti.models.nse import NSE_SCRIPTS

__all__ = [
    "BASE_TCP_PORTS",
    "CredentialFiles",
    "ScanPlan",
    "build_plan",
    "community_arguments",
    "credential_arguments",
    "discovery_arguments",
    "nmap_arguments",
    "reference_ports",
]

#: Well-known ports plus those IoT gateways commonly leave open (admin consoles, brokers, OT).
BASE_TCP_PORTS = (
    "1-1024,1080,1433,1880,1883,2323,2375,2376,3000,3306,3389,4911,5000,5432,5555,5900,6379,"
    "8000,8008,8080,8081,8443,8883,8888,9000,9100,9229,10000,20000,44818"
)

#: mqtt-subscribe keeps its default topics (« # » and « $SYS/# »): reading one message proves that
#: an anonymous client sees the traffic. It listens briefly, for a few messages, whose values are
#: masked before any evidence is written (they may be personal data). vulns.showall makes the
#: vulnerability scripts (smb-vuln-ms17-010) say « NOT VULNERABLE » instead of nothing.
SCRIPT_ARGS = (
    "mqtt-subscribe.listen-time=2s",
    "mqtt-subscribe.listen-msgs=3",
    "ssh.user=audit-ti",
    "vulns.showall",
)


@dataclass(frozen=True)
class CredentialFiles:
    """Where the runner wrote the factory credentials for nmap (no comma, quote or space in the paths)."""

    accounts: Path
    communities: Path


@dataclass(frozen=True)
class ScanPlan:
    """Everything nmap needs, except the targets and the output files.

    Attributes:
        tcp_ports / udp_ports: nmap port specifications (empty: none of that protocol).
        scripts: NSE scripts of the main pass, sorted.
        skipped_scripts: scripts the grille needs but the profile or the privileges exclude, with why.
        privileged: True when running as root (SYN scan, UDP).
        credentials: the factory credentials the second pass tries (None: no second pass).
        credential_scripts: the scripts of that second pass (brute scripts), sorted.
        prompts: which open ports may ask for a password (the selectors of the credential checks).
    """

    profile: ScanProfile
    tcp_ports: str
    udp_ports: str
    scripts: tuple[str, ...]
    skipped_scripts: tuple[tuple[str, str], ...]
    privileged: bool
    host_timeout_s: int
    script_timeout_s: int
    max_retries: int
    version_intensity: int = 2
    credentials: FactoryCredentials | None = None
    credential_scripts: tuple[str, ...] = ()
    prompts: tuple[PortSelector, ...] = ()

    def prompt_ports(self, host: HostFacts) -> list[PortFacts]:
        """The open ports of ``host`` where the second pass tries the factory credentials."""
        found = {(port.port, port.protocol): port for selector in self.prompts for port in selector.pick(host)}
        return list(found.values())


def _spec(ports: Iterable[int]) -> str:
    """A compact nmap port specification: sorted, without duplicates, consecutive ports as ranges."""
    ranges: list[list[int]] = []
    for port in sorted(set(ports)):
        if ranges and port == ranges[-1][1] + 1:
            ranges[-1][1] = port
        else:
            ranges.append([port, port])
    return ",".join(str(low) if low == high else f"{low}-{high}" for low, high in ranges)


def _expand(ranges: PortRanges) -> set[int]:
    return {port for low, high in ranges for port in range(low, high + 1)}


def _ranges(spec: str) -> PortRanges:
    return parse_port_ranges(spec) if spec else ()


@dataclass(frozen=True)
class _Needs:
    """What the grilles' checks and the declarations ask of the scan."""

    refs: list[ExpectedPort]
    scripts: set[str]
    prompts: list[PortSelector]


def _needs(audit: Audit, grilles: Sequence[Grille], registry: CheckRegistry) -> _Needs:
    """Ports the checks and the declarations name, the scripts the checks read, the password prompts."""
    needs = _Needs([ref for gateway in audit.gateways for ref in gateway.expected_ports], set(), [])
    for grille in grilles:
        for item in grille.items:
            for check in item.checks:
                params = registry.params_of(check)
                if params is None:
                    continue
                needs.refs.extend(params.required_ports())
                needs.scripts.update(params.required_scripts())
                if params.credential_lists() and isinstance(params, PortSelection):
                    needs.prompts.append(params.selector)
    return needs


def _reference(refs: Iterable[ExpectedPort]) -> tuple[PortRanges, PortRanges]:
    refs = list(refs)
    tcp = _expand(_ranges(BASE_TCP_PORTS)) | {ref.port for ref in refs if ref.protocol == "tcp"}
    udp = {ref.port for ref in refs if ref.protocol == "udp"}
    return _ranges(_spec(tcp)), _ranges(_spec(udp))


def reference_ports(audit: Audit, grilles: Sequence[Grille], registry: CheckRegistry) -> tuple[PortRanges, PortRanges]:
    """TCP and UDP ranges the default plan scans: what « only the declared services answer » needs."""
    return _reference(_needs(audit, grilles, registry).refs)


def build_plan(
    audit: Audit,
    grilles: Sequence[Grille],
    registry: CheckRegistry,
    profile: ScanProfile,
    *,
    privileged: bool,
    credentials: FactoryCredentials | None = None,
) -> ScanPlan:
    """The plan for this audit, its grilles, a profile and the privileges available.

    Brute scripts run only when ``credentials`` gives them a list: without one, they are left out
    and say why (their requirements are then « à vérifier »).
    """
    needs = _needs(audit, grilles, registry)
    udp_wanted = audit.scan.udp if audit.scan.udp is not None else privileged
    udp = privileged and udp_wanted
    scripts: list[str] = []
    skipped: list[tuple[str, str]] = []
    for script_id in sorted(needs.scripts):
        why = withheld(NSE_SCRIPTS[script_id], profile, udp=udp, credentials=credentials is not None)
        if why is None:
            scripts.append(script_id)
        elif why is Withheld.NO_UDP:
            skipped.append(
                (script_id, "sondes UDP impossibles sans droits root" if not privileged else "UDP désactivé")
            )
        else:
            skipped.append((script_id, str(why)))
    default_tcp, default_udp = _reference(needs.refs)
    tcp, udp_ports = default_tcp, default_udp
    if audit.scan.ports:
        chosen_tcp, chosen_udp = parse_port_spec(audit.scan.ports)
        tcp = chosen_tcp
        udp_ports = chosen_udp or default_udp
    brute = tuple(script for script in scripts if BRUTE_CATEGORY in NSE_SCRIPTS[script].categories)
    return ScanPlan(
        profile=profile,
        tcp_ports=_spec(_expand(tcp)),
        udp_ports=_spec(_expand(udp_ports)) if udp else "",
        scripts=tuple(script for script in scripts if script not in brute),
        skipped_scripts=tuple(skipped),
        privileged=privileged,
        host_timeout_s=audit.scan.host_timeout_s,
        script_timeout_s=audit.scan.script_timeout_s,
        max_retries=audit.scan.max_retries,
        version_intensity=audit.scan.version_intensity,
        credentials=credentials if brute else None,
        credential_scripts=brute,
        prompts=tuple(needs.prompts) if brute else (),
    )


def _scan_options(plan: ScanPlan, tcp: str, udp: str) -> list[str]:
    ports = ",".join(part for part in (f"T:{tcp}" if tcp else "", f"U:{udp}" if udp else "") if part)
    return [
        "-sS" if plan.privileged else "-sT",
        *(["-sU"] if udp else []),
        "-sV",
        "--version-intensity",
        str(plan.version_intensity),
        "-Pn",
        "-n",
        "-p",
        ports,
        *_limits(plan),
    ]


def _limits(plan: ScanPlan) -> list[str]:
    """How long nmap may spend on a host and on a script, and how often it retries."""
    return [
        "--host-timeout",
        f"{plan.host_timeout_s}s",
        "--script-timeout",
        f"{plan.script_timeout_s}s",
        "--max-retries",
        str(plan.max_retries),
    ]


def nmap_arguments(plan: ScanPlan) -> list[str]:
    """nmap's options for the main pass, targets excluded (they are passed separately, after the guards)."""
    arguments = _scan_options(plan, plan.tcp_ports, plan.udp_ports)
    if plan.scripts:
        scripts = ",".join(NSE_SCRIPTS[script].argument for script in plan.scripts)
        arguments += [f"--script={scripts}", f"--script-args={','.join(SCRIPT_ARGS)}"]
    return arguments


def credential_arguments(plan: ScanPlan, files: CredentialFiles, ports: Iterable[tuple[int, str]]) -> list[str]:
    """nmap's options for the second pass: the brute scripts alone, on the ports that asked for a password.

    Run apart from the main pass on purpose: nmap's brute engine stops its only guessing thread
    whenever other scripts hold the sockets, and would then give up without a guess. One guess at a
    time per service, at most ``rate`` per second, stopping at the first credential accepted.
    """
    assert plan.credentials is not None
    wanted = list(ports)
    tcp = _spec(port for port, protocol in wanted if protocol == "tcp")
    udp = _spec(port for port, protocol in wanted if protocol == "udp") if plan.udp_ports else ""
    scripts = ",".join(NSE_SCRIPTS[script].argument for script in plan.credential_scripts)
    script_args = [
        "brute.mode=creds",
        f"brute.credfile={files.accounts}",
        "brute.threads=1",
        "brute.start=1",
        f"brute.delay={1 / plan.credentials.rate:.2f}",
        "brute.firstonly=true",
        f"snmp-brute.communitiesdb={files.communities}",
        *SCRIPT_ARGS,
    ]
    return [*_scan_options(plan, tcp, udp), f"--script={scripts}", f"--script-args={','.join(script_args)}"]


def community_arguments(plan: ScanPlan, script: str, arguments_file: Path) -> list[str]:
    """nmap's options for the counter-test: ``script`` on 161/udp, the authority's community read from a file.

    No version probe: nmap's SNMP probe would speak « public » again; the script alone answers
    whether the agent accepts the authority's community.
    """
    return [
        "-sU",
        "-Pn",
        "-n",
        "-p",
        "U:161",
        *_limits(plan),
        f"--script={NSE_SCRIPTS[script].argument}",
        f"--script-args-file={arguments_file}",
    ]


def discovery_arguments(plan: ScanPlan) -> list[str]:
    """nmap's options for the sweep that looks for undeclared hosts (no port scan)."""
    return [
        "-sn",
        "-n",
        "--host-timeout",
        f"{plan.host_timeout_s}s",
        "--max-retries",
        str(plan.max_retries),
    ]
