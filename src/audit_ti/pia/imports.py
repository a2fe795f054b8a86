"""The AIPD answers found in a CNIL PIA software export, as the ``aipd:`` block of an audit file.

``audit_ti.pia.mapping`` says what maps; what the PIA format does not carry is simply absent.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

from audit_ti.models.aipd_referential import AipdReferential
from audit_ti.models.cnil_pia import PiaAnswer, PiaEvaluation, PiaExport, PiaMeasure
from audit_ti.models.scales import ActionStatus, DpoVerdict, MeasureState, ValidationState
from audit_ti.pia.mapping import (
    CONTEXT_QUESTIONS,
    LIKELIHOOD_PREFIX,
    PIA_TO_EVALUATION,
    PIA_TO_STATUS,
    PLANNED_PREFIX,
    RISK_QUESTIONS,
    principle_reference,
    risk_question_base,
)

__all__ = ["import_pia", "plain_text", "slugify"]

_TAGS = re.compile(r"<[^>]+>")


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2018": "'"})


def slugify(title: str) -> str:
    """An id in snake_case from a title (« Chiffrement des trames » → ``chiffrement_des_trames``)."""
    # A typographic apostrophe (« d’accès ») separates words like a straight one; ASCII folding would drop it.
    title = title.translate(_APOSTROPHES)
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    slug = slug if slug and slug[0].isalpha() else f"m_{slug}"
    return slug[:62] if len(slug) > 1 else "mesure"


def plain_text(text: str | None) -> str | None:
    """PIA texts are HTML; audit files hold plain text (a paragraph ends with a blank line)."""
    if text is None:
        return None
    for tag, replacement in (("<br />", "\n"), ("<br/>", "\n"), ("<br>", "\n"), ("</li>", "\n"), ("</p>", "\n\n")):
        text = text.replace(tag, replacement)
    cleaned = html.unescape(_TAGS.sub("", text).replace("&nbsp;", " "))
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned).strip()
    return cleaned or None


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
    plan = _import_plan(document.measures, evaluations, titles, referential)
    if plan:
        section["plan_action"] = plan
    opinions = _import_opinions(document)
    if opinions:
        section["avis"] = opinions
    section["validation"] = _import_validation(document)
    return section


def _text(by_question: dict[int, PiaAnswer], question: int) -> str | None:
    answer = by_question.get(question)
    return plain_text(answer.data.text) if answer is not None else None


def _import_context(by_question: dict[int, PiaAnswer]) -> dict[str, str]:
    context: dict[str, str] = {}
    overview = _text(by_question, 111)
    if overview:
        first, _, rest = overview.partition("\n\n")
        context["presentation"] = first
        if rest.strip():
            context["traitement"] = rest.strip()
    for key, question in CONTEXT_QUESTIONS.items():
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
        evaluation = evaluations.get(principle_reference(principle))
        if evaluation is not None and evaluation.status in PIA_TO_EVALUATION:
            entry["evaluation"] = PIA_TO_EVALUATION[evaluation.status].value
        if evaluation is not None and (comment := plain_text(evaluation.evaluation_comment)):
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
        content = plain_text(measure.content) or ""
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
        base = risk_question_base(event)
        severity = by_question.get(base + 5)
        likelihood = by_question.get(base + 6)
        if not (severity and severity.data.gauge and likelihood and likelihood.data.gauge):
            continue  # a risk without its two author gauges is not assessed yet
        entry: dict[str, Any] = {}
        for key in ("impacts", "menaces", "sources"):
            answer = by_question.get(base + RISK_QUESTIONS[key])
            if answer is not None and answer.data.list:
                entry[key] = list(answer.data.list)
        cited = by_question.get(base + 4)
        if cited is not None and cited.data.list:
            entry["mesures"] = [titles.get(title.casefold(), slugify(title)) for title in cited.data.list]
        before: dict[str, Any] = {"gravite": severity.data.gauge, "vraisemblance": likelihood.data.gauge}
        texts = [plain_text(severity.data.text), _prefixed(LIKELIHOOD_PREFIX, plain_text(likelihood.data.text))]
        if any(texts):
            before["justification"] = "\n\n".join(text for text in texts if text)
        entry["avant"] = before
        evaluation = evaluations.get(event.pia_section)
        if evaluation is not None:
            if evaluation.gauges.x and evaluation.gauges.y:
                entry["apres"] = {"gravite": evaluation.gauges.x, "vraisemblance": evaluation.gauges.y}
            if evaluation.status in PIA_TO_EVALUATION:
                entry["evaluation"] = PIA_TO_EVALUATION[evaluation.status].value
            if comment := plain_text(evaluation.evaluation_comment):
                entry["commentaire"] = comment
        risks[event.id] = entry
    return risks


def _prefixed(prefix: str, text: str | None) -> str | None:
    return f"{prefix} {text}" if text else None


def _import_plan(
    measures: tuple[PiaMeasure, ...],
    evaluations: dict[str, PiaEvaluation],
    titles: dict[str, str],
    referential: AipdReferential,
) -> list[dict[str, Any]]:
    """One action per action-plan comment, linked to its principle, risk or measure.

    In the order the export writes them: principles, risks, measures (then anything else), so
    that an export read back gives the same plan.
    """
    links: dict[str, tuple[tuple[int, int], dict[str, str]]] = {}
    for index, principle in enumerate(referential.principles):
        links[principle_reference(principle)] = ((0, index), {"principe": principle.id})
    for index, event in enumerate(referential.feared_events):
        links[event.pia_section] = ((1, index), {"risque": event.id})
    for index, measure in enumerate(measures):
        if measure.id is not None and (measure_id := titles.get(f"#{measure.id}")) is not None:
            links.setdefault(f"3.1.{measure.id}", ((2, index), {"mesure": measure_id}))
    plan = []
    for position, (reference, evaluation) in enumerate(evaluations.items()):
        comment = plain_text(evaluation.action_plan_comment)
        if not comment:
            continue
        order, link = links.get(reference, ((3, position), {}))
        action: dict[str, Any] = {**link, "action": comment, "statut": ActionStatus.TO_DO.value}
        if evaluation.person_in_charge:
            action["responsable"] = evaluation.person_in_charge
        if evaluation.estimated_implementation_date:
            action["echeance"] = evaluation.estimated_implementation_date[:10]
        plan.append((order, action))
    return [action for _, action in sorted(plan, key=lambda pair: pair[0])]


def _import_opinions(document: PiaExport) -> dict[str, Any]:
    pia = document.pia
    opinions: dict[str, Any] = {}
    if pia.dpos_names and pia.dpo_status in (0, 1):
        dpo: dict[str, Any] = {
            "nom": pia.dpos_names,
            "avis": (DpoVerdict.FAVOURABLE if pia.dpo_status == 1 else DpoVerdict.UNFAVOURABLE).value,
        }
        if reasons := plain_text(pia.dpo_opinion):
            dpo["motifs"] = reasons
        opinions["dpd"] = dpo
    if pia.concerned_people_searched_opinion is not None:
        subjects: dict[str, Any] = {"consultees": pia.concerned_people_searched_opinion}
        for key, value in (
            ("raison_non_consultation", pia.concerned_people_searched_content),
            ("personnes", pia.people_names),
            ("avis", pia.concerned_people_opinion),
        ):
            if text := plain_text(value):
                subjects[key] = text
        opinions["personnes_concernees"] = subjects
    return opinions


def _import_validation(document: PiaExport) -> dict[str, Any]:
    pia = document.pia
    state = PIA_TO_STATUS.get(pia.status, ValidationState.PENDING)
    validation: dict[str, Any] = {"etat": state.value}
    if pia.validator_name:
        validation["par"] = pia.validator_name
    if state.is_validated:
        validation.setdefault("par", "Non précisé dans le logiciel PIA")
        validation["date"] = (pia.updated_at or pia.created_at or "1970-01-01")[:10]
    if state is ValidationState.REFUSED:
        reason = plain_text(pia.rejection_reason) or plain_text(pia.rejected_reason)
        validation["motif_refus"] = reason or "Motif non précisé dans le logiciel PIA."
    return validation
