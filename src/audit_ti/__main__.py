"""``python -m audit_ti`` runs the command line."""

from audit_ti.cli.main import run

run()
