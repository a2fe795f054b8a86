"""The cyber pipeline: guard, scan (or import), evidence, evaluation, outputs, into a run folder.

A run that stops half-way still leaves its evidence, its findings (``erreur`` where nothing could
be observed) and a manifest that says what is missing. The authorisation is checked against the
real date of the scan; ``evaluation_date`` (``--date``) only moves the date certificates and
accepted risks are judged against, and is recorded.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path

from audit_ti.checks.context import Coverage
from audit_ti.cyber.findings import NetworkEvidence, evaluate_findings
from audit_ti.cyber.scoring import build_evaluation
from audit_ti.errors import ExitCode, ToolMissingError
from audit_ti.inputs.files import decode_utf8, read_capped
from audit_ti.models.enums import ScanProfile, Severity
from audit_ti.models.evaluation import CyberEvaluation
from audit_ti.models.finding import Finding
from audit_ti.models.scan_facts import ScanFacts, merge_runs
from audit_ti.report.findings_io import findings_csv, findings_json
from audit_ti.runs.folder import RunFolder
from audit_ti.runs.manifest import AuthorisationRecord, RunStatus, StepStatus
from audit_ti.runs.resume import open_ledger
from audit_ti.runs.scan_steps import (
    ScanObserver,
    SilentObserver,
    community_counter_test,
    credential_files,
    plan_record,
    run_nmap,
    udp_reason,
)
from audit_ti.scan.batches import SECOND_PASS, batch_size, credential_requests, scan_requests
from audit_ti.scan.nmap_errors import french_nmap_messages
from audit_ti.scan.nmap_xml import ParsedXml, read_evidence
from audit_ti.scan.plan import build_plan, reference_ports
from audit_ti.scan.runner import nmap_version
from audit_ti.scan.scope import AuthorisedScope, authorise_scope
from audit_ti.scan.secrets import (
    ScanSecretValues,
    read_secrets,
)
from audit_ti.validation.catalog import GrilleCatalog
from audit_ti.validation.prepare import Pipeline, PreparedAudit, prepare_audit

__all__ = [
    "MAX_IMPORT_BYTES",
    "CyberOutcome",
    "ScanObserver",
    "ScanSettings",
    "authorise",
    "import_into",
    "import_scan",
    "read_import",
    "scan_audit",
    "scan_into",
]

#: An nmap XML as kept (masked), the notes on what was masked or recovered, and its facts.
ReadEvidence = tuple[str, list[str], ParsedXml]

#: An nmap XML of a few thousand hosts weighs tens of megabytes; beyond this, something is wrong.
MAX_IMPORT_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class CyberOutcome:
    """What a cyber audit produced and the exit code it deserves."""

    folder: Path
    evaluation: CyberEvaluation
    findings: Sequence[Finding]  # a ``FindingTable``: each finding is built when read
    exit_code: ExitCode


@dataclass(frozen=True)
class ScanSettings:
    """How a cyber run goes: the options of ``scanner``, ``importer`` and ``auditer`` (``importer`` uses
    only ``fail_at`` and ``evaluation_date``).

    Attributes:
        evaluation_date: judge certificates and accepted risks as on that day (``--date``).
        real_today: the real date, against which the authorisation is checked.
    """

    profile: ScanProfile | None = None
    fail_at: Severity = Severity.HIGH
    evaluation_date: date | None = None
    max_parallel: int = 2
    observer: ScanObserver = field(default_factory=SilentObserver)
    real_today: date = field(default_factory=date.today)
    #: An interrupted run folder of the same audit whose finished batches are taken back (``--reprendre``).
    resume_from: Path | None = None
    #: Gateways per nmap run; None: chosen from the fleet, the profile and ``max_parallel``.
    batch_size: int | None = None

    @property
    def today(self) -> date:
        """The date findings are judged against."""
        return self.evaluation_date or self.real_today


def scan_audit(
    audit_path: Path, *, reports_dir: Path, catalog: GrilleCatalog, settings: ScanSettings | None = None
) -> CyberOutcome:
    """Scan the audit's gateways and evaluate them, in a new run folder.

    Raises:
        InvalidInputError: the audit or its grilles are invalid (nothing sent).
        ScopeError: a target is refused (nothing sent).
        ToolMissingError: nmap is missing (the run folder says so).
        OutputError: the run folder cannot be written.
    """
    settings = settings or ScanSettings()
    prepared = prepare_audit(audit_path, catalog, {Pipeline.CYBER})
    scope = authorise(prepared, settings)
    secrets = read_secrets(prepared.audit, os.environ)
    folder = RunFolder.create(reports_dir, audit_path, evaluation_date=settings.evaluation_date)
    with folder.guarded():
        outcome = scan_into(folder, prepared, scope, settings, secrets)
        folder.close(outcome.exit_code)
    return outcome


def authorise(prepared: PreparedAudit, settings: ScanSettings) -> AuthorisedScope:
    """Every target checked against the authorisation, on the real date, before anything is sent.

    Raises:
        ScopeError: every refusal (nothing sent).
    """
    return authorise_scope(prepared.audit, settings.real_today, _profile(prepared, settings))


def _size(scope: AuthorisedScope, settings: ScanSettings) -> int:
    return batch_size(len(scope.targets), scope.profile, settings.max_parallel)


def _profile(prepared: PreparedAudit, settings: ScanSettings) -> ScanProfile:
    return settings.profile or prepared.audit.scan.profile


def _record_inputs(folder: RunFolder, prepared: PreparedAudit) -> None:
    for grille in prepared.grilles:
        if grille.source is not None:
            folder.record_grille(grille.id, grille.version, grille.source.path)
    credentials = prepared.credentials
    if credentials is not None and credentials.source is not None:
        folder.record_grille(credentials.id, credentials.version, credentials.source.path)
    for path in prepared.knowledge.files:
        # Offline vulnerability feeds and the end-of-life list: which files, with which content.
        folder.record_grille(f"données {path.name}", "flux téléchargé" if path.suffix != ".yaml" else "liste", path)


def _authorisation_record(prepared: PreparedAudit, settings: ScanSettings) -> AuthorisationRecord:
    authorisation = prepared.audit.authorisation
    assert authorisation is not None  # the scope guard refuses an audit without one
    return AuthorisationRecord(
        reference=authorisation.reference,
        signatory=authorisation.signatory,
        signed_on=authorisation.signed_on,
        valid_from=authorisation.starts_on,
        valid_until=authorisation.valid_until,
        profile=_profile(prepared, settings).value,
        checked_on=settings.real_today,
    )


def scan_into(
    folder: RunFolder,
    prepared: PreparedAudit,
    scope: AuthorisedScope,
    settings: ScanSettings,
    secrets: ScanSecretValues | None = None,
) -> CyberOutcome:
    """Scan the authorised targets into an open run folder and evaluate them (the folder stays open).

    ``secrets`` (``scan.secrets.read_secrets``, read before the folder exists) add the counter-test
    with the authority's SNMP community; their values are masked in all that the run keeps.

    Raises:
        ToolMissingError: nmap is missing (the run folder is closed as incomplete).
    """
    audit, observer, chosen = prepared.audit, settings.observer, scope.profile
    folder.record_authorisation(_authorisation_record(prepared, settings))
    _record_inputs(folder, prepared)
    started = datetime.now().astimezone()
    folder.record("garde de périmètre", StepStatus.DONE, f"{len(scope.targets)} cible(s) autorisée(s)", started=started)
    try:
        folder.record_tool("nmap", nmap_version())
    except ToolMissingError as missing:
        folder.record("scan", StepStatus.FAILED, str(missing), started=started)
        folder.finish(RunStatus.INCOMPLETE, int(ExitCode.INVALID_INPUT))
        raise
    privileged = os.geteuid() == 0
    registry = prepared.catalog.registry
    plan = build_plan(
        audit, prepared.grilles, registry, chosen, privileged=privileged, credentials=prepared.credentials
    )
    observer.planned([(t.name or t.address, t.address) for t in scope.targets], scope.discovery)
    observer.step("scan nmap en cours")
    folder.write_json("results/plan-de-scan.json", plan_record(plan))
    ledger, earlier = open_ledger(
        folder, plan_record(plan), settings.resume_from, settings.batch_size or _size(scope, settings)
    )
    nmap = partial(run_nmap, folder=folder, observer=observer, max_parallel=settings.max_parallel, ledger=ledger)
    main = nmap(scan_requests(scope, plan, ledger.size), earlier=earlier)
    runs, facts, interrupted, stopped = main.runs, main.facts, main.interrupted, main.stopped
    if plan.credentials is not None and not stopped:
        observer.step("essais des identifiants d'usine sur les services qui demandent un mot de passe")
        with credential_files(plan, folder) as files:
            more = nmap(credential_requests(scope, plan, files, main.complete), earlier=earlier)
        runs, interrupted, stopped = runs + more.runs, interrupted or more.interrupted, more.stopped
        for label, extra in more.facts.items():
            first = label.removesuffix(SECOND_PASS)
            facts[first] = merge_runs(facts[first], extra)
    if secrets is not None and secrets.snmp_community and not stopped:
        observer.step("contre-épreuve SNMP avec la communauté de la collectivité")
        more = community_counter_test(folder, scope, plan, facts, secrets=secrets, run=partial(nmap, earlier=earlier))
        runs, interrupted = runs + more.runs, interrupted or more.interrupted
    tcp, udp = reference_ports(audit, prepared.grilles, registry)
    coverage = Coverage(
        profile=chosen,
        udp=bool(plan.udp_ports),
        udp_reason=udp_reason(audit, privileged),
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
    return _conclude(folder, prepared, settings, evidence, reasons, nmap_messages=said)


def import_scan(
    xml_path: Path,
    audit_path: Path,
    *,
    reports_dir: Path,
    catalog: GrilleCatalog,
    settings: ScanSettings | None = None,
) -> CyberOutcome:
    """Evaluate an existing nmap XML exactly as a live scan would (nothing is sent), in a new run folder.

    Raises:
        InvalidInputError: invalid audit, unreadable or hostile XML.
        OutputError: the run folder cannot be written.
    """
    settings = settings or ScanSettings()
    prepared = prepare_audit(audit_path, catalog, {Pipeline.CYBER})
    read = read_import(xml_path)
    folder = RunFolder.create(reports_dir, audit_path, evaluation_date=settings.evaluation_date)
    with folder.guarded():
        outcome = import_into(folder, prepared, xml_path, read, settings)
        folder.close(outcome.exit_code)
    return outcome


def import_into(
    folder: RunFolder, prepared: PreparedAudit, xml_path: Path, read: ReadEvidence, settings: ScanSettings
) -> CyberOutcome:
    """Evaluate an nmap XML (read by ``read_import``) into an open run folder (the folder stays open)."""
    text, notes, parsed = read
    _record_inputs(folder, prepared)
    folder.write_evidence(f"import-{xml_path.stem}.xml", text)
    folder.record_tool("nmap (scan importé)", parsed.facts.version or "inconnue")
    started = datetime.now().astimezone()
    if parsed.facts.merged_addresses:
        notes.append(
            "adresse(s) présente(s) plusieurs fois, observations réunies : "
            + ", ".join(parsed.facts.merged_addresses[:10])
        )
    message = f"{xml_path} ({len(parsed.facts.hosts)} hôte(s))" + (" ; " + " ; ".join(notes) if notes else "")
    folder.record("import", StepStatus.DONE, message, started=started)
    tcp, udp = reference_ports(prepared.audit, prepared.grilles, prepared.catalog.registry)
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
    return _conclude(folder, prepared, settings, evidence, reasons)


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


def read_import(path: Path) -> ReadEvidence:
    """An nmap XML to import: read (bounded), checked, its secrets masked; nothing is written yet.

    Raises:
        InvalidInputError: unreadable, oversized or hostile XML.
    """
    raw = read_capped(path, MAX_IMPORT_BYTES, " pour une sortie XML de nmap")
    return read_evidence(decode_utf8(raw, path, "le fichier n'est pas un XML UTF-8"), path)


def _conclude(
    folder: RunFolder,
    prepared: PreparedAudit,
    settings: ScanSettings,
    evidence: NetworkEvidence,
    reasons: list[str],
    *,
    nmap_messages: Sequence[str] = (),
) -> CyberOutcome:
    started = datetime.now().astimezone()
    audit, grilles = prepared.audit, prepared.grilles
    evidence = replace(evidence, knowledge=prepared.knowledge)
    evaluated = evaluate_findings(audit, grilles, evidence, prepared.catalog.registry, settings.today)
    findings = evaluated.findings
    names = [gateway.name for gateway in audit.gateways]
    reasons = [
        *reasons,
        *_run_failures(evidence.runs),
        *(f"{name} non observée : {why}" for name, why in evaluated.unobserved.items()),
    ]
    if reasons:
        # What nmap said may explain what is missing: it is shown with the reasons, in French.
        reasons += [message for message in nmap_messages if message not in reasons]
    evaluation = build_evaluation(
        prepared.case,
        grilles=grilles,
        gateway_names=names,
        findings=findings,
        today=settings.today,
        incomplete_reasons=reasons,
    )
    folder.write_file("results/findings.json", findings_json(findings))
    folder.write_file("results/findings.csv", findings_csv(findings))
    folder.write_json("results/cyber.json", evaluation)
    if reasons:
        code = ExitCode.INCOMPLETE_RUN
    elif any(finding.blocks(settings.fail_at) for finding in findings):
        code = ExitCode.BLOCKING_FINDINGS
    else:
        code = ExitCode.OK
    folder.record("évaluation", StepStatus.DONE, f"{len(findings)} résultat(s)", started=started)
    return CyberOutcome(folder.root, evaluation, findings, code)


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
