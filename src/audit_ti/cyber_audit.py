"""The cyber audit from end to end: guard, scan (or import), evidence, evaluation, outputs.

Everything lands in a new run folder; a run that stops half-way still leaves its evidence, its
findings (``erreur`` where nothing could be observed) and a manifest that says what is missing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from audit_ti.checks.context import Coverage
from audit_ti.checks.registry import CheckRegistry
from audit_ti.errors import ExitCode, InvalidInputError, Problem, ToolMissingError
from audit_ti.evaluate import NetworkEvidence, evaluate_findings
from audit_ti.inputs.files import read_capped
from audit_ti.models.audit import Audit
from audit_ti.models.enums import ScanProfile, Severity
from audit_ti.models.evaluation import CyberEvaluation
from audit_ti.models.facts import ScanFacts
from audit_ti.models.finding import Finding
from audit_ti.models.grille import Grille
from audit_ti.report.findings_io import write_findings_csv, write_findings_json
from audit_ti.run_folder import RunFolder, RunStatus, StepRecord, StepStatus
from audit_ti.scan.nmap_xml import REDACTED_SCRIPTS, parse_nmap_xml, prepare_evidence
from audit_ti.scan.plan import ScanPlan, build_plan, discovery_arguments, nmap_arguments
from audit_ti.scan.runner import InterruptedScan, NmapRun, RunRequest, nmap_version, run_requests
from audit_ti.scope import AuthorisedScope, authorise_scope
from audit_ti.scoring import build_evaluation
from audit_ti.validation import GrilleCatalog, load_valid_audit

__all__ = ["MAX_IMPORT_BYTES", "CyberOutcome", "ScanObserver", "import_scan", "scan_audit"]

#: An nmap XML of a few thousand hosts weighs tens of megabytes; beyond this, something is wrong.
MAX_IMPORT_BYTES = 512 * 1024 * 1024
#: Gateways per nmap run: nmap parallelises hosts within a run; a few runs go side by side.
BATCH_SIZE = 256


class ScanObserver(Protocol):
    """Receives the progress of a scan (the CLI draws it)."""

    def planned(self, gateways: Sequence[tuple[str, str]], discovery: Sequence[str]) -> None:
        """The gateways (name, address) and discovery ranges about to be scanned."""

    def host_done(self, address: str, outcome: str) -> None:
        """nmap finished with one address (``termine`` or ``delai_depasse``)."""

    def step(self, message: str) -> None:
        """A step of the run begins (French)."""


class SilentObserver:
    """An observer that shows nothing."""

    def planned(self, gateways: Sequence[tuple[str, str]], discovery: Sequence[str]) -> None:
        """Nothing to show."""

    def host_done(self, address: str, outcome: str) -> None:
        """Nothing to show."""

    def step(self, message: str) -> None:
        """Nothing to show."""


@dataclass(frozen=True)
class CyberOutcome:
    """What a cyber audit produced and the exit code it deserves."""

    folder: Path
    evaluation: CyberEvaluation
    findings: tuple[Finding, ...]
    exit_code: ExitCode


def _record_grilles(folder: RunFolder, grilles: Sequence[Grille]) -> None:
    for grille in grilles:
        if grille.source is not None:
            folder.record_grille(grille.id, grille.version, grille.source.path)


def scan_audit(
    audit_path: Path,
    *,
    reports_dir: Path,
    catalog: GrilleCatalog,
    today: date,
    profile: ScanProfile | None = None,
    fail_at: Severity = Severity.HIGH,
    observer: ScanObserver | None = None,
    max_parallel: int = 2,
) -> CyberOutcome:
    """Scan the audit's gateways and evaluate them.

    Raises:
        InvalidInputError: the audit or its grilles are invalid (nothing sent).
        ScopeError: a target is refused (nothing sent).
        ToolMissingError: nmap is missing (the run folder says so).
    """
    observer = observer or SilentObserver()
    audit, grilles = load_valid_audit(audit_path, catalog, today)
    chosen = profile or audit.scan.profile
    scope = authorise_scope(audit, today, chosen)
    folder = RunFolder.create(reports_dir, audit_path)
    _record_grilles(folder, grilles)
    started = datetime.now().astimezone()
    folder.record_step(
        _step("garde de périmètre", StepStatus.DONE, f"{len(scope.targets)} cible(s) autorisée(s)", started)
    )
    try:
        folder.record_tool("nmap", nmap_version())
    except ToolMissingError as missing:
        folder.record_step(_step("scan", StepStatus.FAILED, str(missing), started))
        folder.finish(RunStatus.INCOMPLETE, int(ExitCode.INVALID_INPUT))
        raise
    privileged = os.geteuid() == 0
    plan = build_plan(audit, grilles, catalog.registry, chosen, privileged=privileged)
    folder.write_json("results/plan-de-scan.json", _plan_record(plan))
    observer.planned([(t.name or t.address, t.address) for t in scope.targets], scope.discovery)
    observer.step("scan nmap en cours")
    runs, interrupted = _run(scope, plan, folder, observer, max_parallel)
    facts = _keep_evidence(folder, runs)
    coverage = Coverage(
        profile=chosen,
        udp=bool(plan.udp_ports),
        udp_reason=_udp_reason(audit, privileged),
    )
    evidence = NetworkEvidence(
        runs=tuple(facts),
        coverage=coverage,
        addresses={t.name: t.address for t in scope.targets if t.name},
        discovery=bool(scope.discovery),
        interrupted=interrupted,
    )
    reasons = [f"scan interrompu ({run.request.label})" for run in runs if run.interrupted]
    if interrupted and not reasons:
        reasons.append("scan interrompu")
    return _conclude(
        folder,
        audit=audit,
        audit_path=audit_path,
        grilles=grilles,
        evidence=evidence,
        registry=catalog.registry,
        today=today,
        fail_at=fail_at,
        reasons=reasons,
    )


def _udp_reason(audit: Audit, privileged: bool) -> str:
    if not privileged:
        return "sondes UDP impossibles sans droits root"
    if audit.scan.udp is False:
        return "UDP désactivé dans le fichier d'audit (scan.udp)"
    return ""


def _plan_record(plan: ScanPlan) -> dict[str, object]:
    return {
        "profil": plan.profile.value,
        "ports_tcp": plan.tcp_ports,
        "ports_udp": plan.udp_ports,
        "scripts": list(plan.scripts),
        "scripts_ecartes": [{"script": s, "motif": why} for s, why in plan.skipped_scripts],
        "privilegie": plan.privileged,
        "arguments_nmap": nmap_arguments(plan),
    }


def _run(
    scope: AuthorisedScope, plan: ScanPlan, folder: RunFolder, observer: ScanObserver, max_parallel: int
) -> tuple[list[NmapRun], bool]:
    addresses = [target.address for target in scope.targets]
    arguments = tuple(nmap_arguments(plan))
    requests = [
        RunRequest(f"scan-{index + 1}", tuple(addresses[start : start + BATCH_SIZE]), arguments)
        for index, start in enumerate(range(0, len(addresses), BATCH_SIZE))
    ]
    if scope.discovery:
        requests.append(RunRequest("decouverte", scope.discovery, tuple(discovery_arguments(plan))))
    started = datetime.now().astimezone()
    try:
        runs = run_requests(requests, folder.evidence_dir, observer.host_done, max_parallel=max_parallel)
        interrupted = any(run.interrupted for run in runs)
    except InterruptedScan as stop:
        runs, interrupted = stop.runs, True
    for run in runs:
        status = StepStatus.FAILED if run.interrupted else StepStatus.DONE
        message = run.error or ("interrompu" if run.interrupted else f"{len(run.request.targets)} cible(s)")
        folder.record_step(_step(f"nmap {run.request.label}", status, message, started, command=run.command))
    return runs, interrupted


def _keep_evidence(folder: RunFolder, runs: Sequence[NmapRun]) -> list[ScanFacts]:
    """Write every run's XML as evidence, then read it; unreadable output is kept too, and says so."""
    facts = []
    for run in runs:
        if not run.xml.strip():
            folder.record_step(_step(f"preuves {run.request.label}", StepStatus.FAILED, "nmap n'a rien écrit"))
            continue
        path = folder.evidence_dir / f"nmap-{run.request.label}.xml"
        try:
            text, notes = prepare_evidence(run.xml, f"sortie de nmap ({run.request.label})")
            parsed = parse_nmap_xml(text, path).facts
        except InvalidInputError as unreadable:
            text = _without_captured_data(run.xml)
            notes = [f"sortie illisible, conservée telle quelle : {unreadable.problems[0].message}"]
            parsed = None
        path.write_text(text, encoding="utf-8")
        folder.record_file(path)
        if notes:
            folder.record_step(_step(f"preuves {run.request.label}", StepStatus.DONE, " ; ".join(notes)))
        if parsed is not None:
            facts.append(parsed)
    return facts


