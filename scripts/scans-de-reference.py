#!/usr/bin/env python3
"""Regenerate the stored scans of the example audits (``audits/references/<cas>.xml``).

``demo-lab`` declares the lab's own addresses (IPv4 and ::1): it is scanned as it is, its passes
(IPv4, IPv6 and their second passes) joined in one document.

The example audits declare addresses of the documentation ranges (RFC 5737): nothing answers
there and nothing is ever sent there. Each one is scanned instead through a temporary copy whose
gateways (and authorisation perimeter) are the lab's simulated gateways on the loopback, with the
audit's own scan settings; the evidence audit-ti kept (secrets and captured data already masked)
then has every loopback address translated back to the address the audit declares, and is checked
to import cleanly with the real audit file.

Usage (root, from the project root, lab started on its default block with its fleet)::

    audit-ti lab demarrer --passerelles 3
    .venv/bin/python scripts/scans-de-reference.py [CAS ...]
    audit-ti lab arreter
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import audit_ti
from audit_ti.errors import AuditTiError, ExitCode
from audit_ti.inputs.documents import load_audit
from audit_ti.lab import Lab, LabLayout, default_folder
from audit_ti.runs.cyber import import_scan, read_import, scan_audit
from audit_ti.scan.batches import SECOND_PASS
from audit_ti.validation.catalog import GrilleCatalog

ROOT = Path(__file__).resolve().parent.parent
AUDITS = ROOT / "audits"
REFERENCES = AUDITS / "references"
GRILLES = ROOT / "grilles"

#: For each realistic audit, the lab gateway that stands for each declared gateway. The audits
#: differ on purpose: the water one gets the vulnerable gateway (telnet, anonymous FTP and MQTT,
#: factory password), the lighting one the medium one, the parking one only the hardened gateway
#: and two of the fleet (identical LoRaWAN gateways, one SSH host key).
MAPPING: dict[str, dict[str, str]] = {
    "eclairage-public": {
        "armoire-mairie": "telereleve-eau-01",
        "armoire-gare": "capteurs-stationnement-003",
        "supervision-eclairage": "passerelle-durcie-01",
    },
    "telereleve-eau": {
        "concentrateur-chateau-eau": "eclairage-armoire-01",
        "concentrateur-reservoir-nord": "capteurs-stationnement-003",
        "frontal-telereleve": "passerelle-durcie-01",
    },
    "stationnement": {
        "passerelle-lorawan-centre": "capteurs-stationnement-001",
        "passerelle-lorawan-gare": "capteurs-stationnement-002",
        "enregistreur-cameras": "passerelle-durcie-01",
    },
}
#: The lab's own example: its gateways are the lab's reference ones, scanned as declared.
DEMO = "demo-lab"
#: Fleet gateways the mapping needs (``audit-ti lab demarrer --passerelles 3``).
FLEET_NEEDED = 3

# A whole IPv4 loopback address, not part of a longer dotted number.
_LOOPBACK = re.compile(r"(?<![\d.])127(?:\.\d{1,3}){3}(?![\d])")
_HOST = re.compile(r"<host[ >].*?</host>\n?", re.DOTALL)
_ARGS = re.compile(r'(<nmaprun\b[^>]*?\bargs=")([^"]*)(")')
_PACKAGE_PARENT = Path(audit_ti.__file__).resolve().parent.parent
_CREDENTIALS_DIR = re.compile(re.escape(tempfile.gettempdir()) + r"/audit-ti-[A-Za-z0-9_]+/")


class RegenerationError(Exception):
    """A step of the regeneration failed (French message for the operator)."""


def lab_addresses(layout: LabLayout, mapping: Mapping[str, str]) -> dict[str, str]:
    """Declared gateway name → loopback address of the lab gateway standing for it."""
    try:
        return {name: str(layout.gateway(lab_name).address) for name, lab_name in mapping.items()}
    except KeyError as missing:
        raise RegenerationError(
            f"la passerelle {missing} manque au laboratoire : démarrez-le avec "
            f"« audit-ti lab demarrer --passerelles {FLEET_NEEDED} »"
        ) from None


def running_layout() -> LabLayout:
    """The layout of the running lab, once every one of its services answers."""
    status = Lab(default_folder()).status()
    if status.layout is None or not status.all_up:
        raise RegenerationError(
            f"le laboratoire ne tourne pas, ou pas entièrement : « audit-ti lab demarrer --passerelles {FLEET_NEEDED} »"
        )
    return status.layout


def loopback_copy(audit_text: str, declared: Mapping[str, str], perimeter: list[str], lab: Mapping[str, str]) -> str:
    """The audit file with each gateway's address and the perimeter moved to the lab's addresses.

    Args:
        audit_text: the audit file as written.
        declared: gateway name → declared address.
        perimeter: the perimeter entries as written.
        lab: gateway name → loopback address.
    """
    text = audit_text
    for name, address in declared.items():
        line = re.compile(rf'^(\s*adresse:\s*)"?{re.escape(address)}"?\s*$', re.MULTILINE)
        text, count = line.subn(rf"\g<1>{lab[name]}", text)
        if count != 1:
            raise RegenerationError(f"adresse {address} de « {name} » trouvée {count} fois dans le fichier d'audit")
    for index, entry in enumerate(perimeter):
        line = re.compile(rf"^(\s*-\s*){re.escape(entry)}\s*$", re.MULTILINE)
        match = line.search(text)
        if match is None:
            raise RegenerationError(f"entrée de périmètre {entry} introuvable dans le fichier d'audit")
        indent = match.group(1)
        replacement = "\n".join(f"{indent}{address}/32" for address in lab.values()) if index == 0 else ""
        text = text[: match.start()] + replacement + text[match.end() + (index > 0) :]
    return text


def splice(first: str, second: str, label: str, what: str = "seconde passe") -> str:
    """The first pass's document with the hosts of another pass (a second pass: factory credentials) added.

    Importing it gives what the live run evaluated (``merge_runs``): the same address reported
    twice is merged, the coverage stays the first pass's, and the second command line, kept after
    « ; » in ``args``, adds its scripts to those the scan asked for.
    """
    hosts = "".join(_HOST.findall(second))
    found = _ARGS.search(second)
    if not hosts or found is None or "<runstats>" not in first:
        raise RegenerationError(f"{what} {label} : document de nmap inattendu")
    merged = _ARGS.sub(lambda match: f"{match.group(1)}{match.group(2)} ; {found.group(2)}{match.group(3)}", first, 1)
    at = merged.index("<runstats>")
    why = " (identifiants d'usine)" if what == "seconde passe" else ""
    note = (
        f"<!-- audit-ti : hôtes de la {what} {label}{why} réunis à ce document ; "
        "sa ligne de commande suit « ; » dans args -->\n"
    )
    return merged[:at] + note + hosts + merged[at:]


def one_document(folder: Path) -> str:
    """The evidence of a scan run folder as one nmap document: its passes, then each pass's second one."""
    evidence = folder / "evidence"
    firsts = [path for path in sorted(evidence.glob("nmap-*.xml")) if not path.stem.endswith(SECOND_PASS)]
    if not firsts:
        raise RegenerationError(f"aucune passe de scan dans {evidence}")
    document = firsts[0].read_text(encoding="utf-8")
    for other in firsts[1:]:
        document = splice(document, other.read_text(encoding="utf-8"), other.stem.removeprefix("nmap-"), "passe")
    for first in firsts:
        second = first.with_name(f"{first.stem}{SECOND_PASS}.xml")
        if second.is_file():
            document = splice(document, second.read_text(encoding="utf-8"), second.stem.removeprefix("nmap-"))
    return document


