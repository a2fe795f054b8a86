"""Territory statistics (CSV) and the number of residents in each public at risk.

One CSV format serves both the national defaults shipped in ``grilles/donnees/`` and the files
of the territories: one row per zone and indicator, ``zone;indicateur;valeur;unite;source;annee``.
Every figure carries its own source and year; every error names the file, the row and the column.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

import pandas as pd

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.models.inclusion_referential import InclusionReferential, RiskPublic
from audit_ti.models.inclusion_result import PublicEstimate, ResidentsEstimate
from audit_ti.models.scales import StatUnit

__all__ = [
    "COLUMNS",
    "MAX_CSV_BYTES",
    "Figure",
    "TerritoryStatistics",
    "estimate_residents",
    "read_statistics",
]

COLUMNS = ("zone", "indicateur", "valeur", "unite", "source", "annee")
#: A territory file has a few hundred rows at most (communes or IRIS of an intercommunality).
MAX_CSV_BYTES = 2 * 1024 * 1024
_MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Figure:
    """One statistic of one zone, with its provenance."""

    zone: str
    indicator: str
    value: float
    unit: StatUnit
    source: str
    year: str


@dataclass(frozen=True)
class TerritoryStatistics:
    """The figures of a CSV file, by zone and indicator."""

    path: Path
    figures: tuple[Figure, ...]

    def zones(self) -> list[str]:
        """Zones in the order of the file."""
        return list(dict.fromkeys(figure.zone for figure in self.figures))

    def get(self, zone: str, indicator: str) -> Figure | None:
        """The figure of a zone for an indicator, if the file gives it."""
        return next((f for f in self.figures if f.zone == zone and f.indicator == indicator), None)

    def has(self, indicator: str) -> bool:
        """True when at least one zone gives this indicator."""
        return any(figure.indicator == indicator for figure in self.figures)


def read_statistics(path: Path, referential: InclusionReferential) -> TerritoryStatistics:
    """Read and check a statistics CSV against the indicators of the referential.

    Raises:
        InvalidInputError: every problem, in French, with file, row (line of the file) and column.
    """
    frame = _read_frame(path)
    problems: list[Problem] = []
    figures: list[Figure] = []
    seen: dict[tuple[str, str], int] = {}
    for index, record in zip(frame.index, frame.to_dict(orient="records"), strict=True):
        line = int(index) + 2  # the header is line 1; blank lines were dropped but keep their index
        row = {str(key): str(value) for key, value in record.items()}
        figure, row_problems = _figure(path, line, row, referential)
        problems += row_problems
        if figure is None:
            continue
        key = (figure.zone, figure.indicator)
        if key in seen:
            problems.append(
                Problem(
                    f"colonne « indicateur » : « {figure.indicator} » donné deux fois pour la zone "
                    f"« {figure.zone} » (déjà ligne {seen[key]})",
                    path,
                    line,
                )
            )
        seen.setdefault(key, line)
        figures.append(figure)
        if len(problems) >= _MAX_PROBLEMS:
            break
    if problems:
        raise InvalidInputError(problems)
    if not figures:
        raise InvalidInputError(Problem("aucune ligne de données sous l'en-tête", path, 2))
    return TerritoryStatistics(path, tuple(figures))


def _read_frame(path: Path) -> pd.DataFrame:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInputError(Problem("fichier de statistiques introuvable", path)) from None
    except OSError as error:
        raise InvalidInputError(Problem(f"fichier illisible ({error.strerror})", path)) from None
    if len(raw) > MAX_CSV_BYTES:
        raise InvalidInputError(Problem("fichier de statistiques trop volumineux (au plus 2 Mo)", path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InvalidInputError(
            Problem("le fichier n'est pas encodé en UTF-8 : enregistrez-le en UTF-8", path, line)
        ) from None
    header = text.split("\n", 1)[0]
    separator = ";" if header.count(";") >= header.count(",") else ","
    columns = [name.strip().lower() for name in next(csv.reader([header], delimiter=separator), [])]
    missing = [name for name in COLUMNS if name not in columns]
    if missing:
        raise InvalidInputError(
            Problem(
                f"colonne(s) manquante(s) : {', '.join(missing)}. En-tête attendu : {separator.join(COLUMNS)} "
                f"(séparateur « ; » ou « , »)",
                path,
                1,
            )
        )
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=separator,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            skip_blank_lines=False,
            on_bad_lines="error",
        )
    except (pd.errors.ParserError, csv.Error) as error:
        raise InvalidInputError(Problem(f"CSV mal formé ({_parser_reason(error)})", path)) from None
    frame.columns = [str(name).strip().lower() for name in frame.columns]
    frame = frame[list(COLUMNS)]
    blank = frame.apply(lambda row: all(not str(cell).strip() for cell in row), axis=1)
    return frame[~blank]


def _parser_reason(error: Exception) -> str:
    text = str(error)
    if "Expected" in text and "fields" in text:
        return (
            "une ligne n'a pas le même nombre de colonnes que l'en-tête : "
            + text.rsplit("Error tokenizing data. C error: ", maxsplit=1)[-1]
        )
    return text


def _figure(
    path: Path, line: int, row: dict[str, str], referential: InclusionReferential
) -> tuple[Figure | None, list[Problem]]:
    problems: list[Problem] = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(f"colonne « {column} » : {message}", path, line))

    cells = {name: str(row.get(name, "")).strip() for name in COLUMNS}
    for name in ("zone", "indicateur", "valeur", "unite", "source", "annee"):
        if not cells[name]:
            problem(name, "valeur vide")
    if problems:
        return None, problems
    indicator = referential.indicator(cells["indicateur"])
    if indicator is None:
        known = [item.id for item in referential.indicators]
        close = get_close_matches(cells["indicateur"], known, n=1, cutoff=0.6)
        hint = (
            f", vouliez-vous dire « {close[0]} » ?"
            if close
            else f". Indicateurs connus : {', '.join(known)}."
        )
        problem("indicateur", f"indicateur « {cells['indicateur']} » inconnu{hint}")
        return None, problems
    value = _number(cells["valeur"])
    if value is None:
        problem("valeur", f"« {cells['valeur'][:40]} » n'est pas un nombre")
        return None, problems
    unit_text = cells["unite"].replace("pourcent", "%").replace("pour cent", "%")
    if unit_text != indicator.unit.value:
        problem(
            "unite",
            f"unité « {cells['unite']} » incorrecte pour « {indicator.id} » : « {indicator.unit.value} » attendu",
        )
        return None, problems
    problems += _range_problems(indicator.unit, value, indicator.id, line, path)
    if not _year_ok(cells["annee"]):
        problem("annee", f"« {cells['annee']} » : année attendue sur quatre chiffres (par exemple 2021)")
    if problems:
        return None, problems
    return Figure(cells["zone"], indicator.id, value, indicator.unit, cells["source"], cells["annee"]), []


def _number(text: str) -> float | None:
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _range_problems(unit: StatUnit, value: float, indicator: str, line: int, path: Path) -> list[Problem]:
    if unit is StatUnit.PERCENT and not 0 <= value <= 100:
        return [
            Problem(
                f"colonne « valeur » : part de {_fr(value)} % pour « {indicator} », hors de 0 à 100 "
                "(les parts s'écrivent en pourcentage : 12,5 pour 12,5 %)",
                path,
                line,
            )
        ]
    if unit is StatUnit.INHABITANTS and (value < 0 or value != int(value)):
        return [
            Problem(
                f"colonne « valeur » : population de {_fr(value)} habitants : un nombre entier positif est attendu",
                path,
                line,
            )
        ]
    if unit is StatUnit.INDEX and value <= 0:
        return [
            Problem(
                f"colonne « valeur » : indice de {_fr(value)} : un indice positif est attendu", path, line
            )
        ]
    return []


def _year_ok(text: str) -> bool:
    return len(text) == 4 and text.isdigit() and 1950 <= int(text) <= 2100


def _fr(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def estimate_residents(
    referential: InclusionReferential,
    national: TerritoryStatistics,
    territory: TerritoryStatistics | None,
    declared_population: int | None,
    area: str | None,
    concerned: dict[str, bool],
) -> ResidentsEstimate:
    """How many residents of the area belong to each public at risk.

    Each zone's residents are its population × the share of the public in that zone; a share the
    territory does not give falls back on the national share (multiplied by the fragility index
    / 100 for the publics marked ``ajuste_par_indice``). With no territory file, the declared
    population of the audit is used with national shares.
    """
    zones = _zones(referential, territory, declared_population)
    population = sum(pop for _, pop in zones) if zones else None
    source = (
        "fichier du territoire"
        if territory is not None and _has_population(referential, territory)
        else ("fichier d'audit" if declared_population is not None else "aucune")
    )
    index = _mean_index(referential, territory, zones)
    publics = tuple(
        _estimate(public, referential, national, territory, zones, index, concerned.get(public.id, True))
        for public in referential.publics
    )
    return ResidentsEstimate(
        area=area,
        population=population,
        population_source=source,
        statistics_file=str(territory.path) if territory is not None else None,
        fragility_index=index,
        publics=publics,
    )


def _has_population(referential: InclusionReferential, territory: TerritoryStatistics) -> bool:
    return territory.has(referential.population_indicator)


def _zones(
    referential: InclusionReferential, territory: TerritoryStatistics | None, declared: int | None
) -> list[tuple[str | None, int]]:
    if territory is not None and _has_population(referential, territory):
        result: list[tuple[str | None, int]] = []
        for zone in territory.zones():
            figure = territory.get(zone, referential.population_indicator)
            if figure is not None:
                result.append((zone, int(figure.value)))
        return result
    return [(None, declared)] if declared is not None else []


def _mean_index(
    referential: InclusionReferential,
    territory: TerritoryStatistics | None,
    zones: list[tuple[str | None, int]],
) -> float | None:
    if territory is None or referential.fragility_index is None:
        return None
    weighted = [
        (figure.value, pop)
        for zone, pop in zones
        if zone is not None and (figure := territory.get(zone, referential.fragility_index)) is not None
    ]
    if not weighted:
        first = next((f for f in territory.figures if f.indicator == referential.fragility_index), None)
        return first.value if first is not None else None
    total = sum(pop for _, pop in weighted)
    return round(sum(value * pop for value, pop in weighted) / total, 1) if total else None


def _estimate(
    public: RiskPublic,
    referential: InclusionReferential,
    national: TerritoryStatistics,
    territory: TerritoryStatistics | None,
    zones: list[tuple[str | None, int]],
    index: float | None,
    concerned: bool,
) -> PublicEstimate:
    base = {"id": public.id, "titre": public.title, "concerne": concerned, "indicateur": public.indicator}
    if public.indicator is None:
        return PublicEstimate.model_validate(
            base
            | {"part_pourcent": None, "habitants": None, "origine": "aucune", "source": None, "annee": None}
        )
    national_figure = next((f for f in national.figures if f.indicator == public.indicator), None)
    local = [
        (pop, territory.get(zone, public.indicator) if territory is not None and zone is not None else None)
        for zone, pop in zones
    ]
    if territory is not None and not zones and territory.has(public.indicator):
        first = next(f for f in territory.figures if f.indicator == public.indicator)
        return PublicEstimate.model_validate(
            base
            | {
                "part_pourcent": first.value,
                "habitants": None,
                "origine": "territoire",
                "source": first.source,
                "annee": first.year,
            }
        )
    shares: list[tuple[int, float]] = []
    origins: set[str] = set()
    provenance: list[Figure] = []
    for pop, figure in local:
        if figure is not None:
            shares.append((pop, figure.value))
            origins.add("territoire")
            provenance.append(figure)
        elif national_figure is not None:
            factor = index / 100 if public.scaled_by_index and index is not None else 1.0
            shares.append((pop, min(100.0, national_figure.value * factor)))
            origins.add("national_ajuste" if factor != 1.0 else "national")
            provenance.append(national_figure)
    if not zones and national_figure is not None:
        return PublicEstimate.model_validate(
            base
            | {
                "part_pourcent": national_figure.value,
                "habitants": None,
                "origine": "national",
                "source": national_figure.source,
                "annee": national_figure.year,
            }
        )
    if not shares:
        return PublicEstimate.model_validate(
            base
            | {"part_pourcent": None, "habitants": None, "origine": "aucune", "source": None, "annee": None}
        )
    total = sum(pop for pop, _ in shares)
    residents = sum(pop * share / 100 for pop, share in shares)
    share = round(residents / total * 100, 1) if total else 0.0
    return PublicEstimate.model_validate(
        base
        | {
            "part_pourcent": share,
            "habitants": int(residents + 0.5),
            "origine": "+".join(sorted(origins)),
            "source": _join(figure.source for figure in provenance),
            "annee": _join(figure.year for figure in provenance),
        }
    )


def _join(values: Iterable[str]) -> str:
    return " ; ".join(dict.fromkeys(values))
