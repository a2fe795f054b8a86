"""Every rule of the AIPD engine: pre-screen, risk map zones, art. 36, blocking findings."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from audit_ti.impact.aipd import assess_aipd, assess_prescreen, risk_level
from audit_ti.models.aipd import RiskEstimate
from audit_ti.models.aipd_result import AipdResult, PrescreenResult
from audit_ti.models.scales import CnilLevel, PrescreenVerdict
from tests.assess_helpers import aipd_answers, aipd_referential, all_criteria
from tests.conftest import ROOT

CRITERIA = [c.id for c in aipd_referential().prescreen.criteria]
AUDIT_DATE = date(2026, 11, 20)


def prescreen(**section: Any) -> PrescreenResult:
    return assess_prescreen(aipd_answers({"preselection": section}), aipd_referential())


def test_the_referential_holds_the_nine_edpb_criteria() -> None:
    assert len(CRITERIA) == 9
    assert aipd_referential().prescreen.mandatory_threshold == 2


@pytest.mark.parametrize("criterion", CRITERIA)
def test_each_edpb_criterion_alone_only_recommends(criterion: str) -> None:
    result = prescreen(criteres=all_criteria({criterion}))
    assert result.verdict is PrescreenVerdict.RECOMMENDED
    assert [item.id for item in result.criteria_met] == [criterion]
    assert "1 critère(s) du CEPD rempli(s) sur 9" in result.rules[-1]


@pytest.mark.parametrize("pair", list(combinations(CRITERIA, 2))[::4], ids="+".join)
def test_any_two_edpb_criteria_make_it_required_by_presumption(pair: tuple[str, str]) -> None:
    result = prescreen(criteres=all_criteria(set(pair)))
    assert result.verdict is PrescreenVerdict.PRESUMED and result.aipd_due
    assert result.label == "AIPD requise (présomption CEPD)"
    assert {item.id for item in result.criteria_met} == set(pair)
    assert "seuil 2 atteint" in result.rules[-1] and "présomption" in result.rules[-1]


def test_a_reasoned_exception_endorsed_by_the_dpo_rebuts_the_presumption_but_not_the_cnil_list() -> None:
    exception = {"par": "Camille Martin, déléguée", "date": "2026-11-20", "motifs": "capteurs sans donnée nominative"}
    rebutted = prescreen(criteres=all_criteria({"grande_echelle", "usage_innovant"}), exception_motivee=exception)
    assert rebutted.verdict is PrescreenVerdict.REASONED_EXCEPTION and not rebutted.requires_aipd
    assert "Camille Martin" in rebutted.rules[-1] and "20/11/2026" in rebutted.rules[-1]
    assert "exception motivée" in rebutted.label
    listed = prescreen(traitements_listes={"rgpd_35_3_c": "caméras"}, exception_motivee=exception)
    assert listed.verdict is PrescreenVerdict.MANDATORY


def test_the_rules_say_the_cnil_list_is_not_exhaustive() -> None:
    result = prescreen(criteres=all_criteria(set()))
    assert "n'est pas exhaustive" in result.rules[0]


def test_no_criterion_met_and_all_answered_is_not_mandatory_with_guidance() -> None:
    result = prescreen(criteres=all_criteria(set()), raisonnement="Aucune donnée personnelle.")
    assert result.verdict is PrescreenVerdict.NOT_MANDATORY
    assert "Documentez ce raisonnement" in result.guidance
    assert result.reasoning == "Aucune donnée personnelle."


def test_unanswered_criteria_that_could_reach_the_threshold_leave_it_incomplete() -> None:
    answered = all_criteria({"grande_echelle"})
    del answered["usage_innovant"]
    result = prescreen(criteres=answered)
    assert result.verdict is PrescreenVerdict.INCOMPLETE
    assert result.criteria_unanswered == ("usage_innovant",)


def test_one_unanswered_criterion_cannot_reach_the_threshold_alone() -> None:
    answered = all_criteria(set())
    del answered["usage_innovant"]
    assert prescreen(criteres=answered).verdict is PrescreenVerdict.NOT_MANDATORY


@pytest.mark.parametrize("listed", ["rgpd_35_3_c", "cnil_localisation_large_echelle"])
def test_a_listed_processing_type_makes_it_mandatory_without_any_criterion(listed: str) -> None:
    result = prescreen(criteres=all_criteria(set()), traitements_listes={listed: "essai"})
    assert result.verdict is PrescreenVerdict.MANDATORY
    assert result.listed[0].id == listed
    assert result.rules[0].startswith("Règle 1")
    assert "AIPD obligatoire" in result.rules[0]


def test_an_exemption_wins_over_criteria_but_not_over_the_mandatory_list() -> None:
    exempt = prescreen(
        criteres=all_criteria({"grande_echelle", "usage_innovant"}), exemptions={"fichier_electoral": "x"}
    )
    assert exempt.verdict is PrescreenVerdict.EXEMPT
    both = prescreen(exemptions={"fichier_electoral": "x"}, traitements_listes={"rgpd_35_3_c": "y"})
    assert both.verdict is PrescreenVerdict.MANDATORY


# --- Risk map -------------------------------------------------------------------------------

EXPECTED_ZONES = {
    (1, 1): "acceptable", (1, 2): "acceptable", (1, 3): "a_reduire", (1, 4): "a_reduire",
    (2, 1): "acceptable", (2, 2): "acceptable", (2, 3): "a_reduire", (2, 4): "a_reduire",
    (3, 1): "a_reduire", (3, 2): "a_reduire", (3, 3): "eleve", (3, 4): "eleve",
    (4, 1): "a_reduire", (4, 2): "a_reduire", (4, 3): "eleve", (4, 4): "eleve",
}  # fmt: skip


@pytest.mark.parametrize(("cell", "zone"), sorted(EXPECTED_ZONES.items()))
def test_each_cell_of_the_risk_map_falls_in_its_cnil_zone(cell: tuple[int, int], zone: str) -> None:
    estimate = RiskEstimate.model_validate({"gravite": cell[0], "vraisemblance": cell[1]})
    level = risk_level(estimate, aipd_referential())
    assert level.zone == zone
    assert level.severity_label == CnilLevel(cell[0]).label


@pytest.mark.parametrize(("text", "level"), [("3", 3), (4, 4), ("négligeable", 1), ("Limitee", 2), ("IMPORTANTE", 3)])
def test_cnil_levels_accept_numbers_and_french_labels(text: object, level: int) -> None:
    assert CnilLevel.parse(text) == level


@pytest.mark.parametrize("bad", [0, 5, "haute", True, 2.5])
def test_cnil_levels_refuse_anything_else_in_french(bad: object) -> None:
    with pytest.raises(ValueError, match="niveau attendu de 1 à 4"):
        CnilLevel.parse(bad)


def risk(before: tuple[int, int], after: tuple[int, int] | None = None, **extra: Any) -> dict[str, Any]:
    data = {"avant": {"gravite": before[0], "vraisemblance": before[1]}, **extra}
    if after:
        data["apres"] = {"gravite": after[0], "vraisemblance": after[1]}
    return data


def assess(section: dict[str, Any]) -> AipdResult:
    return assess_aipd(aipd_answers(section), aipd_referential(), "essai", AUDIT_DATE)


def test_high_residual_risk_requires_prior_consultation_with_the_referential_text() -> None:
    result = assess({"risques": {"acces_illegitime": risk((4, 4), (3, 3))}})
    assert result.prior_consultation.required
    assert result.prior_consultation.risks == ("acces_illegitime",)
    assert "article 36 du RGPD" in (result.prior_consultation.text or "")
    assert any("article 36" in finding for finding in result.blocking)


def test_measures_that_bring_the_risk_down_lift_the_art_36_flag() -> None:
    result = assess({"risques": {"acces_illegitime": risk((4, 4), (3, 2))}})
    assert not result.prior_consultation.required
    assert result.prior_consultation.text is None
    assert result.max_residual is not None and result.max_residual.zone == "a_reduire"


def test_without_an_after_estimate_the_residual_risk_is_the_before_one() -> None:
    result = assess({"risques": {"disparition": risk((3, 4))}})
    disparition = next(r for r in result.risks if r.id == "disparition")
    assert disparition.residual == disparition.before
    assert result.prior_consultation.required


def test_custom_risks_are_assessed_lettered_and_can_trigger_art_36() -> None:
    section = {"risques": {"reidentification": risk((3, 3), titre="Réidentification par croisement")}}
    result = assess(section)
    custom = next(r for r in result.risks if r.id == "reidentification")
    assert (custom.custom, custom.letter, custom.title) == (True, "R1", "Réidentification par croisement")
    assert result.prior_consultation.risks == ("reidentification",)


def test_the_three_feared_events_always_appear_even_unanswered() -> None:
    result = assess({})
    assert [r.id for r in result.risks] == ["acces_illegitime", "modification_non_desiree", "disparition"]
    assert not any(r.answered for r in result.risks)
    assert result.max_residual is None


def test_risk_map_has_one_point_per_phase() -> None:
    result = assess({"risques": {"acces_illegitime": risk((3, 3), (2, 2)), "disparition": risk((1, 2))}})
    points = [(p.risk, p.phase, p.severity, p.likelihood) for p in result.risk_map.points]
    assert points == [
        ("acces_illegitime", "avant", 3, 3),
        ("acces_illegitime", "apres", 2, 2),
        ("disparition", "avant", 1, 2),
    ]
    assert result.risk_map.grid[2][2] == "eleve"


def test_mandatory_aipd_blocks_until_validated() -> None:
    listed = {"preselection": {"traitements_listes": {"rgpd_35_3_c": "x"}}}
    assert any("non validée" in finding for finding in assess(listed).blocking)
    validated = listed | {"validation": {"etat": "validee", "par": "Le maire", "date": "2026-11-19"}}
    assert assess(validated).blocking == ()


def test_refused_aipd_blocks_with_its_reason() -> None:
    result = assess({"validation": {"etat": "refusee", "motif_refus": "Données disproportionnées"}})
    assert any("Données disproportionnées" in finding for finding in result.blocking)


def test_action_plan_marks_late_actions_and_sums_costs_except_dropped_ones() -> None:
    plan = [
        {"action": "A", "echeance": "2026-10-01", "statut": "en_cours", "cout_euros": 100},
        {"action": "B", "echeance": "2026-10-01", "statut": "fait", "cout_euros": 50},
        {"action": "C", "echeance": "2027-01-01", "statut": "a_faire"},
        {"action": "D", "statut": "abandonnee", "cout_euros": 1000},
    ]
    result = assess({"plan_action": plan})
    assert [action.late for action in result.action_plan] == [True, False, False, False]
    assert result.action_plan_cost_eur == 150


def test_opinions_say_what_is_missing() -> None:
    result = assess({"avis": {"dpd": {"nom": "DPO", "avis": "favorable"}}})
    assert result.opinions.missing == ("avis des personnes concernées, ou raison écrite de ne pas l'avoir demandé",)


def test_hosting_recommendation_follows_the_declared_sensitivity() -> None:
    result = assess({"hebergement": {"sensibilite": "forte"}})
    assert "SecNumCloud" in (result.hosting or "")


DPO = {"par": "Camille Martin, déléguée à la protection des données", "date": "2026-11-20", "motifs": "écrit"}


@pytest.mark.parametrize("residual", [(4, 2), (2, 4), (4, 1), (1, 4)])
def test_a_maximal_severity_or_likelihood_left_after_the_measures_calls_for_the_cnil(
    residual: tuple[int, int],
) -> None:
    result = assess({"risques": {"modification_non_desiree": risk((4, 4), residual)}})
    assert result.prior_consultation.risks == ("modification_non_desiree",)
    (reason,) = result.prior_consultation.reasons
    assert ("irréversibles" in reason) == (residual[0] == 4) and ("manifeste" in reason) == (residual[1] == 4)
    assert any("article 36" in finding for finding in result.blocking)


def test_the_dpo_may_waive_it_for_a_maximal_level_on_the_record_but_not_in_the_red_zone() -> None:
    waived = assess({"risques": {"disparition": risk((4, 4), (4, 2), non_consultation=DPO)}})
    assert not waived.prior_consultation.required
    (line,) = waived.prior_consultation.waived
    assert "Camille Martin" in line and "2026-11-20" in line
    red = assess({"risques": {"disparition": risk((4, 4), (3, 3), non_consultation=DPO)}})
    assert red.prior_consultation.risks == ("disparition",) and red.prior_consultation.waived == ()


def test_a_residual_risk_left_to_reduce_needs_a_signed_acceptance() -> None:
    unsigned = assess({"risques": {"acces_illegitime": risk((4, 4), (3, 2))}})
    assert unsigned.prior_consultation.unaccepted == ("acces_illegitime",)
    assert not unsigned.prior_consultation.required
    assert any("sans acceptation signée" in finding for finding in unsigned.blocking)
    signed = assess({"risques": {"acces_illegitime": risk((4, 4), (3, 2), acceptation=DPO)}})
    assert signed.prior_consultation.unaccepted == ()
    assert not any("acceptation" in finding for finding in signed.blocking)
    acceptable = assess({"risques": {"acces_illegitime": risk((4, 4), (2, 2))}})
    consultation = acceptable.prior_consultation
    assert (consultation.required, consultation.unaccepted, consultation.waived) == (False, (), ())


def test_when_no_aipd_is_required_no_opinion_is_due_and_the_signed_conclusion_is_kept() -> None:
    section = {"preselection": {"criteres": all_criteria(set()), "conclusion_signee": DPO}}
    result = assess(section)
    assert result.prescreen.verdict is PrescreenVerdict.NOT_MANDATORY and not result.prescreen.requires_aipd
    assert result.opinions.missing == ()
    assert result.prescreen.signed is not None and result.prescreen.signed.by.startswith("Camille Martin")
    # The same opinions are due as soon as one is: two criteria met make it mandatory.
    due = assess({"preselection": {"criteres": all_criteria({"grande_echelle", "donnees_sensibles"})}})
    assert due.prescreen.requires_aipd and len(due.opinions.missing) == 2


def test_the_synthesis_asks_for_the_signature_only_when_no_aipd_is_required_and_none_is_given(tmp_path: Path) -> None:
    from audit_ti.report.synthesis import synthesise
    from audit_ti.report.views import load_run
    from audit_ti.runs.reference import reference_run

    run = load_run(reference_run(ROOT / "audits" / "demo-lab.yaml", reports_dir=tmp_path))
    assert run.aipd is not None
    signed = [a.action for a in synthesise(run).actions if a.origin == "AIPD (présélection)"]
    unsigned_prescreen = run.aipd.prescreen.model_copy(update={"signed": None})
    unsigned = replace(run, aipd=run.aipd.model_copy(update={"prescreen": unsigned_prescreen}))
    asked = [a.action for a in synthesise(unsigned).actions if a.origin == "AIPD (présélection)"]
    assert signed == [] and len(asked) == 1 and "Faire signer" in asked[0]


@pytest.mark.parametrize(
    ("sensitivity", "location", "blocked"),
    [
        ("forte", "a_preciser", True),
        ("forte", "hors_union_europeenne", True),
        ("forte", "union_europeenne", False),
        ("forte", "france", False),
        ("moyenne", "a_preciser", False),  # advice only: the referential requires no location
    ],
)
def test_sensitive_data_must_be_hosted_where_the_referential_requires(
    sensitivity: str, location: str, blocked: bool
) -> None:
    result = assess({"hebergement": {"sensibilite": sensitivity, "localisation": location}})
    hosting = [finding for finding in result.blocking if "recommandation n°19" in finding]
    assert bool(hosting) is blocked
    if blocked:
        assert "en France ou dans l'Union européenne" in hosting[0]


@pytest.mark.parametrize(
    ("frequency", "basis", "flagged"),
    [
        ("horaire", "mission_interet_public", True),
        ("infra_horaire", "contrat", True),
        ("horaire", "consentement", False),
        ("journaliere", "mission_interet_public", False),
    ],
)
def test_a_fine_consumption_curve_needs_the_residents_consent(frequency: str, basis: str, flagged: bool) -> None:
    result = assess({"releve_compteurs": {"frequence": frequency, "base_legale": basis}})
    found = [finding for finding in result.blocking if "2012-404" in finding]
    assert bool(found) is flagged
    if flagged:
        assert "consentement" in found[0] and "une fois par jour" in found[0]


def _camera_findings(**cameras: Any) -> list[str]:
    result = assess({"cameras_espace_public": cameras})
    return [f for f in result.blocking if f.startswith(("Caméras", "Lecture automatisée", "Analyse des images"))]


def test_cameras_on_the_public_road_block_until_the_prefect_authorisation_is_documented() -> None:
    (missing,) = _camera_findings(video_voie_publique=True)
    assert "autorisation préfectorale" in missing and "L251-1" in missing
    authorised = {"reference": "Arrêté préfectoral n° 2026-114", "date": "2026-10-01"}
    assert _camera_findings(video_voie_publique=True, autorisation_prefectorale=authorised) == []


def test_augmented_cameras_with_an_operational_use_need_a_text_and_a_right_to_object() -> None:
    found = _camera_findings(video_voie_publique=False, analyse_images="operationnel")
    assert len(found) == 2 and any("juillet 2022" in f and "opérationnel" in f for f in found)
    statistics = _camera_findings(video_voie_publique=False, analyse_images="statistiques_anonymes")
    assert len(statistics) == 1 and statistics[0].startswith("Analyse des images")  # only the right to object
    documented = _camera_findings(
        video_voie_publique=False,
        analyse_images="statistiques_anonymes",
        droit_opposition="Panneau et formulaire en mairie ; l'image n'est plus analysée sur demande.",
    )
    assert documented == []


def test_plate_reading_needs_a_text_that_allows_it() -> None:
    (found,) = _camera_findings(video_voie_publique=False, lecture_plaques=True)
    assert "plaques" in found
    text = {"reference": "texte d'essai"}
    assert _camera_findings(video_voie_publique=False, lecture_plaques=True, texte_autorisant=text) == []
