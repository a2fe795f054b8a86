"""The exchange with the CNIL PIA software, on two files the real software wrote.

``tests/fixtures/pia/2018-02-21-pia-example.json`` (its worked example « Captoo ») and
``cypress-fixture-pia.json`` (its end-to-end fixture), copied unchanged from LINCnil/pia (GPL-3.0,
see the LISEZMOI there). The keys the software's ``importData`` reads are listed in
``audit_ti.pia.software``; the shapes below are those of the software's exports.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from audit_ti.models.aipd import AipdAnswers
from audit_ti.models.cnil_pia import PiaExport
from audit_ti.pia.export import export_pia
from audit_ti.pia.imports import import_pia
from audit_ti.pia.software import NOT_KEPT, READ_BY_PIA, SERVER_ONLY
from tests.assess_helpers import aipd_answers, aipd_referential
from tests.conftest import FIXTURES, ROOT

EXAMPLE = FIXTURES / "pia" / "2018-02-21-pia-example.json"
CYPRESS = FIXTURES / "pia" / "cypress-fixture-pia.json"
REAL_EXPORTS = (EXAMPLE, CYPRESS)
HAND_WRITTEN = FIXTURES / "pia" / "pia-marche-couvert.json"
EXPORTED_ON = date(2026, 12, 2)
ARRAYS = ("answers", "measures", "evaluations", "comments")


def raw(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def imported(data: dict[str, Any]) -> AipdAnswers:
    return aipd_answers(import_pia(PiaExport.model_validate(data), aipd_referential()))


def exported(answers: AipdAnswers) -> dict[str, Any]:
    """Our export, through JSON text as the software would read it."""
    document = export_pia(answers, aipd_referential(), "Captoo", "Elisabeth York", EXPORTED_ON)
    result: dict[str, Any] = json.loads(json.dumps(document, ensure_ascii=False))
    return result


# --- 1. What the import makes of each real export ----------------------------------------


def test_the_software_example_gives_its_context_and_principles() -> None:
    answers = imported(raw(EXAMPLE))
    context = answers.context
    assert context.overview is not None and context.overview.startswith(
        "Le PIA porte sur le moniteur de sommeil Captoo, produit par la société Dreamland qui"
    )
    assert context.processing is not None and context.processing.startswith("Les principaux enjeux résident")
    assert context.standards == "Il n'y a pas de référentiels applicables."
    assert context.responsibilities is not None and "Responsable de traitement : Dreamland" in context.responsibilities
    assert "<" not in str(context.model_dump())  # no HTML left
    assert len(answers.principles) == 12
    evaluations = {key: principle.evaluation for key, principle in answers.principles.items()}
    assert evaluations["exactitude"] == "acceptable"
    assert [key for key, value in evaluations.items() if value != "ameliorable"] == ["exactitude"]
    minimisation = answers.principles["minimisation"]
    assert minimisation.answer.startswith("Données relevées \nTempérature, humidité")
    assert minimisation.comment is not None and minimisation.comment.startswith("La nécessité de la collecte")


def test_the_software_example_gives_its_23_measures_catalogue_or_titled() -> None:
    measures = imported(raw(EXAMPLE)).measures
    assert len(measures) == 23
    encryption = measures["chiffrement"]  # the catalogue's PIA title « Chiffrement »
    assert encryption.title is None and encryption.state == "existante"
    assert encryption.description is not None and encryption.description.endswith(
        "se font en SSL via le protocole https."
    )
    assert measures["journalisation"].description is not None  # « Traçabilité »
    supervision = measures["supervision"]  # not in the catalogue: titled
    assert (supervision.title, supervision.description) == ("Supervision", "Des audits sont réalisés.")
    assert all(measure.state == "existante" for measure in measures.values())


def test_the_software_example_gives_its_risks_with_both_gauges_and_texts() -> None:
    risks = imported(raw(EXAMPLE)).risks
    assert set(risks) == {"acces_illegitime", "modification_non_desiree", "disparition"}
    access = risks["acces_illegitime"]
    assert (access.before.severity, access.before.likelihood) == (3, 4)
    assert access.after is not None and (access.after.severity, access.after.likelihood) == (3, 1)
    assert (access.evaluation, access.threats[0], access.sources) == (
        "ameliorable",
        "Consultation de données",
        ["Employé", "Attaquant", "Entourage"],
    )
    assert access.measures[:3] == ["controle_acces", "chiffrement", "journalisation"]
    assert access.before.justification is not None
    severity, likelihood = access.before.justification.split("\n\nVraisemblance : ")
    assert severity.startswith("En cas de divulgation de leurs données")
    assert likelihood.startswith("Il semble extrêmement facile pour un employé")
    for key in ("modification_non_desiree", "disparition"):
        risk = risks[key]
        assert (risk.before.severity, risk.before.likelihood, risk.after, risk.evaluation) == (2, 2, None, "acceptable")


def test_the_software_example_gives_its_opinions_validation_and_action_plan() -> None:
    answers = imported(raw(EXAMPLE))
    dpo, subjects = answers.opinions.dpo, answers.opinions.data_subjects
    assert dpo is not None and (dpo.name, dpo.verdict) == ("Michael Thomas (DPO)", "favorable")
    assert dpo.reasons is not None and dpo.reasons.startswith("L’analyse menée montre")
    assert subjects is not None and (subjects.sought, subjects.who) == (True, "Les clients potentiels")
    assert subjects.opinion is not None and subjects.opinion.startswith("Le panel de clients")
    validation = answers.validation
    assert (validation.state, validation.by, validation.on) == ("validee_signee", "Mary Smith", date(2018, 2, 21))
    assert validation.refusal_reason is None  # « Rapport incomplet » belongs to an earlier refusal
    plan = answers.action_plan
    assert [action.principle for action in plan[:11]] == [
        "finalites",
        "base_legale",
        "minimisation",
        "conservation",
        *("information", "consentement", "acces_portabilite", "rectification_effacement"),
        *("limitation_opposition", "sous_traitants", "transferts_hors_ue"),
    ]
    assert plan[1].action == "Distinguer le service lui-même des autres finalités, au besoin faire un PIA pour chacune."
    assert plan[11].risk == "acces_illegitime" and plan[11].action.startswith("Les mesures correctives suivantes")
    linked = plan[12:]
    assert len(linked) == 12 and all(action.measure is not None for action in linked)
    assert (linked[0].measure, linked[0].action) == (
        "chiffrement",
        "TLS devrait être employé pour l'utilisation du protocole https.",
    )


def test_the_comment_of_the_software_example_is_read_but_not_kept() -> None:
    data = raw(EXAMPLE)
    [comment] = PiaExport.model_validate(data).comments
    assert comment["reference_to"] == 212
    assert "intérêt légitime" not in json.dumps(import_pia(PiaExport.model_validate(data), aipd_referential()))
    assert "comments.description" in NOT_KEPT


def test_the_cypress_fixture_gives_placeholder_answers_and_test_opinions() -> None:
    answers = imported(raw(CYPRESS))
    assert answers.context.overview is not None and answers.context.overview.startswith("Lorem ipsum dolor sit amet")
    assert answers.context.overview.endswith("Mauris pulvinar ultrices feugiat.")  # &nbsp; and <span> gone
    assert len(answers.principles) == 12
    assert {principle.evaluation for principle in answers.principles.values()} == {"acceptable"}
    assert set(answers.measures) == {"chiffrement"}
    for risk in answers.risks.values():
        assert (risk.before.severity, risk.before.likelihood, risk.after) == (3, 3, None)
        assert (risk.measures, risk.evaluation) == (["chiffrement"], "acceptable")
    assert len(answers.risks) == 3
    dpo, subjects = answers.opinions.dpo, answers.opinions.data_subjects
    assert dpo is not None and (dpo.name, dpo.verdict, dpo.reasons) == ("test", "favorable", "test")
    assert subjects is not None and (subjects.sought, subjects.who, subjects.opinion) == (True, "test", "test")
    assert (answers.validation.state, answers.validation.by) == ("en_attente", "Prénom Nom")
    assert answers.action_plan == []  # its one measure evaluation has no action; « 3.1.[object Object] » neither


# --- 2. Our export carries every key importData reads, in the software's shape ------------

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _shape(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, str):
        return "timestamp" if TIMESTAMP.match(value) else "str"
    if isinstance(value, dict):
        return "{" + ",".join(f"{key}:{_shape(item) if key != 'list' else 'list'}" for key, item in value.items()) + "}"
    return type(value).__name__


TEXT_DATA = {"{text:str,gauge:null,list:list}", "{text:str,gauge:int,list:list}", "{text:null,gauge:null,list:list}"}
#: The shapes the software's exports hold for each key importData reads (« rejected_reason » and
#: « applied_adjustements » are never in its exports: they take the shape of their other spelling).
SHAPES: dict[tuple[str, str], set[str]] = {
    **{("pia", key): {"str"} for key in READ_BY_PIA["pia"]},
    ("pia", "status"): {"int"},
    ("pia", "created_at"): {"timestamp"},
    ("pia", "updated_at"): {"timestamp"},
    ("pia", "dpo_status"): {"int", "null"},
    ("pia", "concerned_people_status"): {"int", "null"},
    ("pia", "concerned_people_searched_opinion"): {"bool", "null"},
    ("pia", "structure_id"): {"null"},
    ("pia", "structure_data"): {"null"},
    ("answers", "reference_to"): {"int"},
    ("answers", "data"): TEXT_DATA | {"{text:str,gauge:int,list:list}", "{text:null,gauge:int,list:list}"},
    ("answers", "created_at"): {"timestamp"},
    ("answers", "updated_at"): {"timestamp"},
    ("measures", "id"): {"int"},
    ("measures", "title"): {"str"},
    ("measures", "content"): {"str"},
    ("measures", "placeholder"): {"str"},
    ("measures", "created_at"): {"timestamp", "null"},
    ("measures", "updated_at"): {"timestamp"},
    ("evaluations", "reference_to"): {"str"},
    ("evaluations", "status"): {"int"},
    ("evaluations", "evaluation_comment"): {"str", "null"},
    ("evaluations", "action_plan_comment"): {"str", "null"},
    ("evaluations", "evaluation_date"): {"timestamp", "null"},
    ("evaluations", "gauges"): {"{x:int,y:int}"},
    ("evaluations", "estimated_implementation_date"): {"timestamp", "null"},
    ("evaluations", "person_in_charge"): {"str", "null"},
    ("evaluations", "global_status"): {"int"},
    ("evaluations", "created_at"): {"timestamp"},
    ("evaluations", "updated_at"): {"timestamp"},
}
FIELDS = [(collection, key) for collection, keys in READ_BY_PIA.items() if collection != "comments" for key in keys]


def _items(document: dict[str, Any], collection: str) -> list[dict[str, Any]]:
    return [document["pia"]] if collection == "pia" else list(document[collection])


def test_the_shapes_are_those_of_the_real_exports() -> None:
    """What the tests below demand is what the real software wrote, key by key."""
    seen: dict[tuple[str, str], set[str]] = {}
    for path in REAL_EXPORTS:
        document = raw(path)
        for collection, key in FIELDS:
            for item in _items(document, collection):
                if key in item:
                    seen.setdefault((collection, key), set()).add(_shape(item[key]))
    for field, shapes in seen.items():
        assert shapes <= SHAPES[field], (field, shapes)
    assert {"rejected_reason", "applied_adjustements"}.isdisjoint(k for (c, k) in seen if c == "pia")


@pytest.mark.parametrize("path", REAL_EXPORTS, ids=lambda path: path.stem)
@pytest.mark.parametrize(("collection", "key"), FIELDS, ids=str)
def test_export_carries_each_key_importdata_reads(path: Path, collection: str, key: str) -> None:
    document = exported(imported(raw(path)))
    items = _items(document, collection)
    assert items, f"rien à exporter dans « {collection} »"
    for item in items:
        assert key in item, item
        assert _shape(item[key]) in SHAPES[(collection, key)], (key, item[key])


@pytest.mark.parametrize("path", REAL_EXPORTS, ids=lambda path: path.stem)
def test_export_ids_and_references_hold_together_as_in_the_software(path: Path) -> None:
    document = exported(imported(raw(path)))
    pia = document["pia"]
    assert (pia["is_example"], pia["is_archive"]) == (0, 0)  # only the software's own example is 1
    assert not {key.removeprefix("pia.") for key in SERVER_ONLY} & set(pia)
    assert pia["rejected_reason"] == pia["rejection_reason"]
    assert pia["applied_adjustements"] == pia["applied_adjustments"]
    for collection in ("answers", "measures", "evaluations"):
        ids = [item["id"] for item in document[collection]]
        assert len(set(ids)) == len(ids)
        assert {item["pia_id"] for item in document[collection]} == {pia["id"]}
    measure_ids = {measure["id"] for measure in document["measures"]}
    for evaluation in document["evaluations"]:
        reference = evaluation["reference_to"]
        assert re.fullmatch(r"1\.[12]|2\.[12]\.2[12]\d|3\.[234]|3\.1\.\d+", reference), reference
        if reference.startswith("3.1."):
            assert int(reference.removeprefix("3.1.")) in measure_ids
        assert all(0 <= evaluation["gauges"][axis] <= 4 for axis in "xy")
    for answer in document["answers"]:
        assert 111 <= answer["reference_to"] <= 346
        gauge = answer["data"]["gauge"]
        assert (gauge is not None) == (answer["reference_to"] % 10 in (5, 6) and answer["reference_to"] > 300)
        assert gauge is None or 1 <= gauge <= 4
    assert document["comments"] == []  # nothing of an audit goes to the software's comments


# --- 3. Export → import → export loses nothing the format holds --------------------------


@pytest.mark.parametrize("path", [*REAL_EXPORTS, HAND_WRITTEN], ids=lambda path: path.stem)
def test_export_import_export_is_a_fixed_point(path: Path) -> None:
    first = imported(raw(path))
    once = exported(first)
    second = imported(once)
    assert second == first
    assert exported(second) == once


@pytest.mark.parametrize("audit", ["stationnement", "telereleve-eau", "eclairage-public", "demo-lab"])
def test_our_answers_survive_the_pia_format(audit: str) -> None:
    from audit_ti.inputs.documents import load_audit

    original = load_audit(ROOT / "audits" / f"{audit}.yaml").aipd
    back = imported(exported(original))
    assert back.context == original.context
    assert back.principles == original.principles
    assert back.measures == original.measures
    for risk_id, risk in back.risks.items():
        mine = original.risks[risk_id]
        assert risk.model_dump(exclude={"after"}) == mine.model_dump(
            exclude={"after", "non_consultation", "acceptation"}
        )
        assert (risk.after and (risk.after.severity, risk.after.likelihood)) == (
            mine.after and (mine.after.severity, mine.after.likelihood)
        )
    assert (back.validation.state, back.validation.by, back.validation.refusal_reason) == (
        original.validation.state,
        original.validation.by,
        original.validation.refusal_reason,
    )


# --- 4. What cannot travel is what the code leaves out ------------------------------------


def _mutated(value: Any, key: str) -> Any:
    """Another value of the same shape."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1000 if key in ("id", "reference_to") else value % 4 + 1
    if isinstance(value, dict):
        return {"x": 1, "y": 2} if "x" in value else {"text": "modifié", "gauge": 1, "list": ["modifié"]}
    if (isinstance(value, str) and TIMESTAMP.match(value)) or (value is None and "date" in key):
        return "2031-05-04T10:00:00.000Z"
    if key == "reference_to":
        return f"9.{value}"
    return f"{value or ''} (modifié)"


