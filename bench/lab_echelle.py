"""Scale mode of the lab: start N light gateways, print start time and memory against the targets;
with ``--scan``, time the fleet scan against one nmap over the whole fleet and a per-host loop.

Usage (root, from the project root): ``.venv/bin/python bench/lab_echelle.py [--passerelles 200]``.
Targets of the issue: 200 gateways start in under 60 s on 2 cores, in under 2 GB of memory.
Prints RSS (shared pages counted once per process, an upper bound) and PSS (shared pages split).

``--scan [--tailles 200,1000] [--repetitions 3]``: for each fleet size, a lab of that many light
gateways, the fleet's audit file (safe profile), then, alternately in the same
process: one nmap over the whole fleet with the scan plan's flags, and audit-ti's whole scan
(batches side by side, evidence, evaluation, outputs). The per-host loop (one nmap per gateway, same
flags) is timed on a sample of gateways and extrapolated to the fleet. Prints medians and ratios
(targets: audit-ti at least 10 times faster than the loop, at most 0.8 times one nmap), and whether
audit-ti and the single nmap saw the same thing (open ports, services, scripts, per gateway).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from mesures import record, record_ratio

from audit_ti.checks import default_registry
from audit_ti.errors import AuditTiError
from audit_ti.inputs.documents import load_audit, load_grille
from audit_ti.lab import MAX_SCALE_GATEWAYS, Lab, LabLayout, network_from_env, parse_network
from audit_ti.lab.processes import memory_usage
from audit_ti.models import ScanProfile
from audit_ti.models.finding import Finding
from audit_ti.runs.cyber import ScanSettings, import_scan, scan_audit
from audit_ti.scan.nmap_xml import parse_nmap_xml
from audit_ti.scan.plan import build_plan, nmap_arguments
from audit_ti.scan.scope import LOOPBACK_ENV
from audit_ti.validation.catalog import GrilleCatalog

ROOT = Path(__file__).resolve().parent.parent

TARGET_SECONDS = 60.0
#: From this size, one measure of the three ways takes about a quarter of an hour on 2 cores.
LARGE_FLEET = 1000
TARGET_BYTES = 2 * 1000**3  # "2 GB"
_MIB = 1024**2


def measure(layout: LabLayout, folder: Path) -> list[str]:
    """Start the lab, measure it, stop it; the report's lines."""
    lab = Lab(folder, layout)
    started = time.perf_counter()
    lab.start()
    try:
        elapsed = time.perf_counter() - started
        pids = lab.pids()
        usage = memory_usage(pids)
        status = lab.status(timeout=3.0)
    finally:
        lab.stop()
    up = sum(endpoint.up for endpoint in status.endpoints)
    return [
        f"passerelles : {len(layout.gateways)} dont {layout.scale_count} d'échelle ; "
        f"services en ligne : {up}/{len(status.endpoints)} ; processus : {len(pids)}",
        f"démarrage : {elapsed:.2f} s (cible < {TARGET_SECONDS:.0f} s, ratio {elapsed / TARGET_SECONDS:.3f})",
        f"mémoire RSS : {usage.rss / _MIB:.0f} Mio (cible < 2 Go, ratio {usage.rss / TARGET_BYTES:.3f})",
        f"mémoire PSS : {usage.pss / _MIB:.0f} Mio (ratio {usage.pss / TARGET_BYTES:.3f})",
    ]


_HEAD = """version_format: 1
cas_usage:
  nom: Flotte de capteurs de stationnement ({count} passerelles)
  collectivite: Commune fictive de Démoville
  domaine: autre
  responsable:
    nom: Banc d'essai audit-ti
  date_audit: 2026-11-22
autorisation:
  reference: LAB-ECHELLE — laboratoire local, aucune machine tierce
  signataire: Banc d'essai audit-ti
  date: 2026-11-01
  valable_jusqu_au: 2099-12-31
  perimetre:
{perimeter}  profil_autorise: sur
grilles:
  - hygiene-iot
passerelles:
"""
_GATEWAY = """  - nom: {name}
    adresse: {address}
    modele: Capteur de stationnement (simulé, passerelle légère)
    zone: laboratoire
    ports_attendus: ["22/tcp ssh", "80/tcp http", "1883/tcp mqtt"]
"""
_TAIL = """scan:
  profil: {profile}
  tentatives_max: 1
"""


