"""The synthesis for elected officials: one light by a stated rule, never green on what was not observed."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from audit_ti.models.aipd_result import ActionResult, AipdResult
from audit_ti.models.enums import SectionState
from audit_ti.models.evaluation import Verdict
from audit_ti.models.scales import ActionStatus, InclusionLevel, InclusionVerdict
from audit_ti.report.synthesis import (
    ACTION_COLUMNS,
    RULE,
    Action,
    Light,
    Synthesis,
    actions_csv,
    synthesis_json,
    synthesise,
)
from audit_ti.report.views import RunResults, load_run
from audit_ti.runs.impact import evaluate_impact, write_outcome
from audit_ti.validation.catalog import GrilleCatalog
from tests.conftest import ROOT
from tests.test_views import demo_run


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> RunResults:
    return load_run(demo_run(tmp_path_factory.mktemp("rapports")))


def green(demo: RunResults) -> RunResults:
    """The demo run, every audit made observed and fine."""
    assert demo.cyber is not None and demo.inclusion is not None and demo.aipd is not None
    use_case = dataclasses.replace(demo.cyber.use_case, verdict=Verdict.FAVOURABLE, reasons=())
    cyber = demo.cyber.model_copy(update={"use_case": use_case, "priorities": ()})
    inclusion = demo.inclusion.model_copy(
        update={
            "state": SectionState.DONE,
            "level": InclusionLevel.I,
            "score_level": InclusionLevel.I,
            "verdict": InclusionVerdict.FAVOURABLE,
            "verdict_label": "Favorable",
            "blocking_unmet": (),
            "unanswered": (),
            "safeguards": (),
            "criteria": tuple(c.model_copy(update={"blocking_unmet": False}) for c in demo.inclusion.criteria),
        }
    )
    return dataclasses.replace(demo, cyber=cyber, inclusion=inclusion, warnings=())


def _aipd(run: RunResults, **update: object) -> RunResults:
    assert run.aipd is not None
    return dataclasses.replace(run, aipd=run.aipd.model_copy(update=update))


def _inclusion(run: RunResults, **update: object) -> RunResults:
    assert run.inclusion is not None
    return dataclasses.replace(run, inclusion=run.inclusion.model_copy(update=update))


def _cyber(run: RunResults, **update: object) -> RunResults:
    assert run.cyber is not None
    return dataclasses.replace(run, cyber=run.cyber.model_copy(update=update))


def _manifest(run: RunResults, **update: object) -> RunResults:
    assert run.manifest is not None
    return dataclasses.replace(run, manifest=run.manifest.model_copy(update=update))


def _verdict(run: RunResults, verdict: Verdict) -> RunResults:
    assert run.cyber is not None
    return _cyber(run, use_case=dataclasses.replace(run.cyber.use_case, verdict=verdict))


_PENDING = ActionResult(
    measure=None,
    measure_title=None,
    action="Chiffrer les échanges",
    owner="DSI",
    due=None,
    status=ActionStatus.TO_DO,
    cost_eur=1200.0,
    late=False,
)

DEGRADED: dict[str, tuple[Light, Callable[[RunResults], RunResults]]] = {
    "résultat cyber absent": (Light.RED, lambda r: dataclasses.replace(r, cyber=None)),
    "scan incomplet": (Light.RED, lambda r: _cyber(r, complete=False, incomplete_reasons=("nmap interrompu",))),
    "exécution incomplète": (Light.RED, lambda r: _manifest(r, status="incomplet")),
    "exécution en échec": (Light.RED, lambda r: _manifest(r, status="echec")),
    "manifeste absent": (Light.RED, lambda r: dataclasses.replace(r, manifest=None)),
    "résultat modifié": (Light.RED, lambda r: dataclasses.replace(r, altered=("results/cyber.json",))),
    "verdict cyber défavorable": (Light.RED, lambda r: _verdict(r, Verdict.UNFAVOURABLE)),
    "AIPD absente": (Light.RED, lambda r: dataclasses.replace(r, aipd=None)),
    "AIPD bloquante": (Light.RED, lambda r: _aipd(r, blocking=("consultation préalable de la CNIL requise",))),
    "inclusion absente": (Light.RED, lambda r: dataclasses.replace(r, inclusion=None)),
    "inclusion niveau IV": (Light.RED, lambda r: _inclusion(r, level=InclusionLevel.IV)),
    "critère bloquant": (Light.RED, lambda r: _inclusion(r, blocking_unmet=("alternative_non_numerique",))),
    "verdict cyber sous conditions": (Light.ORANGE, lambda r: _verdict(r, Verdict.CONDITIONAL)),
    "inclusion niveau III": (Light.ORANGE, lambda r: _inclusion(r, level=InclusionLevel.III)),
    "inclusion non renseignée": (Light.ORANGE, lambda r: _inclusion(r, unanswered=("langues",))),
    "AIPD en cours": (Light.ORANGE, lambda r: _aipd(r, state=SectionState.IN_PROGRESS)),
    "action à mener": (Light.ORANGE, lambda r: _aipd(r, action_plan=(_PENDING,))),
    "constats absents": (Light.ORANGE, lambda r: dataclasses.replace(r, findings=None)),
    "information du public absente": (Light.ORANGE, lambda r: dataclasses.replace(r, notice=None)),
}


def test_green_only_when_everything_is_observed_and_fine(demo: RunResults) -> None:
    synthesis = synthesise(green(demo))
    assert synthesis.light is Light.GREEN
    assert synthesis.reasons == ()
    assert all(line.observed for line in synthesis.audits)
    assert synthesis.rule == RULE


@pytest.mark.parametrize("name", sorted(DEGRADED))
def test_each_degradation_takes_the_green_away(name: str, demo: RunResults) -> None:
    light, degrade = DEGRADED[name]
    synthesis = synthesise(degrade(green(demo)))
    assert synthesis.light is light
    assert synthesis.reasons


def test_the_demo_run_is_red_for_cyber_and_inclusion(demo: RunResults) -> None:
    synthesis = synthesise(demo)
    assert synthesis.light is Light.RED
    lights = {line.audit: line.light for line in synthesis.audits}
    assert lights == {
        "Exécution": Light.GREEN,
        "Cybersécurité": Light.RED,
        "AIPD": Light.GREEN,
        "Inclusion numérique": Light.RED,
    }
    assert synthesis.reasons[0] == "Cybersécurité : déploiement déconseillé (indice 1,5 sur 5)"
    assert demo.cyber is not None and demo.inclusion is not None
    cyber = [a for a in synthesis.actions if a.origin.startswith("Cybersécurité (mesure prioritaire")]
    assert len(cyber) == len(demo.cyber.priorities) == 6
    # Open data: what to do, not which gateway is exposed.
    assert not any(g.target and g.target in a.action for a in cyber for g in demo.cyber.gateways)
    inclusion = [a.action for a in synthesis.actions if a.origin.startswith("Inclusion")]
    assert inclusion == list(demo.inclusion.safeguards)
    assert [r.number for r in synthesis.recommendations] == [3, 4, 19, 20, 32, 33, 36, 38, 48]


def test_a_run_without_cyber_is_red_and_asks_for_the_audit(tmp_path: Path) -> None:
    catalog = GrilleCatalog.with_builtin_checks(ROOT / "grilles")
    folder = write_outcome(evaluate_impact(ROOT / "audits" / "stationnement.yaml", catalog), tmp_path).root
    synthesis = synthesise(load_run(folder))
    assert synthesis.light is Light.RED
    assert "Cybersécurité : résultat absent : rien n'a été observé" in synthesis.reasons
    assert synthesis.actions[0].action.startswith("Faire l'audit de cybersécurité des passerelles")
    planned = [a for a in synthesis.actions if a.origin == "AIPD (plan d'action)"]
    assert {(a.owner, a.due) for a in planned} >= {("Service mobilités", "2027-03-31")}
    assert any(a.cost_eur == 42000.0 for a in planned)


def test_an_incomplete_run_on_disk_is_never_green(demo: RunResults, tmp_path: Path) -> None:
    folder = Path(demo.folder)
    (tmp_path / "run").mkdir()
    for path in folder.rglob("*"):
        if path.is_file() and path.name != "cyber.json":
            target = tmp_path / "run" / path.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    synthesis = synthesise(load_run(tmp_path / "run"))
    assert synthesis.light is Light.RED
    assert synthesis.audits[1].observed is False


def test_synthese_json_round_trips_with_french_keys(demo: RunResults) -> None:
    synthesis = synthesise(demo)
    text = synthesis_json(synthesis)
    assert '"feu": "rouge"' in text and '"recommandations"' in text and '"regle"' in text
    assert Synthesis.model_validate_json(text) == synthesis


def test_actions_csv_opens_in_a_french_spreadsheet_and_defuses_formulas(demo: RunResults) -> None:
    synthesis = synthesise(demo)
    hostile = Action(rank=1, origin="AIPD", action='=HYPERLINK("x")', owner="DSI", due="2027-01-31", cost_eur=1500.5)
    text = actions_csv(synthesis.model_copy(update={"actions": (hostile,)}))
    lines = text.split("\r\n")
    assert lines[0] == "\ufeff" + ";".join(ACTION_COLUMNS)
    assert lines[1] == '1;AIPD;"\'=HYPERLINK(""x"")";DSI;2027-01-31;1500,50;non'
    assert actions_csv(synthesis).count("\r\n") == len(synthesis.actions) + 1


def test_aipd_blocking_findings_become_actions(demo: RunResults) -> None:
    run = _aipd(green(demo), blocking=("AIPD obligatoire mais non validée",))
    synthesis = synthesise(run)
    assert synthesis.light is Light.RED
    assert any(
        a.origin == "AIPD (constat bloquant)" and a.action == "AIPD obligatoire mais non validée"
        for a in synthesis.actions
    )
    assert isinstance(run.aipd, AipdResult)
