"""``audit-ti init``: write a commented audit file to fill in."""

from __future__ import annotations

import re
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from string import Template

import click

from audit_ti.cli.output import out_console
from audit_ti.cli.paths import AUDITS_DIR
from audit_ti.errors import ExitCode, InvalidInputError, Problem
from audit_ti.models.enums import Domain

__all__ = ["init", "render_template"]

_CASE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def render_template(case: str, authority: str, domain: Domain, today: date) -> str:
    """The commented audit file for a new use case."""
    template = Template(resources.files("audit_ti").joinpath("templates/audit.yaml.tmpl").read_text("utf-8"))
    return template.substitute(
        cas=case,
        nom=case.replace("-", " ").capitalize(),
        collectivite=authority.replace('"', "'"),
        domaine=domain.value,
        aujourdhui=today.isoformat(),
        fin_validite=(today + timedelta(days=90)).isoformat(),
    )


@click.command("init", short_help="Créer le fichier d'audit commenté d'un nouveau cas d'usage.")
@click.argument("cas")
@click.option("--collectivite", default="À compléter", help="Nom de la collectivité.")
@click.option(
    "--domaine",
    type=click.Choice([domain.value for domain in Domain]),
    default=Domain.OTHER.value,
    show_default=True,
    help="Domaine métier du cas d'usage.",
)
@click.option(
    "--dossier",
    type=click.Path(path_type=Path, file_okay=False),
    default=AUDITS_DIR,
    show_default=True,
    help="Dossier où écrire le fichier.",
)
@click.option("--forcer", is_flag=True, help="Remplacer le fichier s'il existe déjà.")
def init(cas: str, collectivite: str, domaine: str, dossier: Path, forcer: bool) -> int:
    """Créer le fichier d'audit commenté d'un nouveau cas d'usage (CAS : nom court, ex. eclairage-centre)."""
    if not _CASE_NAME.match(cas):
        raise InvalidInputError(
            Problem(
                f"« {cas} » : nom de cas attendu en minuscules sans accent, chiffres et tirets "
                "(il devient le nom du fichier et du dossier de rapports)"
            )
        )
    path = dossier / f"{cas}.yaml"
    if path.exists() and not forcer:
        raise InvalidInputError(
            Problem(f"{path} existe déjà : rien n'a été écrit (utilisez --forcer pour le remplacer)")
        )
    dossier.mkdir(parents=True, exist_ok=True)
    path.write_text(render_template(cas, collectivite, Domain(domaine), date.today()), encoding="utf-8")
    out_console.print(f"Fichier créé : [bold]{path}[/]")
    out_console.print(f"Complétez-le, puis vérifiez-le avec : audit-ti valider {path}")
    return int(ExitCode.OK)
