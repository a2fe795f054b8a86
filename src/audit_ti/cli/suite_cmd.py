"""``audit-ti lancer``: the whole suite (scan, evaluations, notebooks, reports) for one or more use cases."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape
from rich.progress import Progress, TaskID, TextColumn, TimeElapsedColumn

from audit_ti.cli.cyber_cmd import scan_settings
from audit_ti.cli.options import (
    batch_option,
    evaluation_date_option,
    fail_option,
    grilles_option,
    profile_option,
    reports_option,
    resume_option,
)
from audit_ti.cli.output import err_console, out_console, print_problems
from audit_ti.cli.paths import grilles_dir_for
from audit_ti.errors import InvalidInputError, Problem

if TYPE_CHECKING:
    from audit_ti.runs.suite import SuiteOutcome

__all__ = ["suite_command"]

#: Steps of one use case shown by its progress bar: the scan, the four notebooks, the reports.
_STEPS = 6
_STATES = {"en cours": "…", "termine": "✓", "echec": "✗"}


class _SuiteProgress:
    """One bar per use case; its text says which step or notebook is running."""

    def __init__(self, cases: list[str]) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            TextColumn("{task.fields[state]}"),
            TimeElapsedColumn(),
            console=err_console,
        )
        self._tasks: dict[str, TaskID] = {
            case: self._progress.add_task(escape(case), total=_STEPS, state="en attente") for case in cases
        }

    def __enter__(self) -> _SuiteProgress:
        self._progress.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._progress.stop()

    def __call__(self, case: str, what: str, state: str) -> None:
        task = self._tasks.get(case)
        if task is None:
            return
        done = state != "en cours"
        self._progress.update(task, advance=1 if done else 0, state=f"{escape(what)} {_STATES.get(state, state)}")


@click.command("lancer", short_help="Toute la suite : scan, évaluations, notebooks et rapports, par cas d'usage.")
@click.argument("audits", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 32),
    default=1,
    show_default=True,
    help="Cas d'usage menés en même temps (un processus chacun) ; avec --dask local, le nombre de travailleurs.",
)
@click.option(
    "--dask",
    "dask",
    metavar="ADRESSE",
    help="Mener chaque cas d'usage comme une tâche Dask : adresse de l'ordonnanceur (tcp://hôte:8786) ou "
    "« local » (une grappe sur cette machine, boucle locale). Les dossiers d'audits, de grilles, de notebooks "
    "et de rapports doivent être partagés par tous les travailleurs, au même chemin (docs/echelle.md). "
    "Extra « echelle » : pip install 'audit-ti[echelle]'.",
)
@click.option(
    "--hors-ligne",
    "offline",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Évaluer ce XML de nmap au lieu de scanner (rien n'est envoyé) ; une fois pour tous les cas, "
    "ou une fois par cas, dans l'ordre.",
)
@click.option("--sans-scan", is_flag=True, help="Ni scan ni import : les rapports disent que la cybersécurité manque.")
@click.option(
    "--notebooks",
    "notebooks_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("notebooks"),
    show_default=True,
    help="Dossier des notebooks de la suite.",
)
@profile_option
@fail_option
@reports_option
@grilles_option
@evaluation_date_option
@batch_option
@resume_option
def suite_command(
    *,
    audits: tuple[Path, ...],
    jobs: int,
    dask: str | None,
    offline: tuple[Path, ...],
    sans_scan: bool,
    notebooks_dir: Path,
    profil: str | None,
    fail_at: str,
    reports_dir: Path,
    grilles_dir: Path | None,
    evaluation_date: date | None,
    batch_size: int | None,
    resume_from: Path | None,
) -> int:
    """Mener tout l'audit de chaque fichier AUDIT : valider, scanner (ou importer un scan), évaluer
    l'AIPD et l'inclusion, exécuter les quatre notebooks, produire les rapports HTML et PDF.

    Un dossier rapports/<cas>/<horodatage>/ par cas d'usage : evidence/, results/, notebooks/,
    logs/, manifest.json, rapport-elus.html/.pdf et rapport-technique.html/.pdf. Code de sortie :
    le plus grave des cas d'usage (0 rien de bloquant, 1 constat bloquant, 2 entrée invalide ou
    cible refusée, 3 exécution incomplète, par exemple un notebook en échec ou, avec --dask, un
    travailleur perdu en cours de route).
    """
    from audit_ti.runs.suite import SuiteSettings, run_suites

    if offline and len(offline) not in (1, len(audits)):
        raise InvalidInputError(
            Problem(f"--hors-ligne : un XML pour tous les cas ou un par cas ({len(audits)}), pas {len(offline)}")
        )
    if resume_from is not None and len(audits) != 1:
        raise InvalidInputError(Problem("--reprendre reprend le scan d'un seul cas d'usage : donnez un seul AUDIT"))
    base = SuiteSettings(
        reports_dir=reports_dir,
        grilles_dir=grilles_dir_for(grilles_dir, list(audits)),
        notebooks_dir=notebooks_dir,
        skip_scan=sans_scan,
        scan=scan_settings(fail_at, evaluation_date, profil=profil, batch_size=batch_size, resume_from=resume_from),
    )
    cases = [audit.stem for audit in audits]
    with _SuiteProgress(cases) as progress:
        outcomes = run_suites(list(audits), base, jobs, progress, offline=_pairs(audits, offline), dask=dask)
    return _summary(outcomes)


def _pairs(audits: tuple[Path, ...], offline: tuple[Path, ...]) -> list[Path | None]:
    scans: list[Path | None] = [*offline]
    if len(scans) == 1:
        scans *= len(audits)
    return scans or [None] * len(audits)


def _summary(outcomes: list[SuiteOutcome]) -> int:
    for outcome in outcomes:
        mark = {0: "[green]✓[/]", 1: "[yellow]![/]"}.get(int(outcome.exit_code), "[red]✗[/]")
        out_console.print(f"{mark} [bold]{escape(outcome.case)}[/] — code {int(outcome.exit_code)}", soft_wrap=True)
        if outcome.problems:
            print_problems(outcome.problems)
        for reason in outcome.missing:
            err_console.print(f"    • {escape(reason)}", soft_wrap=True)
        for report in outcome.reports:
            out_console.print(f"    {escape(str(report))}", soft_wrap=True)
    return int(max((outcome.exit_code for outcome in outcomes), default=0))
