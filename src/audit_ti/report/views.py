"""A run folder read back for the reports: each result with its model, and what is missing and why.

The notebooks are views: they compute nothing. ``load_run`` reads the manifest and every result
file with the model that wrote it; a file that is absent, unreadable, invalid or changed since the
run is reported in French (``missing``, ``warnings``) instead of being silently skipped, so that a
failed or incomplete run never looks clean.

``report/`` may not import ``runs/`` (which writes the manifest): ``RunManifest`` reads the keys the
manifest publishes (its JSON contract), ignoring those the reports do not use.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.inputs.files import read_capped
from audit_ti.models.aipd_result import AipdResult
from audit_ti.models.enums import SectionState
from audit_ti.models.evaluation import CyberEvaluation
from audit_ti.models.finding import FINDINGS, Finding
from audit_ti.models.follow_up import FollowUp
from audit_ti.models.inclusion_result import InclusionResult
from audit_ti.models.public_notice import PublicNotice

__all__ = [
    "RESULT_FILES",
    "RUN_STATUS_LABELS",
    "RunManifest",
    "RunResults",
    "RunStep",
    "load_run",
    "warnings_html",
]

#: Largest result file read back (findings of a large fleet included).
MAX_RESULT_BYTES = 256 * 1024 * 1024

#: Each result a report reads: its file and what it is, in French.
RESULT_FILES: dict[str, tuple[str, str]] = {
    "manifest": ("manifest.json", "le manifeste de l'exécution"),
    "cyber": ("results/cyber.json", "les résultats de l'audit de cybersécurité"),
    "findings": ("results/findings.json", "la liste des constats de cybersécurité"),
    "aipd": ("results/aipd.json", "les résultats de l'AIPD"),
    "inclusion": ("results/inclusion.json", "les résultats de l'évaluation d'inclusion numérique"),
    "notice": ("results/information-public.json", "l'information du public sur les capteurs"),
    "follow_up": ("results/suivi.json", "les indicateurs d'évaluation et les qualifications des produits"),
}

#: The manifest's ``statut`` values, in words.
RUN_STATUS_LABELS = {
    "complet": "complète",
    "incomplet": "incomplète",
    "echec": "en échec",
    "en_cours": "en cours (jamais terminée)",
}

_CYBER_STEPS = ("garde", "scan", "nmap", "preuves", "import", "évaluation")
_IMPACT_STEPS = ("evaluation_aipd_inclusion",)
#: The steps of the manifest that write each result (by the start of their names).
_STEPS_OF = {
    "cyber": _CYBER_STEPS,
    "findings": _CYBER_STEPS,
    "aipd": _IMPACT_STEPS,
    "inclusion": _IMPACT_STEPS,
    "notice": _IMPACT_STEPS,
    "follow_up": _IMPACT_STEPS,
}

_READ = ConfigDict(extra="ignore", frozen=True, validate_by_alias=True, validate_by_name=True)


class RunStep(BaseModel):
    """One step of the manifest."""

    model_config = _READ

    name: str = Field(alias="etape")
    status: str = Field(alias="statut")
    message: str = ""

    @property
    def failed(self) -> bool:
        """True when the step did not end well (failed or not run)."""
        return self.status != "termine"


class RunManifest(BaseModel):
    """What the reports read of ``manifest.json``."""

    model_config = _READ

    case: str = Field(alias="cas")
    audit_file: str = Field(alias="fichier_audit")
    audit_sha256: str = Field(alias="empreinte_audit")
    tool_version: str = Field(default="", alias="version_outil")
    started_at: datetime = Field(alias="debut")
    finished_at: datetime | None = Field(default=None, alias="fin")
    status: str = Field(alias="statut")
    exit_code: int | None = Field(default=None, alias="code_sortie")
    evaluation_date: date | None = Field(default=None, alias="date_evaluation")
    tools: dict[str, str] = Field(default_factory=dict, alias="outils_externes")
    grilles: dict[str, dict[str, str]] = Field(default_factory=dict)
    steps: tuple[RunStep, ...] = Field(default=(), alias="etapes")
    files: dict[str, str] = Field(default_factory=dict, alias="fichiers")

    @property
    def status_label(self) -> str:
        """The status in words (« complète », « en échec »…)."""
        return RUN_STATUS_LABELS.get(self.status, self.status)

    @property
    def failed_steps(self) -> tuple[RunStep, ...]:
        """Steps that failed or were not run."""
        return tuple(step for step in self.steps if step.failed)


@dataclass(frozen=True)
class RunResults:
    """Everything a run folder holds for the reports; a result is None when its file is missing or invalid.

    Attributes:
        folder: the run folder.
        manifest: the manifest, None when absent or unreadable.
        cyber / findings / aipd / inclusion / notice / follow_up: each result, read with its model.
        notice_markdown: the public notice as the run wrote it (Markdown).
        missing: one French sentence per absent or unusable result, saying why.
        altered: the files the manifest lists that were changed (another SHA-256) or removed after the run.
        warnings: every reason not to trust the run as complete, in French, most serious first.
    """

    folder: Path
    manifest: RunManifest | None
    cyber: CyberEvaluation | None
    findings: tuple[Finding, ...] | None
    aipd: AipdResult | None
    inclusion: InclusionResult | None
    notice: PublicNotice | None
    follow_up: FollowUp | None
    notice_markdown: str | None
    missing: tuple[str, ...]
    altered: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def case(self) -> str:
        """The use case's name (the run folder's parent when the manifest is missing)."""
        return self.manifest.case if self.manifest is not None else self.folder.parent.name

    @property
    def clean(self) -> bool:
        """True when nothing is missing and the run completed with every result observed."""
        return not self.warnings


_T = TypeVar("_T")


@dataclass
class _Reader:
    folder: Path
    manifest: RunManifest | None = None
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def read(self, key: str, adapter: TypeAdapter[_T]) -> _T | None:
        relative, what = RESULT_FILES[key]
        path = self.folder / relative
        if not path.exists():
            self.missing.append(f"Il manque {what} ({relative}) : {self._why_absent(key, relative)}.")
            return None
        try:
            data = read_capped(path, MAX_RESULT_BYTES, "pour un résultat d'audit")
            value = adapter.validate_json(data, by_alias=True, by_name=False)
        except InvalidInputError as error:
            self.missing.append(f"Impossible d'utiliser {what} ({relative}) : {error.problems[0].message}.")
            return None
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            self.missing.append(
                f"Impossible d'utiliser {what} ({relative}) : fichier non conforme à son modèle "
                f"({where or 'racine'} : {first['msg']})."
            )
            return None
        self._check_hash(relative, data)
        return value

    def read_text(self, relative: str) -> str | None:
        path = self.folder / relative
        if not path.is_file():
            return None
        try:
            data = read_capped(path, MAX_RESULT_BYTES)
        except InvalidInputError:
            return None
        self._check_hash(relative, data)
        return data.decode("utf-8", errors="replace")

    def _check_hash(self, relative: str, data: bytes) -> None:
        expected = self.manifest.files.get(relative) if self.manifest is not None else None
        if expected is not None and hashlib.sha256(data).hexdigest() != expected:
            self.changed.append(relative)

    def _why_absent(self, key: str, relative: str) -> str:
        manifest = self.manifest
        if key == "manifest":
            return "ce n'est pas un dossier d'exécution d'audit-ti, ou il a été vidé"
        if manifest is None:
            return "le manifeste manque aussi, on ne sait pas comment l'exécution s'est terminée"
        if relative in manifest.files:
            self.removed.append(relative)
            return "le manifeste l'inscrit, il a donc été supprimé ou déplacé après l'exécution"
        failed = [step for step in manifest.failed_steps if step.name.startswith(_STEPS_OF.get(key, ()))]
        failed = failed or [step for step in manifest.failed_steps if step.name == "arrêt"]
        if failed:
            return "; ".join(f"l'étape « {step.name} » a échoué ({step.message})" for step in failed)
        if manifest.status == "complet":
            return "cette exécution ne l'a pas produit (chaîne non lancée)"
        return f"l'exécution est {manifest.status_label} et s'est arrêtée avant de l'écrire"


def _manifest_warnings(manifest: RunManifest | None) -> list[str]:
    if manifest is None:
        return []
    warnings = []
    if manifest.status != "complet":
        code = f" (code de sortie {manifest.exit_code})" if manifest.exit_code is not None else ""
        warnings.append(
            f"L'exécution est {manifest.status_label}{code} : ses résultats ne disent pas tout, "
            "et rien de ce qui n'a pas été observé ne peut être tenu pour conforme."
        )
    warnings.extend(
        f"Étape « {step.name} » : {'échec' if step.status == 'echec' else 'non exécutée'}"
        + (f" ({step.message})" if step.message else "")
        + "."
        for step in manifest.failed_steps
    )
    return warnings


def _result_warnings(
    cyber: CyberEvaluation | None, aipd: AipdResult | None, inclusion: InclusionResult | None
) -> list[str]:
    warnings = []
    if cyber is not None and not cyber.complete:
        reasons = " ; ".join(cyber.incomplete_reasons) or "motif non précisé"
        warnings.append(f"Le scan n'a pas tout observé : {reasons}.")
    if aipd is not None and aipd.state is not SectionState.DONE:
        warnings.append("L'AIPD n'est pas terminée : ses conclusions peuvent encore changer.")
    if inclusion is not None and inclusion.state is not SectionState.DONE:
        count = len(inclusion.unanswered)
        detail = f" ; {count} critère(s) non renseigné(s), comptés au plus défavorable" if count else ""
        warnings.append(f"L'évaluation d'inclusion n'est pas terminée{detail}.")
    return warnings


def load_run(folder: Path) -> RunResults:
    """Read a run folder: its manifest and each result, saying in French what is missing and why.

    Raises:
        InvalidInputError: ``folder`` is not a folder.
    """
    if not folder.is_dir():
        raise InvalidInputError(Problem("dossier d'exécution introuvable (paramètre « dossier_run »)", folder))
    reader = _Reader(folder)
    manifest = reader.read("manifest", TypeAdapter(RunManifest))
    reader.manifest = manifest
    cyber = reader.read("cyber", TypeAdapter(CyberEvaluation))
    findings = reader.read("findings", FINDINGS)
    aipd = reader.read("aipd", TypeAdapter(AipdResult))
    inclusion = reader.read("inclusion", TypeAdapter(InclusionResult))
    notice = reader.read("notice", TypeAdapter(PublicNotice))
    follow_up = reader.read("follow_up", TypeAdapter(FollowUp))
    notice_markdown = reader.read_text("results/information-public.md")
    changed = [
        f"{relative} a été modifié après l'exécution : son empreinte SHA-256 n'est plus celle du manifeste. "
        "Ce rapport ne montre peut-être pas ce qui a été observé."
        for relative in reader.changed
    ]
    warnings = [*_manifest_warnings(manifest), *reader.missing, *changed]
    warnings += _result_warnings(cyber, aipd, inclusion)
    return RunResults(
        folder=folder,
        manifest=manifest,
        cyber=cyber,
        findings=tuple(findings) if findings is not None else None,
        aipd=aipd,
        inclusion=inclusion,
        notice=notice,
        follow_up=follow_up,
        notice_markdown=notice_markdown,
        missing=tuple(reader.missing),
        altered=tuple(reader.changed + reader.removed),
        warnings=tuple(warnings),
    )


def warnings_html(results: RunResults) -> str:
    """The box every notebook shows first: the warnings, or a short note that the run is complete."""
    if not results.warnings:
        return (
            '<div class="information" role="status"><strong>Exécution complète.</strong> '
            "Tous les résultats attendus sont présents et conformes au manifeste.</div>"
        )
    items = "".join(f"<li>{html.escape(text)}</li>" for text in results.warnings)
    return (
        '<div class="avertissement" role="alert"><strong>Attention : ce rapport est incomplet ou porte sur '
        f"une exécution qui ne s'est pas terminée normalement.</strong><ul>{items}</ul></div>"
    )
