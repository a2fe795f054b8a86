"""Options shared by several commands."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

__all__ = ["date_option", "grilles_option"]

grilles_option = click.option(
    "--grilles",
    "grilles_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Dossier des grilles (par défaut : ./grilles).",
)


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"« {value} » : date attendue au format AAAA-MM-JJ") from None


date_option = click.option(
    "--date",
    "today",
    default=None,
    callback=_parse_date,
    metavar="AAAA-MM-JJ",
    help="Date de référence (expiration des autorisations, des certificats, des risques acceptés) ; "
    "par défaut : aujourd'hui.",
)
