"""The impact pipeline: the AIPD, the digital-inclusion assessment and the public notice, into a run folder.

No network: only the audit file, the referentials of ``grilles/`` and the statistics CSVs, all
read and checked once by ``prepare_audit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from audit_ti.errors import ExitCode
from audit_ti.impact.aipd import assess_aipd
from audit_ti.impact.follow_up import build_follow_up
from audit_ti.impact.inclusion import assess_inclusion
from audit_ti.impact.public_notice import build_public_notice, render_markdown
from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.aipd_result import AipdResult
from audit_ti.models.audit import Audit
from audit_ti.models.follow_up import FollowUp
from audit_ti.models.inclusion_referential import InclusionReferential
from audit_ti.models.inclusion_result import InclusionResult
from audit_ti.models.public_notice import PublicNotice
from audit_ti.runs.folder import RunFolder
from audit_ti.runs.manifest import StepStatus
from audit_ti.validation.catalog import GrilleCatalog
from audit_ti.validation.prepare import Pipeline, PreparedAudit, prepare_audit

__all__ = ["RESULT_FILES", "ImpactOutcome", "evaluate_impact", "impact_of", "write_impact", "write_outcome"]

RESULT_FILES = {
    "aipd": "results/aipd.json",
    "inclusion": "results/inclusion.json",
    "notice": "results/information-public.json",
    "notice_markdown": "results/information-public.md",
    "follow_up": "results/suivi.json",
}


@dataclass(frozen=True)
class ImpactOutcome:
    """Everything the impact pipeline computed for one audit file."""

    audit_path: Path
    audit: Audit
    aipd_referential: AipdReferential
    inclusion_referential: InclusionReferential
    aipd: AipdResult
    inclusion: InclusionResult
    notice: PublicNotice
    follow_up: FollowUp

    @property
    def blocking(self) -> tuple[str, ...]:
        """Every blocking outcome, in French: the AIPD's, then the inclusion's."""
        findings = list(self.aipd.blocking)
        if self.inclusion.is_blocking:
            titles = [c.title for c in self.inclusion.criteria if c.blocking_unmet]
            findings.append(
                f"Inclusion : critère bloquant non satisfait ({', '.join(titles)}) ; verdict "
                f"« {self.inclusion.verdict_label.lower()} » quel que soit le score."
            )
        return tuple(findings)

    @property
    def exit_code(self) -> ExitCode:
        """1 when a blocking outcome is reached, else 0."""
        return ExitCode.BLOCKING_FINDINGS if self.blocking else ExitCode.OK


def evaluate_impact(path: Path, catalog: GrilleCatalog) -> ImpactOutcome:
    """Prepare the audit file, then compute the AIPD, the inclusion assessment and the public notice.

    Raises:
        InvalidInputError: the audit, a referential or a statistics file is invalid.
    """
    return impact_of(prepare_audit(path, catalog, {Pipeline.IMPACT}))


def impact_of(prepared: PreparedAudit) -> ImpactOutcome:
    """The impact results of an audit prepared for the impact pipeline."""
    audit, case = prepared.audit, prepared.case
    aipd_ref, inclusion_ref, national = prepared.aipd, prepared.inclusion, prepared.national
    assert aipd_ref is not None and inclusion_ref is not None and national is not None, "prepared for impact"
    return ImpactOutcome(
        audit_path=prepared.path,
        audit=audit,
        aipd_referential=aipd_ref,
        inclusion_referential=inclusion_ref,
        aipd=assess_aipd(audit.aipd, aipd_ref, case, audit.use_case.audit_date),
        inclusion=assess_inclusion(audit.inclusion, inclusion_ref, case, national, prepared.territory),
        notice=build_public_notice(audit, case),
        follow_up=build_follow_up(audit, case),
    )


def write_outcome(
    outcome: ImpactOutcome,
    reports_dir: Path,
    now: datetime | None = None,
    *,
    evaluation_date: date | None = None,
) -> RunFolder:
    """Write the results into a new run folder and close its manifest with the exit code.

    Raises:
        OutputError: the run folder cannot be written (the manifest then says the run failed).
    """
    started = (now or datetime.now()).astimezone()
    folder = RunFolder.create(reports_dir, outcome.audit_path, started, evaluation_date=evaluation_date)
    with folder.guarded():
        write_impact(folder, outcome, started)
        folder.close(outcome.exit_code)
    return folder


def write_impact(folder: RunFolder, outcome: ImpactOutcome, started: datetime | None = None) -> None:
    """Write the impact results into an open run folder and record the step (the folder stays open)."""
    begun = started or datetime.now().astimezone()
    for referential in (outcome.aipd_referential, outcome.inclusion_referential):
        if referential.source is not None:
            folder.record_grille(referential.id, referential.version, referential.source.path)
    folder.write_json(RESULT_FILES["aipd"], outcome.aipd)
    folder.write_json(RESULT_FILES["inclusion"], outcome.inclusion)
    folder.write_json(RESULT_FILES["notice"], outcome.notice)
    folder.write_file(RESULT_FILES["notice_markdown"], render_markdown(outcome.notice))
    folder.write_json(RESULT_FILES["follow_up"], outcome.follow_up)
    message = f"{len(outcome.blocking)} constat(s) bloquant(s)" if outcome.blocking else "aucun constat bloquant"
    folder.record("evaluation_aipd_inclusion", StepStatus.DONE, message, started=begun)
