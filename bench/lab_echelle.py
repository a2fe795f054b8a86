"""Scale mode of the lab: start N light gateways, print start time and memory against the targets.

Usage (root, from the project root): ``.venv/bin/python bench/lab_echelle.py [--passerelles 200]``.
Targets of the issue: 200 gateways start in under 60 s on 2 cores, in under 2 GB of memory.
Prints RSS (shared pages counted once per process, an upper bound) and PSS (shared pages split).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from audit_ti.errors import AuditTiError
from audit_ti.lab import MAX_SCALE_GATEWAYS, Lab, LabLayout, network_from_env, parse_network
from audit_ti.lab.processes import memory_usage

TARGET_SECONDS = 60.0
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mesure du laboratoire à grande échelle.")
    parser.add_argument("--passerelles", type=int, default=200, help="passerelles d'échelle (défaut : 200)")
    parser.add_argument("--reseau", default=None, help="bloc 127.B.0.0/16 (défaut : AUDIT_TI_LAB_RESEAU)")
    args = parser.parse_args(argv)
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
