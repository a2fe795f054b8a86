"""The AIPD section of an audit file: pre-screen, CNIL structure, risks, plan, opinions, validation."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from audit_ti.models.assessment import AssessmentSection
from audit_ti.models.base import StrictModel
from audit_ti.models.cameras import CameraAnswers
from audit_ti.models.fields import IsoDate
from audit_ti.models.follow_up import ProductQualification
from audit_ti.models.metering import MeterReading
from audit_ti.models.scales import (
    ActionStatus,
    CnilScale,
    DpoVerdict,
    HostingLocation,
    ItemEvaluation,
    MeasureState,
    ValidationState,
)
from audit_ti.models.types import RequirementId, Slug, Text, Url

__all__ = [
    "AIPD_CONTEXT_KEYS",
    "Action",
    "AipdAnswers",
    "AipdContext",
    "CriterionAnswer",
    "DataSubjectsOpinion",
    "DpoOpinion",
    "HostingAnswer",
    "MeasureUse",
    "Opinions",
    "Prescreen",
    "PrincipleAnswer",
    "PublicInformation",
    "RiskAnswer",
    "RiskEstimate",
    "Sensor",
    "SignedDecision",
    "Validation",
]

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class CriterionAnswer(StrictModel):
    """Whether one EDPB criterion is met, and why."""

    schema_description = "Critère du CEPD rempli ou non, et pourquoi."

    met: bool = Field(alias="rempli", description="true si le critère est rempli.")
    justification: Text | None = Field(default=None, description="Pourquoi il l'est, ou ne l'est pas.")


class SignedDecision(StrictModel):
    """A decision someone takes on the record: who, when, why."""

    schema_description = "Décision écrite et signée : qui, quand, pourquoi."

    by: Text = Field(alias="par", description="Nom et qualité de la personne qui signe.")
    on: IsoDate = Field(alias="date")
    reasons: Text = Field(alias="motifs")


class Prescreen(StrictModel):
    """Answers of the pre-screen « AIPD obligatoire ? »."""

    schema_description = (
        "Présélection « AIPD obligatoire ? » : les neuf critères du CEPD, la liste CNIL des traitements "
        "soumis à AIPD et la liste d'exemption."
    )

    criteria: dict[RequirementId, CriterionAnswer] = Field(
        default_factory=dict,
        alias="criteres",
        description="Critères du CEPD, par identifiant (voir grilles/aipd.yaml).",
    )
    listed: dict[RequirementId, Text] = Field(
        default_factory=dict,
        alias="traitements_listes",
        description="Types de traitement soumis à AIPD auxquels le cas d'usage correspond, avec la justification.",
    )
    exemptions: dict[RequirementId, Text] = Field(
        default_factory=dict,
        alias="exemptions",
        description="Types de traitement de la liste d'exemption de la CNIL, avec la justification.",
    )
    reasoning: Text | None = Field(
        default=None,
        alias="raisonnement",
        description="Raisonnement documenté, en particulier quand l'AIPD n'est pas obligatoire.",
    )
    reasoned_exception: SignedDecision | None = Field(
        default=None,
        alias="exception_motivee",
        description="Quand deux critères du CEPD ou plus sont remplis, pourquoi l'AIPD n'est pourtant pas requise : "
        "raisonnement écrit, visé par le délégué à la protection des données (qui, quand, pourquoi). Sans effet sur "
        "un type de traitement de la liste de la CNIL.",
    )
    signed: SignedDecision | None = Field(
        default=None,
        alias="conclusion_signee",
        description="Qui a signé la conclusion de la présélection, quand, et pourquoi : la trace à garder quand "
        "aucune AIPD n'est requise.",
    )


class AipdContext(StrictModel):
    """Part 1 of the CNIL method: the context of the processing."""

    schema_description = "Contexte du traitement (partie 1 de la méthode CNIL)."

    overview: Text | None = Field(default=None, alias="presentation", description="Vue d'ensemble.")
    processing: Text | None = Field(
        default=None, alias="traitement", description="Le traitement qui fait l'objet de l'étude."
    )
    responsibilities: Text | None = Field(
        default=None, alias="responsabilites", description="Responsable, sous-traitants, destinataires."
    )
    standards: Text | None = Field(
        default=None, alias="referentiels", description="Référentiels applicables (codes, certifications…)."
    )
    data: Text | None = Field(default=None, alias="donnees", description="Données traitées.")
    life_cycle: Text | None = Field(
        default=None,
        alias="cycle_de_vie",
        description="Cycle de vie des données (description fonctionnelle).",
    )
    supports: Text | None = Field(default=None, alias="supports", description="Supports des données.")


#: The context keys in the order of the CNIL method.
AIPD_CONTEXT_KEYS = (
    "presentation",
    "traitement",
    "responsabilites",
    "referentiels",
    "donnees",
    "cycle_de_vie",
    "supports",
)


class PrincipleAnswer(StrictModel):
    """Answer to one fundamental principle (part 2 of the CNIL method)."""

    schema_description = "Réponse sur un principe fondamental (partie 2 de la méthode CNIL)."

    answer: Text = Field(alias="reponse")
    evaluation: ItemEvaluation | None = Field(
        default=None, description="Appréciation de l'évaluateur : acceptable, ameliorable, a_corriger."
    )
    comment: Text | None = Field(default=None, alias="commentaire")


class MeasureUse(StrictModel):
    """A protective measure the processing relies on (cited by its catalogue id)."""

    schema_description = "Mesure protectrice du traitement, citée par son identifiant du catalogue."

    state: MeasureState = Field(alias="etat", description="« existante » ou « prevue ».")
    title: Text | None = Field(default=None, alias="titre", description="Obligatoire pour une mesure hors catalogue.")
    description: Text | None = None


class RiskEstimate(StrictModel):
    """Severity and likelihood on the CNIL 1–4 scale."""

    schema_description = "Gravité et vraisemblance sur l'échelle CNIL de 1 à 4."

    severity: CnilScale = Field(alias="gravite")
    likelihood: CnilScale = Field(alias="vraisemblance")
    justification: Text | None = None


class RiskAnswer(StrictModel):
    """One feared event (or a custom risk): impacts, threats, sources, measures, estimates."""

    schema_description = (
        "Événement redouté (ou risque ajouté) : impacts, menaces, sources, mesures, gravité et "
        "vraisemblance avant et après les mesures prévues."
    )

    title: Text | None = Field(
        default=None,
        alias="titre",
        description="Obligatoire pour un risque ajouté (hors des trois de la CNIL).",
    )
    impacts: list[Text] = Field(default_factory=list, description="Impacts sur les personnes concernées.")
    threats: list[Text] = Field(default_factory=list, alias="menaces")
    sources: list[Text] = Field(default_factory=list, alias="sources", description="Sources de risques.")
    measures: list[RequirementId] = Field(
        default_factory=list, alias="mesures", description="Mesures qui traitent le risque (identifiants)."
    )
    before: RiskEstimate = Field(alias="avant", description="Estimation avec les seules mesures existantes.")
    after: RiskEstimate | None = Field(
        default=None,
        alias="apres",
        description="Risque résiduel, une fois les mesures prévues et le plan d'action appliqués.",
    )
    evaluation: ItemEvaluation | None = None
    comment: Text | None = Field(default=None, alias="commentaire")
    no_consultation: SignedDecision | None = Field(
        default=None,
        alias="non_consultation",
        description="Pourquoi le délégué à la protection des données juge qu'un risque résiduel de gravité ou de "
        "vraisemblance maximale n'impose pas de consulter la CNIL (sans effet sur la zone « élevée »).",
    )
    acceptance: SignedDecision | None = Field(
        default=None,
        alias="acceptation",
        description="Acceptation signée, par le responsable du traitement, du risque résiduel laissé « à réduire ».",
    )


class Action(StrictModel):
    """One line of the action plan."""

    schema_description = "Action du plan d'action."

    measure: RequirementId | None = Field(
        default=None, alias="mesure", description="Identifiant de la mesure mise en œuvre, s'il y en a une."
    )
    principle: RequirementId | None = Field(default=None, alias="principe", description="Principe que l'action traite.")
    risk: RequirementId | None = Field(default=None, alias="risque", description="Risque que l'action traite.")
    action: Text = Field(description="Ce qui doit être fait.")
    owner: Text | None = Field(default=None, alias="responsable")
    due: IsoDate | None = Field(default=None, alias="echeance")
    status: ActionStatus = Field(default=ActionStatus.TO_DO, alias="statut")
    cost_eur: float | None = Field(default=None, ge=0, alias="cout_euros", description="Coût estimé, en euros.")


class DpoOpinion(StrictModel):
    """Opinion of the data protection officer (DPD/DPO)."""

    schema_description = "Avis du délégué à la protection des données (DPD)."

    name: Text = Field(alias="nom")
    verdict: DpoVerdict = Field(alias="avis")
    reasons: Text | None = Field(default=None, alias="motifs")
    given_on: IsoDate | None = Field(default=None, alias="date")


class DataSubjectsOpinion(StrictModel):
    """Opinion of the data subjects, or why it was not sought (GDPR art. 35(9))."""

    schema_description = (
        "Avis des personnes concernées ou de leurs représentants, ou raison écrite de ne pas l'avoir demandé "
        "(RGPD, article 35.9)."
    )

    sought: bool = Field(alias="consultees")
    reason_not_sought: Text | None = Field(default=None, alias="raison_non_consultation")
    who: Text | None = Field(default=None, alias="personnes", description="Qui a été consulté.")
    how: Text | None = Field(default=None, alias="modalites", description="Comment l'avis a été recueilli.")
    opinion: Text | None = Field(default=None, alias="avis")

    @model_validator(mode="after")
    def _reason_or_opinion(self) -> DataSubjectsOpinion:
        if not self.sought and self.reason_not_sought is None:
            raise ValueError("personnes non consultées : la clé « raison_non_consultation » doit dire pourquoi")
        if self.sought and self.opinion is None:
            raise ValueError("personnes consultées : la clé « avis » doit résumer leur avis")
        return self


class Opinions(StrictModel):
    """Opinions gathered before validation."""

    schema_description = "Avis recueillis avant la validation."

    dpo: DpoOpinion | None = Field(default=None, alias="dpd")
    data_subjects: DataSubjectsOpinion | None = Field(default=None, alias="personnes_concernees")


class Validation(StrictModel):
    """Validation of the AIPD by the controller."""

    schema_description = "Validation de l'AIPD par le responsable du traitement."

    state: ValidationState = Field(default=ValidationState.PENDING, alias="etat")
    by: Text | None = Field(default=None, alias="par")
    on: IsoDate | None = Field(default=None, alias="date")
    refusal_reason: Text | None = Field(default=None, alias="motif_refus")

    @model_validator(mode="after")
    def _refusal_needs_reason(self) -> Validation:
        if self.state is ValidationState.REFUSED and self.refusal_reason is None:
            raise ValueError("AIPD refusée : la clé « motif_refus » doit dire pourquoi")
        if self.state.is_validated and (self.by is None or self.on is None):
            raise ValueError("AIPD validée : indiquez qui l'a validée (« par ») et quand (« date »)")
        return self


class HostingAnswer(StrictModel):
    """Sensitivity of the data and the planned hosting (study's recommendation n°19)."""

    schema_description = "Sensibilité des données et hébergement prévu (recommandation n°19 de l'étude)."

    sensitivity: RequirementId = Field(alias="sensibilite", description="Identifiant de grilles/aipd.yaml.")
    planned: Text | None = Field(default=None, alias="hebergement_prevu")
    location: HostingLocation = Field(
        default=HostingLocation.TO_SPECIFY,
        alias="localisation",
        description="Où les données seront hébergées ; « a_preciser » tant que le contrat ne le dit pas.",
    )
    qualifications: list[ProductQualification] = Field(
        default_factory=list, description="Qualifications de l'offre d'hébergement, par exemple SecNumCloud."
    )


class Sensor(StrictModel):
    """A kind of sensor of the use case, as the public notice presents it."""

    schema_description = "Type de capteur du cas d'usage, tel que l'information du public le présente."

    kind: ShortText = Field(alias="type", description="Ce que c'est, en mots simples.")
    count: int | None = Field(default=None, ge=0, alias="nombre")
    where: Text = Field(alias="emplacement")
    collects: Text = Field(alias="donnees_collectees", description="Ce que le capteur relève.")
    personal: bool = Field(alias="donnees_personnelles", description="true si ce sont des données personnelles.")


class PublicInformation(StrictModel):
    """What the public notice about sensors must say (study's recommendation n°38)."""

    schema_description = (
        "Information du public sur les capteurs (recommandation n°38) : où, quoi, pourquoi, "
        "combien de temps, à qui s'adresser."
    )

    sensors: list[Sensor] = Field(default_factory=list, alias="capteurs")
    purpose: Text | None = Field(default=None, alias="finalite", description="Pourquoi, en mots simples.")
    retention: Text | None = Field(default=None, alias="duree_conservation")
    legal_basis: Text | None = Field(default=None, alias="base_legale")
    controller: Text | None = Field(
        default=None, alias="responsable", description="Par défaut : la collectivité du cas d'usage."
    )
    rights_contact: Text | None = Field(
        default=None, alias="contact_droits", description="Où et comment exercer ses droits."
    )
    dpo_contact: Text | None = Field(default=None, alias="contact_dpd")
    open_data: Url | None = Field(default=None, alias="donnees_ouvertes", description="Lien vers les données ouvertes.")
    non_digital_contact: Text | None = Field(
        default=None, alias="contact_non_numerique", description="Adresse postale ou accueil physique."
    )


class AipdAnswers(AssessmentSection):
    """The AIPD of the use case, item for item of the CNIL method."""

    schema_description = "Analyse d'impact relative à la protection des données (AIPD), selon la méthode de la CNIL."

    referential: Slug = Field(
        default="aipd", alias="referentiel", description="Référentiel AIPD (fichier du dossier grilles/)."
    )
    prescreen: Prescreen = Field(default_factory=Prescreen, alias="preselection")
    context: AipdContext = Field(default_factory=AipdContext, alias="contexte")
    principles: dict[RequirementId, PrincipleAnswer] = Field(
        default_factory=dict, alias="principes", description="Principes fondamentaux, par identifiant."
    )
    measures: dict[RequirementId, MeasureUse] = Field(
        default_factory=dict, alias="mesures", description="Mesures existantes ou prévues, par identifiant."
    )
    risks: dict[RequirementId, RiskAnswer] = Field(
        default_factory=dict,
        alias="risques",
        description="Les trois événements redoutés de la CNIL et les risques ajoutés, par identifiant.",
    )
    action_plan: list[Action] = Field(default_factory=list, alias="plan_action")
    opinions: Opinions = Field(default_factory=Opinions, alias="avis")
    validation: Validation = Field(default_factory=Validation)
    hosting: HostingAnswer | None = Field(default=None, alias="hebergement")
    meter_reading: MeterReading | None = Field(default=None, alias="releve_compteurs")
    cameras: CameraAnswers | None = Field(default=None, alias="cameras_espace_public")
    public_information: PublicInformation | None = Field(default=None, alias="information_public")
