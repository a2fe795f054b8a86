"""Executed notebooks into reports: HTML with our own template (no code, no script, nothing remote), then PDF.

The HTML is what a reader gets: French (``lang="fr"``, French spacing), no code cell, no prompt,
no request to anything outside the file, every table in a region that scrolls on its own (keyboard
included) so that the page never scrolls sideways at 200 % zoom. The PDF is WeasyPrint's tagged
PDF/UA of that HTML, with every fetch outside ``data:`` refused.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path
from typing import Any

import nbformat
from bs4 import BeautifulSoup
from bs4.element import NavigableString
from nbconvert import HTMLExporter
from traitlets.config import Config
from weasyprint import HTML, URLFetcher

from audit_ti.report.pdf_tags import scope_table_headers

__all__ = [
    "TEMPLATES",
    "breakable_cells",
    "edited",
    "french_spacing",
    "render_html",
    "render_pdf",
    "scrolling_tables",
    "warning_box",
]

#: Our nbconvert templates (``audit_ti`` extends JupyterLab's and drops its scripts and CSS).
TEMPLATES = Path(__file__).parent / "templates"

#: Cells a report never shows: the parameters papermill injected, papermill's English error banners.
REMOVED_TAGS = {"remove_cell", "injected-parameters", "parameters", "papermill-error-cell-tag"}

#: French typography: thin no-break space before ; ! ? %, no-break space before : and », after «.
_SPACING = (
    (re.compile(r"[ \u00a0]+([;!?%])"), "\u202f\\1"),
    (re.compile(r"[ \u202f]+([:»])"), "\u00a0\\1"),
    (re.compile(r"«[ \u202f]*"), "«\u00a0"),
)
_VERBATIM = {"pre", "code", "script", "style", "title"}
#: A run of this many characters without a space is a token a table column cannot shrink below.
LONG_TOKEN = 20
#: The longest piece left between two break opportunities of a long token without separators.
PIECE = 12
_LONG = re.compile(rf"\S{{{LONG_TOKEN},}}")
#: Where a long token may break: after each separator, and inside any longer stretch without one.
_SEPARATED = re.compile(r"(?<=[_\-/.:,;=?&])(?=.)")
_HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]


@functools.cache
def _exporter() -> Any:
    config = Config()
    config.HTMLExporter.update(
        extra_template_basedirs=[str(TEMPLATES)],
        template_name="audit_ti",
        language_code="fr",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=True,
    )
    config.TagRemovePreprocessor.remove_cell_tags = REMOVED_TAGS
    return HTMLExporter(config=config)


def warning_box(lines: Sequence[str]) -> str:
    """The box at the top of a report that says what is missing and why (escaped: texts may come from devices)."""
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return (
        '<div class="avertissement" role="alert"><p><strong>Exécution incomplète : ce rapport ne peut pas être lu '
        f"comme un feu vert.</strong></p><ul>{items}</ul></div>"
    )


def render_html(notebooks: Sequence[Any], title: str, warnings: Sequence[str] = (), kind: str = "") -> str:
    """One HTML report from executed notebooks (``nbformat`` nodes), in order, with the warning box first.

    ``kind`` (« rapport-elus », « rapport-technique ») becomes the class of ``<body>``: the elected
    officials' report is set tighter, to hold on two printed pages.
    """
    merged = nbformat.v4.new_notebook()
    merged.metadata["title"] = title
    merged.metadata["audit_ti"] = {"report_kind": kind}
    if warnings:
        merged.cells.append(nbformat.v4.new_markdown_cell(warning_box(warnings)))
    for notebook in notebooks:
        merged.cells.extend(notebook.cells)
    body, _ = _exporter().from_notebook_node(merged, resources={"metadata": {"name": title}})
    return edited(str(body), scrolling_tables, breakable_cells, french_spacing)


def edited(html: str, *edits: Callable[[BeautifulSoup], None]) -> str:
    """``html`` parsed once, changed in place by each of ``edits`` in turn, written back."""
    soup = BeautifulSoup(html, "html.parser")
    for edit in edits:
        edit(soup)
    return str(soup)


def scrolling_tables(soup: BeautifulSoup) -> None:
    """Every table in a region of its own that scrolls sideways, focusable and named after its section.

    A wide table then scrolls inside the page (allowed for data tables by WCAG 1.4.10) instead of the
    whole page; the keyboard reaches it (``tabindex``) and a screen reader names it by its heading.
    """
    names: dict[str, int] = {}
    for table in soup.find_all("table"):
        heading = table.find_previous(_HEADINGS)
        section = " ".join(heading.get_text().split()) if heading is not None else ""
        names[section] = names.get(section, 0) + 1
        rank = f" ({names[section]})" if names[section] > 1 else ""
        label = f"Tableau\u00a0: {section}{rank}" if section else f"Tableau{rank}"
        attributes = {"class": "defilant", "role": "region", "tabindex": "0", "aria-label": label}
        table.wrap(soup.new_tag("div", attrs=attributes))


def breakable_cells(soup: BeautifulSoup) -> None:
    """Table cells whose long tokens (TLS suites, URLs, MQTT topics) may break, with ``<wbr>`` inside them.

    On paper a table cannot scroll: its narrowest width is that of its longest unbreakable word, and a
    TLS suite name would push it past the page edge. CSS ``overflow-wrap: anywhere`` would let every
    character break, but makes WeasyPrint measure every character of every cell (a technical PDF took
    four times as long); a few ``<wbr>`` after the separators of the long tokens only are enough.
    """
    for node in soup.find_all(string=_LONG):
        if not isinstance(node, NavigableString) or node.find_parent(["td", "th"]) is None:
            continue
        pieces: list[Any] = []
        for index, part in enumerate(_breakable_parts(str(node))):
            if index:
                pieces.append(soup.new_tag("wbr"))
            pieces.append(NavigableString(part))
        node.replace_with(*pieces)


def _breakable_parts(text: str) -> list[str]:
    """``text`` cut inside its long tokens only: after their separators, and every ``PIECE`` characters."""
    parts = [""]
    end = 0
    for token in _LONG.finditer(text):
        parts[-1] += text[end : token.start()]
        pieces = [
            piece[start : start + PIECE]
            for piece in _SEPARATED.split(token.group())
            for start in range(0, len(piece), PIECE)
        ]
        parts[-1] += pieces[0]
        parts += pieces[1:]
        end = token.end()
    parts[-1] += text[end:]
    return parts


def french_spacing(soup: BeautifulSoup) -> None:
    """The text nodes of an HTML page given French spacing around punctuation (tags and code untouched)."""
    for node in soup.find_all(string=True):
        if not isinstance(node, NavigableString) or node.parent is None or node.parent.name in _VERBATIM:
            continue
        text = str(node)
        for pattern, replacement in _SPACING:
            text = pattern.sub(replacement, text)
        if text != node:
            node.replace_with(NavigableString(text))


def render_pdf(html: str, pdf_path: Path) -> None:
    """A tagged PDF/UA of the HTML report; nothing is fetched but inline ``data:`` resources."""
    fetcher = URLFetcher(allowed_protocols={"data"})
    HTML(string=html, url_fetcher=fetcher, base_url=str(pdf_path.parent)).write_pdf(
        str(pdf_path), pdf_variant="pdf/ua-1"
    )
    scope_table_headers(pdf_path)
