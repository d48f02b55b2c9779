"""Stage 7, render: fill a pack's .docx template with a prepared context.

The template is presentation only: every figure arrives as display text.
Templates render in the pack sandbox (:mod:`reportgen.sandbox`: bounded,
no access outside the values given) with autoescape (``&`` and ``<`` in a
unit's text cannot break the XML) and StrictUndefined (a missing variable is
an error, never a blank cell).  Output is byte-identical for the same input
and is written atomically: a temporary file in the target folder, renamed
into place, so a failed render never leaves a half-written document.

Besides docxtpl's tags, templates may use ``{% vmerge EXPR %}`` at the start
of a table cell inside a ``{%tr for %}`` loop: EXPR gives ``"restart"``,
``"continue"`` or nothing, and the cell gets that vertical merge.  docxtpl's
own ``{% vm %}`` merges over a whole loop; forms whose 一级/二级 columns merge
at different depths need the merge decided per row.

A table that ends in a total row (合计、总计、总分、综合得分) keeps the row
before it on the same page (:func:`keep_total_rows`), whatever number of rows
the loops produced: a total never stands alone on a page under a repeated
header (issue 13 point 5).
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import re
import zipfile
from pathlib import Path

import jinja2
from docxtpl import DocxTemplate

from reportgen.errors import PackError
from reportgen import numbers as N
from reportgen.numbers import change_words
from reportgen.sandbox import DOCX_LIMITS, environment

_VMERGE_CELL = re.compile(r"<w:tc[ >](?:(?!<w:tc[ >]).)*?\{%\s*vmerge\s+(?:(?!%\}).)+%\}.*?</w:tc>",
                          re.DOTALL)
_VMERGE_TAG = re.compile(r"\{%\s*vmerge\s+((?:(?!%\}).)+?)\s*%\}")
# tcPr children that must come before vMerge (OOXML CT_TcPr order)
_TCPR_HEAD = re.compile(r"<w:tcPr>((?:<w:cnfStyle[^>]*/>)?(?:<w:tcW[^>]*/>)?(?:<w:gridSpan[^>]*/>)?"
                        r"(?:<w:hMerge[^>]*/>)?)")


def _vmerge_cell(m: re.Match) -> str:
    """Replace the ``{% vmerge EXPR %}`` tag in one cell by a conditional
    ``<w:vMerge>`` in the cell's properties (any static vMerge is dropped)."""
    cell = m.group(0)
    expr = _VMERGE_TAG.search(cell).group(1)
    cell = _VMERGE_TAG.sub("", cell, count=1)
    cell = re.sub(r"<w:vMerge(?:\s[^>]*)?/>", "", cell)
    merge = "{%% if %s %%}<w:vMerge w:val=\"{{ %s }}\"/>{%% endif %%}" % (expr, expr)
    cell = cell.replace("<w:tcPr/>", "<w:tcPr></w:tcPr>", 1)
    cell = re.sub(r"<w:tcPr\s[^>]*>", "<w:tcPr>", cell, count=1)
    if "<w:tcPr>" in cell:
        return _TCPR_HEAD.sub(lambda t: "<w:tcPr>" + t.group(1) + merge, cell, count=1)
    return re.sub(r"<w:tc(?:\s[^>]*)?>", lambda t: t.group(0) + "<w:tcPr>" + merge + "</w:tcPr>",
                  cell, count=1)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
#: The label of a closing total row (总计行): its first text, without spaces
#: and a trailing colon, ends in one of these (合计, 本年收入合计, 人员经费合计,
#: 总计, 总分, 综合得分).
_TOTAL_LABEL = re.compile(r"^\D{0,10}(合计|总计)$|^(总分|综合得分)$")
_TOTAL_STRIP = re.compile(r"[\s\u3000:：]+")
# pPr children that come before keepNext (OOXML CT_PPr order)
_PPR_BEFORE_KEEP = {f"{_W}pStyle"}


def _first_text(tr) -> str:
    """The first non-empty paragraph text of a table row (nested tables included)."""
    for p in tr.iter(f"{_W}p"):
        text = _TOTAL_STRIP.sub("", "".join(t.text or "" for t in p.iter(f"{_W}t")))
        if text:
            return text
    return ""


def _keep_next(p) -> None:
    """Set 与下段同页 (``w:keepNext``) on paragraph ``p``, in schema order."""
    ppr = p.find(f"{_W}pPr")
    if ppr is None:
        ppr = p.makeelement(f"{_W}pPr", {})
        p.insert(0, ppr)
    if ppr.find(f"{_W}keepNext") is not None:
        return
    at = sum(1 for child in ppr if child.tag in _PPR_BEFORE_KEEP)
    ppr.insert(at, ppr.makeelement(f"{_W}keepNext", {}))


def keep_total_rows(body) -> int:
    """Keep the row before each closing total row (合计/总计/总分/综合得分
    行) on the total's page; returns how many tables were changed.

    ``body``: the rendered ``w:body`` element (lxml), changed in place.  A
    table "ends in a total" when the first text of its last row, without
    spaces and a trailing colon, is 合计/总计 (possibly with a short label
    before it: 本年收入合计、人员经费合计) or 总分/综合得分.  Every paragraph
    of the row before it gets ``w:keepNext``: Word keeps a row whose
    paragraphs are all kept with the next row, and LibreOffice (7.x, from
    the first cell) keeps the row with the next when the table breaks.  So
    however many criterion rows a unit's data produce, the page that holds
    the total also holds at least one row above it (the repeated header
    alone over a 合计 row was seen on 宁乡 附件2-2, issue 13 point 5).
    """
    changed = 0
    for tbl in body.iter(f"{_W}tbl"):
        rows = tbl.findall(f"{_W}tr")
        if len(rows) < 2 or not _TOTAL_LABEL.match(_first_text(rows[-1])):
            continue
        for p in rows[-2].iter(f"{_W}p"):
            _keep_next(p)
        changed += 1
    return changed


