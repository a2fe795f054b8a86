"""The steps of a live scan: what nmap is given, how it runs, what is kept of what it says."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol, runtime_checkable

from audit_ti.errors import InvalidInputError
from audit_ti.models.audit import Audit
from audit_ti.models.scan_facts import ScanFacts, merge_runs, with_script_suffix
from audit_ti.runs.folder import RunFolder
from audit_ti.runs.manifest import StepStatus
from audit_ti.runs.resume import BatchLedger, EarlierRun
from audit_ti.scan.batches import COMMUNITY_PASS, community_requests
from audit_ti.scan.nmap_xml import REDACTED_SCRIPTS, read_evidence
from audit_ti.scan.plan import CredentialFiles, ScanPlan, nmap_arguments
from audit_ti.scan.runner import InterruptedScan, NmapRun, RunRequest, run_requests
from audit_ti.scan.scope import AuthorisedScope
from audit_ti.scan.secrets import (
    AUTHORITY_SUFFIX,
    COMMUNITY_SCRIPT,
    ScanSecretValues,
    community_arguments_file,
    mask_secrets,
    private_folder,
)

__all__ = [
    "BatchObserver",
    "Batches",
    "ScanObserver",
    "SilentObserver",
    "community_counter_test",
    "credential_files",
    "keep_evidence",
    "plan_record",
    "run_nmap",
    "udp_reason",
]


class ScanObserver(Protocol):
    """Receives the progress of a scan (the CLI draws it)."""

    def planned(self, gateways: Sequence[tuple[str, str]], discovery: Sequence[str]) -> None:
        """The gateways (name, address) and discovery ranges about to be scanned."""

    def host_done(self, address: str, outcome: str) -> None:
        """nmap finished with one address (``termine`` or ``delai_depasse``)."""

    def step(self, message: str) -> None:
        """A step of the run begins (French)."""


@runtime_checkable
class BatchObserver(Protocol):
    """An observer that also follows the batches (one nmap run each): the CLI draws a bar per batch."""

    def batches_planned(self, batches: Sequence[tuple[str, Sequence[str]]]) -> None:
        """The runs about to start: label and targets of each."""

    def batch_done(self, label: str, outcome: str) -> None:
        """One run ended: ``termine`` (complete) or ``incomplet`` (cut short, failed, timed out)."""


class SilentObserver:
    """An observer that shows nothing."""

    def planned(self, gateways: Sequence[tuple[str, str]], discovery: Sequence[str]) -> None:
        """Nothing to show."""

    def host_done(self, address: str, outcome: str) -> None:
        """Nothing to show."""

    def step(self, message: str) -> None:
        """Nothing to show."""


@contextmanager
def credential_files(plan: ScanPlan, folder: RunFolder) -> Iterator[CredentialFiles]:
    """The factory credentials, written where nmap reads them, and kept as evidence of what was tried.

    nmap reads them from a private temporary folder whose path holds no comma, quote or space
    (nmap's script arguments would split on them); the run folder keeps a copy, owner-only.
    """
    assert plan.credentials is not None
    accounts, communities = plan.credentials.credfile(), plan.credentials.communities_file()
    folder.write_evidence("identifiants-essayes.txt", accounts)
    folder.write_evidence("communautes-snmp-essayees.txt", communities)
    with private_folder() as workdir:
        files = CredentialFiles(workdir / "identifiants.txt", workdir / "communautes.txt")
        files.accounts.write_text(accounts, encoding="utf-8")
        files.communities.write_text(communities, encoding="utf-8")
        yield files


def udp_reason(audit: Audit, privileged: bool) -> str:
    if not privileged:
        return "sondes UDP impossibles sans droits root"
    if audit.scan.udp is False:
        return "UDP désactivé dans le fichier d'audit (scan.udp)"
    return ""


def plan_record(plan: ScanPlan) -> dict[str, object]:
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


@dataclass
class Batches:
    """What the runs of one pass gave: each run, the facts of those read, and how the pass ended.

    Attributes:
        interrupted: a run was cut short (timeout, error, or the user): its gateways are incomplete.
        stopped: the user interrupted the scan (Ctrl-C): no further pass is started.
    """

    runs: list[NmapRun] = field(default_factory=list)
    facts: dict[str, ScanFacts] = field(default_factory=dict)
    interrupted: bool = False
    stopped: bool = False

    @property
    def complete(self) -> dict[str, ScanFacts]:
        """The facts of the runs that ended well (a follow-up pass builds on those only)."""
        cut = {run.request.label for run in self.runs if run.interrupted}
        return {label: facts for label, facts in self.facts.items() if label not in cut}


class PassRunner(Protocol):
    """``run_nmap`` with the scan's folder, observer and batch settings already given."""

    def __call__(self, requests: Sequence[RunRequest], *, secrets: Sequence[str] = ...) -> Batches:
        """Run one pass."""
        ...


@dataclass
class _Keeper:
    """Keeps each run of a pass as it ends: masked, recorded, its evidence written and read."""

    folder: RunFolder
    secrets: Sequence[str]
    ledger: BatchLedger | None
    follower: BatchObserver | None
    started: datetime
    result: Batches = field(default_factory=Batches)

    def ended(self, run: NmapRun, taken_from: str | None = None) -> None:
        if self.secrets:
            run = replace(
                run,
                xml=mask_secrets(run.xml, self.secrets),
                error=mask_secrets(run.error, self.secrets),
                command=mask_secrets(run.command, self.secrets),
            )
        status = StepStatus.FAILED if run.interrupted else StepStatus.DONE
        message = run.error or ("interrompu" if run.interrupted else f"{len(run.request.targets)} cible(s)")
        self.folder.record(f"nmap {run.request.label}", status, message, started=self.started, command=run.command)
        facts = keep_evidence(self.folder, run)
        if facts is not None:
            self.result.facts[run.request.label] = facts
        self.result.runs.append(run)
        self.result.interrupted = self.result.interrupted or run.interrupted
        complete = not run.interrupted and facts is not None and facts.finished and facts.exit_status != "error"
        if self.ledger is not None:
            evidence = f"evidence/nmap-{run.request.label}.xml" if run.xml.strip() else None
            self.ledger.ended(run, evidence, complete=complete, taken_from=taken_from)
        if self.follower is not None:
            self.follower.batch_done(run.request.label, "termine" if complete else "incomplet")


def run_nmap(
    requests: Sequence[RunRequest],
    folder: RunFolder,
    observer: ScanObserver,
    max_parallel: int,
    secrets: Sequence[str] = (),
    *,
    ledger: BatchLedger | None = None,
    earlier: EarlierRun | None = None,
) -> Batches:
    """Run the requests; each run's evidence is kept, hashed and read as soon as it ends.

    ``secrets`` are masked in all that is kept. ``earlier``: the runs an interrupted scan already
    finished are taken back from it instead of being run again. ``ledger`` lists each run as it ends.
    """
    if not requests:
        return Batches()
    follower = observer if isinstance(observer, BatchObserver) else None
    keeper = _Keeper(folder, secrets, ledger, follower, datetime.now().astimezone())
    taken, todo = earlier.take(requests) if earlier is not None else ([], list(requests))
    if ledger is not None:
        ledger.planned(requests)
    if follower is not None:
        follower.batches_planned([(request.label, request.targets) for request in requests])
    for run in taken:
        for address in run.request.targets:
            observer.host_done(address, "termine")
        keeper.ended(run, taken_from=str(earlier.root) if earlier is not None else None)
    try:
        runs = run_requests(
            todo, folder.evidence_dir, observer.host_done, max_parallel=max_parallel, on_run=keeper.ended
        )
    except InterruptedScan as stop:
        runs, keeper.result.stopped, keeper.result.interrupted = stop.runs, True, True
    seen = {run.request.label for run in keeper.result.runs}
    for run in runs:
        if run.request.label not in seen:
            keeper.ended(run)
    order = {request.label: index for index, request in enumerate(requests)}
    keeper.result.runs.sort(key=lambda run: order[run.request.label])
    return keeper.result


def community_counter_test(
    folder: RunFolder,
    scope: AuthorisedScope,
    plan: ScanPlan,
    facts: dict[str, ScanFacts],
    *,
    secrets: ScanSecretValues,
    run: PassRunner,
) -> Batches:
    """The SNMP script again with the authority's community, merged apart (``AUTHORITY_SUFFIX``) into ``facts``.

    ``run``: ``run_nmap`` with the folder, the observer and the batch settings of the scan.
    """
    assert secrets.snmp_community is not None
    with community_arguments_file(secrets.snmp_community) as arguments_file:
        requests = community_requests(scope, plan, COMMUNITY_SCRIPT, arguments_file, facts)
        if not requests:
            folder.record(
                "contre-épreuve SNMP",
                StepStatus.SKIPPED,
                "aucun port 161/udp à interroger (UDP non scanné, ou aucun agent possible)",
            )
            return Batches()
        done = run(requests, secrets=secrets.values)
    for label, extra in done.facts.items():
        first = label.removesuffix(COMMUNITY_PASS)
        facts[first] = merge_runs(facts[first], with_script_suffix(extra, AUTHORITY_SUFFIX))
    return done


def keep_evidence(folder: RunFolder, run: NmapRun) -> ScanFacts | None:
    """Write the run's XML as evidence, then read it; unreadable output is kept too, and says so (None)."""
    if not run.xml.strip():
        folder.record(f"preuves {run.request.label}", StepStatus.FAILED, "nmap n'a rien écrit")
        return None
    name = f"nmap-{run.request.label}.xml"
    try:
        text, notes, read = read_evidence(run.xml, folder.evidence_dir / name)
        parsed: ScanFacts | None = read.facts
    except InvalidInputError as unreadable:
        text = _without_captured_data(run.xml)
        notes = [f"sortie illisible, conservée telle quelle : {unreadable.problems[0].message}"]
        parsed = None
    folder.write_evidence(name, text)
    if notes:
        folder.record(f"preuves {run.request.label}", StepStatus.DONE, " ; ".join(notes))
    return parsed


def _without_captured_data(xml: str) -> str:
    """An unreadable output, cut before the first script that may carry captured data or a password."""
    markers = [f'id="{script}"' for script in REDACTED_SCRIPTS] + ['key="password"', "Valid credentials"]
    cut = min((xml.find(marker) for marker in markers if marker in xml), default=-1)
    return (
        xml if cut < 0 else xml[:cut] + "\n<!-- audit-ti : fin masquée (données capturées ou secrets possibles) -->\n"
    )
