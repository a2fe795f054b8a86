"""The lab's layout: addresses, profiles, services, and agreement with audits/demo-lab.yaml."""

from __future__ import annotations

import ipaddress

import pytest

from audit_ti.errors import InvalidInputError
from audit_ti.inputs.documents import load_audit
from audit_ti.lab import (
    LAB_IPV6_ENV,
    LAB_NETWORK_ENV,
    MAX_SCALE_GATEWAYS,
    SCALE_PER_SUBNET,
    LabLayout,
    Profile,
    ServiceKind,
    ipv6_from_env,
    network_from_env,
    parse_network,
)
from tests.conftest import ROOT


def test_reference_gateways_sit_on_fixed_addresses() -> None:
    layout = LabLayout.build()
    assert [(g.name, str(g.address), g.profile) for g in layout.gateways] == [
        ("eclairage-armoire-01", "127.0.10.1", Profile.VULNERABLE),
        ("telereleve-eau-01", "127.0.10.2", Profile.MEDIUM),
        ("passerelle-durcie-01", "127.0.10.3", Profile.HARDENED),
    ]


def test_each_profile_exposes_what_the_issue_asks() -> None:
    layout = LabLayout.build()
    declarations = {g.profile: {s.declaration for s in g.services} for g in layout.gateways}
    assert declarations[Profile.VULNERABLE] == {
        "23/tcp telnet",
        "21/tcp ftp",
        "80/tcp http",
        "1883/tcp mqtt",
        "161/udp snmp",
        "502/tcp modbus",
        "1880/tcp http",
        "445/tcp smb",
        "554/tcp rtsp",
        "7547/tcp cwmp",
        "37777/tcp dvr",
        "34567/tcp dvr",
    }
    assert declarations[Profile.MEDIUM] == {
        "22/tcp ssh",
        "443/tcp https",
        "1883/tcp mqtt",
        "5683/udp coap",
        "1700/udp semtech-udp",
    }
    assert declarations[Profile.HARDENED] == {"22/tcp ssh", "443/tcp https", "8883/tcp mqtts"}


def test_scale_gateways_follow_the_reference_ones() -> None:
    layout = LabLayout.build(scale_count=MAX_SCALE_GATEWAYS)
    fleet = layout.of_profile(Profile.SCALE)
    assert len(fleet) == 2000
    assert str(fleet[0].address) == "127.0.1.1"
    assert str(fleet[249].address) == "127.0.1.250"
    # Several /24 of the block: the 251st gateway opens the next one.
    assert str(fleet[250].address) == "127.0.2.1"
    assert str(fleet[-1].address) == "127.0.8.250"
    assert fleet[41].name == "capteurs-stationnement-042"
    assert fleet[999].name == "capteurs-stationnement-1000"
    assert {s.kind for s in fleet[0].services} == {ServiceKind.SSH, ServiceKind.HTTP, ServiceKind.MQTT}
    assert len(set(layout.addresses())) == 2003
    # The fleet stays below the reference gateways' /24 and off the .0 and .255 addresses.
    assert all(1 <= gateway.address.packed[2] <= 8 for gateway in fleet)
    assert all(1 <= gateway.address.packed[3] <= 250 for gateway in fleet)


def test_another_block_moves_every_address() -> None:
    layout = LabLayout.build(parse_network("127.42.0.0/16"), scale_count=2)
    assert [str(address) for address in layout.addresses()] == [
        "127.42.10.1",
        "127.42.10.2",
        "127.42.10.3",
        "127.42.1.1",
        "127.42.1.2",
    ]


