#!/usr/bin/env bash
# make demo: validate every file, start the lab of simulated gateways, audit it, say where the
# results are, and stop the lab whatever happens.
set -uo pipefail

bin="${BIN:-.venv/bin}"
etat="${AUDIT_TI_LAB_DOSSIER:-${TMPDIR:-/tmp}/audit-ti-demo-lab}"
audit="audits/demo-lab.yaml"

"$bin/audit-ti" valider || exit $?

if [ "$(id -u)" -ne 0 ]; then
    echo "La démonstration scanne le laboratoire, qui doit être démarré en root (ports inférieurs à 1024) :" >&2
    echo "relancez « sudo make demo »." >&2
    exit 2
fi

"$bin/audit-ti" lab demarrer --dossier "$etat" || exit $?
trap '"$bin/audit-ti" lab arreter --dossier "$etat" >/dev/null' EXIT

# One run: the scan of the gateways and the AIPD and inclusion evaluations, side by side in one folder.
# Exit code 1 means "blocking findings": expected for the vulnerable gateways of the demo.
"$bin/audit-ti" auditer "$audit" --profil intrusif
code=$?

echo
echo "Résultats de la démonstration (scan, AIPD et inclusion) :"
ls -1dt rapports/demo-lab/*/ 2>/dev/null | head -1 | sed 's/^/  /'
if [ "$code" -ge 2 ]; then
    exit "$code"
fi
exit 0
