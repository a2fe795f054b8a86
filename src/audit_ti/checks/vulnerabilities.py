"""Software with known vulnerabilities or past its end of support, from versions nmap identified.

Compared against the feeds the audit names (NVD CVE JSON 2.0, CISA KEV) and the project's
end-of-life list, all read offline. A version nmap could not identify proves nothing: the
requirement is never « conforme » for a port whose version is unknown, nor without a feed.
"""

from __future__ import annotations

from datetime import date

from audit_ti.checks import confidence
from audit_ti.checks.context import GatewayContext, Observation, worst
from audit_ti.checks.registry import CheckCatalog
from audit_ti.checks.versions import Component, branch_of, components_of, distribution_release, in_range
from audit_ti.models.enums import Status
from audit_ti.models.vulnerabilities import KnownVulnerability, VulnerabilityKnowledge, parse_cpe
from audit_ti.text import french_number

__all__ = ["BACKPORTED", "CHECKS", "end_of_life", "known_vulnerabilities"]

CHECKS = CheckCatalog()

#: A version read from a distribution package's banner: the fix may have been backported
#: (OpenVAS rates such detections « remote_banner_unreliable », 30 %).
BACKPORTED = 30

#: CVEs named per component before « et N autres ».
_SHOWN = 5

_SEVERITIES = {"CRITICAL": "critique", "HIGH": "élevée", "MEDIUM": "moyenne", "LOW": "faible", "NONE": "nulle"}


def _components(context: GatewayContext) -> list[Component]:
    found = [component for port in context.host.open_ports() for component in components_of(port)]
    gateway = context.gateway
    if gateway.firmware_cpe:
        cpe = parse_cpe(gateway.firmware_cpe)
        if cpe is not None:
            version = cpe.version or (gateway.firmware or "")
            found.append(Component("micrologiciel déclaré", gateway.device_model, cpe, version, declared=True))
    return found


def _unidentified(component: Component) -> str:
    if component.cpe is None:
        return f"{component.where} {component.label or 'service'} : produit non identifié par nmap (aucun CPE)"
    return f"{component.where} {component.label} : version non identifiée"


def _exploitation(cve: KnownVulnerability, knowledge: VulnerabilityKnowledge) -> str:
    if not knowledge.kev_source:
        return "exploitation non vérifiée (catalogue KEV non fourni)"
    entry = knowledge.exploited.get(cve.cve_id)
    if entry is None:
        return "absente du catalogue KEV"
    ransomware = ", utilisée par des rançongiciels" if entry.ransomware else ""
    return f"exploitée (catalogue KEV de la CISA, depuis le {entry.date_added}{ransomware})"


def _cvss(cve: KnownVulnerability) -> str:
    if cve.score is None:
        return "CVSS inconnu"
    severity = _SEVERITIES.get(cve.severity.upper(), cve.severity.lower())
    return f"CVSS {french_number(cve.score, '.1f')} {severity}".strip()


def _matching(component: Component, knowledge: VulnerabilityKnowledge) -> list[KnownVulnerability]:
    assert component.cpe is not None
    candidates = knowledge.by_product.get(component.cpe.key, ())
    found = [
        cve
        for cve in candidates
        if any(in_range(component.version, bounds) for bounds in cve.affected.get(component.cpe.key, ()))
    ]
    # Exploited first, then the worst score.
    return sorted(found, key=lambda cve: (cve.cve_id not in knowledge.exploited, -(cve.score or 0), cve.cve_id))


def _component_observation(component: Component, knowledge: VulnerabilityKnowledge) -> tuple[Status, int, str]:
    if component.cpe is None or not component.version:
        return Status.TO_VERIFY, confidence.NONE, _unidentified(component)
    found = _matching(component, knowledge)
    if not found:
        return Status.COMPLIANT, confidence.BANNER, f"{component.where} {component.label} : aucune CVE connue des flux"
    listed = "; ".join(f"{cve.cve_id} ({_cvss(cve)}, {_exploitation(cve, knowledge)})" for cve in found[:_SHOWN])
    more = f" et {len(found) - _SHOWN} autre(s)" if len(found) > _SHOWN else ""
    said = f"{component.where} {component.label} : {listed}{more}"
    if component.declared:
        return Status.NON_COMPLIANT, confidence.DECLARED, said
    if component.package:
        # The distribution may have fixed it without changing the upstream number.
        return (
            Status.TO_VERIFY,
            BACKPORTED,
            f"{said} — version empaquetée ({component.package}) : vérifier dans le suivi de sécurité de la "
            "distribution si le correctif y a été reporté",
        )
    return Status.NON_COMPLIANT, confidence.BANNER, said


