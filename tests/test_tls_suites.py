"""Cipher suites judged against the ANSSI TLS guide: suite names, nmap XML, the grille's check."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit_ti.checks.tls import TlsParams, tls_configuration
from audit_ti.checks.tls_suites import (
    SuiteClass,
    SuitePolicy,
    accepted_suites,
    classify,
    components,
    iana_name,
    judge_suites,
)
from audit_ti.inputs.documents import load_grille
from audit_ti.models import Status
from audit_ti.models.facts import ScriptTable
from audit_ti.scan.nmap_xml import parse_nmap_xml
from tests.conftest import FIXTURES, ROOT
from tests.factories import context, port, run, script, table

GRILLE = load_grille(ROOT / "grilles" / "hygiene-iot.yaml")


def _item_params() -> TlsParams:
    item = GRILLE.requirement("suites_tls_faibles")
    assert item is not None
    (ref,) = item.checks
    return TlsParams.model_validate(ref.params, by_alias=True, by_name=False)


PARAMS = _item_params()
assert PARAMS.suite_policy is not None
POLICY: SuitePolicy = PARAMS.suite_policy

RECOMMENDED = [
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
    "TLS_AES_128_GCM_SHA256",
    "TLS_AKE_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_AKE_WITH_AES_256_GCM_SHA384",
]
DEGRADED = [
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
    "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
    "TLS_AES_128_CCM_8_SHA256",
]
FORBIDDEN = {
    "TLS_RSA_WITH_AES_128_CBC_SHA": "échange de clés RSA (sans confidentialité persistante)",
    "TLS_RSA_WITH_AES_256_GCM_SHA384": "échange de clés RSA (sans confidentialité persistante)",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": "intégrité SHA-1",
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA": "chiffrement 3DES_EDE",
    "TLS_ECDHE_RSA_WITH_RC4_128_SHA": "chiffrement RC4_128",
    "TLS_ECDHE_ECDSA_WITH_NULL_SHA": "chiffrement NULL",
    "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA": "échange de clés RSA (sans confidentialité persistante)",
    "TLS_DH_anon_WITH_AES_128_GCM_SHA256": "échange de clés DH (sans confidentialité persistante)",
    "TLS_ECDH_anon_WITH_AES_256_CBC_SHA": "échange de clés ECDH (sans confidentialité persistante)",
    "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256": "authentification DSS",
    "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256": "authentification PSK",
    "TLS_PSK_WITH_AES_128_GCM_SHA256": "échange de clés PSK (sans confidentialité persistante)",
    "TLS_DHE_RSA_WITH_SEED_CBC_SHA": "chiffrement SEED",
    "TLS_RSA_WITH_IDEA_CBC_SHA": "échange de clés RSA (sans confidentialité persistante)",
    "TLS_RSA_WITH_RC4_128_MD5": "échange de clés RSA (sans confidentialité persistante)",
    "TLS_NULL_WITH_NULL_NULL": "échange de clés NULL (sans confidentialité persistante)",
    "TLS_SM4_GCM_SM3": "suite TLS 1.3 hors des listes du guide",
}


@pytest.mark.parametrize("name", RECOMMENDED)
def test_recommended_suites(name: str) -> None:
    verdict = classify(name, POLICY)
    assert (verdict.suite_class, verdict.reasons) == (SuiteClass.RECOMMENDED, ())


@pytest.mark.parametrize("name", DEGRADED)
def test_degraded_suites(name: str) -> None:
    verdict = classify(name, POLICY)
    assert verdict.suite_class is SuiteClass.DEGRADED
    assert verdict.reasons


@pytest.mark.parametrize(("name", "reason"), FORBIDDEN.items())
def test_forbidden_suites_with_their_first_reason(name: str, reason: str) -> None:
    verdict = classify(name, POLICY)
    assert verdict.suite_class is SuiteClass.FORBIDDEN
    assert verdict.reasons[0] == reason


def test_every_forbidden_component_is_named() -> None:
    verdict = classify("TLS_RSA_WITH_3DES_EDE_CBC_SHA", POLICY)
    assert verdict.reasons == (
        "échange de clés RSA (sans confidentialité persistante)",
        "chiffrement 3DES_EDE",
        "intégrité SHA-1",
    )
    assert classify("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", POLICY).reasons == ("mode CBC",)
    assert classify("TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", POLICY).reasons == ("échange de clés DHE", "mode CBC")


def test_nmap_names_and_components() -> None:
    assert iana_name("TLS_AKE_WITH_AES_128_GCM_SHA256") == "TLS_AES_128_GCM_SHA256"
    assert iana_name(" TLS_RSA_WITH_AES_128_CBC_SHA ") == "TLS_RSA_WITH_AES_128_CBC_SHA"
    assert components("TLS_DHE_RSA_WITH_AES_256_CCM_8") == {
        "key_exchange": "DHE",
        "authentication": "RSA",
        "cipher": "AES_256",
        "mode": "CCM_8",
        "integrity": "AEAD",
    }
    assert components("TLS_ECDHE_RSA_WITH_RC4_128_SHA") == {
        "key_exchange": "ECDHE",
        "authentication": "RSA",
        "cipher": "RC4_128",
        "mode": "AUCUN",
        "integrity": "SHA",
    }
    assert components("TLS_AES_128_GCM_SHA256") is None


@pytest.mark.parametrize("name", ["", "ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_", "tls_aes_128_gcm_sha256"])
def test_unreadable_names_are_not_judged(name: str) -> None:
    assert classify(name, POLICY).suite_class is SuiteClass.UNREADABLE


def test_key_exchange_parameters_read_by_nmap() -> None:
    gcm = "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"
    assert classify(gcm, POLICY, "dh 2048").suite_class is SuiteClass.DEGRADED
    small = classify(gcm, POLICY, "dh 1024")
    assert small.suite_class is SuiteClass.FORBIDDEN
    assert small.reasons == ("groupe DH de 1024 bits (au moins 2048)",)
    ecdhe = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    assert classify(ecdhe, POLICY, "ecdh_x25519").suite_class is SuiteClass.RECOMMENDED
    assert classify(ecdhe, POLICY, "secp256r1").suite_class is SuiteClass.RECOMMENDED
    weak_curve = classify(ecdhe, POLICY, "sect163k1")
    assert (weak_curve.suite_class, weak_curve.reasons) == (SuiteClass.FORBIDDEN, ("courbe sect163k1",))
    assert classify("TLS_RSA_WITH_AES_128_GCM_SHA256", POLICY, "rsa 2048").reasons == (
        "échange de clés RSA (sans confidentialité persistante)",
    )


def _enum(**protocols: list[str]) -> ScriptTable:
    return table(
        elems={"least strength": "A"},
        tables=tuple(
            table(
                protocol,
                tables=(table("ciphers", tables=tuple(table(elems={"name": n, "strength": "A"}) for n in names)),),
            )
            for protocol, names in protocols.items()
        ),
    )


def test_judgement_per_service() -> None:
    good = _enum(**{"TLSv1.2": RECOMMENDED[:3], "TLSv1.3": ["TLS_AKE_WITH_AES_128_GCM_SHA256"]})
    assert judge_suites(good, POLICY) == (
        Status.COMPLIANT,
        "4 suites acceptées, toutes recommandées par le guide TLS de l'ANSSI",
    )
    status, text = judge_suites(_enum(**{"TLSv1.2": [*RECOMMENDED[:2], *DEGRADED[:2]]}), POLICY)
    assert status is Status.PARTIAL
    assert text == (
        "suites dégradées selon le guide TLS de l'ANSSI — TLSv1.2 : échange de clés DHE : "
        "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
    )
    status, text = judge_suites(
        _enum(**{"TLSv1.2": [RECOMMENDED[0], "TLS_RSA_WITH_AES_128_CBC_SHA", DEGRADED[0]]}), POLICY
    )
    assert status is Status.NON_COMPLIANT
    assert "TLS_RSA_WITH_AES_128_CBC_SHA" in text and DEGRADED[0] not in text
    status, text = judge_suites(_enum(**{"TLSv1.2": [RECOMMENDED[0], "ECDHE-RSA-AES128-SHA"]}), POLICY)
    assert (status, text) == (
        Status.TO_VERIFY,
        "suites non reconnues, à vérifier — TLSv1.2 : nom de suite illisible : ECDHE-RSA-AES128-SHA",
    )
    assert judge_suites(table(tables=(table("TLSv1.2"),)), POLICY)[0] is Status.TO_VERIFY


def _tls_ports(path: Path) -> dict[tuple[str, str], ScriptTable]:
    facts = parse_nmap_xml(path.read_text(encoding="utf-8")).facts
    found = {}
    for host in facts.hosts:
        for open_port in host.open_ports():
            enum = open_port.script("ssl-enum-ciphers")
            if enum is not None:
                found[(host.address, open_port.label)] = enum.structure
    return found


def test_medium_gateway_in_a_stored_lab_scan_is_non_compliant() -> None:
    ports = _tls_ports(FIXTURES / "nmap" / "labo-passe-principale.xml")
    medium = ports[("127.0.10.2", "443/tcp")]
    suites = accepted_suites(medium)
    assert len([s for s in suites if s.protocol == "TLSv1.2"]) == 44
    status, text = judge_suites(medium, POLICY)
    assert status is Status.NON_COMPLIANT
    # Key exchange first: the reasons come in the order of the suite's name.
    assert "TLSv1.2 : échange de clés RSA (sans confidentialité persistante) : TLS_RSA_WITH_AES_128_CBC_SHA," in text
    assert " ; intégrité SHA-1 : TLS_DHE_RSA_WITH_AES_128_CBC_SHA, " in text
    # TLS 1.0 and TLS 1.1 accept the same suites: said once for both.
    assert "TLSv1.0, TLSv1.1 : " in text
    # Recommended and degraded suites are not listed among the forbidden ones.
    assert "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" not in text and "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" not in text


def _hardened_ports(path: Path) -> dict[str, ScriptTable]:
    return {label: enum for (_, label), enum in _tls_ports(path).items() if len(accepted_suites(enum)) <= 10}


def test_the_older_lab_scan_shows_the_sha1_suites_of_the_mqtt_listener() -> None:
    """Before its broker listed its suites, the hardened gateway's MQTT listener accepted CBC with SHA-1."""
    ports = _hardened_ports(FIXTURES / "nmap" / "labo-passe-principale.xml")
    assert judge_suites(ports["443/tcp"], POLICY)[0] is Status.COMPLIANT
    status, text = judge_suites(ports["8883/tcp"], POLICY)
    assert status is Status.NON_COMPLIANT
    assert text.endswith(
        "TLSv1.2 : intégrité SHA-1 : TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"
    )


