"""run_nmap with the real nmap: it returns nmap's XML as text."""

from __future__ import annotations

import shutil

import pytest

from audit_ti.scan.runner import run_nmap


@pytest.mark.nmap
@pytest.mark.skipif(shutil.which("nmap") is None, reason="nmap est introuvable")
def test_run_nmap_returns_the_xml_text() -> None:
    xml = run_nmap(["127.0.0.1"], ["-sn", "-n"])
    assert xml.startswith("<?xml")
    assert "<nmaprun" in xml and 'addr="127.0.0.1"' in xml
