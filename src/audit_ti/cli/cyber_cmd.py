"""``audit-ti scanner`` and ``audit-ti importer``: the cyber audit from the command line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

import click
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from audit_ti.cli.options import (
    ScanOptions,
    audit_file_option,
    evaluation_date_option,
    fail_option,
    grilles_option,
    reports_option,
    scan_options,
)
from audit_ti.cli.output import err_console, out_console
from audit_ti.cli.paths import catalog_for
from audit_ti.models.enums import ScanProfile, Severity, Status
from audit_ti.models.evaluation import TargetScore, Verdict
from audit_ti.text import french_number, neutralise

if TYPE_CHECKING:
    from audit_ti.runs.cyber import CyberOutcome, ScanSettings
    from audit_ti.runs.scan_steps import ScanObserver

__all__ = ["LiveProgress", "import_command", "print_summary", "run_scan", "scan_command", "scan_settings"]

_VERDICT_STYLE = {
    Verdict.UNFAVOURABLE: "bold red",
    Verdict.CONDITIONAL: "bold yellow",
    Verdict.FAVOURABLE: "bold green",
}


class LiveProgress:
    """One bar per batch (one nmap run) and one line per gateway while nmap works, then a tick or a clock."""

    def __init__(self) -> None:
        self._progress = Progress(
            SpinnerColumn(finished_text="[green]✓[/]"),
            TextColumn("{task.description}"),
            TextColumn("[dim]{task.fields[state]}[/]"),
            TimeElapsedColumn(),
            console=err_console,
            transient=False,
        )
        self._tasks: dict[str, list[TaskID]] = {}
        self._batches: dict[str, tuple[TaskID, int]] = {}
        self._batch_of: dict[str, str] = {}

    def __enter__(self) -> LiveProgress:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._progress.stop()

    def planned(self, gateways: Sequence[tuple[str, str]], discovery: Sequence[str]) -> None:
        for name, address in gateways:
            task = self._progress.add_task(f"{escape(name)} ({address})", total=1, state="en cours")
            self._tasks.setdefault(address, []).append(task)
        if discovery:
            self._progress.add_task(f"découverte de {', '.join(discovery)}", total=None, state="en cours")

    def host_done(self, address: str, outcome: str) -> None:
        state = "terminé" if outcome == "termine" else "[red]délai dépassé[/]"
        for task in self._tasks.get(address, []):
            self._progress.update(task, completed=1, state=state)
        batch = self._batches.get(self._batch_of.get(address, ""))
        if batch is not None:
            self._progress.advance(batch[0])

    def batches_planned(self, batches: Sequence[tuple[str, Sequence[str]]]) -> None:
        for label, targets in batches:
            task = self._progress.add_task(
                f"lot {escape(label)} ({len(targets)} cible(s))", total=len(targets), state="en cours"
            )
            self._batches[label] = (task, len(targets))
            self._batch_of.update(dict.fromkeys(targets, label))

    def batch_done(self, label: str, outcome: str) -> None:
        if label in self._batches:
            task, total = self._batches[label]
            done = outcome == "termine"
            self._progress.update(
                task, completed=total if done else None, state="terminé" if done else "[red]incomplet[/]"
            )

    def step(self, message: str) -> None:
        self._progress.console.print(f"[dim]{escape(message)}…[/]")


def _score_row(score: TargetScore) -> list[str]:
    counts = score.counts
    index = "—" if score.index is None else french_number(score.index, ".1f")
    return [
        escape(score.target or "cas d'usage"),
        index,
        f"[{_VERDICT_STYLE[score.verdict]}]{score.verdict.label}[/]",
        str(counts.get(Status.NON_COMPLIANT, 0)),
        str(counts.get(Status.TO_VERIFY, 0) + counts.get(Status.NOT_TESTED, 0) + counts.get(Status.ERROR, 0)),
    ]


def scan_settings(
    fail_at: str,
    evaluation_date: date | None,
    *,
    profil: str | None = None,
    parallele: int = 2,
    observer: ScanObserver | None = None,
    batch_size: int | None = None,
    resume_from: Path | None = None,
) -> ScanSettings:
    """The settings of a cyber run, from the command's options."""
    from audit_ti.runs.cyber import ScanSettings
    from audit_ti.runs.scan_steps import SilentObserver

    return ScanSettings(
        profile=ScanProfile(profil) if profil else None,
        fail_at=Severity(fail_at),
        evaluation_date=evaluation_date,
        max_parallel=parallele,
        observer=observer or SilentObserver(),
        batch_size=batch_size,
        resume_from=resume_from,
    )


OutcomeT = TypeVar("OutcomeT")


