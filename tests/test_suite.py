"""The suite's machinery, on small notebooks written by the test: papermill, run folder, reports, workers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pikepdf
import pytest

from audit_ti.errors import ExitCode, InvalidInputError
from audit_ti.report.pdf_tags import structure_kids
from audit_ti.runs.notebooks import NOTEBOOKS, check_parameters
from audit_ti.runs.suite import run_suite, run_suites
from tests.conftest import ROOT
from tests.suite_helpers import DEMO, REFERENCE, pdf_text, settings, words_off_the_page

pytestmark = pytest.mark.lent

VIEW = """
import json
from dataclasses import replace
from pathlib import Path
path = Path(dossier_run) / "results" / "cyber.json"
cyber = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
print("Verdict :", cyber["cas_usage"]["verdict"] if cyber else "absent")
"""


def write_notebooks(folder: Path, failing: str = "", undeclared: str = "") -> Path:
    """Four notebooks that read the run's results; one may fail, one may forget a parameter."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in NOTEBOOKS:
        notebook = nbformat.v4.new_notebook()
        parameters = 'audit = "../audits/demo-lab.yaml"\n' + ("" if name == undeclared else 'dossier_run = ""\n')
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        body = 'raise RuntimeError("panne voulue")' if name == failing else VIEW
        notebook.cells = [nbformat.v4.new_markdown_cell(f"# {name} : essai"), cell, nbformat.v4.new_code_cell(body)]
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(notebook, folder / f"{name}.ipynb")
    return folder


