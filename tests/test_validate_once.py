"""Each command reads and checks an audit file once, and a scan never reads a statistics CSV."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from audit_ti.cli.main import main
from audit_ti.inputs import yaml_reader
from audit_ti.validation import audit_rules
from tests import factories
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures"
GRILLES = ROOT / "grilles"

#: A loopback gateway with one port to scan, and an inclusion section whose territory CSV is broken.
AUDIT = (
    factories.audit_head("Lecture unique", "127.0.41.0/24")
    + """
passerelles:
  - nom: passerelle-seule
    adresse: 127.0.41.1
    modele: rien n'écoute
    zone: laboratoire
scan:
  ports: "9"
  tentatives_max: 0
inclusion:
  territoire:
    nom: Commune d'essai
    statistiques: territoire.csv
"""
)


def broken_audit(folder: Path) -> Path:
    path = folder / "lecture-unique.yaml"
    path.write_text(AUDIT, encoding="utf-8")
    (folder / "territoire.csv").write_text("ceci n'est pas ; un fichier de statistiques\n\x00", encoding="utf-8")
    return path


class Reads:
    """How many times each YAML file was parsed, and each audit checked, during one command."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.parsed: Counter[Path] = Counter()
        self.checked: Counter[str] = Counter()
        parse, gateways = yaml_reader._parse, audit_rules._gateway_problems

        def counting_parse(path: Path, text: str) -> Any:
            self.parsed[path.resolve()] += 1
            return parse(path, text)

        def counting_rules(audit: Any) -> Any:
            self.checked[audit.use_case.name] += 1
            return gateways(audit)

        monkeypatch.setattr(yaml_reader, "_parse", counting_parse)
        monkeypatch.setattr(audit_rules, "_gateway_problems", counting_rules)

    def assert_once(self, audit: Path) -> None:
        assert self.parsed[audit.resolve()] == 1, self.parsed
        assert sum(self.checked.values()) == 1, self.checked
        twice = {path: count for path, count in self.parsed.items() if count > 1}
        assert not twice, f"lus plusieurs fois : {twice}"


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Reads]:
    yield Reads(monkeypatch)


@pytest.mark.parametrize("case", ["stationnement", "eclairage-public"])
def test_evaluer_reads_and_checks_the_audit_once(case: str, tmp_path: Path, reads: Reads) -> None:
    audit = ROOT / "audits" / f"{case}.yaml"
    code = main(["evaluer", str(audit), "--rapports", str(tmp_path), "--grilles", str(GRILLES)])
    assert code in (0, 1)
    reads.assert_once(audit)


def test_valider_reads_and_checks_the_audit_once(reads: Reads) -> None:
    audit = ROOT / "audits" / "telereleve-eau.yaml"
    assert main(["valider", str(audit), "--grilles", str(GRILLES)]) == 0
    reads.assert_once(audit)


def test_valider_of_everything_reads_each_file_once(reads: Reads, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["valider"]) == 0
    audits = sorted((ROOT / "audits").glob("*.yaml"))
    assert sum(reads.checked.values()) == len(audits)
    for audit in audits:
        assert reads.parsed[audit.resolve()] == 1, audit
    assert max(reads.parsed.values()) == 1, reads.parsed


def test_importer_reads_and_checks_the_audit_once(tmp_path: Path, reads: Reads) -> None:
    audit = FIXTURES / "audits" / "import-dionaea.yaml"
    xml = FIXTURES / "nmap" / "dionaea_scan.xml"
    code = main(["importer", str(xml), "--audit", str(audit), "--rapports", str(tmp_path), "--grilles", str(GRILLES)])
    assert code in (0, 1, 3)
    reads.assert_once(audit)


def test_aipd_export_reads_and_checks_the_audit_once(tmp_path: Path, reads: Reads) -> None:
    audit = ROOT / "audits" / "stationnement.yaml"
    output = tmp_path / "pia.json"
    assert main(["aipd", "exporter", str(audit), "-o", str(output), "--grilles", str(GRILLES)]) == 0
    reads.assert_once(audit)


def test_the_impact_commands_do_read_the_territory_csv(tmp_path: Path) -> None:
    """The broken CSV of the scan test below is refused where it is needed: the test can fail."""
    audit = broken_audit(tmp_path)
    assert main(["evaluer", str(audit), "--rapports", str(tmp_path / "r"), "--grilles", str(GRILLES)]) == 2
    assert main(["valider", str(audit), "--grilles", str(GRILLES)]) == 2


_SCAN_WITHOUT_PANDAS = """
import sys
sys.modules["pandas"] = None  # importing pandas now raises ImportError
from audit_ti.cli.main import main
code = main(sys.argv[1:])
sys.exit(code)
"""


@pytest.mark.nmap
@pytest.mark.parametrize("command", ["scanner", "importer"])
def test_a_scan_never_imports_pandas_nor_reads_a_territory_csv(command: str, tmp_path: Path) -> None:
    audit = broken_audit(tmp_path)
    reports = tmp_path / "rapports"
    if command == "scanner":
        args = ["scanner", str(audit)]
    else:
        args = ["importer", str(FIXTURES / "nmap" / "1_hosts_down.xml"), "--audit", str(audit)]
    done = subprocess.run(
        [sys.executable, "-c", _SCAN_WITHOUT_PANDAS, *args, "--rapports", str(reports), "--grilles", str(GRILLES)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"AUDIT_TI_BOUCLE_LOCALE": "1", "PATH": "/usr/local/bin:/usr/bin:/bin", "COLUMNS": "200"},
    )
    assert done.returncode in (0, 1, 3), done.stderr
    assert "Erreur interne" not in done.stderr + done.stdout, done.stderr
    (manifest,) = reports.glob("*/*/manifest.json")
    assert json.loads(manifest.read_text(encoding="utf-8"))["statut"] in ("complet", "incomplet")
    assert (manifest.parent / "results" / "cyber.json").is_file()


@pytest.mark.nmap
def test_auditer_reads_the_audit_once_and_leaves_one_folder(tmp_path: Path, reads: Reads) -> None:
    audit = tmp_path / "audit-complet.yaml"
    audit.write_text(AUDIT.replace("    statistiques: territoire.csv\n", ""), encoding="utf-8")
    reports = tmp_path / "rapports"
    code = main(["auditer", str(audit), "--rapports", str(reports), "--grilles", str(GRILLES)])
    assert code in (0, 1), code
    reads.assert_once(audit)
    (folder,) = reports.glob("*/*/")
    results = {path.name for path in (folder / "results").iterdir()}
    assert {"cyber.json", "findings.json", "aipd.json", "inclusion.json", "information-public.json"} <= results
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    steps = [step["etape"] for step in manifest["etapes"]]
    assert "évaluation" in steps and "evaluation_aipd_inclusion" in steps
    assert manifest["statut"] == "complet" and manifest["code_sortie"] == code
    assert {"aipd", "inclusion"} <= set(manifest["grilles"])
