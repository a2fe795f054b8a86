"""Follow-up commands on run folders: ``rapport`` (render again), ``comparer`` (after remediation), ``verifier``."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from audit_ti.cli.output import out_console
from audit_ti.errors import ExitCode, InvalidInputError, Problem

__all__ = ["compare_command", "report_command", "verify_command"]

_RUN = click.Path(path_type=Path, file_okay=False, exists=True)


@click.command("rapport", short_help="Produire à nouveau les rapports d'un dossier d'exécution.")
@click.argument("run", type=_RUN)
def report_command(run: Path) -> int:
    """Produire à nouveau rapport-elus et rapport-technique (HTML et PDF) depuis les notebooks exécutés de RUN.

    Rien n'est rejoué : ni scan ni évaluation ; les empreintes des rapports sont mises à jour dans le manifeste.
    """
    from audit_ti.runs.notebooks import rerender

    for path in rerender(run):
        out_console.print(f"écrit : {escape(str(path))}", soft_wrap=True)
    return int(ExitCode.OK)


@click.command("verifier", short_help="Vérifier l'empreinte de chaque fichier d'un dossier d'exécution.")
@click.argument("run", type=_RUN)
def verify_command(run: Path) -> int:
    """Recalculer l'empreinte SHA-256 de chaque fichier que le manifeste de RUN liste (preuves, résultats, rapports).

    Code de sortie 1 si un seul octet a changé ou si un fichier manque, 0 sinon.
    """
    from audit_ti.runs.verify import verify_run

    checks = verify_run(run)
    bad = [check for check in checks if not check.ok]
    for check in bad:
        out_console.print(f"[red]✗[/] {escape(check.path)} : {check.state}", soft_wrap=True)
    out_console.print(f"{len(checks) - len(bad)} fichier(s) intact(s) sur {len(checks)}.")
    return int(ExitCode.BLOCKING_FINDINGS if bad else ExitCode.OK)


@click.command("comparer", short_help="Ce qui a été corrigé, ce qui est nouveau, ce qui reste, entre deux exécutions.")
@click.argument("avant", type=_RUN)
@click.argument("apres", type=_RUN)
def compare_command(avant: Path, apres: Path) -> int:
    """Comparer les constats de cybersécurité de deux exécutions du même cas d'usage (AVANT puis APRES).

    Par exigence et par passerelle : corrigé (ouvert avant, conforme ou non applicable après), nouveau,
    restant. Code de sortie 1 s'il reste ou s'il apparaît un constat ouvert, 0 sinon.
    """
    from audit_ti.report.compare import compare_findings
    from audit_ti.report.views import load_run

    before, after = load_run(avant), load_run(apres)
    if before.findings is None or after.findings is None:
        raise InvalidInputError(Problem("les deux dossiers doivent contenir results/findings.json"))
    comparison = compare_findings(before.findings, after.findings)
    for title, changes, style in (
        ("Corrigé", comparison.fixed, "green"),
        ("Nouveau", comparison.new, "red"),
        ("Restant", comparison.remaining, "yellow"),
    ):
        table = Table(title=f"{title} ({len(changes)})", title_justify="left", title_style=f"bold {style}")
        for column in ("Exigence", "Passerelle", "Avant", "Après"):
            table.add_column(column)
        for change in changes:
            table.add_row(
                escape(change.title),
                escape(change.target),
                change.before.label if change.before else "—",
                change.after.label if change.after else "—",
            )
        out_console.print(table)
    return int(ExitCode.BLOCKING_FINDINGS if comparison.new or comparison.remaining else ExitCode.OK)
