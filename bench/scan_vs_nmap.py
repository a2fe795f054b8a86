"""Benchmark: audit-ti's scan of the lab against the raw nmap command with the same arguments.

Starts the lab (root), builds the scan plan of audits/demo-lab.yaml moved to the lab's block, then
times alternately, in the same process: the raw ``nmap`` command with exactly the arguments the plan
gives, and ``audit-ti``'s whole scan (guard, python-nmap, evidence, parsing, evaluation, outputs).
Prints the median of each and their ratio (target: at most 1.10).

Run (root, from the project root): .venv/bin/python bench/scan_vs_nmap.py [--repetitions 3]
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from mesures import record_ratio

from audit_ti.checks import default_registry
from audit_ti.inputs.documents import load_audit, load_grille
from audit_ti.lab import Lab, LabLayout, network_from_env
from audit_ti.models import ScanProfile
from audit_ti.runs.cyber import ScanSettings, scan_audit
from audit_ti.scan.nmap_xml import parse_nmap_xml
from audit_ti.scan.plan import CredentialFiles, ScanPlan, build_plan, credential_arguments, nmap_arguments
from audit_ti.scan.scope import LOOPBACK_ENV
from audit_ti.validation.catalog import GrilleCatalog

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.10


def lab_audit(folder: Path, block: str) -> Path:
    second = block.split(".")[1]
    text = (ROOT / "audits" / "demo-lab.yaml").read_text(encoding="utf-8").replace("127.0.", f"127.{second}.")
    path = folder / "demo-lab.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _credential_files(plan: ScanPlan, folder: Path) -> CredentialFiles | None:
    """The same factory credentials as audit-ti's own run, for the same guesses."""
    if plan.credentials is None:
        return None
    files = CredentialFiles(folder / "identifiants.txt", folder / "communautes.txt")
    files.accounts.write_text(plan.credentials.credfile(), encoding="utf-8")
    files.communities.write_text(plan.credentials.communities_file(), encoding="utf-8")
    return files


def _raw_nmap(plan: ScanPlan, files: CredentialFiles | None, targets: list[str], stem: Path) -> float:
    """Seconds nmap alone takes for the runs audit-ti makes: one per address family (``-6`` for IPv6),
    each followed by the second pass (brute scripts on the ports that asked for a password)."""
    elapsed = 0.0
    for version in (4, 6):
        family = [target for target in targets if ipaddress.ip_address(target).version == version]
        if not family:
            continue
        extra = ["-6"] if version == 6 else []
        first = stem.with_name(f"{stem.name}-ipv{version}.xml")
        started = time.perf_counter()
        subprocess.run(
            ["nmap", "-oX", str(first), *family, *nmap_arguments(plan), *extra], check=True, capture_output=True
        )
        elapsed += time.perf_counter() - started
        if files is None:
            continue
        hosts = parse_nmap_xml(first.read_text(encoding="utf-8")).facts.hosts
        prompts = {(port.port, port.protocol) for host in hosts for port in plan.prompt_ports(host)}
        if not prompts:
            continue
        second = [*credential_arguments(plan, files, sorted(prompts)), *extra]
        started = time.perf_counter()
        subprocess.run(["nmap", "-oX", f"{first}-2.xml", *family, *second], check=True, capture_output=True)
        elapsed += time.perf_counter() - started
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description="audit-ti scanner contre nmap seul, sur le laboratoire.")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--profil", choices=[p.value for p in ScanProfile], default=ScanProfile.INTRUSIVE.value)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("Ce banc démarre le laboratoire : lancez-le en root.")
        return 2
    os.environ[LOOPBACK_ENV] = "1"
    profile = ScanProfile(args.profil)
    network = network_from_env()
    with tempfile.TemporaryDirectory(prefix="audit-ti-banc-scan-") as work:
        folder = Path(work)
        lab = Lab(folder / "laboratoire", LabLayout.build(network))
        lab.start()
        try:
            audit_path = lab_audit(folder, str(network))
            audit = load_audit(audit_path)
            grille = load_grille(ROOT / "grilles" / "hygiene-iot.yaml")
            catalog = GrilleCatalog(ROOT / "grilles", default_registry())
            credentials = catalog.factory_credentials([grille])
            plan = build_plan(audit, [grille], default_registry(), profile, privileged=True, credentials=credentials)
            files = _credential_files(plan, folder)
            targets = [gateway.address for gateway in audit.gateways]
            raw_times, ours = [], []
            for turn in range(args.repetitions):
                raw_times.append(_raw_nmap(plan, files, targets, folder / f"brut-{turn}"))
                started = time.perf_counter()
                scan_audit(
                    audit_path,
                    reports_dir=folder / "rapports",
                    catalog=catalog,
                    settings=ScanSettings(profile=profile),
                )
                ours.append(time.perf_counter() - started)
        finally:
            lab.stop()
    raw, mine = statistics.median(raw_times), statistics.median(ours)
    print(f"passerelles : {len(targets)} ; profil : {profile.value} ; répétitions : {args.repetitions}")
    print(f"nmap seul : {raw:.1f} s (médiane de {', '.join(f'{t:.1f}' for t in raw_times)})")
    print(f"audit-ti scanner : {mine:.1f} s (médiane de {', '.join(f'{t:.1f}' for t in ours)})")
    print(f"rapport audit-ti / nmap : {mine / raw:.3f} (cible ≤ {TARGET_RATIO:.2f})")
    record_ratio(
        f"Scan du laboratoire ({len(targets)} passerelles, profil {profile.value})",
        "audit-ti scanner / nmap seul (mêmes options)",
        mine,
        raw,
        at_most=TARGET_RATIO,
        timings=ours,
        baseline_timings=raw_times,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
