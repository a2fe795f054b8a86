"""The manifest of a run: what it was, who ran it, what it used, its steps and how it ended."""

from __future__ import annotations

import getpass
import os
import platform
import socket
from datetime import date, datetime

from pydantic import Field

from audit_ti import __version__
from audit_ti.models.base import StrictModel
from audit_ti.models.labels import LabelledEnum

__all__ = ["AuthorisationRecord", "Manifest", "Operator", "RunStatus", "StepRecord", "StepStatus"]


class RunStatus(LabelledEnum):
    """State of a whole run."""

    RUNNING = "en_cours", "En cours"
    COMPLETE = "complet", "Complète"
    INCOMPLETE = "incomplet", "Incomplète"
    FAILED = "echec", "Échec"


class StepStatus(LabelledEnum):
    """State of one step of a run."""

    DONE = "termine", "Terminée"
    FAILED = "echec", "Échec"
    SKIPPED = "non_execute", "Non exécutée"


class StepRecord(StrictModel):
    """One step of a run (a scan, an evaluation, a report), and what happened."""

    name: str = Field(alias="etape")
    status: StepStatus = Field(alias="statut")
    message: str = ""
    started_at: datetime = Field(alias="debut")
    finished_at: datetime = Field(alias="fin")


class Operator(StrictModel):
    """Who ran the tool, and from where."""

    user: str = Field(alias="utilisateur")
    host: str = Field(alias="machine")


class AuthorisationRecord(StrictModel):
    """The authorisation a scan relied on, as it stood when the scan started."""

    reference: str
    signatory: str = Field(alias="signataire")
    signed_on: date = Field(alias="date")
    valid_from: date = Field(alias="valable_a_partir_du")
    valid_until: date = Field(alias="valable_jusqu_au")
    profile: str = Field(alias="profil_autorise")
    checked_on: date = Field(alias="verifiee_le", description="Date réelle à laquelle elle a été vérifiée.")


def _operator() -> Operator:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # a container without a password entry for the uid
        user = f"uid {os.getuid()}"
    return Operator(user=user, host=socket.gethostname())


class Manifest(StrictModel):
    """What a run was, what it produced and how it ended."""

    tool: str = Field(default="audit-ti", alias="outil")
    tool_version: str = Field(default=__version__, alias="version_outil")
    python_version: str = Field(default_factory=platform.python_version, alias="version_python")
    case: str = Field(alias="cas")
    use_case: str | None = Field(
        default=None, alias="nom_cas_usage", description="Nom du cas d'usage (titre des rapports)."
    )
    audit_file: str = Field(alias="fichier_audit")
    audit_sha256: str = Field(alias="empreinte_audit")
    started_at: datetime = Field(alias="debut")
    finished_at: datetime | None = Field(default=None, alias="fin")
    status: RunStatus = Field(default=RunStatus.RUNNING, alias="statut")
    exit_code: int | None = Field(default=None, alias="code_sortie")
    operator: Operator = Field(default_factory=_operator, alias="operateur")
    evaluation_date: date | None = Field(
        default=None,
        alias="date_evaluation",
        description="Date de référence donnée par --date (évaluation hors ligne) ; absente : le jour même.",
    )
    authorisation: AuthorisationRecord | None = Field(default=None, alias="autorisation")
    tools: dict[str, str] = Field(default_factory=dict, alias="outils_externes")
    grilles: dict[str, dict[str, str]] = Field(default_factory=dict)
    steps: tuple[StepRecord, ...] = Field(default=(), alias="etapes")
    files: dict[str, str] = Field(default_factory=dict, alias="fichiers")
