"""One light per audit of a run, and the rule that gives it: never green on what was not observed.

Each audit (the run itself, cybersecurity, AIPD, inclusion) gets the light of its worst reason;
the use case gets the worst light of its audits (``synthesis.synthesise``). The rule is stated
once, in ``RULE_STEPS``, in the words the reports print; ``audit_lines`` applies it.
"""

from __future__ import annotations

from pydantic import Field

from audit_ti.models.base import StrictModel
from audit_ti.models.enums import SectionState
from audit_ti.models.evaluation import Verdict
from audit_ti.models.labels import LabelledEnum
from audit_ti.models.scales import ActionStatus, InclusionLevel, InclusionVerdict, PrescreenVerdict
from audit_ti.report.views import RunResults
from audit_ti.text import french_number

__all__ = ["RULE", "RULE_STEPS", "AuditLine", "Light", "audit_lines"]


class Light(LabelledEnum):
    """The decision light of the use case."""

    GREEN = "vert", "Vert : rien de ce qui a été observé ne s'oppose au déploiement"
    ORANGE = "orange", "Orange : déploiement possible une fois les conditions remplies"
    RED = "rouge", "Rouge : ne pas déployer en l'état"

    @property
    def rank(self) -> int:
        """0 for green, 2 for red: the use case takes the highest."""
        return list(Light).index(self)


#: The rule, in the order it is applied (printed as is in the synthesis and in synthese.json).
RULE_STEPS = (
    "Rouge si l'un de ces points est vrai : l'exécution n'est pas complète (incomplète, en échec, sans "
    "manifeste, ou un fichier modifié ou supprimé depuis) ; le résultat cyber, l'AIPD ou l'évaluation d'inclusion "
    "manque ; le scan n'a pas tout observé ; le verdict cyber est « déploiement déconseillé » ; l'AIPD a un "
    "constat bloquant (obligatoire mais non validée, présélection incomplète, consultation préalable de la "
    "CNIL requise, AIPD refusée) ; l'inclusion a un critère bloquant non satisfait, le niveau IV ou un "
    "verdict défavorable.",
    "Sinon orange si l'un de ces points est vrai : le verdict cyber est « déploiement possible sous "
    "conditions » ; l'AIPD ou l'évaluation d'inclusion n'est pas terminée ; une action du plan d'action de "
    "l'AIPD reste à faire ; une AIPD recommandée n'est pas validée ; l'inclusion est au niveau III, "
    "favorable sous conditions, ou a des critères non renseignés ; la liste des constats cyber ou "
    "l'information du public manque.",
    "Sinon vert : tout a été observé et rien ne s'oppose au déploiement.",
)
RULE = " ".join(RULE_STEPS)


class AuditLine(StrictModel):
    """One audit of the run, its conclusion in words, its light and the reasons for it."""

    audit: str
    observed: bool = Field(alias="observe", description="Faux quand le résultat manque.")
    conclusion: str
    light: Light = Field(alias="feu")
    reasons: tuple[str, ...] = Field(alias="motifs")


def _line(audit: str, observed: bool, conclusion: str, red: list[str], orange: list[str]) -> AuditLine:
    light = Light.RED if red else Light.ORANGE if orange else Light.GREEN
    return AuditLine(audit=audit, observed=observed, conclusion=conclusion, light=light, reasons=(*red, *orange))


def _run_line(results: RunResults) -> AuditLine:
    red, orange = [], []
    manifest = results.manifest
    if manifest is None:
        red.append("manifeste absent : on ne sait pas comment l'exécution s'est terminée")
    elif manifest.status != "complet":
        red.append(f"exécution {manifest.status_label}")
    red += [f"{name} modifié ou supprimé après l'exécution" for name in results.altered]
    if results.findings is None and results.cyber is not None:
        orange.append("la liste des constats cyber manque")
    if results.notice is None:
        orange.append("l'information du public manque")
    conclusion = f"exécution {manifest.status_label}" if manifest is not None else "manifeste absent"
    return _line("Exécution", manifest is not None, conclusion, red, orange)


