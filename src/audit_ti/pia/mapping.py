"""The mapping between the audit's AIPD answers and the CNIL PIA software's JSON, and the tables both ways use.

What maps (``docs/pia-cnil.md`` lists what maps and what does not):

* context 111–123 and principles 211–227 ↔ ``answers[].data.text``; the two context keys
  ``presentation`` and ``traitement`` share question 111 (joined by a blank line);
* measures ↔ ``measures[]`` (title, content); the state « prévue » is kept as the prefix
  ``[Mesure prévue]`` of the content, since the PIA has no such field;
* the three feared events ↔ questions 3x1–3x6 (impacts, threats, sources, measure titles, author
  gauges = our « avant ») and the evaluation of item 3.2/3.3/3.4 (gauges = our « après »);
* evaluations of principles and risks ↔ ``evaluations[].status`` and comments;
* one action per measure ↔ ``evaluations["3.1.<id>"]`` (action plan comment, date, person);
* DPO and data-subjects opinions, validation ↔ the ``pia`` object.

``audit_ti.pia.export`` writes the PIA JSON (``export_pia``); ``audit_ti.pia.imports`` reads it
back into an ``aipd:`` block (``import_pia``).
"""

from __future__ import annotations

from audit_ti.models.aipd_referential import FearedEvent, MethodQuestion
from audit_ti.models.scales import ItemEvaluation, ValidationState

__all__ = [
    "CONTEXT_QUESTIONS",
    "EVALUATION_TO_PIA",
    "LIKELIHOOD_PREFIX",
    "PIA_TO_EVALUATION",
    "PIA_TO_STATUS",
    "PLANNED_PREFIX",
    "RISK_QUESTIONS",
    "STATUS_TO_PIA",
    "principle_reference",
    "risk_question_base",
]

#: How a planned measure is told from an existing one inside a PIA measure's content.
PLANNED_PREFIX = "[Mesure prévue]"
#: Where the text of question x6 (why this likelihood) starts in ``avant.justification``, after the
#: text of question x5 (why this severity) and a blank line: the PIA has a text for each gauge.
LIKELIHOOD_PREFIX = "Vraisemblance :"
#: The PIA question of each context key (two keys share question 111).
CONTEXT_QUESTIONS = {
    "presentation": 111,
    "traitement": 111,
    "responsabilites": 112,
    "referentiels": 113,
    "donnees": 121,
    "cycle_de_vie": 122,
    "supports": 123,
}
STATUS_TO_PIA = {
    ValidationState.PENDING: 0,
    ValidationState.REFUSED: 1,
    ValidationState.VALIDATED: 2,
    ValidationState.SIGNED: 3,
}
EVALUATION_TO_PIA = {
    ItemEvaluation.TO_CORRECT: 1,
    ItemEvaluation.IMPROVABLE: 2,
    ItemEvaluation.ACCEPTABLE: 3,
}
PIA_TO_STATUS = {value: key for key, value in STATUS_TO_PIA.items()}
PIA_TO_EVALUATION = {value: key for key, value in EVALUATION_TO_PIA.items()}
#: The last digit of each question of a feared event (3x1–3x6).
RISK_QUESTIONS = {"impacts": 1, "menaces": 2, "sources": 3, "mesures": 4, "gravite": 5, "vraisemblance": 6}


def principle_reference(principle: MethodQuestion) -> str:
    """The PIA evaluation reference of a principle (« 2.1.211 », « 2.2.221 »)."""
    section = "2.1" if principle.pia_question < 220 else "2.2"
    return f"{section}.{principle.pia_question}"


def risk_question_base(event: FearedEvent) -> int:
    """Ten times the PIA section of a feared event (3.2 → 320): its questions are 321 to 326."""
    return int(event.pia_section.replace(".", "")) * 10
