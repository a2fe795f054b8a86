"""The lab: simulated IoT gateways on the loopback, served by real daemons (demo, tests, benchmarks).

This package imports nothing of audit_ti but ``audit_ti.errors``: the command line, the tests
and the benchmarks use the lab, never the other way round::

    layout = LabLayout.build(network_from_env(), scale_count=0, ipv6=ipv6_from_env())
    lab = Lab(folder, layout)
    lab.start()
    ...
    lab.stop()

``Lab`` and its status types load on first use: they pull in ``cryptography``, which the
command line should not pay for when it only prints its help.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from audit_ti.lab.folder import LAB_FOLDER_ENV, default_folder
from audit_ti.lab.layout import (
    DEFAULT_NETWORK,
    IPV6_ADDRESS,
    IPV6_GATEWAY,
    LAB_IPV6_ENV,
    LAB_NETWORK_ENV,
    MAX_SCALE_GATEWAYS,
    SCALE_PER_SUBNET,
    LabGateway,
    LabLayout,
    Profile,
    Service,
    ServiceKind,
    Transport,
    ipv6_from_env,
    network_from_env,
    parse_network,
)

if TYPE_CHECKING:
    from audit_ti.lab.lifecycle import Lab, ProgressCallback, StopReport
    from audit_ti.lab.state import DaemonStatus, EndpointStatus, LabStatus

__all__ = [
    "DEFAULT_NETWORK",
    "IPV6_ADDRESS",
    "IPV6_GATEWAY",
    "LAB_FOLDER_ENV",
    "LAB_IPV6_ENV",
    "LAB_NETWORK_ENV",
    "MAX_SCALE_GATEWAYS",
    "SCALE_PER_SUBNET",
    "DaemonStatus",
    "EndpointStatus",
    "Lab",
    "LabGateway",
    "LabLayout",
    "LabStatus",
    "Profile",
    "ProgressCallback",
    "Service",
    "ServiceKind",
    "StopReport",
    "Transport",
    "default_folder",
    "ipv6_from_env",
    "network_from_env",
    "parse_network",
]

# Name → the module defining it, imported only when the name is first asked for (see above).
_LAZY = {
    "DaemonStatus": "audit_ti.lab.state",
    "EndpointStatus": "audit_ti.lab.state",
    "Lab": "audit_ti.lab.lifecycle",
    "LabStatus": "audit_ti.lab.state",
    "ProgressCallback": "audit_ti.lab.lifecycle",
    "StopReport": "audit_ti.lab.lifecycle",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
