"""The list of factory credentials the intrusive profile tries (``grilles/identifiants-usine.yaml``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from audit_ti.models.base import StrictModel
from audit_ti.models.referential import ReferentialBase
from audit_ti.models.types import Slug, Text

__all__ = ["FactoryAccount", "FactoryCredentials", "SnmpCommunity"]

#: The most guesses one service may receive in a run: the list stays short, on purpose.
MAX_ACCOUNTS = 40


def _line_safe(value: str) -> str:
    # nmap reads the list one « identifiant/mot_de_passe » per line, spaces trimmed.
    if any(character in value for character in "\r\n\t\x00"):
        raise ValueError("retour à la ligne, tabulation ou caractère nul interdits")
    if value != value.strip():
        raise ValueError("espaces en début ou en fin interdits (nmap les retirerait)")
    return value


def _username(value: str) -> str:
    if "/" in value:
        raise ValueError("« / » interdit dans un identifiant (nmap sépare l'identifiant du mot de passe par « / »)")
    return _line_safe(value)


Username = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_username)]
Secret = Annotated[str, Field(max_length=64), AfterValidator(_line_safe)]


class FactoryAccount(StrictModel):
    """One account and password shipped by manufacturers, published where the sources say."""

    schema_description = "Compte et mot de passe d'usine, publiés là où le disent les sources."

    username: Username = Field(alias="identifiant")
    password: Secret = Field(alias="mot_de_passe", description="Vide : aucun mot de passe.")
    devices: Text | None = Field(default=None, alias="equipements", description="Équipements qui le portent.")
    sources: list[Slug] = Field(min_length=1, description="Identifiants des sources citées.")


class SnmpCommunity(StrictModel):
    """An SNMP v1/v2c community string devices ship with."""

    schema_description = "Communauté SNMP v1/v2c d'usine."

    value: Secret = Field(alias="valeur", min_length=1)
    sources: list[Slug] = Field(min_length=1)


class FactoryCredentials(ReferentialBase):
    """The short, documented list of factory credentials audit-ti tries (intrusive profile only)."""

    schema_description = (
        "Liste courte et sourcée des identifiants d'usine que le profil intrusif essaie sur chaque invite "
        "d'authentification (telnet, FTP, SSH, HTTP, MQTT, SNMP)."
    )

    kind: Literal["identifiants_usine"] = Field(alias="referentiel")
    rate: float = Field(
        default=2.0,
        gt=0,
        le=5,
        alias="essais_par_seconde",
        description="Essais au plus par seconde et par service (un seul essai à la fois).",
    )
    accounts: list[FactoryAccount] = Field(alias="comptes", min_length=1, max_length=MAX_ACCOUNTS)
    snmp_communities: list[SnmpCommunity] = Field(
        default_factory=list, alias="communautes_snmp", max_length=MAX_ACCOUNTS
    )

    def credfile(self) -> str:
        """The accounts in nmap's ``brute.credfile`` format."""
        return "".join(f"{account.username}/{account.password}\n" for account in self.accounts)

    def communities_file(self) -> str:
        """The communities in ``snmp-brute.communitiesdb`` format."""
        return "".join(f"{community.value}\n" for community in self.snmp_communities)