def test_the_ipv6_gateway_is_a_hardened_one_on_the_ipv6_loopback_when_asked() -> None:
    assert LabLayout.build().ipv6_gateway is None
    layout = LabLayout.build(parse_network("127.42.0.0/16"), scale_count=2, ipv6=True)
    assert [(g.name, str(g.address)) for g in layout.gateways] == [
        ("eclairage-armoire-01", "127.42.10.1"),
        ("telereleve-eau-01", "127.42.10.2"),
        ("passerelle-durcie-01", "127.42.10.3"),
        ("passerelle-ipv6-01", "::1"),
        ("capteurs-stationnement-001", "127.42.1.1"),
        ("capteurs-stationnement-002", "127.42.1.2"),
    ]
    ipv6 = layout.ipv6_gateway
    assert ipv6 is not None and ipv6.ipv6 and ipv6.profile is Profile.HARDENED
    assert {s.declaration for s in ipv6.services} == {"22/tcp ssh", "443/tcp https", "8883/tcp mqtts"}
    assert (ipv6.host, ipv6.endpoint(443)) == ("[::1]", "[::1]:443")
    # The hardened reference stays the IPv4 one; the IPv6 gateway is shown among the references.
    assert layout.reference(Profile.HARDENED).name == "passerelle-durcie-01"
    assert [g.name for g in layout.references][-1] == "passerelle-ipv6-01"
    assert len(layout.fleet) == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", True), ("1", True), ("oui", True), ("0", False), ("non", False), ("False", False)],
)
def test_the_ipv6_gateway_follows_the_environment(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv(LAB_IPV6_ENV, value)
    assert ipv6_from_env() is expected


def test_a_bad_ipv6_switch_is_refused_in_french(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LAB_IPV6_ENV, "peut-être")
    with pytest.raises(InvalidInputError, match="1 ou 0"):
        ipv6_from_env()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.0/16", "boucle locale"),
        ("192.168.0.0/16", "boucle locale"),
        ("127.0.10.0/24", "refusé"),
        ("127.0.0.1", "refusé"),
        ("127.0.0.5/16", "invalide"),
        ("::1/128", "refusé"),
        ("n'importe quoi", "invalide"),
    ],
)
def test_only_a_loopback_slash_16_is_accepted(text: str, expected: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_network(text)
    assert expected in str(caught.value)
    assert "127.0.0.0/16" in str(caught.value)


def test_the_block_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LAB_NETWORK_ENV, "127.77.0.0/16")
    assert network_from_env() == ipaddress.IPv4Network("127.77.0.0/16")
    monkeypatch.setenv(LAB_NETWORK_ENV, "")
    assert network_from_env() == ipaddress.IPv4Network("127.0.0.0/16")
    monkeypatch.setenv(LAB_NETWORK_ENV, "10.1.0.0/16")
    with pytest.raises(InvalidInputError):
        network_from_env()


@pytest.mark.parametrize("count", [-1, MAX_SCALE_GATEWAYS + 1])
def test_scale_count_is_bounded(count: int) -> None:
    with pytest.raises(InvalidInputError, match="0–2000"):
        LabLayout.build(scale_count=count)


def test_demo_audit_declares_the_lab_as_an_integrator_would() -> None:
    """The hardened gateway is declared exactly; the two others expose undeclared extras."""
    audit = load_audit(ROOT / "audits" / "demo-lab.yaml")
    layout = LabLayout.build(ipv6=True)
    assert [(g.name, g.address) for g in audit.gateways] == [(g.name, str(g.address)) for g in layout.gateways]
    assert audit.authorisation is not None
    perimeter = [ipaddress.ip_network(entry) for entry in audit.authorisation.perimeter]
    # The demo audit authorises the first /24 of the scale fleet; larger fleets bring their own audit.
    for gateway in LabLayout.build(scale_count=SCALE_PER_SUBNET, ipv6=True).gateways:
        assert any(gateway.address in network for network in perimeter), gateway.name
    for declared in audit.gateways:
        served = {service.declaration for service in layout.gateway(declared.name).services}
        expected = {str(port) for port in declared.expected_ports}
        assert expected <= served, declared.name
        if layout.gateway(declared.name).profile is Profile.HARDENED:
            assert expected == served
        else:
            assert served - expected, f"{declared.name} devrait exposer des services non déclarés"
