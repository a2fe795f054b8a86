#!/usr/bin/env bash
# Check the README's promise on a fresh minimal Debian 12: from a clone of the current branch,
# `make demo` then `make test` install everything they need and pass, twice in a row.
#
# Usage (root): scripts/essai-debian-minimale.sh [dossier]
#   ESSAI_MIROIR   Debian mirror (default: http://deb.debian.org/debian)
#   ESSAI_CA       a CA certificate the chroot must trust (proxy that intercepts TLS), optional
#   ESSAI_GARDER=1 keep the chroot afterwards (the namespace is always removed)
#
# The root is built by debootstrap (minbase) plus make, git, python3 and ca-certificates (without
# their recommended packages, such as the ssh client git brings), as on a machine just installed. The two commands run in a chroot inside a network namespace of its own
# (only its loopback: its lab cannot collide with another one on this machine); apt and pip reach
# their registries (and npm its own), and nothing else, through scripts/relais-registres.py.
set -euo pipefail

depot="$(cd "$(dirname "$0")/.." && pwd)"
dossier="$(realpath -m "${1:-${TMPDIR:-/tmp}/essai-debian-minimale}")"
racine="$dossier/racine"
journaux="$dossier/journaux"
miroir="${ESSAI_MIROIR:-http://deb.debian.org/debian}"
espace="audit-ti-debian"
port=3128
chemin="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
branche="$(git -C "$depot" rev-parse --abbrev-ref HEAD)"

if [ "$(id -u)" -ne 0 ]; then
    echo "Cet essai construit un chroot et un espace de noms réseau : lancez-le en root." >&2
    exit 2
fi
if [ -e "$dossier" ]; then
    echo "$dossier existe déjà : supprimez-le ou donnez un autre dossier." >&2
    exit 2
fi
if ip netns list | grep -qw "$espace"; then
    echo "L'espace de noms réseau $espace existe déjà (un autre essai en cours ?)." >&2
    exit 2
fi
if [ -n "$(git -C "$depot" status --porcelain --untracked-files=no)" ]; then
    echo "Attention : les modifications non validées ne sont pas dans le clone essayé." >&2
fi
for commande in debootstrap ip python3 git; do
    if ! command -v "$commande" >/dev/null; then
        echo "$commande est introuvable (paquets debootstrap, iproute2, python3, git)." >&2
        exit 2
    fi
done

pids=()
# shellcheck disable=SC2317  # called by the EXIT trap
demonte() {
    if mountpoint -q "$racine"; then
        umount -R "$racine" 2>/dev/null || umount -R -l "$racine"
    fi
}
# shellcheck disable=SC2317
nettoie() {
    set +e
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    if ip netns list | grep -qw "$espace"; then
        # What the chroot left running (a lab after a crash): started here, ended here.
        for pid in $(ip netns pids "$espace"); do kill -KILL "$pid" 2>/dev/null; done
        ip netns del "$espace"
    fi
    demonte
    rm -f "$dossier/relais.sock"
    if [ "${ESSAI_GARDER:-0}" = 1 ]; then
        echo "Chroot conservé : $racine (journaux : $journaux)."
    elif grep -q -e " $racine " -e " $racine/" /proc/mounts; then
        echo "Des montages restent sous $racine : rien n'est supprimé." >&2
    else
        rm -rf --one-file-system "$racine"
        echo "Chroot supprimé ; journaux conservés dans $journaux."
    fi
}
trap nettoie EXIT

mkdir -p "$journaux"
debut=$SECONDS
echo "Debian 12 minimale (debootstrap --variant=minbase bookworm, miroir $miroir)…"
debootstrap --variant=minbase bookworm "$racine" "$miroir" >"$journaux/debootstrap.log" 2>&1 ||
    { echo "debootstrap a échoué : voir $journaux/debootstrap.log" >&2; exit 1; }
