"""Software versions as nmap reports them, compared the way vendors number them (``9.2p1``, ``1.1.1w``).

A banner gives the upstream version (``OpenSSH 9.2p1``) and sometimes the distribution package
(``Debian 2+deb12u10``): a distribution backports security fixes without changing the upstream
number, so a version read from a package banner says little about what was fixed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from audit_ti.models.facts import PortFacts
from audit_ti.models.vulnerabilities import Cpe, VersionRange, parse_cpe

#: Debian's security revisions name the release: « 2+deb12u10 » is a package of Debian 12.
_DEBIAN_RELEASE = re.compile(r"\+deb(\d+)u\d+")

__all__ = ["Component", "branch_of", "components_of", "distribution_release", "in_range", "version_key"]

_TOKEN = re.compile(r"\d+|[a-z]+")
_PRECISE = re.compile(r"^\d+(?:\.\d+)*[a-z0-9.+~_-]*$", re.IGNORECASE)
#: What nmap writes when it only knows a range of versions (« 2.0.8 or later », « 3.X - 4.X »).
_VAGUE = re.compile(r"\bor (?:later|earlier)\b|\s-\s|\b\d+\.x\b", re.IGNORECASE)
_PACKAGE = re.compile(r"\b(debian|ubuntu|raspbian|deb\d+u\d+|el\d+|fedora|alpine|\d+ubuntu\d+)", re.IGNORECASE)

VersionKey = tuple[tuple[int, int | str], ...]


def version_key(version: str) -> VersionKey:
    """A sortable key: numbers compare as numbers, letters as text (``9.2p1`` < ``9.8`` < ``9.8p1``)."""
    return tuple((1, int(token)) if token.isdigit() else (0, token) for token in _TOKEN.findall(version.lower()))


def in_range(version: str, bounds: VersionRange) -> bool:
    """True when ``version`` lies in the range of a CVE's ``cpeMatch``."""
    key = version_key(version)
    if bounds.exact:
        return key == version_key(bounds.exact)
    low_in, low_out = bounds.start_including, bounds.start_excluding
    high_in, high_out = bounds.end_including, bounds.end_excluding
    return (
        (not low_in or key >= version_key(low_in))
        and (not low_out or key > version_key(low_out))
        and (not high_in or key <= version_key(high_in))
        and (not high_out or key < version_key(high_out))
    )


def branch_of(version: str, branch: str) -> bool:
    """True when ``version`` belongs to ``branch`` (``1.1.1w`` to ``1.1.1``, not ``1.1.10`` nor ``1.1``'s ``1.10``)."""
    wanted = version_key(branch)
    return version_key(version)[: len(wanted)] == wanted


@dataclass(frozen=True, slots=True)
class Component:
    """A piece of software seen on a port (or declared), and how far its version can be trusted.

    Attributes:
        where: French label of where it was seen (``22/tcp``, « micrologiciel déclaré »).
        name: product name as nmap or the audit gives it.
        cpe: vendor and product; None when nothing names them.
        version: the upstream version, ``""`` when not identified precisely.
        package: the distribution package revision the banner shows (``Debian 2+deb12u10``), if any.
        declared: True for the firmware the audit declares (not observed).
    """

    where: str
    name: str
    cpe: Cpe | None
    version: str
    package: str = ""
    declared: bool = False

    @property
    def label(self) -> str:
        """« OpenSSH 9.2p1 (Debian 2+deb12u10) » as evidence shows it."""
        text = " ".join(part for part in (self.name, self.version) if part)
        return text + (f" ({self.package})" if self.package else "")


def _banner_version(version: str) -> tuple[str, str]:
    """(upstream version, package revision) of nmap's ``version`` attribute; ``""`` when vague."""
    if not version or _VAGUE.search(version):
        return "", ""
    first, _, rest = version.strip().partition(" ")
    if not _PRECISE.match(first):
        return "", ""
    return first, rest.strip() if _PACKAGE.search(rest) else ""


def components_of(port: PortFacts) -> list[Component]:
    """The applications nmap identified on an open port (its ``cpe:/a:`` names), or one unidentified component."""
    service = port.service
    if service is None:
        # An open port nmap could not name still runs something: unidentified, never passed over.
        return [Component(port.label, "service inconnu", None, "")]
    banner, package = _banner_version(service.version)
    applications = [cpe for cpe in (parse_cpe(name) for name in service.cpes) if cpe is not None and cpe.part == "a"]
    if not applications:
        return [Component(port.label, service.product or service.name, None, banner, package)]
    return [
        Component(
            port.label,
            service.product or cpe.product,
            cpe,
            cpe.version or (banner if len(applications) == 1 else ""),
            package,
        )
        for cpe in applications
    ]


def distribution_release(component: Component) -> Component | None:
    """The Debian release a package banner names, as a component of its own (for the end-of-life list only).

    Not for the CVE feeds: the NVD lists Debian releases as « vulnerable » platforms of thousands of CVEs
    of the packages they ship.
    """
    found = _DEBIAN_RELEASE.search(component.package)
    if found is None:
        return None
    return Component(component.where, "Debian", Cpe("o", "debian", "debian_linux", found.group(1)), found.group(1))
