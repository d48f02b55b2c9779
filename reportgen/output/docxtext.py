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


def _paragraph(p) -> str:
    return "".join(t.text or "" for t in p.iter(W + "t"))


def _grid(tbl) -> tuple[str, ...]:
    return tuple(g.get(W + "w") for g in tbl.findall(f"{W}tblGrid/{W}gridCol"))


def _rows(tbl) -> tuple[list, list[str]]:
    """A table's rows, and the paragraphs that close it.  A row of one cell
    holding tables (a block kept on one page, e.g. 综合得分 … 单位负责人（签章）)
    reads as the rows of those tables, its paragraphs as text after the table."""
    rows, after = [], []
    for tr in tbl.findall(W + "tr"):
        tcs = tr.findall(W + "tc")
        inner = tcs[0].findall(W + "tbl") if len(tcs) == 1 else []
        if not inner:
            rows.append([_cell(tc) for tc in tcs])
            continue
        for t in inner:
            more, text = _rows(t)
            rows += more
            after += text
        after += [_paragraph(p) for p in tcs[0].findall(W + "p")]
    return rows, after


def read_document(data: bytes) -> list[tuple[str, object]]:
    """Body blocks in order: ``("p", text)`` or ``("table", rows)`` where rows
    are lists of ``(text, gridSpan, vMerge)``.

    One form drawn as several tables reads as one: a table on the same
    column grid as the one before it, with only empty paragraphs between
    them (a table break, so that each part's header rows repeat on every
    page), continues it."""
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    body = etree.fromstring(xml).find(W + "body")
    blocks: list[tuple[str, object]] = []
    last_grid, last_table = None, -1
    for el in body:
        if el.tag == W + "p":
            blocks.append(("p", _paragraph(el)))
        elif el.tag == W + "tbl":
            rows, after = _rows(el)
            between = blocks[last_table + 1:]
            if last_table >= 0 and _grid(el) == last_grid and all(not t.strip() for _, t in between):
                del blocks[last_table + 1:]
                blocks[last_table][1].extend(rows)
            else:
                blocks.append(("table", rows))
                last_table = len(blocks) - 1
            last_grid = _grid(el)
            blocks += [("p", text) for text in after]
            if after:
                last_grid = None
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
