"""Run folders read back for the reports: results, what is missing and why, tables, charts, notebooks."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from audit_ti.errors import InvalidInputError
from audit_ti.report import charts, impact_tables, tables
from audit_ti.report.views import RunResults, load_run, warnings_html
from audit_ti.runs.audit import import_audit
from audit_ti.runs.impact import evaluate_impact
from audit_ti.validation.catalog import GrilleCatalog
from tests.conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"


def demo_run(reports_dir: Path) -> Path:
    """A complete run folder: the lab's reference scan imported with the demo audit (nothing sent)."""
    catalog = GrilleCatalog.with_builtin_checks(ROOT / "grilles")
    outcome = import_audit(
        ROOT / "audits" / "references" / "demo-lab.xml",
        ROOT / "audits" / "demo-lab.yaml",
        reports_dir=reports_dir,
        catalog=catalog,
    )
    return outcome.folder


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_run(tmp_path_factory.mktemp("rapports"))


@pytest.fixture
def copy(reference: Path, tmp_path: Path) -> Path:
    """A copy of the reference run that a test may damage."""
    return Path(shutil.copytree(reference, tmp_path / "run"))


def _set_manifest(folder: Path, **changes: object) -> None:
    path = folder / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_a_complete_run_is_read_back_with_every_model(reference: Path) -> None:
    run = load_run(reference)
    assert run.manifest is not None and run.manifest.status == "complet"
    assert run.cyber is not None and len(run.cyber.gateways) == 4
    assert run.findings is not None and len(run.findings) == 145
    assert run.aipd is not None and run.inclusion is not None and run.notice is not None
    assert run.notice_markdown
    assert run.missing == () and run.altered == ()
    # The demo's inclusion questionnaire is unfinished: said, even on a complete run.
    assert run.warnings == (
        "L'évaluation d'inclusion n'est pas terminée ; 12 critère(s) non renseigné(s), comptés au plus défavorable.",
    )
    assert not run.clean


def test_a_deleted_result_is_missing_and_says_why(copy: Path) -> None:
    (copy / "results" / "cyber.json").unlink()
    run = load_run(copy)
    assert run.cyber is None
    assert run.missing == (
        "Il manque les résultats de l'audit de cybersécurité (results/cyber.json) : le manifeste l'inscrit, "
        "il a donc été supprimé ou déplacé après l'exécution.",
    )
    assert run.missing[0] in run.warnings
    assert run.altered == ("results/cyber.json",)
    assert 'role="alert"' in warnings_html(run)


def test_an_incomplete_run_says_so_first_and_names_the_failed_step(copy: Path) -> None:
    (copy / "results" / "cyber.json").unlink()
    (copy / "results" / "findings.json").unlink()
    data = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    data["fichiers"] = {k: v for k, v in data["fichiers"].items() if "cyber" not in k and "findings" not in k}
    data["statut"] = "incomplet"
    data["code_sortie"] = 3
    data["etapes"][0].update(etape="nmap ipv4", statut="echec", message="nmap interrompu au bout de 600 s")
    (copy / "manifest.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    run = load_run(copy)
    assert run.warnings[0].startswith("L'exécution est incomplète (code de sortie 3)")
    assert run.warnings[1] == "Étape « nmap ipv4 » : échec (nmap interrompu au bout de 600 s)."
    assert "l'étape « nmap ipv4 » a échoué (nmap interrompu au bout de 600 s)" in run.missing[0]


def test_a_result_changed_after_the_run_is_flagged(copy: Path) -> None:
    path = copy / "results" / "aipd.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"non_obligatoire"', '"exemptee"'), encoding="utf-8")
    run = load_run(copy)
    assert run.altered == ("results/aipd.json",)
    assert any("results/aipd.json a été modifié après l'exécution" in text for text in run.warnings)


def test_an_invalid_result_is_missing_with_the_model_error(copy: Path) -> None:
    (copy / "results" / "inclusion.json").write_text('{"cas": "x"}', encoding="utf-8")
    run = load_run(copy)
    assert run.inclusion is None
    assert "fichier non conforme à son modèle" in run.missing[0]


def test_a_folder_without_manifest_is_read_with_a_warning(copy: Path) -> None:
    (copy / "manifest.json").unlink()
    run = load_run(copy)
    assert run.manifest is None and run.cyber is not None
    assert run.missing[0].startswith("Il manque le manifeste de l'exécution (manifest.json)")
    assert run.case == copy.parent.name


def test_a_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="dossier d'exécution introuvable"):
        load_run(tmp_path / "absent")


def test_the_warning_box_escapes_what_it_shows(reference: Path) -> None:
    run = load_run(reference)
    hostile = RunResults(**{**run.__dict__, "warnings": ("<script>alert(1)</script>",)})
    box = warnings_html(hostile)
    assert box.startswith('<div class="avertissement" role="alert">')
    assert "<script>" not in box and "&lt;script&gt;" in box
    clean = RunResults(**{**run.__dict__, "warnings": ()})
    assert 'role="status"' in warnings_html(clean)


