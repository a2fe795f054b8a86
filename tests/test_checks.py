"""Each generic check, on hand-built facts: what makes it conforme, non conforme or non testé."""

from __future__ import annotations

from audit_ti.checks.context import Coverage, FleetContext
from audit_ti.checks.exposure import (
    BaselineParams,
    CleartextParams,
    ExposedServiceParams,
    baseline,
    cleartext_service,
    exposed_service,
)
from audit_ti.checks.fleet import InventoryParams, SharedKeysParams, inventory, shared_keys
from audit_ti.checks.scripts import (
    ForbiddenValuesParams,
    HeadersParams,
    ScriptResultParams,
    forbidden_values,
    script_result,
    security_headers,
)
from audit_ti.checks.tls import CertificateParams, TlsParams, certificate, tls_configuration
from audit_ti.models import ScanProfile, Status
from tests.factories import TODAY, context, gateway, host, port, run, script, table


def params(model, **values):
    return model.model_validate(values, by_alias=True, by_name=False)


TELNET = params(ExposedServiceParams, ports=["23/tcp", "2323/tcp"], services=["telnet"])


def test_exposed_service_probed_is_near_certain() -> None:
    obs = exposed_service(context(port(23, "telnet")), TELNET)
    assert (obs.status, obs.confidence) == (Status.NON_COMPLIANT, 95)
    assert "23/tcp ouvert (telnet)" in obs.evidence


def test_exposed_service_guessed_from_port_is_less_certain() -> None:
    obs = exposed_service(context(port(23, "telnet", method="table", conf=3)), TELNET)
    assert (obs.status, obs.confidence) == (Status.NON_COMPLIANT, 70)


def test_exposed_service_on_unusual_port_found_by_name() -> None:
    obs = exposed_service(context(port(4023, "telnet")), TELNET)
    assert obs.status is Status.NON_COMPLIANT


def test_exposed_service_absent_is_compliant_only_when_ports_were_scanned() -> None:
    obs = exposed_service(context(port(22, "ssh")), TELNET)
    assert obs.status is Status.COMPLIANT
    assert "ports vérifiés : 23/tcp, 2323/tcp" in obs.evidence
    narrow = context(port(22, "ssh"), scan=run(host(port(22, "ssh")), tcp=((22, 22),)))
    obs = exposed_service(narrow, params(ExposedServiceParams, ports=["23/tcp"]))
    assert obs.status is Status.NOT_TESTED


def test_exposed_service_allowed_in_its_zone() -> None:
    modbus = params(ExposedServiceParams, ports=["502/tcp"], services=["mbap"], zones_autorisees=["ot"])
    obs = exposed_service(context(port(502, "mbap"), gw=gateway(zone="ot")), modbus)
    assert obs.status is Status.COMPLIANT
    obs = exposed_service(context(port(502, "mbap"), gw=gateway(zone="iot")), modbus)
    assert obs.status is Status.NON_COMPLIANT


def test_exposed_service_by_http_title() -> None:
    debug = params(ExposedServiceParams, titres_http=["Node-RED"])
    console = port(8000, "http", scripts=(script("http-title", "Node-RED"),))
    obs = exposed_service(context(console), debug)
    assert obs.status is Status.NON_COMPLIANT
    assert debug.required_scripts() == frozenset({"http-title"})


def test_udp_only_check_is_not_tested_without_udp() -> None:
    upnp = params(ExposedServiceParams, ports=["1900/udp"], services=["upnp"])
    obs = exposed_service(context(port(22, "ssh"), udp=False), upnp)
    assert obs.status is Status.NOT_TESTED
    assert "sans droits root" in obs.evidence


def test_cleartext_service() -> None:
    mqtt = params(CleartextParams, ports=["1883/tcp"], services=["mqtt"])
    obs = cleartext_service(context(port(1883, "mqtt")), mqtt)
    assert obs.status is Status.NON_COMPLIANT
    obs = cleartext_service(context(port(8883, "mqtt", tunnel="ssl")), mqtt)
    assert obs.status is Status.COMPLIANT
    obs = cleartext_service(context(port(22, "ssh")), mqtt)
    assert obs.status is Status.NOT_APPLICABLE


