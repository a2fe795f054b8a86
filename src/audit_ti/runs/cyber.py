"""The cyber audit from end to end: guard, scan (or import), evidence, evaluation, outputs.

Everything lands in a new run folder; a run that stops half-way still leaves its evidence, its
findings (``erreur`` where nothing could be observed) and a manifest that says what is missing.
The authorisation is checked against the real date of the scan; ``evaluation_date`` (``--date``)
only moves the date certificates and accepted risks are judged against, and is recorded.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from audit_ti.checks.context import Coverage
from audit_ti.checks.registry import CheckRegistry
from audit_ti.cyber.findings import NetworkEvidence, evaluate_findings
from audit_ti.cyber.scoring import build_evaluation
from audit_ti.errors import ExitCode, InvalidInputError, ToolMissingError
from audit_ti.inputs.files import decode_utf8, read_capped
from audit_ti.models.audit import Audit
from audit_ti.models.enums import ScanProfile, Severity
from audit_ti.models.evaluation import CyberEvaluation
from audit_ti.models.finding import Finding
from audit_ti.models.grille import Grille
from audit_ti.models.scan_facts import ScanFacts, merge_runs
from audit_ti.report.findings_io import findings_csv, findings_json
from audit_ti.runs.folder import AuthorisationRecord, RunFolder, RunStatus, StepRecord, StepStatus
from audit_ti.scan.batches import SECOND_PASS, credential_requests, scan_requests
from audit_ti.scan.nmap_errors import french_nmap_messages
from audit_ti.scan.nmap_xml import REDACTED_SCRIPTS, read_evidence
from audit_ti.scan.plan import (
    CredentialFiles,
    ScanPlan,
    build_plan,
    nmap_arguments,
    reference_ports,
)
from audit_ti.scan.runner import InterruptedScan, NmapRun, RunRequest, nmap_version, run_requests
from audit_ti.scan.scope import authorise_scope
from audit_ti.validation.rules import GrilleCatalog, load_valid_audit

__all__ = ["MAX_IMPORT_BYTES", "CyberOutcome", "ScanObserver", "import_scan", "scan_audit"]

#: An nmap XML of a few thousand hosts weighs tens of megabytes; beyond this, something is wrong.
MAX_IMPORT_BYTES = 512 * 1024 * 1024


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


def _record_grilles(folder: RunFolder, grilles: Sequence[Grille], catalog: GrilleCatalog) -> None:
    for grille in grilles:
        if grille.source is not None:
            folder.record_grille(grille.id, grille.version, grille.source.path)
    credentials = catalog.factory_credentials(grilles)
    if credentials is not None and credentials.source is not None:
        folder.record_grille(credentials.id, credentials.version, credentials.source.path)


def _authorisation_record(audit: Audit, profile: ScanProfile, today: date) -> AuthorisationRecord:
    authorisation = audit.authorisation
    assert authorisation is not None  # the scope guard refuses an audit without one
    return AuthorisationRecord(
        reference=authorisation.reference,
        signatory=authorisation.signatory,
        signed_on=authorisation.signed_on,
        valid_from=authorisation.starts_on,
        valid_until=authorisation.valid_until,
        profile=profile.value,
        checked_on=today,
    )


def scan_audit(
    audit_path: Path,
    *,
    reports_dir: Path,
    catalog: GrilleCatalog,
    evaluation_date: date | None = None,
    profile: ScanProfile | None = None,
    fail_at: Severity = Severity.HIGH,
    observer: ScanObserver | None = None,
    max_parallel: int = 2,
) -> CyberOutcome:
    """Scan the audit's gateways and evaluate them.

    Args:
        evaluation_date: judge certificates and accepted risks as on that day (``--date``);
            the authorisation is always checked against the real date.

    Raises:
        InvalidInputError: the audit or its grilles are invalid (nothing sent).
        ScopeError: a target is refused (nothing sent).
        ToolMissingError: nmap is missing (the run folder says so).
        OutputError: the run folder cannot be written.
    """
    observer = observer or SilentObserver()
    real_today = date.today()
    today = evaluation_date or real_today
    audit, grilles = load_valid_audit(audit_path, catalog, today)
    chosen = profile or audit.scan.profile
    scope = authorise_scope(audit, real_today, chosen)
    credentials = catalog.factory_credentials(grilles)
    folder = RunFolder.create(reports_dir, audit_path, evaluation_date=evaluation_date)
    with folder.guarded():
        folder.record_authorisation(_authorisation_record(audit, chosen, real_today))
        _record_grilles(folder, grilles, catalog)
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
        plan = build_plan(audit, grilles, catalog.registry, chosen, privileged=privileged, credentials=credentials)
        observer.planned([(t.name or t.address, t.address) for t in scope.targets], scope.discovery)
        observer.step("scan nmap en cours")
        folder.write_json("results/plan-de-scan.json", _plan_record(plan))
        runs, interrupted = _run(scan_requests(scope, plan), folder, observer, max_parallel)
        facts = _keep_evidence(folder, runs)
        if plan.credentials is not None and not interrupted:
            observer.step("essais des identifiants d'usine sur les services qui demandent un mot de passe")
            with _credential_files(plan, folder) as files:
                second = credential_requests(scope, plan, files, facts)
                more, interrupted = _run(second, folder, observer, max_parallel)
            runs += more
            for label, extra in _keep_evidence(folder, more).items():
                first = label.removesuffix(SECOND_PASS)
                facts[first] = merge_runs(facts[first], extra)
        tcp, udp = reference_ports(audit, grilles, catalog.registry)
        coverage = Coverage(
            profile=chosen,
            udp=bool(plan.udp_ports),
            udp_reason=_udp_reason(audit, privileged),
            reference_tcp=tcp,
            reference_udp=udp,
        )
        evidence = NetworkEvidence(
            runs=tuple(facts.values()),
            coverage=coverage,
            addresses={t.name: t.address for t in scope.targets if t.name},
            discovery=bool(scope.discovery),
            interrupted=interrupted,
        )
        reasons = [f"scan interrompu ({run.request.label})" for run in runs if run.interrupted]
        if interrupted and not reasons:
            reasons.append("scan interrompu")
        said = [f"nmap ({run.request.label}) : {run.error}" for run in runs if run.error]
        case = _Case(audit, audit_path, tuple(grilles), catalog.registry, today, fail_at)
        return _conclude(folder, case, evidence, reasons, said)


@contextmanager
def _credential_files(plan: ScanPlan, folder: RunFolder) -> Iterator[CredentialFiles]:
    """The factory credentials, written where nmap reads them, and kept as evidence of what was tried.

    nmap reads them from a private temporary folder whose path holds no comma, quote or space
    (nmap's script arguments would split on them); the run folder keeps a copy, owner-only.
    """
    assert plan.credentials is not None
    accounts, communities = plan.credentials.credfile(), plan.credentials.communities_file()
    folder.write_evidence("identifiants-essayes.txt", accounts)
    folder.write_evidence("communautes-snmp-essayees.txt", communities)
    workdir = Path(tempfile.mkdtemp(prefix="audit-ti-"))
    try:
        files = CredentialFiles(workdir / "identifiants.txt", workdir / "communautes.txt")
        files.accounts.write_text(accounts, encoding="utf-8")
        files.communities.write_text(communities, encoding="utf-8")
        yield files
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


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
        "identifiants_usine": (
            {
                "scripts": list(plan.credential_scripts),
                "comptes": len(plan.credentials.accounts),
                "communautes_snmp": len(plan.credentials.snmp_communities),
                "essais_par_seconde": plan.credentials.rate,
                "liste": "evidence/identifiants-essayes.txt",
            }
            if plan.credentials is not None
            else None
        ),
        "arguments_nmap": nmap_arguments(plan),
    }


def _run(
    requests: Sequence[RunRequest], folder: RunFolder, observer: ScanObserver, max_parallel: int
) -> tuple[list[NmapRun], bool]:
    if not requests:
        return [], False
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


def _keep_evidence(folder: RunFolder, runs: Sequence[NmapRun]) -> dict[str, ScanFacts]:
    """Write every run's XML as evidence, then read it; unreadable output is kept too, and says so."""
    facts: dict[str, ScanFacts] = {}
    for run in runs:
        if not run.xml.strip():
            folder.record_step(_step(f"preuves {run.request.label}", StepStatus.FAILED, "nmap n'a rien écrit"))
            continue
        name = f"nmap-{run.request.label}.xml"
        try:
            text, notes, read = read_evidence(run.xml, folder.evidence_dir / name)
            parsed = read.facts
        except InvalidInputError as unreadable:
            text = _without_captured_data(run.xml)
            notes = [f"sortie illisible, conservée telle quelle : {unreadable.problems[0].message}"]
            parsed = None
        folder.write_evidence(name, text)
        if notes:
            folder.record_step(_step(f"preuves {run.request.label}", StepStatus.DONE, " ; ".join(notes)))
        if parsed is not None:
            facts[run.request.label] = parsed
    return facts


def _without_captured_data(xml: str) -> str:
    """An unreadable output, cut before the first script that may carry captured data or a password."""
    markers = [f'id="{script}"' for script in REDACTED_SCRIPTS] + ['key="password"', "Valid credentials"]
    cut = min((xml.find(marker) for marker in markers if marker in xml), default=-1)
    return (
        xml if cut < 0 else xml[:cut] + "\n<!-- audit-ti : fin masquée (données capturées ou secrets possibles) -->\n"
    )


def import_scan(
    xml_path: Path,
    audit_path: Path,
    *,
    reports_dir: Path,
    catalog: GrilleCatalog,
    evaluation_date: date | None = None,
    fail_at: Severity = Severity.HIGH,
) -> CyberOutcome:
    """Evaluate an existing nmap XML exactly as a live scan would (nothing is sent).

    Raises:
        InvalidInputError: invalid audit, unreadable or hostile XML.
        OutputError: the run folder cannot be written.
    """
    today = evaluation_date or date.today()
    audit, grilles = load_valid_audit(audit_path, catalog, today)
    raw = _read_import(xml_path)
    text, notes, parsed = read_evidence(raw, xml_path)
    folder = RunFolder.create(reports_dir, audit_path, evaluation_date=evaluation_date)
    with folder.guarded():
        _record_grilles(folder, grilles, catalog)
        folder.write_evidence(f"import-{xml_path.stem}.xml", text)
        folder.record_tool("nmap (scan importé)", parsed.facts.version or "inconnue")
        started = datetime.now().astimezone()
        if parsed.facts.merged_addresses:
            notes.append(
                "adresse(s) présente(s) plusieurs fois, observations réunies : "
                + ", ".join(parsed.facts.merged_addresses[:10])
            )
        message = f"{xml_path} ({len(parsed.facts.hosts)} hôte(s))" + (" ; " + " ; ".join(notes) if notes else "")
        folder.record_step(_step("import", StepStatus.DONE, message, started))
        tcp, udp = reference_ports(audit, grilles, catalog.registry)
        coverage = Coverage(
            profile=_imported_profile(parsed.facts),
            udp=bool(parsed.facts.scanned_udp),
            udp_reason="le scan importé ne sonde pas l'UDP",
            imported=True,
            reference_tcp=tcp,
            reference_udp=udp,
        )
        evidence = NetworkEvidence(
            runs=(parsed.facts,),
            coverage=coverage,
            addresses={},
            discovery=_swept_a_range(parsed.facts),
            interrupted=parsed.recovered,
        )
        reasons = ["scan importé interrompu : seuls les hôtes complets ont été lus"] if parsed.recovered else []
        case = _Case(audit, audit_path, tuple(grilles), catalog.registry, today, fail_at)
        return _conclude(folder, case, evidence, reasons)


def _imported_profile(facts: ScanFacts) -> ScanProfile:
    """What an imported scan did: intrusive when it ran an intrusive script, else safe."""
    return ScanProfile.INTRUSIVE if "intrusive" in facts.requested_scripts else ScanProfile.SAFE


def _swept_a_range(facts: ScanFacts) -> bool:
    """True when the imported command line scanned a whole range (it could see undeclared hosts)."""
    for word in facts.args.split():
        if "/" in word and not word.startswith("-"):
            try:
                network = ipaddress.ip_network(word, strict=False)
            except ValueError:
                continue
            if network.num_addresses > 1:
                return True
    return False


def _read_import(path: Path) -> str:
    raw = read_capped(path, MAX_IMPORT_BYTES, " pour une sortie XML de nmap")
    return decode_utf8(raw, path, "le fichier n'est pas un XML UTF-8")


@dataclass(frozen=True)
class _Case:
    """The audit being run, as both pipelines (scan and import) conclude it."""

    audit: Audit
    path: Path
    grilles: tuple[Grille, ...]
    registry: CheckRegistry
    today: date
    fail_at: Severity


def _conclude(
    folder: RunFolder,
    case: _Case,
    evidence: NetworkEvidence,
    reasons: list[str],
    nmap_messages: Sequence[str] = (),
) -> CyberOutcome:
    started = datetime.now().astimezone()
    evaluated = evaluate_findings(case.audit, case.grilles, evidence, case.registry, case.today)
    findings = evaluated.findings
    names = [gateway.name for gateway in case.audit.gateways]
    reasons = [
        *reasons,
        *_run_failures(evidence.runs),
        *(f"{name} non observée : {why}" for name, why in evaluated.unobserved.items()),
    ]
    if reasons:
        # What nmap said may explain what is missing: it is shown with the reasons, in French.
        reasons += [message for message in nmap_messages if message not in reasons]
    evaluation = build_evaluation(
        case.path.stem,
        grilles=case.grilles,
        gateway_names=names,
        findings=findings,
        today=case.today,
        incomplete_reasons=reasons,
    )
    folder.write_file("results/findings.json", findings_json(findings))
    folder.write_file("results/findings.csv", findings_csv(findings))
    folder.write_json("results/cyber.json", evaluation)
    if reasons:
        code = ExitCode.INCOMPLETE_RUN
    elif any(finding.blocks(case.fail_at) for finding in findings):
        code = ExitCode.BLOCKING_FINDINGS
    else:
        code = ExitCode.OK
    folder.record_step(_step("évaluation", StepStatus.DONE, f"{len(findings)} résultat(s)", started))
    folder.finish(RunStatus.INCOMPLETE if reasons else RunStatus.COMPLETE, int(code))
    return CyberOutcome(folder.root, evaluation, tuple(findings), code)


def _run_failures(runs: Sequence[ScanFacts]) -> list[str]:
    """Runs that did not end well by nmap's own account (its exit status, its final statistics)."""
    failures = []
    for run in runs:
        if run.exit_status == "error":
            said = french_nmap_messages(run.error_message) or "sans message"
            failures.append(f"nmap s'est arrêté en erreur ({said})")
        elif not run.finished:
            failures.append("sortie de nmap sans sa fin (statistiques finales absentes) : scan peut-être incomplet")
    return failures


def _step(
    name: str, status: StepStatus, message: str, started: datetime | None = None, command: str = ""
) -> StepRecord:
    now = datetime.now().astimezone()
    text = f"{message} — {command}" if command else message
    return StepRecord(name=name, status=status, message=text, started_at=started or now, finished_at=now)
