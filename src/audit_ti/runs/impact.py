"""``audit-ti evaluer`` as a library: validate an audit, run both assessments, fill a run folder.

No network: only the audit file, the referentials of ``grilles/`` and the statistics CSVs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from audit_ti.errors import ExitCode, InvalidInputError, Problem
from audit_ti.impact.aipd import assess_aipd
from audit_ti.impact.inclusion import assess_inclusion
from audit_ti.impact.public_notice import build_public_notice, render_markdown
from audit_ti.inputs.documents import load_audit
from audit_ti.inputs.statistics import read_statistics
from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.aipd_result import AipdResult
from audit_ti.models.audit import Audit
from audit_ti.models.inclusion_referential import InclusionReferential
from audit_ti.models.inclusion_result import InclusionResult
from audit_ti.models.public_notice import PublicNotice
from audit_ti.runs.folder import RunFolder, RunStatus, StepRecord, StepStatus
from audit_ti.validation.impact_rules import national_statistics_path, statistics_path
from audit_ti.validation.rules import GrilleCatalog, check_audit

__all__ = ["AssessmentOutcome", "assess_audit", "resolve_referentials", "write_outcome"]

RESULT_FILES = {
    "aipd": "results/aipd.json",
    "inclusion": "results/inclusion.json",
    "notice": "results/information-public.json",
    "notice_markdown": "results/information-public.md",
}


@dataclass(frozen=True)
class AssessmentOutcome:
    """Everything ``evaluer`` computed for one audit file."""

    audit_path: Path
    audit: Audit
    aipd_referential: AipdReferential
    inclusion_referential: InclusionReferential
    aipd: AipdResult
    inclusion: InclusionResult
    notice: PublicNotice

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


def resolve_referentials(audit: Audit, catalog: GrilleCatalog) -> tuple[AipdReferential, InclusionReferential]:
    """The two referentials the audit names, loaded and checked.

    Raises:
        InvalidInputError: a referential is missing, invalid, or of the wrong kind.
    """
    aipd = _referential(audit, catalog, "aipd", audit.aipd.referential, AipdReferential)
    inclusion = _referential(audit, catalog, "inclusion", audit.inclusion.referential, InclusionReferential)
    return aipd, inclusion


ReferentialT = TypeVar("ReferentialT", AipdReferential, InclusionReferential)


def _referential(
    audit: Audit, catalog: GrilleCatalog, key: str, referential_id: str, model: type[ReferentialT]
) -> ReferentialT:
    found = catalog.referential(referential_id)
    if isinstance(found, InvalidInputError):
        raise found
    if not isinstance(found, model):
        source = audit.source
        raise InvalidInputError(
            Problem(
                f"référentiel « {referential_id} » introuvable dans {catalog.folder} "
                f"(ou ce n'est pas un référentiel « {key} »)",
                source.path if source else None,
                source.line_of((key, "referentiel")) if source else None,
                f"{key}.referentiel",
            )
        )
    return found


def assess_audit(path: Path, catalog: GrilleCatalog, today: date) -> AssessmentOutcome:
    """Validate the audit file, then compute the AIPD, the inclusion assessment and the public notice.

    Raises:
        InvalidInputError: the audit, a referential or a statistics file is invalid.
    """
    audit = load_audit(path)
    problems = check_audit(audit, catalog, today)
    if problems:
        raise InvalidInputError(problems)
    aipd_ref, inclusion_ref = resolve_referentials(audit, catalog)
    national = read_statistics(national_statistics_path(inclusion_ref), inclusion_ref)
    stats_path = statistics_path(audit)
    territory = read_statistics(stats_path, inclusion_ref) if stats_path is not None else None
    case = path.stem
    return AssessmentOutcome(
        audit_path=path,
        audit=audit,
        aipd_referential=aipd_ref,
        inclusion_referential=inclusion_ref,
        aipd=assess_aipd(audit.aipd, aipd_ref, case, audit.use_case.audit_date),
        inclusion=assess_inclusion(audit.inclusion, inclusion_ref, case, national, territory),
        notice=build_public_notice(audit, case),
    )


def write_outcome(
    outcome: AssessmentOutcome,
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
        _fill(folder, outcome, started)
    return folder


def _fill(folder: RunFolder, outcome: AssessmentOutcome, started: datetime) -> None:
    for referential in (outcome.aipd_referential, outcome.inclusion_referential):
        if referential.source is not None:
            folder.record_grille(referential.id, referential.version, referential.source.path)
    folder.write_json(RESULT_FILES["aipd"], outcome.aipd)
    folder.write_json(RESULT_FILES["inclusion"], outcome.inclusion)
    folder.write_json(RESULT_FILES["notice"], outcome.notice)
    folder.write_file(RESULT_FILES["notice_markdown"], render_markdown(outcome.notice))
    message = f"{len(outcome.blocking)} constat(s) bloquant(s)" if outcome.blocking else "aucun constat bloquant"
    finished = datetime.now().astimezone()
    folder.record_step(
        StepRecord(
            name="evaluation_aipd_inclusion",
            status=StepStatus.DONE,
            message=message,
            started_at=started,
            finished_at=max(finished, started),
        )
    )
    folder.finish(RunStatus.COMPLETE, int(outcome.exit_code), now=max(finished, started))