def _without_captured_data(xml: str) -> str:
    """An unreadable output, cut before the first script that may carry captured data."""
    cut = min((xml.find(f'id="{script}"') for script in REDACTED_SCRIPTS if f'id="{script}"' in xml), default=-1)
    return xml if cut < 0 else xml[:cut] + "\n<!-- audit-ti : fin masquée (données capturées possibles) -->\n"


def import_scan(
    xml_path: Path,
    audit_path: Path,
    *,
    reports_dir: Path,
    catalog: GrilleCatalog,
    today: date,
    fail_at: Severity = Severity.HIGH,
) -> CyberOutcome:
    """Evaluate an existing nmap XML exactly as a live scan would (nothing is sent).

    Raises:
        InvalidInputError: invalid audit, unreadable or hostile XML.
    """
    audit, grilles = load_valid_audit(audit_path, catalog, today)
    raw = _read_import(xml_path)
    text, notes = prepare_evidence(raw, xml_path)
    parsed = parse_nmap_xml(text, xml_path)
    folder = RunFolder.create(reports_dir, audit_path)
    _record_grilles(folder, grilles)
    path = folder.evidence_dir / f"import-{xml_path.stem}.xml"
    path.write_text(text, encoding="utf-8")
    folder.record_file(path)
    folder.record_tool("nmap (scan importé)", parsed.facts.version or "inconnue")
    started = datetime.now().astimezone()
    message = f"{xml_path} ({len(parsed.facts.hosts)} hôte(s))" + (" ; " + " ; ".join(notes) if notes else "")
    folder.record_step(_step("import", StepStatus.DONE, message, started))
    coverage = Coverage(
        profile=audit.scan.profile,
        udp=bool(parsed.facts.scanned_udp),
        udp_reason="le scan importé ne sonde pas l'UDP",
        imported=True,
    )
    evidence = NetworkEvidence(
        runs=(parsed.facts,), coverage=coverage, addresses={}, discovery=True, interrupted=parsed.recovered
    )
    reasons = ["scan importé interrompu : seuls les hôtes complets ont été lus"] if parsed.recovered else []
    return _conclude(
        folder,
        audit=audit,
        audit_path=audit_path,
        grilles=grilles,
        evidence=evidence,
        registry=catalog.registry,
        today=today,
        fail_at=fail_at,
        reasons=reasons,
    )