def test_one_use_case_leaves_one_folder_with_notebooks_and_both_reports(tmp_path: Path) -> None:
    outcome = run_suite(DEMO, settings(tmp_path, write_notebooks(tmp_path / "nb")))
    assert outcome.exit_code is ExitCode.BLOCKING_FINDINGS  # the demo's vulnerable gateways, nothing missing
    assert outcome.folder is not None and not outcome.missing
    folder = outcome.folder
    names = {path.name for path in folder.iterdir()}
    expected = {"rapport-elus.html", "rapport-elus.pdf", "rapport-technique.html", "rapport-technique.pdf"}
    assert expected | {"evidence", "results", "notebooks", "logs", "manifest.json"} <= names
    assert sorted(path.stem for path in (folder / "notebooks").glob("*.ipynb")) == sorted(NOTEBOOKS)
    executed = nbformat.read(folder / "notebooks" / "01_cybersecurite.ipynb", as_version=4)
    assert "Verdict : deploiement_deconseille" in json.dumps(executed.cells[-1].outputs)
    html = (folder / "rapport-technique.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html
    assert "<script" not in html and "In [" not in html and "dossier_run" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert (folder / "rapport-elus.pdf").read_bytes().startswith(b"%PDF-")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["statut"] == "complet" and manifest["code_sortie"] == 1
    assert {f"notebook {name}" for name in NOTEBOOKS} <= {step["etape"] for step in manifest["etapes"]}
    assert "rapport-elus.pdf" in manifest["fichiers"]
    assert {"synthese.json", "actions.csv"} <= names and json.loads((folder / "synthese.json").read_text())[
        "feu"
    ] == "rouge"

    from audit_ti.cli.main import main

    before = (folder / "rapport-elus.html").stat().st_mtime_ns
    assert main(["rapport", str(folder)]) == 0  # rendered again from the executed notebooks
    assert (folder / "rapport-elus.html").stat().st_mtime_ns > before
    assert main(["verifier", str(folder)]) == 0  # the manifest knows the new reports' hashes


def test_a_failed_notebook_makes_the_use_case_incomplete_and_the_reports_say_so(tmp_path: Path) -> None:
    outcome = run_suite(DEMO, settings(tmp_path, write_notebooks(tmp_path / "nb", failing="02_inclusion")))
    assert outcome.exit_code is ExitCode.INCOMPLETE_RUN
    assert any("02_inclusion" in reason and "panne voulue" in reason for reason in outcome.missing)
    assert outcome.folder is not None
    for report in ("rapport-elus.html", "rapport-technique.html"):
        html = (outcome.folder / report).read_text(encoding="utf-8")
        top = html[html.index("<main>") :][:600]
        assert 'class="avertissement"' in top and "feu vert" in top
    manifest = json.loads((outcome.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["statut"] == "incomplet" and manifest["code_sortie"] == 3


def test_without_a_scan_the_reports_say_the_cyber_audit_is_missing(tmp_path: Path) -> None:
    outcome = run_suite(DEMO, settings(tmp_path, write_notebooks(tmp_path / "nb"), skip_scan=True))
    assert outcome.exit_code is ExitCode.INCOMPLETE_RUN
    assert outcome.missing and "sans scan" in outcome.missing[0]


def test_a_notebook_without_the_parameters_is_refused_before_anything_runs(tmp_path: Path) -> None:
    notebooks = write_notebooks(tmp_path / "nb", undeclared="03_aipd")
    with pytest.raises(InvalidInputError, match="dossier_run"):
        check_parameters(notebooks)
    with pytest.raises(InvalidInputError):
        run_suite(DEMO, settings(tmp_path, notebooks))
    assert not (tmp_path / "rapports").exists()


def test_use_cases_run_in_workers_and_a_broken_one_does_not_stop_the_others(tmp_path: Path) -> None:
    broken = tmp_path / "casse.yaml"
    broken.write_text("cas_usage: [\n", encoding="utf-8")
    seen: list[tuple[str, str, str]] = []
    outcomes = run_suites(
        [DEMO, broken],
        settings(tmp_path, write_notebooks(tmp_path / "nb")),
        jobs=2,
        progress=lambda case, what, state: seen.append((case, what, state)),
    )
    assert [outcome.exit_code for outcome in outcomes] == [ExitCode.BLOCKING_FINDINGS, ExitCode.INVALID_INPUT]
    assert outcomes[1].folder is None and outcomes[1].problems
    assert not (tmp_path / "rapports" / "casse").exists()
    assert ("demo-lab", "00_synthese", "termine") in seen


def test_lancer_refuses_a_number_of_offline_scans_that_matches_no_audit(capsys: pytest.CaptureFixture[str]) -> None:
    from audit_ti.cli.main import main

    xml = str(REFERENCE)
    assert main(["lancer", str(DEMO), "--hors-ligne", xml, "--hors-ligne", xml]) == 2
    assert "--hors-ligne" in capsys.readouterr().err


def test_lancer_runs_the_suite_and_prints_the_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from audit_ti.cli.main import main

    notebooks = write_notebooks(tmp_path / "nb")
    reports = tmp_path / "rapports"
    args = ["lancer", str(DEMO), "--hors-ligne", str(REFERENCE), "--notebooks", str(notebooks)]
    assert main([*args, "--rapports", str(reports), "--grilles", str(ROOT / "grilles")]) == 1
    out = capsys.readouterr().out
    assert "demo-lab" in out and "rapport-elus.pdf" in out and "rapport-technique.html" in out


SECRET = "Zx9-secret-plante-7Q"


def test_a_planted_password_appears_in_no_file_of_the_run(tmp_path: Path) -> None:
    """A password a brute script found is masked everywhere: evidence, results, notebooks, reports, logs."""
    source = (ROOT / "tests" / "fixtures" / "nmap" / "labo-identifiants-usine.xml").read_text(encoding="utf-8")
    assert "[masqué]" in source
    xml = tmp_path / "identifiants.xml"
    xml.write_text(source.replace("[masqué]", SECRET), encoding="utf-8")
    outcome = run_suite(DEMO, settings(tmp_path, ROOT / "notebooks", offline_scan=xml))
    assert outcome.folder is not None
    files = [path for path in outcome.folder.rglob("*") if path.is_file()]
    assert len(files) > 15 and any(path.suffix == ".ipynb" for path in files)
    leaks = [path for path in files if SECRET.encode() in path.read_bytes()]
    assert not leaks
    # The PDFs are drawn from the HTML reports checked above; the account name is kept, the password is not.
    assert "admin" in (outcome.folder / "results" / "findings.json").read_text(encoding="utf-8")


def _structure(node: pikepdf.Object) -> list[pikepdf.Dictionary]:
    """Every element of a PDF structure tree under ``node``."""
    elements = structure_kids(node)
    return elements + [deeper for element in elements for deeper in _structure(element)]


def test_the_pdf_reports_are_tagged_french_and_say_the_verdict_and_the_priorities(tmp_path: Path) -> None:
    outcome = run_suite(DEMO, settings(tmp_path, ROOT / "notebooks"))
    assert outcome.folder is not None
    folder = outcome.folder
    cyber = json.loads((folder / "results" / "cyber.json").read_text(encoding="utf-8"))
    priorities = [measure["titre"] for measure in cyber["mesures_prioritaires"]]
    assert len(priorities) == 6
    elected = pdf_text(folder / "rapport-elus.pdf")
    assert "FEU ROUGE" in elected
    assert [title for title in priorities if title not in elected] == []
    for name in ("rapport-elus.pdf", "rapport-technique.pdf"):
        with pikepdf.open(folder / name) as pdf:
            assert "/StructTreeRoot" in pdf.Root, name
            assert bool(pdf.Root.MarkInfo.Marked), name
            assert str(pdf.Root.Lang) == "fr", name
            headers = [node for node in _structure(pdf.Root.StructTreeRoot) if node.S == "/TH"]
            assert headers and all(node.A.Scope in ("/Column", "/Row") for node in headers), name
            if name == "rapport-elus.pdf":
                assert len(pdf.pages) <= 2  # « les deux pages pour les élus »
        assert (folder / name).stat().st_size < 1_000_000
        assert words_off_the_page(folder / name) == [], name
    assert (folder / "rapport-elus.html").stat().st_size < 500_000
