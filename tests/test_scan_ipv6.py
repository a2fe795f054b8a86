"""IPv6 gateways are scanned for real (nmap -6 on ::1), and nmap's own words reach the user in French."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit_ti.checks import default_registry
from audit_ti.models import Status
from audit_ti.runs.cyber import scan_audit
from audit_ti.scan.nmap_errors import french_nmap_messages
from audit_ti.validation.catalog import GrilleCatalog
from tests import factories
from tests.conftest import ROOT

AUDIT = (
    factories.audit_head("Passerelle en IPv6", "::1/128", reference="épreuve locale IPv6")
    + """
passerelles:
  - nom: passerelle-ipv6
    adresse: "::1"
    modele: serveur d'essai
    zone: laboratoire
    ports_attendus:
      - {port}/tcp
scan:
  ports: "{port},{closed}"
  udp: false
  delai_hote_secondes: 120
"""
)


@pytest.fixture
def ipv6_server() -> Iterator[int]:
    if not socket.has_ipv6:
        pytest.skip("IPv6 absent de cette machine")
    server = socket.create_server(("::1", 0), family=socket.AF_INET6)
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                client, _ = server.accept()
            except OSError:
                continue
            client.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def _free_ipv6_port() -> int:
    with socket.socket(socket.AF_INET6) as probe:
        probe.bind(("::1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.nmap
def test_ipv6_gateway_is_scanned_with_dash_6(tmp_path: Path, ipv6_server: int) -> None:
    closed = _free_ipv6_port()
    audit = tmp_path / "ipv6.yaml"
    audit.write_text(AUDIT.format(port=ipv6_server, closed=closed), encoding="utf-8")
    outcome = scan_audit(
        audit, reports_dir=tmp_path / "rapports", catalog=GrilleCatalog(ROOT / "grilles", default_registry())
    )
    manifest = json.loads((outcome.folder / "manifest.json").read_text())
    scan_steps = [step for step in manifest["etapes"] if step["etape"].startswith("nmap scan-ipv6")]
    assert scan_steps and " -6" in scan_steps[0]["message"]
    assert (outcome.folder / "evidence" / "nmap-scan-ipv6-1.xml").exists()
    findings = {f.requirement: f for f in outcome.findings if f.target == "passerelle-ipv6"}
    assert all(f.status is not Status.ERROR for f in findings.values()), outcome.evaluation.incomplete_reasons
    assert outcome.evaluation.complete
    baseline = findings["service_non_declare"]
    # Only two ports were scanned: « seuls les ports déclarés répondent » cannot be said.
    assert baseline.status is Status.NOT_TESTED
    assert "ports non scannés" in baseline.evidence


def test_nmap_messages_become_french_sentences() -> None:
    raw = [
        'Failed to resolve "passerelle.invalid".\nQUITTING!\n',
        'Failed to resolve "passerelle.invalid".\nQUITTING!\n',
    ]
    assert french_nmap_messages(raw) == "nom « passerelle.invalid » introuvable par le résolveur"
    said = french_nmap_messages("setup_target: failed to determine route to 192.0.2.9\nWARNING: odd\n")
    assert "aucune route vers 192.0.2.9" in said
    assert "avertissement de nmap (en anglais) : « odd »" in said
    assert "[" not in french_nmap_messages(["Something new happened"])
    assert french_nmap_messages(None) == ""