def _read_import(path: Path) -> str:
    raw = read_capped(path, MAX_IMPORT_BYTES, "sortie XML de nmap")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InvalidInputError(Problem("le fichier n'est pas un XML UTF-8", path, line)) from None


def _conclude(
    folder: RunFolder,
    *,
    audit: Audit,
    audit_path: Path,
    grilles: Sequence[Grille],
    evidence: NetworkEvidence,
    registry: CheckRegistry,
    today: date,
    fail_at: Severity,
    reasons: list[str],
) -> CyberOutcome:
    started = datetime.now().astimezone()
    evaluated = evaluate_findings(audit, grilles, evidence, registry, today)
    findings = evaluated.findings
    names = [gateway.name for gateway in audit.gateways]
    reasons = [*reasons, *(f"{name} non observée : {why}" for name, why in evaluated.unobserved.items())]
    evaluation = build_evaluation(
        audit_path.stem,
        grilles=grilles,
        gateway_names=names,
        findings=findings,
        today=today,
        incomplete_reasons=reasons,
    )
    write_findings_json(folder.results_dir / "findings.json", findings)
    write_findings_csv(folder.results_dir / "findings.csv", findings)
    for name in ("findings.json", "findings.csv"):
        folder.record_file(folder.results_dir / name)
    folder.write_json("results/cyber.json", evaluation)
    if reasons:
        code = ExitCode.INCOMPLETE_RUN
    elif any(finding.blocks(fail_at) for finding in findings):
        code = ExitCode.BLOCKING_FINDINGS
    else:
        code = ExitCode.OK
    folder.record_step(_step("évaluation", StepStatus.DONE, f"{len(findings)} résultat(s)", started))
    folder.finish(RunStatus.INCOMPLETE if reasons else RunStatus.COMPLETE, int(code))
    return CyberOutcome(folder.root, evaluation, tuple(findings), code)


def _step(
    name: str, status: StepStatus, message: str, started: datetime | None = None, command: str = ""
) -> StepRecord:
    now = datetime.now().astimezone()
    text = f"{message} — {command}" if command else message
    return StepRecord(name=name, status=status, message=text, started_at=started or now, finished_at=now)
