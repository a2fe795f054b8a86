"""Benchmark: import and evaluation of 10,000 hosts against the full grille (issue 12).

A synthetic nmap XML of N hosts is built from three realistic gateway profiles (vulnerable,
average, hardened). Each round times a bare ``xml.etree.ElementTree`` parse of the same text (the
baseline), audit-ti's parse into facts, and the evaluation against grilles/hygiene-iot.yaml with
its scoring. Target: parse + evaluation within 2x the bare parse (medians of the same run), peak
memory under 500 MB; the results' hash must equal the one the previous implementation gave.
The last line printed is ``rapport <x>``.
Run: .venv/bin/python bench/evaluation_10k.py [N] [ROUNDS]
"""

from __future__ import annotations

import gc
import hashlib
import resource
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from statistics import median
from xml.etree import ElementTree

from mesures import record, record_ratio

from audit_ti.checks import default_registry
from audit_ti.checks.context import Coverage
from audit_ti.cyber.findings import NetworkEvidence, evaluate_findings
from audit_ti.cyber.scoring import build_evaluation
from audit_ti.inputs.documents import load_grille
from audit_ti.models import Audit, ScanProfile
from audit_ti.models.evaluation import CyberEvaluation
from audit_ti.models.finding import Finding
from audit_ti.models.grille import Grille
from audit_ti.report.findings_io import findings_json
from audit_ti.scan.nmap_xml import parse_nmap_xml

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 22)
ROUNDS = 3
TARGET_RATIO = 2.0
TARGET_MB = 500
#: Hash of the results (findings JSON + scored evaluation) the implementation before issue 12 gave.
# Re-recorded once, on purpose: the hardened profile shows SSH and TLS without any key read, which
# « clés partagées » now reports « à vérifier » instead of « non applicable » (same code otherwise).
EXPECTED_HASHES = {10_000: "fa426395af778b0db64b5578e6f3466099116948a7bc0eee5e854a903d7ad6c6"}

_PORT = '<port protocol="{proto}" portid="{port}"><state state="open" reason="syn-ack"/>{service}{scripts}</port>'
_PROFILES = [
    [
        (23, "tcp", '<service name="telnet" method="probed" conf="10"/>', ""),
        (
            21,
            "tcp",
            '<service name="ftp" product="vsftpd" method="probed" conf="10"/>',
            '<script id="ftp-anon" output="Anonymous FTP login allowed (FTP code 230)"/>',
        ),
        (80, "tcp", '<service name="http" method="probed" conf="10"/>', '<script id="http-title" output="Armoire"/>'),
        (
            1883,
            "tcp",
            '<service name="mqtt" method="probed" conf="10"/>',
            '<script id="mqtt-subscribe" output="Topics and their most recent payloads:"/>',
        ),
        (502, "tcp", '<service name="mbap" method="probed" conf="10"/>', ""),
        (
            1880,
            "tcp",
            '<service name="http" method="probed" conf="10"/>',
            '<script id="http-title" output="Node-RED"/>',
        ),
    ],
    [
        (
            22,
            "tcp",
            '<service name="ssh" product="OpenSSH" method="probed" conf="10"/>',
            '<script id="ssh2-enum-algos" output="x"><table key="encryption_algorithms">'
            "<elem>aes128-cbc</elem></table></script>"
            '<script id="ssh-hostkey" output="x"><table><elem key="fingerprint">{fp}</elem></table></script>',
        ),
        (
            443,
            "tcp",
            '<service name="http" tunnel="ssl" method="probed" conf="10"/>',
            '<script id="ssl-enum-ciphers" output="x"><table key="TLSv1.0"></table><table key="TLSv1.2"></table>'
            '<elem key="least strength">C</elem></script>',
        ),
        (
            1883,
            "tcp",
            '<service name="mqtt" method="probed" conf="10"/>',
            '<script id="mqtt-subscribe" output="Connection rejected: Not Authorized"/>',
        ),
    ],
    [
        (
            22,
            "tcp",
            '<service name="ssh" product="OpenSSH" method="probed" conf="10"/>',
            '<script id="ssh2-enum-algos" output="x"><table key="encryption_algorithms">'
            "<elem>aes256-gcm@openssh.com</elem></table></script>",
        ),
        (
            443,
            "tcp",
            '<service name="http" tunnel="ssl" method="probed" conf="10"/>',
            '<script id="ssl-enum-ciphers" output="x"><table key="TLSv1.2"></table><table key="TLSv1.3"></table>'
            '<elem key="least strength">A</elem></script>'
            '<script id="http-security-headers" output="Strict-Transport-Security X-Content-Type-Options"/>',
        ),
        (8883, "tcp", '<service name="mqtt" tunnel="ssl" method="probed" conf="10"/>', ""),
    ],
]


def _address(index: int) -> str:
    return f"127.{1 + index // 65536}.{(index // 256) % 256}.{index % 256 + 1 if index % 256 < 255 else 1}"


def synthetic_xml(count: int) -> str:
    hosts = []
    for index in range(count):
        ports = "".join(
            _PORT.format(proto=proto, port=port, service=service, scripts=scripts.replace("{fp}", f"{index:040x}"))
            for port, proto, service, scripts in _PROFILES[index % 3]
        )
        hosts.append(
            f'<host><status state="up" reason="syn-ack"/><address addr="{_address(index)}" addrtype="ipv4"/>'
            # nmap summarises the ports it found closed: without this, no absence would be proven.
            f'<ports><extraports state="closed" count="65530"><extrareasons reason="reset" count="65530" '
            f'proto="tcp"/></extraports>{ports}</ports></host>'
        )
    scripts = ",".join(
        [
            "ftp-anon",
            "http-title",
            "http-security-headers",
            "ssl-cert",
            "ssl-enum-ciphers",
            "ssh2-enum-algos",
            "ssh-hostkey",
            "mqtt-subscribe",
        ]
    )
    return (
        f'<?xml version="1.0"?><nmaprun args="nmap -sV --script={scripts} -p T:1-65535 x" version="7.93">'
        '<scaninfo type="syn" protocol="tcp" services="1-65535"/>'
        + "".join(hosts)
        + '<runstats><finished exit="success"/></runstats></nmaprun>'
    )


