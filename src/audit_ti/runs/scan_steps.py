"""The steps of a live scan: what nmap is given, how it runs, what is kept of what it says."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from audit_ti.errors import InvalidInputError
from audit_ti.models.audit import Audit
from audit_ti.models.scan_facts import ScanFacts, merge_runs, with_script_suffix
from audit_ti.runs.folder import RunFolder
from audit_ti.runs.manifest import StepStatus
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


def run_nmap(
    requests: Sequence[RunRequest],
    folder: RunFolder,
    observer: ScanObserver,
    max_parallel: int,
    secrets: Sequence[str] = (),
) -> tuple[list[NmapRun], bool]:
    """Run the requests and record each run in the manifest; ``secrets`` are masked in all that is kept."""
    if not requests:
        return [], False
    started = datetime.now().astimezone()
    try:
        runs = run_requests(requests, folder.evidence_dir, observer.host_done, max_parallel=max_parallel)
        interrupted = any(run.interrupted for run in runs)
    except InterruptedScan as stop:
        runs, interrupted = stop.runs, True
    if secrets:
        runs = [
            replace(
                run,
                xml=mask_secrets(run.xml, secrets),
                error=mask_secrets(run.error, secrets),
                command=mask_secrets(run.command, secrets),
            )
            for run in runs
        ]
    for run in runs:
        status = StepStatus.FAILED if run.interrupted else StepStatus.DONE
        message = run.error or ("interrompu" if run.interrupted else f"{len(run.request.targets)} cible(s)")
        folder.record(f"nmap {run.request.label}", status, message, started=started, command=run.command)
    return runs, interrupted


def community_counter_test(
    folder: RunFolder,
    scope: AuthorisedScope,
    plan: ScanPlan,
    facts: dict[str, ScanFacts],
    *,
    secrets: ScanSecretValues,
    observer: ScanObserver,
    max_parallel: int,
) -> tuple[list[NmapRun], bool]:
    """The SNMP script again with the authority's community, merged apart (``AUTHORITY_SUFFIX``) into ``facts``."""
    assert secrets.snmp_community is not None
    observer.step("contre-épreuve SNMP avec la communauté de la collectivité")
    with community_arguments_file(secrets.snmp_community) as arguments_file:
        requests = community_requests(scope, plan, COMMUNITY_SCRIPT, arguments_file, facts)
        if not requests:
            folder.record(
                "contre-épreuve SNMP",
                StepStatus.SKIPPED,
                "aucun port 161/udp à interroger (UDP non scanné, ou aucun agent possible)",
            )
            return [], False
        runs, interrupted = run_nmap(requests, folder, observer, max_parallel, secrets.values)
    for label, extra in keep_evidence(folder, runs).items():
        first = label.removesuffix(COMMUNITY_PASS)
        facts[first] = merge_runs(facts[first], with_script_suffix(extra, AUTHORITY_SUFFIX))
    return runs, interrupted


def keep_evidence(folder: RunFolder, runs: Sequence[NmapRun]) -> dict[str, ScanFacts]:
    """Write every run's XML as evidence, then read it; unreadable output is kept too, and says so."""
    facts: dict[str, ScanFacts] = {}
    for run in runs:
        if not run.xml.strip():
            folder.record(f"preuves {run.request.label}", StepStatus.FAILED, "nmap n'a rien écrit")
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
            folder.record(f"preuves {run.request.label}", StepStatus.DONE, " ; ".join(notes))
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
