"""``audit-ti comparer`` after a real remediation: two scans of the lab, telnet switched off in between."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from audit_ti.cli.main import main
from audit_ti.lab import Lab, LabLayout, Profile, parse_network
from audit_ti.lab.processes import read_records
from tests import factories
from tests.conftest import ROOT
from tests.process_helpers import open_record

pytestmark = [pytest.mark.root, pytest.mark.nmap, pytest.mark.lent]

AUDIT = (
    factories.audit_head("Remédiation de l'armoire d'éclairage", "{address}/32")
    + """
passerelles:
  - nom: {name}
    adresse: {address}
    modele: Contrôleur d'armoire d'éclairage (simulé, configuration vulnérable)
    zone: laboratoire
scan:
  # Every port the telnet requirement names: one left unscanned would make it « non testé », never « corrigé ».
  ports: "T:22,23,80,1883,2323"
  tentatives_max: 1
"""
)


def _scan(audit: Path, reports: Path) -> Path:
    before = set(reports.glob("*/*")) if reports.exists() else set()
    assert main(["scanner", str(audit), "--rapports", str(reports), "--grilles", str(ROOT / "grilles")]) == 1
    (folder,) = set(reports.glob("*/*")) - before
    return folder


def test_comparer_lists_the_telnet_switched_off_on_the_vulnerable_gateway_as_fixed(
    spare_block: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if os.geteuid() != 0:
        pytest.skip("le laboratoire doit être démarré en root (ports inférieurs à 1024)")
    layout = LabLayout.build(parse_network(spare_block), ipv6=False)
    gateway = layout.reference(Profile.VULNERABLE)
    audit = tmp_path / "remediation.yaml"
    audit.write_text(AUDIT.format(name=gateway.name, address=gateway.address), encoding="utf-8")
    reports = tmp_path / "rapports"
    state = tmp_path / "etat"
    Lab(state, layout).start()
    try:
        before = _scan(audit, reports)
        (telnetd,) = [record for record in read_records(state / "pids") if record.name == f"telnetd-{gateway.name}"]
        daemon = open_record(telnetd)
        assert daemon is not None
        with daemon:
            daemon.send(signal.SIGTERM)
            assert daemon.ended(seconds=5)
        after = _scan(audit, reports)
    finally:
        Lab(state).stop()
    capsys.readouterr()
    assert main(["comparer", str(before), str(after)]) == 1  # the gateway keeps other open findings
    out = capsys.readouterr().out
    fixed, rest = out[out.index("Corrigé") : out.index("Nouveau")], out[out.index("Nouveau") :]
    assert "Aucun service telnet" in fixed and gateway.name in fixed
    assert "telnet" not in rest.lower()