def synthetic_audit(count: int) -> Audit:
    gateways = [
        {
            "nom": f"passerelle-{index}",
            "adresse": _address(index),
            "modele": "synthétique",
            "zone": "iot",
            "ports_attendus": ["22/tcp", "443/tcp", "8883/tcp"],
        }
        for index in range(count)
    ]
    return Audit.model_validate(
        {
            "cas_usage": {
                "nom": "Flotte synthétique",
                "collectivite": "Banc d'essai",
                "domaine": "autre",
                "responsable": {"nom": "banc"},
                "date_audit": "2026-11-22",
            },
            "autorisation": {
                "reference": "banc",
                "signataire": "banc",
                "date": "2026-11-01",
                "valable_jusqu_au": "2030-01-01",
                "perimetre": ["127.0.0.0/8"],
                "grandes_plages_autorisees": True,
            },
            "passerelles": gateways,
        },
        by_alias=True,
        by_name=False,
    )


def _results_hash(findings: Sequence[Finding], evaluation: CyberEvaluation) -> str:
    """SHA-256 of the findings JSON and the scored evaluation, as a run folder would write them."""
    digest = hashlib.sha256(findings_json(findings))
    digest.update(evaluation.model_dump_json(indent=2, by_alias=True).encode())
    return digest.hexdigest()


def _round(xml: str, audit: Audit, grille: Grille) -> tuple[float, float, float, Sequence[Finding], CyberEvaluation]:
    """One round: bare ElementTree parse, audit-ti parse into facts, evaluation and scoring (seconds)."""
    gc.collect()
    started = time.perf_counter()
    ElementTree.fromstring(xml)
    bare = time.perf_counter() - started
    gc.collect()
    started = time.perf_counter()
    facts = parse_nmap_xml(xml).facts
    parse = time.perf_counter() - started
    evidence = NetworkEvidence((facts,), Coverage(ScanProfile.SAFE, udp=False, udp_reason="banc"), {}, discovery=False)
    started = time.perf_counter()
    evaluated = evaluate_findings(audit, [grille], evidence, default_registry(), TODAY)
    evaluation = build_evaluation(
        "banc",
        grilles=[grille],
        gateway_names=[g.name for g in audit.gateways],
        findings=evaluated.findings,
        today=TODAY,
        incomplete_reasons=[],
    )
    evaluate = time.perf_counter() - started
    return bare, parse, evaluate, evaluated.findings, evaluation


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else ROUNDS
    grille = load_grille(ROOT / "grilles" / "hygiene-iot.yaml")
    audit = synthetic_audit(count)
    xml = synthetic_xml(count)
    bares, parses, evaluations = [], [], []
    digests = set()
    count_findings = 0
    peak = 0.0
    for _ in range(rounds):
        bare, parse, evaluate, findings, evaluation = _round(xml, audit, grille)
        # Before the results are serialised for their hash (not part of an import): the import's peak.
        peak = peak or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        bares.append(bare)
        parses.append(parse)
        evaluations.append(evaluate)
        digests.add(_results_hash(findings, evaluation))
        count_findings = len(findings)
        del evaluation, findings  # the next round starts from nothing: the peak is one round's
    digest = digests.pop()
    expected = EXPECTED_HASHES.get(count)
    print(f"hôtes : {count} ; XML : {len(xml) / 1e6:.1f} Mo ; {count_findings} résultats ; {rounds} tours")
    print(f"ElementTree nu : {median(bares):.2f} s (médiane de {', '.join(f'{s:.2f}' for s in bares)})")
    print(f"analyse audit-ti : {median(parses):.2f} s (médiane de {', '.join(f'{s:.2f}' for s in parses)})")
    print(f"évaluation : {median(evaluations):.2f} s (médiane de {', '.join(f'{s:.2f}' for s in evaluations)})")
    print(f"mémoire maximale du processus (XML, arbre, faits, résultats) : {peak:.0f} Mo (cible : < {TARGET_MB} Mo)")
    print(f"empreinte des résultats : {digest}")
    if digests:
        raise SystemExit("résultats différents d'un tour à l'autre")
    if expected is not None:
        if digest != expected:
            raise SystemExit(f"résultats différents de ceux de l'implémentation précédente ({expected})")
        print("résultats identiques à ceux de l'implémentation précédente (empreinte enregistrée)")
    print(f"cible : analyse + évaluation ≤ {TARGET_RATIO:.0f} × ElementTree nu")
    ratio = (median(parses) + median(evaluations)) / median(bares)
    section = f"Import et évaluation de {count} hôtes"
    imported = [p + e for p, e in zip(parses, evaluations, strict=True)]
    record_ratio(
        section,
        "analyse + évaluation / ElementTree nu",
        median(parses) + median(evaluations),
        median(bares),
        at_most=TARGET_RATIO,
        timings=imported,
        baseline_timings=bares,
        detail=f"empreinte {digest[:12]}…",
    )
    record(section, "mémoire maximale du processus", peak, unit="Mo", target=f"< {TARGET_MB} Mo", met=peak < TARGET_MB)
    print(f"rapport {ratio:.2f}")


if __name__ == "__main__":
    main()
