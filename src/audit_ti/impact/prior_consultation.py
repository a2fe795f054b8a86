"""Prior consultation of the CNIL (GDPR art. 36): when the residual risk is not acceptable.

WP248 rev.01 (EDPB) describes an unacceptable residual risk as one whose consequences for the
people are significant or even irreversible, or whose threat is obvious to materialise. The
referential turns that into data: the red zone always calls for the CNIL; a maximal severity or a
maximal likelihood left after the measures calls for it too, unless the data protection officer
signs why not; a risk left « à réduire » stays only with an acceptance the controller signs.
"""

from __future__ import annotations

from audit_ti.models.aipd import AipdAnswers
from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.aipd_result import PriorConsultationResult, RiskResult

__all__ = ["prior_consultation"]


def prior_consultation(
    risks: tuple[RiskResult, ...], answers: AipdAnswers, referential: AipdReferential
) -> PriorConsultationResult:
    """Which residual risks call for the CNIL, which the DPO waived, which lack a signed acceptance."""
    rule = referential.prior_consultation
    red_zone = referential.matrix.consultation_zone
    required: list[str] = []
    reasons: list[str] = []
    waived: list[str] = []
    unaccepted: list[str] = []
    for risk in risks:
        residual = risk.residual
        if residual is None:
            continue
        answer = answers.risks.get(risk.id)
        waiver = answer.no_consultation if answer is not None else None
        accepted = answer is not None and answer.acceptance is not None
        name = f"« {risk.title} »"
        maximal = []
        if residual.severity >= rule.maximal_severity:
            maximal.append(f"gravité {residual.severity_label.lower()} (conséquences importantes ou irréversibles)")
        if residual.likelihood >= rule.maximal_likelihood:
            maximal.append(
                f"vraisemblance {residual.likelihood_label.lower()} (menace dont la réalisation est manifeste)"
            )
        if residual.zone == red_zone:
            required.append(risk.id)
            reasons.append(f"{name} : risque résiduel en zone « {residual.zone_label} »")
        elif maximal and waiver is None:
            required.append(risk.id)
            reasons.append(f"{name} : {' et '.join(maximal)} après les mesures")
        elif maximal and waiver is not None:
            waived.append(f"{name} ({' et '.join(maximal)}) — {waiver.by}, le {waiver.on} : {waiver.reasons}")
        elif residual.zone == rule.acceptance_zone and not accepted:
            unaccepted.append(risk.id)
    return PriorConsultationResult(
        required=bool(required),
        risks=tuple(required),
        text=rule.text if required else None,
        reasons=tuple(reasons),
        waived=tuple(waived),
        unaccepted=tuple(unaccepted),
    )
