#!/usr/bin/env python3
"""Build the Word template of the 晋中市部门整体支出绩效自评表.

Writes ``templates/jinzhong/部门整体支出绩效自评表.docx``: an A4 portrait page
laid out like the official Jinzhong form, with docxtpl/Jinja tags where the
figures go.  Run from anywhere::

    python tools/build_templates.py            # writes the template in the repo
    python tools/build_templates.py -o x.docx  # somewhere else

The template is rendered by ``reportgen.render.render_docx``.  Context it needs:

    year                      str   填报年度, e.g. "2021"
    unit.name / .head / .phone        单位名称 / 单位负责人 / 单位联系电话
    header.carried_over / .initial / .adjustment / .other_adjustment /
          .executed / .year_end_balance     预算 figures (万元) as display text
    text.functions / .staffing / .budget_execution /
         .performance_analysis / .other     narrative rows (long text)
    rows        list of dicts, one per line of the 绩效情况 table:
        kind          "level1" (投入/过程/产出/效果 subtotal line) or "indicator"
        level2        一级 name on level1 rows; 二级 name on the first indicator
                      row of its block, "" on the rows after it
        level2_merge  "restart" / "continue" / "" (vertical merge of 二级 cell)
        name, ref_weight, weight, analysis, score   三级指标 … 评价得分
        (the 绩效情况 column is merged statically, see score_table())
    total_ref_weight, total_weight, total, grade     综合得分 / 评价结果等次
    evaluators  list of dicts: name, title, office, phone

Design notes
* The whole form is ONE table on a shared ("union") column grid, so Word and
  LibreOffice both draw it as one continuous ruled form.  Each section lists
  its own column widths (constants below); the grid is the union of all
  section column edges and every cell gets the matching ``gridSpan``.
* ``tblLayout fixed`` + ``tcW`` on every cell + ``tblGrid`` keep the widths
  identical in Word and LibreOffice.  Rows only have a minimum height
  (``hRule="atLeast"``) so long texts make them grow.
* Every Jinja tag is written as the text of a single run (no formatting change
  inside a tag) and uses ASCII punctuation only.
* Every run carries explicit ``w:rFonts`` ascii/hAnsi/eastAsia/cs; the
  document defaults are rewritten too, so no theme font leaks in.
* The output is byte-reproducible (fixed core-property dates, fixed zip
  timestamps), so rebuilding without changes gives no git diff.
"""

from __future__ import annotations

import argparse
import sys
import datetime as _dt
import io
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from reportgen.render import normalize_zip  # noqa: E402  (same reproducible zip as rendered forms)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "templates" / "jinzhong" / "部门整体支出绩效自评表.docx"

# ---------------------------------------------------------------- page (twips)
PAGE_W, PAGE_H = 11906, 16838            # A4 portrait
MARGIN_TOP = MARGIN_BOTTOM = 1134        # 2 cm
MARGIN_LEFT = MARGIN_RIGHT = 1134        # 2 cm
HEADER_DIST = FOOTER_DIST = 567          # 1 cm
TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT   # 9638 = 17 cm, the form's width

# ---------------------------------------------------------------- fonts
FONT_TITLE = "宋体"          # bold; 方正小标宋简体 is not installed on most PCs
FONT_FANGSONG = "仿宋_GB2312"
FONT_TABLE = "宋体"
# sizes in half-points (w:sz)
SZ_TITLE = 36      # 18 pt (小二)
SZ_YEAR = 28       # 14 pt (四号)
SZ_UNIT = 24       # 12 pt (小四)
SZ_TABLE = 21      # 10.5 pt (五号)
SZ_NOTE = 18       # 9 pt (小五)

