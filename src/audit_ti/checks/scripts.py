"""Checks that read what an NSE script printed: rules on its output, forbidden values, HTTP headers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property

from pydantic import Field, model_validator

from audit_ti.checks import confidence
from audit_ti.checks.context import GatewayContext, Observation, worst
from audit_ti.checks.registry import CheckCatalog, CheckParams
from audit_ti.checks.selection import (
    NO_HTTPS_SERVICE,
    SERVICE_ABSENT,
    NseScriptId,
    PortSelection,
    Regex,
    needs_named_ports,
    script_not_run,
    script_ran,
)
from audit_ti.models.enums import Status
from audit_ti.models.facts import PortFacts, ScriptOutput
from audit_ti.models.nse import NSE_SCRIPTS
from audit_ti.models.scan_facts import AUTHORITY_SUFFIX

__all__ = ["CHECKS", "ForbiddenValuesParams", "HeadersParams", "ScriptResultParams", "ScriptRule"]

CHECKS = CheckCatalog()


class ScriptRule(CheckParams):
    """If the script output matches ``pattern``, the status is ``status``."""

    pattern: Regex = Field(alias="motif", description="Expression régulière cherchée dans la sortie du script.")
    status: Status = Field(alias="statut")

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """The compiled pattern, case-insensitive."""
        return re.compile(self.pattern, re.IGNORECASE)


class ScriptResultParams(PortSelection):
    """What an NSE script's output means for the requirement."""

    script: NseScriptId = Field(description="Identifiant du script NSE.")
    rules: list[ScriptRule] = Field(
        alias="regles", min_length=1, description="La première règle qui s'applique décide."
    )
    no_output: Status = Field(
        alias="sans_sortie",
        description="Statut quand le script a tourné sur le service sans rien afficher ; « conforme » n'est admis "
        "que pour les scripts dont le silence prouve quelque chose (ftp-anon, sshv1…).",
    )
    unmatched: Status = Field(
        default=Status.TO_VERIFY, alias="autre_sortie", description="Statut quand aucune règle ne s'applique."
    )
    absent: Status = Field(
        default=Status.NOT_APPLICABLE,
        alias="service_absent",
        description="Statut quand aucun port visé n'est ouvert (par défaut : non applicable).",
    )
    absent_evidence: str = Field(default="service absent", alias="preuve_service_absent")
    counter_test: bool = Field(
        default=False,
        alias="contre_epreuve",
        description="Le script est relancé avec le secret de la collectivité (scan.secrets) : quand il répond là où "
        "la valeur par défaut n'a rien donné, le service est bien présent et refuse la valeur par défaut (conforme).",
    )

    @model_validator(mode="after")
    def _silence_proves_something(self) -> ScriptResultParams:
        known = NSE_SCRIPTS.get(self.script)
        if self.no_output is Status.COMPLIANT and known is not None and not known.silence:
            raise ValueError(
                f"« sans_sortie: conforme » refusé : le silence du script « {self.script} » ne prouve rien "
                "(il ne reconnaît que ce qu'il connaît) ; utilisez « a_verifier »"
            )
        if self.unmatched is Status.COMPLIANT:
            raise ValueError(
                "« autre_sortie: conforme » refusé : une sortie qu'aucune règle ne reconnaît ne prouve rien"
            )
        return self

    def required_scripts(self) -> frozenset[str]:
        return frozenset({self.script})

    @cached_property
    def absent_observation(self) -> Observation:
        """The conclusion when none of the ports is open (the same for every such gateway)."""
        return Observation(self.absent, confidence.ABSENT, self.absent_evidence)


@CHECKS.check("resultat_script", params=ScriptResultParams, description="La sortie d'un script NSE décide du statut.")
@needs_named_ports
def script_result(context: GatewayContext, params: ScriptResultParams) -> Observation:
    """Read one NSE script's output on the relevant ports and apply the grille's rules."""
    relevant = params.selector.pick(context.host)
    if not relevant:
        return params.absent_observation
    if not script_ran(context, params.script, relevant):
        return script_not_run(context, params.script)
    known = NSE_SCRIPTS[params.script]
    silence = known.silence
    outputs: list[tuple[str, ScriptOutput | None, PortFacts | None]]
    if known.host_level:
        # A host script speaks once for the host, whichever of the ports it talked to.
        outputs = [(", ".join(port.label for port in relevant), context.host.script(params.script), None)]
    else:
        outputs = [(port.label, port.script(params.script), port) for port in relevant]
    statuses: list[Status] = []
    evidence: list[str] = []
    for label, output, port in outputs:
        authority = None
        if params.counter_test and output is None and port is not None:
            # The same script run with the authority's secret, kept apart in the facts.
            authority = port.script(params.script + AUTHORITY_SUFFIX)
        if authority is not None:
            statuses.append(Status.COMPLIANT)
            evidence.append(
                f"{label} : « {params.script} » sans réponse à la valeur par défaut, mais réponse avec le secret de "
                f"la collectivité ({authority.summary})"
            )
            continue
        if output is None:
            statuses.append(params.no_output)
            said = f" ({silence})" if silence and params.no_output is Status.COMPLIANT else ""
            evidence.append(f"{label} : « {params.script} » sans résultat{said}")
            continue
        rule = next((rule for rule in params.rules if rule.regex.search(output.text)), None)
        statuses.append(rule.status if rule else params.unmatched)
        evidence.append(f"{label} {params.script} : {output.summary}")
    status = worst(statuses)
    if status in (Status.NON_COMPLIANT, Status.PARTIAL):
        level = confidence.CONFIRMED
    elif status is Status.TO_VERIFY:
        level = confidence.NONE
    else:
        level = confidence.BANNER
    return Observation(status, level, "; ".join(evidence))


