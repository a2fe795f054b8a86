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