# ---------------------------------------------------------------- table look
BORDER_SZ = 4                  # eighths of a point: 0.5 pt lines
CELL_MAR_LR = 85               # 0.15 cm left/right cell padding
CELL_MAR_TB = 28               # 0.05 cm top/bottom cell padding
ROW_H = 454                    # 0.8 cm minimum height of ordinary rows
ROW_H_NARRATIVE = 1134         # 2 cm minimum height of the narrative rows
ROW_H_SCORE = 397              # 0.7 cm minimum height of scoring-table rows

# ---------------------------------------------------------------- column widths
# Each section's columns, left to right, in twips; each tuple sums to TEXT_W.
# 1) header grid: label | value | label | value
HEADER_COLS = (2400, 2510, 2400, 2328)
# 2) narrative rows: label | text
NARRATIVE_COLS = (2400, 7238)
# 3) scoring table: 绩效情况 | 二级指标 | 三级指标 | 参考分值 | 设定分值 | 计算分析情况 | 评价得分
#    绩效情况 is one character wide so the label stacks vertically; 二级 holds
#    4 characters a line (工作目标/设定), 三级 9 (资产管理制度健全性);
#    计算分析情况 gets the rest (the widest), since formulas such as
#    "（8701.72/8701.72）×100%=100%" have no break opportunity.
SCORE_COLS = (500, 1100, 2150, 700, 700, 3648, 840)
# 4) evaluators: 评价人员 | 姓名 | 职称/职务 | 科室 | 联系电话
EVAL_COLS = (500, 1900, 2510, 2400, 2328)
# rows that hold only a {%tr ...%} tag: one cell across the whole form
TAG_COLS = (TEXT_W,)

SECTIONS = (HEADER_COLS, NARRATIVE_COLS, SCORE_COLS, EVAL_COLS, TAG_COLS)

# ---------------------------------------------------------------- fixed texts
TITLE = "晋中市部门整体支出绩效自评表"
NOTE = ("备注：1.“设定分值”填写各单位根据自身实际情况和参考分值设定的评价指标的分值；"
        "2.“计算分析情况”填写对应指标项的计算过程和分析过程；"
        "3.“评价得分”填写该项指标得分。")
FIXED_DATE = _dt.datetime(2024, 1, 1, 0, 0, 0)   # core properties, for reproducible bytes


# ================================================================ XML helpers

