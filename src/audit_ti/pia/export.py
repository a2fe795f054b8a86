"""The audit's AIPD answers as the JSON the CNIL PIA software imports (``audit_ti.pia.mapping`` says what maps).

Every key the software's ``importData`` reads is written (``audit_ti.pia.software.READ_BY_PIA``), in
the shape the software's own exports have: integer ids and ``pia_id``, ISO timestamps, integer
statuses and gauges (``null`` where the software leaves them unset), texts of the answers, measures
and evaluations in HTML (the software edits them as HTML), the opinions in plain text.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from audit_ti.impact.aipd import measure_title
from audit_ti.models.aipd import Action, AipdAnswers, RiskAnswer
from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.scales import DpoVerdict, MeasureState
from audit_ti.pia.mapping import (
    CONTEXT_QUESTIONS,
    EVALUATION_TO_PIA,
    LIKELIHOOD_PREFIX,
    PLANNED_PREFIX,
    RISK_QUESTIONS,
    STATUS_TO_PIA,
    principle_reference,
    risk_question_base,
)

__all__ = ["PIA_ID", "export_pia", "to_html"]

#: The id of the exported PIA (the software gives a new one on import; ``pia_id`` of every item).
PIA_ID = 1


def to_html(text: str | None) -> str | None:
    """Plain text as the software's editor writes it: one ``<p>`` per paragraph, ``<br />`` per line."""
    if text is None:
        return None
    paragraphs = (html.escape(part, quote=False).replace("\n", "<br />") for part in text.split("\n\n"))
    return "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)


def export_pia(
    answers: AipdAnswers, referential: AipdReferential, name: str, author: str | None, exported_on: date
) -> dict[str, Any]:
    """The AIPD answers as a JSON document the CNIL PIA software can import."""
    stamp = f"{exported_on.isoformat()}T00:00:00.000Z"
    measure_ids = {measure_id: index for index, measure_id in enumerate(answers.measures, start=1)}
    return {
        "pia": _pia_record(answers, name, author, stamp),
        "answers": _numbered(_answers(answers, referential, stamp)),
        "measures": [
            _measure(measure_id, index, answers, referential, stamp) for measure_id, index in measure_ids.items()
        ],
        "evaluations": _numbered(_evaluations(answers, referential, measure_ids, stamp)),
        "comments": [],
    }


def _numbered(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"pia_id": PIA_ID, **item, "id": index} for index, item in enumerate(items, start=1)]


def _pia_record(answers: AipdAnswers, name: str, author: str | None, stamp: str) -> dict[str, Any]:
    dpo = answers.opinions.dpo
    subjects = answers.opinions.data_subjects
    rejection = answers.validation.refusal_reason or ""
    validated_on = answers.validation.on
    # The import reads the date of validation from « updated_at »: the last change of a validated PIA.
    updated = f"{validated_on.isoformat()}T00:00:00.000Z" if validated_on else stamp
    return {
        "id": PIA_ID,
        "name": name,
        "category": "",
        "status": STATUS_TO_PIA[answers.validation.state],
        "author_name": author or "",
        "evaluator_name": "",
        "validator_name": answers.validation.by or "",
        "dpo_status": (1 if dpo.verdict is DpoVerdict.FAVOURABLE else 0) if dpo else None,
        "dpo_opinion": (dpo.reasons or "") if dpo else "",
        "dpos_names": dpo.name if dpo else "",
        "concerned_people_searched_opinion": subjects.sought if subjects else None,
        "concerned_people_searched_content": (subjects.reason_not_sought or "") if subjects else "",
        "concerned_people_opinion": (subjects.opinion or "") if subjects else "",
        "concerned_people_status": None,
        "people_names": (subjects.who or "") if subjects else "",
        # The exports spell these two « rejection_reason » and « applied_adjustments »; importData
        # reads « rejected_reason » and « applied_adjustements »: both spellings, same value.
        "rejection_reason": rejection,
        "rejected_reason": rejection,
        "applied_adjustments": "",
        "applied_adjustements": "",
        "is_example": 0,
        "is_archive": 0,
        "structure_id": None,
        "structure_name": "",
        "structure_sector_name": "",
        "structure_data": None,
        "created_at": min(stamp, updated),
        "updated_at": updated,
    }


def _answer(
    question: int, stamp: str, text: str | None = None, gauge: int | None = None, tags: list[str] | None = None
) -> dict[str, Any]:
    """An answer as the software writes it: a text (HTML), a gauge 1–4, or a list of tags (text ``null``)."""
    return {
        "reference_to": question,
        "data": {"text": to_html(text), "gauge": gauge, "list": tags or []},
        "created_at": stamp,
        "updated_at": stamp,
    }


