"""A whole audit in one run: the cyber pipeline and the impact pipeline, side by side in one run folder.

The audit file is read and checked once for both; the scope guard runs before the folder is
created, so a refused scan leaves nothing behind. The impact results are written even when the
scan was cut short: the manifest then says the run is incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audit_ti.errors import ExitCode
from audit_ti.runs.cyber import CyberOutcome, ScanSettings, authorise, import_into, read_import, scan_into
from audit_ti.runs.folder import RunFolder
from audit_ti.runs.impact import ImpactOutcome, impact_of, write_impact
from audit_ti.validation.catalog import GrilleCatalog
from audit_ti.validation.prepare import BOTH, prepare_audit

__all__ = ["AuditOutcome", "import_audit", "run_audit"]


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
    settings = settings or ScanSettings()
    prepared = prepare_audit(audit_path, catalog, BOTH)
    impact = impact_of(prepared)
    scope = authorise(prepared, settings)
    folder = RunFolder.create(reports_dir, audit_path, evaluation_date=settings.evaluation_date)
    with folder.guarded():
        cyber = scan_into(folder, prepared, scope, settings)
        write_impact(folder, impact)
        folder.close(cyber.exit_code, impact.exit_code)
    return AuditOutcome(folder.root, cyber, impact)


def import_audit(
    xml_path: Path, audit_path: Path, *, reports_dir: Path, catalog: GrilleCatalog, settings: ScanSettings | None = None
) -> AuditOutcome:
    """Evaluate an existing nmap XML and assess the AIPD and the inclusion, in one new run folder (nothing sent).

    Raises:
        InvalidInputError: the audit, its grilles, referentials, statistics or the XML are invalid.
        OutputError: the run folder cannot be written.
    """
    settings = settings or ScanSettings()
    prepared = prepare_audit(audit_path, catalog, BOTH)
    impact = impact_of(prepared)
    read = read_import(xml_path)
    folder = RunFolder.create(reports_dir, audit_path, evaluation_date=settings.evaluation_date)
    with folder.guarded():
        cyber = import_into(folder, prepared, xml_path, read, settings)
        write_impact(folder, impact)
        folder.close(cyber.exit_code, impact.exit_code)
    return AuditOutcome(folder.root, cyber, impact)
