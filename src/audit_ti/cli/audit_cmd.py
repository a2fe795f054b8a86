"""``audit-ti auditer``: the whole audit of a use case, cyber and impact, in one run folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from rich.markup import escape

from audit_ti.cli.cyber_cmd import LiveProgress, print_summary, scan_settings
from audit_ti.cli.evaluate_cmd import print_aipd, print_blocking, print_inclusion
from audit_ti.cli.options import (
    scan_options,
)
from audit_ti.cli.output import out_console
from audit_ti.cli.paths import catalog_for

__all__ = ["audit_command"]


@click.command("auditer", short_help="Scanner, évaluer l'AIPD et l'inclusion : tout l'audit en une exécution.")
@click.argument("audit", type=click.Path(path_type=Path, dir_okay=False))
@scan_options
def audit_command(
    *,
    audit: Path,
    profil: str | None,
    fail_at: str,
    reports_dir: Path,
    grilles_dir: Path | None,
    evaluation_date: date | None,
    parallele: int,
) -> int:
    """Scanner et évaluer les passerelles d'AUDIT, puis évaluer son AIPD et son impact sur l'inclusion.

    Le fichier d'audit est lu et vérifié une fois ; les résultats des deux évaluations sont écrits
    côte à côte dans un seul dossier rapports/<cas>/<horodatage>/. Rien n'est envoyé hors du
    périmètre de l'autorisation. Codes de sortie : 0 rien de bloquant, 1 constat bloquant (cyber,
    AIPD ou inclusion), 2 entrée invalide ou cible refusée, 3 scan incomplet.
    """
    from audit_ti.runs.audit import run_audit

    catalog = catalog_for(grilles_dir, [audit])
    with LiveProgress() as progress:
        settings = scan_settings(profil, fail_at, evaluation_date, parallele, progress)
        outcome = run_audit(audit, reports_dir=reports_dir, catalog=catalog, settings=settings)
    print_summary(outcome.cyber)
    print_aipd(outcome.impact)
    print_inclusion(outcome.impact)
    print_blocking(outcome.impact)
    out_console.print(f"Résultats des deux évaluations : [bold]{escape(str(outcome.folder))}[/]", soft_wrap=True)
    return int(outcome.exit_code)