FTP_ANON = params(
    ScriptResultParams,
    script="ftp-anon",
    services=["ftp"],
    regles=[{"motif": "Anonymous FTP login allowed", "statut": "non_conforme"}],
    sans_sortie="conforme",
)


def test_script_result_rule_silence_and_absence() -> None:
    anon = port(21, "ftp", scripts=(script("ftp-anon", "Anonymous FTP login allowed (FTP code 230)"),))
    obs = script_result(context(anon), FTP_ANON)
    assert (obs.status, obs.confidence) == (Status.NON_COMPLIANT, 99)
    obs = script_result(context(port(21, "ftp")), FTP_ANON)
    assert obs.status is Status.COMPLIANT
    obs = script_result(context(port(22, "ssh")), FTP_ANON)
    assert obs.status is Status.NOT_APPLICABLE


SMBV1 = params(
    ScriptResultParams,
    script="smb-protocols",
    ports=["445/tcp", "139/tcp"],
    services=["microsoft-ds", "netbios-ssn"],
    regles=[{"motif": r"NT LM 0\.12|SMBv1", "statut": "non_conforme"}, {"motif": "dialects:", "statut": "conforme"}],
    sans_sortie="a_verifier",
)


def test_host_script_output_speaks_for_the_service_ports() -> None:
    """smb-protocols is a host script: nmap prints it under <hostscript>, not under port 445."""
    smb = (port(139, "netbios-ssn"), port(445, "microsoft-ds"))
    v1 = script("smb-protocols", "\n  dialects: \n    NT LM 0.12 (SMBv1) [dangerous, but default]\n    202\n    311")
    obs = script_result(context(*smb, host_scripts=(v1,)), SMBV1)
    assert (obs.status, obs.confidence) == (Status.NON_COMPLIANT, 99)
    assert obs.evidence.startswith("139/tcp, 445/tcp smb-protocols : dialects: NT LM 0.12 (SMBv1)")
    v2 = script("smb-protocols", "\n  dialects: \n    210\n    300\n    311")
    assert script_result(context(*smb, host_scripts=(v2,)), SMBV1).status is Status.COMPLIANT
    # The output of another host is not this one's; no SMB port: not applicable.
    assert script_result(context(port(22, "ssh"), host_scripts=(v1,)), SMBV1).status is Status.NOT_APPLICABLE


def test_host_script_that_ran_silently_is_to_verify_and_one_never_run_is_not_tested() -> None:
    smb = port(445, "microsoft-ds")
    silent = context(smb, scan=run(host(smb), scripts=frozenset({"smb-protocols"})))
    obs = script_result(silent, SMBV1)
    assert obs.status is Status.TO_VERIFY
    assert "« smb-protocols » sans résultat" in obs.evidence
    assert script_result(context(smb), SMBV1).status is Status.NOT_TESTED
    blocked = script("smb-protocols", "No dialects accepted. Something may be blocking the responses")
    assert script_result(context(smb, host_scripts=(blocked,)), SMBV1).status is Status.TO_VERIFY


def test_script_not_requested_is_not_tested_with_the_reason() -> None:
    ssh_auth = params(
        ScriptResultParams,
        script="ssh-auth-methods",
        services=["ssh"],
        regles=[{"motif": "password", "statut": "non_conforme"}],
        sans_sortie="a_verifier",
    )
    obs = script_result(context(port(22, "ssh"), profile=ScanProfile.SAFE), ssh_auth)
    assert obs.status is Status.NOT_TESTED
    assert "réservé au profil intrusif" in obs.evidence
    obs = script_result(context(port(22, "ssh"), imported=True), ssh_auth)
    assert "absent du scan importé" in obs.evidence