def test_tables_have_french_headers_and_no_computation(reference: Path) -> None:
    run = load_run(reference)
    assert run.cyber and run.findings and run.manifest and run.aipd and run.inclusion
    gateways = tables.gateways_table(run.cyber)
    assert list(gateways.columns) == ["Passerelle", "Indice sur 5", "Verdict", "Motifs"]
    assert gateways.iloc[-1]["Passerelle"] == "cas d'usage (ensemble)"
    assert gateways.iloc[-1]["Indice sur 5"] == "1,5"
    assert len(tables.priorities_table(run.cyber)) == len(run.cyber.priorities)
    counts = tables.status_counts_table(run.findings, tables.theme_titles(run.cyber))
    assert int(counts.drop(columns=["Passerelle", "Thème"]).to_numpy().sum()) == len(run.findings)
    assert "Défense" in set(counts["Thème"])
    problems = tables.findings_table(run.findings)
    assert set(problems["Statut"]) <= {"Non conforme", "À vérifier", "Partiellement conforme", "Non testé", "Erreur"}
    evidence = tables.evidence_table(run.manifest)
    assert evidence.iloc[0]["Fichier"] == "evidence/import-demo-lab.xml"
    assert dict(zip(evidence["Fichier"], evidence["Empreinte SHA-256"], strict=True)) == run.manifest.files
    assert tables.accepted_risks_table(run.findings).empty
    publics = impact_tables.publics_table(run.inclusion)
    # The demo territory gives no share of its own for the first public: a national share, an estimate.
    assert publics.iloc[0]["Habitants"] == "environ 520"
    assert publics.iloc[0]["Origine du chiffre"].startswith("estimation : part nationale")
    assert impact_tables.criteria_table(run.inclusion).columns[0] == "Critère"
    overview = impact_tables.aipd_overview_table(run.aipd)
    assert overview.iloc[0]["Valeur"] == "AIPD non obligatoire"
    for build in (impact_tables.principles_table, impact_tables.risks_table, impact_tables.opinions_table):
        assert not build(run.aipd).empty


def test_charts_carry_a_text_alternative(reference: Path) -> None:
    run = load_run(reference)
    assert run.cyber is not None and run.aipd is not None
    chart = charts.cyber_index_chart(run.cyber)
    assert chart.alt.startswith(
        "Diagramme en barres de l'indice cyber du cas d'usage, sur 5, par thème : Gouvernance 1,0"
    )
    assert tuple(chart.figure.get_size_inches()) == (5.0, 3.0)
    html = charts.figure_html(chart)
    assert html.startswith('<figure class="graphique"><img src="data:image/png;base64,iVBOR')
    assert f'alt="{chart.alt.replace(chr(39), "&#x27;")}"' in html
    empty = charts.risk_map_chart(run.aipd)
    assert empty.alt.endswith("aucun risque n'est encore estimé, la carte est vide.")


def test_the_risk_map_places_each_risk_before_and_after() -> None:
    catalog = GrilleCatalog.with_builtin_checks(ROOT / "grilles")
    aipd = evaluate_impact(ROOT / "audits" / "stationnement.yaml", catalog).aipd
    chart = charts.risk_map_chart(aipd)
    axes = chart.figure.axes[0]
    # Points have matplotlib's default labels (« _child… »); the legend's proxies are named.
    markers = [str(line.get_marker()) for line in axes.get_lines() if str(line.get_label()).startswith("_")]
    assert sorted(markers) == sorted("o" if p.phase == "avant" else "^" for p in aipd.risk_map.points)
    assert "Accès illégitime à des données (I) : avant, gravité maximale et vraisemblance importante" in chart.alt
    assert len(impact_tables.action_plan_table(aipd)) == len(aipd.action_plan)


HEADINGS = {
    "00_synthese": ("Synthèse pour les élus", "Ce qu'il faut faire avant de déployer", "FEU ROUGE"),
    "01_cybersecurite": ("Les six mesures prioritaires", "Preuves et empreintes", "Indice cyber par thème"),
    "02_inclusion": ("Garanties requises par ce niveau", "Publics exposés et habitants concernés"),
    "03_aipd": ("Carte des risques avant et après les mesures", "Information du public sur les capteurs"),
}


@pytest.mark.lent
@pytest.mark.parametrize("name", sorted(HEADINGS))
def test_each_notebook_runs_on_a_run_folder(name: str, reference: Path, tmp_path: Path) -> None:
    import papermill

    started = time.monotonic()
    output = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(output),
        cwd=str(NOTEBOOKS),
        parameters={"dossier_run": str(reference)},
        kernel_name="python3",
        progress_bar=False,
    )
    assert time.monotonic() - started < 30
    notebook = json.loads(output.read_text(encoding="utf-8"))
    text = json.dumps(notebook, ensure_ascii=False)
    assert '"output_type": "error"' not in text
    for heading in HEADINGS[name]:
        assert heading in text, heading
    first = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code" and cell["outputs"])
    assert 'class="avertissement" role="alert"' in "".join(first["outputs"][0]["data"]["text/html"])


def test_notebooks_are_stored_with_outputs_but_no_volatile_metadata_and_one_parameters_cell() -> None:
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        assert notebook["metadata"]["kernelspec"]["name"] == "python3"
        assert notebook["cells"][0]["cell_type"] == "markdown"
        assert notebook["cells"][0]["source"][0].startswith("# ")
        tagged = [c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", ())]
        assert [c["source"] for c in tagged] == [['audit = "../audits/demo-lab.yaml"\n', 'dossier_run = ""']]
        assert notebook["cells"][1] is tagged[0]
        # The outputs of the reference run are kept for nbval; nothing that changes between runs is.
        assert set(notebook["metadata"]) <= {"kernelspec", "language_info"}
        assert "version" not in notebook["metadata"].get("language_info", {})
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        assert all(c.get("outputs") for c in code[2:]), path.name
        assert not any("execution" in c["metadata"] or "papermill" in c["metadata"] for c in code)


def test_the_public_notice_is_shown_escaped(reference: Path) -> None:
    from audit_ti.report.notebook import notice_html

    run = load_run(reference)
    assert run.notice is not None
    hostile = run.notice.model_copy(update={"title": "<img src=x onerror=alert(1)>"})
    page = notice_html(hostile)
    assert "<img" not in page and "&lt;img" in page
    assert "<h4>De quoi s&#x27;agit-il ?</h4>" in page
