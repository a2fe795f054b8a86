"""Located French problems shared by the input rules: unknown ids, duplicates, file ids, citations.

Every rule returns problems instead of raising, so that one run of ``audit-ti valider`` reports
everything that is wrong at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from audit_ti.errors import Problem
from audit_ti.inputs.documents import problem_at
from audit_ti.inputs.messages import did_you_mean
from audit_ti.models.base import KeyPath, SourceDocument

__all__ = [
    "cited_source_problems",
    "duplicate_problems",
    "duplicated",
    "file_id_problems",
    "problem_at",
    "reference_problems",
    "unknown",
]

_FEMININE = {"zone", "source", "mesure", "valeur", "sensibilité"}


def unknown(document: SourceDocument, loc: KeyPath, what: str, value: str, known: Sequence[str]) -> Problem:
    """« <what> « value » inconnu(e) », with the closest known value and the list of possible ones."""
    hint = did_you_mean(value, list(known), f" (possibles : {', '.join(known)})")
    ending = "e" if what.split(maxsplit=1)[0] in _FEMININE else ""
    return problem_at(document, loc, f"{what} « {value} » inconnu{ending}{hint}")


def duplicated(values: Iterable[str]) -> set[str]:
    """The values that appear more than once."""
    return {value for value, count in Counter(values).items() if count > 1}


def duplicate_problems(
    document: SourceDocument, items: Iterable[str], loc_of: KeyPath, what: str, key: str = "id"
) -> list[Problem]:
    """One problem at each repetition of a value (the first occurrence is not at fault)."""
    values = list(items)
    twice = duplicated(values)
    seen: set[str] = set()
    problems = []
    for index, value in enumerate(values):
        if value in twice and value in seen:
            problems.append(problem_at(document, (*loc_of, index, key), f"{what} « {value} » en double"))
        seen.add(value)
    return problems


def file_id_problems(document: SourceDocument, declared: str) -> list[Problem]:
    """The declared id must be the file's name, for the audits to find it."""
    if document.source is not None and declared != document.source.path.stem:
        return [
            problem_at(
                document,
                ("id",),
                f"l'identifiant « {declared} » doit être le nom du fichier "
                f"(« {document.source.path.stem} »), "
                "pour que les audits le retrouvent",
            )
        ]
    return []


def cited_source_problems(
    document: SourceDocument, known: list[str], cited: Iterable[tuple[KeyPath, list[str]]]
) -> list[Problem]:
    """Every source cited (each list with the key path of its item) is declared in ``sources``."""
    return [
        unknown(document, (*loc, "sources", index), "source", source_id, known)
        for loc, sources in cited
        for index, source_id in enumerate(sources)
        if source_id not in known
    ]


def reference_problems(
    document: SourceDocument, cited: Iterable[tuple[KeyPath, list[str]]], known: list[str], what: str
) -> list[Problem]:
    """Every id cited in the lists (each with the key path of its list) must be known."""
    return [
        unknown(document, (*loc, index), what, value, known)
        for loc, values in cited
        for index, value in enumerate(values)
        if value not in known
    ]
