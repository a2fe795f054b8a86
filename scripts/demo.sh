#!/usr/bin/env bash
# make demo: validate every file, start the lab of simulated gateways, run the whole suite on it
# (scan, evaluations, notebooks, reports), stop the lab whatever happens, and say where the
# reports are. Without root the lab cannot start: the same suite runs offline on the reference
# scan of the lab shipped in audits/references/, so a newcomer still gets the reports.
set -uo pipefail

bin="${BIN:-.venv/bin}"
etat="${AUDIT_TI_LAB_DOSSIER:-${TMPDIR:-/tmp}/audit-ti-demo-lab}"
audit="audits/demo-lab.yaml"
reference="audits/references/demo-lab.xml"

"$bin/audit-ti" valider || exit $?

if [ "$(id -u)" -eq 0 ]; then
    "$bin/audit-ti" lab demarrer --dossier "$etat" || exit $?
    trap '"$bin/audit-ti" lab arreter --dossier "$etat" >/dev/null' EXIT
    # Exit code 1 means "blocking findings": expected for the vulnerable gateways of the demo.
    "$bin/audit-ti" lancer "$audit" --profil intrusif
    code=$?
else
    echo "Sans root, le laboratoire ne peut pas démarrer (ports inférieurs à 1024) : la suite tourne hors ligne" >&2
    echo "sur le scan de référence du laboratoire ($reference). « sudo make demo » pour un vrai scan." >&2
    "$bin/audit-ti" lancer "$audit" --hors-ligne "$reference"
    code=$?
fi

run="$(ls -1dt rapports/demo-lab/*/ 2>/dev/null | head -1)"
echo
echo "Rapports de la démonstration, dans ${run:-rapports/demo-lab/} :"
for report in rapport-elus.html rapport-elus.pdf rapport-technique.html rapport-technique.pdf; do
    [ -n "$run" ] && [ -f "$run$report" ] && echo "  $run$report"
done
if [ "$code" -ge 2 ]; then
    exit "$code"
fi
exit 0
