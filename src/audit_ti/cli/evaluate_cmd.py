"""``audit-ti evaluer``: the AIPD and inclusion assessments of one audit file (no network)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape
from rich.table import Table

from audit_ti.cli.options import evaluation_date_option, grilles_option, reports_option
from audit_ti.cli.output import out_console
from audit_ti.cli.paths import catalog_for
from audit_ti.text import french_number

if TYPE_CHECKING:
    from audit_ti.runs.impact import ImpactOutcome

__all__ = ["evaluate", "print_aipd", "print_blocking", "print_inclusion"]


@click.command("evaluer", short_help="Évaluer l'AIPD et l'inclusion numérique d'un cas d'usage.")
@click.argument("audit", type=click.Path(path_type=Path, dir_okay=False))
@reports_option
@grilles_option
@evaluation_date_option
def evaluate(audit: Path, reports_dir: Path, grilles_dir: Path | None, evaluation_date: date | None) -> int:
    """Évaluer l'AIPD et l'impact sur l'inclusion numérique d'un cas d'usage, sans aucun accès réseau.

    Écrit results/aipd.json, results/inclusion.json et results/information-public.json (et .md)
    dans un nouveau dossier d'exécution. Code de sortie 1 si un constat est bloquant : AIPD
    obligatoire non validée ou présélection incomplète, consultation préalable de la CNIL
    requise (risque résiduel élevé), AIPD refusée, ou critère bloquant d'inclusion non satisfait.
    """
    from audit_ti.runs.impact import evaluate_impact, write_outcome

    catalog = catalog_for(grilles_dir, [audit])
    outcome = evaluate_impact(audit, catalog)
    folder = write_outcome(outcome, reports_dir, evaluation_date=evaluation_date)
    print_aipd(outcome)
    print_inclusion(outcome)
    print_blocking(outcome)
    out_console.print(f"Résultats écrits dans [bold]{escape(str(folder.root))}[/]")
    return int(outcome.exit_code)


def print_blocking(outcome: ImpactOutcome) -> None:
    """The blocking outcomes of the AIPD and the inclusion, or that there are none."""
    if outcome.blocking:
        out_console.print("[bold red]Constats bloquants :[/]")
        for finding in outcome.blocking:
            out_console.print(f"  [red]✗[/] {escape(finding)}", soft_wrap=True)
    else:
        out_console.print("[green]Aucun constat bloquant.[/]")


def print_aipd(outcome: ImpactOutcome) -> None:
    aipd = outcome.aipd
    table = Table(title=f"AIPD — {escape(outcome.audit.use_case.name)}", title_justify="left", show_header=False)
    table.add_column("", style="bold", no_wrap=True)
    table.add_column("", overflow="fold")
    table.add_row("AIPD obligatoire ?", escape(aipd.prescreen.label))
    met = ", ".join(item.title for item in aipd.prescreen.criteria_met) or "aucun"
    table.add_row("Critères du CEPD remplis", escape(met))
    table.add_row("Règles appliquées", escape("\n".join(aipd.prescreen.rules)))
    residual = aipd.max_residual
    table.add_row(
        "Risque résiduel maximal",
        escape(
            f"gravité {residual.severity_label.lower()}, vraisemblance {residual.likelihood_label.lower()} "
            f"({residual.zone_label.lower()})"
        )
        if residual
        else "aucun risque estimé",
    )
    consultation = aipd.prior_consultation
    table.add_row(
        "Consultation de la CNIL (art. 36)",
        "[red]requise[/] (" + escape(", ".join(consultation.risks)) + ")" if consultation.required else "non requise",
    )
    table.add_row("Validation", aipd.validation.label)
    late = sum(1 for action in aipd.action_plan if action.late)
    cost = french_number(aipd.action_plan_cost_eur, ",.0f")
    table.add_row("Plan d'action", f"{len(aipd.action_plan)} action(s), {late} en retard, coût estimé {cost} €")
    out_console.print(table)


def print_inclusion(outcome: ImpactOutcome) -> None:
    inclusion = outcome.inclusion
    table = Table(title="Inclusion numérique", title_justify="left", show_header=False)
    table.add_column("", style="bold", no_wrap=True)
    table.add_column("", overflow="fold")
    table.add_row("Niveau", f"{inclusion.level.value} — {escape(inclusion.level_title)}")
    table.add_row("Verdict", escape(inclusion.verdict_label))
    scores = inclusion.scores
    table.add_row(
        "Scores",
        f"brut {scores.raw}/{scores.raw_max}, atténuation {scores.mitigation}/{scores.mitigation_max}, "
        f"final {scores.final} ({french_number(scores.final_percent)} %)",
    )
    blocking = ", ".join(c.title for c in inclusion.criteria if c.blocking_unmet) or "aucun"
    table.add_row("Critères bloquants non satisfaits", escape(blocking))
    out_console.print(table)
    residents = inclusion.residents
    people = Table(
        title=f"Habitants concernés — {escape(residents.area or 'zone du cas d’usage')}"
        + (f" ({french_number(residents.population, ',')} habitants)" if residents.population else ""),
        title_justify="left",
    )
    people.add_column("Public")
    people.add_column("Part", justify="right")
    people.add_column("Habitants", justify="right")
    people.add_column("Origine du chiffre")
    for public in residents.publics:
        share = f"{french_number(public.share_percent)} %" if public.share_percent is not None else "—"
        count = french_number(public.residents, ",") if public.residents is not None else "—"
        title = public.title if public.concerned else f"{public.title} (non concerné)"
        people.add_row(escape(title), share, count, public.origin)
    out_console.print(people)