def translate(xml: str, back: Mapping[str, str], scratch: Path, *, loopback_kept: bool = False) -> str:
    """The evidence with every loopback address replaced by the declared one, and no scratch path left.

    ``loopback_kept``: the audit declares the lab's own addresses (demo-lab), kept as they are.

    Raises:
        RegenerationError: a loopback address the mapping does not know.
    """
    unknown = [] if loopback_kept else sorted({found for found in _LOOPBACK.findall(xml) if found not in back})
    if unknown:
        raise RegenerationError(
            f"adresse(s) de boucle locale sans correspondance dans la preuve : {', '.join(unknown)}"
        )
    translated = xml if loopback_kept else _LOOPBACK.sub(lambda match: back[match.group(0)], xml)
    # The progress file nmap wrote (-oN) sits in the scratch run folder: name it as a run under rapports/.
    translated = translated.replace(str(scratch), "rapports")
    # The project's own NSE scripts, by their path inside the package; the factory credentials, in a
    # private temporary folder nmap read them from (removed since; the list is in identifiants-essayes.txt).
    translated = translated.replace(f"{_PACKAGE_PARENT}/", "")
    translated = _CREDENTIALS_DIR.sub("audit-ti-XXXXXXXX/", translated)
    kept = (str(scratch), str(ROOT)) if loopback_kept else (str(scratch), str(ROOT), "127.")
    leftovers = [text for text in kept if text in translated]
    if leftovers:
        raise RegenerationError(f"la preuve traduite garde {', '.join(leftovers)}")
    return translated


