"""What the project commits to after the audit: evaluation indicators (study's recommendation n°36) and the
labels and qualifications of its products (n°48), as declared in the audit file and as a run's result."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from audit_ti.models.base import StrictModel
from audit_ti.models.fields import IsoDate
from audit_ti.models.labels import LabelledEnum
from audit_ti.models.types import Text

__all__ = [
    "EvaluationIndicator",
    "FollowUp",
    "ProductQualification",
    "QualificationKind",
    "QualificationRow",
]


class EvaluationIndicator(StrictModel):
    """An indicator the service will be judged on after its deployment (study's recommendation n°36)."""

    schema_description = (
        "Indicateur sur lequel le service sera évalué après son déploiement (recommandation n°36 de l'étude)."
    )

    name: Text = Field(alias="indicateur", description="Ce que l'on mesure, en mots simples.")
    target: Text | None = Field(default=None, alias="cible", description="La valeur visée, avec son unité.")
    measure: Text | None = Field(default=None, alias="mesure", description="Comment et d'où vient le chiffre.")
    due: IsoDate | None = Field(default=None, alias="echeance", description="Date du premier bilan.")
    owner: Text | None = Field(default=None, alias="responsable")


class QualificationKind(LabelledEnum):
    """Kinds of security labels a product or a hosting offer may hold (study's recommendation n°48)."""

    CSPN = "cspn", "Certification de sécurité de premier niveau (CSPN, ANSSI)"
    ANSSI_QUALIFICATION = "qualification_anssi", "Qualification ANSSI"
    COMMON_CRITERIA = "criteres_communs", "Certification Critères communs"
    SECNUMCLOUD = "secnumcloud", "Qualification SecNumCloud (ANSSI)"
    OTHER = "autre", "Autre label ou certification"


class ProductQualification(StrictModel):
    """A label or qualification held by a product or a hosting offer, with the reference to check it."""

    schema_description = (
        "Label ou qualification d'un produit ou d'une offre d'hébergement (CSPN, qualification ANSSI, "
        "SecNumCloud…), avec la référence qui permet de le vérifier."
    )

    kind: QualificationKind = Field(alias="type")
    reference: Text = Field(description="Référence du certificat ou de la qualification (catalogue de l'ANSSI).")
    product: Text | None = Field(default=None, alias="produit", description="Produit et version certifiés.")
    valid_until: IsoDate | None = Field(default=None, alias="valide_jusqu_au")


class QualificationRow(StrictModel):
    """One declared qualification in a run's result, with what it covers and whether it still holds."""

    subject: str = Field(alias="objet", description="La passerelle ou l'hébergement concerné.")
    kind: QualificationKind = Field(alias="type")
    kind_label: str = Field(alias="type_libelle")
    reference: str
    product: str | None = Field(alias="produit")
    valid_until: date | None = Field(alias="valide_jusqu_au")
    expired: bool = Field(alias="expiree", description="Échue à la date de l'audit.")


class FollowUp(StrictModel):
    """``results/suivi.json``: the evaluation indicators and the products' qualifications of a use case."""

    case: str = Field(alias="cas")
    indicators: tuple[EvaluationIndicator, ...] = Field(alias="indicateurs_evaluation")
    qualifications: tuple[QualificationRow, ...]
    without_qualification: tuple[str, ...] = Field(
        alias="sans_qualification", description="Passerelles (et hébergement) sans label ni qualification déclarés."
    )
