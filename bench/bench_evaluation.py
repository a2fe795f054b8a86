"""Benchmark of the AIPD and inclusion assessments (prints ratios, asserts nothing).

Usage: .venv/bin/python bench/bench_evaluation.py
Target: evaluating one audit stays well under a second, so that a suite of use cases is
dominated by the notebooks, not by the assessments; a territory of 500 zones stays interactive.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from mesures import record

from audit_ti.checks import default_registry
from audit_ti.impact.residents import AreaInput, estimate_residents
from audit_ti.inputs.referentials import load_inclusion_referential
from audit_ti.inputs.statistics import read_statistics
from audit_ti.runs.impact import evaluate_impact
from audit_ti.validation.catalog import GrilleCatalog

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 1.0


def timed(label: str, function: object, repeat: int = 5) -> float:
    assert callable(function)
    function()  # warm-up: imports, caches
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    elapsed = (time.perf_counter() - start) / repeat
    print(f"{label:<55} {elapsed * 1000:8.1f} ms   ({elapsed / TARGET_S:.2f} × l'objectif de {TARGET_S:g} s)")
    record(
        "Évaluations AIPD et inclusion",
        label,
        elapsed * 1000,
        unit="ms",
        ratio=elapsed / TARGET_S,
        target=f"< {TARGET_S:g} s",
        met=elapsed < TARGET_S,
        detail=f"moyenne de {repeat} appels après un appel de chauffe",
    )
    return elapsed


def main() -> None:
    for case in ("eclairage-public", "telereleve-eau", "stationnement", "demo-lab"):
        path = ROOT / "audits" / f"{case}.yaml"

        def run(path: Path = path) -> None:
            evaluate_impact(path, GrilleCatalog(ROOT / "grilles", default_registry()))

        timed(f"evaluer {case} (validation comprise)", run)

    referential = load_inclusion_referential(ROOT / "grilles" / "inclusion.yaml")
    national = read_statistics(ROOT / "grilles" / referential.national_statistics, referential)
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "grand-territoire.csv"
        rows = ["zone;indicateur;valeur;unite;source;annee"]
        for zone in range(500):
            rows += [
                f"Z{zone};population;{1000 + zone};habitants;essai;2022",
                f"Z{zone};part_75_ans_et_plus;{5 + zone % 20};%;essai;2022",
                f"Z{zone};indice_fragilite_numerique;{80 + zone % 60};indice;essai;2020",
            ]
        csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
        timed("lecture d'un CSV de 500 zones (1 500 lignes)", lambda: read_statistics(csv, referential))
        territory = read_statistics(csv, referential)
        timed(
            "habitants concernés, 500 zones × 9 publics",
            lambda: estimate_residents(referential, national, territory, AreaInput(None, None, None), {}),
        )


if __name__ == "__main__":
    main()
