"""Options shared by several commands: the grilles folder and the reference date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

__all__ = ["date_option", "grilles_option", "parse_date_option"]


def parse_date_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date:
    """``--date AAAA-MM-JJ``, today when absent."""
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"« {value} » : date attendue au format AAAA-MM-JJ") from None


def grilles_option(
    help_text: str = "Dossier des grilles et référentiels (par défaut : ./grilles).",
) -> Callable[..., Any]:
    """``--grilles DOSSIER``, passed as ``grilles_dir``."""
    return click.option(
        "--grilles",
        "grilles_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help=help_text,
    )


def date_option(help_text: str) -> Callable[..., Any]:
    """``--date AAAA-MM-JJ``, passed as ``today``."""
    return click.option(
        "--date", "today", default=None, callback=parse_date_option, metavar="AAAA-MM-JJ", help=help_text
    )
