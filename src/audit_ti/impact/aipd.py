"""The AIPD engine: pre-screen, risks on the CNIL map, prior consultation, action plan.

Every rule, list, threshold and zone comes from the referential (``grilles/aipd.yaml``); this
module only applies them and says, in French, which rule decided what and with which numbers.
"""

from __future__ import annotations

from datetime import date

from audit_ti.impact.cameras import camera_problems
from audit_ti.impact.metering import metering_problems
from audit_ti.impact.prior_consultation import prior_consultation
from audit_ti.models.aipd import AIPD_CONTEXT_KEYS, Action, AipdAnswers, RiskAnswer, RiskEstimate
from audit_ti.models.aipd_referential import AipdReferential, HostingRecommendation, ListedProcessing
from audit_ti.models.aipd_result import (
    ActionResult,
    AipdResult,
    CitedItem,
    MapPoint,
    MeasureResult,
    OpinionsResult,
    PrescreenResult,
    RiskLevelResult,
    RiskMap,
    RiskResult,
    SectionProgress,
)
from audit_ti.models.scales import ActionStatus, ItemEvaluation, PrescreenVerdict, ValidationState

__all__ = ["assess_aipd", "assess_prescreen", "measure_title", "risk_level"]


def assess_aipd(answers: AipdAnswers, referential: AipdReferential, case: str, audit_date: date) -> AipdResult:
    """The whole AIPD of a use case, assessed against the referential."""
    prescreen = assess_prescreen(answers, referential)
    risks = _risks(answers, referential)
    residuals = [risk.residual for risk in risks if risk.residual is not None]
    max_residual = max(residuals, key=lambda r: (r.zone_rank, r.severity, r.likelihood), default=None)
    consultation = prior_consultation(risks, answers, referential)
    plan = tuple(_action(action, answers, referential, audit_date) for action in answers.action_plan)
    result = AipdResult(
        case=case,
        referential=referential.id,
        referential_version=referential.version,
        audit_date=audit_date,
        state=answers.state,
        prescreen=prescreen,
        context=_context_progress(answers),
        principles=_principles_progress(answers, referential),
        measures=_measures(answers, referential),
        risks=risks,
        risk_map=_risk_map(risks, referential),
        max_residual=max_residual,
        prior_consultation=consultation,
        action_plan=plan,
        action_plan_cost_eur=round(sum(a.cost_eur or 0 for a in plan if a.status is not ActionStatus.DROPPED), 2),
        opinions=_opinions(answers, prescreen),
        validation=answers.validation.state,
        hosting=_hosting(answers, referential),
        blocking=(),
    )
    blocking = _blocking(result, answers) + _hosting_problems(answers, referential)
    blocking += metering_problems(answers, referential) + camera_problems(answers, referential)
    return result.model_copy(update={"blocking": blocking})


