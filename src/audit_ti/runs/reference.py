"""The offline reference run the notebooks open when no run folder is given (nothing is sent).

``audits/references/<cas>.xml`` is a scan the project made of its own simulated gateways; importing
it with the audit file gives a complete run folder (cyber and impact side by side) without root,
without nmap and without the lab.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.inputs.documents import load_audit
from audit_ti.runs.audit import import_audit
from audit_ti.runs.cyber import ScanSettings
from audit_ti.validation.catalog import GrilleCatalog

__all__ = ["reference_run", "reference_xml"]


def reference_xml(audit: Path) -> Path:
    """The reference scan of an audit file: ``references/<stem>.xml`` beside it."""
    return audit.parent / "references" / f"{audit.stem}.xml"


def reference_run(audit: Path, *, grilles: Path | None = None, reports_dir: Path | None = None) -> Path:
    """Import the reference scan of ``audit`` into a new run folder and return that folder.

    Args:
        audit: the audit file (``../audits/demo-lab.yaml`` from ``notebooks/``).
        grilles: the grilles folder; by default ``grilles/`` beside the audits folder.
        reports_dir: where to create the run folder; by default a new temporary folder.

    Raises:
        InvalidInputError: no reference scan for this audit, or an invalid input.
        OutputError: the run folder cannot be written.
    """
    xml = reference_xml(audit)
    if not xml.is_file():
        raise InvalidInputError(
            Problem(
                f"pas de scan de référence pour ce fichier d'audit ({xml}) : donnez un dossier d'exécution "
                "(paramètre « dossier_run ») produit par « audit-ti auditer »",
                audit,
            )
        )
    folder = grilles if grilles is not None else audit.resolve().parent.parent / "grilles"
    target = reports_dir if reports_dir is not None else Path(tempfile.mkdtemp(prefix="audit-ti-reference-"))
    catalog = GrilleCatalog.with_builtin_checks(folder)
    # Judged as on the audit's date, so that the reference run (and what nbval compares) does not age.
    settings = ScanSettings(evaluation_date=load_audit(audit).use_case.audit_date)
    return import_audit(xml, audit, reports_dir=target, catalog=catalog, settings=settings).folder
