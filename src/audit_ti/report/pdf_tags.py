"""What WeasyPrint's tagged PDF lacks for PDF/UA: the scope of each table header cell.

PDF/UA (ISO 14289-1, 7.5) wants every ``TH`` of a table without ``Headers`` ids to say what it
heads: a column for the cells of ``THead``, a row for a header cell in the body.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf

__all__ = ["scope_table_headers", "structure_kids"]


def structure_kids(node: pikepdf.Object) -> list[pikepdf.Dictionary]:
    """The structure elements directly under ``node`` (marked content and object references left out)."""
    found = node.get("/K")
    kids: list[pikepdf.Object] = []
    if isinstance(found, pikepdf.Dictionary):
        kids = [found]
    elif isinstance(found, pikepdf.Array):
        kids = list(found)
    return [kid for kid in kids if isinstance(kid, pikepdf.Dictionary) and "/S" in kid]


def scope_table_headers(path: Path) -> int:
    """Give every ``TH`` of the PDF's structure tree its ``/Scope``, in place; how many were set."""
    count = 0
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return 0
        stack: list[tuple[pikepdf.Dictionary, bool]] = [(kid, False) for kid in structure_kids(root)]
        while stack:
            node, in_head = stack.pop()
            kind = str(node.S)
            if kind == "/TH":
                attributes = node.get("/A")
                if not isinstance(attributes, pikepdf.Dictionary):
                    attributes = pikepdf.Dictionary(O=pikepdf.Name.Table)
                    node.A = attributes
                attributes.Scope = pikepdf.Name.Column if in_head else pikepdf.Name.Row
                count += 1
            stack += [(kid, in_head or kind == "/THead") for kid in structure_kids(node)]
        pdf.save(path)
    return count
