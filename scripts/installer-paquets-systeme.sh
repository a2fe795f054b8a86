#!/usr/bin/env bash
# Install the Debian packages audit-ti needs, only those that are missing.
# Usage: scripts/installer-paquets-systeme.sh [fichier-de-paquets]
set -euo pipefail

liste="${1:-$(dirname "$0")/paquets-debian.txt}"
mapfile -t paquets < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$liste" | tr -d '[:blank:]')

manquants=()
for paquet in "${paquets[@]}"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$paquet" 2>/dev/null)" != "installed" ]; then
        manquants+=("$paquet")
    fi
done

if [ "${#manquants[@]}" -eq 0 ]; then
    echo "Paquets système : tout est déjà installé (${#paquets[@]} paquets)."
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "Il manque les paquets ${manquants[*]} et apt-get est introuvable : installez-les à la main." >&2
    exit 2
fi

if [ "$(id -u)" -eq 0 ]; then
    sudo_cmd=()
elif command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
    echo "Installation par sudo (votre mot de passe peut être demandé)."
else
    echo "Il manque les paquets ${manquants[*]} : relancez en root ou installez sudo." >&2
    exit 2
fi

echo "Installation des paquets système manquants : ${manquants[*]}…"
export DEBIAN_FRONTEND=noninteractive
# Daemons installed for the lab must not start system-wide: the lab starts its own instances.
policy_created=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${sudo_cmd[@]}" chmod +x /usr/sbin/policy-rc.d
    policy_created=1
fi
# apt and dpkg speak English and at length (debconf notes, triggers, daemons not started): their
# output goes to a log, shown only if something fails.
journal="$(mktemp "${TMPDIR:-/tmp}/audit-ti-apt.XXXXXX.log")"
cleanup() {
    if [ "$policy_created" -eq 1 ]; then "${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup EXIT
echec() {
    echo "$1 (détail d'apt ci-dessous, conservé dans $journal) :" >&2
    tail -n 15 "$journal" | sed 's/^/    /' >&2
    exit 1
}

debut=$SECONDS
# A machine just installed may still be running its first automatic update: wait for the lock.
attente=(-o DPkg::Lock::Timeout=300)
"${sudo_cmd[@]}" apt-get "${attente[@]}" update -q >"$journal" 2>&1 ||
    echec "La mise à jour de la liste des paquets (apt-get update) a échoué"
"${sudo_cmd[@]}" apt-get "${attente[@]}" install -y -q --no-install-recommends "${manquants[@]}" >>"$journal" 2>&1 ||
    echec "L'installation des paquets a échoué"
rm -f "$journal"
# Nor at the next boot: systemd would start the units these packages enabled (sshd, lighttpd and
# vsftpd on every interface). Only the packages installed here are touched.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    for paquet in "${manquants[@]}"; do
        mapfile -t unites < <(dpkg-query -L "$paquet" 2>/dev/null \
            | grep -E '^/(usr/)?lib/systemd/system/[^/@]+\.(service|socket)$' | xargs -r -n1 basename)
        if [ "${#unites[@]}" -gt 0 ]; then
            "${sudo_cmd[@]}" systemctl disable --now "${unites[@]}" >/dev/null 2>&1 || true
            echo "Services système désactivés (le laboratoire lance ses propres instances) : ${unites[*]}"
        fi
    done
fi
echo "Paquets système installés en $((SECONDS - debut)) s."
