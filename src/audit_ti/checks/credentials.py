"""Factory credentials on every authentication prompt: only a real attempt may say « conforme ».

An NSE script that knows some vendors' fingerprints and found nothing says nothing about the
credentials of a device it does not know. So on each open service that can ask for a password,
the intrusive profile tries a short, documented list (``grilles/identifiants-usine.yaml``) with
nmap's brute scripts (and audit-ti's own for MQTT), one guess at a time at a bounded rate. The
finding is « conforme » only when guesses were really made and all refused, and its evidence says
how many; « non conforme » when one was accepted (the account is named, never the password);
« non applicable » when the service showed it takes no password; « à vérifier » otherwise,
in the safe profile in particular, since nothing was tried.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from pydantic import Field

from audit_ti.checks import confidence
from audit_ti.checks.context import GatewayContext, Observation, worst
from audit_ti.checks.registry import CheckCatalog
from audit_ti.checks.selection import NseScriptId, PortSelection, Regex, needs_named_ports, not_run_reason, script_ran
from audit_ti.models.enums import Status
from audit_ti.models.facts import PortFacts, ScriptOutput, ScriptTable
from audit_ti.models.nse import NSE_SCRIPTS

__all__ = ["CHECKS", "FactoryCredentialsParams", "factory_credentials"]

CHECKS = CheckCatalog()

_GUESSES = re.compile(r"Performed (\d{1,9}) guesses")
_VALID = "valid credentials"


class FactoryCredentialsParams(PortSelection):
    """Where a password prompt may be, and which scripts try the factory credentials there."""

    scripts: list[NseScriptId] = Field(
        min_length=1,
        description="Scripts NSE qui essaient la liste d'identifiants d'usine (ou reconnaissent ceux d'un produit).",
    )
    no_prompt: list[Regex] = Field(
        default_factory=list,
        alias="sans_invite",
        description="Motifs d'une sortie qui montre que le service ne demande aucun mot de passe.",
    )
    list_id: str = Field(
        default="identifiants-usine",
        alias="liste",
        pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$",
        description="Liste des identifiants essayés (fichier du dossier grilles/).",
    )

    def required_scripts(self) -> frozenset[str]:
        return frozenset(self.scripts)

    def credential_lists(self) -> frozenset[str]:
        return frozenset({self.list_id})

    # Read on every port of every gateway: compiled on first use, like the port selector.
    @cached_property
    def no_prompt_patterns(self) -> tuple[re.Pattern[str], ...]:
        """The ``sans_invite`` patterns, compiled (case ignored)."""
        return tuple(re.compile(pattern, re.IGNORECASE) for pattern in self.no_prompt)


@dataclass(frozen=True, slots=True)
class _Attempt:
    """What the scripts said on one port."""

    accepted: tuple[str, ...]
    guesses: int
    no_prompt: bool
    other: tuple[str, ...]


def _accounts(table: ScriptTable) -> Iterator[tuple[str | None, str | None]]:
    """(username, state) of every credential a script reports, nested tables included."""
    if table.elem("password") is not None:
        yield table.elem("username"), table.elem("state")
    for child in table.tables:
        yield from _accounts(child)


def _read(output: ScriptOutput, no_prompt: Iterable[re.Pattern[str]]) -> _Attempt:
    accepted = []
    other = []
    for username, state in _accounts(output.structure):
        who = f"compte « {username} »" if username else "communauté"
        if state is None or _VALID in state.lower():
            accepted.append(f"{who} : identifiant d'usine accepté ({output.id})")
        else:
            other.append(f"{who} : {state} ({output.id})")
    # The count is in the flat output and again in the structure: read it once.
    statistics = output.structure.elem("Statistics") or output.output
    guesses = sum(int(match[1]) for match in _GUESSES.finditer(statistics))
    refused = any(pattern.search(output.text) for pattern in no_prompt)
    error = output.structure.elem("ERROR") or (output.output if "ERROR" in output.output else None)
    if error:
        # The brute engine stopped (too many errors, lockout…): the guesses it made prove nothing.
        other.append(f"{output.id} interrompu : {' '.join(error.split())[:200]}")
    if not accepted and not guesses and not refused and not other:
        other.append(f"{output.id} : {output.summary[:200]}")
    return _Attempt(tuple(accepted), guesses, refused, tuple(other))


def _port(context: GatewayContext, port: PortFacts, params: FactoryCredentialsParams) -> tuple[Status, int, str]:
    ran = [script for script in params.scripts if script_ran(context, script, [port])]
    if not ran:
        reason = not_run_reason(context, params.scripts[0])
        return Status.TO_VERIFY, confidence.NONE, f"{port.description} : identifiants d'usine non essayés ({reason})"
    attempts = [
        _read(output, params.no_prompt_patterns) for script in ran if (output := port.script(script)) is not None
    ]
    accepted = [text for attempt in attempts for text in attempt.accepted]
    if accepted:
        return Status.NON_COMPLIANT, confidence.CONFIRMED, f"{port.label} : {'; '.join(accepted)}"
    other = [text for attempt in attempts for text in attempt.other]
    guesses = sum(attempt.guesses for attempt in attempts)
    if guesses and not other:
        return (
            Status.COMPLIANT,
            confidence.TRIED,
            f"{port.label} : {guesses} identifiant(s) d'usine essayé(s) ({', '.join(ran)}), aucun accepté",
        )
    if any(attempt.no_prompt for attempt in attempts) and not other:
        return Status.NOT_APPLICABLE, confidence.PROBED, f"{port.label} : aucune authentification par mot de passe"
    silent = [script for script in ran if port.script(script) is None]
    if not attempts and silent and all(NSE_SCRIPTS[script].silence for script in silent):
        said = "; ".join(NSE_SCRIPTS[script].silence for script in silent)
        return Status.COMPLIANT, confidence.TRIED, f"{port.label} : {said} ({', '.join(silent)})"
    why = "; ".join(other) if other else "aucun script n'a pu essayer d'identifiant"
    return Status.TO_VERIFY, confidence.NONE, f"{port.label} : essai sans conclusion ({why})"


@CHECKS.check(
    "identifiants_usine",
    params=FactoryCredentialsParams,
    description="Des identifiants d'usine ouvrent un service qui demande une authentification.",
)
@needs_named_ports
def factory_credentials(context: GatewayContext, params: FactoryCredentialsParams) -> Observation:
    """Try-or-say-so on every open service the grille names (telnet, FTP, SSH, HTTP, MQTT, SNMP)."""
    relevant = params.selector.pick(context.host)
    if not relevant:
        names = "/".join(params.services) or "de ce type"
        return Observation(Status.NOT_APPLICABLE, confidence.ABSENT, f"aucun service {names}")
    results = [_port(context, port, params) for port in relevant]
    status = worst([status for status, _, _ in results])
    deciding = [level for result_status, level, _ in results if result_status is status]
    return Observation(status, min(deciding), "; ".join(text for _, _, text in results))
