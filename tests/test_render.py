"""Reports' HTML polish and PDF layout: long tokens in table cells break on paper, nothing else changes."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from audit_ti.report.render import breakable_cells, edited, render_html, render_pdf
from tests.suite_helpers import pdf_text, words_off_the_page

SUITES = [
    "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
    "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2017-0143",
    "eclairage-armoire-01/depart/1/puissance_w",
    "x" * 45,
]


def _table(columns: int) -> str:
    cells = "".join(f"<td>{' '.join(SUITES)}</td>" for _ in range(columns))
    return f"<table><tr>{''.join(f'<th>colonne {n}</th>' for n in range(columns))}</tr><tr>{cells}</tr></table>"


def _report(body: str) -> str:
    """A technical report (our template and print CSS) whose only cell shows ``body``."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(body)])
    return render_html([notebook], "Essai", kind="rapport-technique")


def test_long_tokens_in_cells_get_break_opportunities_and_keep_their_text() -> None:
    html = edited(f"<p>{SUITES[0]}</p>{_table(1)}", breakable_cells)
    paragraph, cell = html.split("<table>")
    assert "<wbr" not in paragraph
    assert "TLS_<wbr/>ECDHE_<wbr/>RSA_<wbr/>WITH_<wbr/>" in cell
    assert "x" * 12 + "<wbr/>" + "x" * 12 + "<wbr/>" + "x" * 12 + "<wbr/>" + "x" * 9 + "</td>" in cell
    assert re.sub(r"<wbr/>", "", html) == f"<p>{SUITES[0]}</p>{_table(1)}"


def test_short_words_and_spaces_are_left_alone() -> None:
    html = "<table><tr><td>port 1883/tcp ouvert, MQTT sans authentification</td></tr></table>"
    assert edited(html, breakable_cells) == html


@pytest.mark.parametrize("columns", [3, 6])
def test_a_wide_table_of_long_tokens_stays_on_the_page(columns: int, tmp_path: Path) -> None:
    body = _table(columns)
    broken = tmp_path / "coupe.pdf"
    html = _report(body)
    assert "<wbr/>" in html
    render_pdf(html, broken)
    assert words_off_the_page(broken) == []
    text = pdf_text(broken)
    assert "\u200b" not in text
    assert "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384" in text.replace(" ", "")
    # The same table without the break opportunities runs off the page: the check above can fail.
    whole = tmp_path / "entier.pdf"
    render_pdf(html.replace("<wbr/>", ""), whole)
    assert words_off_the_page(whole) != []
