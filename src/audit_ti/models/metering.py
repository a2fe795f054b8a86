"""Communicating meters (water, gas, electricity): how often consumption is read, and on which legal basis."""

from __future__ import annotations

from pydantic import Field

from audit_ti.models.base import StrictModel
from audit_ti.models.labels import LabelledEnum
from audit_ti.models.types import Slug, Text

__all__ = ["LegalBasis", "MeterReading", "MeterRule", "ReadingFrequency"]


class ReadingFrequency(LabelledEnum):
    """How often a meter's index is collected: the finer, the more it reveals of life at home."""

    SUB_HOURLY = "infra_horaire", "plus d'une fois par heure"
    HOURLY = "horaire", "toutes les heures"
    DAILY = "journaliere", "une fois par jour"
    MONTHLY = "mensuelle", "une fois par mois"
    YEARLY = "annuelle", "une fois par an ou moins"


class LegalBasis(LabelledEnum):
    """The lawful bases of GDPR art. 6(1)."""

    CONSENT = "consentement", "consentement de la personne (art. 6.1.a)"
    CONTRACT = "contrat", "exécution d'un contrat (art. 6.1.b)"
    LEGAL_OBLIGATION = "obligation_legale", "obligation légale (art. 6.1.c)"
    VITAL_INTEREST = "interets_vitaux", "sauvegarde des intérêts vitaux (art. 6.1.d)"
    PUBLIC_TASK = "mission_interet_public", "mission d'intérêt public (art. 6.1.e)"
    LEGITIMATE_INTEREST = "interet_legitime", "intérêt légitime (art. 6.1.f)"


class MeterReading(StrictModel):
    """What the audit declares of the collection of meter indexes."""

    schema_description = (
        "Relevé des compteurs communicants (eau, gaz, électricité) : fréquence de collecte de l'index et base "
        "légale de cette collecte."
    )

    frequency: ReadingFrequency = Field(alias="frequence", description="Fréquence de collecte la plus fine.")
    legal_basis: LegalBasis = Field(alias="base_legale", description="Base légale de cette collecte fine.")
    comment: Text | None = Field(default=None, alias="commentaire")


class MeterRule(StrictModel):
    """The referential's rule on fine-grained consumption data."""

    schema_description = "Règle sur les données de consommation fines des compteurs communicants (courbe de charge)."

    default_frequency: ReadingFrequency = Field(
        alias="frequence_par_defaut", description="Fréquence admise sans condition particulière."
    )
    fine_frequencies: list[ReadingFrequency] = Field(
        alias="frequences_fines", min_length=1, description="Fréquences qui dessinent une courbe de consommation."
    )
    bases_for_fine: list[LegalBasis] = Field(
        alias="bases_admises_fines", min_length=1, description="Bases légales admises pour une collecte fine."
    )
    text: Text = Field(alias="texte")
    sources: list[Slug] = Field(default_factory=list)