def rpr_xml(font: str, size: int, bold: bool = False) -> str:
    """Run properties with the font set for every script (incl. eastAsia)."""
    b = "<w:b/><w:bCs/>" if bold else ""
    return (f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" '
            f'w:cs="{font}" w:hint="eastAsia"/>{b}'
            f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>')


def run_xml(text: str, font: str, size: int, bold: bool = False) -> str:
    """One run; ``\\n`` in fixed texts becomes a line break, ``\\t`` a tab."""
    parts = []
    for i, line in enumerate(text.split("\n")):
        if i:
            parts.append("<w:br/>")
        for j, chunk in enumerate(line.split("\t")):
            if j:
                parts.append("<w:tab/>")
            if chunk:
                parts.append(f'<w:t xml:space="preserve">{escape(chunk)}</w:t>')
    return f"<w:r>{rpr_xml(font, size, bold)}{''.join(parts)}</w:r>"


def para_xml(text: str, font: str, size: int, *, bold: bool = False, jc: str = "center",
             indent: bool = False, before: int = 0, after: int = 0, tabs: str = "",
             keep_next: bool = False) -> str:
    """A paragraph with single line spacing.

    ``indent``: first line indented 2 characters.  ``keep_next``: keep with the
    next paragraph (in a table: keep this row on the page of the next row).
    """
    ind = f'<w:ind w:firstLineChars="200" w:firstLine="{size * 20}"/>' if indent else ""
    keep = "<w:keepNext/>" if keep_next else ""
    ppr = (f"<w:pPr>{keep}{tabs}<w:spacing w:before=\"{before}\" w:after=\"{after}\" "
           f"w:line=\"240\" w:lineRule=\"auto\"/>{ind}<w:jc w:val=\"{jc}\"/>"
           f"{rpr_xml(font, size, bold)}</w:pPr>")
    body = run_xml(text, font, size, bold) if text else ""
    return f"<w:p>{ppr}{body}</w:p>"


def add_block(doc, xml: str) -> None:
    """Append a body-level element (paragraph or table) before the sectPr.

    The fragments are written without namespace declarations; the ``w``
    namespace is declared once, on the root element, here.
    """
    root_end = xml.index(">")
    doc.element.body.sectPr.addprevious(
        parse_xml(f"{xml[:root_end]} {nsdecls('w')}{xml[root_end:]}"))


# ================================================================ the form table

@dataclass
class C:
    """One cell of a row.

    ``span``: how many of the section's columns it covers.  ``vmerge``: a
    static vertical merge ("restart"/"continue"), written into the template.
    """

    text: str = ""
    span: int = 1
    jc: str = "center"
    bold: bool = False
    vmerge: str | None = None
    indent: bool = False


class FormTable:
    """One table on the union grid of all sections' column edges."""

    def __init__(self) -> None:
        for cols in SECTIONS:
            assert sum(cols) == TEXT_W, (cols, sum(cols), TEXT_W)
        edges: set[int] = set()
        for cols in SECTIONS:
            x = 0
            for w in cols:
                edges.add(x)
                x += w
            edges.add(x)
        self.edges = sorted(edges)
        self.rows: list[str] = []

    def _grid_span(self, x0: int, x1: int) -> int:
        return self.edges.index(x1) - self.edges.index(x0)

    def row(self, cols: tuple[int, ...], cells: list[C], *, height: int = ROW_H,
            cant_split: bool = True, keep_next: bool = False) -> None:
        """Add a row.  ``cols`` is the section's column tuple; cells must cover it.

        ``cant_split``: the row may not break across pages.  ``keep_next``: keep
        the row on the same page as the next one (keepNext on its paragraphs).
        """
        assert sum(c.span for c in cells) == len(cols), (cols, cells)
        tcs = []
        i = x = 0
        for c in cells:
            w = sum(cols[i:i + c.span])
            span = self._grid_span(x, x + w)
            tcpr = f'<w:tcW w:w="{w}" w:type="dxa"/>'
            if span > 1:
                tcpr += f'<w:gridSpan w:val="{span}"/>'
            if c.vmerge:
                tcpr += f'<w:vMerge w:val="{c.vmerge}"/>'
            tcpr += '<w:vAlign w:val="center"/>'
            p = para_xml(c.text, FONT_TABLE, SZ_TABLE, bold=c.bold, jc=c.jc, indent=c.indent,
                         keep_next=keep_next)
            tcs.append(f"<w:tc><w:tcPr>{tcpr}</w:tcPr>{p}</w:tc>")
            i += c.span
            x += w
        trpr = "<w:cantSplit/>" if cant_split else ""
        trpr += f'<w:trHeight w:val="{height}" w:hRule="atLeast"/>'
        self.rows.append(f"<w:tr><w:trPr>{trpr}</w:trPr>{''.join(tcs)}</w:tr>")

    def tag_row(self, tag: str) -> None:
        """A row holding only a ``{%tr ...%}`` tag; docxtpl removes the whole row."""
        self.row(TAG_COLS, [C(tag, jc="left")], height=0)

    def xml(self) -> str:
        grid = "".join(f'<w:gridCol w:w="{b - a}"/>' for a, b in zip(self.edges, self.edges[1:]))
        line = f'w:val="single" w:sz="{BORDER_SZ}" w:space="0" w:color="000000"'
        borders = "".join(f"<w:{side} {line}/>"
                          for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
        tblpr = (f'<w:tblPr><w:tblW w:w="{TEXT_W}" w:type="dxa"/><w:jc w:val="center"/>'
                 f'<w:tblInd w:w="0" w:type="dxa"/>'
                 f"<w:tblBorders>{borders}</w:tblBorders>"
                 f'<w:tblLayout w:type="fixed"/>'
                 f'<w:tblCellMar><w:top w:w="{CELL_MAR_TB}" w:type="dxa"/>'
                 f'<w:left w:w="{CELL_MAR_LR}" w:type="dxa"/>'
                 f'<w:bottom w:w="{CELL_MAR_TB}" w:type="dxa"/>'
                 f'<w:right w:w="{CELL_MAR_LR}" w:type="dxa"/></w:tblCellMar>'
                 f'<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" '
                 f'w:lastColumn="0" w:noHBand="0" w:noVBand="0"/></w:tblPr>')
        return (f"<w:tbl>{tblpr}<w:tblGrid>{grid}</w:tblGrid>"
                f"{''.join(self.rows)}</w:tbl>")


# ================================================================ sections

def setup_document(doc) -> None:
    """A4, 2 cm margins, 宋体 五号 defaults with no spacing, zh-CN language."""
    sect = doc.sections[0]
    sp = sect._sectPr
    sp.remove(sp.find(qn("w:pgSz")))
    sp.remove(sp.find(qn("w:pgMar")))
    sp.insert(0, parse_xml(f'<w:pgSz {nsdecls("w")} w:w="{PAGE_W}" w:h="{PAGE_H}"/>'))
    sp.insert(1, parse_xml(
        f'<w:pgMar {nsdecls("w")} w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" '
        f'w:bottom="{MARGIN_BOTTOM}" w:left="{MARGIN_LEFT}" w:header="{HEADER_DIST}" '
        f'w:footer="{FOOTER_DIST}" w:gutter="0"/>'))

    # Document defaults: explicit fonts (no theme fonts), 五号, no paragraph spacing.
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    styles.remove(defaults)
    styles.insert(0, parse_xml(
        f'<w:docDefaults {nsdecls("w")}><w:rPrDefault>'
        f'<w:rPr><w:rFonts w:ascii="{FONT_TABLE}" w:hAnsi="{FONT_TABLE}" '
        f'w:eastAsia="{FONT_TABLE}" w:cs="{FONT_TABLE}"/>'
        f'<w:kern w:val="2"/><w:sz w:val="{SZ_TABLE}"/><w:szCs w:val="{SZ_TABLE}"/>'
        f'<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
        f'<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
        f'</w:pPr></w:pPrDefault></w:docDefaults>'))

    # East-Asian theme language (python-docx's default template says ja-JP).
    settings = doc.settings.element
    tfl = settings.find(qn("w:themeFontLang"))
    if tfl is not None:
        tfl.set(qn("w:eastAsia"), "zh-CN")

    cp = doc.core_properties
    cp.title = TITLE
    cp.author = cp.last_modified_by = "reportgen"
    cp.comments = "Generated by tools/build_templates.py; do not edit by hand."
    cp.created = cp.modified = FIXED_DATE
    cp.revision = 1

    # python-docx's default package carries a thumbnail of an unrelated page.
    rels = doc.part.package.rels
    for rid, rel in list(rels.items()):
        if rel.reltype.endswith("/metadata/thumbnail"):
            rels.pop(rid)


def add_font_table(doc) -> None:
    """Declare the CJK fonts in word/fontTable.xml with GB2312 charset and an
    alternative name, so Word on a PC without 仿宋_GB2312 (Windows 10/11 ship
    only 仿宋) substitutes 仿宋 rather than a Latin default font.

    python-docx has no API for the font table; it is a plain part whose bytes
    we rewrite.
    """
    fonts = {                       # name: (altName, w:family, w:pitch)
        "宋体": ("SimSun", "auto", "variable"),
        "仿宋_GB2312": ("仿宋", "modern", "fixed"),
    }
    part = next(r.target_part for r in doc.part.rels.values()
                if r.reltype.endswith("/fontTable"))
    root = parse_xml(part.blob)
    for name, (alt, family, pitch) in fonts.items():
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                root.remove(old)
        root.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/>'
            f'<w:charset w:val="86"/><w:family w:val="{family}"/>'
            f'<w:pitch w:val="{pitch}"/></w:font>'))
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def add_title(doc) -> None:
    """Title, （{{ year }}年度） and 填报单位（公章）."""
    add_block(doc, para_xml(TITLE, FONT_TITLE, SZ_TITLE, bold=True, after=120))
    add_block(doc, para_xml("（{{ year }}年度）", FONT_FANGSONG, SZ_YEAR, after=120))
    add_block(doc, para_xml("填报单位（公章）：{{ unit.name }}", FONT_FANGSONG, SZ_UNIT,
                            jc="left", after=60))


