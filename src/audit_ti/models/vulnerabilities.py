"""Known vulnerabilities and end-of-life branches: the audit block that names the feeds, and what they hold.

The feeds (NVD CVE JSON 2.0, CISA's Known Exploited Vulnerabilities catalogue) are files the user
downloaded on a connected machine; nothing is fetched at run time. ``inputs.vulnerability_feeds``
reads them into a ``VulnerabilityKnowledge`` once per run; the checks read that and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints

from audit_ti.models.base import SourceDocument, StrictModel
from audit_ti.models.types import CPE_PATTERN, FEED_PATH_PATTERN, URL_PATTERN, Text

__all__ = [
    "NO_KNOWLEDGE",
    "Cpe",
    "CpeString",
    "EndOfLifeBranch",
    "EndOfLifeList",
    "EndOfLifeProduct",
    "ExploitedEntry",
    "FeedPath",
    "KnownVulnerability",
    "VersionRange",
    "VulnerabilityFeeds",
    "VulnerabilityKnowledge",
    "parse_cpe",
]

#: A feed file, relative to the audit file.
FeedPath = Annotated[str, StringConstraints(pattern=FEED_PATH_PATTERN)]
#: A CPE name, 2.3 (``cpe:2.3:a:openbsd:openssh:9.2:p1``) or 2.2 as nmap writes it (``cpe:/a:openbsd:openssh:9.2p1``).
CpeString = Annotated[str, StringConstraints(pattern=CPE_PATTERN)]


class VulnerabilityFeeds(StrictModel):
    """The vulnerability feeds the audit is compared against, downloaded beforehand."""

    schema_description = (
        "Sources de vulnérabilités connues, téléchargées au préalable sur un poste connecté (rien n'est téléchargé "
        "pendant l'audit) ; chemins relatifs au fichier d'audit. Sans flux NVD, l'exigence « logiciel_vulnerabilite_"
        "connue » reste « non testée »."
    )

    nvd: list[FeedPath] = Field(
        default_factory=list,
        description="Flux CVE de la NVD au format JSON 2.0 (nvdcve-2.0-AAAA.json.gz, …-modified, …-recent), "
        "compressés ou non.",
    )
    kev: FeedPath | None = Field(
        default=None,
        description="Catalogue « Known Exploited Vulnerabilities » de la CISA (known_exploited_vulnerabilities.json "
        "ou .csv) : les CVE exploitées en conditions réelles.",
    )


class EndOfLifeBranch(StrictModel):
    """One branch of a product and the day its support ended (or ends)."""

    schema_description = "Branche d'un produit et date de fin de son support (correctifs de sécurité)."

    branch: Annotated[str, StringConstraints(pattern=r"^[0-9][0-9A-Za-z.]{0,30}$")] = Field(
        alias="branche", description="Préfixe de version de la branche (« 1.1.1 », « 2.7 », « 10 »)."
    )
    end_of_support: date = Field(alias="fin_support", description="Dernier jour de support de la branche.")
    source: Annotated[str, StringConstraints(pattern=URL_PATTERN)] = Field(description="Page qui l'annonce.")
    read_on: date = Field(alias="consulte_le", description="Date de consultation de la source.")


class EndOfLifeProduct(StrictModel):
    """A product whose branches reach their end of life."""

    schema_description = "Produit et fins de support de ses branches, par identifiant CPE (fabricant:produit)."

    name: Text = Field(alias="nom")
    cpe: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.\-]+:[a-z0-9_.\-]+$")] = Field(
        description="« fabricant:produit » tels que les écrit le dictionnaire CPE (openssl:openssl)."
    )
    branches: list[EndOfLifeBranch] = Field(min_length=1)


class EndOfLifeList(SourceDocument):
    """``grilles/donnees/fin-de-vie.yaml``: products and the end of support of their branches."""

    schema_description = "Liste des fins de support de logiciels courants dans les passerelles, avec leurs sources."

    products: list[EndOfLifeProduct] = Field(alias="produits", min_length=1)


@dataclass(frozen=True, slots=True)
class Cpe:
    """The parts of a CPE name a match needs: part (a, o, h), vendor, product, version (``""`` for any)."""

    part: str
    vendor: str
    product: str
    version: str = ""

    @property
    def key(self) -> str:
        """``vendor:product``, the index of the feeds."""
        return f"{self.vendor}:{self.product}"


_ANY = {"", "*", "-"}


def parse_cpe(name: str) -> Cpe | None:
    """A CPE 2.3 or 2.2 name as its parts; the 2.3 update (``p1``) is joined to the version (``9.2p1``)."""
    text = name.strip().lower()
    if text.startswith("cpe:2.3:"):
        parts = re.split(r"(?<!\\):", text)[2:]
    elif text.startswith("cpe:/"):
        parts = text[5:].split(":")
    else:
        return None
    parts += [""] * (5 - len(parts))
    part, vendor, product, version, update = parts[:5]
    if not vendor or not product or vendor in _ANY or product in _ANY:
        return None
    version = "" if version in _ANY else version.replace("\\", "")
    if version and update not in _ANY:
        version += update.replace("\\", "")
    return Cpe(part, vendor, product, version)


@dataclass(frozen=True, slots=True)
class VersionRange:
    """The versions of one product a CVE concerns (a ``cpeMatch`` with ``vulnerable: true``).

    ``exact`` is set when the criteria name one version; otherwise the bounds (``""`` when absent).
    """

    exact: str = ""
    start_including: str = ""
    start_excluding: str = ""
    end_including: str = ""
    end_excluding: str = ""

    def describe(self) -> str:
        """The range in French (« de 8.5 inclus à 9.8 exclu »)."""
        if self.exact:
            return f"version {self.exact}"
        said = []
        if self.start_including or self.start_excluding:
            low = self.start_including or self.start_excluding
            said.append(f"à partir de {low}" + (" exclu" if self.start_excluding else ""))
        if self.end_including or self.end_excluding:
            high = self.end_including or self.end_excluding
            said.append(f"jusqu'à {high}" + (" inclus" if self.end_including else " exclu"))
        return " ".join(said) or "toutes versions"


@dataclass(frozen=True, slots=True)
class KnownVulnerability:
    """A CVE of the NVD: its id, its worst CVSS base score and the versions it concerns, by ``vendor:product``."""

    cve_id: str
    score: float | None
    severity: str
    description: str
    affected: Mapping[str, tuple[VersionRange, ...]]


@dataclass(frozen=True, slots=True)
class ExploitedEntry:
    """A CVE of the CISA KEV catalogue: exploited in the wild."""

    cve_id: str
    date_added: str
    ransomware: bool


@dataclass(frozen=True, slots=True)
class VulnerabilityKnowledge:
    """Everything the feeds and the end-of-life list say, loaded once per run.

    Attributes:
        nvd_sources: French description of each NVD file read (name, CVE count), empty: no feed.
        kev_source: French description of the KEV catalogue read (version), empty: not given.
        by_product: ``vendor:product`` → the CVEs that concern it.
        exploited: CVE id → its KEV entry.
        end_of_life: ``vendor:product`` → the product and its branches (the project's list).
        files: every file read (feeds, then the end-of-life list), for the run's manifest.
    """

    nvd_sources: tuple[str, ...] = ()
    kev_source: str = ""
    by_product: Mapping[str, tuple[KnownVulnerability, ...]] = field(default_factory=dict)
    exploited: Mapping[str, ExploitedEntry] = field(default_factory=dict)
    end_of_life: Mapping[str, EndOfLifeProduct] = field(default_factory=dict)
    files: tuple[Path, ...] = ()

    @property
    def has_cves(self) -> bool:
        """True when at least one NVD feed was read."""
        return bool(self.nvd_sources)


#: No feed configured, no end-of-life list.
NO_KNOWLEDGE = VulnerabilityKnowledge()