def assess_prescreen(answers: AipdAnswers, referential: AipdReferential) -> PrescreenResult:
    """Answer « AIPD obligatoire ? », with the rules applied in order and their numbers."""
    rules_data = referential.prescreen
    given = answers.prescreen
    met = tuple(
        CitedItem(id=c.id, title=c.title, justification=given.criteria[c.id].justification)
        for c in rules_data.criteria
        if c.id in given.criteria and given.criteria[c.id].met
    )
    unanswered = tuple(c.id for c in rules_data.criteria if c.id not in given.criteria)
    listed = _cited(rules_data.mandatory_list, given.listed)
    exempt = _cited(rules_data.exemption_list, given.exemptions)
    threshold = rules_data.mandatory_threshold
    rules: list[str] = []
    verdict: PrescreenVerdict | None = None

    if listed:
        verdict = PrescreenVerdict.MANDATORY
        rules.append(
            f"Règle 1 (RGPD art. 35.3 et liste CNIL) : le traitement relève de {len(listed)} type(s) de "
            f"traitement pour lesquels une AIPD est toujours requise ({_titles(listed)}) : AIPD obligatoire."
        )
    else:
        rules.append(
            "Règle 1 (RGPD art. 35.3 et liste CNIL) : aucun type de traitement de la liste n'est déclaré ; "
            "cette liste n'est pas exhaustive, les critères du CEPD ci-dessous restent à examiner."
        )
    if verdict is None and exempt:
        verdict = PrescreenVerdict.EXEMPT
        rules.append(
            f"Règle 2 (liste d'exemption de la CNIL) : le traitement relève de « {exempt[0].title} » : "
            "aucune AIPD n'est requise."
        )
    elif verdict is None:
        rules.append("Règle 2 (liste d'exemption de la CNIL) : aucune exemption n'est déclarée.")
    count = f"{len(met)} critère(s) du CEPD rempli(s) sur {len(rules_data.criteria)}"
    if verdict is None:
        if len(met) >= threshold and given.reasoned_exception is not None:
            verdict = PrescreenVerdict.REASONED_EXCEPTION
            decision = given.reasoned_exception
            rules.append(
                f"Règle 3 (CEPD) : {count} ({_titles(met)}), seuil {threshold} atteint : une AIPD est présumée "
                f"requise « dans la plupart des cas » (WP248) ; présomption écartée par décision motivée de "
                f"{decision.by} le {decision.on:%d/%m/%Y} : {decision.reasons}"
            )
        elif len(met) >= threshold:
            verdict = PrescreenVerdict.PRESUMED
            rules.append(
                f"Règle 3 (CEPD) : {count} ({_titles(met)}), seuil {threshold} atteint : AIPD requise, par "
                "présomption (WP248 : « dans la plupart des cas ») ; seule une exception motivée, visée par le "
                "délégué à la protection des données, peut l'écarter."
            )
        elif len(met) + len(unanswered) >= threshold:
            verdict = PrescreenVerdict.INCOMPLETE
            rules.append(
                f"Règle 3 (CEPD) : {count} et {len(unanswered)} non renseigné(s) ({', '.join(unanswered)}) : "
                f"le seuil de {threshold} peut encore être atteint, la présélection est à compléter."
            )
        elif len(met) >= rules_data.recommended_threshold:
            verdict = PrescreenVerdict.RECOMMENDED
            rules.append(f"Règle 3 (CEPD) : {count} ({_titles(met)}), sous le seuil de {threshold} : AIPD recommandée.")
        else:
            verdict = PrescreenVerdict.NOT_MANDATORY
            rules.append(f"Règle 3 (CEPD) : {count}, sous le seuil de {threshold} : AIPD non obligatoire.")
    return PrescreenResult(
        verdict=verdict,
        label=verdict.label,
        criteria_met=met,
        criteria_unanswered=unanswered,
        listed=listed,
        exemptions=exempt,
        rules=tuple(rules),
        guidance=rules_data.guidance.get(verdict, ""),
        reasoning=given.reasoning,
        signed=given.signed,
    )


def _cited(entries: list[ListedProcessing], given: dict[str, str]) -> tuple[CitedItem, ...]:
    return tuple(
        CitedItem(id=entry.id, title=entry.title, justification=given[entry.id])
        for entry in entries
        if entry.id in given
    )


def _titles(items: tuple[CitedItem, ...]) -> str:
    return " ; ".join(item.title for item in items)


def risk_level(estimate: RiskEstimate, referential: AipdReferential) -> RiskLevelResult:
    """A severity × likelihood point, with its labels and its zone of the risk map."""
    zone_id = referential.matrix.grid[estimate.severity - 1][estimate.likelihood - 1]
    zone = referential.zone(zone_id)
    return RiskLevelResult(
        severity=estimate.severity,
        severity_label=estimate.severity.label,
        likelihood=estimate.likelihood,
        likelihood_label=estimate.likelihood.label,
        zone=zone_id,
        zone_label=zone.label if zone else zone_id,
        zone_rank=zone.rank if zone else 0,
    )