def header_grid(t: FormTable) -> None:
    """单位名称 … 年末结余金额: label | value | label | value."""
    t.row(HEADER_COLS, [C("单位名称"), C("{{ unit.name }}", span=3)])
    pairs = [
        ("单位负责人", "{{ unit.head }}", "单位联系电话", "{{ unit.phone }}"),
        ("上年结转金额（万元）", "{{ header.carried_over }}",
         "年初预算金额（万元）", "{{ header.initial }}"),
        ("预算调整金额（万元）", "{{ header.adjustment }}",
         "其他调整资金（万元）", "{{ header.other_adjustment }}"),
        ("预算执行金额（万元）", "{{ header.executed }}",
         "年末结余金额（万元）", "{{ header.year_end_balance }}"),
    ]
    for l1, v1, l2, v2 in pairs:
        t.row(HEADER_COLS, [C(l1), C(v1), C(l2), C(v2)])


def narrative_rows(t: FormTable) -> None:
    """Label | long text.  Rows may split across pages and grow with the text."""
    items = [
        ("单位职能概况", "{{ text.functions }}"),
        ("单位人员情况", "{{ text.staffing }}"),
        ("预算执行情况", "{{ text.budget_execution }}"),
        ("部门整体支出\n绩效评价分析", "{{ text.performance_analysis }}"),
        ("其他", "{{ text.other }}"),
    ]
    for label, var in items:
        t.row(NARRATIVE_COLS, [C(label), C(var, jc="both", indent=True)],
              height=ROW_H_NARRATIVE if label != "其他" else ROW_H, cant_split=False)


