"""Entry point of ``audit-ti``: global options, error handling, exit codes."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

import click
from rich.markup import escape

from audit_ti import __version__
from audit_ti.cli import french
from audit_ti.cli.output import STATE, err_console, print_problems
from audit_ti.errors import AuditTiError, ExitCode, InvalidInputError
from audit_ti.text import neutralise

french.install()

# Commands are imported after the French catalogue is installed: click reads some strings
# (such as the names of path types) when a command is defined.
from audit_ti.cli import (  # noqa: E402
    aipd_cmd,
    audit_cmd,
    cyber_cmd,
    evaluate_cmd,
    init_cmd,
    lab_cmd,
    run_cmd,
    suite_cmd,
    validate_cmd,
)

__all__ = ["cli", "main", "run"]

_HELP = """Audits préalables au déploiement d'un cas d'usage « territoire intelligent ».

\b
Trois questions, trois audits :
  1. cybersécurité des passerelles IoT (scans nmap, grille inspirée de l'ANSSI) ;
  2. impact sur l'inclusion numérique ;
  3. analyse d'impact relative à la protection des données (AIPD).

\b
Codes de sortie : 0 tout va bien ; 1 constats bloquants ; 2 entrée invalide ou
refusée ; 3 exécution incomplète.

Scanner un réseau sans autorisation écrite est un délit (article 323-1 du Code
pénal) : chaque fichier d'audit porte son autorisation et son périmètre.
"""


@click.group(
    help=_HELP,
    subcommand_metavar="COMMANDE [ARGUMENTS]...",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", "-V", prog_name="audit-ti", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="Afficher la trace Python complète en cas d'erreur.")
def cli(debug: bool) -> None:
    STATE.debug = debug


cli.add_command(validate_cmd.validate)
cli.add_command(validate_cmd.list_grilles)
cli.add_command(validate_cmd.schemas)
cli.add_command(init_cmd.init)
cli.add_command(cyber_cmd.scan_command)
cli.add_command(cyber_cmd.import_command)
cli.add_command(evaluate_cmd.evaluate)
cli.add_command(audit_cmd.audit_command)
cli.add_command(suite_cmd.suite_command)
cli.add_command(run_cmd.report_command)
cli.add_command(run_cmd.compare_command)
cli.add_command(run_cmd.verify_command)
cli.add_command(aipd_cmd.aipd)
cli.add_command(lab_cmd.lab)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code, without ever raising for bad input."""
    STATE.debug = False
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="audit-ti", standalone_mode=False)
    except click.exceptions.Exit as exit_:
        return int(exit_.exit_code)
    except click.ClickException as error:
        error.show()
        return int(error.exit_code)
    except click.Abort:
        err_console.print("[red]Interrompu.[/]")
        return int(ExitCode.INCOMPLETE_RUN)
    except KeyboardInterrupt:
        err_console.print("[red]Interrompu par l'utilisateur : l'exécution est incomplète.[/]")
        return int(ExitCode.INCOMPLETE_RUN)
    except AuditTiError as error:
        if STATE.debug:
            traceback.print_exc()
        if isinstance(error, InvalidInputError):
            print_problems(error.problems, title="Entrée invalide :" if len(error.problems) > 1 else None)
        else:
            err_console.print(f"[red]✗[/] {escape(neutralise(str(error)))}", soft_wrap=True)
        return int(error.exit_code)
    except Exception:
        if STATE.debug:
            traceback.print_exc()
        else:
            err_console.print(
                "[red]Erreur interne inattendue[/] : ce n'est pas votre faute. Relancez avec "
                "« audit-ti --debug … » et joignez la trace à votre signalement."
            )
        return int(ExitCode.INCOMPLETE_RUN)
    return int(result) if isinstance(result, int) else int(ExitCode.OK)


def run() -> NoReturn:
    """Console-script entry point."""
    sys.exit(main())
