"""Automated checks and their registry."""

from audit_ti.checks.context import Coverage, FleetContext, GatewayContext, Observation
from audit_ti.checks.fleet import register_fleet_checks
from audit_ti.checks.network import register_network_checks
from audit_ti.checks.registry import CheckParams, CheckRegistry, CheckScope, CheckSpec, NoParams

__all__ = [
    "REGISTRY",
    "CheckParams",
    "CheckRegistry",
    "CheckScope",
    "CheckSpec",
    "Coverage",
    "FleetContext",
    "GatewayContext",
    "NoParams",
    "Observation",
    "default_registry",
]

#: The registry of the built-in checks, filled explicitly (no import-time discovery).
REGISTRY = CheckRegistry()
register_network_checks(REGISTRY)
register_fleet_checks(REGISTRY)


def default_registry() -> CheckRegistry:
    """The registry with every built-in check registered."""
    return REGISTRY
