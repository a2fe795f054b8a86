"""``audit-ti aipd importer`` and ``audit-ti aipd exporter``: exchange with the CNIL PIA software."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
from rich.markup import escape

from audit_ti.cli.options import audit_file_option, date_option, force_option, grilles_option, output_option
from audit_ti.cli.output import out_console
from audit_ti.cli.paths import catalog_for
from audit_ti.errors import ExitCode, InvalidInputError, Problem

__all__ = ["aipd"]


@click.group(
    "aipd",
    short_help="Échanger l'AIPD avec le logiciel PIA de la CNIL.",
    subcommand_metavar="COMMANDE [ARGUMENTS]...",
)
def aipd() -> None:
    """Importer ou exporter l'AIPD au format du logiciel PIA de la CNIL (fichier .json)."""


@aipd.command("importer")
@click.argument("pia", type=click.Path(path_type=Path, dir_okay=False))
@audit_file_option("Fichier d'audit dont le bloc « aipd » est mis à jour.")
@output_option("Écrire le fichier d'audit mis à jour ici (nouveau fichier).")
@click.option("--remplacer", is_flag=True, help="Mettre à jour le fichier d'audit lui-même (copie .bak gardée).")
@force_option("Écraser le fichier de --sortie s'il existe.")
@grilles_option
@date_option
def import_command(
    pia: Path,
    *,
    audit: Path | None,
    output: Path | None,
    remplacer: bool,
    forcer: bool,
    grilles_dir: Path | None,
    today: date,
) -> int:
    """Importer un export .json du logiciel PIA dans le bloc « aipd » d'un fichier d'audit.

    Sans --sortie ni --remplacer, le bloc « aipd » obtenu est affiché, prêt à coller. Seul ce
    bloc change : les commentaires et le reste du fichier sont conservés. Le résultat est validé
    avant toute écriture ; rien n'est jamais écrasé sans --remplacer ou --forcer.
    """
    from audit_ti.pia.exchange import aipd_fragment, import_into_audit
    from audit_ti.runs.writes import save_file

    if (output is not None or remplacer) and audit is None:
        raise InvalidInputError(Problem("--sortie et --remplacer demandent --audit (le fichier à mettre à jour)"))
    if output is not None and remplacer:
        raise InvalidInputError(Problem("choisissez --sortie ou --remplacer, pas les deux"))
    catalog = catalog_for(grilles_dir, [audit] if audit else [])
    if audit is None:
        click.echo(aipd_fragment(pia, catalog), nl=False)
        return int(ExitCode.OK)
    text = import_into_audit(pia, audit, catalog, today)
    if output is None and not remplacer:
        click.echo(text, nl=False)
        return int(ExitCode.OK)
    target = audit if remplacer else output
    assert target is not None
    if output is not None and output.exists() and not forcer:
        raise InvalidInputError(Problem(f"{output} existe déjà : rien n'a été écrit (--forcer pour l'écraser)"))
    if remplacer:
        backup = audit.with_name(audit.name + ".bak")
        save_file(backup, audit.read_text(encoding="utf-8"))
        out_console.print(f"Copie de l'ancien fichier : [bold]{escape(str(backup))}[/]")
    save_file(target, text)
    out_console.print(f"Fichier d'audit écrit : [bold]{escape(str(target))}[/]")
    return int(ExitCode.OK)


@aipd.command("exporter")
@click.argument("audit", type=click.Path(path_type=Path, dir_okay=False))
@output_option("Fichier .json à écrire, importable dans le logiciel PIA.", required=True)
@force_option("Écraser le fichier de sortie s'il existe.")
@grilles_option
@date_option
def export_command(audit: Path, *, output: Path, forcer: bool, grilles_dir: Path | None, today: date) -> int:
    """Exporter l'AIPD d'un fichier d'audit au format .json du logiciel PIA de la CNIL."""
    from audit_ti.pia.exchange import export_audit
    from audit_ti.runs.writes import save_file

    if output.exists() and not forcer:
        raise InvalidInputError(Problem(f"{output} existe déjà : rien n'a été écrit (--forcer pour l'écraser)"))
    catalog = catalog_for(grilles_dir, [audit])
    data = export_audit(audit, catalog, today)
    save_file(output, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    out_console.print(
        f"Export PIA écrit : [bold]{escape(str(output))}[/] ({len(data['answers'])} réponses, "
        f"{len(data['measures'])} mesures, {len(data['evaluations'])} évaluations)"
    )
    return int(ExitCode.OK)
