"""Property: for every registered check, facts where its ports or its scripts were not observed never
yield « conforme ». Random hosts, random outputs, then one named port left unscanned, or the check's
scripts never asked for: whatever the rest says, the check must not give a green light."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit_ti.checks import default_registry
from audit_ti.checks.context import Coverage, FleetContext, GatewayContext
from audit_ti.checks.registry import CheckParams, CheckScope, CheckSpec
from audit_ti.checks.selection import PortSelection
from audit_ti.inputs.documents import load_grille
from audit_ti.models import ScanProfile, Status
from audit_ti.models.facts import ExtraPorts, HostFacts, HostState, PortFacts, PortSeen, ScriptOutput
from audit_ti.models.scan_facts import ScanFacts
from tests.conftest import ROOT
from tests.factories import TODAY, gateway, table

GRILLE = load_grille(ROOT / "grilles" / "hygiene-iot.yaml")
REGISTRY = default_registry()

#: Every (check, parameters) the grille uses, plus each registered check at least once.
CASES: list[tuple[CheckSpec, CheckParams]] = []
for _item in GRILLE.items:
    for _ref in _item.checks:
        _spec = REGISTRY.get(_ref.check)
        assert _spec is not None
        CASES.append((_spec, _spec.params_model.model_validate(_ref.params, by_alias=True, by_name=False)))
assert {spec.id for spec, _ in CASES} == set(REGISTRY.ids()), "every registered check is exercised"

SERVICES = ["telnet", "ftp", "ssh", "http", "https", "mqtt", "snmp", "mbap", "coap", "upnp", "vnc", "unknown"]
OUTPUTS = [
    "",
    "Anonymous FTP login allowed",
    "Connection rejected: Not Authorized",
    "Supported authentication methods: publickey",
    "Accounts: No valid accounts found\n  Statistics: Performed 13 guesses in 9 seconds",
    "Password authentication not allowed",
    'Path "/" does not require authentication',
    "Strict-Transport-Security: max-age=1; X-Content-Type-Options: nosniff",
    "ERROR: Script execution failed",
    "Node-RED",
]


def _pool(params: CheckParams) -> list[tuple[int, str]]:
    named = [(ref.port, ref.protocol) for ref in params.required_ports()]
    return [*named, (22, "tcp"), (80, "tcp"), (443, "tcp"), (161, "udp"), (8000, "tcp")]


@st.composite
def _port(draw: st.DrawFn, params: CheckParams, scripts: list[str]) -> PortFacts:
    number, protocol = draw(st.sampled_from(_pool(params)))
    outputs = []
    for script in draw(st.lists(st.sampled_from(scripts), unique=True)) if scripts else []:
        structure = table(
            tables=(
                table("TLSv1.2"),
                table("validity", {"notBefore": "2026-01-01T00:00:00", "notAfter": "2027-01-01T00:00:00"}),
                table("pubkey", {"type": "ec", "bits": "256"}),
                table("subject", {"commonName": "a"}),
                table("issuer", {"commonName": "b"}),
            ),
            elems={"least strength": "A", "sig_algo": "sha256WithRSAEncryption", "sha1": "ab" * 20},
        )
        outputs.append(ScriptOutput(script, draw(st.sampled_from(OUTPUTS)), structure))
    return PortFacts(
        protocol,
        number,
        draw(st.sampled_from(["open", "closed", "filtered", "open|filtered"])),
        "syn-ack",
        _service(draw(st.sampled_from(SERVICES)), draw(st.booleans())),
        tuple(outputs),
    )


def _service(name: str, tls: bool) -> Any:
    from audit_ti.models.facts import ServiceFacts

    return ServiceFacts(name, tunnel="ssl" if tls else None, method="probed", confidence=10)


def _context(host: HostFacts, run: ScanFacts, profile: ScanProfile) -> GatewayContext:
    gw = gateway(ports=("22/tcp ssh", "443/tcp https"))
    coverage = Coverage(profile, udp=bool(run.scanned_udp), reference_tcp=((1, 1024),), reference_udp=((161, 161),))
    return GatewayContext(gw.name, gw, host, run, coverage, TODAY)


def _status(spec: CheckSpec, params: CheckParams, context: GatewayContext) -> list[Status]:
    if spec.scope is CheckScope.GATEWAY:
        return [spec.function(context, params).status]
    fleet = FleetContext((context, context), (), True, context.coverage, TODAY)
    return [targeted.observation.status for targeted in spec.function(fleet, params)]


CASE = st.sampled_from(CASES)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(data=st.data(), case=CASE, profile=st.sampled_from(list(ScanProfile)))
def test_a_named_port_left_unscanned_is_never_compliant(data: st.DataObject, case: Any, profile: ScanProfile) -> None:
    spec, params = case
    named = [(ref.port, ref.protocol) for ref in params.required_ports()]
    if not named:
        return
    hole_port, hole_protocol = data.draw(st.sampled_from(named))
    scripts = sorted(params.required_scripts())
    ports = [
        p
        for p in data.draw(st.lists(_port(params, scripts), max_size=6))
        if (p.port, p.protocol) != (hole_port, hole_protocol)
    ]
    host = HostFacts("127.0.20.1", HostState.UP, "user-set", (), tuple(ports), extraports=(ExtraPorts("closed"),))
    ranges = {
        protocol: tuple((low, high) for low, high in ((1, hole_port - 1), (hole_port + 1, 65535)) if low <= high)
        if protocol == hole_protocol
        else ((1, 65535),)
        for protocol in ("tcp", "udp")
    }
    run = ScanFacts(
        finished=True,
        scanned_tcp=ranges["tcp"],
        scanned_udp=ranges["udp"],
        requested_scripts=frozenset({"default", "version", *scripts}),
        hosts=(host,),
    )
    assert Status.COMPLIANT not in _status(spec, params, _context(host, run, profile))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(data=st.data(), case=CASE, profile=st.sampled_from(list(ScanProfile)))
def test_scripts_never_run_are_never_compliant(data: st.DataObject, case: Any, profile: ScanProfile) -> None:
    spec, params = case
    scripts = sorted(params.required_scripts())
    if not scripts:
        return
    ports = data.draw(st.lists(_port(params, []), max_size=6))
    host = HostFacts("127.0.20.1", HostState.UP, "user-set", (), tuple(ports), extraports=(ExtraPorts("closed"),))
    run = ScanFacts(
        finished=True,
        scanned_tcp=((1, 65535),),
        scanned_udp=((1, 65535),),
        requested_scripts=frozenset(),
        hosts=(host,),
    )
    if _service_proven_absent(params, host, run):
        return  # every named port answered « closed »: what the script would have read is not there
    assert Status.COMPLIANT not in _status(spec, params, _context(host, run, profile))


def _service_proven_absent(params: CheckParams, host: HostFacts, run: ScanFacts) -> bool:
    named = params.required_ports()
    return (
        isinstance(params, PortSelection)
        and not params.selector.titles  # a console found by its page title may sit on any port
        and bool(named)
        and all(run.seen(host, ref.port, ref.protocol) is PortSeen.ABSENT for ref in named)
        and not params.selector.pick(host)
    )
