"""String enumerations shared by the audit files, the grilles and the results.

Values are the French words written in the YAML files and in the JSON outputs; member names
are English so that code reads the same in every module.
"""

from __future__ import annotations

from enum import StrEnum

from audit_ti.models.labels import LabelledEnum

__all__ = [
    "Domain",
    "FindingSource",
    "Importance",
    "Nature",
    "NetworkZone",
    "ScanProfile",
    "SectionState",
    "Severity",
    "Status",
]


class Status(LabelledEnum):
    """Outcome of one requirement for one target. There is deliberately no default."""

    COMPLIANT = "conforme", "Conforme"
    PARTIAL = "partiel", "Partiellement conforme"
    NON_COMPLIANT = "non_conforme", "Non conforme"
    TO_VERIFY = "a_verifier", "À vérifier"
    NOT_APPLICABLE = "non_applicable", "Non applicable"
    NOT_TESTED = "non_teste", "Non testé"
    ERROR = "erreur", "Erreur"


class Severity(LabelledEnum):
    """Severity of a requirement, from the most to the least serious."""

    CRITICAL = "critique", "Critique"
    HIGH = "elevee", "Élevée"
    MEDIUM = "moyenne", "Moyenne"
    LOW = "faible", "Faible"
    INFO = "info", "Information"

    @property
    def rank(self) -> int:
        """4 for critique down to 0 for info, so that severities compare as numbers."""
        return _SEVERITY_RANKS[self]

    def at_least(self, other: Severity) -> bool:
        """True when this severity is as serious as ``other`` or more."""
        return self.rank >= other.rank


_SEVERITY_RANKS = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class Nature(StrEnum):
    """How a requirement is evidenced."""

    NETWORK = "reseau"
    DECLARATIVE = "declaratif"
    MIXED = "mixte"


class Domain(StrEnum):
    """Business domain of a smart-territory use case."""

    LIGHTING = "eclairage"
    WATER = "eau"
    WASTE = "dechets"
    MOBILITY_PARKING = "mobilite_stationnement"
    BUILDINGS_ENERGY = "batiments_energie"
    ENVIRONMENT = "environnement"
    SECURITY = "securite"
    CITIZEN_RELATIONS = "relation_usager"
    OTHER = "autre"


class ScanProfile(StrEnum):
    """Scan profile: ``sur`` sends only safe probes, ``intrusif`` also tries logins."""

    SAFE = "sur"
    INTRUSIVE = "intrusif"


class NetworkZone(StrEnum):
    """Network zone a gateway sits in, as the integrator declares it."""

    IOT = "iot"
    OT = "ot"
    ADMINISTRATION = "administration"
    OFFICE = "bureautique"
    DMZ = "dmz"
    INTERNET = "internet"
    LAB = "laboratoire"
    OTHER = "autre"


class SectionState(StrEnum):
    """Progress of a questionnaire section (AIPD, inclusion)."""

    TO_DO = "a_completer"
    IN_PROGRESS = "en_cours"
    DONE = "termine"


class Importance(StrEnum):
    """Weight of a requirement in the cyber index (like MonServiceSécurisé's measures)."""

    ESSENTIAL = "essentielle"
    RECOMMENDED = "recommandee"


class FindingSource(StrEnum):
    """Where a finding comes from."""

    SCAN = "scan"
    IMPORT = "import"
    DECLARATIVE = "declaratif"
