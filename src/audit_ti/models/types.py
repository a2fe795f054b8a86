"""Constrained scalar types shared by the models, with the French hint of each pattern."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

__all__ = [
    "PATTERN_HINTS",
    "Email",
    "EnvironmentVariable",
    "Identifier",
    "Reference",
    "RequirementId",
    "Slug",
    "Text",
]

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
REQUIREMENT_ID_PATTERN = r"^[a-z][a-z0-9_]{1,62}$"
REFERENCE_PATTERN = r"^[A-Za-z][A-Za-z0-9._-]*:\S+$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
URL_PATTERN = r"^https?://\S+$"
CSV_PATH_PATTERN = r"^[^/\\][^\\]{0,300}\.csv$"
ENVIRONMENT_VARIABLE_PATTERN = r"^[A-Z][A-Z0-9_]{0,63}$"
FEED_PATH_PATTERN = r"^[^/\\][^\\]{0,300}\.(json|json\.gz|csv)$"
CPE_PATTERN = r"^cpe:(2\.3:[aho]|/[aho]):[^:\s]+:[^:\s]+(:[^\s]*)?$"

#: French description of each pattern, used in error messages instead of the regex itself.
PATTERN_HINTS: dict[str, str] = {
    SLUG_PATTERN: "un identifiant en minuscules sans accent (lettres, chiffres, « - » ou « _ »)",
    REQUIREMENT_ID_PATTERN: "un identifiant en snake_case (minuscules sans accent, chiffres, « _ »)",
    REFERENCE_PATTERN: "une référence de la forme « SOURCE:numéro », par exemple « ANSSI-hygiene:12 »",
    EMAIL_PATTERN: "une adresse électronique (nom@domaine.fr)",
    URL_PATTERN: "une adresse web commençant par http:// ou https://",
    CSV_PATH_PATTERN: "un chemin relatif vers un fichier .csv (par exemple territoires/ma-commune.csv)",
    FEED_PATH_PATTERN: "un chemin relatif vers un fichier .json, .json.gz ou .csv (par exemple "
    "donnees/nvdcve-2.0-2024.json.gz)",
    CPE_PATTERN: "un identifiant CPE, par exemple « cpe:2.3:o:fabricant:produit:1.2.3 » ou "
    "« cpe:/a:fabricant:produit »",
    ENVIRONMENT_VARIABLE_PATTERN: "le NOM d'une variable d'environnement (majuscules, chiffres, « _ », par "
    "exemple AUDIT_TI_COMMUNAUTE_SNMP), jamais la valeur du secret",
}

Text = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Identifier = Slug
RequirementId = Annotated[str, StringConstraints(pattern=REQUIREMENT_ID_PATTERN)]
Reference = Annotated[str, StringConstraints(pattern=REFERENCE_PATTERN)]
Email = Annotated[str, StringConstraints(pattern=EMAIL_PATTERN)]
#: The name of an environment variable, never its value: a secret is not written in the audit file.
EnvironmentVariable = Annotated[str, StringConstraints(pattern=ENVIRONMENT_VARIABLE_PATTERN)]
Url = Annotated[str, StringConstraints(pattern=URL_PATTERN), Field(json_schema_extra={"format": "uri"})]
