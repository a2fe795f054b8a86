"""The daemons' generated configurations, read before anything starts (no root needed)."""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
from pathlib import Path

import pytest

from audit_ti.errors import InvalidInputError, ToolMissingError
from audit_ti.lab import Lab, LabLayout, ServiceKind, parse_network
from audit_ti.lab.content import ADMIN_REALM, CWMP_REALM
from audit_ti.lab.daemons import DaemonPlan, PlanContext, plan_daemons
from audit_ti.lab.daemons.mosquitto import password_line
from audit_ti.lab.daemons.openssh import LISTENERS_PER_SERVER
from audit_ti.lab.folder import StateFolder
from audit_ti.lab.pki import Material

_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")


def _plans(tmp_path: Path, layout: LabLayout) -> list[DaemonPlan]:
    folder = StateFolder(tmp_path)
    return plan_daemons(PlanContext(layout, folder, Material.at(folder)))


def _texts(plans: list[DaemonPlan]) -> dict[str, str]:
    return {
        f"{plan.name}:{file.path.name}": file.text
        for plan in plans
        for file in plan.files
        if file.path.suffix in {".conf", ".json", ""}
    }


def test_every_address_in_every_config_is_a_lab_address(tmp_path: Path) -> None:
    layout = LabLayout.build(parse_network("127.42.0.0/16"), scale_count=40)
    lab_addresses = {str(address) for address in layout.addresses()}
    plans = _plans(tmp_path, layout)
    seen = set()
    for name, text in _texts(plans).items():
        for address in _IPV4.findall(text):
            assert address in lab_addresses, f"{name} mentionne {address}"
            seen.add(address)
        assert "0.0.0.0" not in text and "[::]" not in text, name
    # Every daemon argument that names an address names a lab one too (telnetd's -b).
    for plan in plans:
        for argument in plan.arguments:
            for address in _IPV4.findall(argument):
                assert ipaddress.ip_address(address) in layout.network
                seen.add(address)
    assert seen == lab_addresses


def test_only_a_lab_with_the_ipv6_gateway_mentions_the_ipv6_loopback(tmp_path: Path) -> None:
    """Labs of the spare blocks must never touch ::1, which the session lab's IPv6 gateway holds."""
    without = _texts(_plans(tmp_path / "sans", LabLayout.build(parse_network("127.42.0.0/16"))))
    assert not any("::" in text for text in without.values())
    with_ipv6 = _texts(_plans(tmp_path / "avec", LabLayout.build(parse_network("127.42.0.0/16"), ipv6=True)))
    assert any("::1" in text for text in with_ipv6.values())
    for name, text in with_ipv6.items():
        assert not re.search(r"::(?!1\b)", text), f"{name} mentionne une autre adresse IPv6 que ::1"


def test_the_ipv6_gateway_has_its_own_listeners_keys_and_certificate(tmp_path: Path) -> None:
    layout = LabLayout.build(parse_network("127.42.0.0/16"), ipv6=True)
    plans = {plan.name: plan for plan in _plans(tmp_path, layout)}
    material = Material.at(StateFolder(tmp_path))
    sshd = plans["sshd-ipv6"].files[0].text
    assert "AddressFamily inet6" in sshd and "ListenAddress [::1]:22" in sshd
    assert f"HostKey {material.ipv6_ssh_host_key}" in sshd and "AuthenticationMethods publickey" in sshd
    assert "AddressFamily inet\n" in plans["sshd-durcie"].files[0].text
    assert material.ipv6_ssh_host_key != material.hardened_ssh_host_key
    broker = plans["mosquitto"].files[0].text.split("\nlistener ")[-1]
    assert broker.startswith("8883 ::1\n")
    assert f"certfile {material.ipv6_tls_chain}" in broker and "allow_anonymous false" in broker
    web = next(file.text for file in plans["lighttpd"].files if file.path.name == "lighttpd.conf")
    block = web.split('$SERVER["socket"] == "[::1]:443" {')[1].split("}")[0]
    assert f'ssl.pemfile = "{material.ipv6_tls_chain}"' in block and "Strict-Transport-Security" in block
    assert '"host-strict" => "disable"' in web


