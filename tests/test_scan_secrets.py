"""Secrets from the environment: the authority's SNMP community, used by a real scan and found in no file of the run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit_ti.cli.main import main
from audit_ti.errors import InvalidInputError
from audit_ti.inputs.documents import load_audit
from audit_ti.models.scan_facts import AUTHORITY_SUFFIX, with_script_suffix
from audit_ti.scan.secrets import community_arguments_file, mask_secrets, read_secrets
from tests import factories
from tests.conftest import ROOT, lab_block

#: A community no one would guess, planted in the agent and in the environment only.
SECRET = "Zx9-communaute-plantee-7Q"
VARIABLE = "AUDIT_TI_ESSAI_COMMUNAUTE"
# In the block no lab of the suite listens on, shifted with AUDIT_TI_LAB_RESEAU like the other tests: two
# checkouts testing side by side must not start their agents on the same address.
_SUBNET = lab_block(2).replace(".0.0/16", ".41")
ADDRESS = f"{_SUBNET}.1"
DESCRIPTION = "Passerelle d'essai audit-ti, micrologiciel 9.9.9"

AUDIT = (
    factories.audit_head("Essai des secrets du scan", f"{_SUBNET}.0/24")
    + f"""
passerelles:
  - nom: passerelle-snmp
    adresse: {ADDRESS}
    modele: agent SNMP qui refuse « public »
    zone: laboratoire
    ports_attendus:
      - 161/udp
scan:
  ports: "T:22,U:161"
  udp: true
  tentatives_max: 1
  secrets:
    communaute_snmp: {VARIABLE}
"""
)

#: The line of the key the errors must name.
LINE = next(number for number, text in enumerate(AUDIT.split("\n"), start=1) if "communaute_snmp" in text)


def write_audit(folder: Path, text: str = AUDIT) -> Path:
    path = folder / "secrets.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[None]:
    """A real net-snmp agent on the loopback that answers the planted community only (not « public »)."""
    snmpd = shutil.which("snmpd") or "/usr/sbin/snmpd"
    if os.geteuid() != 0:
        pytest.skip("l'agent SNMP d'essai écoute sur 161/udp : root est nécessaire")
    folder = tmp_path / "snmpd"
    folder.mkdir(mode=0o700)
    config = folder / "snmpd.conf"
    config.write_text(
        f"agentaddress udp:{ADDRESS}:161\nview systemonly included .1.3.6.1.2.1.1\n"
        f"rocommunity {SECRET} default -V systemonly\nsysdescr {DESCRIPTION}\n",
        encoding="utf-8",
    )
    arguments = [snmpd, "-f", "-C", "-c", str(config), "-Lo", "-I", "-smux", "-m", "", "-M", str(folder)]
    environment = {"PATH": os.environ.get("PATH", ""), "SNMP_PERSISTENT_DIR": str(folder)}
    process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, env=environment)
    try:
        time.sleep(0.5)
        assert process.poll() is None, "snmpd ne s'est pas lancé"
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.nmap
@pytest.mark.lent
def test_the_authority_community_proves_public_refused_and_appears_in_no_file(
    agent: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(VARIABLE, SECRET)
    reports = tmp_path / "rapports"
    args = ["lancer", str(write_audit(tmp_path)), "--rapports", str(reports), "--grilles", str(ROOT / "grilles")]
    assert main(args) in (0, 1)
    (run,) = (reports / "secrets").iterdir()
    files = [path for path in run.rglob("*") if path.is_file()]
    assert {"manifest.json", "rapport-elus.pdf", "rapport-technique.html"} <= {path.name for path in files}
    assert any(path.parent.name == "logs" for path in files) and any(path.suffix == ".ipynb" for path in files)
    assert [path for path in files if SECRET.encode() in path.read_bytes()] == []
    # The counter-test really ran with the community: the agent's description is in its evidence.
    counter_test = run / "evidence" / "nmap-scan-1-snmp-collectivite.xml"
    assert DESCRIPTION.replace("'", "&apos;") in counter_test.read_text(encoding="utf-8")
    findings = json.loads((run / "results" / "findings.json").read_text(encoding="utf-8"))
    (public,) = [f for f in findings if f["exigence"] == "snmp_communaute_defaut"]
    assert public["statut"] == "conforme", public
    assert "secret de la collectivité" in public["preuve"] and "micrologiciel 9.9.9" in public["preuve"]


@pytest.mark.nmap
def test_without_the_variable_nothing_is_sent_and_the_error_names_variable_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)
    audit = write_audit(tmp_path)
    reports = tmp_path / "rapports"
    assert main(["scanner", str(audit), "--rapports", str(reports), "--grilles", str(ROOT / "grilles")]) == 2
    err = capsys.readouterr().err
    assert VARIABLE in err and "secrets.yaml" in err and "communaute_snmp" in err and f"ligne {LINE}," in err
    assert not reports.exists() or not any(reports.rglob("manifest.json"))


def test_the_audit_names_a_variable_never_a_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    audit = write_audit(tmp_path, AUDIT.replace(f"communaute_snmp: {VARIABLE}", "communaute_snmp: ma-communaute"))
    assert main(["valider", str(audit), "--grilles", str(ROOT / "grilles")]) == 2
    err = capsys.readouterr().err
    assert "NOM d'une variable d'environnement" in err and "communaute_snmp" in err


@pytest.mark.parametrize("value", ["", "a,b", 'x"y', "a=b", "a\nb", "x" * 256])
def test_a_community_nmap_cannot_receive_is_refused_without_being_shown(tmp_path: Path, value: str) -> None:
    audit = load_audit(write_audit(tmp_path))
    with pytest.raises(InvalidInputError) as refused:
        read_secrets(audit, {VARIABLE: value})
    (problem,) = refused.value.problems
    assert problem.key == "scan.secrets.communaute_snmp" and VARIABLE in problem.message
    assert problem.line == LINE
    if value:
        assert value not in problem.message


def test_secrets_are_masked_and_hidden_from_repr(tmp_path: Path) -> None:
    audit = load_audit(write_audit(tmp_path))
    secrets = read_secrets(audit, {VARIABLE: SECRET})
    assert secrets.values == (SECRET,) and SECRET not in repr(secrets)
    assert mask_secrets(f"args creds.snmp=:{SECRET} fin", secrets.values) == "args creds.snmp=:[masqué] fin"
    assert read_secrets(load_audit(ROOT / "audits" / "demo-lab.yaml"), {}).values == ()


def test_the_arguments_file_is_private_and_removed() -> None:
    with community_arguments_file(SECRET) as path:
        assert path.read_text(encoding="utf-8") == f"creds.snmp=:{SECRET}\n"
        assert path.stat().st_mode & 0o077 == 0 and "," not in str(path) and " " not in str(path)
    assert not path.exists() and not path.parent.exists()


def test_counter_test_outputs_are_kept_apart_from_the_default_value_ones() -> None:
    sysdescr = factories.script("snmp-sysdescr", "x")
    run = factories.run(factories.host(factories.port(161, "snmp", protocol="udp", scripts=(sysdescr,))))
    renamed = with_script_suffix(run, AUTHORITY_SUFFIX)
    (port,) = renamed.hosts[0].ports
    assert port.script("snmp-sysdescr") is None and port.script("snmp-sysdescr" + AUTHORITY_SUFFIX) is not None
    assert renamed.requested_scripts == {name + AUTHORITY_SUFFIX for name in run.requested_scripts}
