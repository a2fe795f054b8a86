"""Territory statistics (CSV): read and checked against the indicators of the inclusion referential.

One CSV format serves both the national defaults shipped in ``grilles/donnees/`` and the files
of the territories: one row per zone and indicator, ``zone;indicateur;valeur;unite;source;annee``.
Every figure carries its own source and year; every error names the file, the row and the column.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.inputs.files import decode_utf8, read_capped
from audit_ti.models.inclusion_referential import InclusionReferential
from audit_ti.models.scales import StatUnit
from audit_ti.text import french_number

if TYPE_CHECKING:  # pandas costs a quarter of a second: imported only when a CSV is read
    import pandas as pd

__all__ = [
    "COLUMNS",
    "MAX_CSV_BYTES",
    "Figure",
    "TerritoryStatistics",
    "read_statistics",
]

COLUMNS = ("zone", "indicateur", "valeur", "unite", "source", "annee")
#: More than France's population is a typing error, not a territory.
MAX_POPULATION = 100_000_000
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

    def frame(self) -> pd.DataFrame:
        """The figures as a table: zone, indicator, value, unit, source, year."""
        import pandas as pd

        return pd.DataFrame(
            [(f.zone, f.indicator, f.value, f.unit.value, f.source, f.year) for f in self.figures],
            columns=["zone", "indicator", "value", "unit", "source", "year"],
        )


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
    import pandas as pd

    raw = read_capped(path, MAX_CSV_BYTES, " pour un fichier de statistiques")
    text = decode_utf8(raw, path, "le fichier n'est pas encodé en UTF-8 : enregistrez-le en UTF-8")
    header = text.split("\n", 1)[0]
    separator = ";" if header.count(";") >= header.count(",") else ","
    columns = [name.strip().lower() for name in next(csv.reader([header], delimiter=separator), [])]
    missing = [name for name in COLUMNS if name not in columns]
    if missing:
        raise InvalidInputError(
            Problem(
                f"colonne(s) manquante(s) : {', '.join(missing)}. "
                f"En-tête attendu : {separator.join(COLUMNS)} "
                f"(séparateur « ; » ou « , »)",
                path,
                1,
            )
        )
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    start = 1  # where the row being read starts: a quote left open makes a row span lines
    try:
        for cells in reader:
            if cells and any(cell.strip() for cell in cells) and len(cells) != len(columns):
                raise InvalidInputError(
                    Problem(
                        f"{len(cells)} colonnes sur cette ligne, {len(columns)} dans l'en-tête "
                        f"(séparateur « {separator} » ; une valeur qui le contient doit être entre guillemets)",
                        path,
                        start,
                    )
                )
            start = reader.line_num + 1
    except csv.Error as error:
        why = "cellule démesurée" if "field larger" in str(error) else "guillemets mal placés"
        raise InvalidInputError(Problem(f"CSV illisible ({why})", path, start)) from None
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=separator,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            skip_blank_lines=False,
            index_col=False,
            on_bad_lines="error",
        )
    except (pd.errors.ParserError, csv.Error) as error:
        raise InvalidInputError(Problem(f"CSV mal formé ({error})", path)) from None
    frame.columns = [str(name).strip().lower() for name in frame.columns]
    frame = frame[list(COLUMNS)]
    blank = frame.apply(lambda row: all(not str(cell).strip() for cell in row), axis=1)
    return frame[~blank]


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
        hint = f", vouliez-vous dire « {close[0]} » ?" if close else f". Indicateurs connus : {', '.join(known)}."
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
    if not cleaned.isascii() or len(cleaned) > 40:
        return None  # Python would read « ٣ » as 3: a statistics file writes ASCII digits
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _range_problems(unit: StatUnit, value: float, indicator: str, line: int, path: Path) -> list[Problem]:
    if unit is StatUnit.PERCENT and not 0 <= value <= 100:
        return [
            Problem(
                f"colonne « valeur » : part de {french_number(value)} % pour « {indicator} », hors de 0 à 100 "
                "(les parts s'écrivent en pourcentage : 12,5 pour 12,5 %)",
                path,
                line,
            )
        ]
    if unit is StatUnit.INHABITANTS and value > MAX_POPULATION:
        return [
            Problem(
                f"colonne « valeur » : population de {french_number(value)} habitants, plus que la France entière : "
                "faute de frappe ?",
                path,
                line,
            )
        ]
    if unit is StatUnit.INHABITANTS and (value < 0 or value != int(value)):
        return [
            Problem(
                f"colonne « valeur » : population de {french_number(value)} habitants : "
                "un nombre entier positif est attendu",
                path,
                line,
            )
        ]
    if unit is StatUnit.INDEX and value <= 0:
        return [
            Problem(
                f"colonne « valeur » : indice de {french_number(value)} : un indice positif est attendu", path, line
            )
        ]
    return []


def _year_ok(text: str) -> bool:
    return len(text) == 4 and text.isascii() and text.isdigit() and 1950 <= int(text) <= 2100