@CHECKS.check(
    "vulnerabilites_connues",
    description="Les versions identifiées par nmap (et le micrologiciel déclaré) n'ont aucune CVE connue des flux "
    "NVD fournis ; les CVE du catalogue KEV de la CISA sont signalées exploitées.",
)
def known_vulnerabilities(context: GatewayContext, _params: object) -> Observation:
    """Compare every identified version with the NVD feeds; name the CVEs and whether they are exploited."""
    knowledge = context.knowledge
    if not knowledge.has_cves:
        return Observation(
            Status.NOT_TESTED,
            confidence.NONE,
            "aucun flux de vulnérabilités NVD configuré (clé « vulnerabilites.nvd » du fichier d'audit) : "
            "les versions n'ont été comparées à aucune base",
        )
    components = _components(context)
    if not components:
        return _NOTHING_TO_COMPARE
    outcomes = [_component_observation(component, knowledge) for component in components]
    status, level = _worst(outcomes)
    shown = [outcome[2] for outcome in outcomes if outcome[0] is not Status.COMPLIANT or status is Status.COMPLIANT]
    sources = ", ".join(knowledge.nvd_sources) + (f" ; {knowledge.kev_source}" if knowledge.kev_source else "")
    return Observation(status, level, f"{' | '.join(shown)} [flux : {sources}]")


_NOTHING_TO_COMPARE = Observation(
    Status.NOT_APPLICABLE, confidence.ABSENT, "aucun service ouvert, aucun micrologiciel décrit"
)


def _worst(outcomes: list[tuple[Status, int, str]]) -> tuple[Status, int]:
    """The worst status of the components, with the lowest confidence among those that gave it."""
    status = worst([outcome[0] for outcome in outcomes])
    return status, min(outcome[1] for outcome in outcomes if outcome[0] is status)


def _end_of_life(component: Component, knowledge: VulnerabilityKnowledge, today: date) -> tuple[Status, int, str]:
    """Unknown products and versions leave the list silent: « non testé », never « conforme »."""
    if component.cpe is None or not component.version:
        return Status.NOT_TESTED, confidence.NONE, _unidentified(component)
    product = knowledge.end_of_life.get(component.cpe.key)
    branch = (
        None if product is None else next((b for b in product.branches if branch_of(component.version, b.branch)), None)
    )
    if product is None or branch is None:
        said = f"{component.where} {component.label} : absent de la liste des fins de support"
        return Status.NOT_TESTED, confidence.NONE, said
    level = confidence.DECLARED if component.declared else confidence.BANNER
    if branch.end_of_support < today:
        said = (
            f"{component.where} {component.label} : branche {product.name} {branch.branch} sans support depuis le "
            f"{branch.end_of_support.isoformat()} ({branch.source})"
        )
        return Status.NON_COMPLIANT, level, said
    said = (
        f"{component.where} {component.label} : branche {product.name} {branch.branch} supportée jusqu'au "
        f"{branch.end_of_support.isoformat()}"
    )
    return Status.COMPLIANT, level, said


@CHECKS.check(
    "fin_de_vie",
    description="Aucune version identifiée (ni le micrologiciel déclaré) n'appartient à une branche dont le support "
    "a pris fin, d'après la liste grilles/donnees/fin-de-vie.yaml.",
)
def end_of_life(context: GatewayContext, _params: object) -> Observation:
    """Compare every identified version with the end-of-life list kept with the grilles."""
    knowledge = context.knowledge
    if not knowledge.end_of_life:
        return Observation(
            Status.NOT_TESTED, confidence.NONE, "liste des fins de support absente (grilles/donnees/fin-de-vie.yaml)"
        )
    components = _components(context)
    if not components:
        return _NOTHING_TO_COMPARE
    # The distribution a package banner names (« +deb12u10 » : Debian 12) has its own end of support.
    components += [release for component in components if (release := distribution_release(component))]
    outcomes = [_end_of_life(component, knowledge, context.today) for component in components]
    return Observation(*_worst(outcomes), " | ".join(outcome[2] for outcome in outcomes))
