"""What the CNIL PIA software reads when it imports a file, and what audit-ti does not keep of it.

Read in LINCnil/pia, ``src/app/services/pia.service.ts``: ``importData`` and the functions it calls
(``importAnswers``, ``importMeasures``, ``importEvaluations``, ``importComments``). ``export_pia``
writes every one of these keys, in the shape the software's own exports have; the tests check
each key and check ``NOT_KEPT`` against what ``import_pia`` really uses.
"""

from __future__ import annotations

__all__ = ["NOT_KEPT", "READ_BY_PIA", "SERVER_ONLY"]

#: The keys ``importData`` reads, for the ``pia`` object and for each item of the four arrays.
#: ``rejected_reason`` and ``applied_adjustements`` are spelt as ``importData`` reads them; the
#: software's exports write ``rejection_reason`` and ``applied_adjustments``: both are written.
READ_BY_PIA: dict[str, tuple[str, ...]] = {
    "pia": (
        "name",
        "category",
        "status",
        "created_at",
        "updated_at",
        "author_name",
        "evaluator_name",
        "validator_name",
        "dpo_status",
        "dpo_opinion",
        "dpos_names",
        "concerned_people_status",
        "concerned_people_opinion",
        "concerned_people_searched_opinion",
        "concerned_people_searched_content",
        "people_names",
        "rejected_reason",
        "applied_adjustements",
        "structure_id",
        "structure_data",
        "structure_name",
        "structure_sector_name",
    ),
    "answers": ("reference_to", "data", "created_at", "updated_at"),
    "measures": ("id", "title", "content", "placeholder", "created_at", "updated_at"),
    "evaluations": (
        "reference_to",
        "status",
        "evaluation_comment",
        "action_plan_comment",
        "evaluation_date",
        "gauges",
        "estimated_implementation_date",
        "person_in_charge",
        "global_status",
        "created_at",
        "updated_at",
    ),
    "comments": ("description", "reference_to", "for_measure", "created_at", "updated_at"),
}

#: Read by ``importData`` only when the software runs with its server (users and guests by id):
#: the standalone software never writes them, and audit-ti does not either.
SERVER_ONLY = ("pia.user_pias", "pia.guests")

#: Keys of a PIA export that ``import_pia`` leaves out, with why (``docs/pia-cnil.md`` lists them).
NOT_KEPT: dict[str, str] = {
    "pia.name": "le nom du cas d'usage est hors du bloc aipd",
    "pia.category": "pas de catégorie dans audit-ti",
    "pia.author_name": "le responsable du cas d'usage est hors du bloc aipd",
    "pia.evaluator_name": "pas d'évaluateur nommé dans audit-ti",
    "pia.concerned_people_status": "avis des personnes concernées favorable ou non : pas de champ",
    "pia.applied_adjustments": "pas de champ",
    "pia.applied_adjustements": "pas de champ",
    "pia.structure_id": "les structures du logiciel n'existent pas dans audit-ti",
    "pia.structure_name": "idem",
    "pia.structure_sector_name": "idem",
    "pia.structure_data": "idem",
    "answers.created_at": "audit-ti ne date pas les réponses",
    "answers.updated_at": "idem",
    "measures.placeholder": "aide à la saisie du logiciel",
    "measures.created_at": "audit-ti ne date pas les mesures",
    "measures.updated_at": "idem",
    "evaluations.evaluation_date": "audit-ti ne date pas les évaluations",
    "evaluations.global_status": "état d'avancement de l'évaluation dans le logiciel",
    "evaluations.created_at": "idem",
    "evaluations.updated_at": "idem",
    "comments.description": "les commentaires du logiciel n'ont pas de place dans audit-ti",
    "comments.reference_to": "idem",
    "comments.for_measure": "idem",
    "comments.created_at": "idem",
    "comments.updated_at": "idem",
}