def findings_by_gateway(folder: Path) -> dict[tuple[str | None, str], str]:
    """(gateway, requirement) → status, from a run folder's findings."""
    findings = json.loads((folder / "results" / "findings.json").read_text(encoding="utf-8"))
    return {(item["cible"], item["exigence"]): item["statut"] for item in findings}


def regenerate(cas: str, layout: LabLayout, catalog: GrilleCatalog, output: Path, *, keep: bool = False) -> Path:
    """Scan the lab in place of one example audit and write its stored scan; return its path."""
    audit_path = AUDITS / f"{cas}.yaml"
    audit = load_audit(audit_path)
    declared = {gateway.name: str(gateway.address) for gateway in audit.gateways}
    if set(declared) != set(MAPPING[cas]):
        raise RegenerationError(f"{cas} : les passerelles déclarées ne sont plus celles de la correspondance")
    lab = lab_addresses(layout, MAPPING[cas])
    if audit.authorisation is None:
        raise RegenerationError(f"{cas} : le fichier d'audit ne porte pas d'autorisation")
    perimeter = [str(entry) for entry in audit.authorisation.perimeter]

    def loopback_audit(scratch: Path) -> Path:
        copy = scratch / f"{cas}.yaml"
        copy.write_text(
            loopback_copy(audit_path.read_text(encoding="utf-8"), declared, perimeter, lab), encoding="utf-8"
        )
        if {gateway.name: str(gateway.address) for gateway in load_audit(copy).gateways} != lab:
            raise RegenerationError(f"{cas} : la copie sur la boucle locale ne déclare pas les adresses attendues")
        return copy

    back = {address: declared[name] for name, address in lab.items()}
    return _scan_and_store(cas, lab, loopback_audit, back, catalog=catalog, output=output, keep=keep)


def regenerate_demo(layout: LabLayout, catalog: GrilleCatalog, output: Path, *, keep: bool = False) -> Path:
    """Scan the lab with ``audits/demo-lab.yaml`` itself (its gateways are the lab's) and store the scan."""
    audit_path = AUDITS / f"{DEMO}.yaml"
    declared = {gateway.name: str(ipaddress.ip_address(gateway.address)) for gateway in load_audit(audit_path).gateways}
    lab = {gateway.name: str(gateway.address) for gateway in layout.references}
    if declared != lab:
        raise RegenerationError(
            f"{DEMO} : le laboratoire ({lab}) n'a pas les passerelles que l'audit déclare ({declared}) : "
            "démarrez-le sur son bloc par défaut, avec la passerelle IPv6"
        )
    return _scan_and_store(DEMO, lab, lambda _scratch: audit_path, None, catalog=catalog, output=output, keep=keep)


