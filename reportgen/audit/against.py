"""``reportgen audit --against unit.yaml --template PACK FILE``: a filed
document against what reportgen derives from the unit file.

The unit file goes through :func:`reportgen.pipeline.prepare` and
:func:`reportgen.pipeline.render_forms`; the filed document and each
rendered form are read with :mod:`.read` (docx grids via
:mod:`reportgen.output.docxtext`).  The rendered form that shares most table rows
with the filed one is compared: every table cell with a number, matched by
row label and position among the row's numbers, and every labelled figure of
the running text whose label occurs once in both.  Each difference is a
finding (错误) with the filed value as 文中数值 and the derived one as 重算数值.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from reportgen.errors import ReportgenError
from reportgen.pack.packs import load_pack
from reportgen.pipeline import prepare, render_forms
from reportgen.audit.figures import ERROR, parse_number
from reportgen.audit.findings import Finding
from reportgen.audit.read import Document, docx_document, read
from reportgen.audit.text import mentions

_CELL_NUMBER = re.compile(r"^[-−]?[\d,]+(?:\.\d+)?\s*(?:%|％|万元|元|分)?$")


def _row_key(texts: list[str]) -> str:
    names = [t for t in texts if t and not _CELL_NUMBER.match(t) and len(t) <= 40]
    return "|".join(re.sub(r"[\s:：]", "", n) for n in names[:3])


def table_figures(doc: Document) -> dict[tuple[str, int], tuple[str, str]]:
    """(row label, k-th number of the row) → (cell text, location)."""
    out: dict[tuple[str, int], tuple[str, str]] = {}
    for row in doc.rows:
        texts = [c.text.strip() for c in row.cells]
        key = _row_key(texts)
        if not key:
            continue
        k = 0
        for cell, t in zip(row.cells, texts):
            if t and _CELL_NUMBER.match(t):
                out.setdefault((key, k), (t, cell.loc))
                k += 1
    return out


def text_figures(doc: Document) -> dict[tuple[str, str], tuple[object, int]]:
    """(label, unit) → (Stated, stream position), for labels stated once."""
    ms = [m for m in mentions(doc) if len(m.key) >= 2 and doc.unit_at(m.start).table is None]
    count = Counter((m.key, m.unit) for m in ms)
    return {(m.key, m.unit): (m.stated, m.start) for m in ms if count[(m.key, m.unit)] == 1}


def _value(text: str):
    t = re.sub(r"\s*(%|％|万元|元|分)$", "", text)
    return parse_number(t.replace(",", ""))


def derived_documents(unit_file: str | Path, template: str) -> list[Document]:
    """The forms reportgen renders for ``unit_file`` with pack ``template``.
    Raises ReportgenError when the unit file has errors."""
    pack = load_pack(template)
    prepared = prepare(unit_file, pack)
    if prepared.errors:
        raise ReportgenError(f"{unit_file}: 单位数据有 {len(prepared.errors)} 个错误，请先运行 reportgen check"
                             f"（首个：{prepared.errors[0].format()}）")
    return [docx_document(data, name) for name, data in render_forms(prepared)]


def compare(filed: Document, derived: list[Document]) -> list[Finding]:
    """Every number of ``filed`` that differs from the best-matching derived form."""
    filed_cells = table_figures(filed)
    best = max(derived, key=lambda d: len(set(table_figures(d)) & set(filed_cells)), default=None)
    if best is None:
        return []
    out = []
    ours = table_figures(best)
    for key, (text, loc) in filed_cells.items():
        if key not in ours:
            continue
        theirs, _ = ours[key]
        a, b = _value(text), _value(theirs)
        if a is None or b is None or a.value == b.value:
            continue
        out.append(Finding(filed.path, loc, "与单位数据不符",
                           f"“{key[0]}”第{key[1] + 1}个数值与由单位数据生成的《{best.path}》不同",
                           key[0], text, theirs, "", ERROR))
    mine = text_figures(best)
    for key, (stated, pos) in text_figures(filed).items():
        if key not in mine:
            continue
        theirs, _ = mine[key]
        if stated.value == theirs.value:
            continue
        unit = key[1]
        out.append(Finding(filed.path, filed.unit_at(pos).loc, "与单位数据不符",
                           f"“{key[0]}”与由单位数据生成的《{best.path}》不同", key[0],
                           stated.text + unit, theirs.text + unit, "", ERROR))
    return out


def audit_against(path: str | Path, unit_file: str | Path, template: str,
                  display: str | None = None) -> list[Finding]:
    return compare(read(path, display), derived_documents(unit_file, template))
