"""The four example audits, offline from their stored scans: the scans themselves, then « lancer --jobs 2 »."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from audit_ti.inputs.documents import load_audit
from audit_ti.scan.nmap_xml import read_evidence
from tests.conftest import ROOT

AUDITS = ROOT / "audits"
REFERENCES = AUDITS / "references"
EXAMPLES = ("demo-lab", "eclairage-public", "stationnement", "telereleve-eau")
#: The examples whose addresses are documentation ones: their stored scans are translated lab scans.
REALISTIC = ("eclairage-public", "stationnement", "telereleve-eau")
#: Judged as on the day the stored scans were made, so that the lab's certificates do not age.
SCAN_DAY = "2026-12-02"
#: Per example: findings of its stored scan (gateway, requirement, status), from the lab gateway it stands for.
OBSERVED = {
    "demo-lab": [
        ("eclairage-armoire-01", "telnet_expose", "non_conforme"),
        ("passerelle-durcie-01", "certificat_invalide", "conforme"),
    ],
    # armoire-mairie is the medium gateway (TLS 1.0), supervision-eclairage the hardened one.
    "eclairage-public": [
        ("armoire-mairie", "tls_obsolete", "non_conforme"),
        ("supervision-eclairage", "certificat_invalide", "conforme"),
    ],
    # The two LoRaWAN gateways are two of the lab's fleet (one SSH host key for all), the recorder the hardened one.
    "stationnement": [
        ("passerelle-lorawan-centre", "cles_partagees", "non_conforme"),
        ("passerelle-lorawan-gare", "cles_partagees", "non_conforme"),
        ("enregistreur-cameras", "certificat_invalide", "conforme"),
    ],
    # The château d'eau concentrator is the vulnerable gateway; the factory credentials come from the second pass.
    "telereleve-eau": [
        ("concentrateur-chateau-eau", "telnet_expose", "non_conforme"),
        ("concentrateur-chateau-eau", "identifiants_par_defaut", "non_conforme"),
        ("frontal-telereleve", "ssh_mot_de_passe", "conforme"),
    ],
}
_IPV4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")
REPORTS = ("rapport-elus.html", "rapport-elus.pdf", "rapport-technique.html", "rapport-technique.pdf")


def declared_addresses(cas: str) -> set[str]:
    return {str(gateway.address) for gateway in load_audit(AUDITS / f"{cas}.yaml").gateways}


@pytest.mark.parametrize("cas", REALISTIC)
def test_stored_scan_names_only_the_declared_addresses(cas: str) -> None:
    path = REFERENCES / f"{cas}.xml"
    text = path.read_text(encoding="utf-8")
    declared = declared_addresses(cas)
    assert len(declared) == 3
    _, _, parsed = read_evidence(text, path)  # the hardened parser: no entity, no DTD trick, bounded depth
    assert not parsed.recovered
    assert {host.address for host in parsed.facts.hosts} == declared
    assert all(host.ports for host in parsed.facts.hosts), "every gateway shows open ports"
    assert "127." not in text
    assert set(_IPV4.findall(text)) == declared
    assert str(ROOT) not in text and "/tmp/" not in text


@pytest.mark.parametrize("cas", EXAMPLES)
def test_stored_scan_keeps_no_secret(cas: str) -> None:
    text = (REFERENCES / f"{cas}.xml").read_text(encoding="utf-8")
    passwords = re.findall(r'<elem key="password">([^<]*)</elem>', text)
    accounts = re.findall(r"(\S+):(\S+) - Valid credentials", text)
    payloads = re.findall(r'<table key="Topics and their most recent payloads">(.*?)</table>', text, re.DOTALL)
    assert all(password == "[masqué]" for password in passwords)
    assert all(secret == "[masqué]" for _, secret in accounts)
    for payload in payloads:
        values = re.findall(r'<elem key="[^"]*">([^<]*)</elem>', payload)
        assert values and all(value.startswith("[masqué") for value in values)
    if cas == "telereleve-eau":  # its vulnerable gateway gave away a password and MQTT messages: both masked
        assert accounts and payloads


def only_run(reports: Path, cas: str) -> Path:
    (folder,) = (reports / cas).iterdir()
    return folder


@pytest.mark.lent
def test_the_four_examples_run_offline_two_at_a_time(tmp_path: Path) -> None:
    from audit_ti.cli.main import main

    reports = tmp_path / "rapports"
    offline = [arg for cas in EXAMPLES for arg in ("--hors-ligne", str(REFERENCES / f"{cas}.xml"))]
    code = main(
        [
            "lancer",
            "--jobs",
            "2",
            *(str(AUDITS / f"{cas}.yaml") for cas in EXAMPLES),
            *offline,
            "--notebooks",
            str(ROOT / "notebooks"),
            "--grilles",
            str(ROOT / "grilles"),
            "--date",
            SCAN_DAY,
            "--rapports",
            str(reports),
        ]
    )
    assert code in (0, 1)  # 1: blocking findings, as every example has; never invalid (2) nor incomplete (3)
    assert sorted(path.name for path in reports.iterdir()) == sorted(EXAMPLES)
    for cas in EXAMPLES:
        folder = only_run(reports, cas)
        for name in (*REPORTS, "synthese.json", "actions.csv", "results/cyber.json"):
            assert (folder / name).is_file(), f"{cas} : {name}"
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["statut"] == "complet" and manifest["fin"] and manifest["code_sortie"] in (0, 1), cas
        # The stored scan was imported: no scope guard, no nmap run, nmap only as the version of the import.
        steps = {step["etape"]: step for step in manifest["etapes"]}
        assert steps["import"]["statut"] == "termine"
        assert steps["import"]["message"].startswith(str(REFERENCES / f"{cas}.xml"))
        assert not [name for name in steps if name.startswith("nmap") or name == "garde de périmètre"], cas
        assert "nmap" not in manifest["outils_externes"] and "nmap (scan importé)" in manifest["outils_externes"]
        synthesis = json.loads((folder / "synthese.json").read_text(encoding="utf-8"))
        assert synthesis["feu"] in ("vert", "orange", "rouge") and synthesis["statut_execution"] == "complet"
        # The stored scan was evaluated against this audit: its gateways, by name, with observed findings.
        cyber = json.loads((folder / "results" / "cyber.json").read_text(encoding="utf-8"))
        names = {gateway.name for gateway in load_audit(AUDITS / f"{cas}.yaml").gateways}
        assert cyber["complet"] and {gateway["cible"] for gateway in cyber["passerelles"]} == names
        for gateway in cyber["passerelles"]:
            assert gateway["decompte"].get("conforme", 0) + gateway["decompte"].get("non_conforme", 0) > 0
        findings = json.loads((folder / "results" / "findings.json").read_text(encoding="utf-8"))
        status = {(item["cible"], item["exigence"]): (item["statut"], item["source"]) for item in findings}
        for gateway, requirement, expected in OBSERVED[cas]:
            assert status[gateway, requirement] == (expected, "import"), f"{cas} : {gateway}/{requirement}"
        (evidence,) = (folder / "evidence").glob("import-*.xml")
        _, _, parsed = read_evidence(evidence.read_text(encoding="utf-8"), evidence)
        if cas in REALISTIC:
            assert {host.address for host in parsed.facts.hosts} == declared_addresses(cas)
    indices = {
        cas: json.loads((only_run(reports, cas) / "results" / "cyber.json").read_text(encoding="utf-8"))["cas_usage"][
            "indice"
        ]
        for cas in REALISTIC
    }
    # The lab gateways were chosen so that the realistic examples do not all conclude alike.
    assert len(set(indices.values())) == len(REALISTIC), indices
