"""``audit-ti auditer``: the whole audit of a use case, cyber and impact, in one run folder."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from audit_ti.cli.cyber_cmd import print_summary, run_scan
from audit_ti.cli.evaluate_cmd import print_aipd, print_blocking, print_inclusion
from audit_ti.cli.options import ScanOptions, scan_options
from audit_ti.cli.output import out_console

__all__ = ["audit_command"]


@click.command("auditer", short_help="Scanner, évaluer l'AIPD et l'inclusion : tout l'audit en une exécution.")
@click.argument("audit", type=click.Path(path_type=Path, dir_okay=False))
@scan_options
def audit_command(audit: Path, options: ScanOptions) -> int:
    """Scanner et évaluer les passerelles d'AUDIT, puis évaluer son AIPD et son impact sur l'inclusion.

    Le fichier d'audit est lu et vérifié une fois ; les résultats des deux évaluations sont écrits
    côte à côte dans un seul dossier rapports/<cas>/<horodatage>/. Rien n'est envoyé hors du
    périmètre de l'autorisation. Codes de sortie : 0 rien de bloquant, 1 constat bloquant (cyber,
    AIPD ou inclusion), 2 entrée invalide ou cible refusée, 3 scan incomplet.
    """
    from audit_ti.runs.audit import run_audit

    outcome = run_scan(audit, options, run_audit)
    print_summary(outcome.cyber)
    print_aipd(outcome.impact)
    print_inclusion(outcome.impact)
    print_blocking(outcome.impact)
    out_console.print(f"Résultats des deux évaluations : [bold]{escape(str(outcome.folder))}[/]", soft_wrap=True)
    return int(outcome.exit_code)
