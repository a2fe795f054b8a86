"""The audit file: one per use case (``audits/<cas>.yaml``)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Literal

from pydantic import Field

from audit_ti.models.aipd import AipdAnswers
from audit_ti.models.base import SourceDocument, StrictModel
from audit_ti.models.enums import Domain, NetworkZone, ScanProfile, Status
from audit_ti.models.fields import Address, ExpectedPortField, IsoDate, NetworkRange, PerimeterEntry, PortSpec
from audit_ti.models.follow_up import EvaluationIndicator, ProductQualification
from audit_ti.models.inclusion import InclusionAnswers
from audit_ti.models.types import Email, EnvironmentVariable, RequirementId, Slug, Text
from audit_ti.models.vulnerabilities import CpeString, VulnerabilityFeeds

__all__ = [
    "AcceptedRisk",
    "AipdAnswers",
    "Answer",
    "AnswerStatus",
    "Audit",
    "Authorisation",
    "Contact",
    "Gateway",
    "InclusionAnswers",
    "ScanOptions",
    "ScanSecrets",
    "UseCase",
    "VulnerabilityFeeds",
]


class Contact(StrictModel):
    """Person in charge of the use case."""

    schema_description = "Personne responsable du cas d'usage."

    name: Text = Field(alias="nom")
    role: Text | None = Field(default=None, alias="fonction")
    email: Email | None = Field(default=None, alias="courriel")


class UseCase(StrictModel):
    """Identity of the use case under audit."""

    schema_description = "Identité du cas d'usage audité."

    name: Text = Field(alias="nom", description="Nom du cas d'usage, tel que les élus le connaissent.")
    authority: Text = Field(alias="collectivite", description="Commune, intercommunalité ou syndicat qui déploie.")
    domain: Domain = Field(alias="domaine", description="Domaine métier.")
    description: Text | None = Field(default=None, description="Ce que fait le service, en deux phrases.")
    owner: Contact = Field(alias="responsable")
    audit_date: IsoDate = Field(alias="date_audit", description="Date de l'audit.")
    planned_deployment: IsoDate | None = Field(
        default=None, alias="deploiement_prevu", description="Date prévue du déploiement à grande échelle."
    )
    indicators: list[EvaluationIndicator] = Field(
        default_factory=list,
        alias="indicateurs_evaluation",
        description="Indicateurs sur lesquels le service sera jugé après son déploiement (recommandation n°36).",
    )


class Authorisation(StrictModel):
    """Written authorisation to scan, without which no packet is sent (Code pénal, art. 323-1)."""

    schema_description = (
        "Autorisation écrite de scanner : sans elle, aucun paquet n'est envoyé (article 323-1 du Code pénal)."
    )

    reference: Text = Field(alias="reference", description="Référence du mandat ou de la lettre de mission.")
    signatory: Text = Field(alias="signataire", description="Nom et qualité du signataire.")
    signed_on: IsoDate = Field(alias="date", description="Date de signature.")
    valid_from: IsoDate | None = Field(
        default=None,
        alias="valable_a_partir_du",
        description="Premier jour où l'autorisation s'applique ; par défaut, sa date de signature.",
    )
    valid_until: IsoDate = Field(alias="valable_jusqu_au", description="Dernier jour de validité.")
    perimeter: list[PerimeterEntry] = Field(
        alias="perimetre",
        min_length=1,
        description="Plages CIDR, adresses ou noms d'hôte que l'on a le droit de scanner.",
    )
    allowed_profile: ScanProfile = Field(
        default=ScanProfile.SAFE,
        alias="profil_autorise",
        description="« sur » : sondes sans risque ; « intrusif » : aussi les tentatives de connexion.",
    )
    large_ranges: bool = Field(
        default=False,
        alias="grandes_plages_autorisees",
        description="Autorise des plages plus grandes qu'un /22 (1 024 adresses) dans le périmètre.",
    )

    @property
    def starts_on(self) -> date:
        """First day the authorisation applies."""
        return self.valid_from or self.signed_on


class Gateway(StrictModel):
    """An IoT gateway of the use case, as the integrator declares it."""

    schema_description = "Passerelle IoT du cas d'usage, telle que l'intégrateur la déclare."

    name: Slug = Field(alias="nom", description="Nom court et unique (sert de nom de fichier).")
    address: Address = Field(alias="adresse", description="Adresse IP ou nom d'hôte.")
    device_model: Text = Field(alias="modele", description="Modèle de l'équipement.")
    vendor: Text | None = Field(default=None, alias="fabricant")
    firmware: Text | None = Field(default=None, alias="micrologiciel", description="Version déclarée.")
    firmware_cpe: CpeString | None = Field(
        default=None,
        alias="cpe_micrologiciel",
        description="Identifiant CPE du micrologiciel (fabricant et produit, tels que la NVD les nomme), par exemple "
        "« cpe:2.3:o:fabricant:produit » : le micrologiciel déclaré est alors comparé aux flux de vulnérabilités, "
        "à la version du CPE ou, à défaut, à celle de « micrologiciel ».",
    )
    zone: NetworkZone = Field(alias="zone", description="Zone réseau où l'équipement est raccordé.")
    location: Text | None = Field(default=None, alias="localisation")
    expected_ports: list[ExpectedPortField] = Field(
        default_factory=list,
        alias="ports_attendus",
        description="Services déclarés par l'intégrateur ; tout autre service ouvert sera signalé.",
    )
    qualifications: list[ProductQualification] = Field(
        default_factory=list,
        description="Labels et qualifications du produit : CSPN, qualification ANSSI… (recommandation n°48).",
    )

    @cached_property
    def expected_keys(self) -> frozenset[tuple[int, str]]:
        """(port, protocol) of every declared service."""
        return frozenset((ref.port, ref.protocol) for ref in self.expected_ports)


class ScanSecrets(StrictModel):
    """Secrets the scan uses, named by the environment variables that hold them."""

    schema_description = (
        "Secrets du scan, donnés par le NOM de la variable d'environnement qui les contient (jamais leur valeur) : "
        "ils n'apparaissent ni dans les paramètres, ni dans les preuves, ni dans les rapports, ni dans le manifeste."
    )

    snmp_community: EnvironmentVariable | None = Field(
        default=None,
        alias="communaute_snmp",
        description="Variable d'environnement qui contient la communauté SNMP que la collectivité a configurée sur "
        "ses passerelles (par exemple AUDIT_TI_COMMUNAUTE_SNMP). Avec elle, le scan lit la description de chaque "
        "agent SNMP et prouve qu'il refuse la communauté « public » (contre-épreuve) ; il faut UDP, donc root.",
    )


class ScanOptions(StrictModel):
    """How the gateways are scanned."""

    schema_description = "Options du scan réseau."

    profile: ScanProfile = Field(default=ScanProfile.SAFE, alias="profil")
    host_timeout_s: int = Field(
        default=900, ge=10, le=86_400, alias="delai_hote_secondes", description="Durée maximale par hôte."
    )
    script_timeout_s: int = Field(
        default=120,
        ge=5,
        le=3_600,
        alias="delai_script_secondes",
        description="Durée maximale par script NSE.",
    )
    max_retries: int = Field(default=2, ge=0, le=10, alias="tentatives_max")
    version_intensity: int = Field(
        default=2,
        ge=0,
        le=9,
        alias="intensite_detection",
        description="Intensité de la détection des services (nmap --version-intensity, 0 à 9). 2 reconnaît les "
        "services courants des passerelles ; 7, le réglage de nmap, envoie bien plus de sondes et peut prendre "
        "plusieurs minutes sur un automate qui les ignore (Modbus).",
    )
    ports: PortSpec | None = Field(
        default=None,
        description="Ports TCP à scanner (syntaxe nmap, par exemple « 1-1024,1883,8883 », « U:161 » pour "
        "remplacer aussi les ports UDP) ; par défaut les 1024 premiers ports, les ports usuels des passerelles, "
        "ceux que nomment les grilles et les ports déclarés. Un port que le scan ne couvre pas laisse « non "
        "testées » les exigences qui le nomment.",
    )
    udp: bool | None = Field(
        default=None,
        description="Sondes UDP (SNMP, CoAP…) : par défaut, seulement si l'outil tourne en root.",
    )
    discovery: list[NetworkRange] = Field(
        default_factory=list,
        alias="decouverte",
        description="Plages à balayer pour trouver les équipements non déclarés (dans le périmètre autorisé).",
    )
    secrets: ScanSecrets = Field(default_factory=ScanSecrets)


class AnswerStatus(StrEnum):
    """Statuses a person may give to a declarative requirement."""

    COMPLIANT = Status.COMPLIANT.value
    PARTIAL = Status.PARTIAL.value
    NON_COMPLIANT = Status.NON_COMPLIANT.value
    NOT_APPLICABLE = Status.NOT_APPLICABLE.value
    TO_VERIFY = Status.TO_VERIFY.value

    @property
    def status(self) -> Status:
        """The same value as a finding status."""
        return Status(self.value)


class Answer(StrictModel):
    """Answer to a declarative requirement of a grille."""

    schema_description = "Réponse à une exigence déclarative d'une grille."

    status: AnswerStatus = Field(alias="statut")
    justification: Text | None = Field(default=None, description="Pourquoi ce statut.")
    evidence: Text | None = Field(default=None, alias="preuve", description="Référence du document qui le prouve.")
    author: Text | None = Field(default=None, alias="auteur")
    answered_on: IsoDate | None = Field(default=None, alias="date")


class AcceptedRisk(StrictModel):
    """A non-compliance the authority knowingly accepts, until a date."""

    schema_description = (
        "Risque accepté : une non-conformité que l'autorité accepte en connaissance de cause, "
        "jusqu'à une date. Elle reste visible dans tous les rapports."
    )

    requirement: RequirementId = Field(alias="exigence")
    target: str | None = Field(
        default=None, alias="cible", description="Nom de la passerelle ; absent : toutes les passerelles."
    )
    justification: Text
    signatory: Text = Field(alias="signataire")
    decided_on: IsoDate = Field(alias="date")
    expires_on: IsoDate = Field(alias="expire_le")


class Audit(SourceDocument):
    """One use case to audit before its deployment at scale."""

    schema_description = "Audit d'un cas d'usage « territoire intelligent » avant son déploiement à grande échelle."

    format_version: Literal[1] = Field(default=1, alias="version_format")
    use_case: UseCase = Field(alias="cas_usage")
    authorisation: Authorisation | None = Field(
        default=None,
        alias="autorisation",
        description="Obligatoire dès qu'une passerelle est déclarée.",
    )
    grilles: list[Slug] = Field(
        default_factory=lambda: ["hygiene-iot"],
        alias="grilles",
        description="Identifiants des grilles appliquées (fichiers du dossier grilles/).",
    )
    gateways: list[Gateway] = Field(default_factory=list, alias="passerelles")
    scan: ScanOptions = Field(default_factory=ScanOptions, alias="scan")
    vulnerabilities: VulnerabilityFeeds = Field(default_factory=VulnerabilityFeeds, alias="vulnerabilites")
    answers: dict[RequirementId, Answer] = Field(
        default_factory=dict,
        alias="reponses",
        description="Réponses aux exigences déclaratives, par identifiant d'exigence.",
    )
    accepted_risks: list[AcceptedRisk] = Field(default_factory=list, alias="risques_acceptes")
    aipd: AipdAnswers = Field(default_factory=AipdAnswers, alias="aipd")
    inclusion: InclusionAnswers = Field(default_factory=InclusionAnswers, alias="inclusion")
