"""The scan plan comes from the grille: its checks choose ports and scripts, the profile filters."""

from __future__ import annotations

from audit_ti.checks import default_registry
from audit_ti.inputs.documents import load_audit, load_grille
from audit_ti.models import ScanProfile
from audit_ti.scan.plan import build_plan, nmap_arguments
from tests.conftest import FIXTURES, ROOT

AUDIT = load_audit(FIXTURES / "audit-minimal.yaml")
GRILLE = load_grille(ROOT / "grilles" / "hygiene-iot.yaml")


def plan(profile: ScanProfile, privileged: bool):
    return build_plan(AUDIT, [GRILLE], default_registry(), profile, privileged=privileged)


def test_safe_profile_leaves_out_intrusive_scripts_and_says_why() -> None:
    safe = plan(ScanProfile.SAFE, privileged=True)
    assert "ssh-auth-methods" not in safe.scripts and "http-default-accounts" not in safe.scripts
    assert ("ssh-auth-methods", "réservé au profil intrusif") in safe.skipped_scripts
    assert {"ftp-anon", "ssl-enum-ciphers", "ssl-cert", "mqtt-subscribe", "snmp-sysdescr"} <= set(safe.scripts)
    intrusive = plan(ScanProfile.INTRUSIVE, privileged=True)
    assert {"ssh-auth-methods", "http-default-accounts"} <= set(intrusive.scripts)


def test_ports_come_from_the_grille_and_the_declarations() -> None:
    root = plan(ScanProfile.SAFE, privileged=True)
    for port in ("2323", "1880", "8883", "502"):
        assert port in root.tcp_ports.split(",") or any(
            "-" in part and int(part.split("-")[0]) <= int(port) <= int(part.split("-")[1])
            for part in root.tcp_ports.split(",")
        )
    assert set(root.udp_ports.split(",")) >= {"161", "5683", "1900", "47808"}


def test_without_root_no_udp_and_a_connect_scan() -> None:
    user = plan(ScanProfile.SAFE, privileged=False)
    assert user.udp_ports == ""
    assert ("snmp-sysdescr", "sondes UDP impossibles sans droits root") in user.skipped_scripts
    arguments = nmap_arguments(user)
    assert arguments[0] == "-sT" and "-sU" not in arguments


def test_arguments_always_bound_the_time() -> None:
    arguments = nmap_arguments(plan(ScanProfile.SAFE, privileged=True))
    for option in ("--host-timeout", "--script-timeout", "--max-retries", "-Pn", "-n"):
        assert option in arguments
    assert arguments[:5] == ["-sS", "-sU", "-sV", "--version-intensity", "2"]
    assert any(arg.startswith("--script-args=") and "mqtt-subscribe.listen-time=2s" in arg for arg in arguments)


def test_port_specification_is_compact_and_without_duplicates() -> None:
    ports = plan(ScanProfile.SAFE, privileged=True).tcp_ports.split(",")
    assert len(ports) == len(set(ports))
    assert ports[0] == "1-1024"
    assert "1883" in ports and "8883" in ports and "502" not in ports


def test_batches_one_address_family_per_run_and_the_second_pass_on_prompts_only() -> None:
    from pathlib import Path

    from audit_ti.models.facts import HostFacts, HostState, PortFacts, ServiceFacts
    from audit_ti.models.scan_facts import ScanFacts
    from audit_ti.scan.batches import BATCH_SIZE, credential_requests, scan_requests
    from audit_ti.scan.plan import CredentialFiles
    from audit_ti.scan.scope import AuthorisedScope, Target
    from audit_ti.validation.catalog import GrilleCatalog

    catalog = GrilleCatalog(ROOT / "grilles", default_registry())
    plan = build_plan(
        AUDIT,
        [GRILLE],
        default_registry(),
        ScanProfile.INTRUSIVE,
        privileged=True,
        credentials=catalog.factory_credentials([GRILLE]),
    )
    targets = [
        Target(f"p{i}", f"127.0.{i // 250}.{i % 250 + 1}", f"127.0.{i // 250}.{i % 250 + 1}") for i in range(300)
    ]
    scope = AuthorisedScope((*targets, Target("v6", "::1", "::1")), ("127.0.9.0/28",), ScanProfile.INTRUSIVE)
    requests = scan_requests(scope, plan)
    assert [r.label for r in requests] == ["scan-1", "scan-2", "scan-ipv6-1", "decouverte"]
    assert [len(r.targets) for r in requests[:2]] == [BATCH_SIZE, 300 - BATCH_SIZE]
    assert "-6" in requests[2].arguments and "-6" not in requests[0].arguments
    assert not any("brute" in argument for argument in requests[0].arguments)
    telnet = PortFacts("tcp", 23, "open", "syn-ack", ServiceFacts("telnet", method="probed", confidence=10))
    quiet = PortFacts("tcp", 9999, "open", "syn-ack", ServiceFacts("unknown", method="probed", confidence=10))
    run = ScanFacts(
        hosts=(
            HostFacts("127.0.0.1", HostState.UP, ports=(telnet,)),
            HostFacts("127.0.0.2", HostState.UP, ports=(quiet,)),
            HostFacts("127.0.99.9", HostState.UP, ports=(telnet,)),  # not a gateway of the scope
        )
    )
    files = CredentialFiles(Path("/tmp/a"), Path("/tmp/b"))
    [second] = credential_requests(scope, plan, files, {"scan-1": run})
    assert (second.label, second.targets) == ("scan-1-identifiants", ("127.0.0.1",))
    assert any(argument.startswith("--script=") and "telnet-brute" in argument for argument in second.arguments)
    assert "T:23" in second.arguments