def test_one_sshd_per_sixteen_scale_gateways(tmp_path: Path) -> None:
    plans = _plans(tmp_path, LabLayout.build(scale_count=200))
    sshd = [plan for plan in plans if plan.program.command == "sshd"]
    assert [plan.name for plan in sshd[:3]] == ["sshd-moyenne", "sshd-durcie", "sshd-echelle-01"]
    assert len(sshd) == 2 + 13
    for plan in sshd:
        (config,) = plan.files
        listeners = [line for line in config.text.splitlines() if line.startswith("ListenAddress ")]
        assert 1 <= len(listeners) <= LISTENERS_PER_SERVER
    # One process each for the broker, the web server and the Python services, whatever the size.
    names = [plan.name for plan in plans]
    assert names.count("mosquitto") == names.count("lighttpd") == names.count("services-python") == 1


def test_hardened_and_medium_ssh_differ_where_the_audit_looks(tmp_path: Path) -> None:
    configs = {plan.name: plan.files[0].text for plan in _plans(tmp_path, LabLayout.build())}
    medium, hardened = configs["sshd-moyenne"], configs["sshd-durcie"]
    assert "PasswordAuthentication yes" in medium
    assert "diffie-hellman-group1-sha1" in medium and "3des-cbc" in medium
    assert "DenyUsers *" in medium
    assert "AuthenticationMethods publickey" in hardened and "PasswordAuthentication no" in hardened
    assert "sha1" not in hardened and "cbc" not in hardened


def test_web_server_configuration(tmp_path: Path) -> None:
    (lighttpd,) = [plan for plan in _plans(tmp_path, LabLayout.build()) if plan.name == "lighttpd"]
    config = next(file.text for file in lighttpd.files if file.path.name == "lighttpd.conf")
    assert f'"realm" => "{ADMIN_REALM}"' in config
    assert '"MinProtocol" => "TLSv1"' in config and '"MinProtocol" => "TLSv1.2"' in config
    assert "Strict-Transport-Security" in config
    assert config.count('$SERVER["socket"]') == 5
    # The 4G router's TR-069 connection request: Digest, as TR-069 asks, on its own account file.
    assert f'"method" => "digest", "realm" => "{CWMP_REALM}"' in config
    assert "lighttpd-cwmp.users" in config
    pages = {file.path.relative_to(tmp_path).as_posix() for file in lighttpd.files if file.path.suffix == ".html"}
    assert "donnees/www/eclairage-armoire-01-admin/system/console/index.html" in pages


def test_recorder_bridge_and_snmp_communities_of_issue_11(tmp_path: Path) -> None:
    layout = LabLayout.build()
    plans = {plan.name: plan for plan in _plans(tmp_path, layout)}
    vulnerable, medium = layout.gateway("eclairage-armoire-01"), layout.gateway("telereleve-eau-01")
    rtsp = json.loads(plans["rtsp"].files[0].text)
    assert rtsp == {"rtsp": [{"adresse": str(vulnerable.address), "port": 554, "chemins": ["/Streaming/Channels/101"]}]}
    # Debian's interpreter, and the server file by its path: it imports nothing of audit_ti.
    assert plans["rtsp"].program.command == "/usr/bin/python3"
    assert plans["rtsp"].arguments[0].endswith("audit_ti/lab/rtsp_server.py")
    python = json.loads(plans["services-python"].files[0].text)
    assert [(entry["adresse"], entry["port"]) for entry in python["semtech"]] == [(str(medium.address), 1700)]
    assert [(entry["adresse"], entry["port"]) for entry in python["dvr"]] == [
        (str(vulnerable.address), 37777),
        (str(vulnerable.address), 34567),
    ]
    snmp = plans["snmpd-eclairage-armoire-01"].files[0].text
    assert "rocommunity public default" in snmp and "rocommunity private default" in snmp
    assert "rwcommunity" not in snmp


def test_mosquitto_password_line_matches_mosquitto_passwd() -> None:
    # Written by mosquitto_passwd 2.0.11 (Debian 12) for the password "s3cret".
    reference = (
        "capteur:$7$101$JX8R8EFBqzSHdOZX$9WwGcGdSK/y7IulDMKIY4upnsPdE4XvZjR0y94BZAzBTqhVUwrrgT7Ty"
        "Z5/PYzkd19BF6etOJ6oOTR1qgUM5Mw=="
    )
    salt = base64.b64decode(reference.split("$")[3])
    assert password_line("capteur", "s3cret", salt) == reference
    assert password_line("capteur", "autre", salt) != reference


