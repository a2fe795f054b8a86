"""The hostile-input corpus (issue 8, item 11): tests/fixtures/hostile/index.yaml, case by case.

Every case builds its inputs in a fresh folder, runs ``audit-ti`` in a child process (memory limit,
timeout, its own session) and checks:

* the exit code and the message fragments the index gives (file, ``ligne N``, key, a French word);
* never a Python traceback nor « Erreur interne inattendue »;
* no manifest left ``en_cours``, no file recorded in a manifest that differs from its hash (a
  truncated findings.json presented as complete), no temporary file left, nothing written outside
  the run folders and the outputs the case declares;
* a run folder only when something was done (exit 0, 1 or 3);
* ``scanner``: inside a network namespace created here, with a fake nmap first on the PATH and in
  AUDIT_TI_NMAP: a refused scan must not have started it at all; an accepted one must have, inside
  the namespace, with the arguments the case expects (positive controls: the test can fail);
* what the case adds under ``apres`` (statuses, masked secrets, neutralised characters…).

Cases that fail on today's code are listed with what happens today under ``echecs_connus`` in the
index: strict xfails, which turn red once the code is fixed (then remove the line).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import lab_block
from tests.hostile_corpus import (
    DEFAULT_TIMEOUT,
    INTERNAL,
    RUN_FOLDER_COMMANDS,
    Outcome,
    Workspace,
    after_checks,
    build_inputs,
    check_manifests,
    command_line,
    expand,
    flat,
    install_fake_nmap,
    load_index,
    mount_wrapper,
    run_folders,
    run_isolated,
    stray_files,
)

INDEX = load_index()
CASES: list[dict[str, Any]] = INDEX["cas"]
KNOWN_FAILURES: dict[str, str] = INDEX["echecs_connus"]
CLASSES = ("perimetre", "ipv6", "preuve", "xml", "yaml", "csv", "pia", "chemins", "disque", "secrets")
#: Fuzz tests may be listed among the known failures too (tests/test_fuzz_import.py).
FUZZ_PREFIX = "fuzz-"


def _param(case: dict[str, Any]) -> Any:
    marks = []
    if case["id"] in KNOWN_FAILURES:
        marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[case["id"]]))
    if case["commande"][0] == "scanner" or "disque" in case:
        marks.append(pytest.mark.root)
    return pytest.param(case, id=case["id"], marks=marks)


def test_index_is_complete_and_consistent() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) >= 100
    assert not [name for name, count in Counter(ids).items() if count > 1]
    counts = Counter(case["classe"] for case in CASES)
    assert set(counts) <= set(CLASSES), set(counts) - set(CLASSES)
    assert all(counts[name] >= 5 for name in CLASSES), counts
    unknown = [name for name in KNOWN_FAILURES if name not in ids and not name.startswith(FUZZ_PREFIX)]
    assert not unknown, f"échecs connus sans cas : {unknown}"
    for case in CASES:
        assert {"id", "classe", "but", "commande", "code", "messages"} <= set(case), case["id"]
        assert case["code"] in (0, 1, 2, 3), case["id"]
        assert case["messages"], f"{case['id']} : au moins un fragment de message attendu"
        assert not any("Erreur interne" in fragment for fragment in case["messages"]), case["id"]
    refused = [c for c in CASES if c["commande"][0] == "scanner" and c["code"] == 2]
    started = [c for c in CASES if c["commande"][0] == "scanner" and c["code"] != 2 and c["id"] not in KNOWN_FAILURES]
    assert len(refused) >= 10 and len(started) >= 2, "refus de périmètre et contrôles positifs"


@pytest.fixture(scope="module")
def namespace() -> Iterator[str | None]:
    """A network namespace of our own, with only its loopback up; None when it cannot be created."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        yield None
        return
    name = f"audit-ti-hostile-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


