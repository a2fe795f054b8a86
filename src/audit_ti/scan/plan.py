"""The scan plan: which ports, scripts and options, derived from the grilles and the audit.

The grille decides what is scanned: every check says which ports and NSE scripts it needs; the
profile filters out what it does not allow. Building the plan is pure, so it is tested without nmap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from audit_ti.checks.registry import CheckRegistry
from audit_ti.models.audit import Audit
from audit_ti.models.enums import ScanProfile
from audit_ti.models.fields import ExpectedPort
from audit_ti.models.grille import Grille
from audit_ti.models.nse import NSE_SCRIPTS

__all__ = ["BASE_TCP_PORTS", "ScanPlan", "build_plan", "nmap_arguments"]

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
class ScanPlan:
    """Everything nmap needs, except the targets and the output files.

    Attributes:
        tcp_ports / udp_ports: nmap port specifications (empty: none of that protocol).
        scripts: NSE scripts to run, sorted.
        skipped_scripts: scripts the grille needs but the profile or the privileges exclude, with why.
        privileged: True when running as root (SYN scan, UDP).
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


def _expand(spec: str) -> set[int]:
    ports: set[int] = set()
    for part in spec.split(","):
        low, _, high = part.partition("-")
        ports.update(range(int(low), int(high or low) + 1))
    return ports


def _spec(ports: Iterable[int]) -> str:
    """A compact nmap port specification: sorted, without duplicates, consecutive ports as ranges."""
    ranges: list[list[int]] = []
    for port in sorted(set(ports)):
        if ranges and port == ranges[-1][1] + 1:
            ranges[-1][1] = port
        else:
            ranges.append([port, port])
    return ",".join(str(low) if low == high else f"{low}-{high}" for low, high in ranges)


def build_plan(
    audit: Audit,
    grilles: Sequence[Grille],
    registry: CheckRegistry,
    profile: ScanProfile,
    *,
    privileged: bool,
) -> ScanPlan:
    """The plan for this audit, its grilles, a profile and the privileges available."""
    refs: list[ExpectedPort] = [ref for gateway in audit.gateways for ref in gateway.expected_ports]
    needed: set[str] = set()
    for grille in grilles:
        for item in grille.items:
            for check in item.checks:
                spec = registry.get(check.check)
                if spec is None:
                    continue
                params = spec.params_model.model_validate(check.params, by_alias=True, by_name=False)
                refs.extend(params.required_ports())
                needed |= params.required_scripts()
    udp_wanted = audit.scan.udp if audit.scan.udp is not None else privileged
    udp = privileged and udp_wanted
    scripts: list[str] = []
    skipped: list[tuple[str, str]] = []
    for script_id in sorted(needed):
        known = NSE_SCRIPTS[script_id]
        if known.profile is ScanProfile.INTRUSIVE and profile is ScanProfile.SAFE:
            skipped.append((script_id, "réservé au profil intrusif"))
        elif known.udp and not udp:
            skipped.append(
                (script_id, "sondes UDP impossibles sans droits root" if not privileged else "UDP désactivé")
            )
        else:
            scripts.append(script_id)
    tcp = audit.scan.ports or _spec(_expand(BASE_TCP_PORTS) | {ref.port for ref in refs if ref.protocol == "tcp"})
    return ScanPlan(
        profile=profile,
        tcp_ports=tcp,
        udp_ports=_spec(ref.port for ref in refs if ref.protocol == "udp") if udp else "",
        scripts=tuple(scripts),
        skipped_scripts=tuple(skipped),
        privileged=privileged,
        host_timeout_s=audit.scan.host_timeout_s,
        script_timeout_s=audit.scan.script_timeout_s,
        max_retries=audit.scan.max_retries,
        version_intensity=audit.scan.version_intensity,
    )


def nmap_arguments(plan: ScanPlan) -> list[str]:
    """nmap's options for the plan, targets excluded (they are passed separately, after the guards)."""
    ports = f"T:{plan.tcp_ports}" + (f",U:{plan.udp_ports}" if plan.udp_ports else "")
    arguments = [
        "-sS" if plan.privileged else "-sT",
        *(["-sU"] if plan.udp_ports else []),
        "-sV",
        "--version-intensity",
        str(plan.version_intensity),
        "-Pn",
        "-n",
        "-p",
        ports,
        "--host-timeout",
        f"{plan.host_timeout_s}s",
        "--script-timeout",
        f"{plan.script_timeout_s}s",
        "--max-retries",
        str(plan.max_retries),
    ]
    if plan.scripts:
        arguments += [f"--script={','.join(plan.scripts)}", f"--script-args={','.join(SCRIPT_ARGS)}"]
    return arguments


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
