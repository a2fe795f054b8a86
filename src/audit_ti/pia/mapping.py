"""Import and export between the audit's AIPD answers and the CNIL PIA software's JSON.

The mapping (``docs/pia-cnil.md`` lists what maps and what does not):

* context 111–123 and principles 211–227 ↔ ``answers[].data.text``; the two context keys
  ``presentation`` and ``traitement`` share question 111 (joined by a blank line);
* measures ↔ ``measures[]`` (title, content); the state « prévue » is kept as the prefix
  ``[Mesure prévue]`` of the content, since the PIA has no such field;
* the three feared events ↔ questions 3x1–3x6 (impacts, threats, sources, measure titles, author
  gauges = our « avant ») and the evaluation of item 3.2/3.3/3.4 (gauges = our « après »);
* evaluations of principles and risks ↔ ``evaluations[].status`` and comments;
* one action per measure ↔ ``evaluations["3.1.<id>"]`` (action plan comment, date, person);
* DPO and data-subjects opinions, validation ↔ the ``pia`` object.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from audit_ti.models.aipd import AipdAnswers
from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.cnil_pia import PiaAnswer, PiaEvaluation, PiaExport, PiaMeasure
from audit_ti.models.scales import ActionStatus, DpoVerdict, ItemEvaluation, MeasureState, ValidationState

__all__ = ["PLANNED_PREFIX", "export_pia", "import_pia", "slugify"]

#: How a planned measure is told from an existing one inside a PIA measure's content.
PLANNED_PREFIX = "[Mesure prévue]"
_CONTEXT_QUESTIONS = {
    "presentation": 111,
    "traitement": 111,
    "responsabilites": 112,
    "referentiels": 113,
    "donnees": 121,
    "cycle_de_vie": 122,
    "supports": 123,
}
_STATUS_TO_PIA = {
    ValidationState.PENDING: 0,
    ValidationState.REFUSED: 1,
    ValidationState.VALIDATED: 2,
    ValidationState.SIGNED: 3,
}
_EVALUATION_TO_PIA = {
    ItemEvaluation.TO_CORRECT: 1,
    ItemEvaluation.IMPROVABLE: 2,
    ItemEvaluation.ACCEPTABLE: 3,
}
_RISK_QUESTIONS = {"impacts": 1, "menaces": 2, "sources": 3, "mesures": 4, "gravite": 5, "vraisemblance": 6}
_TAGS = re.compile(r"<[^>]+>")


def slugify(title: str) -> str:
    """An id in snake_case from a title (« Chiffrement des trames » → ``chiffrement_des_trames``)."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    slug = slug if slug and slug[0].isalpha() else f"m_{slug}"
    return slug[:62] if len(slug) > 1 else "mesure"


def _plain(text: str | None) -> str | None:
    """PIA texts are HTML; audit files hold plain text."""
    if text is None:
        return None
    cleaned = _TAGS.sub("", text.replace("<br />", "\n").replace("<br/>", "\n").replace("</li>", "\n"))
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned.replace("&nbsp;", " ")).strip()
    return cleaned or None


# --- Export ---------------------------------------------------------------------------------


def export_pia(
    answers: AipdAnswers, referential: AipdReferential, name: str, author: str | None, exported_on: date
) -> dict[str, Any]:
    """The AIPD answers as a JSON document the CNIL PIA software can import."""
    stamp = f"{exported_on.isoformat()}T00:00:00.000Z"
    measure_ids = {measure_id: index for index, measure_id in enumerate(answers.measures, start=1)}
    return {
        "pia": _pia_record(answers, name, author, stamp),
        "answers": _answers(answers, referential, stamp),
        "measures": [
            _measure(measure_id, index, answers, referential, stamp) for measure_id, index in measure_ids.items()
        ],
        "evaluations": _evaluations(answers, referential, measure_ids, stamp),
        "comments": [],
    }


def _pia_record(answers: AipdAnswers, name: str, author: str | None, stamp: str) -> dict[str, Any]:
    dpo = answers.opinions.dpo
    subjects = answers.opinions.data_subjects
    return {
        "name": name,
        "category": "",
        "status": _STATUS_TO_PIA[answers.validation.state],
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
        "rejection_reason": answers.validation.refusal_reason or "",
        "applied_adjustments": "",
        "created_at": stamp,
        "updated_at": stamp,
        "is_example": False,
    }


