"""What the simulated gateways serve: web pages, files, CoAP resources, MQTT messages, SNMP texts.

All of it is invented for the lab (the municipality, the cabinets, the meters) and contains no
real secret; the "leaked" values are the lab's own documented credentials.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from audit_ti.lab.layout import LabGateway, Profile

__all__ = [
    "ADMIN_PASSWORD",
    "ADMIN_REALM",
    "ADMIN_USER",
    "CWMP_PASSWORD",
    "CWMP_REALM",
    "CWMP_USER",
    "MQTT_PASSWORD",
    "MQTT_USER",
    "SmbIdentity",
    "SnmpIdentity",
    "admin_pages",
    "coap_resources",
    "console_pages",
    "cwmp_pages",
    "ftp_files",
    "hardened_pages",
    "medium_pages",
    "mqtt_messages",
    "scale_pages",
    "smb_files",
    "smb_identity",
    "snmp_identity",
]

#: Factory account of the vulnerable controller's web admin (HTTP Basic).
ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin"
#: Realm of Apache Felix's OSGi web console, which nmap's http-default-accounts recognises.
ADMIN_REALM = "OSGi Management Console"
#: The 4G router's TR-069 connection-request account: what the operator's ACS sends (HTTP Digest).
CWMP_USER = "acs-operateur"
CWMP_PASSWORD = "labo-cwmp-2026"
CWMP_REALM = "CWMP Connection Request"
#: MQTT account of the medium, hardened and scale gateways.
MQTT_USER = "capteur"
MQTT_PASSWORD = "labo-capteur-2026"

_PAGE = """<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>{title}</title></head>
<body>
<h1>{title}</h1>
{body}
</body>
</html>
"""


def _page(title: str, body: str) -> str:
    return _PAGE.format(title=title, body=body)


def admin_pages(gateway: LabGateway) -> dict[str, str]:
    """The street-lighting controller's admin site, an OSGi console as on Java IoT gateways."""
    console = _page(
        "Console d'administration — contrôleur d'armoire",
        f"<p>Passerelle {gateway.name}, micrologiciel 1.0-lab (Apache Felix Web Console).</p>\n"
        "<ul><li>Bundles : 42 actifs</li><li>Pilotage des départs d'éclairage : "
        '<a href="/system/console/eclairage">ouvrir</a></li></ul>',
    )
    return {
        "index.html": _page(
            "Contrôleur d'armoire d'éclairage",
            '<p>Administration : <a href="/system/console/">console</a></p>',
        ),
        "system/console/index.html": console,
        "system/console/eclairage/index.html": _page(
            "Départs d'éclairage",
            "<table><tr><th>Départ</th><th>État</th></tr><tr><td>D1</td><td>allumé</td></tr>"
            "<tr><td>D2</td><td>allumé</td></tr><tr><td>D3</td><td>éteint</td></tr></table>",
        ),
    }


def console_pages(gateway: LabGateway) -> dict[str, str]:
    """The forgotten debug console: a Node-RED-like editor with its flows open to anyone."""
    flows = [
        {"id": "f1", "type": "tab", "label": f"Armoire {gateway.name}"},
        {
            "id": "n1",
            "type": "mqtt-broker",
            "broker": str(gateway.address),
            "port": "1883",
            "credentials": {"user": MQTT_USER, "password": MQTT_PASSWORD},
        },
        {"id": "n2", "type": "modbus-write", "server": f"{gateway.address}:502", "unitid": 1},
    ]
    return {
        "index.html": _page(
            "Node-RED",
            "<p>Éditeur de flux (instance de mise au point, à désactiver en production).</p>",
        ),
        "flows.json": json.dumps(flows, ensure_ascii=False, indent=2) + "\n",
    }


def medium_pages(gateway: LabGateway) -> dict[str, str]:
    """The water-meter concentrator's HTTPS portal."""
    return {
        "index.html": _page(
            "Concentrateur de télérelève — connexion",
            f"<p>{gateway.name} : 1 248 compteurs rattachés.</p>\n"
            '<form method="post" action="/connexion"><input name="utilisateur">'
            '<input name="mot_de_passe" type="password"><button>Connexion</button></form>',
        )
    }


def hardened_pages(gateway: LabGateway) -> dict[str, str]:
    """The hardened gateway's HTTPS portal."""
    return {
        "index.html": _page(
            "Passerelle IoT — portail d'administration",
            f"<p>{gateway.name} : authentification par certificat client ou SSO de la collectivité.</p>",
        )
    }


