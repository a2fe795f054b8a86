"""The number of residents of the use case's area in each public at risk.

Built from the territory statistics (``audit_ti.inputs.statistics``): the territory's own shares
where its file gives them, the national shares (adjusted by the fragility index) elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from audit_ti.inputs.statistics import Figure, TerritoryStatistics
from audit_ti.models.inclusion_referential import InclusionReferential, RiskPublic
from audit_ti.models.inclusion_result import PublicEstimate, ResidentsEstimate

if TYPE_CHECKING:  # pandas costs a quarter of a second: imported only when residents are estimated
    import pandas as pd

__all__ = ["AreaInput", "estimate_residents"]


@dataclass(frozen=True)
class AreaInput:
    """What the audit says of its area: name, declared population, statistics file (as written)."""

    name: str | None
    population: int | None
    statistics_file: str | None


def estimate_residents(
    referential: InclusionReferential,
    national: TerritoryStatistics,
    territory: TerritoryStatistics | None,
    area: AreaInput,
    concerned: dict[str, bool],
) -> ResidentsEstimate:
    """How many residents of the area belong to each public at risk.

    Each zone counts its population × the share of the public in that zone; a share the territory
    does not give falls back on the national share, multiplied by the zone's fragility index / 100
    for the publics marked ``ajuste_par_indice``. Without a territory population, the population
    declared in the audit file is used, with national shares.
    """
    population = _population(referential, territory, area)
    local = territory.frame().pivot(index="zone", columns="indicator", values="value") if territory else None
    index = _fragility(referential, local, population)
    national_shares = {figure.indicator: figure for figure in national.figures}
    publics = tuple(
        _estimate(
            public,
            national=national_shares,
            local=local,
            population=population,
            index=index,
            territory=territory,
            concerned=concerned.get(public.id, True),
        )
        for public in referential.publics
    )
    weighted_index = None
    if index is not None and index.notna().any():
        weights = population.reindex(index.index).fillna(0)
        total = float(weights[index.notna()].sum())
        weighted_index = round(float((index * weights).sum() / total), 1) if total else round(float(index.mean()), 1)
    source = "aucune"
    if territory is not None and territory.has(referential.population_indicator):
        source = "fichier du territoire"
    elif area.population is not None:
        source = "fichier d'audit"
    return ResidentsEstimate(
        area=area.name,
        population=int(population.sum()) if not population.empty else None,
        population_source=source,
        statistics_file=area.statistics_file,
        fragility_index=weighted_index,
        publics=publics,
    )


def _population(referential: InclusionReferential, territory: TerritoryStatistics | None, area: AreaInput) -> pd.Series:
    import pandas as pd  # noqa: PLC0415 - pandas is imported only when residents are estimated

    if territory is not None and territory.has(referential.population_indicator):
        frame = territory.frame()
        rows = frame[frame["indicator"] == referential.population_indicator]
        return rows.set_index("zone")["value"].astype(float)
    if area.population is not None:
        return pd.Series({area.name or "zone": float(area.population)})
    return pd.Series(dtype=float)


def _fragility(
    referential: InclusionReferential, local: pd.DataFrame | None, population: pd.Series
) -> pd.Series | None:
    import pandas as pd  # noqa: PLC0415 - pandas is imported only when residents are estimated

    indicator = referential.fragility_index
    if local is None or indicator is None or indicator not in local.columns:
        return None
    values = local[indicator]
    if population.empty:
        return values
    if len(population) == 1 and population.index[0] not in values.index:
        # A file without population rows describes the declared area as a whole.
        return pd.Series({population.index[0]: float(values.mean())})
    return values.reindex(population.index)


def _estimate(
    public: RiskPublic,
    *,
    national: dict[str, Figure],
    local: pd.DataFrame | None,
    population: pd.Series,
    index: pd.Series | None,
    territory: TerritoryStatistics | None,
    concerned: bool,
) -> PublicEstimate:
    import pandas as pd  # noqa: PLC0415 - pandas is imported only when residents are estimated

    indicator = public.indicator
    base = {"id": public.id, "titre": public.title, "concerne": concerned, "indicateur": indicator}
    nothing = base | {
        "part_pourcent": None,
        "habitants": None,
        "population_couverte": None,
        "origine": "aucune",
        "source": None,
        "annee": None,
    }
    if indicator is None:
        return PublicEstimate.model_validate(nothing)
    national_figure = national.get(indicator)
    national_share = national_figure.value if national_figure is not None else None
    zones = population.index if not population.empty else pd.Index(local.index if local is not None else [])
    own = (
        local[indicator].reindex(zones)
        if local is not None and indicator in local.columns and not population.empty
        else pd.Series(float("nan"), index=zones)
    )
    if population.empty and local is not None and indicator in local.columns:
        own = local[indicator]
    factor = pd.Series(1.0, index=own.index)
    if public.scaled_by_index and index is not None:
        factor = (index.reindex(own.index) / 100).fillna(1.0)
    fallback = (factor * national_share).clip(upper=100.0) if national_share is not None else None
    share = own.fillna(fallback) if fallback is not None else own
    origins = {"territoire"} if own.notna().any() else set()
    if share.empty and national_share is not None:
        share = pd.Series([national_share])
        origins.add("national")
    if share.isna().all():
        return PublicEstimate.model_validate(nothing)
    if own.isna().any() and fallback is not None:
        origins.add("national_ajuste" if bool((factor[own.isna()] != 1.0).any()) else "national")
    figures = [territory.get(str(zone), indicator) for zone in own.index[own.notna()]] if territory else []
    provenance = [f for f in figures if f is not None]
    if (own.isna().any() or own.empty) and national_figure is not None:
        provenance.append(national_figure)
    residents: int | None = None
    covered: int | None = None
    percent = round(float(share.mean()), 1)
    if not population.empty:
        counted = population.reindex(share.index)[share.notna()]
        total = float(counted.sum())
        covered = int(total)
        people = float((counted * share[share.notna()] / 100).sum())
        residents = int(people + 0.5)
        percent = round(people / total * 100, 1) if total else 0.0
    return PublicEstimate.model_validate(
        base
        | {
            "part_pourcent": percent,
            "habitants": residents,
            "population_couverte": covered,
            "origine": "+".join(sorted(origins)),
            "source": _join(figure.source for figure in provenance),
            "annee": _join(figure.year for figure in provenance),
        }
    )


def _join(values: Iterable[str]) -> str:
    return " ; ".join(dict.fromkeys(values))
