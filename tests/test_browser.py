"""The HTML reports as a reader sees them: opened in headless Chromium, checked by axe-core and by hand.

One suite run for the whole module, on the reference scan with a hostile banner planted in a service
the technical report shows. Chromium is Debian's (``chromium``, ``chromium-driver``), driven by
selenium; axe-core is the version pinned in ``tests/navigateur/package-lock.json`` (``npm ci``).
Every page is also checked at 200 % zoom: a 640 CSS px wide viewport, as a 1280 px window shows it.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse
from xml.sax.saxutils import quoteattr

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver

from audit_ti.runs.suite import run_suite
from tests.conftest import ROOT
from tests.suite_helpers import DEMO, REFERENCE, settings

pytestmark = pytest.mark.lent

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
NAVIGATEUR = ROOT / "tests" / "navigateur"
AXE = NAVIGATEUR / "node_modules" / "axe-core" / "axe.min.js"
REPORTS = ("rapport-elus.html", "rapport-technique.html")
TECHNICAL = "rapport-technique.html"

#: Chromium with nothing of its own on the network: no sync, no updates, no name resolved, and every
#: HTTP(S) request sent to a closed port of the loopback (the report's own requests are still logged).
CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)

#: The service whose product the technical report shows ("23/tcp ouvert (telnet BusyBox telnetd)").
PLANTED = "BusyBox telnetd"
HOSTILE = '<script>window.__pirate=1</script><img src=x onerror="window.__pirate=2">'

DESKTOP = (1280, 1)
#: 200 % zoom: a 1280 px wide window shows 640 CSS px.
ZOOMED = (640, 2)

#: What nbconvert leaves of code: prompts, editors, highlighted sources, code cells that kept their input.
CODE_SELECTORS = (
    ".jp-InputPrompt, .jp-OutputPrompt, .input_prompt, .output_prompt, .prompt, .jp-CodeMirrorEditor, "
    ".jp-Editor, .CodeMirror, .highlight, .jp-CodeCell:not(.jp-mod-noInput), .jp-CodeCell .jp-InputArea, "
    "pre code, script"
)
PROMPT = re.compile(r"(In|Out)\s*\[\s*\d*\s*\]")
#: Alternatives that describe nothing (the template's own fallback included).
EMPTY_ALTS = {"graphique", "image", "figure", "illustration", "photo", "schéma", "graphique sans description"}

RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(
    result => done({version: axe.version, violations: result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))}),
    error => done({error: String(error)}));
"""


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The suite's run folder, on the reference scan whose telnet service announces a script and an image."""
    work = tmp_path_factory.mktemp("navigateur")
    source = REFERENCE.read_text(encoding="utf-8")
    attribute = f'product="{PLANTED}"'
    # The telnet banner appears in the first pass and in the second one (factory credentials).
    assert source.count(attribute) >= 1, "le scan de référence a changé : choisir un autre service où planter"
    xml = work / "banniere-hostile.xml"
    xml.write_text(source.replace(attribute, "product=" + quoteattr(f"{PLANTED} {HOSTILE}")), encoding="utf-8")
    outcome = run_suite(DEMO, settings(work, ROOT / "notebooks", offline_scan=xml))
    assert outcome.folder is not None
    return outcome.folder


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """Debian's headless Chromium, a fresh profile, its network log kept (the tests fail without it)."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if missing:
        pytest.fail(
            f"Introuvable : {', '.join(missing)}. Les épreuves des rapports dans le navigateur demandent les "
            "paquets Debian chromium et chromium-driver : « make test » les installe.",
            pytrace=False,
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (*CHROMIUM_ARGS, f"--user-data-dir={tmp_path_factory.mktemp('profil-chromium')}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_script_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe.min.js as npm ci installed it from the lock; a missing or stale copy fails the test."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} manque : « make test » installe axe-core (npm ci dans tests/navigateur).", pytrace=False)
    return AXE.read_text(encoding="utf-8")


def open_report(driver: WebDriver, path: Path, size: tuple[int, int] = DESKTOP) -> None:
    """Open a report at a viewport width (CSS px) and pixel ratio; the network log starts empty."""
    width, ratio = size
    driver.get_log("performance")
    metrics = {"width": width, "height": 900, "deviceScaleFactor": ratio, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    driver.get(path.as_uri())
    assert driver.execute_script("return document.readyState") == "complete"


def script(driver: WebDriver, code: str) -> Any:
    return driver.execute_script(code)


def run_axe(driver: WebDriver, axe_source: str) -> list[dict[str, Any]]:
    driver.execute_script(axe_source)
    result = driver.execute_async_script(RUN_AXE)
    assert "error" not in result, result
    lock = json.loads((NAVIGATEUR / "package-lock.json").read_text(encoding="utf-8"))
    pinned = lock["packages"]["node_modules/axe-core"]["version"]
    assert result["version"] == pinned, f"axe-core {result['version']} installé, {pinned} attendu : relancez make test"
    violations: list[dict[str, Any]] = result["violations"]
    return violations


@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize("size", [DESKTOP, ZOOMED], ids=["100pc", "200pc"])
def test_axe_finds_no_serious_or_critical_violation(
    browser: WebDriver, run_folder: Path, axe_source: str, report: str, size: tuple[int, int]
) -> None:
    open_report(browser, run_folder / report, size)
    violations = run_axe(browser, axe_source)
    blocking = [v for v in violations if v["impact"] in {"serious", "critical"}]
    assert blocking == [], "\n".join(f"{v['impact']} {v['id']} ({v['help']}) : {v['targets']}" for v in blocking)


@pytest.mark.parametrize("report", REPORTS)
def test_at_200_percent_zoom_the_page_never_scrolls_sideways(
    browser: WebDriver, run_folder: Path, tmp_path: Path, report: str
) -> None:
    open_report(browser, run_folder / report, ZOOMED)
    assert script(browser, "return window.innerWidth") == ZOOMED[0]
    screenshot = tmp_path / f"{report}.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and screenshot.stat().st_size > 10_000
    width = script(browser, "return document.documentElement.scrollWidth")
    assert width <= ZOOMED[0] + 1, f"la page défile horizontalement : {width} px pour {ZOOMED[0]}"
    # What does not fit scrolls inside its own region, which the keyboard reaches.
    overflowing = script(
        browser,
        """return [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.defilant'))
            .map(e => e.tagName + ' ' + e.textContent.slice(0, 60));""",
    )
    assert overflowing == []
    regions = script(browser, "return [...document.querySelectorAll('.defilant')].map(r => [r.tabIndex, r.role])")
    assert regions and all(region == [0, "region"] for region in regions)


def test_a_wide_table_scrolls_inside_its_region(browser: WebDriver, run_folder: Path) -> None:
    """The technical report's findings are wider than 640 px: without their region, the page would scroll."""
    open_report(browser, run_folder / TECHNICAL, ZOOMED)
    scrolling = script(
        browser,
        """return [...document.querySelectorAll('.defilant')]
            .filter(r => r.scrollWidth > r.clientWidth).map(r => r.getAttribute('aria-label'));""",
    )
    assert "Tableau\u00a0: Détail des constats à traiter" in scrolling


@pytest.mark.parametrize("report", REPORTS)
def test_french_with_real_alternatives_ordered_headings_and_table_headers(
    browser: WebDriver, run_folder: Path, report: str
) -> None:
    open_report(browser, run_folder / report)
    assert script(browser, "return document.documentElement.lang") == "fr"
    images = script(browser, "return [...document.images].map(i => [i.getAttribute('alt'), i.src])")
    if report == TECHNICAL:
        assert len(images) >= 2  # the chart of the cyber index, the CNIL risk map
    for alt, source in images:
        assert alt is not None and len(alt.strip()) > 20, (alt, source[:60])
        assert alt.strip().lower() not in EMPTY_ALTS
        assert alt != PurePosixPath(urlparse(source).path).name
    levels = script(browser, "return [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])")
    assert levels and levels[0] == 1
    skipped = [(before, after) for before, after in itertools.pairwise(levels) if after > before + 1]
    assert skipped == [], f"niveaux de titres sautés : {skipped}"
    tables = script(
        browser, "return [...document.querySelectorAll('table')].map(t => t.querySelectorAll('thead th').length)"
    )
    assert tables and all(count > 0 for count in tables), tables


@pytest.mark.parametrize("report", REPORTS)
def test_no_code_and_no_prompt(browser: WebDriver, run_folder: Path, report: str) -> None:
    open_report(browser, run_folder / report)
    found = f"return [...document.querySelectorAll({json.dumps(CODE_SELECTORS)})].map(e => e.outerHTML.slice(0, 120))"
    code = script(browser, found)
    assert code == []
    text = script(browser, "return document.body.innerText")
    assert len(text) > 2000  # the report is there
    assert not PROMPT.search(text)
    assert "dossier_run" not in text and "import " not in text


@pytest.mark.parametrize("report", REPORTS)
def test_nothing_is_requested_outside_the_file(browser: WebDriver, run_folder: Path, report: str) -> None:
    page = run_folder / report
    open_report(browser, page)
    messages = [json.loads(entry["message"])["message"] for entry in browser.get_log("performance")]
    requests = [m["params"] for m in messages if m["method"] == "Network.requestWillBeSent"]
    # Chromium's own pages (its new tab page, loaded in the background) are not the report's.
    urls = [r["request"]["url"] for r in requests if not r.get("documentURL", "").startswith("chrome:")]
    assert page.as_uri() in urls
    outside = [url[:100] for url in urls if not url.startswith(("file:", "data:", "about:"))]
    assert outside == []


def test_a_hostile_banner_is_shown_as_text(browser: WebDriver, run_folder: Path) -> None:
    open_report(browser, run_folder / TECHNICAL)
    assert script(browser, "return typeof window.__pirate") == "undefined"
    assert script(browser, "return document.scripts.length") == 0
    assert script(browser, "return document.querySelectorAll('img[onerror], img[src=\"x\"]').length") == 0
    text = script(browser, "return document.body.innerText")
    assert f"telnet {PLANTED} {HOSTILE}" in text