def score_table(t: FormTable) -> None:
    """The 绩效情况 scoring table.

    Merges:
    * 绩效情况 (first column): "restart" written statically in the first header
      row, "continue" statically in every other row of the scoring table
      (header row 2, both loop-row variants, 综合得分, 评价结果等次).  Every copy
      of a loop row therefore continues the one merged cell.
    * 二级指标, 三级指标, 计算分析情况, 评价得分: static restart/continue over
      the two header rows; 指标分值 spans 参考分值 + 设定分值.
    * 二级指标 of indicator rows: ``{% vmerge r.level2_merge %}`` (reportgen's
      custom tag), so each 二级 name merges over its block of indicators.
    """
    s = SCORE_COLS
    t.row(s, [C("绩效情况", bold=True, vmerge="restart"), C("二级指标", bold=True, vmerge="restart"),
              C("三级指标", bold=True, vmerge="restart"), C("指标分值", span=2, bold=True),
              C("计算分析情况", bold=True, vmerge="restart"),
              C("评价\n得分", bold=True, vmerge="restart")], height=ROW_H_SCORE)
    t.row(s, [C(vmerge="continue"), C(vmerge="continue"), C(vmerge="continue"),
              C("参考分值", bold=True), C("设定分值", bold=True),
              C(vmerge="continue"), C(vmerge="continue")], height=ROW_H_SCORE)

    t.tag_row("{%tr for r in rows %}")
    t.tag_row('{%tr if r.kind == "level1" %}')
    # 一级 subtotal line (投入/过程/产出/效果): name across 二级 + 三级, bold.
    t.row(s, [C(vmerge="continue"), C("{{ r.level2 }}", span=2, bold=True),
              C("{{ r.ref_weight }}", bold=True), C("{{ r.weight }}", bold=True),
              C("{{ r.analysis }}", bold=True), C("{{ r.score }}", bold=True)],
          height=ROW_H_SCORE)
    t.tag_row("{%tr else %}")
    # indicator line
    t.row(s, [C(vmerge="continue"), C("{% vmerge r.level2_merge %}{{ r.level2 }}"),
              C("{{ r.name }}"), C("{{ r.ref_weight }}"), C("{{ r.weight }}"),
              C("{{ r.analysis }}", jc="left"), C("{{ r.score }}")],
          height=ROW_H_SCORE)
    t.tag_row("{%tr endif %}")
    t.tag_row("{%tr endfor %}")

    t.row(s, [C(vmerge="continue"), C("综合得分", span=2, bold=True),
              C("{{ total_ref_weight }}", bold=True), C("{{ total_weight }}", bold=True),
              C(), C("{{ total }}", bold=True)])
    t.row(s, [C(vmerge="continue"), C("评价结果等次", span=2, bold=True),
              C("{{ grade }}", span=4, bold=True)])


