"""Shared helpers of the assessment tests: the shipped referentials and minimal answers."""

from __future__ import annotations

from functools import cache
from typing import Any

from audit_ti.inputs.referentials import load_aipd_referential, load_inclusion_referential
from audit_ti.inputs.statistics import TerritoryStatistics, read_statistics
from audit_ti.models.aipd import AipdAnswers
from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.inclusion import InclusionAnswers
from audit_ti.models.inclusion_referential import InclusionReferential
from tests.conftest import ROOT

GRILLES = ROOT / "grilles"


@cache
def aipd_referential() -> AipdReferential:
    return load_aipd_referential(GRILLES / "aipd.yaml")


@cache
def inclusion_referential() -> InclusionReferential:
    return load_inclusion_referential(GRILLES / "inclusion.yaml")


@cache
def national() -> TerritoryStatistics:
    ref = inclusion_referential()
    return read_statistics(GRILLES / ref.national_statistics, ref)


def aipd_answers(data: dict[str, Any]) -> AipdAnswers:
    return AipdAnswers.model_validate(data, by_alias=True, by_name=False)


def inclusion_answers(data: dict[str, Any]) -> InclusionAnswers:
    return InclusionAnswers.model_validate(data, by_alias=True, by_name=False)


def all_criteria(met: set[str]) -> dict[str, Any]:
    """A pre-screen where every EDPB criterion is answered, those in ``met`` as met."""
    ids = [c.id for c in aipd_referential().prescreen.criteria]
    return {cid: {"rempli": cid in met, "justification": "essai"} for cid in ids}