def fleet_audit(layout: LabLayout, path: Path, profile: str = "sur") -> Path:
    """Write the audit file of the layout's scale fleet to ``path``."""
    subnets = dict.fromkeys(ipaddress.ip_network(f"{g.address}/24", strict=False) for g in layout.fleet)
    perimeter = "".join(f"    - {subnet}\n" for subnet in subnets)
    text = _HEAD.format(count=len(layout.fleet), perimeter=perimeter)
    text += "".join(_GATEWAY.format(name=g.name, address=g.address) for g in layout.fleet)
    text += _TAIL.format(profile=profile)
    path.write_text(text, encoding="utf-8")
    return path


# -- The fleet scan against nmap alone ----------------------------------------------------------------

TARGET_LOOP = 10.0
TARGET_SINGLE = 0.8


def _nmap(targets: list[str], arguments: list[str], output: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["nmap", "-oX", str(output), *targets, *arguments], check=True, capture_output=True)
    return time.perf_counter() - started


def _seen(xml_files: list[Path]) -> dict[str, set[tuple[str, ...]]]:
    """What nmap saw, per gateway: open ports with their service, and the scripts that answered."""
    seen: dict[str, set[tuple[str, ...]]] = {}
    for path in xml_files:
        for host in parse_nmap_xml(path.read_text(encoding="utf-8")).facts.hosts:
            found = seen.setdefault(host.address, set())
            for port in host.ports:
                if port.state == "open":
                    found.add((port.label, port.service.name if port.service else ""))
                    found.update((port.label, script.id) for script in port.scripts)
            found.update(("hôte", script.id) for script in host.scripts)
    return seen


