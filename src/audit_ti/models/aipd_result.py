"""Frozen results of the AIPD assessment (``results/aipd.json``)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from audit_ti.models.aipd import SignedDecision
from audit_ti.models.assessment import AssessmentResult, ItemResult
from audit_ti.models.base import StrictModel
from audit_ti.models.enums import SectionState
from audit_ti.models.scales import (
    ActionStatus,
    CnilScale,
    MeasureState,
    PrescreenVerdict,
    ValidationState,
)

__all__ = [
    "ActionResult",
    "AipdResult",
    "CitedItem",
    "MapPoint",
    "MeasureResult",
    "OpinionsResult",
    "PrescreenResult",
    "PriorConsultationResult",
    "RiskLevelResult",
    "RiskMap",
    "RiskResult",
    "SectionProgress",
]


class CitedItem(ItemResult):
    """An item of a list the answer relies on, with the reason given."""

    justification: str | None = None


class PrescreenResult(StrictModel):
    """Answer to « AIPD obligatoire ? » and the rules that decided it."""

    verdict: PrescreenVerdict
    label: str = Field(alias="libelle")
    criteria_met: tuple[CitedItem, ...] = Field(alias="criteres_remplis")
    criteria_unanswered: tuple[str, ...] = Field(alias="criteres_non_renseignes")
    listed: tuple[CitedItem, ...] = Field(alias="traitements_listes")
    exemptions: tuple[CitedItem, ...]
    rules: tuple[str, ...] = Field(
        alias="regles", description="Les règles appliquées, dans l'ordre, avec leurs chiffres."
    )
    guidance: str = Field(alias="conduite_a_tenir")
    reasoning: str | None = Field(alias="raisonnement")
    signed: SignedDecision | None = Field(
        default=None, alias="conclusion_signee", description="Qui a signé la conclusion, quand, pourquoi."
    )

    @property
    def requires_aipd(self) -> bool:
        """False when the pre-screen concluded that no AIPD is due (not mandatory, or exempt)."""
        return self.verdict not in (
            PrescreenVerdict.NOT_MANDATORY,
            PrescreenVerdict.EXEMPT,
            PrescreenVerdict.REASONED_EXCEPTION,
        )

    @property
    def aipd_due(self) -> bool:
        """True when an AIPD must be carried out and validated before deployment (listed, or presumed)."""
        return self.verdict in (PrescreenVerdict.MANDATORY, PrescreenVerdict.PRESUMED)


class RiskLevelResult(StrictModel):
    """A point of the risk map, with its labels and zone."""

    severity: CnilScale = Field(alias="gravite")
    severity_label: str = Field(alias="gravite_libelle")
    likelihood: CnilScale = Field(alias="vraisemblance")
    likelihood_label: str = Field(alias="vraisemblance_libelle")
    zone: str
    zone_label: str = Field(alias="zone_libelle")
    zone_rank: int = Field(alias="zone_rang")


class MeasureResult(ItemResult):
    """A measure the AIPD relies on."""

    state: MeasureState = Field(alias="etat")
    category: str | None = Field(alias="categorie")
    in_catalogue: bool = Field(alias="catalogue")


class RiskResult(ItemResult):
    """One feared event or custom risk, assessed."""

    letter: str = Field(alias="lettre")
    custom: bool = Field(alias="personnalise")
    answered: bool = Field(alias="renseigne")
    impacts: tuple[str, ...]
    threats: tuple[str, ...] = Field(alias="menaces")
    sources: tuple[str, ...]
    measures: tuple[str, ...] = Field(alias="mesures")
    before: RiskLevelResult | None = Field(alias="avant")
    after: RiskLevelResult | None = Field(alias="apres")
    residual: RiskLevelResult | None = Field(
        alias="residuel", description="« apres » s'il est estimé, sinon « avant » (aucune mesure prévue)."
    )


class MapPoint(StrictModel):
    """A point to plot on the 4×4 risk map."""

    risk: str = Field(alias="risque")
    letter: str = Field(alias="lettre")
    phase: str = Field(description="« avant » ou « apres » les mesures prévues.")
    severity: int = Field(alias="gravite")
    likelihood: int = Field(alias="vraisemblance")
    zone: str


class RiskMap(StrictModel):
    """What the notebooks need to draw the risk map before and after the planned measures."""

    severity_labels: tuple[str, ...] = Field(alias="gravite_libelles")
    likelihood_labels: tuple[str, ...] = Field(alias="vraisemblance_libelles")
    grid: tuple[tuple[str, ...], ...] = Field(alias="grille", description="Zone par gravité (lignes) et vraisemblance.")
    colours: dict[str, str] = Field(alias="couleurs")
    points: tuple[MapPoint, ...]


class PriorConsultationResult(StrictModel):
    """Prior consultation of the CNIL (GDPR art. 36)."""

    required: bool = Field(alias="requise")
    risks: tuple[str, ...] = Field(alias="risques")
    text: str | None = Field(alias="texte")
    reasons: tuple[str, ...] = Field(default=(), alias="motifs", description="Pourquoi, risque par risque.")
    waived: tuple[str, ...] = Field(
        default=(), alias="ecartees", description="Consultations écartées par une décision motivée du délégué."
    )
    unaccepted: tuple[str, ...] = Field(
        default=(), alias="sans_acceptation", description="Risques laissés « à réduire » sans acceptation signée."
    )


class ActionResult(StrictModel):
    """A line of the action plan, with what the audit date says of it."""

    measure: str | None = Field(alias="mesure")
    measure_title: str | None = Field(alias="mesure_titre")
    action: str
    owner: str | None = Field(alias="responsable")
    due: date | None = Field(alias="echeance")
    status: ActionStatus = Field(alias="statut")
    cost_eur: float | None = Field(alias="cout_euros")
    late: bool = Field(alias="en_retard")


class OpinionsResult(StrictModel):
    """Opinions gathered, and what is missing."""

    dpo: str | None = Field(alias="dpd", description="Avis du DPD, s'il a été donné.")
    dpo_name: str | None = Field(alias="dpd_nom")
    data_subjects: str | None = Field(alias="personnes_concernees")
    missing: tuple[str, ...] = Field(alias="manquants")


class SectionProgress(StrictModel):
    """What was answered in a part of the CNIL method."""

    answered: tuple[str, ...] = Field(alias="renseignes")
    missing: tuple[str, ...] = Field(alias="manquants")
    to_correct: tuple[str, ...] = Field(default=(), alias="a_corriger")


class AipdResult(AssessmentResult):
    """The AIPD of one use case, assessed; everything a report shows."""

    audit_date: date = Field(alias="date_audit")
    state: SectionState = Field(alias="etat")
    prescreen: PrescreenResult = Field(alias="preselection")
    context: SectionProgress = Field(alias="contexte")
    principles: SectionProgress = Field(alias="principes")
    measures: tuple[MeasureResult, ...] = Field(alias="mesures")
    risks: tuple[RiskResult, ...] = Field(alias="risques")
    risk_map: RiskMap = Field(alias="cartographie")
    max_residual: RiskLevelResult | None = Field(alias="risque_residuel_max")
    prior_consultation: PriorConsultationResult = Field(alias="consultation_prealable")
    action_plan: tuple[ActionResult, ...] = Field(alias="plan_action")
    action_plan_cost_eur: float = Field(alias="cout_plan_action_euros")
    opinions: OpinionsResult = Field(alias="avis")
    validation: ValidationState
    hosting: str | None = Field(alias="hebergement_recommande")
    blocking: tuple[str, ...] = Field(alias="constats_bloquants")

    @property
    def is_blocking(self) -> bool:
        """True when something must change before deploying."""
        return bool(self.blocking)
