"""The scheduled-run examples of docs/: each parses, and each blocks the deployment on a non-zero exit."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT

EXAMPLES = ROOT / "docs" / "exemples"
_CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\d+(-\d+)?))*$")
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def _cron_ok(fields: list[str]) -> bool:
    for field, (low, high) in zip(fields, _RANGES, strict=True):
        if not _CRON_FIELD.match(field):
            return False
        numbers = [int(n) for n in re.findall(r"\d+", field.split("/")[0])]
        if any(not low <= n <= high for n in numbers):
            return False
    return True


def test_the_cron_line_has_five_valid_fields_a_user_and_runs_the_suite() -> None:
    lines = [line for line in (EXAMPLES / "audit-ti.cron").read_text(encoding="utf-8").splitlines() if line.strip()]
    jobs = [line for line in lines if not line.startswith("#") and "=" not in line.split()[0]]
    assert len(jobs) == 1
    fields = jobs[0].split()
    assert _cron_ok(fields[:5]) and fields[5] == "audit-ti"
    assert "audit-ti lancer" in jobs[0]
    assert not _cron_ok(["61", "*", "*", "*", "*"])  # the check itself can fail


def test_the_systemd_units_parse_and_the_timer_is_a_valid_calendar() -> None:
    service, timer = configparser.ConfigParser(strict=True), configparser.ConfigParser(strict=True)
    service.optionxform = timer.optionxform = str  # type: ignore[assignment,method-assign]
    service.read(EXAMPLES / "audit-ti.service", encoding="utf-8")
    timer.read(EXAMPLES / "audit-ti.timer", encoding="utf-8")
    assert service["Service"]["Type"] == "oneshot"
    assert "audit-ti lancer" in service["Service"]["ExecStart"]
    calendar = timer["Timer"]["OnCalendar"]
    assert timer["Install"]["WantedBy"] == "timers.target"
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze absent : l'expression du calendrier n'est pas vérifiée par systemd")
    done = subprocess.run(["systemd-analyze", "calendar", calendar], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_gitlab_ci_deploys_only_after_the_audit_job() -> None:
    pipeline = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text(encoding="utf-8"))
    assert pipeline["stages"].index("audit") < pipeline["stages"].index("deployer")
    audit = pipeline["audit-avant-deploiement"]
    assert any("audit-ti lancer" in line for line in audit["script"])
    assert audit["artifacts"]["when"] == "always"
    assert pipeline["deployer"]["needs"] == ["audit-avant-deploiement"]


def test_github_actions_deploys_only_after_the_audit_job() -> None:
    workflow = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text(encoding="utf-8"))
    jobs = workflow["jobs"]
    assert jobs["deployer"]["needs"] == "audit"
    assert any("audit-ti lancer" in step.get("run", "") for step in jobs["audit"]["steps"])
    (schedule,) = workflow[True]["schedule"]  # YAML 1.1 reads the key « on » as true
    assert _cron_ok(schedule["cron"].split())
