"""The AIPD referential (``grilles/aipd.yaml``): rules, CNIL structure, scales, measure catalogue."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit_ti.models.base import StrictModel
from audit_ti.models.cameras import CameraRules
from audit_ti.models.metering import MeterRule
from audit_ti.models.referential import ReferentialBase, ReferentialItem
from audit_ti.models.scales import CnilLevel, CnilScale, HostingLocation, PrescreenVerdict
from audit_ti.models.types import RequirementId, Slug, Text

__all__ = [
    "AipdReferential",
    "CatalogMeasure",
    "EdpbCriterion",
    "FearedEvent",
    "HostingRecommendation",
    "ListedProcessing",
    "MethodQuestion",
    "PrescreenRules",
    "PriorConsultation",
    "RiskMatrix",
    "RiskZone",
    "ScaleStep",
    "Scales",
]


class EdpbCriterion(ReferentialItem):
    """One of the nine EDPB criteria of a processing likely to result in a high risk."""

    schema_description = "Critère du CEPD (lignes directrices WP248) d'un traitement susceptible d'un risque élevé."

    description: Text
    examples: list[Text] = Field(default_factory=list, alias="exemples")
    sources: list[Slug] = Field(default_factory=list)


class ListedProcessing(ReferentialItem):
    """A type of processing of a list (requiring an AIPD, or exempt from one)."""

    schema_description = "Type de traitement d'une liste (AIPD requise, ou exemptée)."

    criteria: list[RequirementId] = Field(
        default_factory=list, alias="criteres", description="Critères du CEPD sur lesquels la liste se fonde."
    )
    sources: list[Slug] = Field(min_length=1)


class PrescreenRules(StrictModel):
    """Everything the pre-screen « AIPD obligatoire ? » decides with."""

    schema_description = "Règles de la présélection « AIPD obligatoire ? »."

    criteria: list[EdpbCriterion] = Field(alias="criteres", min_length=1)
    mandatory_threshold: int = Field(
        alias="seuil_obligatoire",
        ge=1,
        description="Nombre de critères à partir duquel l'AIPD est obligatoire.",
    )
    recommended_threshold: int = Field(
        alias="seuil_recommandee",
        ge=1,
        description="Nombre de critères à partir duquel l'AIPD est recommandée.",
    )
    mandatory_list: list[ListedProcessing] = Field(alias="traitements_obligatoires", min_length=1)
    exemption_list: list[ListedProcessing] = Field(alias="exemptions", min_length=1)
    guidance: dict[PrescreenVerdict, Text] = Field(
        alias="conduite_a_tenir", description="Ce qu'il faut faire, pour chaque réponse possible."
    )


class MethodQuestion(ReferentialItem):
    """A question of the CNIL method (context or fundamental principle)."""

    schema_description = "Question de la méthode CNIL (contexte ou principe fondamental)."

    question: Text
    pia_question: int = Field(alias="question_pia", description="Identifiant de la question dans le logiciel PIA.")
    sources: list[Slug] = Field(default_factory=list)


class FearedEvent(ReferentialItem):
    """One of the three feared events of the CNIL method."""

    schema_description = "Événement redouté de la méthode CNIL."

    letter: Literal["I", "U", "D"] = Field(alias="lettre", description="Lettre sur la cartographie du logiciel PIA.")
    description: Text
    pia_section: Literal["3.2", "3.3", "3.4"] = Field(alias="section_pia")
    typical_threats: list[Text] = Field(default_factory=list, alias="menaces_types")


class ScaleStep(StrictModel):
    """One step of the CNIL 1–4 scale, with its anchor."""

    schema_description = "Échelon de l'échelle CNIL, avec sa définition."

    level: int = Field(alias="niveau", ge=1, le=4)
    label: Text = Field(alias="libelle")
    description: Text


class Scales(StrictModel):
    """Severity and likelihood scales."""

    schema_description = "Échelles de gravité et de vraisemblance."

    severity: list[ScaleStep] = Field(alias="gravite", min_length=4, max_length=4)
    likelihood: list[ScaleStep] = Field(alias="vraisemblance", min_length=4, max_length=4)


class RiskZone(StrictModel):
    """A zone of the risk map (acceptable, to reduce, to avoid)."""

    schema_description = "Zone de la cartographie des risques."

    id: RequirementId
    label: Text = Field(alias="libelle")
    description: Text
    colour: str = Field(alias="couleur", pattern=r"^#[0-9a-fA-F]{6}$")
    rank: int = Field(alias="rang", ge=0, description="0 pour la zone la moins grave.")


class RiskMatrix(StrictModel):
    """Which zone each (severity, likelihood) cell falls in."""

    schema_description = "Zone de chaque case (gravité, vraisemblance) de la cartographie."

    zones: list[RiskZone] = Field(min_length=1)
    grid: list[list[RequirementId]] = Field(
        alias="grille",
        min_length=4,
        max_length=4,
        description="Quatre lignes (gravité 1 à 4) de quatre zones (vraisemblance 1 à 4).",
    )
    consultation_zone: RequirementId = Field(
        alias="zone_consultation",
        description="Zone du risque résiduel qui impose la consultation préalable de la CNIL (RGPD, art. 36).",
    )
    sources: list[Slug] = Field(default_factory=list)


class CatalogMeasure(ReferentialItem):
    """A measure of the catalogue that the answers cite by id."""

    schema_description = "Mesure du catalogue, citée par son identifiant dans les réponses."

    category: Literal["donnees", "securite", "organisation"] = Field(alias="categorie")
    description: Text
    pia_title: Text | None = Field(
        default=None,
        alias="titre_pia",
        description="Nom de la mesure dans la base de connaissances du logiciel PIA.",
    )
    treats: list[RequirementId] = Field(
        default_factory=list, alias="traite", description="Événements redoutés que la mesure traite."
    )
    sources: list[Slug] = Field(default_factory=list)


class HostingRecommendation(ReferentialItem):
    """Where to host data of a given sensitivity (study's recommendation n°19)."""

    schema_description = "Hébergement recommandé selon la sensibilité des données (recommandation n°19)."

    description: Text
    recommendation: Text = Field(alias="recommandation")
    required_locations: list[HostingLocation] = Field(
        default_factory=list,
        alias="localisations_exigees",
        description="Localisations admises pour cette sensibilité ; une autre, ou « à préciser », est un constat "
        "bloquant (vide : simple conseil).",
    )
    sources: list[Slug] = Field(default_factory=list)


class PriorConsultation(StrictModel):
    """When the CNIL must be consulted (GDPR art. 36), and the paragraph that says so."""

    schema_description = (
        "Quand la consultation préalable de la CNIL s'impose (RGPD, art. 36), et le paragraphe qui le dit."
    )

    text: Text = Field(alias="texte")
    maximal_severity: CnilScale = Field(
        default=CnilLevel.MAXIMUM,
        alias="gravite_declenchante",
        description="Gravité résiduelle qui déclenche la consultation à elle seule (conséquences importantes ou "
        "irréversibles), sauf décision motivée du délégué.",
    )
    maximal_likelihood: CnilScale = Field(
        default=CnilLevel.MAXIMUM,
        alias="vraisemblance_declenchante",
        description="Vraisemblance résiduelle qui la déclenche à elle seule (menace dont la réalisation est "
        "manifeste), sauf décision motivée du délégué.",
    )
    acceptance_zone: RequirementId | None = Field(
        default=None,
        alias="zone_acceptation",
        description="Zone où un risque résiduel ne peut rester que par une acceptation signée.",
    )
    sources: list[Slug] = Field(default_factory=list)


class AipdReferential(ReferentialBase):
    """The AIPD referential: every rule and list as data, with its sources."""

    schema_description = (
        "Référentiel de l'AIPD : présélection, structure de la méthode CNIL, échelles, cartographie, "
        "catalogue de mesures, hébergement, consultation préalable."
    )

    kind: Literal["aipd"] = Field(alias="referentiel", description="Toujours « aipd » pour ce référentiel.")
    prescreen: PrescreenRules = Field(alias="preselection")
    context: list[MethodQuestion] = Field(alias="contexte", min_length=1)
    principles: list[MethodQuestion] = Field(alias="principes", min_length=1)
    feared_events: list[FearedEvent] = Field(alias="evenements_redoutes", min_length=3, max_length=3)
    risk_sources: list[Text] = Field(alias="sources_de_risques", min_length=1)
    scales: Scales = Field(alias="echelles")
    matrix: RiskMatrix = Field(alias="cartographie")
    measures: list[CatalogMeasure] = Field(alias="mesures", min_length=1)
    hosting: list[HostingRecommendation] = Field(alias="hebergement", min_length=1)
    prior_consultation: PriorConsultation = Field(alias="consultation_prealable")
    meters: MeterRule | None = Field(default=None, alias="compteurs_communicants")
    cameras: CameraRules | None = Field(default=None, alias="cameras_espace_public")

    def measure(self, measure_id: str) -> CatalogMeasure | None:
        """The catalogue measure with this id, if any."""
        return next((item for item in self.measures if item.id == measure_id), None)

    def feared_event(self, risk_id: str) -> FearedEvent | None:
        """The feared event with this id, if any."""
        return next((item for item in self.feared_events if item.id == risk_id), None)

    def zone(self, zone_id: str) -> RiskZone | None:
        """The risk-map zone with this id, if any."""
        return next((zone for zone in self.matrix.zones if zone.id == zone_id), None)