class FormTemplate(DocxTemplate):
    """A docxtpl template that also understands ``{% vmerge EXPR %}`` and
    keeps each closing total row with the row before it
    (:func:`keep_total_rows`)."""

    def patch_xml(self, src_xml):
        src_xml = super().patch_xml(src_xml)
        return _VMERGE_CELL.sub(_vmerge_cell, src_xml)

    def fix_tables(self, xml):
        """docxtpl's table fix-up of the rendered body, then :func:`keep_total_rows`
        (both the ordinary render and :mod:`template_cache` pass through here)."""
        tree = super().fix_tables(xml)
        keep_total_rows(tree)
        return tree


@functools.lru_cache(maxsize=None)
def sandbox() -> jinja2.Environment:
    """The one Jinja environment for a pack's sentence and display patterns
    (:func:`reportgen.sandbox.environment`: sandboxed, bounded,
    StrictUndefined so a missing value fails loudly).  Filters: ``change``
    gives 增加/减少 wording; ``wan`` an amount held in 元 as 万元 text (2 dp,
    half-up; ``none`` → 不适用); ``percent_of(whole)`` a part's share of a
    whole as percent text (2 dp, half-up; 不适用 for a zero or missing
    whole).  Shared: nothing changes it after it is made."""
    return environment(filters={"change": change_words, "wan": N.wan, "percent_of": _percent_of})


def _percent_of(part, whole) -> str:
    """``part / whole`` as a percentage (98.20%); 不适用 when ``whole`` is 0 or None."""
    if part is None or not whole:
        return N.NOT_APPLICABLE
    return N.percent(part / whole)


@functools.lru_cache(maxsize=None)
def _docx_env() -> jinja2.Environment:
    """The environment a Word template renders in: the same sandbox, with
    XML autoescape (``&`` and ``<`` in a unit's text cannot break the
    document) and the larger :data:`reportgen.sandbox.DOCX_LIMITS`."""
    return environment(autoescape=True, limits=DOCX_LIMITS)


def render_docx(template_path: Path, context: dict, core: bytes | None = None) -> bytes:
    """Render ``template_path`` with ``context``; return deterministic .docx bytes
    (with ``core`` as docProps/core.xml when given: :func:`core_properties`).

    Raises :class:`PackError` when the template itself is broken (a tag
    split by Word's formatting, an unknown variable, a syntax error).
    """
    try:
        tpl = FormTemplate(str(template_path))
        tpl.render(context, jinja_env=_docx_env())
        buf = io.BytesIO()
        tpl.save(buf)
    except jinja2.UndefinedError as exc:
        raise PackError(f"模板使用了未提供的变量（undefined variable）: {exc.message}",
                        None) from None
    except jinja2.TemplateError as exc:
        where = " / ".join(s.strip() for s in getattr(exc, "docx_context", []) if s.strip())
        kind = "模板语法错误（template syntax）" if isinstance(exc, jinja2.TemplateSyntaxError) else "模板出错（template error）"
        raise PackError(f"{template_path.name}: {kind}: {exc}"
                        + (f" near: {where[:120]}" if where else "")) from None
    return normalize_zip(buf.getvalue(), core)


def normalize_zip(data: bytes, core: bytes | None = None) -> bytes:
    """Rewrite a .docx zip with fixed timestamps and attributes (and
    ``core`` as its docProps/core.xml when given).

    python-docx stamps each member with the current time; rewriting with a
    fixed date, mode and member order makes equal content equal bytes.
    """
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 0
            dst.writestr(fixed, core if core is not None and info.filename == _CORE else src.read(info.filename))
    return out.getvalue()


_CORE = "docProps/core.xml"
_NS = {"cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
       "dc": "http://purl.org/dc/elements/1.1/", "dcterms": "http://purl.org/dc/terms/",
       "xsi": "http://www.w3.org/2001/XMLSchema-instance"}


def core_properties(*, title: str, author: str, subject: str, keywords: str = "",
                    date: _dt.date | None = None) -> bytes:
    """The document properties (文件属性, docProps/core.xml) of a filled form:
    标题 ``title``, 作者 and 最后修改者 ``author`` (the unit), 主题 ``subject``
    (year and form), 关键词 ``keywords``; 创建/修改日期 ``date`` (the unit's
    填报日期) or none at all — never the time of the run or the template's
    date, so the same input gives the same bytes.  Given to
    :func:`render_docx` (``core=``), it replaces the template's own."""
    from lxml import etree

    root = etree.Element(f"{{{_NS['cp']}}}coreProperties", nsmap=_NS)

    def put(ns: str, tag: str, text: str, **attrs) -> None:
        el = etree.SubElement(root, f"{{{_NS[ns]}}}{tag}")
        el.text = text
        for k, v in attrs.items():
            el.set(k, v)

    put("dc", "title", title)
    put("dc", "subject", subject)
    put("dc", "creator", author)
    if keywords:
        put("cp", "keywords", keywords)
    put("cp", "lastModifiedBy", author)
    put("cp", "revision", "1")
    if date is not None:
        stamp = f"{date.isoformat()}T00:00:00Z"
        for tag in ("created", "modified"):
            put("dcterms", tag, stamp, **{f"{{{_NS['xsi']}}}type": "dcterms:W3CDTF"})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder
    (:func:`files.write_file`): either the whole new file is in place, with
    the permissions of a normally created file, or the old one is untouched.

    Raises :class:`files.WriteError` (an OSError) when it cannot be written.
    """
    from reportgen.output.files import write_file

    write_file(path, data)