def _answer(
    question: int, stamp: str, text: str | None = None, gauge: int = 0, tags: list[str] | None = None
) -> dict[str, Any]:
    return {
        "reference_to": question,
        "data": {"text": text, "gauge": gauge, "list": tags or []},
        "created_at": stamp,
    }


def _answers(answers: AipdAnswers, referential: AipdReferential, stamp: str) -> list[dict[str, Any]]:
    result = []
    context = answers.context.model_dump(by_alias=True)
    texts: dict[int, list[str]] = {}
    for key, question in _CONTEXT_QUESTIONS.items():
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
        base = int(event.pia_section.replace(".", "")) * 10
        titles = [_measure_title(m, answers, referential) for m in risk.measures]
        for key, values in (
            ("impacts", risk.impacts),
            ("menaces", risk.threats),
            ("sources", risk.sources),
            ("mesures", titles),
        ):
            result.append(_answer(base + _RISK_QUESTIONS[key], stamp, None, 0, list(values)))
        result.append(_answer(base + 5, stamp, risk.before.justification, int(risk.before.severity)))
        result.append(_answer(base + 6, stamp, None, int(risk.before.likelihood)))
    return result


def _measure_title(measure_id: str, answers: AipdAnswers, referential: AipdReferential) -> str:
    catalogue = referential.measure(measure_id)
    used = answers.measures.get(measure_id)
    if catalogue is not None:
        return catalogue.pia_title or catalogue.title
    return used.title if used is not None and used.title else measure_id


def _measure(
    measure_id: str, index: int, answers: AipdAnswers, referential: AipdReferential, stamp: str
) -> dict[str, Any]:
    used = answers.measures[measure_id]
    catalogue = referential.measure(measure_id)
    content = used.description or (catalogue.description if catalogue else "")
    if used.state is MeasureState.PLANNED:
        content = f"{PLANNED_PREFIX} {content}".strip()
    return {
        "id": index,
        "title": _measure_title(measure_id, answers, referential),
        "content": content,
        "placeholder": "measures.default_placeholder",
        "created_at": stamp,
    }


def _evaluation(reference: str, stamp: str, **values: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "reference_to": reference,
        "status": 0,
        "evaluation_comment": None,
        "action_plan_comment": None,
        "gauges": {"x": 0, "y": 0},
        "estimated_implementation_date": None,
        "person_in_charge": None,
        "global_status": 0,
        "created_at": stamp,
    }
    record.update(values)
    return record


def _evaluations(
    answers: AipdAnswers, referential: AipdReferential, measure_ids: dict[str, int], stamp: str
) -> list[dict[str, Any]]:
    result = []
    for principle in referential.principles:
        given = answers.principles.get(principle.id)
        if given is not None and given.evaluation is not None:
            section = "2.1" if principle.pia_question < 220 else "2.2"
            result.append(
                _evaluation(
                    f"{section}.{principle.pia_question}",
                    stamp,
                    status=_EVALUATION_TO_PIA[given.evaluation],
                    evaluation_comment=given.comment,
                    global_status=2,
                )
            )
    for event in referential.feared_events:
        risk = answers.risks.get(event.id)
        if risk is None or (risk.after is None and risk.evaluation is None):
            continue
        gauges = {"x": int(risk.after.severity), "y": int(risk.after.likelihood)} if risk.after else {"x": 0, "y": 0}
        result.append(
            _evaluation(
                event.pia_section,
                stamp,
                status=_EVALUATION_TO_PIA.get(risk.evaluation, 0) if risk.evaluation else 0,
                evaluation_comment=risk.comment,
                gauges=gauges,
                global_status=2 if risk.evaluation else 1,
            )
        )
    planned: dict[str, list[Any]] = {}
    for action in answers.action_plan:
        if action.measure is not None and action.measure in measure_ids:
            planned.setdefault(action.measure, []).append(action)
    for measure_id, actions in planned.items():
        first = actions[0]
        result.append(
            _evaluation(
                f"3.1.{measure_ids[measure_id]}",
                stamp,
                status=2,
                action_plan_comment="\n".join(action.action for action in actions),
                estimated_implementation_date=f"{first.due.isoformat()}T00:00:00.000Z" if first.due else None,
                person_in_charge=first.owner,
                global_status=2,
            )
        )
    return result


