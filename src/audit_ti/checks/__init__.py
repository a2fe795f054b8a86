"""Automated checks and their registry."""

from audit_ti.checks.registry import CheckParams, CheckRegistry, CheckSpec, NoParams

__all__ = ["REGISTRY", "CheckParams", "CheckRegistry", "CheckSpec", "NoParams", "default_registry"]

#: The registry of the built-in checks.
REGISTRY = CheckRegistry()


def default_registry() -> CheckRegistry:
    """The registry with every built-in check registered."""
    return REGISTRY