def _scan_and_store(
    cas: str,
    lab: Mapping[str, str],
    audit_to_scan: Callable[[Path], Path],
    back: Mapping[str, str] | None,
    *,
    catalog: GrilleCatalog,
    output: Path,
    keep: bool,
) -> Path:
    """Scan the audit file ``audit_to_scan`` gives, store its evidence as one document, check its import.

    ``back`` maps each loopback address to the address the example declares; None keeps the loopback
    addresses (the demo audit declares the lab's own).
    """
    audit_path = AUDITS / f"{cas}.yaml"
    scratch = Path(tempfile.mkdtemp(prefix=f"audit-ti-reference-{cas}-"))
    try:
        scanned_audit = audit_to_scan(scratch)
        print(f"{cas} : scan du laboratoire ({', '.join(f'{n} → {a}' for n, a in lab.items())})…", flush=True)
        scanned = scan_audit(scanned_audit, reports_dir=scratch / "rapports", catalog=catalog)
        if scanned.exit_code is ExitCode.INCOMPLETE_RUN:
            raise RegenerationError(f"{cas} : scan incomplet, voir {scanned.folder}/manifest.json")
        target = output / f"{cas}.xml"
        document = translate(one_document(scanned.folder), back or {}, scratch / "rapports", loopback_kept=back is None)
        target.write_text(document, encoding="utf-8")
        check(cas, audit_path, target, catalog, scanned=scanned.folder, scratch=scratch / "import")
    finally:
        if keep:
            print(f"{cas} : dossier de travail gardé : {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return target


def check(cas: str, audit_path: Path, xml: Path, catalog: GrilleCatalog, *, scanned: Path, scratch: Path) -> None:
    """The stored scan reads with the hardened parser, names exactly the declared gateways, and imports
    with the real audit to the findings the live scan gave."""
    declared = {str(gateway.address) for gateway in load_audit(audit_path).gateways}
    _, _, parsed = read_import(xml)
    seen = {str(ipaddress.ip_address(host.address)) for host in parsed.facts.hosts}
    if seen != declared:
        raise RegenerationError(f"{cas} : adresses du scan {sorted(seen)} au lieu de {sorted(declared)}")
    imported = import_scan(xml, audit_path, reports_dir=scratch, catalog=catalog)
    live, offline = findings_by_gateway(scanned), findings_by_gateway(imported.folder)
    differing = sorted(
        f"{target or 'cas'}/{requirement} : {live.get((target, requirement))} → {offline.get((target, requirement))}"
        for target, requirement in live.keys() | offline.keys()
        if live.get((target, requirement)) != offline.get((target, requirement))
    )
    print(f"{cas} : {xml} écrit ; verdict à l'import : {imported.evaluation.use_case.verdict.label}")
    for line in differing:
        print(f"  écart entre le scan et l'import : {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Régénérer les scans de référence des exemples réalistes.")
    known = [DEMO, *MAPPING]
    parser.add_argument("cas", nargs="*", help=f"cas d'usage parmi {', '.join(known)} (par défaut : les quatre)")
    parser.add_argument("--sortie", type=Path, default=REFERENCES, help="dossier des XML (défaut : audits/references)")
    parser.add_argument("--garder", action="store_true", help="garder les dossiers de travail (temporaires)")
    args = parser.parse_args(argv)
    unknown = [cas for cas in args.cas if cas not in known]
    if unknown:
        parser.error(f"cas d'usage inconnu(s) : {', '.join(unknown)}")
    try:
        layout = running_layout()
        catalog = GrilleCatalog.with_builtin_checks(GRILLES)
        for cas in args.cas or known:
            if cas == DEMO:
                regenerate_demo(layout, catalog, args.sortie, keep=args.garder)
            else:
                regenerate(cas, layout, catalog, args.sortie, keep=args.garder)
    except (RegenerationError, AuditTiError) as error:
        print(f"échec : {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