def evaluator_rows(t: FormTable) -> None:
    """评价人员 label merged over the header row and one row per evaluator.

    All these rows are kept together (and with the signature line below), so
    the stacked label 评价人员 never splits across a page break.
    """
    t.row(EVAL_COLS, [C("评价人员", bold=True, vmerge="restart"), C("姓名", bold=True),
                      C("职称/职务", bold=True), C("科室", bold=True), C("联系电话", bold=True)],
          keep_next=True)
    t.tag_row("{%tr for e in evaluators %}")
    t.row(EVAL_COLS, [C(vmerge="continue"), C("{{ e.name }}"), C("{{ e.title }}"),
                      C("{{ e.office }}"), C("{{ e.phone }}")], keep_next=True)
    t.tag_row("{%tr endfor %}")


def add_signature_and_note(doc) -> None:
    """单位负责人（签章） left, 年 月 日 right (right tab stop), then the 备注."""
    tabs = f'<w:tabs><w:tab w:val="right" w:pos="{TEXT_W - 240}"/></w:tabs>'
    add_block(doc, para_xml("单位负责人（签章）：\t年　　月　　日", FONT_FANGSONG, SZ_UNIT,
                            jc="left", before=240, after=120, tabs=tabs))
    add_block(doc, para_xml(NOTE, FONT_TABLE, SZ_NOTE, jc="both", before=60))


def add_footer(doc) -> None:
    """Centered "第 X 页" with a PAGE field."""
    footer = doc.sections[0].footer
    p = footer.paragraphs[0]._p
    rpr = rpr_xml(FONT_TABLE, SZ_NOTE)
    new_p = parse_xml(
        f'<w:p {nsdecls("w")}><w:pPr><w:jc w:val="center"/>{rpr}</w:pPr>'
        f'<w:r>{rpr}<w:t xml:space="preserve">第 </w:t></w:r>'
        f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r>{rpr}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
        f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
        f'<w:r>{rpr}<w:t>1</w:t></w:r>'
        f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>'
        f'<w:r>{rpr}<w:t xml:space="preserve"> 页</w:t></w:r></w:p>')
    p.addprevious(new_p)
    p.getparent().remove(p)


# ================================================================ build

def build() -> bytes:
    doc = Document()
    setup_document(doc)
    add_font_table(doc)
    add_title(doc)
    form = FormTable()
    header_grid(form)
    narrative_rows(form)
    score_table(form)
    evaluator_rows(form)
    add_block(doc, form.xml())
    add_signature_and_note(doc)
    add_footer(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return normalize_zip(buf.getvalue())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT, help="output .docx")
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(build())
    print(args.out)


if __name__ == "__main__":
    main()
