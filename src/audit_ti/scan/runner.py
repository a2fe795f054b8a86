"""Start nmap, after the guards have accepted every target."""

from __future__ import annotations

from collections.abc import Sequence

import nmap

from audit_ti.errors import ToolMissingError
from audit_ti.scope import check_loopback_only

__all__ = ["run_nmap"]


def run_nmap(targets: Sequence[str], arguments: Sequence[str]) -> str:
    """Run nmap on ``targets`` and return its XML output.

    The loopback-only guard is checked first: a refused target means nmap is never started.

    Raises:
        ScopeError: a target is refused by a guard.
        ToolMissingError: nmap is not installed.
    """
    check_loopback_only(targets)
    try:  # python-nmap runs `nmap -V` as soon as a scanner is built
        scanner = nmap.PortScanner()
    except nmap.PortScannerError:
        raise ToolMissingError(
            "nmap est introuvable : installez-le (« make demo » le fait, ou « apt-get install nmap »)"
        ) from None
    scanner.scan(hosts=" ".join(targets), arguments=" ".join(arguments))
    output = scanner.get_nmap_last_output()
    # python-nmap keeps nmap's standard output as bytes after a scan.
    return output.decode("utf-8", errors="replace") if isinstance(output, bytes) else str(output)
