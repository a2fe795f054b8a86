"""The shipped examples validate, and only the lab one targets the loopback."""

from __future__ import annotations

import ipaddress
from datetime import date

import pytest

from audit_ti.checks import default_registry
from audit_ti.inputs.documents import load_audit
from audit_ti.validation.catalog import GrilleCatalog
from audit_ti.validation.files import validate_file
from tests.conftest import ROOT

EXAMPLES = sorted((ROOT / "audits").glob("*.yaml"))
DOCUMENTATION_RANGES = [ipaddress.IPv4Network(cidr) for cidr in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_valid(path) -> None:
    report = validate_file(path, GrilleCatalog(ROOT / "grilles", default_registry()), date(2026, 11, 22))
    assert report.ok, [str(problem) for problem in report.problems]


def test_the_four_examples_exist() -> None:
    assert {path.stem for path in EXAMPLES} >= {
        "demo-lab",
        "eclairage-public",
        "telereleve-eau",
        "stationnement",
    }


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_addresses_are_loopback_or_documentation_only(path) -> None:
    audit = load_audit(path)
    assert audit.authorisation is not None
    networks = [ipaddress.ip_network(entry) for entry in audit.authorisation.perimeter]
    addresses = [ipaddress.ip_address(gateway.address) for gateway in audit.gateways]
    if path.stem == "demo-lab":
        # 127.0.0.0/8 and ::1 (the IPv6 gateway) only.
        assert all(network.is_loopback for network in networks)
        assert all(address.is_loopback for address in addresses)
    else:
        assert all(
            isinstance(network, ipaddress.IPv4Network) and any(network.subnet_of(doc) for doc in DOCUMENTATION_RANGES)
            for network in networks
        )
        assert all(any(address in doc for doc in DOCUMENTATION_RANGES) for address in addresses)