def test_script_rules_read_the_structure_too() -> None:
    rules = params(
        ScriptResultParams,
        script="mqtt-subscribe",
        services=["mqtt"],
        regles=[
            {"motif": "Connection rejected", "statut": "conforme"},
            {"motif": "\\$SYS", "statut": "non_conforme"},
        ],
        sans_sortie="a_verifier",
    )
    structured = port(1883, "mqtt", scripts=(script("mqtt-subscribe", "", table(elems={"$SYS/broker/version": "x"})),))
    assert script_result(context(structured), rules).status is Status.NON_COMPLIANT
    rejected = port(1883, "mqtt", scripts=(script("mqtt-subscribe", "Connection rejected: Not Authorized"),))
    assert script_result(context(rejected), rules).status is Status.COMPLIANT


def test_forbidden_values() -> None:
    algos = params(
        ForbiddenValuesParams, script="ssh2-enum-algos", services=["ssh"], interdits=["3des-cbc", "hmac-sha1"]
    )
    weak = table(tables=(table("encryption_algorithms", {"1": "aes128-ctr", "2": "3des-cbc"}),))
    obs = forbidden_values(context(port(22, "ssh", scripts=(script("ssh2-enum-algos", "", weak),))), algos)
    assert obs.status is Status.NON_COMPLIANT
    assert "3des-cbc" in obs.evidence
    strong = table(tables=(table("encryption_algorithms", {"1": "aes256-gcm@openssh.com"}),))
    obs = forbidden_values(context(port(22, "ssh", scripts=(script("ssh2-enum-algos", "", strong),))), algos)
    assert obs.status is Status.COMPLIANT


def _ciphers(*protocols: str, grade: str = "A"):
    return script(
        "ssl-enum-ciphers", "", table(elems={"least strength": grade}, tables=tuple(table(p) for p in protocols))
    )


def test_tls_protocols_and_grade() -> None:
    old = params(TlsParams, protocoles_interdits=["TLSv1.0", "TLSv1.1"])
    weak = params(TlsParams, note_minimale="B")
    https = lambda *s: port(443, "http", tunnel="ssl", scripts=s)  # noqa: E731
    obs = tls_configuration(context(https(_ciphers("TLSv1.0", "TLSv1.2"))), old)
    assert obs.status is Status.NON_COMPLIANT and "TLSv1.0" in obs.evidence
    obs = tls_configuration(context(https(_ciphers("TLSv1.2", "TLSv1.3"))), old)
    assert obs.status is Status.COMPLIANT
    obs = tls_configuration(context(https(_ciphers("TLSv1.2", grade="C"))), weak)
    assert obs.status is Status.NON_COMPLIANT
    obs = tls_configuration(context(https(_ciphers("TLSv1.2", grade="B"))), weak)
    assert obs.status is Status.COMPLIANT
    obs = tls_configuration(context(port(80, "http")), old)
    assert obs.status is Status.NOT_APPLICABLE


def _cert(
    not_before: str, not_after: str, *, self_signed: bool, sig: str = "sha256WithRSAEncryption", bits: str = "2048"
):
    subject = table("subject", {"commonName": "passerelle"})
    issuer = table("issuer", {"commonName": "passerelle" if self_signed else "AC de la collectivité"})
    structure = table(
        elems={"sig_algo": sig, "sha1": "ab" * 20},
        tables=(
            subject,
            issuer,
            table("pubkey", {"type": "rsa", "bits": bits}),
            table("validity", {"notBefore": not_before, "notAfter": not_after}),
        ),
    )
    return port(443, "http", tunnel="ssl", scripts=(script("ssl-cert", "", structure),))


CERT = params(CertificateParams, signatures_interdites=["md5WithRSAEncryption"], duree_maximale_jours=1100)


def test_certificate_problems_are_listed() -> None:
    obs = certificate(
        context(
            _cert(
                "2020-11-22T17:06:58", "2021-11-22T17:06:58", self_signed=True, sig="md5WithRSAEncryption", bits="1024"
            )
        ),
        CERT,
    )
    assert obs.status is Status.NON_COMPLIANT
    for expected in (
        "expiré depuis le 22/11/2021",
        "autosigné",
        "signé avec md5WithRSAEncryption",
        "clé RSA de 1024 bits",
    ):
        assert expected in obs.evidence


