"""Machinery of the hostile-input corpus (tests/fixtures/hostile/index.yaml): inputs, runs, checks.

Kept apart from the test module so that the index format is described in one place:

* ``fichiers``: the inputs of a case, built in a fresh folder. Each entry is a path relative to
  that folder and one of ``copie`` (a file or folder of tests/fixtures, then ``remplacer`` pairs,
  ``ajouter``, ``encodage``), ``texte``, ``lien`` (a symbolic link), ``fifo``, ``dossier``,
  ``creux`` (a sparse file of that many bytes). Generated contents (huge numbers, deep nesting) are
  written with ``{repeter:TEXTE:N}`` and never committed.
* placeholders, in texts, replacements and the command line: ``{<entrée>}`` (absolute path of an
  input), ``{rapports}``, ``{grilles}``, ``{travail}``, ``{reseau}`` (a /16 of the loopback, as
  ``127.B``), ``{aujourdhui}``, ``{aujourdhui+N}`` / ``{aujourdhui-N}`` (the real date ± N days).
* ``commande``: the arguments of ``audit-ti``; ``--rapports``, ``--grilles`` and ``--date`` are
  added when the command takes them and the case does not give them (``scanner`` gets no
  ``--date``: its guard must work with the real date).
* ``code`` and ``messages``: the exit code and fragments every run must print.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import FIXTURES, ROOT

HOSTILE = FIXTURES / "hostile"
INDEX_PATH = HOSTILE / "index.yaml"
GRILLES = ROOT / "grilles"
#: The date given to the commands that take --date (except scanner, whose guard uses the real date).
DEFAULT_DATE = "2026-11-22"
RUN_FOLDER_COMMANDS = frozenset({"scanner", "importer", "evaluer"})
DATE_COMMANDS = frozenset({"valider", "importer", "evaluer", "aipd"})
GRILLES_COMMANDS = frozenset({"valider", "scanner", "importer", "evaluer", "aipd"})
#: Files a run must never leave behind (atomic writes, PIA validation copies, nmap progress).
TEMPORARY = re.compile(r"(\.tmp$|^\.import-pia-|^\.progression-|~$)")
MEMORY_LIMIT = 1024 * 1024 * 1024
DEFAULT_TIMEOUT = 60.0
INTERNAL = ("Traceback", "Erreur interne")

_TOKEN = re.compile(r"\{(repeter:.+?:\d+|[A-Za-z0-9_.+\-/]+)\}")


def load_index() -> dict[str, Any]:
    """The corpus index: ``cas`` (the cases) and ``echecs_connus`` (id → what happens today)."""
    data: dict[str, Any] = yaml.safe_load(INDEX_PATH.read_text(encoding="utf-8"))
    data["echecs_connus"] = data.get("echecs_connus") or {}
    return data


def expand(text: str, values: Mapping[str, str]) -> str:
    """``text`` with its placeholders replaced; unknown ones are left as they are."""

    def one(match: re.Match[str]) -> str:
        token = match.group(1)
        if token.startswith("repeter:"):
            piece, count = token.removeprefix("repeter:").rsplit(":", 1)
            return piece * int(count)
        if token.startswith("aujourdhui") and re.fullmatch(r"aujourdhui([+-]\d+)?", token):
            offset = int(token.removeprefix("aujourdhui") or 0)
            return (date.today() + timedelta(days=offset)).isoformat()
        return values.get(token, match.group(0))

    return _TOKEN.sub(one, text)


def flat(text: str) -> str:
    """Whitespace collapsed, as a reader sees a message wrapped by the terminal."""
    return " ".join(text.split())


@dataclass
class Workspace:
    """The folders of one case: its inputs and outputs, and the tools (fake nmap) beside them."""

    root: Path
    reseau: str
    values: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.work.mkdir(parents=True)
        self.tools.mkdir()
        self.rapports.mkdir()
        self.values.update(
            rapports=str(self.rapports),
            grilles=str(GRILLES),
            travail=str(self.work),
            reseau=self.reseau,
            racine=str(ROOT),
        )

    @property
    def work(self) -> Path:
        return self.root / "travail"

    @property
    def tools(self) -> Path:
        return self.root / "outils"

    @property
    def rapports(self) -> Path:
        return self.work / "rapports"

    @property
    def rapports_copy(self) -> Path:
        """Where the content of a rapports folder mounted in a namespace is copied back."""
        return self.root / "rapports-copie"

    @property
    def journal(self) -> Path:
        return self.tools / "journal-nmap.jsonl"


def build_inputs(space: Workspace, files: Mapping[str, Mapping[str, Any]]) -> list[Path]:
    """Create every input of a case; returns their paths."""
    for name in files:
        space.values[name] = str(space.work / name)
    created = []
    for name, spec in files.items():
        path = space.work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        _build_one(path, spec, space.values)
        created.append(path)
    return created


def _build_one(path: Path, spec: Mapping[str, Any], values: Mapping[str, str]) -> None:
    source = FIXTURES / expand(str(spec["copie"]), values) if "copie" in spec else None
    if path.is_symlink() or path.is_file():
        path.unlink()  # an input that replaces a file of a folder copied just before
    if spec.get("fifo"):
        os.mkfifo(path)
    elif "lien" in spec:
        path.symlink_to(expand(str(spec["lien"]), values))
    elif spec.get("dossier"):
        path.mkdir(exist_ok=True)
    elif "creux" in spec:
        with path.open("wb") as handle:
            handle.truncate(int(spec["creux"]))
    elif source is not None and source.is_dir():
        shutil.copytree(source, path)
    else:
        text = source.read_text(encoding="utf-8") if source is not None else ""
        text = expand(text, values) if spec.get("gabarit") else text
        text += expand(str(spec.get("texte", "")), values)
        text = _replace(path, text, spec.get("remplacer", []), values)
        text += expand(str(spec.get("ajouter", "")), values)
        path.write_bytes(text.encode(spec.get("encodage", "utf-8")))


def _replace(path: Path, text: str, replacements: list[Any], values: Mapping[str, str]) -> str:
    """Apply ``[avant, après]`` (first occurrence), ``[avant, après, tous]`` or ``{motif, par}`` (regex)."""
    for replacement in replacements:
        if isinstance(replacement, dict):
            pattern = re.compile(expand(replacement["motif"], values), re.DOTALL)
            assert pattern.search(text), f"{path.name} : motif « {replacement['motif']} » absent du modèle"
            text = pattern.sub(expand(replacement["par"], values), text, count=replacement.get("nombre", 0))
            continue
        before, after, *every = replacement
        before = expand(before, values)
        assert before in text, f"{path.name} : « {before[:80]} » absent du modèle"
        text = text.replace(before, expand(after, values), -1 if every else 1)
    return text


def command_line(case: Mapping[str, Any], space: Workspace) -> list[str]:
    """The ``audit-ti`` arguments of a case, with the implicit options added."""
    args = [expand(str(arg), space.values) for arg in case["commande"]]
    command = args[0]
    if case.get("options_implicites", True):
        if command in RUN_FOLDER_COMMANDS and "--rapports" not in args:
            args += ["--rapports", str(space.rapports)]
        if command in GRILLES_COMMANDS and "--grilles" not in args:
            args += ["--grilles", str(GRILLES)]
        if command in DATE_COMMANDS and "--date" not in args:
            args += ["--date", DEFAULT_DATE]
    return args


def install_fake_nmap(space: Workspace) -> Path:
    """Copy the fake nmap into the tools folder, runnable by this interpreter, named ``nmap``."""
    source = (HOSTILE / "faux_nmap.py").read_text(encoding="utf-8")
    fake = space.tools / "nmap"
    fake.write_text(f"#!{sys.executable}\n{source}", encoding="utf-8")
    fake.chmod(0o755)
    return fake


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@dataclass(frozen=True)
class Outcome:
    """How one run of ``audit-ti`` ended."""

    code: int | None
    out: str
    err: str
    timed_out: bool

    @property
    def text(self) -> str:
        return self.out + "\n" + self.err


def run_isolated(argv: list[str], env: Mapping[str, str], cwd: Path, timeout: float) -> Outcome:
    """Run a command in its own session, with a memory limit and a timeout (the whole group is killed)."""
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_limits,  # noqa: PLW1509  (no thread is started before the fork in these tests)
    )
    try:
        out, err = process.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        timed_out = True
    return Outcome(
        None if timed_out else process.returncode,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        timed_out,
    )


def mount_wrapper(space: Workspace, disk: Mapping[str, Any]) -> list[str]:
    """Run the command in a mount namespace where one folder of the case is a small or read-only tmpfs.

    The folder's content is copied back beside the workspace afterwards (the tmpfs goes with the
    namespace), to be checked like any other run folder.
    """
    target = space.work / str(disk.get("dossier", "rapports"))
    target.mkdir(parents=True, exist_ok=True)
    space.rapports_copy.mkdir(exist_ok=True)
    size = int(disk.get("taille_ko", 1024))
    remount = 'mount -o remount,ro "$CIBLE"; ' if disk.get("lecture_seule") else ""
    script = (
        f'set -e; mount -t tmpfs -o size={size}k,mode=0755 tmpfs "$CIBLE"; {remount}'
        'set +e; "$@"; code=$?; cp -a "$CIBLE/." "$COPIE/"; exit $code'
    )
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "env",
        f"CIBLE={target}",
        f"COPIE={space.rapports_copy}",
        "sh",
        "-c",
        script,
        "sh",
    ]


# --- checks after a run ----------------------------------------------------------------------------


def walk(folder: Path) -> Iterator[Path]:
    """Every entry under ``folder``, without following links nor opening anything."""
    if not folder.is_dir() or folder.is_symlink():
        return
    for entry in sorted(folder.iterdir()):
        yield entry
        if entry.is_dir() and not entry.is_symlink():
            yield from walk(entry)


def manifests(folder: Path) -> list[Path]:
    return [path for path in walk(folder) if path.name == "manifest.json" and path.is_file()]


def _manifest_problems(path: Path, code: int | None) -> list[str]:
    """One manifest: readable, not ``en_cours``, its exit code, every recorded file matching its hash."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return [f"{path} : manifeste illisible (tronqué ?)"]
    problems = []
    if manifest.get("statut") == "en_cours":
        problems.append(f"{path} : manifeste laissé « en_cours »")
    if manifest.get("code_sortie") not in (None, code):
        problems.append(f"{path} : code_sortie {manifest.get('code_sortie')} alors que la commande a rendu {code}")
    for relative, digest in (manifest.get("fichiers") or {}).items():
        recorded = path.parent / relative
        if not recorded.is_file():
            problems.append(f"{path} : {relative} enregistré mais absent")
        elif hashlib.sha256(recorded.read_bytes()).hexdigest() != digest:
            problems.append(f"{path} : {relative} ne correspond pas à son empreinte (tronqué ?)")
    findings = path.parent / "results" / "findings.json"
    if findings.is_file() and manifest.get("statut") == "complet":
        try:
            json.loads(findings.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            problems.append(f"{findings} : illisible dans une exécution déclarée complète")
    return problems


def check_manifests(
    folders: list[Path], code: int | None, expected_code: int, command: str, run_folder: str
) -> list[str]:
    """Run folders: none left ``en_cours``, none presented as complete with a file that differs from its hash.

    A run folder exists only when something was done: never for an expected exit code 2, unless the
    case says ``dossier_execution: present``.
    """
    found = [path for folder in folders for path in manifests(folder)]
    problems = [problem for path in found for problem in _manifest_problems(path, code)]
    if command in RUN_FOLDER_COMMANDS:
        expected = run_folder or ("absent" if expected_code == 2 else "present")
        if expected == "absent" and found:
            problems.append(
                f"code {expected_code} attendu (rien n'est fait), dossier d'exécution créé : {found[0].parent}"
            )
        if expected == "present" and len(found) != 1:
            problems.append(f"un dossier d'exécution attendu, {len(found)} trouvé(s)")
    return problems


def stray_files(space: Workspace, inputs: list[Path], declared: list[str]) -> list[str]:
    """Temporary files left anywhere, and files written outside the run folders and declared outputs."""
    problems = []
    known = set(inputs)
    allowed = {space.work / expand(name, space.values) for name in declared}
    for folder in (space.work, space.rapports_copy):
        for entry in walk(folder):
            if entry in known or not known.isdisjoint(entry.parents):
                continue
            if TEMPORARY.search(entry.name):
                problems.append(f"fichier temporaire laissé : {entry}")
            inside_reports = folder == space.rapports_copy or space.rapports in (entry, *entry.parents)
            if not inside_reports and entry not in allowed and not entry.is_dir():
                problems.append(f"fichier écrit hors du dossier des rapports : {entry}")
    return problems


def run_folders(space: Workspace) -> list[Path]:
    folders = [path.parent for base in (space.rapports, space.rapports_copy) for path in manifests(base)]
    return sorted(folders)


def _grille_ports() -> dict[str, set[str]]:
    grille = yaml.safe_load((GRILLES / "hygiene-iot.yaml").read_text(encoding="utf-8"))
    ports: dict[str, set[str]] = {}
    for item in grille["items"]:
        for check in item.get("checks", []):
            ports.setdefault(item["id"], set()).update((check.get("params") or {}).get("ports", []))
    return ports


_EVIDENCE_PORTS = re.compile(r"(?:ports vérifiés|non scannés) : ([^;)|]*)")


def own_evidence(findings: list[dict[str, Any]]) -> list[str]:
    """Ports an absence finding says it checked must be ports of its own requirement."""
    ports = _grille_ports()
    problems = []
    for finding in findings:
        for listed in _EVIDENCE_PORTS.findall(finding["preuve"]):
            foreign = set(re.findall(r"\d+/(?:tcp|udp)", listed)) - ports.get(finding["exigence"], set())
            if foreign:
                problems.append(
                    f"{finding['exigence']} ({finding['cible']}) montre des ports d'une autre exigence : "
                    f"{', '.join(sorted(foreign))}"
                )
    return problems


def csv_formulas(path: Path) -> list[str]:
    """Cells a spreadsheet would read as a formula (after leading blanks and control characters)."""
    text = path.read_text(encoding="utf-8-sig")
    problems = []
    for row in csv.reader(io.StringIO(text), delimiter=";"):
        for cell in row:
            stripped = cell.lstrip(" \t\r\n\x0b\x0c\xa0")
            if stripped[:1] in ("=", "+", "-", "@") and not cell.startswith("'"):
                problems.append(f"cellule lue comme une formule : {cell[:60]!r}")
    return problems


def findings_of(folder: Path) -> list[dict[str, Any]]:
    path = folder / "results" / "findings.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []


def _status_problems(rules: list[dict[str, Any]], findings: list[dict[str, Any]]) -> list[str]:
    problems = []
    for rule in rules:
        target = rule.get("cible")
        matching = [f for f in findings if f["exigence"] == rule["exigence"] and f["cible"] == target]
        if not matching:
            problems.append(f"aucun résultat pour {rule['exigence']} ({target})")
        for finding in matching:
            status, evidence = finding["statut"], finding["preuve"][:160]
            if "est" in rule and status != rule["est"]:
                problems.append(
                    f"{rule['exigence']} ({target}) : « {status} » au lieu de « {rule['est']} » — {evidence}"
                )
            if "pas" in rule and status == rule["pas"]:
                problems.append(f"{rule['exigence']} ({target}) : « {status} » — preuve : {evidence}")
    return problems


def _secret_problems(secrets: list[str], folder: Path, outcome: Outcome) -> list[str]:
    problems = []
    outputs = [path for path in walk(folder) if path.is_file()]
    for secret in secrets:
        for path in outputs:
            if secret in path.read_text(encoding="utf-8", errors="replace"):
                problems.append(f"« {secret} » en clair dans {path.relative_to(folder)}")
        if secret in outcome.text:
            problems.append(f"« {secret} » en clair sur la sortie de la commande")
    return problems


def _raw_character_problems(characters: list[str], folder: Path) -> list[str]:
    problems = []
    for character in characters:
        for name in ("results/findings.json", "results/findings.csv", "results/cyber.json"):
            path = folder / name
            if path.is_file() and character in path.read_text(encoding="utf-8-sig", errors="replace"):
                problems.append(f"caractère U+{ord(character):04X} brut dans {name}")
    return problems


def after_checks(spec: Mapping[str, Any], folders: list[Path], outcome: Outcome) -> list[str]:
    """The checks a case asks for on its run folder (``apres`` in the index)."""
    if not folders:
        return ["aucun dossier d'exécution à vérifier"]
    folder = folders[-1]
    findings = findings_of(folder)
    problems = _status_problems(spec.get("statuts", []), findings)
    if spec.get("preuves_propres"):
        problems += own_evidence(findings)
    problems += _secret_problems(spec.get("secret_absent", []), folder, outcome)
    problems += _raw_character_problems(spec.get("brut_absent", []), folder)
    if spec.get("csv_sans_formule"):
        problems += csv_formulas(folder / "results" / "findings.csv")
    manifest = (folder / "manifest.json").read_text(encoding="utf-8")
    problems += [f"« {text} » dans manifest.json" for text in spec.get("manifeste_sans", []) if text in manifest]
    return problems