def _risks(answers: AipdAnswers, referential: AipdReferential) -> tuple[RiskResult, ...]:
    results = []
    for event in referential.feared_events:
        results.append(
            _risk(
                event.id,
                title=event.title,
                letter=event.letter,
                custom=False,
                answer=answers.risks.get(event.id),
                answers=answers,
                referential=referential,
            )
        )
    custom = [risk_id for risk_id in answers.risks if referential.feared_event(risk_id) is None]
    for number, risk_id in enumerate(custom, start=1):
        answer = answers.risks[risk_id]
        results.append(
            _risk(
                risk_id,
                title=answer.title or risk_id,
                letter=f"R{number}",
                custom=True,
                answer=answer,
                answers=answers,
                referential=referential,
            )
        )
    return tuple(results)


def _risk(
    risk_id: str,
    *,
    title: str,
    letter: str,
    custom: bool,
    answer: RiskAnswer | None,
    answers: AipdAnswers,
    referential: AipdReferential,
) -> RiskResult:
    if answer is None:
        return RiskResult(
            id=risk_id, title=title, letter=letter, custom=custom, answered=False, impacts=(), threats=(),
            sources=(), measures=(), before=None, after=None, residual=None,
        )  # fmt: skip
    before = risk_level(answer.before, referential)
    after = risk_level(answer.after, referential) if answer.after is not None else None
    return RiskResult(
        id=risk_id,
        title=title,
        letter=letter,
        custom=custom,
        answered=True,
        impacts=tuple(answer.impacts),
        threats=tuple(answer.threats),
        sources=tuple(answer.sources),
        measures=tuple(measure_title(m, answers, referential) for m in answer.measures),
        before=before,
        after=after,
        residual=after or before,
    )


def measure_title(measure_id: str, answers: AipdAnswers, referential: AipdReferential, *, for_pia: bool = False) -> str:
    """The title of a measure: the catalogue's, else the one the answers give, else its id.

    With ``for_pia``, a catalogue measure takes its name in the CNIL PIA software's knowledge base
    (``titre_pia``) when the catalogue gives one: the PIA export writes that name, the results ours.
    """
    catalogue = referential.measure(measure_id)
    if catalogue is not None:
        return (catalogue.pia_title if for_pia else None) or catalogue.title
    used = answers.measures.get(measure_id)
    return used.title if used is not None and used.title else measure_id


def _measures(answers: AipdAnswers, referential: AipdReferential) -> tuple[MeasureResult, ...]:
    results = []
    for measure_id, used in answers.measures.items():
        catalogue = referential.measure(measure_id)
        results.append(
            MeasureResult(
                id=measure_id,
                title=measure_title(measure_id, answers, referential),
                state=used.state,
                category=catalogue.category if catalogue else None,
                in_catalogue=catalogue is not None,
            )
        )
    return tuple(results)


def _risk_map(risks: tuple[RiskResult, ...], referential: AipdReferential) -> RiskMap:
    points = []
    for risk in risks:
        for phase, level in (("avant", risk.before), ("apres", risk.after)):
            if level is not None:
                points.append(
                    MapPoint(
                        risk=risk.id,
                        letter=risk.letter,
                        phase=phase,
                        severity=level.severity,
                        likelihood=level.likelihood,
                        zone=level.zone,
                    )
                )
    return RiskMap(
        severity_labels=tuple(step.label for step in referential.scales.severity),
        likelihood_labels=tuple(step.label for step in referential.scales.likelihood),
        grid=tuple(tuple(row) for row in referential.matrix.grid),
        colours={zone.id: zone.colour for zone in referential.matrix.zones},
        points=tuple(points),
    )


def _action(action: Action, answers: AipdAnswers, referential: AipdReferential, audit_date: date) -> ActionResult:
    late = (
        action.due is not None
        and action.due < audit_date
        and action.status not in (ActionStatus.DONE, ActionStatus.DROPPED)
    )
    return ActionResult(
        measure=action.measure,
        measure_title=measure_title(action.measure, answers, referential) if action.measure else None,
        action=action.action,
        owner=action.owner,
        due=action.due,
        status=action.status,
        cost_eur=action.cost_eur,
        late=late,
    )


def _context_progress(answers: AipdAnswers) -> SectionProgress:
    values = answers.context.model_dump(by_alias=True)
    return SectionProgress(
        answered=tuple(key for key in AIPD_CONTEXT_KEYS if values.get(key)),
        missing=tuple(key for key in AIPD_CONTEXT_KEYS if not values.get(key)),
    )