def run_scan(audit: Path, options: ScanOptions, run: Callable[..., OutcomeT]) -> OutcomeT:
    """Run a pipeline that scans (``scan_audit``, ``run_audit``) with the command's options, showing progress."""
    catalog = catalog_for(options.grilles_dir, [audit])
    with LiveProgress() as progress:
        settings = scan_settings(
            options.fail_at,
            options.evaluation_date,
            profil=options.profile,
            parallele=options.parallel,
            observer=progress,
            batch_size=options.batch_size,
            resume_from=options.resume_from,
        )
        return run(audit, reports_dir=options.reports_dir, catalog=catalog, settings=settings)


def print_summary(outcome: CyberOutcome) -> None:
    evaluation = outcome.evaluation
    table = Table(title="Audit de cybersécurité", title_justify="left")
    for column in ("Cible", "Indice /5", "Verdict", "Non conformes", "À vérifier / non testés"):
        table.add_column(column, justify="right" if column in {"Indice /5", "Non conformes"} else "left")
    for score in evaluation.gateways:
        table.add_row(*_score_row(score))
    table.add_section()
    table.add_row(*_score_row(evaluation.use_case))
    out_console.print(table)
    verdict = evaluation.use_case.verdict
    out_console.print(f"Verdict pour le cas d'usage : [{_VERDICT_STYLE[verdict]}]{verdict.label}[/]", soft_wrap=True)
    for reason in evaluation.use_case.reasons:
        out_console.print(f"  • {escape(neutralise(reason))}", soft_wrap=True)
    if evaluation.priorities:
        out_console.print("\n[bold]Mesures prioritaires pour les six prochains mois[/]")
        for measure in evaluation.priorities:
            targets = ", ".join(measure.targets)
            out_console.print(
                f"  {measure.rank}. [bold]{escape(measure.title)}[/] ({measure.severity.label.lower()}, "
                f"{escape(targets)}) : {escape(measure.recommendation)}",
                soft_wrap=False,
            )
    if not evaluation.complete:
        err_console.print("[bold red]Évaluation incomplète :[/]")
        for reason in evaluation.incomplete_reasons:
            err_console.print(f"  • {escape(neutralise(reason))}", soft_wrap=True)
    if evaluation.accepted_risks:
        out_console.print(
            f"\n{evaluation.accepted_risks} résultat(s) couvert(s) par un risque accepté (voir findings.csv)."
        )
    out_console.print(
        f"\nRésultats : [bold]{escape(str(outcome.folder))}[/] (results/findings.json, results/findings.csv)",
        soft_wrap=True,
    )


@click.command("scanner", short_help="Scanner les passerelles d'un audit et les évaluer.")
@click.argument("audit", type=click.Path(path_type=Path, dir_okay=False))
@scan_options
def scan_command(audit: Path, options: ScanOptions) -> int:
    """Scanner avec nmap les passerelles déclarées dans AUDIT, dans le périmètre autorisé, puis les évaluer.

    Rien n'est envoyé hors du périmètre de l'autorisation. Les preuves brutes (XML de nmap) et les
    résultats sont écrits dans rapports/<cas>/<horodatage>/. Codes de sortie : 0 rien de bloquant,
    1 non-conformité bloquante, 2 entrée invalide ou cible refusée, 3 scan incomplet.
    """
    from audit_ti.runs.cyber import scan_audit

    outcome = run_scan(audit, options, scan_audit)
    print_summary(outcome)
    return int(outcome.exit_code)


@click.command("importer", short_help="Évaluer un scan nmap existant (XML) sans rien envoyer.")
@click.argument("scan", type=click.Path(path_type=Path, dir_okay=False))
@audit_file_option("Fichier d'audit qui déclare les passerelles du scan.", required=True)
@fail_option
@reports_option
@grilles_option
@evaluation_date_option
def import_command(
    *,
    scan: Path,
    audit: Path,
    fail_at: str,
    reports_dir: Path,
    grilles_dir: Path | None,
    evaluation_date: date | None,
) -> int:
    """Évaluer SCAN, une sortie XML de nmap (intégrateur, prestataire), comme un scan d'audit-ti.

    Aucun paquet n'est envoyé. Le XML est lu avec un analyseur qui refuse les documents piégés ;
    il est conservé comme preuve dans le dossier de l'exécution.
    """
    from audit_ti.runs.cyber import import_scan

    catalog = catalog_for(grilles_dir, [audit])
    settings = scan_settings(fail_at, evaluation_date)
    outcome = import_scan(scan, audit, reports_dir=reports_dir, catalog=catalog, settings=settings)
    print_summary(outcome)
    return int(outcome.exit_code)