def test_broker_listeners_follow_the_profiles(tmp_path: Path) -> None:
    (mosquitto,) = [plan for plan in _plans(tmp_path, LabLayout.build()) if plan.name == "mosquitto"]
    config = mosquitto.files[0].text
    blocks = config.split("\nlistener ")[1:]
    assert [block.splitlines()[0] for block in blocks] == [
        "1883 127.0.10.1",
        "1883 127.0.10.2",
        "8883 127.0.10.3",
    ]
    assert "allow_anonymous true" in blocks[0]
    assert "allow_anonymous false" in blocks[1] and "allow_anonymous false" in blocks[2]
    assert "tls_version tlsv1.2" in blocks[2]


def test_samba_offers_smbv1_on_one_address_and_keeps_its_state_in_the_folder(tmp_path: Path) -> None:
    layout = LabLayout.build(parse_network("127.42.0.0/16"))
    (smbd,) = [plan for plan in _plans(tmp_path, layout) if plan.program.command == "smbd"]
    assert smbd.name == "smbd-eclairage-armoire-01"
    config = next(file.text for file in smbd.files if file.path.name.endswith(".conf"))
    settings = [line.partition(" = ") for line in config.splitlines() if " = " in line]
    values = {key: value for key, _, value in settings}
    # One address, no NetBIOS, no other daemon of the Samba suite, SMBv1 still accepted.
    assert values["interfaces"] == "127.42.10.1/16" and values["bind interfaces only"] == "yes"
    assert values["smb ports"] == "445" and values["disable netbios"] == "yes"
    assert values["server min protocol"] == "NT1"
    assert values["rpc start on demand helpers"] == "no"
    # Every folder Samba writes to is in the state folder; the share is read-only, for guests.
    paths = [value.removeprefix("tdbsam:") for value in values.values() if value.startswith(("/", "tdbsam:"))]
    assert len(paths) == 9
    assert all(Path(path).is_relative_to(tmp_path) for path in paths if path != "/dev/null")
    assert values["read only"] == "yes" and values["guest only"] == "yes"
    assert "--log-basename" in smbd.arguments and "--foreground" in smbd.arguments
    shared = {file.path.relative_to(tmp_path / "donnees").as_posix() for file in smbd.files if file.mode == 0o644}
    assert "smb-eclairage-armoire-01/LISEZMOI.txt" in shared
    # Only the vulnerable controller shares files.
    assert [g.name for g, _ in layout.serving(ServiceKind.SMB)] == ["eclairage-armoire-01"]


def test_a_state_folder_too_long_for_samba_sockets_is_refused_before_anything_starts(tmp_path: Path) -> None:
    """73 characters at most (README): Samba's sockets must fit in a Unix socket path."""
    longest = tmp_path / ("d" * (73 - len(str(tmp_path)) - 1))
    assert len(str(longest)) == 73
    assert _plans(longest, LabLayout.build())
    too_long = Path(f"{longest}e")
    with pytest.raises(InvalidInputError, match="trop long pour Samba"):
        _plans(too_long, LabLayout.build())
    assert not longest.exists() and not too_long.exists()


@pytest.mark.root
def test_missing_daemons_are_named_with_their_package(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("sans root, le laboratoire s'arrête avant de chercher ses logiciels")
    empty = tmp_path / "chemin-vide"
    empty.mkdir()
    lab = Lab(tmp_path / "etat", LabLayout.build(), search_path=str(empty))
    with pytest.raises(ToolMissingError) as caught:
        lab.start()
    message = str(caught.value)
    for program, package in [
        ("mosquitto", "mosquitto"),
        ("sshd", "openssh-server"),
        ("lighttpd", "lighttpd"),
        ("busybox", "busybox-static"),
        ("vsftpd", "vsftpd"),
        ("snmpd", "snmpd"),
        ("smbd", "samba"),
    ]:
        assert f"{program} (paquet {package})" in message
    assert "apt-get install" in message
    assert not (tmp_path / "etat").exists(), "rien ne doit être écrit quand un logiciel manque"
