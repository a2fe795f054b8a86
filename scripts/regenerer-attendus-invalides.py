"""Regenerate tests/fixtures/invalides/attendus.yml, printing every change for review (--write to save)."""
from datetime import date
from pathlib import Path
import sys
import yaml
from audit_ti.checks import default_registry
from audit_ti.validation import GrilleCatalog, validate_file
path = Path("tests/fixtures/invalides/attendus.yml")
old = yaml.safe_load(path.read_text())
cat = GrilleCatalog(Path("grilles"), default_registry())
out = {}
for p in sorted(Path("tests/fixtures/invalides").glob("*.yaml")):
    r = validate_file(p, cat, date(2026, 11, 22))
    pb = r.problems[0]
    entry = {"ligne": pb.line, "message": pb.message}
    if pb.key: entry["cle"] = pb.key
    out[p.name] = entry
    if old.get(p.name) != entry:
        print("CHANGED", p.name, "\n  old:", old.get(p.name), "\n  new:", entry)
text = "# Expected first problem of each invalid file (golden): line, key path and exact French message.\n# Regenerate only after reading every changed message.\n" + yaml.safe_dump(out, allow_unicode=True, sort_keys=True, width=200)
if "--write" in sys.argv: path.write_text(text)
