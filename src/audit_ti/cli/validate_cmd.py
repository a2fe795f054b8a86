"""``audit-ti valider``, ``audit-ti grilles`` and the hidden ``audit-ti schemas``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from audit_ti.cli.options import date_option, grilles_option
from audit_ti.cli.output import out_console, print_problems
from audit_ti.cli.paths import catalog_for, default_inputs
from audit_ti.errors import ExitCode, InvalidInputError, Problem
from audit_ti.models.enums import Nature
from audit_ti.validation.catalog import GrilleCatalog, InvalidEntryError, MissingEntryError
from audit_ti.validation.files import FileKind, summarise_referential, validate_files

__all__ = ["list_grilles", "schemas", "validate"]


@click.command("valider", short_help="Valider des fichiers d'audit et des grilles.")
@click.argument("fichiers", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@grilles_option
@click.option(
    "--type",
    "kind",
    type=click.Choice([kind.value for kind in FileKind]),
    default=None,
    help="Forcer le type des fichiers (sinon : « grille » dans un dossier grilles/, « audit » ailleurs).",
)
@date_option
def validate(fichiers: tuple[Path, ...], grilles_dir: Path | None, kind: str | None, today: date) -> int:
    """Valider des fichiers d'audit et des grilles (par défaut : tout audits/ et grilles/).

    Chaque erreur est signalée avec le fichier, la ligne et la clé concernés. Code de sortie 2
    si un fichier est invalide.
    """
    paths = list(fichiers) or default_inputs()
    if not paths:
        raise InvalidInputError(Problem("aucun fichier YAML dans audits/ ni dans grilles/"))
    catalog = catalog_for(grilles_dir, paths)
    reports = validate_files(paths, catalog, today, FileKind(kind) if kind else None)

    table = Table(title="Validation des fichiers", title_justify="left")
    table.add_column("Fichier", no_wrap=True)
    table.add_column("Type")
    table.add_column("Résultat")
    table.add_column("Contenu", overflow="fold")
    for report in reports:
        verdict = "[green]valide[/]" if report.ok else f"[red]invalide ({len(report.problems)})[/]"
        if report.warnings:
            verdict += f" [yellow]({len(report.warnings)} avertissement{'s' if len(report.warnings) > 1 else ''})[/]"
        table.add_row(escape(str(report.path)), report.kind.value, verdict, escape(report.summary))
    out_console.print(table)

    for report in reports:
        if report.warnings:
            print_problems(
                report.warnings, title=f"{report.path} — à traiter avant un scan ou un rapport :", warning=True
            )
    invalid = [report for report in reports if not report.ok]
    for report in invalid:
        print_problems(report.problems, title=f"{report.path} :")
    valid_count = len(reports) - len(invalid)
    out_console.print(f"{valid_count} fichier(s) valide(s) sur {len(reports)}.")
    return int(ExitCode.INVALID_INPUT if invalid else ExitCode.OK)


@click.command("grilles")
@grilles_option
def list_grilles(grilles_dir: Path | None) -> int:
    """Lister les grilles disponibles et leur nombre d'exigences."""
    catalog = catalog_for(grilles_dir)
    folder = catalog.folder
    ids = catalog.available()
    if not ids:
        raise InvalidInputError(Problem(f"aucune grille dans {folder}/"))
    table = Table(title=f"Grilles de {folder}/", title_justify="left")
    table.add_column("Identifiant", no_wrap=True)
    table.add_column("Titre")
    table.add_column("Version", no_wrap=True)
    for column in ("Exigences", "Réseau", "Déclaratives", "Mixtes"):
        table.add_column(column, justify="right")
    invalid: list[InvalidInputError] = []
    for grille_id in ids:
        try:
            found = catalog.grille(grille_id)
        except (InvalidEntryError, MissingEntryError) as error:
            table.add_row(grille_id, "[red]grille invalide[/]", "", "", "", "", "")
            if isinstance(error, InvalidEntryError):
                invalid.append(error)
            continue
        natures = [item.nature for item in found.items]
        table.add_row(
            found.id,
            escape(found.title),
            escape(found.version),
            str(len(found.items)),
            str(natures.count(Nature.NETWORK)),
            str(natures.count(Nature.DECLARATIVE)),
            str(natures.count(Nature.MIXED)),
        )
    out_console.print(table)
    invalid += _print_referentials(catalog)
    for entry in invalid:
        print_problems(entry.problems)
    return int(ExitCode.INVALID_INPUT if invalid else ExitCode.OK)


def _print_referentials(catalog: GrilleCatalog) -> list[InvalidInputError]:
    """The assessment referentials (AIPD, inclusion) of the folder, in their own table."""
    ids = catalog.available_referentials()
    if not ids:
        return []
    table = Table(
        title="Référentiels d'évaluation (sections « aipd » et « inclusion » des audits)",
        title_justify="left",
    )
    table.add_column("Identifiant", no_wrap=True)
    table.add_column("Titre")
    table.add_column("Contenu")
    invalid: list[InvalidInputError] = []
    for referential_id in ids:
        try:
            found = catalog.referential(referential_id)
        except (InvalidEntryError, MissingEntryError) as error:
            table.add_row(referential_id, "[red]référentiel invalide[/]", "")
            if isinstance(error, InvalidEntryError):
                invalid.append(error)
            continue
        table.add_row(found.id, escape(found.title), escape(summarise_referential(found)))
    out_console.print(table)
    return invalid


@click.command("schemas", hidden=True)
@click.option("--racine", type=click.Path(path_type=Path, file_okay=False), default=Path())
def schemas(racine: Path) -> int:
    """Régénérer les schémas JSON des fichiers YAML (développeurs)."""
    from audit_ti.inputs.schemas import write_schemas

    for path in write_schemas(racine):
        out_console.print(f"écrit : {path}")
    return int(ExitCode.OK)