@pytest.mark.parametrize("case", ["demo-lab", "telereleve-eau", "stationnement"])
def test_hardened_gateway_in_stored_scans(case: str) -> None:
    """HTTPS and MQTT over TLS offer only suites the guide recommends (ECDHE, AEAD)."""
    ports = _hardened_ports(ROOT / "audits" / "references" / f"{case}.xml")
    for label in ("443/tcp", "8883/tcp"):
        status, text = judge_suites(ports[label], POLICY)
        assert status is Status.COMPLIANT, (label, text)


def _https(*scripts):
    return port(443, "http", tunnel="ssl", scripts=scripts)


def test_check_reads_the_grille_referential() -> None:
    weak = _enum(**{"TLSv1.2": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA"]})
    obs = tls_configuration(context(_https(script("ssl-enum-ciphers", "", weak))), PARAMS)
    assert (obs.status, obs.confidence) == (Status.NON_COMPLIANT, 99)
    assert obs.evidence.startswith("443/tcp : protocoles TLSv1.2 ; suites interdites")
    assert "notée" not in obs.evidence
    degraded = _enum(**{"TLSv1.2": ["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"]})
    obs = tls_configuration(context(_https(script("ssl-enum-ciphers", "", degraded))), PARAMS)
    assert (obs.status, obs.confidence) == (Status.PARTIAL, 99)
    good = _enum(**{"TLSv1.3": ["TLS_AKE_WITH_AES_128_GCM_SHA256"]})
    obs = tls_configuration(context(_https(script("ssl-enum-ciphers", "", good))), PARAMS)
    assert obs.status is Status.COMPLIANT


def test_check_without_ssl_enum_ciphers_is_not_tested() -> None:
    obs = tls_configuration(context(_https()), PARAMS)
    assert obs.status is Status.NOT_TESTED
    ran = context(_https(), scan=run(scripts=frozenset({"default", "ssl-enum-ciphers"})))
    ran_without_output = tls_configuration(ran, PARAMS)
    assert (ran_without_output.status, ran_without_output.evidence) == (
        Status.TO_VERIFY,
        "443/tcp : aucune poignée de main TLS réussie",
    )


def test_grille_without_referential_keeps_the_grade() -> None:
    graded = TlsParams.model_validate({"note_minimale": "B"}, by_alias=True, by_name=False)
    weak = table(elems={"least strength": "C"}, tables=(table("TLSv1.2"),))
    obs = tls_configuration(context(_https(script("ssl-enum-ciphers", "", weak))), graded)
    assert obs.status is Status.NON_COMPLIANT and "notée C" in obs.evidence
