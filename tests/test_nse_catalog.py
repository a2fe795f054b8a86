"""Our NSE catalogue agrees with the nmap that is installed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from audit_ti.models.nse import NSE_SCRIPTS

SCRIPT_DB = Path("/usr/share/nmap/scripts/script.db")


@pytest.mark.nmap
@pytest.mark.skipif(not SCRIPT_DB.exists() or shutil.which("nmap") is None, reason="nmap n'est pas installé")
def test_categories_match_the_installed_nmap() -> None:
    installed = {}
    for line in SCRIPT_DB.read_text().splitlines():
        match = re.match(r'Entry \{ filename = "([^"]+)\.nse", categories = \{ (.*) \} \}', line)
        if match:
            installed[match[1]] = frozenset(re.findall(r'"([^"]+)"', match[2]))
    for script in NSE_SCRIPTS.values():
        if script.bundled:
            continue
        assert script.id in installed, script.id
        assert script.categories == installed[script.id], script.id


def test_bundled_scripts_ship_with_the_package_and_declare_their_categories() -> None:
    bundled = [script for script in NSE_SCRIPTS.values() if script.bundled]
    assert bundled
    for script in bundled:
        path = Path(script.argument)
        assert path.is_file(), path
        declared = re.search(r"^categories = \{(.*)\}$", path.read_text(encoding="utf-8"), re.MULTILINE)
        assert declared is not None
        assert frozenset(re.findall(r'"([^"]+)"', declared[1])) == script.categories


@pytest.mark.nmap
@pytest.mark.skipif(not SCRIPT_DB.exists(), reason="nmap n'est pas installé")
def test_host_scripts_are_those_nmap_runs_per_host() -> None:
    """A hostrule script's output sits under <hostscript>: the checks must know where to read it."""
    for script in NSE_SCRIPTS.values():
        path = Path(script.argument) if script.bundled else SCRIPT_DB.parent / f"{script.id}.nse"
        source = path.read_text(encoding="utf-8", errors="replace")
        rule = re.search(r"^(hostrule|portrule)\s*=", source, re.MULTILINE)
        assert rule is not None, script.id
        assert script.host_level == (rule[1] == "hostrule"), script.id
    assert NSE_SCRIPTS["smb-protocols"].host_level and NSE_SCRIPTS["smb-vuln-ms17-010"].host_level


def test_no_script_that_may_crash_a_device_is_known() -> None:
    for script in NSE_SCRIPTS.values():
        assert not script.categories & {"dos", "exploit"}, script.id