def _environment(case: dict[str, Any], space: Workspace, fake: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FAUX_NMAP", "AUDIT_TI_NMAP"))}
    env.update(
        AUDIT_TI_BOUCLE_LOCALE="1",
        COLUMNS="400",
        PATH=f"{fake.parent}{os.pathsep}{env.get('PATH', '')}",
        AUDIT_TI_NMAP=str(fake),
        FAUX_NMAP_JOURNAL=str(space.journal),
        PYTHONDONTWRITEBYTECODE="1",
    )
    nmap = case.get("nmap", {})
    if "sortie" in nmap:
        env["FAUX_NMAP_XML"] = space.values[nmap["sortie"]]
    if "erreur" in nmap:
        env["FAUX_NMAP_ERREUR"] = expand(nmap["erreur"], space.values)
    env.update({key: str(value) for key, value in case.get("environnement", {}).items()})
    return env


def _nmap_runs(space: Workspace) -> list[dict[str, Any]]:
    if not space.journal.exists():
        return []
    return [json.loads(line) for line in space.journal.read_text(encoding="utf-8").splitlines()]


def _check_nmap(case: dict[str, Any], space: Workspace) -> list[str]:
    runs = _nmap_runs(space)
    expected = case.get("nmap", {})
    should_start = expected.get("demarre", case["code"] != 2)
    if not should_start:
        return [f"nmap démarré alors que le scan est refusé : {runs}"] if runs else []
    if not runs:
        return ["nmap n'a pas été démarré (contrôle positif)"]
    own = str(Path("/proc/self/ns/net").readlink())
    problems = [f"nmap démarré hors de l'espace de noms réseau : {run}" for run in runs if run["netns"] == own]
    scans = [" ".join(run["arguments"]) for run in runs if run["arguments"] != ["-V"]]
    for wanted in expected.get("arguments", []):
        fragment = expand(wanted, space.values)
        # An option must be a word of the command line; anything else may be part of one.
        if not any(fragment in (scan.split() if fragment.startswith("-") else scan) for scan in scans):
            problems.append(f"argument « {fragment} » absent des exécutions de nmap : {scans}")
    return problems


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_hostile_case(case: dict[str, Any], tmp_path: Path, namespace: str | None) -> None:
    scanner = case["commande"][0] == "scanner"
    if (scanner or "disque" in case) and os.geteuid() != 0:
        pytest.skip("espaces de noms réseau et de montage : l'épreuve doit tourner en root")
    if scanner and namespace is None:
        pytest.skip("la commande « ip » (iproute2) manque pour créer l'espace de noms réseau")
    if "disque" in case and shutil.which("unshare") is None:
        pytest.skip("la commande « unshare » (util-linux) manque pour créer l'espace de montage")
    space = Workspace(tmp_path, reseau=lab_block(2).rsplit(".", 2)[0])
    inputs = build_inputs(space, case.get("fichiers", {}))
    fake = install_fake_nmap(space)
    args = command_line(case, space)
    prefix: list[str] = []
    if scanner:
        prefix += ["ip", "netns", "exec", str(namespace)]
    if "disque" in case:
        prefix += mount_wrapper(space, case["disque"])
    outcome = run_isolated(
        [*prefix, sys.executable, "-m", "audit_ti", *args],
        _environment(case, space, fake),
        space.work,
        float(case.get("delai", DEFAULT_TIMEOUT)),
    )
    problems = _problems(case, space, inputs, outcome)
    report = [*problems, "--- sortie ---", outcome.out[-3000:], "--- erreurs ---", outcome.err[-3000:]]
    assert not problems, "\n".join(report)


def _problems(case: dict[str, Any], space: Workspace, inputs: list[Path], outcome: Outcome) -> list[str]:
    if outcome.timed_out:
        return [f"la commande ne s'est pas arrêtée en {case.get('delai', DEFAULT_TIMEOUT)} s (tuée)"]
    problems = []
    if outcome.code != case["code"]:
        problems.append(f"code de sortie {outcome.code}, attendu {case['code']}")
    text = flat(outcome.text)
    problems += [f"« {word} » affiché" for word in INTERNAL if word in outcome.text]
    for fragment in case["messages"]:
        expected = flat(_expand(fragment, space))
        if expected not in text:
            problems.append(f"fragment attendu absent : « {expected} »")
    for fragment in case.get("absents", []):
        if flat(_expand(fragment, space)) in text:
            problems.append(f"fragment affiché à tort : {fragment!r}")
    command = case["commande"][0]
    folders = [space.rapports, space.rapports_copy]
    problems += check_manifests(folders, outcome.code, case["code"], command, case.get("dossier_execution", ""))
    problems += stray_files(space, inputs, case.get("sorties", []))
    if command == "scanner":
        problems += _check_nmap(case, space)
    if "apres" in case and command in RUN_FOLDER_COMMANDS:
        problems += after_checks(case["apres"], run_folders(space), outcome)
    return problems


def _expand(fragment: str, space: Workspace) -> str:
    return expand(fragment, space.values)