# --- Import ---------------------------------------------------------------------------------

_PIA_TO_STATUS = {value: key for key, value in _STATUS_TO_PIA.items()}
_PIA_TO_EVALUATION = {value: key for key, value in _EVALUATION_TO_PIA.items()}


def import_pia(document: PiaExport, referential: AipdReferential) -> dict[str, Any]:
    """The AIPD answers found in a PIA export, as the French-keyed block of an audit file.

    The result is plain data (``aipd:`` section), to be merged with the audit's own answers and
    validated by ``AipdAnswers``; what the PIA format does not carry is simply absent.
    """
    by_question = {answer.reference_to: answer for answer in document.answers}
    evaluations = {evaluation.reference_to: evaluation for evaluation in document.evaluations}
    measures, titles = _import_measures(document.measures, referential)
    section: dict[str, Any] = {}
    context = _import_context(by_question)
    if context:
        section["contexte"] = context
    principles = _import_principles(by_question, evaluations, referential)
    if principles:
        section["principes"] = principles
    if measures:
        section["mesures"] = measures
    risks = _import_risks(by_question, evaluations, referential, titles)
    if risks:
        section["risques"] = risks
    plan = _import_plan(document.measures, evaluations, titles)
    if plan:
        section["plan_action"] = plan
    opinions = _import_opinions(document)
    if opinions:
        section["avis"] = opinions
    section["validation"] = _import_validation(document)
    return section


def _text(by_question: dict[int, PiaAnswer], question: int) -> str | None:
    answer = by_question.get(question)
    return _plain(answer.data.text) if answer is not None else None


def _import_context(by_question: dict[int, PiaAnswer]) -> dict[str, str]:
    context: dict[str, str] = {}
    overview = _text(by_question, 111)
    if overview:
        first, _, rest = overview.partition("\n\n")
        context["presentation"] = first
        if rest.strip():
            context["traitement"] = rest.strip()
    for key, question in _CONTEXT_QUESTIONS.items():
        if question != 111 and (text := _text(by_question, question)):
            context[key] = text
    return context


def _import_principles(
    by_question: dict[int, PiaAnswer], evaluations: dict[str, PiaEvaluation], referential: AipdReferential
) -> dict[str, dict[str, Any]]:
    principles: dict[str, dict[str, Any]] = {}
    for principle in referential.principles:
        text = _text(by_question, principle.pia_question)
        if not text:
            continue
        entry: dict[str, Any] = {"reponse": text}
        section = "2.1" if principle.pia_question < 220 else "2.2"
        evaluation = evaluations.get(f"{section}.{principle.pia_question}")
        if evaluation is not None and evaluation.status in _PIA_TO_EVALUATION:
            entry["evaluation"] = _PIA_TO_EVALUATION[evaluation.status].value
        if evaluation is not None and (comment := _plain(evaluation.evaluation_comment)):
            entry["commentaire"] = comment
        principles[principle.id] = entry
    return principles