def _changes_the_import(data: dict[str, Any], collection: str, key: str) -> bool:
    before = import_pia(PiaExport.model_validate(data), aipd_referential())
    changed = copy.deepcopy(data)
    for item in _items(changed, collection):
        item[key] = _mutated(item.get(key), key)
    return import_pia(PiaExport.model_validate(changed), aipd_referential()) != before


def _bases() -> list[dict[str, Any]]:
    """The real exports, and the example refused with less said (some keys are read only then).

    A refusal reason is read for a refused PIA, under its second spelling when the first is
    empty; the date of creation stands for the date of validation when there is no last change.
    """
    refused = raw(EXAMPLE)
    refused["pia"]["status"] = 1
    terse = copy.deepcopy(refused)
    terse["pia"].update(status=2, rejection_reason="", rejected_reason="Rapport incomplet")
    del terse["pia"]["updated_at"]
    terse_refused = copy.deepcopy(terse)
    terse_refused["pia"]["status"] = 1
    return [raw(EXAMPLE), refused, terse, terse_refused, raw(CYPRESS)]


ALL_FIELDS = [(collection, key) for collection, keys in READ_BY_PIA.items() for key in keys] + [
    ("pia", "rejection_reason"),
    ("pia", "applied_adjustments"),
]


@pytest.mark.parametrize(("collection", "key"), ALL_FIELDS, ids=str)
def test_not_kept_lists_exactly_what_the_import_leaves_out(collection: str, key: str) -> None:
    changes = any(_changes_the_import(base, collection, key) for base in _bases())
    assert changes != (f"{collection}.{key}" in NOT_KEPT)