def test_certificate_valid_and_not_yet_valid() -> None:
    obs = certificate(context(_cert("2026-01-01T00:00:00", "2027-01-01T00:00:00", self_signed=False)), CERT)
    assert obs.status is Status.COMPLIANT
    obs = certificate(context(_cert("2027-01-01T00:00:00", "2027-06-01T00:00:00", self_signed=False)), CERT)
    assert "pas encore valide" in obs.evidence
    obs = certificate(context(_cert("2020-01-01T00:00:00", "2030-01-01T00:00:00", self_signed=False)), CERT)
    assert "validité de 3653 jours" in obs.evidence


def test_baseline_lists_undeclared_services() -> None:
    obs = baseline(context(port(22, "ssh"), port(1880, "http")), params(BaselineParams))
    assert obs.status is Status.NON_COMPLIANT
    assert "1880/tcp" in obs.evidence and "22/tcp" not in obs.evidence
    obs = baseline(context(port(22, "ssh")), params(BaselineParams))
    assert obs.status is Status.COMPLIANT
    obs = baseline(context(port(22, "ssh"), gw=gateway(ports=())), params(BaselineParams))
    assert obs.status is Status.TO_VERIFY


def test_security_headers() -> None:
    headers = params(HeadersParams, requis=["Strict-Transport-Security"])
    good = port(
        443,
        "http",
        tunnel="ssl",
        scripts=(script("http-security-headers", "Header: Strict-Transport-Security: max-age=31536000"),),
    )
    assert security_headers(context(good), headers).status is Status.COMPLIANT
    bad = port(443, "http", tunnel="ssl", scripts=(script("http-security-headers", "Cache_Control: no-cache"),))
    assert security_headers(context(bad), headers).status is Status.NON_COMPLIANT


def _fleet(*contexts, undeclared=(), discovery=True):
    return FleetContext(tuple(contexts), tuple(undeclared), discovery, Coverage(ScanProfile.SAFE, True), TODAY)


def test_inventory() -> None:
    rogue = host(port(80, "http"), address="127.0.20.9", reason="syn-ack")
    quiet_loopback = host(address="127.0.20.8", reason="localhost-response")
    observations = inventory(_fleet(undeclared=(rogue, quiet_loopback)), params(InventoryParams))
    assert [(o.target, o.observation.status) for o in observations] == [("127.0.20.9", Status.NON_COMPLIANT)]
    assert inventory(_fleet(), params(InventoryParams))[0].observation.status is Status.COMPLIANT
    assert inventory(_fleet(discovery=False), params(InventoryParams))[0].observation.status is Status.NOT_TESTED


def test_shared_keys() -> None:
    key = script("ssh-hostkey", "", table(tables=(table(None, {"fingerprint": "aa11bb22cc33dd44ee55"}),)))
    other = script("ssh-hostkey", "", table(tables=(table(None, {"fingerprint": "ff00ff00ff00ff00ff00"}),)))
    a = context(port(22, "ssh", scripts=(key,)), gw=gateway("a"))
    b = context(port(22, "ssh", scripts=(key,)), gw=gateway("b"))
    c = context(port(22, "ssh", scripts=(other,)), gw=gateway("c"))
    statuses = {o.target: o.observation.status for o in shared_keys(_fleet(a, b, c), params(SharedKeysParams))}
    assert statuses == {"a": Status.NON_COMPLIANT, "b": Status.NON_COMPLIANT, "c": Status.COMPLIANT}


# --- never « conforme » on what was not observed -----------------------------------------------


def test_narrowed_scan_leaves_the_requirement_untested() -> None:
    only_443 = context(port(443, "https", tunnel="ssl"), scan=run(host(port(443, "https")), tcp=((443, 443),)))
    obs = exposed_service(only_443, TELNET)
    assert obs.status is Status.NOT_TESTED
    assert "ports non scannés : 23/tcp, 2323/tcp" in obs.evidence
    half = context(port(22, "ssh"), scan=run(host(port(22, "ssh")), tcp=((1, 1024),)))
    obs = exposed_service(half, TELNET)
    assert obs.status is Status.NOT_TESTED
    assert "ports vérifiés : 23/tcp" in obs.evidence and "non scannés : 2323/tcp" in obs.evidence


