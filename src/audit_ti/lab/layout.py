"""What the lab is made of: gateways, their loopback addresses and the services each one exposes.

The layout is pure data: building it starts nothing. The three reference gateways always exist;
an IPv6 gateway on ::1 may be added, and scale mode adds light gateways for the benchmarks. Every
IPv4 address comes from one /16 block of the loopback range, so that two checkouts can run their
labs side by side on different blocks; ::1 is the only IPv6 loopback address, shared by every lab
of the machine, hence the IPv6 gateway is optional.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from audit_ti.errors import InvalidInputError, Problem

__all__ = [
    "DEFAULT_NETWORK",
    "IPV6_ADDRESS",
    "IPV6_GATEWAY",
    "LAB_IPV6_ENV",
    "LAB_NETWORK_ENV",
    "MAX_SCALE_GATEWAYS",
    "SCALE_PER_SUBNET",
    "IPAddress",
    "LabGateway",
    "LabLayout",
    "Profile",
    "Service",
    "ServiceKind",
    "Transport",
    "ipv6_from_env",
    "network_from_env",
    "parse_network",
]

#: Overrides the lab's address block (``127.B.0.0/16``).
LAB_NETWORK_ENV = "AUDIT_TI_LAB_RESEAU"
DEFAULT_NETWORK = ipaddress.IPv4Network("127.0.0.0/16")
#: Scale gateways at most: 250 per /24 (hosts .1 to .250), in eight /24 (127.B.1.0 to 127.B.8.0).
MAX_SCALE_GATEWAYS = 2000
#: Scale gateways per /24 of the block: .0 and .251–.255 stay free.
SCALE_PER_SUBNET = 250
#: Turns the IPv6 gateway on or off (``1``/``0``, ``oui``/``non``…).
LAB_IPV6_ENV = "AUDIT_TI_LAB_IPV6"
#: The IPv6 gateway: a hardened one on the IPv6 loopback address.
IPV6_GATEWAY = "passerelle-ipv6-01"
IPV6_ADDRESS = ipaddress.IPv6Address("::1")

_LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
# Third octet of each group inside the /16: the reference gateways, and the first /24 of the scale
# fleet (it takes the third octets 1 to 8, below the reference gateways).
_PROFILE_SUBNET = 10
_SCALE_SUBNET = 1


class Profile(StrEnum):
    """How well a simulated gateway is configured."""

    VULNERABLE = "vulnerable"
    MEDIUM = "moyenne"
    HARDENED = "durcie"
    SCALE = "echelle"


class Transport(StrEnum):
    """Transport protocol of a service."""

    TCP = "tcp"
    UDP = "udp"


class ServiceKind(StrEnum):
    """What answers on a port; decides which daemon serves it and how readiness is probed."""

    TELNET = "telnet"
    FTP = "ftp"
    HTTP = "http"
    HTTPS = "https"
    DEBUG_CONSOLE = "console"
    MQTT = "mqtt"
    MQTTS = "mqtts"
    SNMP = "snmp"
    MODBUS = "modbus"
    SSH = "ssh"
    COAP = "coap"
    SMB = "smb"
    RTSP = "rtsp"
    CWMP = "cwmp"
    DVR = "dvr"
    SEMTECH_UDP = "semtech-udp"


@dataclass(frozen=True)
class Service:
    """One service of a gateway.

    Attributes:
        kind: what answers.
        port: port number.
        transport: tcp or udp.
        description: French sentence saying what the service simulates.
    """

    kind: ServiceKind
    port: int
    transport: Transport
    description: str

    @property
    def protocol_name(self) -> str:
        """Name an integrator writes in ``ports_attendus`` (the debug console is plain http)."""
        return "http" if self.kind is ServiceKind.DEBUG_CONSOLE else self.kind.value

    @property
    def declaration(self) -> str:
        """The service as written in an audit file: ``8883/tcp mqtts``."""
        return f"{self.port}/{self.transport.value} {self.protocol_name}"


#: A gateway's address: IPv4 in the lab's block, or the IPv6 loopback.
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class LabGateway:
    """A simulated gateway of the lab: a name, one loopback address, a profile and its services.

    Not the gateway an audit file declares: the lab knows nothing of audit files.
    """

    name: str
    address: IPAddress
    profile: Profile
    services: tuple[Service, ...]

    def service(self, kind: ServiceKind) -> Service | None:
        """The service of that kind, if the gateway has one."""
        return next((service for service in self.services if service.kind is kind), None)

    @property
    def ipv6(self) -> bool:
        """True for the gateway on ::1."""
        return self.address.version == 6

    @property
    def host(self) -> str:
        """The address as written before a port or in a URL: ``127.0.10.1``, ``[::1]``."""
        return f"[{self.address}]" if self.ipv6 else str(self.address)

    def endpoint(self, port: int) -> str:
        """Address and port, as daemons and messages write them: ``127.0.10.1:22``, ``[::1]:22``."""
        return f"{self.host}:{port}"


def _tcp(kind: ServiceKind, port: int, description: str) -> Service:
    return Service(kind, port, Transport.TCP, description)


def _udp(kind: ServiceKind, port: int, description: str) -> Service:
    return Service(kind, port, Transport.UDP, description)


_VULNERABLE_SERVICES = (
    _tcp(ServiceKind.TELNET, 23, "telnet BusyBox : invite de connexion, toute connexion est refusée"),
    _tcp(ServiceKind.FTP, 21, "FTP anonyme en lecture seule (vsftpd)"),
    _tcp(ServiceKind.HTTP, 80, "page d'administration en HTTP, authentification Basic admin/admin"),
    _tcp(ServiceKind.MQTT, 1883, "MQTT en clair, clients anonymes acceptés (mosquitto)"),
    _udp(ServiceKind.SNMP, 161, "SNMP v2c, communautés « public » et « private » (net-snmp)"),
    _tcp(ServiceKind.MODBUS, 502, "Modbus/TCP sans authentification (pymodbus)"),
    _tcp(ServiceKind.DEBUG_CONSOLE, 1880, "console de débogage façon Node-RED, non déclarée"),
    _tcp(ServiceKind.SMB, 445, "partage SMB de supervision laissé par l'intégrateur, SMBv1 encore actif (Samba)"),
    _tcp(ServiceKind.RTSP, 554, "flux RTSP de l'enregistreur des caméras, sans authentification (gst-rtsp-server)"),
    _tcp(ServiceKind.CWMP, 7547, "demande de connexion TR-069 (CWMP) du routeur 4G, Digest (lighttpd)"),
    _tcp(ServiceKind.DVR, 37777, "port constructeur d'enregistreur façon Dahua : écouteur muet, sans le protocole"),
    _tcp(ServiceKind.DVR, 34567, "port constructeur d'enregistreur façon XMEye : écouteur muet, sans le protocole"),
)
_MEDIUM_SERVICES = (
    _tcp(ServiceKind.SSH, 22, "SSH : mots de passe acceptés, algorithmes faibles proposés (OpenSSH)"),
    _tcp(ServiceKind.HTTPS, 443, "HTTPS : TLS 1.0 et 1.1 actifs, certificat autosigné expiré"),
    _tcp(ServiceKind.MQTT, 1883, "MQTT en clair, authentification exigée (mosquitto)"),
    _udp(ServiceKind.COAP, 5683, "CoAP sans DTLS, ressources listables (aiocoap)"),
    _udp(ServiceKind.SEMTECH_UDP, 1700, "pont LoRaWAN Semtech UDP ouvert à tous : PUSH_DATA et PULL_DATA acquittés"),
)
_HARDENED_SERVICES = (
    _tcp(ServiceKind.SSH, 22, "SSH : clés publiques seulement, algorithmes modernes (OpenSSH)"),
    _tcp(ServiceKind.HTTPS, 443, "HTTPS : TLS 1.2 et plus, certificat de l'AC du laboratoire, en-têtes"),
    _tcp(ServiceKind.MQTTS, 8883, "MQTT sur TLS avec authentification (mosquitto)"),
)
_SCALE_SERVICES = (
    _tcp(ServiceKind.SSH, 22, "SSH d'administration (OpenSSH)"),
    _tcp(ServiceKind.HTTP, 80, "page d'état en HTTP"),
    _tcp(ServiceKind.MQTT, 1883, "MQTT en clair, authentification exigée (mosquitto)"),
)

_REFERENCE_GATEWAYS = (
    ("eclairage-armoire-01", Profile.VULNERABLE, _VULNERABLE_SERVICES),
    ("telereleve-eau-01", Profile.MEDIUM, _MEDIUM_SERVICES),
    ("passerelle-durcie-01", Profile.HARDENED, _HARDENED_SERVICES),
)


def parse_network(text: str) -> ipaddress.IPv4Network:
    """The lab's block from its text form (``127.B.0.0/16``).

    Raises:
        InvalidInputError: in French, for anything but a /16 inside 127.0.0.0/8.
    """
    hint = "un bloc /16 de la boucle locale est attendu, par exemple 127.0.0.0/16 ou 127.42.0.0/16"
    try:
        network = ipaddress.ip_network(text.strip(), strict=True)
    except ValueError:
        raise InvalidInputError(Problem(f"réseau du laboratoire « {text} » invalide : {hint}")) from None
    if not isinstance(network, ipaddress.IPv4Network) or network.prefixlen != 16:
        raise InvalidInputError(Problem(f"réseau du laboratoire « {text} » refusé : {hint}"))
    if not network.subnet_of(_LOOPBACK):
        raise InvalidInputError(
            Problem(
                f"réseau du laboratoire « {text} » refusé : le laboratoire n'écoute que sur la boucle "
                f"locale (127.0.0.0/8) ; {hint}"
            )
        )
    return network


def network_from_env() -> ipaddress.IPv4Network:
    """The block named by ``AUDIT_TI_LAB_RESEAU``, else the default 127.0.0.0/16."""
    text = os.environ.get(LAB_NETWORK_ENV, "").strip()
    return parse_network(text) if text else DEFAULT_NETWORK


_YES = {"1", "oui", "o", "yes", "y", "true", "vrai", "on"}
_NO = {"0", "non", "n", "no", "false", "faux", "off"}


def ipv6_from_env(default: bool = True) -> bool:
    """Whether ``AUDIT_TI_LAB_IPV6`` asks for the IPv6 gateway (``default`` when unset or empty).

    Raises:
        InvalidInputError: in French, for a value that is neither yes nor no.
    """
    text = os.environ.get(LAB_IPV6_ENV, "").strip().lower()
    if not text:
        return default
    if text in _YES | _NO:
        return text in _YES
    raise InvalidInputError(
        Problem(f"{LAB_IPV6_ENV}=« {text} » : valeur attendue 1 ou 0 (oui ou non) pour la passerelle IPv6")
    )


def _scale_address(base: ipaddress.IPv4Address, index: int) -> ipaddress.IPv4Address:
    """Address of the scale gateway ``index`` (from 1): 127.B.1.1 … 127.B.1.250, then 127.B.2.1 …"""
    subnet, host = divmod(index - 1, SCALE_PER_SUBNET)
    return base + (_SCALE_SUBNET + subnet) * 256 + host + 1


@dataclass(frozen=True)
class LabLayout:
    """Every gateway of one lab, with its address and services (pure data)."""

    network: ipaddress.IPv4Network
    scale_count: int
    gateways: tuple[LabGateway, ...]
    ipv6: bool = False

    @classmethod
    def build(
        cls, network: ipaddress.IPv4Network = DEFAULT_NETWORK, scale_count: int = 0, *, ipv6: bool = False
    ) -> LabLayout:
        """The three reference gateways, the IPv6 one if asked, then ``scale_count`` light ones (127.B.1.1 …,
        250 per /24: the 251st is 127.B.2.1).

        Raises:
            InvalidInputError: the block is not a loopback /16, or the count is out of range.
        """
        network = parse_network(str(network))
        if not 0 <= scale_count <= MAX_SCALE_GATEWAYS:
            raise InvalidInputError(
                Problem(f"nombre de passerelles d'échelle {scale_count} hors de la plage 0–{MAX_SCALE_GATEWAYS}")
            )
        base = network.network_address
        gateways = [
            LabGateway(name, base + _PROFILE_SUBNET * 256 + index, profile, services)
            for index, (name, profile, services) in enumerate(_REFERENCE_GATEWAYS, start=1)
        ]
        if ipv6:
            gateways.append(LabGateway(IPV6_GATEWAY, IPV6_ADDRESS, Profile.HARDENED, _HARDENED_SERVICES))
        gateways += [
            LabGateway(
                f"capteurs-stationnement-{index:03d}",
                _scale_address(base, index),
                Profile.SCALE,
                _SCALE_SERVICES,
            )
            for index in range(1, scale_count + 1)
        ]
        return cls(network, scale_count, tuple(gateways), ipv6)

    def of_profile(self, profile: Profile) -> tuple[LabGateway, ...]:
        """The gateways of one profile, in layout order."""
        return tuple(gateway for gateway in self.gateways if gateway.profile is profile)

    def reference(self, profile: Profile) -> LabGateway:
        """The single IPv4 reference gateway of a non-scale profile (the IPv6 one: ``ipv6_gateway``)."""
        (gateway,) = (gateway for gateway in self.of_profile(profile) if not gateway.ipv6)
        return gateway

    @property
    def ipv6_gateway(self) -> LabGateway | None:
        """The gateway on ::1, if the lab has it."""
        return next((gateway for gateway in self.gateways if gateway.ipv6), None)

    @property
    def references(self) -> tuple[LabGateway, ...]:
        """The gateways shown one by one: the three reference ones and the IPv6 one (not the fleet)."""
        return tuple(gateway for gateway in self.gateways if gateway.profile is not Profile.SCALE)

    @property
    def fleet(self) -> tuple[LabGateway, ...]:
        """The scale gateways."""
        return self.of_profile(Profile.SCALE)

    def gateway(self, name: str) -> LabGateway:
        """The gateway of that name.

        Raises:
            KeyError: no such gateway.
        """
        for gateway in self.gateways:
            if gateway.name == name:
                return gateway
        raise KeyError(name)

    def endpoints(self) -> Iterator[tuple[LabGateway, Service]]:
        """Every (gateway, service) pair, gateway by gateway."""
        for gateway in self.gateways:
            for service in gateway.services:
                yield gateway, service

    def serving(self, *kinds: ServiceKind) -> list[tuple[LabGateway, Service]]:
        """The (gateway, service) pairs whose service is of one of ``kinds``."""
        return [(gateway, service) for gateway, service in self.endpoints() if service.kind in kinds]

    def addresses(self) -> list[IPAddress]:
        """Every address the lab listens on."""
        return [gateway.address for gateway in self.gateways]
