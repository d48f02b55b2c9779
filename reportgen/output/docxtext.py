"""Read a .docx back as text: body paragraphs and each table's cell grid.

Used by the golden-file tests (a reviewable text dump of what a person sees)
and by anything that must read a filed report.  Cells are read from the XML
directly — python-docx's ``Row.cells`` repeats merged cells — and each cell
shows its horizontal span and vertical merge, so a layout change is visible
in a diff.
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _text(el) -> str:
    parts = []
    for node in el.iter(W + "t", W + "br", W + "tab", W + "p"):
        if node.tag == W + "t":
            parts.append(node.text or "")
        elif node.tag == W + "br":
            parts.append("\n")
        elif node.tag == W + "tab":
            parts.append("\t")
        elif node.tag == W + "p" and parts:
            parts.append("\n")
    return "".join(parts).strip("\n")


def _cell(tc) -> tuple[str, int, str]:
    span = tc.find(f"{W}tcPr/{W}gridSpan")
    merge = tc.find(f"{W}tcPr/{W}vMerge")
    merge_val = "" if merge is None else (merge.get(W + "val") or "continue")
    paragraphs = ["".join(t.text or "" for t in p.iter(W + "t")) for p in tc.iter(W + "p")]
    return "\n".join(paragraphs).strip("\n"), int(span.get(W + "val")) if span is not None else 1, merge_val


def read_document(data: bytes) -> list[tuple[str, object]]:
    """Body blocks in order: ``("p", text)`` or ``("table", rows)`` where rows
    are lists of ``(text, gridSpan, vMerge)``."""
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    body = etree.fromstring(xml).find(W + "body")
    blocks: list[tuple[str, object]] = []
    for el in body:
        if el.tag == W + "p":
            blocks.append(("p", "".join(t.text or "" for t in el.iter(W + "t"))))
        elif el.tag == W + "tbl":
            rows = [[_cell(tc) for tc in tr.findall(W + "tc")] for tr in el.findall(W + "tr")]
            blocks.append(("table", rows))
    return blocks


def dump(data: bytes) -> str:
    """A stable, human-readable text dump of a .docx body.

    Paragraphs print as ``¶ text``; each table row as ``| cell | cell |``
    with ``{span=N}`` and ``{vmerge=restart|continue}`` markers.
    """
    lines = []
    for kind, content in read_document(data):
        if kind == "p":
            if content.strip():
                lines.append(f"¶ {content}")
            continue
        lines.append("┌ table")
        for row in content:
            cells = []
            for text, span, merge in row:
                marks = (f"{{span={span}}}" if span > 1 else "") + (f"{{vmerge={merge}}}" if merge else "")
                cells.append(marks + text.replace("\n", "⏎"))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("└")
    return "\n".join(lines) + "\n"


def tables(data: bytes) -> list[list[list[str]]]:
    """Every table as rows of cell texts (merge markers dropped)."""
    return [[[c[0] for c in row] for row in rows] for kind, rows in read_document(data) if kind == "table"]