def _import_measures(
    measures: tuple[PiaMeasure, ...], referential: AipdReferential
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Measures by id, and the id of each PIA title (catalogue ids when the title matches)."""
    by_title = {}
    for item in referential.measures:
        for title in (item.pia_title, item.title):
            if title:
                by_title[title.casefold()] = item
    result: dict[str, dict[str, Any]] = {}
    ids: dict[str, str] = {}
    for measure in measures:
        if not measure.title.strip():
            continue
        content = _plain(measure.content) or ""
        planned = content.startswith(PLANNED_PREFIX)
        content = content.removeprefix(PLANNED_PREFIX).strip()
        catalogue = by_title.get(measure.title.strip().casefold())
        measure_id = catalogue.id if catalogue is not None else slugify(measure.title)
        entry: dict[str, Any] = {"etat": (MeasureState.PLANNED if planned else MeasureState.EXISTING).value}
        if catalogue is None:
            entry["titre"] = measure.title.strip()
        if content and (catalogue is None or content != catalogue.description):
            entry["description"] = content
        result[measure_id] = entry
        ids[measure.title.strip().casefold()] = measure_id
        if measure.id is not None:
            ids[f"#{measure.id}"] = measure_id
    return result, ids


def _import_risks(
    by_question: dict[int, PiaAnswer],
    evaluations: dict[str, PiaEvaluation],
    referential: AipdReferential,
    titles: dict[str, str],
) -> dict[str, dict[str, Any]]:
    risks: dict[str, dict[str, Any]] = {}
    for event in referential.feared_events:
        base = int(event.pia_section.replace(".", "")) * 10
        severity = by_question.get(base + 5)
        likelihood = by_question.get(base + 6)
        if not (severity and severity.data.gauge and likelihood and likelihood.data.gauge):
            continue  # a risk without its two author gauges is not assessed yet
        entry: dict[str, Any] = {}
        for key in ("impacts", "menaces", "sources"):
            answer = by_question.get(base + _RISK_QUESTIONS[key])
            if answer is not None and answer.data.list:
                entry[key] = list(answer.data.list)
        cited = by_question.get(base + 4)
        if cited is not None and cited.data.list:
            entry["mesures"] = [titles.get(title.casefold(), slugify(title)) for title in cited.data.list]
        before: dict[str, Any] = {"gravite": severity.data.gauge, "vraisemblance": likelihood.data.gauge}
        if text := _plain(severity.data.text):
            before["justification"] = text
        entry["avant"] = before
        evaluation = evaluations.get(event.pia_section)
        if evaluation is not None:
            if evaluation.gauges.x and evaluation.gauges.y:
                entry["apres"] = {"gravite": evaluation.gauges.x, "vraisemblance": evaluation.gauges.y}
            if evaluation.status in _PIA_TO_EVALUATION:
                entry["evaluation"] = _PIA_TO_EVALUATION[evaluation.status].value
            if comment := _plain(evaluation.evaluation_comment):
                entry["commentaire"] = comment
        risks[event.id] = entry
    return risks


def _import_plan(
    measures: tuple[PiaMeasure, ...], evaluations: dict[str, PiaEvaluation], titles: dict[str, str]
) -> list[dict[str, Any]]:
    plan = []
    for reference, evaluation in evaluations.items():
        comment = _plain(evaluation.action_plan_comment)
        if not comment:
            continue
        action: dict[str, Any] = {"action": comment, "statut": ActionStatus.TO_DO.value}
        if reference.startswith("3.1."):
            measure_id = titles.get(f"#{reference.removeprefix('3.1.')}")
            if measure_id is not None:
                action = {"mesure": measure_id, **action}
        if evaluation.person_in_charge:
            action["responsable"] = evaluation.person_in_charge
        if evaluation.estimated_implementation_date:
            action["echeance"] = evaluation.estimated_implementation_date[:10]
        plan.append(action)
    return plan


def _import_opinions(document: PiaExport) -> dict[str, Any]:
    pia = document.pia
    opinions: dict[str, Any] = {}
    if pia.dpos_names and pia.dpo_status in (0, 1):
        dpo: dict[str, Any] = {
            "nom": pia.dpos_names,
            "avis": (DpoVerdict.FAVOURABLE if pia.dpo_status == 1 else DpoVerdict.UNFAVOURABLE).value,
        }
        if reasons := _plain(pia.dpo_opinion):
            dpo["motifs"] = reasons
        opinions["dpd"] = dpo
    if pia.concerned_people_searched_opinion is not None:
        subjects: dict[str, Any] = {"consultees": pia.concerned_people_searched_opinion}
        for key, value in (
            ("raison_non_consultation", pia.concerned_people_searched_content),
            ("personnes", pia.people_names),
            ("avis", pia.concerned_people_opinion),
        ):
            if text := _plain(value):
                subjects[key] = text
        opinions["personnes_concernees"] = subjects
    return opinions


def _import_validation(document: PiaExport) -> dict[str, Any]:
    pia = document.pia
    state = _PIA_TO_STATUS.get(pia.status, ValidationState.PENDING)
    validation: dict[str, Any] = {"etat": state.value}
    if pia.validator_name:
        validation["par"] = pia.validator_name
    if state.is_validated:
        validation.setdefault("par", "Non précisé dans le logiciel PIA")
        validation["date"] = (pia.updated_at or pia.created_at or "1970-01-01")[:10]
    if state is ValidationState.REFUSED:
        validation["motif_refus"] = _plain(pia.rejection_reason) or "Motif non précisé dans le logiciel PIA."
    return validation