def _answers(answers: AipdAnswers, referential: AipdReferential, stamp: str) -> list[dict[str, Any]]:
    result = []
    context = answers.context.model_dump(by_alias=True)
    texts: dict[int, list[str]] = {}
    for key, question in CONTEXT_QUESTIONS.items():
        if context.get(key):
            texts.setdefault(question, []).append(context[key])
    result += [_answer(question, stamp, "\n\n".join(parts)) for question, parts in sorted(texts.items())]
    for principle in referential.principles:
        given = answers.principles.get(principle.id)
        if given is not None:
            result.append(_answer(principle.pia_question, stamp, given.answer))
    for event in referential.feared_events:
        risk = answers.risks.get(event.id)
        if risk is None:
            continue
        base = risk_question_base(event)
        titles = [measure_title(m, answers, referential, for_pia=True) for m in risk.measures]
        for key, values in (
            ("impacts", risk.impacts),
            ("menaces", risk.threats),
            ("sources", risk.sources),
            ("mesures", titles),
        ):
            result.append(_answer(base + RISK_QUESTIONS[key], stamp, None, None, list(values)))
        severity_text, likelihood_text = _justifications(risk)
        result.append(_answer(base + 5, stamp, severity_text, int(risk.before.severity)))
        result.append(_answer(base + 6, stamp, likelihood_text, int(risk.before.likelihood)))
    return result


def _justifications(risk: RiskAnswer) -> tuple[str | None, str | None]:
    """The texts of questions x5 (severity) and x6 (likelihood): the import joins them, this splits them."""
    text = risk.before.justification
    if text is None:
        return None, None
    if text.startswith(LIKELIHOOD_PREFIX):
        return None, text.removeprefix(LIKELIHOOD_PREFIX).strip() or None
    severity, separator, likelihood = text.partition(f"\n\n{LIKELIHOOD_PREFIX}")
    return severity, (likelihood.strip() or None) if separator else None


def _measure(
    measure_id: str, index: int, answers: AipdAnswers, referential: AipdReferential, stamp: str
) -> dict[str, Any]:
    used = answers.measures[measure_id]
    catalogue = referential.measure(measure_id)
    content = used.description or (catalogue.description if catalogue else "")
    if used.state is MeasureState.PLANNED:
        content = f"{PLANNED_PREFIX} {content}".strip()
    return {
        "pia_id": PIA_ID,
        "id": index,
        "title": measure_title(measure_id, answers, referential, for_pia=True),
        "content": to_html(content) if content else "",
        "placeholder": "measures.default_placeholder",
        "created_at": stamp,
        "updated_at": stamp,
    }


def _evaluation(reference: str, stamp: str, **values: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "reference_to": reference,
        "status": 0,
        "evaluation_comment": None,
        "action_plan_comment": None,
        "evaluation_date": None,
        "gauges": {"x": 0, "y": 0},
        "estimated_implementation_date": None,
        "person_in_charge": None,
        "global_status": 0,
        "created_at": stamp,
        "updated_at": stamp,
    }
    record.update(values)
    for key in ("evaluation_comment", "action_plan_comment"):
        record[key] = to_html(record[key])
    return record


def _evaluations(
    answers: AipdAnswers, referential: AipdReferential, measure_ids: dict[str, int], stamp: str
) -> list[dict[str, Any]]:
    plans = _plans(answers, referential, measure_ids)
    result = []
    for principle in referential.principles:
        reference = principle_reference(principle)
        given = answers.principles.get(principle.id)
        evaluation = given.evaluation if given is not None else None
        if evaluation is not None or reference in plans:
            result.append(
                _evaluation(
                    reference,
                    stamp,
                    status=EVALUATION_TO_PIA[evaluation] if evaluation else 0,
                    evaluation_comment=given.comment if given is not None else None,
                    global_status=2 if evaluation else 1,
                    **plans.get(reference, {}),
                )
            )
    for event in referential.feared_events:
        risk = answers.risks.get(event.id)
        if risk is None or (risk.after is None and risk.evaluation is None and event.pia_section not in plans):
            continue
        gauges = {"x": int(risk.after.severity), "y": int(risk.after.likelihood)} if risk.after else {"x": 0, "y": 0}
        result.append(
            _evaluation(
                event.pia_section,
                stamp,
                status=EVALUATION_TO_PIA.get(risk.evaluation, 0) if risk.evaluation else 0,
                evaluation_comment=risk.comment,
                gauges=gauges,
                global_status=2 if risk.evaluation else 1,
                **plans.get(event.pia_section, {}),
            )
        )
    for index in measure_ids.values():
        if (reference := f"3.1.{index}") in plans:
            result.append(_evaluation(reference, stamp, status=2, global_status=2, **plans[reference]))
    return result


def _plans(
    answers: AipdAnswers, referential: AipdReferential, measure_ids: dict[str, int]
) -> dict[str, dict[str, Any]]:
    """The action plan by PIA evaluation: a measure's (3.1.<id>), else a principle's, else a risk's.

    The PIA holds one text, one date and one person per evaluation: the actions are joined, the
    first one's date and person are kept.
    """
    principles = {principle.id: principle_reference(principle) for principle in referential.principles}
    risks = {event.id: event.pia_section for event in referential.feared_events}
    grouped: dict[str, list[Action]] = {}
    for action in answers.action_plan:
        if action.measure is not None and action.measure in measure_ids:
            reference: str | None = f"3.1.{measure_ids[action.measure]}"
        else:
            reference = principles.get(action.principle or "") or risks.get(action.risk or "")
        if reference is not None:
            grouped.setdefault(reference, []).append(action)
    return {
        reference: {
            "action_plan_comment": "\n".join(action.action for action in actions),
            "estimated_implementation_date": f"{actions[0].due.isoformat()}T00:00:00.000Z" if actions[0].due else None,
            "person_in_charge": actions[0].owner,
        }
        for reference, actions in grouped.items()
    }
