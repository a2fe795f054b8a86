"""The notebooks of the suite, run by papermill into a run folder, and the reports rendered from them.

Each notebook is a view over ``results/*.json``: it gets the audit file and the run folder as
parameters, runs with its own folder as working directory (as in JupyterLab and nbval), and its
executed copy lands in ``notebooks/``. Parameters a notebook does not declare are refused before
anything runs (papermill alone would only warn).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat
import papermill

from audit_ti.errors import InvalidInputError, Problem
from audit_ti.report.render import render_html, render_pdf
from audit_ti.runs.folder import RunFolder
from audit_ti.runs.manifest import StepStatus

__all__ = [
    "ELECTED_REPORT",
    "KERNEL_ARGUMENTS",
    "NOTEBOOKS",
    "TECHNICAL_REPORT",
    "NotebookRun",
    "check_parameters",
    "render_reports",
    "rerender",
    "run_notebooks",
]

#: The suite, in the order it runs (the synthesis last reads what the others show; it is rendered first).
NOTEBOOKS = ("01_cybersecurite", "02_inclusion", "03_aipd", "00_synthese")
#: Which notebooks make which report.
ELECTED_REPORT = ("00_synthese",)
TECHNICAL_REPORT = ("01_cybersecurite", "02_inclusion", "03_aipd")

#: A kernel that does not start in time is started once more (papermill#511: port races under load).
_START_TIMEOUT_S = 120
#: The kernel's own start-up warnings (TCP on the loopback) would flood the terminal.
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=ERROR",)
_CELL_TIMEOUT_S = 600


@dataclass(frozen=True)
class NotebookRun:
    """One notebook of the suite, executed: its copy in the run folder and what went wrong, if anything."""

    name: str
    output: Path
    error: str = ""

    @property
    def ok(self) -> bool:
        """True when every cell ran."""
        return not self.error


def _parameters(audit_path: Path, folder: Path) -> dict[str, str]:
    return {"audit": str(audit_path.resolve()), "dossier_run": str(folder.resolve())}


def check_parameters(notebooks_dir: Path, names: Sequence[str] = NOTEBOOKS) -> None:
    """Every notebook exists and declares the parameters the suite gives it.

    Raises:
        InvalidInputError: a notebook is missing or lacks a parameter (nothing has run).
    """
    problems = []
    for name in names:
        path = notebooks_dir / f"{name}.ipynb"
        if not path.is_file():
            problems.append(Problem(f"notebook introuvable : {path}", path))
            continue
        declared = set(papermill.inspect_notebook(str(path)))
        missing = sorted(set(_parameters(Path(), Path())) - declared)
        if missing:
            problems.append(
                Problem(
                    f"le notebook ne déclare pas le(s) paramètre(s) {', '.join(missing)} dans sa cellule "
                    "« parameters » : la suite refuse de le lancer",
                    path,
                )
            )
    if problems:
        raise InvalidInputError(problems)


def run_notebooks(
    folder: RunFolder,
    audit_path: Path,
    notebooks_dir: Path,
    on_notebook: Callable[[str, str], None] | None = None,
    names: Sequence[str] = NOTEBOOKS,
) -> list[NotebookRun]:
    """Execute the suite's notebooks into ``notebooks/`` of the run folder; a failure is recorded, not raised."""
    runs = []
    for name in names:
        if on_notebook is not None:
            on_notebook(name, "en cours")
        started = datetime.now().astimezone()
        run = _execute(folder, audit_path, notebooks_dir / f"{name}.ipynb", name)
        runs.append(run)
        status = StepStatus.DONE if run.ok else StepStatus.FAILED
        folder.record(f"notebook {name}", status, run.error or "exécuté", started=started)
        if on_notebook is not None:
            on_notebook(name, "termine" if run.ok else "echec")
    return runs


def _execute(folder: RunFolder, audit_path: Path, source: Path, name: str) -> NotebookRun:
    output = folder.root / "notebooks" / f"{name}.ipynb"
    output.parent.mkdir(exist_ok=True)
    log = folder.root / "logs" / f"{name}.log"
    log.parent.mkdir(exist_ok=True)
    for attempt in (1, 2):
        try:
            with log.open("w", encoding="utf-8") as stream:
                papermill.execute_notebook(
                    str(source),
                    str(output),
                    parameters=_parameters(audit_path, folder.root),
                    cwd=str(source.parent),
                    kernel_name="python3",
                    progress_bar=False,
                    request_save_on_cell_execute=False,
                    start_timeout=_START_TIMEOUT_S,
                    execution_timeout=_CELL_TIMEOUT_S,
                    stdout_file=stream,
                    stderr_file=stream,
                    extra_arguments=list(KERNEL_ARGUMENTS),
                )
        except papermill.PapermillExecutionError as error:
            return NotebookRun(name, output, f"{error.ename} dans la cellule {error.exec_count} : {error.evalue}")
        except Exception as error:  # a kernel that died, a timeout, a port race at start-up
            if attempt == 1 and not output.exists():
                continue
            return NotebookRun(name, output, f"{type(error).__name__} : {error}")
        return NotebookRun(name, output)
    return NotebookRun(name, output, "le noyau n'a pas démarré")


def render_reports(folder: RunFolder, runs: Sequence[NotebookRun], title: str, warnings: Sequence[str]) -> list[Path]:
    """``rapport-elus`` and ``rapport-technique``, in HTML and PDF, from the executed notebooks."""
    executed: dict[str, Any] = {
        run.name: nbformat.read(run.output, as_version=4) for run in runs if run.output.exists()
    }
    written = []
    for stem, names, heading in (
        ("rapport-elus", ELECTED_REPORT, f"Synthèse pour les élus — {title}"),
        ("rapport-technique", TECHNICAL_REPORT, f"Annexe technique — {title}"),
    ):
        chosen = [executed[name] for name in names if name in executed]
        html = render_html(chosen, heading, warnings, kind=stem)
        written.append(folder.write_file(f"{stem}.html", html))
        pdf = folder.root / f"{stem}.pdf"
        render_pdf(html, pdf)
        folder.record_file(pdf)
        written.append(pdf)
    return written


def rerender(root: Path) -> list[Path]:
    """The reports of a run folder rendered again from its executed notebooks (``audit-ti rapport``).

    Raises:
        InvalidInputError: not a run folder, or no executed notebook in it.
    """
    folder = RunFolder.reopen(root)
    runs = [NotebookRun(name, root / "notebooks" / f"{name}.ipynb") for name in NOTEBOOKS]
    present = [run for run in runs if run.output.is_file()]
    if not present:
        raise InvalidInputError(Problem("aucun notebook exécuté dans ce dossier (notebooks/*.ipynb)", root))
    warnings = [f"notebook {run.name} absent du dossier d'exécution" for run in runs if not run.output.is_file()]
    warnings += [
        f"étape « {step.name} » en échec : {step.message}"
        for step in folder.manifest.steps
        if step.status == StepStatus.FAILED
    ]
    return render_reports(folder, present, folder.manifest.use_case or folder.manifest.case, warnings)