def test_udp_port_without_a_clear_answer_is_to_verify() -> None:
    upnp = params(ExposedServiceParams, ports=["1900/udp"], services=["upnp"])
    silent = port(1900, "upnp", protocol="udp", state="open|filtered", method="table", conf=3)
    obs = exposed_service(context(silent), upnp)
    assert obs.status is Status.TO_VERIFY
    assert "sans réponse concluante" in obs.evidence


def test_unlisted_port_that_nmap_accounted_for_nowhere_proves_nothing() -> None:
    from audit_ti.models.facts import ExtraPorts

    unaccounted = host(port(22, "ssh"), extraports=(ExtraPorts("closed", "tcp", ((1, 21),)),))
    obs = exposed_service(context(scan=run(unaccounted), facts=unaccounted), TELNET)
    assert obs.status is Status.TO_VERIFY


def test_headers_of_a_page_that_never_answered_are_to_verify() -> None:
    headers = params(HeadersParams, requis=["Strict-Transport-Security"])
    silent = port(443, "http", tunnel="ssl")
    scan = run(host(silent), scripts=frozenset({"http-security-headers"}))
    obs = security_headers(context(silent, scan=scan), headers)
    assert obs.status is Status.TO_VERIFY
    assert "en-têtes non lus" in obs.evidence
    assert security_headers(context(silent), headers).status is Status.NOT_TESTED


def test_unreadable_or_absurd_certificate_dates_are_not_valid() -> None:
    for not_after in ("99999-12-31T00:00:00", "", "demain", "2027-02-30T00:00:00"):
        obs = certificate(context(_cert("2026-01-01T00:00:00", not_after, self_signed=False)), CERT)
        assert obs.status is Status.TO_VERIFY, not_after
        assert "dates de validité illisibles" in obs.evidence
    inverted = certificate(context(_cert("2027-01-01T00:00:00", "2026-01-01T00:00:00", self_signed=False)), CERT)
    assert inverted.status is Status.TO_VERIFY and "incohérentes" in inverted.evidence


def test_script_output_without_the_expected_list_is_not_read_as_clean() -> None:
    algos = params(ForbiddenValuesParams, script="ssh2-enum-algos", services=["ssh"], interdits=["3des-cbc"])
    broken = port(22, "ssh", scripts=(script("ssh2-enum-algos", "ERROR: Script execution failed"),))
    assert forbidden_values(context(broken), algos).status is Status.TO_VERIFY


def test_tls_output_without_protocols_or_grade_is_to_verify() -> None:
    weak = params(TlsParams, note_minimale="B")
    https = port(443, "http", tunnel="ssl", scripts=(script("ssl-enum-ciphers", "ERROR", table()),))
    assert tls_configuration(context(https), weak).status is Status.TO_VERIFY
    no_grade = port(
        443, "http", tunnel="ssl", scripts=(script("ssl-enum-ciphers", "", table(tables=(table("TLSv1.2"),))),)
    )
    assert tls_configuration(context(no_grade), weak).status is Status.TO_VERIFY


def test_grille_may_not_read_a_silent_signature_script_as_compliant() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="ne prouve rien"):
        params(
            ScriptResultParams,
            script="http-default-accounts",
            services=["http"],
            regles=[{"motif": "\\] at /", "statut": "non_conforme"}],
            sans_sortie="conforme",
        )


def test_title_based_consoles_need_their_titles() -> None:
    debug = params(ExposedServiceParams, ports=["1880/tcp"], titres_http=["Node-RED"])
    web = port(8000, "http")
    obs = exposed_service(context(web, scan=run(host(web), scripts=frozenset())), debug)
    assert obs.status is Status.NOT_TESTED and "http-title" in obs.evidence