def _principles_progress(answers: AipdAnswers, referential: AipdReferential) -> SectionProgress:
    ids = [principle.id for principle in referential.principles]
    return SectionProgress(
        answered=tuple(i for i in ids if i in answers.principles),
        missing=tuple(i for i in ids if i not in answers.principles),
        to_correct=tuple(
            i for i in ids if i in answers.principles and answers.principles[i].evaluation is ItemEvaluation.TO_CORRECT
        ),
    )


def _opinions(answers: AipdAnswers, prescreen: PrescreenResult) -> OpinionsResult:
    """The opinions given, and those still due (none when the pre-screen concluded no AIPD is required)."""
    dpo = answers.opinions.dpo
    subjects = answers.opinions.data_subjects
    missing = []
    if dpo is None and prescreen.requires_aipd:
        missing.append("avis du délégué à la protection des données")
    if subjects is None and prescreen.requires_aipd:
        missing.append("avis des personnes concernées, ou raison écrite de ne pas l'avoir demandé")
    if subjects is None:
        subjects_text = None
    elif subjects.sought:
        subjects_text = f"Consultées : {subjects.opinion}"
    else:
        subjects_text = f"Non consultées : {subjects.reason_not_sought}"
    return OpinionsResult(
        dpo=f"{dpo.verdict.value} : {dpo.reasons}" if dpo and dpo.reasons else (dpo.verdict.value if dpo else None),
        dpo_name=dpo.name if dpo else None,
        data_subjects=subjects_text,
        missing=tuple(missing),
    )


def _hosting_rule(answers: AipdAnswers, referential: AipdReferential) -> HostingRecommendation | None:
    """The referential's entry for the declared sensitivity (validation has checked that it exists)."""
    if answers.hosting is None:
        return None
    return next((item for item in referential.hosting if item.id == answers.hosting.sensitivity), None)


def _hosting(answers: AipdAnswers, referential: AipdReferential) -> str | None:
    rule = _hosting_rule(answers, referential)
    return rule.recommendation if rule else None


def _hosting_problems(answers: AipdAnswers, referential: AipdReferential) -> tuple[str, ...]:
    """Data whose sensitivity requires a location (n°19) hosted elsewhere, or where is not yet known."""
    hosting, rule = answers.hosting, _hosting_rule(answers, referential)
    if hosting is None or rule is None or not rule.required_locations or hosting.location in rule.required_locations:
        return ()
    allowed = " ou ".join(location.label for location in rule.required_locations)
    return (
        f"Données « {rule.title.lower()} », hébergement {hosting.location.label} : il doit être {allowed}, "
        "et le contrat doit le dire (recommandation n°19 de l'étude).",
    )


def _blocking(result: AipdResult, answers: AipdAnswers) -> tuple[str, ...]:
    findings = []
    verdict = result.prescreen.verdict
    if result.prescreen.aipd_due and not answers.validation.state.is_validated:
        findings.append(
            f"{result.prescreen.label} mais non validée : le traitement ne peut pas être mis en œuvre avant la "
            "validation de l'AIPD par le responsable du traitement."
        )
    if verdict is PrescreenVerdict.INCOMPLETE:
        findings.append(
            "Présélection incomplète : des critères du CEPD non renseignés pourraient rendre l'AIPD obligatoire."
        )
    if result.prior_consultation.required:
        findings.append(
            f"Risque résiduel inacceptable ({', '.join(result.prior_consultation.risks)}) : consultation "
            "préalable de la CNIL obligatoire avant la mise en œuvre (RGPD, article 36)."
        )
    if result.prior_consultation.unaccepted:
        findings.append(
            "Risque résiduel laissé « à réduire » sans acceptation signée "
            f"({', '.join(result.prior_consultation.unaccepted)}) : le réduire, ou faire signer son acceptation "
            "par le responsable du traitement (qui, quand, pourquoi)."
        )
    if answers.validation.state is ValidationState.REFUSED:
        findings.append(f"AIPD refusée par le responsable du traitement : {answers.validation.refusal_reason}")
    return tuple(findings)
