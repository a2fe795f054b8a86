"""Secrets the scan takes from the environment: read at scan time, handed to nmap in a private file, masked.

The audit file names the environment variable (``scan.secrets``), never the value. The value goes
to nmap through ``--script-args-file`` (a 0600 file in a 0700 folder, removed after the run), so
that it is neither on nmap's command line (``ps``, the XML's ``args``) nor in the manifest; every
text kept from that run (XML, nmap's messages) is masked before it is written.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from audit_ti.errors import InvalidInputError
from audit_ti.inputs.documents import problem_at
from audit_ti.models.audit import Audit
from audit_ti.models.scan_facts import AUTHORITY_SUFFIX
from audit_ti.scan.redaction import MASK

__all__ = [
    "AUTHORITY_SUFFIX",
    "COMMUNITY_SCRIPT",
    "ScanSecretValues",
    "community_arguments_file",
    "mask_secrets",
    "private_folder",
    "read_secrets",
]

#: The script the authority's SNMP community runs again (the counter-test of the « public » check).
COMMUNITY_SCRIPT = "snmp-sysdescr"

#: Characters nmap's script-argument parser would split on or misread (no quoting is attempted).
_UNSENDABLE = frozenset(",\"'{}=\n\r\0")
_MAX_LENGTH = 255


@dataclass(frozen=True)
class ScanSecretValues:
    """The secrets' values for one scan; never printed (``repr`` masks them)."""

    snmp_community: str | None = field(default=None, repr=False)

    @property
    def values(self) -> tuple[str, ...]:
        """Every value, to mask wherever a text may have caught one."""
        return tuple(value for value in (self.snmp_community,) if value)


def read_secrets(audit: Audit, environment: Mapping[str, str]) -> ScanSecretValues:
    """The values of the secrets the audit names, from ``environment``.

    Raises:
        InvalidInputError: a named variable is absent, empty or holds what nmap cannot receive
            (the message names the variable and the key, never the value).
    """
    name = audit.scan.secrets.snmp_community
    if name is None:
        return ScanSecretValues()
    loc = ("scan", "secrets", "communaute_snmp")
    value = environment.get(name, "")
    if not value:
        raise InvalidInputError(
            problem_at(
                audit,
                loc,
                f"la variable d'environnement {name} est absente ou vide : exportez-la avant de lancer le scan "
                "(sa valeur n'est jamais écrite, ni dans le fichier d'audit ni dans le dossier d'exécution)",
            )
        )
    if len(value) > _MAX_LENGTH or _UNSENDABLE & set(value):
        raise InvalidInputError(
            problem_at(
                audit,
                loc,
                f"la communauté SNMP de la variable {name} ne peut pas être transmise à nmap : au plus "
                f"{_MAX_LENGTH} caractères, sans virgule, guillemet, accolade, signe égal ni fin de ligne",
            )
        )
    return ScanSecretValues(snmp_community=value)


def mask_secrets(text: str, values: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret value replaced by the mask."""
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


@contextmanager
def private_folder() -> Iterator[Path]:
    """A temporary folder only its owner can read (0700), removed on exit, for files nmap must read.

    Its path holds no comma, quote or space: nmap's script arguments would split on them.
    """
    folder = Path(tempfile.mkdtemp(prefix="audit-ti-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def community_arguments_file(community: str) -> Iterator[Path]:
    """A private script-arguments file that gives the SNMP scripts the authority's community.

    nmap's ``creds`` library hands the SNMP helper the password of ``creds.snmp``: with an empty
    user, the community.
    """
    with private_folder() as folder:
        path = folder / "arguments-snmp.txt"
        path.touch(mode=0o600)
        path.write_text(f"creds.snmp=:{community}\n", encoding="utf-8")
        yield path
