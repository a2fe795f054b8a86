"""Cameras in public space: the legal frameworks a pre-screen must name before anything else."""

from __future__ import annotations

from pydantic import Field

from audit_ti.models.base import StrictModel
from audit_ti.models.fields import IsoDate
from audit_ti.models.labels import LabelledEnum
from audit_ti.models.types import Slug, Text

__all__ = ["AnalysisUse", "CameraAnswers", "CameraRules", "LegalReference"]


class AnalysisUse(LabelledEnum):
    """What the automatic analysis of the images serves."""

    NONE = "aucune", "aucune analyse automatique des images"
    ANONYMOUS_STATISTICS = "statistiques_anonymes", "statistiques anonymisées, sans usage opérationnel immédiat"
    OPERATIONAL = "operationnel", "usage opérationnel (guidage, alerte, intervention en temps réel)"


class LegalReference(StrictModel):
    """A document that establishes the framework: an authorisation, or the legal text relied on."""

    schema_description = "Acte qui fonde le dispositif : autorisation obtenue ou texte invoqué."

    reference: Text = Field(description="Référence de l'arrêté, de l'autorisation ou du texte.")
    on: IsoDate | None = Field(default=None, alias="date")


class CameraAnswers(StrictModel):
    """The pre-screen question on cameras in public space, and the documents that answer it."""

    schema_description = (
        "Caméras dans l'espace public : vidéo sur la voie publique ou dans un lieu ouvert au public, lecture "
        "automatisée des plaques, caméras « augmentées » qui analysent les images, et les actes qui les fondent."
    )

    public_space_video: bool = Field(
        alias="video_voie_publique", description="Des caméras filment la voie publique ou un lieu ouvert au public."
    )
    plate_reading: bool = Field(default=False, alias="lecture_plaques", description="Lecture automatisée des plaques.")
    analysis: AnalysisUse = Field(default=AnalysisUse.NONE, alias="analyse_images")
    prefectoral_authorisation: LegalReference | None = Field(
        default=None,
        alias="autorisation_prefectorale",
        description="Autorisation du préfet (vidéoprotection, Code de la sécurité intérieure, art. L252-1).",
    )
    legal_basis: LegalReference | None = Field(
        default=None,
        alias="texte_autorisant",
        description="Texte qui autorise la lecture des plaques ou l'analyse opérationnelle des images.",
    )
    right_to_object: Text | None = Field(
        default=None,
        alias="droit_opposition",
        description="Comment une personne filmée peut s'opposer à l'analyse de son image.",
    )


class CameraRules(StrictModel):
    """The referential's texts on cameras in public space, with their sources."""

    schema_description = "Cadres juridiques des caméras dans l'espace public, avec leurs sources."

    videoprotection: Text = Field(alias="videoprotection", description="Régime de la vidéoprotection (CSI).")
    plate_reading: Text = Field(alias="lecture_plaques")
    augmented: Text = Field(alias="cameras_augmentees", description="Position de la CNIL de juillet 2022.")
    right_to_object: Text = Field(alias="droit_opposition")
    sources: list[Slug] = Field(default_factory=list)
