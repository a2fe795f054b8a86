"""The one way into a run: an audit file read, checked and resolved once, with all a pipeline needs."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from audit_ti.errors import InvalidInputError
from audit_ti.inputs.documents import load_audit
from audit_ti.inputs.statistics import TerritoryStatistics
from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.audit import Audit
from audit_ti.models.credentials import FactoryCredentials
from audit_ti.models.grille import Grille
from audit_ti.models.inclusion_referential import InclusionReferential
from audit_ti.models.vulnerabilities import NO_KNOWLEDGE, VulnerabilityKnowledge
from audit_ti.validation.audit_rules import AuditExamination, examine_audit
from audit_ti.validation.catalog import GrilleCatalog, MissingEntryError
from audit_ti.validation.located import problem_at
from audit_ti.validation.vulnerability_rules import vulnerability_knowledge

__all__ = ["BOTH", "Pipeline", "PreparedAudit", "prepare_audit", "required_referential"]


class Pipeline(StrEnum):
    """The two evaluations an audit file feeds."""

    CYBER = "cyber"
    IMPACT = "impact"


BOTH = frozenset(Pipeline)


@dataclass(frozen=True)
class PreparedAudit:
    """Everything a run needs, already checked: nothing here is read again.

    Attributes:
        path: the audit file.
        audit: its content.
        catalog: the grilles folder it was checked against (grilles, referentials, credentials).
        grilles: the checklist grilles it names, in its order.
        credentials: the factory credentials its grilles' checks try, or None.
        aipd, inclusion: the assessment referentials (for the impact pipeline).
        national, territory: the inclusion figures (for the impact pipeline; territory when declared).
        knowledge: the vulnerability feeds and the end-of-life list (for the cyber pipeline).
    """

    path: Path
    audit: Audit
    catalog: GrilleCatalog
    grilles: tuple[Grille, ...]
    credentials: FactoryCredentials | None = None
    aipd: AipdReferential | None = None
    inclusion: InclusionReferential | None = None
    national: TerritoryStatistics | None = None
    territory: TerritoryStatistics | None = None
    knowledge: VulnerabilityKnowledge = NO_KNOWLEDGE

    @property
    def case(self) -> str:
        """The use case's name in the results: the audit file's stem."""
        return self.path.stem


def prepare_audit(path: Path, catalog: GrilleCatalog, pipelines: Collection[Pipeline] = BOTH) -> PreparedAudit:
    """Read and check an audit file once, and resolve what the pipelines asked for.

    The cyber pipeline gets the grilles and factory credentials; the impact pipeline also gets the
    two referentials and the statistics (a scan never reads a CSV).

    The rules that depend on the date are not here: they are warnings of ``valider`` or refusals
    of the scope guard, which knows the real date of the scan.

    Raises:
        InvalidInputError: every problem found, located in the files at fault.
    """
    audit = load_audit(path)
    impact = Pipeline.IMPACT in pipelines
    found = examine_audit(audit, catalog, statistics=impact)
    if found.problems:
        raise InvalidInputError(found.problems)
    cyber = Pipeline.CYBER in pipelines
    prepared = PreparedAudit(
        path=path,
        audit=audit,
        catalog=catalog,
        grilles=tuple(found.grilles),
        credentials=catalog.factory_credentials(found.grilles) if cyber else None,
        knowledge=vulnerability_knowledge(audit, catalog.folder) if cyber else NO_KNOWLEDGE,
    )
    if not impact:
        return prepared
    return _with_impact_inputs(prepared, found)


ReferentialT = TypeVar("ReferentialT", AipdReferential, InclusionReferential)


def _with_impact_inputs(prepared: PreparedAudit, found: AuditExamination) -> PreparedAudit:
    """The referentials and figures the impact pipeline needs, even for a section without answers."""
    audit, catalog = prepared.audit, prepared.catalog
    aipd = found.aipd or required_referential(audit, catalog, "aipd", audit.aipd.referential, AipdReferential)
    inclusion = found.inclusion or required_referential(
        audit, catalog, "inclusion", audit.inclusion.referential, InclusionReferential
    )
    return PreparedAudit(
        path=prepared.path,
        audit=audit,
        catalog=catalog,
        grilles=prepared.grilles,
        credentials=prepared.credentials,
        knowledge=prepared.knowledge,
        aipd=aipd,
        inclusion=inclusion,
        national=found.national or catalog.national_statistics(inclusion),
        territory=found.territory,
    )


def required_referential(
    audit: Audit, catalog: GrilleCatalog, key: str, referential_id: str, model: type[ReferentialT]
) -> ReferentialT:
    """The referential a section of the audit names, even when the section holds no answer.

    Raises:
        InvalidInputError: missing, of another kind, or invalid (its own problems).
    """
    try:
        found = catalog.referential(referential_id)
    except MissingEntryError:
        found = None
    if not isinstance(found, model):
        raise InvalidInputError(
            problem_at(
                audit,
                (key, "referentiel"),
                f"référentiel « {referential_id} » introuvable dans {catalog.folder} "
                f"(ou ce n'est pas un référentiel « {key} »)",
            )
        )
    return found
