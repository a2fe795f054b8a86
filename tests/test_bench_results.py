"""The pure parts of ``bench/tout.py``: RESULTS.md from given measures, and the ``--seulement`` merge.

No bench runs here: the runs are built by hand, as ``bench/tout.py`` stores them.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import mesures
import resultats
from resultats import BenchRun, Measure, RunStatus

ORDER = ["scan_vs_nmap", "lab_echelle", "evaluation_10k", "bench_suite"]
MACHINE = {"processeur": "Exemple 2 cœurs", "cœurs": "2", "Python": "3.11.7"}
THIS_MACHINE = resultats.describe(MACHINE)
OLD = datetime(2026, 11, 30, 6, 5, tzinfo=UTC)
NEW = datetime(2026, 12, 2, 7, 45, tzinfo=UTC)


def _run(name: str, status: RunStatus, *measures: Measure, when: datetime = NEW, **changes: object) -> BenchRun:
    values: dict[str, object] = {
        "name": name,
        "title": f"Banc {name}",
        "command": f".venv/bin/python bench/{name}.py",
        "status": status,
        "measured_at": when,
        "commit": "abc1234",
        "machine": THIS_MACHINE,
        "load_before": "0,50 0,40 0,30",
        "duration_s": 12.5,
        "output": f"sortie de {name}\n",
        "measures": measures,
    }
    values.update(changes)
    return BenchRun(**values)  # type: ignore[arg-type]


MET = Measure(
    "Scan du laboratoire",
    "audit-ti / nmap seul",
    10.5,
    "s",
    baseline=10.0,
    ratio=1.05,
    target="≤ 1,10 ×",
    met=True,
    runs=3,
    timings=(10.5, 10.4, 10.9),
    baseline_timings=(10.0, 9.9, 10.2),
)
MISSED = Measure(
    "Parallélisme, 8 cas d'usage",
    "débit --jobs 2 / --jobs 1",
    60.0,
    "s",
    baseline=90.0,
    ratio=1.5,
    target="≥ 1,7 ×",
    met=False,
)
NO_TARGET = Measure("Taille des rapports (démo)", "rapport-technique.pdf", 1234.0, "ko")


def _markdown(runs: dict[str, BenchRun]) -> str:
    return resultats.markdown(runs, generated_at=NEW, commit="abc1234", machine=MACHINE, load="0,50 0,40 0,30")


def _summary(text: str) -> list[str]:
    table = text.split("## Synthèse", 1)[1].split("\n## ", 1)[0]
    return [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]


def test_summary_says_whether_each_target_is_met() -> None:
    runs = {"scan_vs_nmap": _run("scan_vs_nmap", RunStatus.MEASURED, MET, MISSED, NO_TARGET)}
    rows = _summary(_markdown(runs))
    assert rows == [
        "| Scan du laboratoire : audit-ti / nmap seul | 10,5 s (médiane de 3) | 10,0 s | 1,05 × | ≤ 1,10 × | **oui** |",
        "| Parallélisme, 8 cas d'usage : débit --jobs 2 / --jobs 1 | 60,0 s | 90,0 s | 1,50 × | ≥ 1,7 × | **non** |",
        "| Taille des rapports (démo) : rapport-technique.pdf | 1234 ko | — | — | — | — |",
    ]


def test_header_describes_the_machine_and_commit() -> None:
    text = _markdown({"scan_vs_nmap": _run("scan_vs_nmap", RunStatus.MEASURED, MET)})
    assert "- commit : abc1234" in text
    assert "- processeur : Exemple 2 cœurs" in text
    assert "- charge moyenne avant les mesures (1, 5, 15 min) : 0,50 0,40 0,30" in text
    assert "- date : 02/12/2026 à 07:45 UTC" in text


def test_section_lists_individual_timings_and_full_output() -> None:
    text = _markdown({"scan_vs_nmap": _run("scan_vs_nmap", RunStatus.MEASURED, MET, output="ligne 1\nligne 2\n")})
    section = text.split("## Banc scan_vs_nmap (`scan_vs_nmap`)", 1)[1]
    assert "Mesuré le 02/12/2026 à 07:45 UTC, commit abc1234" in section
    assert "  - mesures : 10,5, 10,4, 10,9" in section
    assert "  - référence : 10,0, 9,90, 10,2" in section
    assert "```text\n.venv/bin/python bench/scan_vs_nmap.py\n```" in section
    assert "```text\nligne 1\nligne 2\n```" in section
    assert "mode rapide" not in section


def test_not_measured_bench_says_why_and_is_not_a_failure() -> None:
    run = _run("lab_echelle", RunStatus.NOT_MEASURED, reason="non mesuré (root requis)", output="")
    text = _markdown({"lab_echelle": run})
    assert _summary(text) == ["| Banc lab_echelle | — | — | — | — | non mesuré (root requis) |"]
    assert "Non mesuré (root requis) (02/12/2026 à 07:45 UTC)." in text
    assert "échec" not in text.lower().replace("n'échoue", "")


def test_failed_bench_shows_the_tail_of_its_output() -> None:
    output = "".join(f"ligne {index}\n" for index in range(100)) + "Traceback: boom\n"
    run = _run("bench_suite", RunStatus.FAILED, reason="le banc s'est arrêté en erreur", exit_code=1, output=output)
    text = _markdown({"bench_suite": run})
    assert _summary(text) == ["| Banc bench_suite | — | — | — | — | **échec** |"]
    assert "**Échec** (code de sortie 1) : le banc s'est arrêté en erreur." in text
    assert "Traceback: boom" in text
    assert "ligne 99\n" in text
    assert "ligne 10\n" not in text  # only the tail
    assert "Sortie complète" not in text


def test_quick_mode_and_another_machine_are_said() -> None:
    run = _run("evaluation_10k", RunStatus.MEASURED, MET, quick=True, machine="processeur autre")
    text = _markdown({"evaluation_10k": run})
    assert "en mode rapide" in text
    assert _summary(text)[0].startswith("| Scan du laboratoire : audit-ti / nmap seul (mode rapide) | 10,5 s")
    assert "Machine de cette mesure : processeur autre." in text


def test_output_with_backticks_cannot_close_its_block() -> None:
    lines = resultats.fenced("avant\n```\naprès")
    assert lines[0] == "````text"
    assert lines[-1] == "````"


def test_the_kernels_stop_messages_are_counted_not_kept() -> None:
    stop = f"{resultats.KERNEL_STOP}.\n"  # as ipykernel prints it
    kept = resultats.kept_output(f"tour 1 : 16,3 s\n{stop}{stop}rapport 0,74\n")
    assert "caught in kernel." not in kept
    assert kept.startswith("tour 1 : 16,3 s\nrapport 0,74\n")
    assert "(2 ligne(s)" in kept
    assert resultats.kept_output("a\n") == "a\n"


def test_only_merge_keeps_older_sections() -> None:
    stored = {
        "scan_vs_nmap": _run("scan_vs_nmap", RunStatus.MEASURED, MET, when=OLD, commit="0ld0000"),
        "bench_suite": _run("bench_suite", RunStatus.MEASURED, MISSED, when=OLD, commit="0ld0000"),
    }
    fresh = [_run("bench_suite", RunStatus.MEASURED, NO_TARGET), _run("evaluation_10k", RunStatus.MEASURED, MET)]
    runs = resultats.merge(stored, fresh, ORDER)
    assert list(runs) == ["scan_vs_nmap", "evaluation_10k", "bench_suite"]
    assert runs["scan_vs_nmap"] is stored["scan_vs_nmap"]
    assert runs["bench_suite"].measures == (NO_TARGET,)
    text = _markdown(runs)
    assert "Mesuré le 30/11/2026 à 06:05 UTC, commit 0ld0000" in text
    assert "débit --jobs 2" not in text  # the replaced measure is gone


def test_runs_survive_the_json_file(tmp_path: Path) -> None:
    path = tmp_path / "resultats.json"
    runs = {
        "scan_vs_nmap": _run("scan_vs_nmap", RunStatus.MEASURED, MET, MISSED),
        "lab_echelle": _run("lab_echelle", RunStatus.NOT_MEASURED, reason="non mesuré (root requis)"),
    }
    resultats.save_runs(path, runs)
    assert resultats.load_runs(path) == runs
    assert resultats.load_runs(tmp_path / "absent.json") == {}


def test_recorder_appends_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mesures.jsonl"
    monkeypatch.delenv(mesures.ENV, raising=False)
    mesures.record("Section", "sans fichier", 1.0, unit="s")
    assert not path.exists()
    monkeypatch.setenv(mesures.ENV, str(path))
    mesures.record("Section", "a", 2.0, unit="s", baseline=1.0, ratio=2.0, target="≤ 2 ×", met=True, timings=[2.0, 2.1])
    mesures.record("Section", "b", 3.0, unit="Mo")
    parsed = resultats.parse_measures(path.read_text(encoding="utf-8"))
    assert [m.label for m in parsed] == ["a", "b"]
    assert parsed[0].runs == 2
    assert parsed[0].timings == (2.0, 2.1)
    assert json.loads(path.read_text(encoding="utf-8").splitlines()[1])["met"] is None


def test_a_ratio_is_an_overhead_or_a_speed_up_with_its_target_in_french(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mesures.jsonl"
    monkeypatch.setenv(mesures.ENV, str(path))
    mesures.record_ratio("S", "surcoût", 11.0, 10.0, at_most=1.1, timings=[11.0])
    mesures.record_ratio("S", "surcoût manqué", 12.0, 10.0, at_most=1.1)
    mesures.record_ratio("S", "accélération", 20.0, 400.0, at_least=10)
    mesures.record_ratio("S", "accélération manquée", 50.0, 400.0, at_least=10)
    parsed = resultats.parse_measures(path.read_text(encoding="utf-8"))
    assert [(m.ratio, m.target, m.met) for m in parsed] == [
        (pytest.approx(1.1), "≤ 1,1 ×", True),
        (pytest.approx(1.2), "≤ 1,1 ×", False),
        (20.0, "≥ 10 ×", True),
        (8.0, "≥ 10 ×", False),
    ]
    assert all(m.unit == "s" for m in parsed) and parsed[2].baseline == 400.0
    with pytest.raises(ValueError):
        mesures.record_ratio("S", "les deux", 1.0, 1.0, at_most=1.1, at_least=1.0)
    with pytest.raises(ValueError):
        mesures.record_ratio("S", "aucune", 1.0, 1.0)


# -- bench/tout.py's runner, on tiny stand-in scripts (no real bench) -------------------------------

_FAKE = """
import sys
from mesures import record
print("une ligne")
record("Essai", "mesure", 1.5, unit="s", target="< 2 s", met=True, timings=[1.5, 1.4, 1.6])
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
"""


def _fake_bench(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, root: bool = False) -> BenchRun:
    import tout

    (tmp_path / "faux.py").write_text(_FAKE, encoding="utf-8")
    (tmp_path / "mesures.py").write_text(Path(mesures.__file__).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(tout, "BENCH", tmp_path)
    bench = tout.Bench("faux", "Banc factice", root, lambda reps, quick: [str(code)])
    return tout.run_bench(bench, 3, False, THIS_MACHINE, "abc1234")


def test_runner_collects_output_and_measures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = _fake_bench(tmp_path, monkeypatch, 0)
    assert run.status is RunStatus.MEASURED
    assert run.output == "une ligne\n"
    assert [(m.label, m.runs, m.met) for m in run.measures] == [("mesure", 3, True)]


def test_runner_reports_a_bench_that_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = _fake_bench(tmp_path, monkeypatch, 3)
    assert run.status is RunStatus.FAILED
    assert run.exit_code == 3
    assert run.reason == "le banc s'est arrêté en erreur"


def test_runner_skips_lab_benches_without_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    run = _fake_bench(tmp_path, monkeypatch, 0, root=True)
    assert run.status is RunStatus.NOT_MEASURED
    assert run.reason == "non mesuré (root requis)"
    assert run.output == ""