def _cyber_line(results: RunResults) -> AuditLine:
    cyber = results.cyber
    if cyber is None:
        return _line("Cybersécurité", False, "non observé", ["résultat absent : rien n'a été observé"], [])
    red, orange = [], []
    if not cyber.complete:
        red.append("le scan n'a pas tout observé")
    score = cyber.use_case
    index = f" (indice {french_number(score.index, '.1f')} sur 5)" if score.index is not None else ""
    if score.verdict is Verdict.UNFAVOURABLE:
        red.append(f"{score.verdict.label.lower()}{index}")
    elif score.verdict is Verdict.CONDITIONAL:
        orange.append(f"{score.verdict.label.lower()}{index}")
    return _line("Cybersécurité", True, f"{score.verdict.label}{index}", red, orange)


def _aipd_line(results: RunResults) -> AuditLine:
    aipd = results.aipd
    if aipd is None:
        return _line("AIPD", False, "non évaluée", ["résultat absent : rien n'a été évalué"], [])
    red = list(aipd.blocking)
    orange = []
    if aipd.state is not SectionState.DONE:
        orange.append("AIPD non terminée")
    pending = [a for a in aipd.action_plan if a.status in (ActionStatus.TO_DO, ActionStatus.IN_PROGRESS)]
    if pending:
        orange.append(f"{len(pending)} action(s) du plan d'action à mener")
    if aipd.prescreen.verdict is PrescreenVerdict.RECOMMENDED and not aipd.validation.is_validated:
        orange.append("AIPD recommandée, pas encore validée")
    if aipd.prescreen.requires_aipd:
        conclusion = f"{aipd.prescreen.label} ; validation : {aipd.validation.label}"
    else:
        # No AIPD is due: what stands is the pre-screen's conclusion and who signed it.
        decision = aipd.prescreen.signed
        signed = f"conclusion signée par {decision.by} le {decision.on:%d/%m/%Y}" if decision else "non signée"
        conclusion = f"{aipd.prescreen.label} ; {signed}"
    return _line("AIPD", True, conclusion, red, orange)


def _inclusion_line(results: RunResults) -> AuditLine:
    inclusion = results.inclusion
    if inclusion is None:
        return _line("Inclusion numérique", False, "non évaluée", ["résultat absent : rien n'a été évalué"], [])
    red, orange = [], []
    titles = [c.title for c in inclusion.criteria if c.blocking_unmet] or list(inclusion.blocking_unmet)
    if titles:
        red.append(f"critère bloquant non satisfait : {', '.join(titles)}")
    if inclusion.level is InclusionLevel.IV:
        red.append(f"niveau IV ({inclusion.level_title.lower()})")
    if inclusion.verdict is InclusionVerdict.UNFAVOURABLE:
        red.append(f"verdict {inclusion.verdict_label.lower()}")
    if inclusion.level is InclusionLevel.III:
        orange.append(f"niveau III ({inclusion.level_title.lower()})")
    if inclusion.verdict is InclusionVerdict.CONDITIONAL:
        orange.append(f"verdict {inclusion.verdict_label.lower()}")
    if inclusion.unanswered:
        orange.append(f"{len(inclusion.unanswered)} critère(s) non renseigné(s)")
    if inclusion.state is not SectionState.DONE:
        orange.append("évaluation non terminée")
    conclusion = f"niveau {inclusion.level.value} ({inclusion.level_title}) ; {inclusion.verdict_label.lower()}"
    return _line("Inclusion numérique", True, conclusion, red, orange)


def audit_lines(results: RunResults) -> tuple[AuditLine, ...]:
    """The run, then the three audits, each with its light by ``RULE_STEPS``."""
    return (_run_line(results), _cyber_line(results), _aipd_line(results), _inclusion_line(results))
