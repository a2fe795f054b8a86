"""Checks over the whole fleet: undeclared hosts, keys shared between gateways."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from audit_ti.checks import confidence
from audit_ti.checks.context import FleetContext, Observation, TargetedObservation
from audit_ti.checks.registry import CheckCatalog, CheckParams, CheckScope
from audit_ti.checks.selection import not_run_reason, script_ran
from audit_ti.models.enums import Status
from audit_ti.models.facts import HostFacts

__all__ = ["CHECKS", "InventoryParams", "SharedKeysParams"]

CHECKS = CheckCatalog(CheckScope.FLEET)

#: nmap's reason for a loopback address: every 127.x answers, so it says nothing about a device.
_LOCAL_REASONS = frozenset({"localhost-response", "user-set"})


class InventoryParams(CheckParams):
    """Hosts that answer in the audited ranges must be declared."""


def _present(host: HostFacts) -> bool:
    return host.answered and (host.reason not in _LOCAL_REASONS or any(True for _ in host.open_ports()))


@CHECKS.check("inventaire", params=InventoryParams, description="Équipements qui répondent sans être déclarés.")
def inventory(context: FleetContext, params: InventoryParams) -> list[TargetedObservation]:
    """One non-compliant finding per host that answered but is not declared."""
    rogue = [host for host in context.undeclared if _present(host)]
    if rogue:
        return [
            TargetedObservation(
                host.address,
                Observation(
                    Status.NON_COMPLIANT,
                    confidence.PROBED if any(True for _ in host.open_ports()) else confidence.PORT_ONLY,
                    f"{host.address} répond ({host.reason or 'présent'}) mais n'est pas déclaré ; ports ouverts : "
                    + (", ".join(port.label for port in host.open_ports()) or "aucun"),
                ),
            )
            for host in rogue
        ]
    if not context.discovery:
        why = (
            "le scan importé ne balaie aucune plage d'adresses : seuls les équipements qu'il nomme ont été vus"
            if context.coverage.imported
            else "aucune plage de découverte demandée (« scan.decouverte ») : "
            "seuls les équipements déclarés ont été scannés"
        )
        return [TargetedObservation(None, Observation(Status.NOT_TESTED, confidence.NONE, why))]
    return [
        TargetedObservation(
            None, Observation(Status.COMPLIANT, confidence.ABSENT, "aucun équipement non déclaré n'a répondu")
        )
    ]


FingerprintScript = Literal["ssh-hostkey", "ssl-cert"]
_FINGERPRINT_SCRIPTS: tuple[FingerprintScript, ...] = ("ssh-hostkey", "ssl-cert")


def _every_fingerprint_script() -> list[FingerprintScript]:
    return list(_FINGERPRINT_SCRIPTS)


class SharedKeysParams(CheckParams):
    """Each gateway must have its own SSH host key and TLS certificate."""

    scripts: list[FingerprintScript] = Field(
        default_factory=_every_fingerprint_script, description="Scripts dont les empreintes sont comparées."
    )

    def required_scripts(self) -> frozenset[str]:
        return frozenset(self.scripts)


def _fingerprints(host: HostFacts, scripts: Sequence[str]) -> set[str]:
    prints: set[str] = set()
    for port in host.open_ports():
        if "ssh-hostkey" in scripts and (ssh := port.script("ssh-hostkey")) is not None:
            prints.update(f"SSH {t.elem('fingerprint')}" for t in ssh.structure.tables if t.elem("fingerprint"))
        cert = port.script("ssl-cert") if "ssl-cert" in scripts else None
        if cert is not None and (sha1 := cert.structure.elem("sha1")):
            prints.add(f"TLS {sha1}")
    return prints


def _shared_with(value: str, owners: list[str], name: str) -> str:
    kind, fingerprint = value.split(maxsplit=1)
    return f"{kind} {fingerprint[:16]}… aussi sur {', '.join(owner for owner in owners if owner != name)}"


@CHECKS.check(
    "cles_partagees", params=SharedKeysParams, description="Clés SSH ou certificats communs à plusieurs passerelles."
)
def shared_keys(context: FleetContext, params: SharedKeysParams) -> list[TargetedObservation]:
    """Non-compliant for every gateway whose key or certificate another gateway also presents.

    « Own keys » is said only when the fingerprint scripts ran and every declared gateway was
    observed: a gateway the scan missed may share the key.
    """
    not_run = [
        script for script in params.scripts if not context.gateways or not script_ran(context.gateways[0], script)
    ]
    if context.gateways and len(not_run) == len(params.scripts):
        reason = "; ".join(not_run_reason(context.gateways[0], script) for script in not_run)
        return [
            TargetedObservation(gateway.name, Observation(Status.NOT_TESTED, confidence.NONE, reason))
            for gateway in context.gateways
        ]
    if len(context.gateways) + len(context.unobserved) < 2:
        return [
            TargetedObservation(
                gateway.name, Observation(Status.NOT_APPLICABLE, confidence.ABSENT, "une seule passerelle observée")
            )
            for gateway in context.gateways
        ]
    owners: dict[str, list[str]] = defaultdict(list)
    prints_of = {gateway.name: _fingerprints(gateway.host, params.scripts) for gateway in context.gateways}
    for name, prints in prints_of.items():
        for value in prints:
            owners[value].append(name)
    observations = []
    for gateway in context.gateways:
        shared = sorted(
            _shared_with(value, owners[value], gateway.name)
            for value in prints_of[gateway.name]
            if len(owners[value]) > 1
        )
        if shared:
            observations.append(
                TargetedObservation(
                    gateway.name, Observation(Status.NON_COMPLIANT, confidence.CONFIRMED, "; ".join(shared))
                )
            )
        elif prints_of[gateway.name] and context.unobserved:
            observations.append(
                TargetedObservation(
                    gateway.name,
                    Observation(
                        Status.TO_VERIFY,
                        confidence.NONE,
                        "clés propres parmi les passerelles observées ; non comparées à "
                        + ", ".join(context.unobserved)
                        + " (non observées)",
                    ),
                )
            )
        elif prints_of[gateway.name]:
            read = " et ".join(script for script in params.scripts if script not in not_run)
            observations.append(
                TargetedObservation(
                    gateway.name,
                    Observation(Status.COMPLIANT, confidence.BANNER, f"clés propres à la passerelle ({read})"),
                )
            )
        elif keyed := _keyed_ports(gateway.host):
            # A key-bearing service answered but no key was read: nothing observed, nothing concluded.
            said = f"{', '.join(keyed)} ouvert(s), mais aucune clé SSH ni aucun certificat n'a pu être lu"
            observations.append(TargetedObservation(gateway.name, Observation(Status.TO_VERIFY, confidence.NONE, said)))
        else:
            observations.append(
                TargetedObservation(
                    gateway.name,
                    Observation(Status.NOT_APPLICABLE, confidence.ABSENT, "aucun service SSH ni TLS ouvert"),
                )
            )
    return observations


def _keyed_ports(host: HostFacts) -> list[str]:
    """Open ports whose service presents an SSH host key or a TLS certificate."""
    return [
        port.label
        for port in host.open_ports()
        if port.service is not None and (port.service.name == "ssh" or port.service.over_tls)
    ]
