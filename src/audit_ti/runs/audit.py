"""A whole audit in one run: the cyber pipeline and the impact pipeline, side by side in one run folder.

The audit file is read and checked once for both; the scope guard runs before the folder is
created, so a refused scan leaves nothing behind. The impact results are written even when the
scan was cut short: the manifest then says the run is incomplete.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from audit_ti.errors import ExitCode
from audit_ti.runs.cyber import (
    CyberOutcome,
    ReadEvidence,
    ScanSettings,
    authorise,
    import_into,
    read_import,
    scan_into,
)
from audit_ti.runs.folder import RunFolder
from audit_ti.runs.impact import ImpactOutcome, impact_of, write_impact
from audit_ti.runs.manifest import StepStatus
from audit_ti.scan.scope import AuthorisedScope
from audit_ti.scan.secrets import ScanSecretValues, read_secrets
from audit_ti.validation.catalog import GrilleCatalog
from audit_ti.validation.prepare import BOTH, PreparedAudit, prepare_audit

__all__ = ["AuditOutcome", "CyberSource", "cyber_into", "cyber_source", "import_audit", "run_audit"]


@dataclass(frozen=True)
class AuditOutcome:
    """Both evaluations of one audit file, in one run folder."""

    folder: Path
    cyber: CyberOutcome
    impact: ImpactOutcome

    @property
    def exit_code(self) -> ExitCode:
        """3 when the scan was cut short, else 1 when either evaluation is blocking, else 0."""
        return max(self.cyber.exit_code, self.impact.exit_code)


@dataclass(frozen=True)
class CyberSource:
    """Where a run's cyber facts come from, checked before the run folder exists.

    A live scan carries the scope the guard authorised; an import, the XML already read and
    masked; neither (``--sans-scan``), no cyber evaluation at all.
    """

    scope: AuthorisedScope | None = None
    xml: Path | None = None
    read: ReadEvidence | None = None
    secrets: ScanSecretValues | None = None


def cyber_source(
    prepared: PreparedAudit, settings: ScanSettings, *, offline: Path | None = None, skip: bool = False
) -> CyberSource:
    """The scope guard for a scan, the reading of the XML for an import (nothing sent, no folder yet).

    Raises:
        ScopeError: a target is refused.
        InvalidInputError: the XML is unreadable or hostile, or a secret the audit names is not in the environment.
    """
    if skip:
        return CyberSource()
    if offline is not None:
        return CyberSource(xml=offline, read=read_import(offline))
    return CyberSource(scope=authorise(prepared, settings), secrets=read_secrets(prepared.audit, os.environ))


def cyber_into(
    folder: RunFolder, prepared: PreparedAudit, source: CyberSource, settings: ScanSettings
) -> CyberOutcome | None:
    """The cyber pipeline into an open run folder, from its source (None and a skipped step without one)."""
    if source.xml is not None and source.read is not None:
        return import_into(folder, prepared, source.xml, source.read, settings)
    if source.scope is not None:
        return scan_into(folder, prepared, source.scope, settings, source.secrets)
    folder.record("scan", StepStatus.SKIPPED, "--sans-scan : aucune évaluation de cybersécurité")
    return None


def run_audit(
    audit_path: Path, *, reports_dir: Path, catalog: GrilleCatalog, settings: ScanSettings | None = None
) -> AuditOutcome:
    """Scan and evaluate the gateways, then assess the AIPD and the inclusion, in one new run folder.

    Raises:
        InvalidInputError: the audit, its grilles, referentials or statistics are invalid (nothing sent).
        ScopeError: a target is refused (nothing sent, no run folder).
        ToolMissingError: nmap is missing (the run folder says so).
        OutputError: the run folder cannot be written.
    """
    return _audit(audit_path, reports_dir, catalog, settings or ScanSettings())


def import_audit(
    xml_path: Path, audit_path: Path, *, reports_dir: Path, catalog: GrilleCatalog, settings: ScanSettings | None = None
) -> AuditOutcome:
    """Evaluate an existing nmap XML and assess the AIPD and the inclusion, in one new run folder (nothing sent).

    Raises:
        InvalidInputError: the audit, its grilles, referentials, statistics or the XML are invalid.
        OutputError: the run folder cannot be written.
    """
    return _audit(audit_path, reports_dir, catalog, settings or ScanSettings(), offline=xml_path)


def _audit(
    audit_path: Path, reports_dir: Path, catalog: GrilleCatalog, settings: ScanSettings, offline: Path | None = None
) -> AuditOutcome:
    prepared = prepare_audit(audit_path, catalog, BOTH)
    impact = impact_of(prepared)
    source = cyber_source(prepared, settings, offline=offline)
    folder = RunFolder.create(reports_dir, audit_path, evaluation_date=settings.evaluation_date)
    with folder.guarded():
        cyber = cyber_into(folder, prepared, source, settings)
        assert cyber is not None, "a scan or an import always gives a cyber outcome"
        write_impact(folder, impact)
        folder.close(cyber.exit_code, impact.exit_code)
    return AuditOutcome(folder.root, cyber, impact)