def test_the_documentation_lists_what_cannot_travel() -> None:
    text = (ROOT / "docs" / "pia-cnil.md").read_text(encoding="utf-8")
    missing = [field for field in [*NOT_KEPT, *SERVER_ONLY] if f"`{field}`" not in text]
    assert missing == []


# --- Actions linked to a principle or a risk ----------------------------------------------


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ("principe: sous_traitants", None),
        ("risque: acces_illegitime", None),
        ("principe: sous_traitant", "principe « sous_traitant » inconnu, vouliez-vous dire « sous_traitants » ?"),
        ("risque: acces_illegitme", "risque « acces_illegitme » inconnu, vouliez-vous dire « acces_illegitime » ?"),
    ],
)
def test_an_action_names_a_known_principle_or_risk(tmp_path: Path, link: str, message: str | None) -> None:
    from audit_ti.checks import default_registry
    from audit_ti.validation.catalog import GrilleCatalog
    from audit_ti.validation.files import validate_file

    folder = tmp_path / "audits"
    shutil.copytree(ROOT / "audits", folder)
    path = folder / "stationnement.yaml"
    text = path.read_text(encoding="utf-8")
    action = "    - mesure: floutage\n"
    assert text.count(action) == 1
    path.write_text(text.replace(action, f"    - {link}\n      mesure: floutage\n"), encoding="utf-8")
    report = validate_file(path, GrilleCatalog(ROOT / "grilles", default_registry()), date(2026, 11, 22))
    if message is None:
        assert report.ok, report.problems
    else:
        assert [problem.message for problem in report.problems] == [message]