def _port_by_port(faults: str, level: int, unread: Sequence[str], unread_said: str, clean: str) -> Observation:
    """The conclusion of a script read port by port.

    Non-compliant with ``faults`` when some port showed one; else « à vérifier » when the output of
    a port could not be read (``unread_said`` on ``unread``); else compliant, with ``clean``.
    """
    if faults:
        return Observation(Status.NON_COMPLIANT, level, faults)
    if unread:
        return Observation(Status.TO_VERIFY, confidence.NONE, f"{unread_said} sur {', '.join(unread)}")
    return Observation(Status.COMPLIANT, confidence.BANNER, clean)


class ForbiddenValuesParams(PortSelection):
    """Values a script must not list (weak SSH algorithms in ``ssh2-enum-algos``…)."""

    script: NseScriptId
    tables: list[str] = Field(default_factory=list, description="Tables du script à lire ; vide : toutes.")
    forbidden: list[str] = Field(alias="interdits", min_length=1, description="Valeurs interdites (exactes).")

    def required_scripts(self) -> frozenset[str]:
        return frozenset({self.script})


@CHECKS.check(
    "valeurs_interdites", params=ForbiddenValuesParams, description="Un script NSE liste une valeur interdite."
)
@needs_named_ports
def forbidden_values(context: GatewayContext, params: ForbiddenValuesParams) -> Observation:
    """Non-compliant when the script lists a forbidden value; not applicable without the service.

    « Aucune valeur interdite » needs the script to have listed something on every relevant port:
    an output with none of the expected tables was not read.
    """
    relevant = params.selector.pick(context.host)
    if not relevant:
        return SERVICE_ABSENT
    if not script_ran(context, params.script, relevant):
        return script_not_run(context, params.script)
    forbidden = set(params.forbidden)
    bad: list[str] = []
    unread: list[str] = []
    for port in relevant:
        output = port.script(params.script)
        tables = (
            [t for t in output.structure.tables if not params.tables or t.key in params.tables]
            if output is not None
            else []
        )
        values = {value for table in tables for value in table.values()}
        if not values:
            unread.append(port.label)
            continue
        bad.extend(f"{port.label} {value}" for value in sorted(values & forbidden))
    return _port_by_port(
        "proposés : " + ", ".join(bad) if bad else "",
        confidence.CONFIRMED,
        unread,
        f"« {params.script} » sans liste lisible",
        "aucune valeur interdite proposée",
    )


class HeadersParams(CheckParams):
    """HTTP security headers every HTTPS administration page must send."""

    required: list[str] = Field(
        alias="requis", min_length=1, description="Noms d'en-têtes, par exemple Strict-Transport-Security."
    )

    def required_scripts(self) -> frozenset[str]:
        return frozenset({"http-security-headers"})


@CHECKS.check("en_tetes_securite", params=HeadersParams, description="En-têtes de sécurité des pages HTTPS.")
def security_headers(context: GatewayContext, params: HeadersParams) -> Observation:
    """Non-compliant when an HTTPS service omits a required header; « à vérifier » when a page was not read."""
    https = [
        port
        for port in context.host.open_ports()
        if port.service is not None and port.service.over_tls and port.service.name.startswith("http")
    ]
    if not https:
        return NO_HTTPS_SERVICE
    if not script_ran(context, "http-security-headers", https):
        return script_not_run(context, "http-security-headers")
    missing: list[str] = []
    unread: list[str] = []
    for port in https:
        output = port.script("http-security-headers")
        if output is None or not output.text.strip():
            unread.append(port.label)
            continue
        text = output.text.lower()
        missing.extend(f"{port.label} {name}" for name in params.required if name.lower() not in text)
    read = ", ".join(port.label for port in https)
    return _port_by_port(
        "en-têtes absents : " + ", ".join(missing) if missing else "",
        confidence.BANNER,
        unread,
        "en-têtes non lus (page sans réponse)",
        f"en-têtes présents sur {read} : {', '.join(params.required)}",
    )
