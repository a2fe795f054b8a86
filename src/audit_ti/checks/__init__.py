"""Automated checks and their registry."""

from audit_ti.checks import credentials, exposure, fleet, scripts, tls, vulnerabilities
from audit_ti.checks.context import Coverage, FleetContext, GatewayContext, Observation
from audit_ti.checks.registry import CheckCatalog, CheckParams, CheckRegistry, CheckScope, CheckSpec, NoParams

__all__ = [
    "REGISTRY",
    "CheckCatalog",
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
for _module in (exposure, scripts, tls, credentials, fleet, vulnerabilities):
    REGISTRY.include(_module.CHECKS)


def default_registry() -> CheckRegistry:
    """The registry with every built-in check registered."""
    return REGISTRY