taille_minbase="$(du -sh --one-file-system "$racine" | cut -f1)"
echo "  $taille_minbase en $((SECONDS - debut)) s."

# The root a mount point of its own, as on a machine: `ip netns exec` (tests) makes / a slave mount.
mount --bind "$racine" "$racine"
mount --make-private "$racine"
mount -t proc proc "$racine/proc"
mount --rbind /dev "$racine/dev"
mount --make-rslave "$racine/dev"
mount -t tmpfs -o mode=755 tmpfs "$racine/run"
mount -t sysfs sysfs "$racine/sys"

debut=$SECONDS
echo "Ajout de make, git, python3 et ca-certificates (ce qu'a une machine qui vient d'être installée)…"
chroot "$racine" /usr/bin/env -i PATH="$chemin" DEBIAN_FRONTEND=noninteractive /bin/sh -c \
    'apt-get update -qq && apt-get install -y -qq --no-install-recommends make git python3 ca-certificates' \
    >"$journaux/paquets-de-base.log" 2>&1 ||
    { echo "Installation des paquets de base impossible : voir $journaux/paquets-de-base.log" >&2; exit 1; }
if [ -n "${ESSAI_CA:-}" ]; then
    cp "$ESSAI_CA" "$racine/usr/local/share/ca-certificates/essai-ca.crt"
    chroot "$racine" /usr/bin/env -i PATH="$chemin" update-ca-certificates >>"$journaux/paquets-de-base.log" 2>&1
fi
taille_base="$(du -sh --one-file-system "$racine" | cut -f1)"
echo "  $taille_base en $((SECONDS - debut)) s."

git clone --quiet --branch "$branche" "$depot" "$racine/srv/audit-ti"
echo "Clone de la branche $branche ($(git -C "$racine/srv/audit-ti" log -1 --format=%h)) dans /srv/audit-ti."

# The namespace's only way out: a proxy limited to the registries, reached through a Unix socket.
ip netns add "$espace"
ip netns exec "$espace" ip link set lo up
hote_miroir="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.argv[1]).hostname)' "$miroir")"
python3 "$depot/scripts/relais-registres.py" mandataire "$dossier/relais.sock" \
    "$hote_miroir" pypi.org files.pythonhosted.org registry.npmjs.org 2>"$journaux/mandataire.log" &
pids+=($!)
ip netns exec "$espace" python3 "$depot/scripts/relais-registres.py" relais "$port" "$dossier/relais.sock" \
    2>"$journaux/relais.log" &
pids+=($!)
sleep 1

bilan=()
echec=0
lance() {
    local cible="$1" tour="$2" journal="$journaux/make-$1-$2.log" code debut=$SECONDS
    echo
    echo "=== make $cible ($tour), dans le chroot, espace de noms $espace, PATH=$chemin"
    set +e
    ip netns exec "$espace" chroot "$racine" /usr/bin/env -i HOME=/root PATH="$chemin" TERM=dumb \
        http_proxy="http://127.0.0.1:$port" https_proxy="http://127.0.0.1:$port" \
        /bin/bash -c "cd /srv/audit-ti && make $cible" 2>&1 | tee "$journal"
    code=${PIPESTATUS[0]}
    set -e
    bilan+=("make $cible ($tour) : code $code en $((SECONDS - debut)) s")
    if [ "$code" -ne 0 ]; then echec=1; fi
}
lance demo premier
lance test premier
lance demo second
lance test second

echo
echo "Bilan (Debian minimale : $taille_minbase ; avec make, git, python3 : $taille_base ;" \
    "après les deux commandes : $(du -sh --one-file-system "$racine" | cut -f1))"
printf '  %s\n' "${bilan[@]}"
echo "  requêtes du mandataire : $(grep -vc -e '^refusé' -e '^injoignable' "$journaux/mandataire.log" || true)," \
    "refusées : $(grep -c '^refusé' "$journaux/mandataire.log" || true)"
exit "$echec"