@pytest.mark.parametrize(
    "validation",
    [
        {"etat": "validee", "par": "Maire de Démoville", "date": "2026-11-20"},
        {"etat": "validee_signee", "par": "Maire de Démoville", "date": "2026-11-21"},
        {"etat": "refusee", "par": "DPD mutualisé", "motif_refus": "Analyse des risques incomplète."},
    ],
    ids=lambda validation: validation["etat"],
)
def test_validation_opinions_and_linked_actions_survive_the_pia_format(validation: dict[str, str]) -> None:
    from audit_ti.inputs.documents import load_audit

    data = load_audit(ROOT / "audits" / "stationnement.yaml").aipd.model_dump(
        by_alias=True, exclude_none=True, mode="json"
    )
    data["validation"] = validation
    data["plan_action"] += [
        {"principe": "sous_traitants", "action": "Signer l'avenant « art. 28 » & <le> joindre.", "responsable": "DGS"},
        {
            "risque": "disparition",
            "action": "Sauvegarder chaque nuit.\nTester la restauration.",
            "echeance": "2027-01-31",
        },
    ]
    original = aipd_answers(data)
    back = imported(exported(original))
    assert back.validation == original.validation
    lost = {"dpo": {"given_on"}, "data_subjects": {"how"}}  # no place in the PIA
    assert back.opinions.model_dump(exclude=lost) == original.opinions.model_dump(exclude=lost)

    def kept(plan: list[Any]) -> list[tuple[Any, ...]]:
        return sorted((str(a.measure), str(a.principle), str(a.risk), a.action, a.owner, a.due) for a in plan)

    assert kept(back.action_plan) == kept(original.action_plan)  # one action per element here


@pytest.mark.parametrize(
    "text",
    ["a & b < c > d", "<b>pas une balise</b>", "ligne 1\nligne 2", "§ 1\n\n§ 2\nsuite", "« 35 % »\u00a0: 4 &nbsp;"],
)
def test_texts_survive_the_html_of_the_pia(text: str) -> None:
    from audit_ti.pia.export import to_html
    from audit_ti.pia.imports import plain_text

    html_text = to_html(text)
    assert html_text is not None and html_text.startswith("<p>")
    assert plain_text(html_text) == text
