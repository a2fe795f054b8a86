"""The NSE scripts audit-ti relies on: nmap's categories and the lowest profile that may run them.

nmap files some harmless scripts as "intrusive" (``ssl-enum-ciphers`` opens many TLS handshakes);
the profile here is audit-ti's own decision, written next to its reason. A few scripts ship with
audit-ti itself (``bundled``): nmap runs them from the package's ``nse/`` folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audit_ti.models.enums import ScanProfile

__all__ = ["BUNDLED_NSE_DIR", "NSE_SCRIPTS", "NseScript", "script_categories"]

#: Where the scripts audit-ti ships live (package data).
BUNDLED_NSE_DIR = Path(__file__).resolve().parent.parent / "nse"


@dataclass(frozen=True, slots=True)
class NseScript:
    """An NSE script known to audit-ti.

    Attributes:
        id: nmap's script name.
        categories: nmap's categories (``scripts/script.db``), checked against the installed nmap by a test.
        profile: the lowest audit-ti profile allowed to run it.
        udp: True when it probes a UDP service (needs root).
        why: French reason for the profile, shown in the documentation.
        silence: what it means, in French, when the script ran on a port and printed nothing;
            empty when silence proves nothing (a grille may then never read it as « conforme »).
        bundled: True for a script audit-ti ships (``nse/<id>.nse``), not one of nmap's.
        host_level: True for a host script (nmap's ``hostrule``, as the SMB scripts): nmap reports
            its output once for the host (``<hostscript>``), not under the port it talked to.
    """

    id: str
    categories: frozenset[str]
    profile: ScanProfile
    udp: bool = False
    why: str = ""
    silence: str = ""
    bundled: bool = False
    host_level: bool = False

    @property
    def argument(self) -> str:
        """How ``--script`` names it: nmap's id, or the path of audit-ti's own file."""
        return str(BUNDLED_NSE_DIR / f"{self.id}.nse") if self.bundled else self.id


def _script(
    script_id: str,
    categories: str,
    profile: ScanProfile = ScanProfile.SAFE,
    *,
    udp: bool = False,
    why: str = "",
    silence: str = "",
    bundled: bool = False,
    host_level: bool = False,
) -> NseScript:
    return NseScript(script_id, frozenset(categories.split(",")), profile, udp, why, silence, bundled, host_level)


_SAFE_THOUGH_INTRUSIVE = (
    "classé « intrusive » par nmap pour le nombre de connexions qu'il ouvre ; il ne fait que des "
    "poignées de main TLS, sans authentification : admis dans le profil sûr"
)

_FACTORY_CREDENTIALS = (
    "essaie une courte liste d'identifiants d'usine (grilles/identifiants-usine.yaml), un essai à la fois, "
    "au plus deux par seconde, en s'arrêtant au premier accepté"
)

NSE_SCRIPTS: dict[str, NseScript] = {
    script.id: script
    for script in (
        _script("ftp-anon", "default,auth,safe", silence="le serveur a refusé la connexion anonyme"),
        _script("http-title", "default,discovery,safe"),
        _script("http-auth", "default,auth,safe"),
        _script("http-security-headers", "discovery,safe"),
        _script(
            "http-default-accounts",
            "discovery,auth,intrusive",
            ScanProfile.INTRUSIVE,
            why="essaie des identifiants d'usine : une tentative de connexion par compte connu",
        ),
        _script("ssl-cert", "default,safe,discovery"),
        _script("ssl-enum-ciphers", "discovery,intrusive", why=_SAFE_THOUGH_INTRUSIVE),
        _script("sslv2", "default,safe", silence="SSLv2 refusé"),
        _script("ssh2-enum-algos", "safe,discovery"),
        _script("ssh-hostkey", "safe,default,discovery"),
        _script("sshv1", "default,safe", silence="le serveur ne parle pas SSHv1"),
        _script(
            "ssh-auth-methods",
            "auth,intrusive",
            ScanProfile.INTRUSIVE,
            why="ouvre une tentative d'authentification journalisée par le serveur",
        ),
        _script("telnet-encryption", "safe,discovery"),
        _script("mqtt-subscribe", "safe,discovery,version"),
        _script("snmp-sysdescr", "default,discovery,safe", udp=True),
        _script("snmp-info", "default,version,safe", udp=True),
        _script("coap-resources", "safe,discovery", udp=True),
        _script("upnp-info", "default,discovery,safe", udp=True),
        _script("bacnet-info", "discovery,version", udp=True),
        _script(
            "modbus-discover",
            "discovery,intrusive",
            ScanProfile.INTRUSIVE,
            why="interroge les identifiants d'esclaves Modbus : un automate fragile peut mal réagir",
        ),
        _script("smb-protocols", "discovery,safe", host_level=True),
        # Connects to IPC$ as a guest and sends one transaction on FID 0: a check, no exploit.
        _script("smb-vuln-ms17-010", "vuln,safe", host_level=True),
        # One DESCRIBE per well-known stream path, as a player sends before playing; nothing is played.
        _script("audit-ti-rtsp-describe", "discovery,safe", bundled=True),
        # One PULL_DATA, which a LoRaWAN bridge acknowledges; no uplink (PUSH_DATA) is injected.
        _script("audit-ti-semtech-udp", "discovery,safe", udp=True, bundled=True),
        _script("vnc-info", "default,discovery,safe"),
        _script("rdp-enum-encryption", "safe,discovery"),
        _script("ftp-brute", "intrusive,brute", ScanProfile.INTRUSIVE, why=_FACTORY_CREDENTIALS),
        _script("telnet-brute", "brute,intrusive", ScanProfile.INTRUSIVE, why=_FACTORY_CREDENTIALS),
        _script("ssh-brute", "brute,intrusive", ScanProfile.INTRUSIVE, why=_FACTORY_CREDENTIALS),
        _script("http-brute", "intrusive,brute", ScanProfile.INTRUSIVE, why=_FACTORY_CREDENTIALS),
        _script("http-form-brute", "intrusive,brute", ScanProfile.INTRUSIVE, why=_FACTORY_CREDENTIALS),
        _script(
            "snmp-brute",
            "intrusive,brute",
            ScanProfile.INTRUSIVE,
            udp=True,
            why="essaie une courte liste de communautés SNMP d'usine (grilles/identifiants-usine.yaml)",
            silence="aucune communauté de la liste n'a été acceptée",
        ),
        _script(
            "audit-ti-mqtt-brute",
            "brute,intrusive",
            ScanProfile.INTRUSIVE,
            why=_FACTORY_CREDENTIALS + " ; dit d'abord si le courtier accepte les clients anonymes",
            bundled=True,
        ),
    )
}


def script_categories(script_id: str) -> frozenset[str]:
    """nmap categories of a known script (empty for an unknown one)."""
    script = NSE_SCRIPTS.get(script_id)
    return script.categories if script else frozenset()
