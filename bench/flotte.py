"""The audit file of a scale lab's fleet: every light gateway declared, the block authorised (safe profile)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from audit_ti.lab import LabLayout

_HEAD = """version_format: 1
cas_usage:
  nom: Flotte de capteurs de stationnement ({count} passerelles)
  collectivite: Commune fictive de Démoville
  domaine: autre
  responsable:
    nom: Banc d'essai audit-ti
  date_audit: 2026-11-22
autorisation:
  reference: LAB-ECHELLE — laboratoire local, aucune machine tierce
  signataire: Banc d'essai audit-ti
  date: 2026-11-01
  valable_jusqu_au: 2099-12-31
  perimetre:
{perimeter}  profil_autorise: sur
grilles:
  - hygiene-iot
passerelles:
"""
_GATEWAY = """  - nom: {name}
    adresse: {address}
    modele: Capteur de stationnement (simulé, passerelle légère)
    zone: laboratoire
    ports_attendus: ["22/tcp ssh", "80/tcp http", "1883/tcp mqtt"]
"""
_TAIL = """scan:
  profil: {profile}
  tentatives_max: 1
"""


def fleet_audit(layout: LabLayout, path: Path, profile: str = "sur") -> Path:
    """Write the audit file of the layout's scale fleet to ``path``."""
    subnets = dict.fromkeys(ipaddress.ip_network(f"{g.address}/24", strict=False) for g in layout.fleet)
    perimeter = "".join(f"    - {subnet}\n" for subnet in subnets)
    text = _HEAD.format(count=len(layout.fleet), perimeter=perimeter)
    text += "".join(_GATEWAY.format(name=g.name, address=g.address) for g in layout.fleet)
    text += _TAIL.format(profile=profile)
    path.write_text(text, encoding="utf-8")
    return path
