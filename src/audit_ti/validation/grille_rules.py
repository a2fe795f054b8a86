"""Rules of a grille: unique ids, known themes, consistent natures, registered checks with valid params."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from audit_ti.checks.registry import CheckRegistry
from audit_ti.errors import Problem
from audit_ti.inputs.documents import problems_from
from audit_ti.inputs.messages import did_you_mean
from audit_ti.models.base import KeyPath, SourceMap
from audit_ti.models.enums import Nature
from audit_ti.models.grille import Grille
from audit_ti.validation.located import duplicated, file_id_problems, problem_at

__all__ = ["grille_problems"]


def grille_problems(grille: Grille, registry: CheckRegistry) -> list[Problem]:
    """Consistency of a grille and of its links to the check registry."""
    problems = file_id_problems(grille, grille.id)
    theme_ids = [theme.id for theme in grille.themes]
    for index, theme in enumerate(grille.themes):
        if theme.id in duplicated(theme_ids):
            problems.append(problem_at(grille, ("themes", index, "id"), f"thème « {theme.id} » en double"))
    item_ids = [item.id for item in grille.items]
    duplicated_items = duplicated(item_ids)
    for index, item in enumerate(grille.items):
        loc: KeyPath = ("items", index)
        if item.id in duplicated_items:
            problems.append(problem_at(grille, (*loc, "id"), f"exigence « {item.id} » en double"))
        if item.theme not in theme_ids:
            hint = did_you_mean(item.theme, theme_ids, f" (thèmes : {', '.join(theme_ids)})")
            problems.append(problem_at(grille, (*loc, "theme"), f"thème « {item.theme} » inconnu{hint}"))
        problems.extend(_nature_problems(grille, index))
        for check_index in range(len(item.checks)):
            problems.extend(_check_reference_problems(grille, registry, index, check_index))
    return problems


def _nature_problems(grille: Grille, index: int) -> list[Problem]:
    item = grille.items[index]
    loc: KeyPath = ("items", index)
    problems = []
    if item.nature in (Nature.NETWORK, Nature.MIXED) and not item.checks:
        problems.append(
            problem_at(
                grille,
                (*loc, "checks"),
                "une exigence « reseau » ou « mixte » doit citer au moins un contrôle",
            )
        )
    if item.nature in (Nature.DECLARATIVE, Nature.MIXED) and item.question is None:
        problems.append(
            problem_at(grille, (*loc, "question"), "une exigence « declaratif » ou « mixte » doit poser une question")
        )
    if item.nature is Nature.DECLARATIVE and item.checks:
        problems.append(
            problem_at(
                grille,
                (*loc, "checks"),
                "une exigence « declaratif » ne cite pas de contrôle : déclarez-la « mixte »",
            )
        )
    return problems


def _check_reference_problems(
    grille: Grille, registry: CheckRegistry, item_index: int, check_index: int
) -> list[Problem]:
    loc: KeyPath = ("items", item_index, "checks", check_index)
    ref = grille.items[item_index].checks[check_index]
    spec = registry.get(ref.check)
    if spec is None:
        hint = did_you_mean(ref.check, registry.ids())
        known = f" Contrôles disponibles : {', '.join(registry.ids())}." if registry.ids() else ""
        return [problem_at(grille, (*loc, "check"), f"contrôle « {ref.check} » inconnu{hint}{known}")]
    try:
        spec.parse_params(ref.params)
    except ValidationError as error:
        source = grille.source or SourceMap(Path("<grille>"))
        return problems_from(error, spec.params_model, source, (*loc, "params"))
    return []