def cwmp_pages() -> dict[str, str]:
    """The connection-request URL of a TR-069 CPE: an empty answer once the ACS is authenticated."""
    return {"index.html": ""}


def scale_pages() -> dict[str, str]:
    """The status page shared by the scale fleet."""
    return {
        "index.html": _page(
            "Passerelle de capteurs de stationnement — état",
            "<p>Capteurs : 64 en ligne. Dernière remontée : il y a 12 s.</p>",
        )
    }


def ftp_files(gateway: LabGateway) -> dict[str, str]:
    """What the anonymous FTP folder of the vulnerable controller holds."""
    return {
        "LISEZMOI.txt": f"Dépôt de maintenance de {gateway.name}. Ne rien déposer ici.\n",
        "releves/consommation-2026-10.csv": (
            "depart;date;energie_kwh\nD1;2026-10-01;412\nD2;2026-10-01;388\nD3;2026-10-01;0\n"
        ),
        "sauvegardes/armoire-01.conf.bak": (
            "# Sauvegarde de configuration (laboratoire audit-ti)\n"
            f"mqtt.hote={gateway.address}\nmqtt.port=1883\nweb.utilisateur={ADMIN_USER}\n"
            f"web.mot_de_passe={ADMIN_PASSWORD}\n"
        ),
    }


@dataclass(frozen=True)
class SnmpIdentity:
    """The MIB-II system group the controller reveals to anyone who knows « public »."""

    name: str
    location: str
    contact: str
    description: str


def snmp_identity(gateway: LabGateway) -> SnmpIdentity:
    """System group of the vulnerable controller (ASCII: SNMP agents expect it)."""
    return SnmpIdentity(
        name=gateway.name,
        location="Armoire EP-01, place de la Mairie, Demoville (laboratoire audit-ti)",
        contact="Service eclairage public <eclairage@demoville.invalid>",
        description="Controleur d'armoire EP-4000 firmware 1.0-lab, Linux 4.14.98 armv7l",
    )


@dataclass(frozen=True)
class SmbIdentity:
    """How the controller's file server introduces itself, and its one share."""

    netbios_name: str
    workgroup: str
    server_string: str
    share: str
    share_comment: str


def smb_identity(gateway: LabGateway) -> SmbIdentity:
    """The vulnerable controller's SMB server (NetBIOS names: 15 characters at most, ASCII)."""
    return SmbIdentity(
        netbios_name="EP4000-ARMOIRE",
        workgroup="DEMOVILLE",
        server_string=f"Controleur d'armoire EP-4000 ({gateway.name})",
        share="supervision",
        share_comment="Exports de supervision (integrateur)",
    )


def smb_files(gateway: LabGateway) -> dict[str, str]:
    """What the supervision share left by the integrator holds (read-only, for anyone)."""
    return {
        "LISEZMOI.txt": (
            f"Partage de supervision de {gateway.name}, ouvert par l'intégrateur pendant la mise en "
            "service et jamais refermé.\n"
        ),
        "exports/etat-departs-2026-11.csv": (
            "depart;date;etat;puissance_w\nD1;2026-11-21;allume;4120\nD2;2026-11-21;allume;3980\n"
            "D3;2026-11-21;eteint;0\n"
        ),
        "scada/connexion-superviseur.ini": (
            "; Connexion du superviseur (laboratoire audit-ti)\n"
            f"[mqtt]\nhote={gateway.address}\nport=1883\n[modbus]\nhote={gateway.address}\nport=502\n"
        ),
    }


def coap_resources(gateway: LabGateway) -> dict[str, str]:
    """CoAP resources of the water-meter concentrator (path → plain-text payload)."""
    return {
        "compteurs/index": "1248 compteurs",
        "compteurs/alarmes": "fuite suspectee: 3 ; retour d'eau: 0",
        "config/radio": "wmbus mode T1, cle AES commune",
        "releves/dernier": f"{gateway.name};2026-11-21T06:00:00Z;1248 index",
    }


def mqtt_messages(gateway: LabGateway) -> dict[str, str]:
    """Retained messages published at start (topic → payload), as live telemetry would leave."""
    topics = {
        Profile.VULNERABLE: {
            "depart/1/commande": "allumer",
            "depart/1/puissance_w": "4120",
            "depart/3/commande": "eteindre",
        },
        Profile.MEDIUM: {"compteurs/0412/index_m3": "1834.52", "compteurs/0412/alarme": "aucune"},
        Profile.HARDENED: {"supervision/temperature_c": "31.5"},
    }.get(gateway.profile, {})
    # The broker prefixes every topic with the gateway name (its listener's mount point).
    return {"etat": "en ligne", **topics}
