"""Options shared by several commands."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from audit_ti.models.enums import ScanProfile, Severity

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "ScanOptions",
    "audit_file_option",
    "batch_option",
    "date_option",
    "evaluation_date_option",
    "fail_option",
    "force_option",
    "grilles_option",
    "output_option",
    "parallel_option",
    "profile_option",
    "reports_option",
    "resume_option",
    "scan_options",
]

grilles_option = click.option(
    "--grilles",
    "grilles_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Dossier des grilles (par défaut : ./grilles).",
)

reports_option = click.option(
    "--rapports",
    "reports_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("rapports"),
    show_default=True,
    help="Dossier des rapports ; chaque exécution crée rapports/<cas>/<horodatage>/.",
)


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"« {value} » : date attendue au format AAAA-MM-JJ") from None


def _today(ctx: click.Context, param: click.Parameter, value: str | None) -> date:
    return _parse_date(ctx, param, value) or date.today()


date_option = click.option(
    "--date",
    "today",
    default=None,
    callback=_today,
    metavar="AAAA-MM-JJ",
    help="Date de référence (expiration des autorisations, des certificats, des risques acceptés) ; "
    "par défaut : aujourd'hui.",
)

evaluation_date_option = click.option(
    "--date",
    "evaluation_date",
    default=None,
    callback=_parse_date,
    metavar="AAAA-MM-JJ",
    help="Juger certificats et risques acceptés à cette date (notée dans le manifeste) ; par défaut : "
    "aujourd'hui. L'autorisation de scanner est toujours vérifiée à la date réelle.",
)

fail_option = click.option(
    "--echec-si",
    "fail_at",
    type=click.Choice([Severity.CRITICAL.value, Severity.HIGH.value, Severity.MEDIUM.value]),
    default=Severity.HIGH.value,
    show_default=True,
    help="Code de sortie 1 si une non-conformité de cette sévérité ou plus n'est pas acceptée.",
)

profile_option = click.option(
    "--profil",
    type=click.Choice([profile.value for profile in ScanProfile]),
    default=None,
    help="Profil du scan (par défaut : celui du fichier d'audit). « intrusif » exige une autorisation qui le permet.",
)

parallel_option = click.option(
    "--parallele", type=click.IntRange(1, 16), default=2, show_default=True, help="Exécutions de nmap simultanées."
)

batch_option = click.option(
    "--taille-lot",
    "batch_size",
    type=click.IntRange(1, 4096),
    default=None,
    help="Passerelles par exécution de nmap (par défaut : la flotte répartie entre les exécutions "
    "simultanées, au plus 512 en profil sûr et 256 en profil intrusif).",
)

resume_option = click.option(
    "--reprendre",
    "resume_from",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    metavar="DOSSIER",
    help="Reprendre un scan interrompu : les lots terminés de ce dossier d'exécution (même fichier "
    "d'audit, même plan de scan, preuves intactes) sont repris dans une nouvelle exécution, les "
    "autres sont scannés. Le périmètre autorisé est vérifié à nouveau.",
)


def _file_option(*names: str, help_text: str, required: bool) -> Callable[[F], F]:
    return click.option(
        *names, type=click.Path(path_type=Path, dir_okay=False), required=required, default=None, help=help_text
    )


def audit_file_option(help_text: str, *, required: bool = False) -> Callable[[F], F]:
    """``--audit FICHIER``: the audit file a command works with, besides its main argument."""
    return _file_option("--audit", "audit", help_text=help_text, required=required)


def output_option(help_text: str, *, required: bool = False) -> Callable[[F], F]:
    """``--sortie/-o FICHIER``: a file the command writes (never replaced without ``--forcer``)."""
    return _file_option("--sortie", "-o", "output", help_text=help_text, required=required)


def force_option(help_text: str) -> Callable[[F], F]:
    """``--forcer``: replace the file of ``--sortie`` if it exists."""
    return click.option("--forcer", is_flag=True, help=help_text)


@dataclass(frozen=True)
class ScanOptions:
    """What a command that scans (``scanner``, ``auditer``) was asked on its command line."""

    profile: str | None
    fail_at: str
    reports_dir: Path
    grilles_dir: Path | None
    evaluation_date: date | None
    parallel: int
    batch_size: int | None = None
    resume_from: Path | None = None


def scan_options(command: Callable[..., int]) -> Callable[..., int]:
    """The options of a command that scans: profile, failure threshold, folders, date, parallel runs,
    batch size and resume.

    The command receives them together, as ``options`` (a ``ScanOptions``).
    """

    @functools.wraps(command)
    def collect(
        *,
        profil: str | None,
        fail_at: str,
        reports_dir: Path,
        grilles_dir: Path | None,
        evaluation_date: date | None,
        parallele: int,
        batch_size: int | None,
        resume_from: Path | None,
        **arguments: Any,
    ) -> int:
        options = ScanOptions(
            profil, fail_at, reports_dir, grilles_dir, evaluation_date, parallele, batch_size, resume_from
        )
        return command(options=options, **arguments)

    decorated: Callable[..., int] = collect
    for option in reversed(
        (
            profile_option,
            fail_option,
            reports_option,
            grilles_option,
            evaluation_date_option,
            parallel_option,
            batch_option,
            resume_option,
        )
    ):
        decorated = option(decorated)
    return decorated
