#!/usr/bin/env python3
# mypy: disable-error-code="no-untyped-call"
"""make notebooks: run the suite's notebooks in place on the demo lab's reference scan and keep their outputs.

The stored outputs are what nbval compares under ``make test``: run this after a change that
alters what the notebooks show, read the diff, and commit it. Volatile metadata (execution times,
papermill's) is not kept, so that a run without change leaves the files as they were.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from audit_ti.runs.notebooks import KERNEL_ARGUMENTS

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def execute(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(path.parent)}}
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", resources=resources)
    client.extra_arguments = list(KERNEL_ARGUMENTS)
    client.execute()
    for index, cell in enumerate(notebook.cells):
        cell.metadata.pop("execution", None)
        # Stable ids (« 00-07 »): a cell added or removed does not renumber the diff of every other cell.
        cell.id = f"{path.stem[:2]}-{index:02d}"
    notebook.metadata = nbformat.from_dict(
        {key: value for key, value in notebook.metadata.items() if key in ("kernelspec", "language_info")}
    )
    notebook.metadata.get("language_info", {}).pop("version", None)
    nbformat.write(notebook, path)


def main() -> int:
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        print(f"exécution de {path.name}…", flush=True)
        execute(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