def scan_measure(network: ipaddress.IPv4Network, size: int, repetitions: int, sample: int) -> list[str]:
    """Start a lab of ``size`` light gateways and time the three ways of scanning it; the report's lines."""
    os.environ[LOOPBACK_ENV] = "1"
    layout = LabLayout.build(network, size)
    catalog = GrilleCatalog(ROOT / "grilles", default_registry())
    with tempfile.TemporaryDirectory(prefix="audit-ti-banc-flotte-") as work:
        folder = Path(work)
        audit_path = fleet_audit(layout, folder / "flotte.yaml")
        audit = load_audit(audit_path)
        grille = load_grille(ROOT / "grilles" / "hygiene-iot.yaml")
        plan = build_plan(audit, [grille], default_registry(), ScanProfile.SAFE, privileged=os.geteuid() == 0)
        arguments = nmap_arguments(plan)
        targets = [str(gateway.address) for gateway in layout.fleet]
        lab = Lab(folder / "laboratoire", layout)
        lab.start()
        try:
            singles, ours = [], []
            same: list[list[str]] = []
            findings: list[set[tuple[str, str, str]]] = []
            for turn in range(repetitions):
                whole = folder / f"nmap-seul-{turn}.xml"
                singles.append(_nmap(targets, arguments, whole))
                started = time.perf_counter()
                outcome = scan_audit(
                    audit_path,
                    reports_dir=folder / "rapports",
                    catalog=catalog,
                    settings=ScanSettings(profile=ScanProfile.SAFE),
                )
                ours.append(time.perf_counter() - started)
                evidence = sorted((outcome.folder / "evidence").glob("nmap-scan-*.xml"))
                same.append(_differences(_seen([whole]), _seen(evidence)))
                imported = import_scan(whole, audit_path, reports_dir=folder / "rapports", catalog=catalog)
                findings.append(_judged(imported.findings) - _judged(outcome.findings))
            step = max(1, size // sample)
            loop = [_nmap([target], arguments, folder / "hote.xml") for target in targets[::step][:sample]]
        finally:
            lab.stop()
    single, mine, per_host = statistics.median(singles), statistics.median(ours), statistics.median(loop)
    extrapolated = per_host * size
    section = f"Flotte de {size} passerelles légères (profil sûr)"
    record_ratio(
        section,
        "boucle d'un nmap par hôte (extrapolée) / audit-ti",
        mine,
        extrapolated,
        at_least=TARGET_LOOP,
        timings=ours,
        baseline_timings=loop,
        detail=f"boucle : {len(loop)} hôtes mesurés, extrapolée à {size}",
    )
    record_ratio(
        section,
        "audit-ti / un nmap sur toute la flotte",
        mine,
        single,
        at_most=TARGET_SINGLE,
        timings=ours,
        baseline_timings=singles,
    )
    differing = max(len(d) for d in [*same, *findings])
    record(
        section,
        "passerelles ou constats différents du nmap unique",
        differing,
        unit="",
        target="0",
        met=differing == 0,
        detail="maximum sur les mesures (ports, services, scripts ; constats)",
    )
    return [
        f"Flotte de {size} passerelles légères (profil sûr, {os.cpu_count()} cœurs, {repetitions} mesure(s))",
        f"  un nmap sur toute la flotte : {single:.1f} s (médiane de {_list(singles)})",
        f"  audit-ti scanner : {mine:.1f} s (médiane de {_list(ours)})",
        f"  un nmap par hôte : {per_host:.1f} s par hôte (médiane de {len(loop)}), "
        f"soit {extrapolated:.0f} s extrapolées pour {size}",
        f"  audit-ti plus rapide que la boucle : {extrapolated / mine:.1f}× (cible ≥ {TARGET_LOOP:.0f}×)",
        f"  rapport audit-ti / un nmap : {mine / single:.3f} (cible ≤ {TARGET_SINGLE})",
        f"  passerelles vues autrement que par le nmap unique (ports, services, scripts) : "
        f"{_list_int([len(d) for d in same])} {_first(same)}",
        f"  constats de l'import du nmap unique absents du scan d'audit-ti (exigence, passerelle, statut) : "
        f"{_list_int([len(d) for d in findings])} {_first([sorted(map(str, d)) for d in findings])}",
    ]


def _judged(findings: Sequence[Finding]) -> set[tuple[str, str, str]]:
    return {(f.requirement, f.target or "", f.status.value) for f in findings}


def _differences(single: dict[str, set[tuple[str, ...]]], ours: dict[str, set[tuple[str, ...]]]) -> list[str]:
    """Gateways seen differently, each with what only the single nmap, or only audit-ti, saw."""
    lines = []
    for address in sorted(set(single) | set(ours)):
        alone, mine = single.get(address, set()), ours.get(address, set())
        if alone != mine:
            lines.append(f"{address} : nmap unique seul {sorted(alone - mine)}, audit-ti seul {sorted(mine - alone)}")
    return lines


def _first(differences: list[list[str]]) -> str:
    shown = next((d for d in differences if d), [])
    return f"(par exemple {'; '.join(shown[:3])})" if shown else ""


def _list_int(values: list[int]) -> str:
    return ", ".join(str(value) for value in values)


def _list(values: list[float]) -> str:
    return ", ".join(f"{value:.1f}" for value in values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mesure du laboratoire à grande échelle.")
    parser.add_argument("--passerelles", type=int, default=200, help="passerelles d'échelle (défaut : 200)")
    parser.add_argument("--reseau", default=None, help="bloc 127.B.0.0/16 (défaut : AUDIT_TI_LAB_RESEAU)")
    parser.add_argument("--scan", action="store_true", help="mesurer le scan de la flotte (voir --tailles)")
    parser.add_argument("--tailles", default="200,1000", help="tailles de flotte du scan (défaut : 200,1000)")
    parser.add_argument("--repetitions", type=int, default=3, help="mesures par taille (médiane)")
    parser.add_argument(
        "--repetitions-grandes",
        type=int,
        default=None,
        help=f"mesures pour les flottes d'au moins {LARGE_FLEET} passerelles (défaut : --repetitions)",
    )
    parser.add_argument("--echantillon", type=int, default=5, help="passerelles de la boucle un nmap par hôte")
    args = parser.parse_args(argv)
    if args.scan:
        network = parse_network(args.reseau) if args.reseau else network_from_env()
        sizes = [int(size) for size in args.tailles.split(",")]
        if not all(0 < size <= MAX_SCALE_GATEWAYS for size in sizes):
            parser.error(f"--tailles : entre 1 et {MAX_SCALE_GATEWAYS}")
        for size in sizes:
            repetitions = (
                args.repetitions_grandes if size >= LARGE_FLEET and args.repetitions_grandes else args.repetitions
            )
            for line in scan_measure(network, size, repetitions, args.echantillon):
                print(line, flush=True)
        return 0
    if not 0 <= args.passerelles <= MAX_SCALE_GATEWAYS:
        parser.error(f"--passerelles : entre 0 et {MAX_SCALE_GATEWAYS}")
    try:
        network = parse_network(args.reseau) if args.reseau else network_from_env()
        layout = LabLayout.build(network, args.passerelles)
        with tempfile.TemporaryDirectory(prefix="audit-ti-banc-") as folder:
            lines = measure(layout, Path(folder))
    except AuditTiError as error:
        print(f"échec : {error}", file=sys.stderr)
        return int(error.exit_code)
    print(f"Laboratoire à l'échelle ({os.cpu_count()} cœurs)")
    for line in lines:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
