#!/usr/bin/env python3
"""Build the Word templates of the 忻州市 (Shanxi) 部门决算公开 pack.

Writes, into ``templates/xinzhou/`` (layout of seed 002, rubrics §6):

* ``部门决算公开.docx`` — the 部门决算公开 document: title and 目录,
  第一部分 概况, 第二部分 the ten 公开表 (公开01–10; A4 portrait and A4
  landscape sections, each table on its own page with its 公开NN表 label,
  部门/金额单位 line, 栏次 row, header rows repeated on every page and the
  注 under it), 第三部分 决算情况说明 and 第四部分 名词解释;
* ``部门（单位）整体支出预算绩效自评表.docx`` — the 整体支出 self-evaluation
  annex (A4 portrait, one ruled form).

(The third form of the pack, 项目支出绩效自评表, is built by
``tools/build_project_templates.py``.)

Run from anywhere::

    python tools/build_xinzhou_templates.py              # both, into the repo
    python tools/build_xinzhou_templates.py -o /tmp/x    # both, into /tmp/x/

Both are rendered by ``reportgen.output.render.render_docx``; the shared builders and
design rules (one ruled table on a union grid, fixed layout, explicit eastAsia
fonts, every Jinja tag in one run, reproducible bytes) are in
``tools/docxbuild.py``; the narrative styles (仿宋_GB2312 三号, fixed 28 pt,
黑体/楷体 headings) are those of ``tools/build_ningxiang_templates.py``.
Every context value is display text (amounts in 元 with thousands
separators, "" for an empty cell); the templates do no arithmetic.

Context of 部门决算公开::

    unit_name, year, prepared_on  "忻州市工业和信息化局", "2021", "2022年9月"
    functions, composition        lists of paragraphs: 一、主要职能 / 二、部门决算单位构成
    t01.rows      公开01 收入支出决算总表, one per line: in_label, in_line, in_amount,
                  out_label, out_line, out_amount, bold (optional; true: 合计/总计 line)
    t02.total     公开02 收入决算表 合计 row: 7 cells (栏次 1–7)
    t02.rows      code, name, level (1 类 / 2 款 / 3 项), cells (7)
    t03.total / .rows             公开03 支出决算表, the same with 6 cells
    t04.rows      公开04 财政拨款收入支出决算总表: in_label, in_line, in_amount,
                  out_label, out_line, out (4 cells: 合计, 一般公共预算, 政府性基金,
                  国有资本经营), bold (optional)
    t05.total / .rows             公开05 一般公共预算财政拨款支出决算表, 3 cells
    t06.rows      公开06 一般公共预算财政拨款基本支出决算表: groups (4 dicts, the four
                  column groups of a printed line): code, name, level (1 类 line,
                  code and name printed bold; 2 款; 0 blank filler), amount, basic
    t06.personnel / .public       人员经费合计 / 公用经费合计: amount, basic
    t07.budget / .actual          公开07 “三公”经费: 6 cells each (合计, 因公出国（境）费,
                  公务用车购置及运行费 小计 / 购置费 / 运行费, 公务接待费)
    t08           公开08 政府性基金: opening, income, total (3: 小计, 基本, 项目), closing,
                  rows (code, name, cells (3)), empty (true: "本表无数据" note)
    t09           公开09 国有资本经营: total (3), rows (code, name, cells (3)), empty
    t10           公开10 相关信息统计表: procurement (4: 合计, 货物, 工程, 服务),
                  operating (2: 行政单位, 参公事业单位), vehicles_total,
                  vehicles (name, line, count), general_equipment, special_equipment
    sections      第三部分, in order: kind ("heading" / "text"), level (1: 黑体,
                  2: 楷体 for headings), text
    glossary      第四部分 名词解释, one paragraph each

Context of 部门（单位）整体支出预算绩效自评表::

    year, unit_name
    internal_departments, subordinate_units, authorized, in_service, on_payroll
                  内设职能部门个数 / 下属预算单位个数 / 核定的人员编制数 /
                  实际在职人员总数 / 其中：在编人员数
    contact, phone, started, finished, score, grade
    tasks         list: function, task, status, budget, budget_fiscal, spent,
                  spent_fiscal (职能名称 / 政策或重点任务 / 完成情况 / 预算数 /
                  其中：财政拨款 / 执行数 / 其中：财政拨款, 万元)
    indicators    list: level1, level1_merge, level2, level2_merge, name, weight,
                  target, actual, score  (*_merge: "restart", "continue" or "")
"""

from __future__ import annotations

import copy
import sys
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docxbuild import (  # noqa: E402  (tools/docxbuild.py: shared template builders)
    CELL_MAR_LR, FONT_FANGSONG, FONT_TABLE, FONT_TITLE, REPO, SZ_NOTE,
    SZ_TABLE, SZ_TITLE, C, FormTable, add_block, add_footer, rpr_xml, run_xml, save,
    setup_document, build_all)
from build_ningxiang_templates import (  # noqa: E402  (same narrative styles)
    FONT_HEI, FONT_KAI, REPORT_LINE, REPORT_MARGINS, SZ_SAN, add_cjk_fonts, text_para)

BUILDER = "tools/build_xinzhou_templates.py"
OUT_DIR = Path("xinzhou")
DISCLOSURE_OUT = "部门决算公开.docx"
WHOLE_OUT = "部门（单位）整体支出预算绩效自评表.docx"

# ---------------------------------------------------------------- sizes (half-points)
SZ_COVER = 52        # 26 pt 一号: cover title
SZ_PART = 36         # 18 pt 小二: 第一部分 … headings
SZ_SI = 28           # 14 pt 四号: 目录 entries
SZ_XIAOWU = SZ_NOTE  # 9 pt 小五: tables
SZ_LIU = 15          # 7.5 pt 六号: the 16-column 公开06

# ---------------------------------------------------------------- pages (twips)
A4_W, A4_H = 11906, 16838
#: page setups: (width, height, top, bottom, left, right, landscape)
REPORT_PAGE = (A4_W, A4_H, REPORT_MARGINS["top"], REPORT_MARGINS["bottom"],
               REPORT_MARGINS["left"], REPORT_MARGINS["right"], False)
TABLE_P = (A4_W, A4_H, 1134, 1134, 850, 850, False)      # 2 cm / 1.5 cm
TABLE_L = (A4_H, A4_W, 1134, 1134, 850, 850, True)
TABLE_L6 = (A4_H, A4_W, 1134, 1134, 567, 567, True)     # 公开06: 1 cm left/right
P_W = A4_W - 2 * 850     # 10206: portrait table width
L_W = A4_H - 2 * 850     # 15138: landscape table width
L6_W = A4_H - 2 * 567    # 15704: 公开06 width

# ---------------------------------------------------------------- table look
MAR_LR = 57              # 0.1 cm left/right cell padding (dense number tables)
ROW_HEAD = 340           # header rows (minimum; they grow with wrapped labels)
ROW_DATA = 300           # data rows (0.53 cm minimum)
ROW_WHOLE = 397          # 整体支出 form rows (0.7 cm)
ROW_TAG = 0


def cols(width: int, fixed: tuple[int, ...], n: int) -> tuple[int, ...]:
    """``fixed`` leading widths plus ``n`` equal columns filling ``width``
    (the rounding remainder goes to the last columns)."""
    rest = width - sum(fixed)
    base, extra = divmod(rest, n)
    return tuple(fixed) + tuple(base + (1 if i >= n - extra else 0) for i in range(n))


# ================================================================ local XML helpers

@dataclass
class Cell(C):
    """A cell of :class:`Table`.

    ``size``: font size (None: the table's).  ``left``: left indent in
    characters.  ``runs``: extra runs after ``text``, as (text, bold) pairs
    (a bold and a plain run holding complementary conditional tags give a
    per-cell bold decided at render time).
    """

    size: int | None = None
    left: int = 0
    runs: list = field(default_factory=list)


def cell_para(c: Cell, font: str, size: int, keep_next: bool) -> str:
    keep = "<w:keepNext/>" if keep_next else ""
    ind = ""
    if c.left:
        ind = f'<w:ind w:leftChars="{c.left * 100}" w:left="{c.left * size * 10}"/>'
    elif c.indent:
        ind = f'<w:ind w:firstLineChars="200" w:firstLine="{size * 20}"/>'
    ppr = (f'<w:pPr>{keep}<w:spacing w:before="0" w:after="0" w:line="240" '
           f'w:lineRule="auto"/>{ind}<w:jc w:val="{c.jc}"/>{rpr_xml(font, size, c.bold)}</w:pPr>')
    body = run_xml(c.text, font, size, c.bold) if c.text else ""
    body += "".join(run_xml(t, font, size, b) for t, b in c.runs)
    return f"<w:p>{ppr}{body}</w:p>"


class Table(FormTable):
    """``FormTable`` with per-cell sizes, indents and runs (:class:`Cell`),
    header rows repeated on every page (``header``) and its own left/right
    cell padding (``mar``)."""

    def __init__(self, sections, *, mar: int = MAR_LR, **kw) -> None:
        super().__init__(sections, **kw)
        self.mar = mar

    def row(self, cols, cells, *, height: int = ROW_DATA, **kw) -> None:
        super().row(cols, cells, height=height, **kw)

    def cell_para(self, c, keep_next: bool) -> str:
        return cell_para(c, self.font, getattr(c, "size", None) or self.size, keep_next)

    def tag_row(self, tag: str) -> None:
        self.row((self.width,), [Cell(tag, jc="left")], height=ROW_TAG)

    def xml(self) -> str:
        xml = super().xml()
        return xml.replace(
            f'<w:left w:w="{CELL_MAR_LR}" w:type="dxa"/>', f'<w:left w:w="{self.mar}" w:type="dxa"/>', 1
        ).replace(
            f'<w:right w:w="{CELL_MAR_LR}" w:type="dxa"/>', f'<w:right w:w="{self.mar}" w:type="dxa"/>', 1)


def H(text: str, span: int = 1, **kw) -> Cell:
    """A bold header cell."""
    return Cell(text, span=span, bold=True, **kw)


def N(text: str, **kw) -> Cell:
    """An amount cell (right-aligned)."""
    return Cell(text, jc="right", **kw)


def L(text: str, **kw) -> Cell:
    """A left-aligned text cell."""
    kw.setdefault("jc", "left")
    return Cell(text, **kw)


class Pages:
    """Section (page setup) bookkeeping of one document.

    The document starts in ``first``; :meth:`switch` ends the current section
    with a tiny paragraph carrying its ``sectPr`` (a copy of the body one, so
    the footer reference is shared) and starts a new page in ``setup``;
    :meth:`finish` writes the last section's setup into the body ``sectPr``.
    """

    def __init__(self, doc, first) -> None:
        self.doc = doc
        self.current = first
        self.restart = False          # the current section starts again at page 1

    @staticmethod
    def _apply(sect, setup) -> None:
        w, h, top, bottom, left, right, landscape = setup
        pg = sect.find(qn("w:pgSz"))
        for k in list(pg.attrib):
            del pg.attrib[k]
        pg.set(qn("w:w"), str(w))
        pg.set(qn("w:h"), str(h))
        if landscape:
            pg.set(qn("w:orient"), "landscape")
        mar = sect.find(qn("w:pgMar"))
        for k, v in (("top", top), ("right", right), ("bottom", bottom), ("left", left),
                     ("header", 567), ("footer", 567), ("gutter", 0)):
            mar.set(qn(f"w:{k}"), str(v))

    def _number(self, sect) -> None:
        if self.restart:                  # CT_SectPr: pgNumType comes right before cols
            sect.find(qn("w:cols")).addprevious(parse_xml(f'<w:pgNumType {nsdecls("w")} w:start="1"/>'))
            self.restart = False

    def switch(self, setup, *, numbered: bool = True) -> None:
        """End the current section (``numbered=False``: without the page
        number footer, e.g. the cover and 目录; the next section then starts
        at page 1) and start a new page in ``setup``."""
        body_sect = self.doc.element.body.sectPr
        sect = copy.deepcopy(body_sect)
        self._apply(sect, setup=self.current)
        self._number(sect)
        if not numbered:
            for ref in sect.findall(qn("w:footerReference")):
                sect.remove(ref)
            self.restart = True
        p = parse_xml(
            f'<w:p {nsdecls("w")}><w:pPr><w:spacing w:before="0" w:after="0" w:line="20" '
            f'w:lineRule="exact"/>{rpr_xml(FONT_TABLE, 2)}</w:pPr></w:p>')
        p.find(qn("w:pPr")).append(sect)
        body_sect.addprevious(p)
        self.current = setup

    def finish(self) -> None:
        self._apply(self.doc.element.body.sectPr, self.current)
        self._number(self.doc.element.body.sectPr)


def para(text: str, font: str, size: int, *, page_break: bool = False, **kw) -> str:
    """``text_para`` (build_ningxiang_templates) with an optional page break before."""
    xml = text_para(text, font, size, **kw)
    if page_break:
        # CT_PPr order: keepNext, keepLines, pageBreakBefore, …, widowControl
        xml = xml.replace("<w:widowControl/>", "<w:pageBreakBefore/><w:widowControl/>", 1)
    return xml


def right_tabs(*stops: tuple[str, int]) -> str:
    return "<w:tabs>" + "".join(f'<w:tab w:val="{v}" w:pos="{p}"/>' for v, p in stops) + "</w:tabs>"


# ================================================================ 1. 部门决算公开

TABLES = [
    ("公开01表", "收入支出决算总表"),
    ("公开02表", "收入决算表"),
    ("公开03表", "支出决算表"),
    ("公开04表", "财政拨款收入支出决算总表"),
    ("公开05表", "一般公共预算财政拨款支出决算表"),
    ("公开06表", "一般公共预算财政拨款基本支出决算表"),
    ("公开07表", "一般公共预算财政拨款“三公”经费支出决算表"),
    ("公开08表", "政府性基金预算财政拨款收入支出决算表"),
    ("公开09表", "国有资本经营预算财政拨款支出决算表"),
    ("公开10表", "部门决算公开相关信息统计表"),
]
NOTES = {
    "t01": "注：本表反映部门本年度的总收支和年末结转结余情况。本套报表金额单位转换时可能存在尾数误差。",
    "t02": "注：本表反映部门本年度取得的各项收入情况。",
    "t03": "注：本表反映部门本年度各项支出情况。",
    "t04": ("注：本表反映部门本年度一般公共预算财政拨款、政府性基金预算财政拨款和国有资本经营预算"
            "财政拨款的总收支和年末结转结余情况。"),
    "t05": "注：本表反映部门本年度一般公共预算财政拨款实际支出情况。",
    "t06": "注：本表反映部门本年度一般公共预算财政拨款基本支出明细情况。",
    "t07": ("注：本表反映部门本年度“三公”经费支出预决算情况。其中，预算数为“三公”经费全年预算数，"
            "反映按规定程序调整后的预算数；决算数是包括当年一般公共预算财政拨款和以前年度结转资金"
            "安排的实际支出。"),
    "t08": "注：本表反映部门本年度政府性基金预算财政拨款收入、支出及结转和结余情况。",
    "t08_empty": "注：本部门{{ year }}年度无政府性基金预算财政拨款收入、支出及结转和结余，故本表无数据。",
    "t09": "注：本表反映部门本年度国有资本经营预算财政拨款支出情况。",
    "t09_empty": "注：本部门{{ year }}年度无国有资本经营预算财政拨款支出，故本表无数据。",
    "t10": "注：本表反映部门本年度政府采购及机关运行经费和国有资产占用情况。",
}
SZ_TBL_TITLE = 32    # 16 pt 三号, bold 宋体: table titles
SZ_TBL_META = SZ_TABLE   # 10.5 pt 五号: 公开NN表, 部门/金额单位 line, notes


def body(text: str, **kw) -> str:
    """仿宋_GB2312 三号, justified, first line indented 2, fixed 28 pt."""
    kw.setdefault("indent", True)
    return text_para(text, FONT_FANGSONG, SZ_SAN, line=REPORT_LINE, **kw)


def bookmarked(xml: str, name: str | None) -> str:
    """A paragraph marked with the bookmark ``name`` (what a 目录 entry's
    PAGEREF field points at); unchanged for ``None``."""
    if name is None:
        return xml
    n = int(name.rsplit("_", 1)[1])
    start = f'<w:bookmarkStart w:id="{n}" w:name="{name}"/>'
    head = xml.index("</w:pPr>") + len("</w:pPr>") if "</w:pPr>" in xml else xml.index(">") + 1
    end = xml.rindex("</w:p>")
    return xml[:head] + start + xml[head:end] + f'<w:bookmarkEnd w:id="{n}"/>' + xml[end:]


def toc_mark(text: str) -> str | None:
    """The bookmark of the 目录 entry ``text`` (an entry of :data:`CONTENTS`),
    None for a heading the 目录 does not list (another builder's)."""
    entries = [t for _, t in CONTENTS]
    return f"_Toc_reportgen_{entries.index(text) + 1}" if text in entries else None


def part_heading(text: str, *, page_break: bool = True) -> str:
    """第N部分 …: 黑体 小二, centred, on a new page; bookmarked for the 目录."""
    return bookmarked(para(text, FONT_HEI, SZ_PART, jc="center", before=240, after=360,
                           page_break=page_break, keep_next=True), toc_mark(text))


def loop_paras(var: str, item: str = "para") -> list[str]:
    return [body(f"{{%p for {item} in {var} %}}"), body(f"{{{{ {item} }}}}"), body("{%p endfor %}")]


def table_heading(doc, key: int, width: int, *, page_break: bool = True,
                  left: str = "部门：{{ unit_name }}", center: str = "") -> None:
    """Title (bold, centred), 公开NN表 (right), 部门 … 金额单位：元 line."""
    label, title = TABLES[key - 1]
    add_block(doc, bookmarked(para(title, FONT_TITLE, SZ_TBL_TITLE, bold=True, jc="center", after=60,
                                   page_break=page_break, keep_next=True),
                              toc_mark(f"{'一二三四五六七八九十'[key - 1]}、{title}")))
    add_block(doc, para(label, FONT_TABLE, SZ_TBL_META, jc="right", keep_next=True))
    tabs = right_tabs(("center", width // 2), ("right", width))
    text = left + (f"\t{center}" if center else "\t") + "\t金额单位：元"
    add_block(doc, para(text, FONT_TABLE, SZ_TBL_META, jc="left", after=60, tabs=tabs,
                        keep_next=True))


def note(doc, text: str) -> None:
    add_block(doc, para(text, FONT_TABLE, SZ_TBL_META, jc="both", before=60))


def bold_switch(tag_true: str, rows_true, rows_false, t: Table) -> None:
    t.tag_row(f"{{%tr if {tag_true} %}}")
    rows_true()
    t.tag_row("{%tr else %}")
    rows_false()
    t.tag_row("{%tr endif %}")


# ---------------------------------------------------------------- 公开01
T01 = (3023, 520, 1560, 3023, 520, 1560)


def build_t01(doc) -> None:
    table_heading(doc, 1, P_W, page_break=False)
    c = T01
    t = Table((c,), width=P_W, size=SZ_XIAOWU)
    t.row(c, [H("收入", 3), H("支出", 3)], height=ROW_HEAD, header=True)
    t.row(c, [H("项目"), H("行次"), H("金额"), H("项目"), H("行次"), H("金额")],
          height=ROW_HEAD, header=True)
    t.row(c, [H("栏次"), H(""), H("1"), H("栏次"), H(""), H("2")], height=ROW_HEAD, header=True)
    t.tag_row("{%tr for r in t01.rows %}")

    def total_row():
        t.row(c, [H("{{ r.in_label }}"), H("{{ r.in_line }}"), N("{{ r.in_amount }}", bold=True),
                  H("{{ r.out_label }}"), H("{{ r.out_line }}"), N("{{ r.out_amount }}", bold=True)])

    def plain_row():
        t.row(c, [L("{{ r.in_label }}"), Cell("{{ r.in_line }}"), N("{{ r.in_amount }}"),
                  L("{{ r.out_label }}"), Cell("{{ r.out_line }}"), N("{{ r.out_amount }}")])

    bold_switch("r.bold is defined and r.bold", total_row, plain_row, t)
    t.tag_row("{%tr endfor %}")
    add_block(doc, t.xml())
    note(doc, NOTES["t01"])


# ---------------------------------------------------------------- 公开02/03/05/09 (科目 tables)

def subject_rows(t: Table, c, var: str, n: int, *, levels: bool = True, styled: bool = True) -> None:
    """``{%tr for r in VAR.rows %}``: 编码 | 名称 | n amounts.  With ``levels``
    (rows carry ``r.level`` 1/2/3) a 类 or 款 line is kept on the page of the
    line after it (its first 款/项): never alone at the foot of a page; when
    also ``styled``, 类 lines are bold and 款/项 names indented 1/2
    characters (the 上海 template prints them plain)."""
    cells = [f"{{{{ r.cells[{i}] }}}}" for i in range(n)]
    t.tag_row(f"{{%tr for r in {var}.rows %}}")
    if levels and styled:
        t.tag_row("{%tr if r.level == 1 %}")
        t.row(c, [L("{{ r.code }}", bold=True), L("{{ r.name }}", bold=True)]
              + [N(x, bold=True) for x in cells], keep_next=True)
        t.tag_row("{%tr elif r.level == 2 %}")
        t.row(c, [L("{{ r.code }}"), L("{{ r.name }}", left=1)] + [N(x) for x in cells],
              keep_next=True)
        t.tag_row("{%tr else %}")
        t.row(c, [L("{{ r.code }}"), L("{{ r.name }}", left=2)] + [N(x) for x in cells])
        t.tag_row("{%tr endif %}")
    elif levels:
        t.tag_row("{%tr if r.level < 3 %}")
        t.row(c, [L("{{ r.code }}"), L("{{ r.name }}")] + [N(x) for x in cells], keep_next=True)
        t.tag_row("{%tr else %}")
        t.row(c, [L("{{ r.code }}"), L("{{ r.name }}")] + [N(x) for x in cells])
        t.tag_row("{%tr endif %}")
    else:
        t.row(c, [L("{{ r.code }}"), L("{{ r.name }}")] + [N(x) for x in cells])
    t.tag_row("{%tr endfor %}")


def total_cells(var: str, n: int) -> list[Cell]:
    return [N(f"{{{{ {var}[{i}] }}}}", bold=True) for i in range(n)]


T02 = cols(L_W, (1000, 3700), 7)
T03 = cols(L_W, (1000, 3700), 6)


def build_subject_table(doc, n: int, c, heads: list[str], *, page_break: bool = True) -> None:
    """公开02 / 公开03: 功能分类科目编码 | 科目名称 | one column per ``heads``
    (栏次 1…), the 合计 row, then the 类/款/项 rows of ``tNN``."""
    key = f"t{n:02d}"
    table_heading(doc, n, L_W, page_break=page_break)
    t = Table((c,), width=L_W, size=SZ_XIAOWU)
    t.row(c, [H("项目", 2)] + [H(h, vmerge="restart") for h in heads], height=ROW_HEAD,
          header=True)
    t.row(c, [H("功能分类\n科目编码"), H("科目名称")] + [H("", vmerge="continue") for _ in heads],
          height=ROW_HEAD, header=True)
    t.row(c, [H("栏次", 2)] + [H(str(i + 1)) for i in range(len(heads))], height=ROW_HEAD, header=True)
    t.row(c, [H("合计", 2)] + total_cells(f"{key}.total", len(heads)))
    subject_rows(t, c, key, len(heads))
    add_block(doc, t.xml())
    note(doc, NOTES[key])


def build_t02(doc) -> None:
    build_subject_table(doc, 2, T02, ["本年收入合计", "财政拨款收入", "上级补助收入", "事业收入", "经营收入",
                                      "附属单位\n上缴收入", "其他收入"], page_break=False)


def build_t03(doc) -> None:
    build_subject_table(doc, 3, T03, ["本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出",
                                      "对附属单位\n补助支出"])


# ---------------------------------------------------------------- 公开04
T04 = cols(L_W, (3150, 500, 1600, 3000, 500), 4)


def build_t04(doc) -> None:
    table_heading(doc, 4, L_W)
    c = T04
    t = Table((c,), width=L_W, size=SZ_XIAOWU)
    t.row(c, [H("收入", 3), H("支出", 6)], height=ROW_HEAD, header=True)
    t.row(c, [H("项目"), H("行次"), H("金额"), H("项目"), H("行次"), H("合计"),
              H("一般公共预算\n财政拨款"), H("政府性基金预算\n财政拨款"), H("国有资本经营预算\n财政拨款")],
          height=ROW_HEAD, header=True)
    t.row(c, [H("栏次"), H(""), H("1"), H("栏次"), H(""), H("2"), H("3"), H("4"), H("5")],
          height=ROW_HEAD, header=True)
    outs = [f"{{{{ r.out[{i}] }}}}" for i in range(4)]
    t.tag_row("{%tr for r in t04.rows %}")

    def total_row():
        t.row(c, [H("{{ r.in_label }}"), H("{{ r.in_line }}"), N("{{ r.in_amount }}", bold=True),
                  H("{{ r.out_label }}"), H("{{ r.out_line }}")] + [N(x, bold=True) for x in outs])

    def plain_row():
        t.row(c, [L("{{ r.in_label }}"), Cell("{{ r.in_line }}"), N("{{ r.in_amount }}"),
                  L("{{ r.out_label }}"), Cell("{{ r.out_line }}")] + [N(x) for x in outs])

    bold_switch("r.bold is defined and r.bold", total_row, plain_row, t)
    t.tag_row("{%tr endfor %}")
    add_block(doc, t.xml())
    note(doc, NOTES["t04"])


# ---------------------------------------------------------------- 公开05 / 公开09 (portrait)
T05 = cols(P_W, (1300, 3706), 3)


def build_t05(doc) -> None:
    table_heading(doc, 5, P_W, page_break=False)
    c = T05
    t = Table((c,), width=P_W, size=SZ_XIAOWU)
    t.row(c, [H("项目", 2), H("本年支出", 3)], height=ROW_HEAD, header=True)
    t.row(c, [H("功能分类\n科目编码"), H("科目名称"), H("小计"), H("基本支出"), H("项目支出")],
          height=ROW_HEAD, header=True)
    t.row(c, [H("栏次", 2), H("1"), H("2"), H("3")], height=ROW_HEAD, header=True)
    t.row(c, [H("合计", 2)] + total_cells("t05.total", 3))
    subject_rows(t, c, "t05", 3)
    add_block(doc, t.xml())
    note(doc, NOTES["t05"])


def empty_note(doc, key: str) -> None:
    """``{%p if tNN.empty %}`` 本表无数据 note ``{%p else %}`` the usual note."""
    meta = dict(font=FONT_TABLE, size=SZ_TBL_META)
    add_block(doc, para(f"{{%p if {key}.empty %}}", meta["font"], meta["size"], jc="left"))
    note(doc, NOTES[f"{key}_empty"])
    add_block(doc, para("{%p else %}", meta["font"], meta["size"], jc="left"))
    note(doc, NOTES[key])
    add_block(doc, para("{%p endif %}", meta["font"], meta["size"], jc="left"))


def build_t09(doc) -> None:
    table_heading(doc, 9, P_W, page_break=False)
    c = T05
    t = Table((c,), width=P_W, size=SZ_XIAOWU)
    t.row(c, [H("项目", 2), H("本年支出", 3)], height=ROW_HEAD, header=True)
    t.row(c, [H("功能分类\n科目编码"), H("科目名称"), H("合计"), H("基本支出"), H("项目支出")],
          height=ROW_HEAD, header=True)
    t.row(c, [H("栏次", 2), H("1"), H("2"), H("3")], height=ROW_HEAD, header=True)
    t.row(c, [H("合计", 2)] + total_cells("t09.total", 3))
    subject_rows(t, c, "t09", 3, levels=False)
    add_block(doc, t.xml())
    empty_note(doc, "t09")


# ---------------------------------------------------------------- 公开06 (landscape, 16 columns)
# 科目编码 | 科目名称 | 金额 | 其中：基本支出: at 六号 an amount column holds
# "100,000,000.00"; 科目名称 gets 7 characters a line
T06_GROUP = (560, 1126, 1120, 1120)
T06 = T06_GROUP * 4
assert sum(T06) == L6_W


def _level_runs(expr_group: str, attr: str) -> list[tuple[str, bool]]:
    """Bold run when the group is a 类 line (level 1), plain run otherwise."""
    g = expr_group
    return [(f'{{{{ {g}.{attr} if {g}.level == 1 else "" }}}}', True),
            (f'{{{{ "" if {g}.level == 1 else {g}.{attr} }}}}', False)]


def build_t06(doc) -> None:
    table_heading(doc, 6, L6_W, page_break=False)
    c = T06
    t = Table((c,), width=L6_W, size=SZ_LIU, mar=45)
    t.row(c, [H("人员经费", 4), H("公用经费", 12)], height=ROW_HEAD, header=True)
    t.row(c, [H(h) for h in ("科目\n编码", "科目名称", "金额", "其中：\n基本支出")] * 4,
          height=ROW_HEAD, header=True)
    t.tag_row("{%tr for r in t06.rows %}")
    cells = []
    for i in range(4):
        g = f"r.groups[{i}]"
        cells += [Cell("", jc="left", runs=_level_runs(g, "code")),
                  Cell("", jc="left", runs=_level_runs(g, "name")),
                  N(f"{{{{ {g}.amount }}}}"), N(f"{{{{ {g}.basic }}}}")]
    t.row(c, cells)
    t.tag_row("{%tr endfor %}")
    t.row(c, [H("人员经费合计", 2), N("{{ t06.personnel.amount }}", bold=True),
              N("{{ t06.personnel.basic }}", bold=True), H("公用经费合计", 10),
              N("{{ t06.public.amount }}", bold=True), N("{{ t06.public.basic }}", bold=True)],
          height=ROW_HEAD)
    add_block(doc, t.xml())
    note(doc, NOTES["t06"])


# ---------------------------------------------------------------- 公开07 (landscape, 12 columns)
T07 = cols(L_W, (), 12)


def build_t07(doc) -> None:
    table_heading(doc, 7, L_W, page_break=False)
    c = T07
    t = Table((c,), width=L_W, size=SZ_XIAOWU)
    t.row(c, [H("预算数", 6), H("决算数", 6)], height=ROW_HEAD, header=True)
    top = [H("合计", vmerge="restart"), H("因公出国\n（境）费", vmerge="restart"),
           H("公务用车购置及运行费", 3), H("公务接待费", vmerge="restart")]
    t.row(c, top * 2, height=ROW_HEAD, header=True)
    sub = [H("", vmerge="continue"), H("", vmerge="continue"), H("小计"),
           H("公务用车\n购置费"), H("公务用车\n运行费"), H("", vmerge="continue")]
    t.row(c, sub * 2, height=ROW_HEAD, header=True)
    t.row(c, [H(str(i + 1)) for i in range(12)], height=ROW_HEAD, header=True)
    t.row(c, [N(f"{{{{ t07.budget[{i}] }}}}") for i in range(6)]
          + [N(f"{{{{ t07.actual[{i}] }}}}") for i in range(6)], height=ROW_HEAD * 2)
    add_block(doc, t.xml())
    note(doc, NOTES["t07"])


# ---------------------------------------------------------------- 公开08 (landscape)
T08 = cols(L_W, (1000, 3700), 6)


def build_t08(doc) -> None:
    table_heading(doc, 8, L_W)
    c = T08
    t = Table((c,), width=L_W, size=SZ_XIAOWU)
    t.row(c, [H("项目", 2), H("年初结转和结余", vmerge="restart"), H("本年收入", vmerge="restart"),
              H("本年支出", 3), H("年末结转和结余", vmerge="restart")], height=ROW_HEAD, header=True)
    t.row(c, [H("功能分类\n科目编码"), H("科目名称"), H("", vmerge="continue"),
              H("", vmerge="continue"), H("小计"), H("基本支出"), H("项目支出"),
              H("", vmerge="continue")], height=ROW_HEAD, header=True)
    t.row(c, [H("栏次", 2)] + [H(str(i + 1)) for i in range(6)], height=ROW_HEAD, header=True)
    t.row(c, [H("合计", 2), N("{{ t08.opening }}", bold=True), N("{{ t08.income }}", bold=True)]
          + total_cells("t08.total", 3) + [N("{{ t08.closing }}", bold=True)])
    t.tag_row("{%tr for r in t08.rows %}")
    t.row(c, [L("{{ r.code }}"), L("{{ r.name }}"), N(""), N("")]
          + [N(f"{{{{ r.cells[{i}] }}}}") for i in range(3)] + [N("")])
    t.tag_row("{%tr endfor %}")
    add_block(doc, t.xml())
    empty_note(doc, "t08")


# ---------------------------------------------------------------- 公开10 (portrait)
T10 = (6206, 1500, 2500)


def build_t10(doc) -> None:
    table_heading(doc, 10, P_W, left="编制单位：{{ unit_name }}", center="{{ prepared_on }}")
    c = T10
    t = Table((c,), width=P_W, size=SZ_TABLE, mar=CELL_MAR_LR)
    h = 400

    def section(title: str, head: tuple[str, str, str] | None) -> None:
        t.row(c, [L(title, span=3, bold=True)], height=h, keep_next=True)
        if head:
            t.row(c, [H(x) for x in head], height=h, keep_next=True)

    section("一、政府采购情况", ("项目", "行次", "采购金额"))
    for i, label in enumerate(("合计", "货物", "工程", "服务")):
        t.row(c, [Cell(label, bold=i == 0) if i == 0 else L(label, left=2), Cell(str(i + 1)),
                  N(f"{{{{ t10.procurement[{i}] }}}}", bold=i == 0)], height=h)
    section("二、机关运行经费", ("项目", "行次", "统计数"))
    for i, label in enumerate(("（一）行政单位", "（二）参照公务员法管理事业单位")):
        t.row(c, [L(label), Cell(str(i + 5)), N(f"{{{{ t10.operating[{i}] }}}}")], height=h)
    section("三、国有资产占用情况", ("项目", "行次", "统计数"))
    t.row(c, [L("（一）车辆数合计（辆）"), Cell("7"), N("{{ t10.vehicles_total }}")], height=h)
    t.tag_row("{%tr for v in t10.vehicles %}")
    t.row(c, [L("{{ v.name }}", left=2), Cell("{{ v.line }}"), N("{{ v.count }}")], height=h)
    t.tag_row("{%tr endfor %}")
    t.row(c, [L("（二）单价50万元以上通用设备（台、套）"), Cell("16"),
              N("{{ t10.general_equipment }}")], height=h)
    t.row(c, [L("（三）单价100万元以上专用设备（台、套）"), Cell("17"),
              N("{{ t10.special_equipment }}")], height=h)
    add_block(doc, t.xml())
    note(doc, NOTES["t10"])


# ---------------------------------------------------------------- the document

CONTENTS = [
    (0, "第一部分　概况"),
    (1, "一、主要职能"),
    (1, "二、部门决算单位构成"),
    (0, "第二部分　{{ year }}年度部门决算公开表"),
] + [(1, f"{'一二三四五六七八九十'[i]}、{title}") for i, (_, title) in enumerate(TABLES)] + [
    (0, "第三部分　{{ year }}年度部门决算情况说明"),
    (0, "第四部分　名词解释"),
]


def page_ref(mark: str, font: str, size: int) -> str:
    """A PAGEREF field: the page number of bookmark ``mark`` as printed in
    the footer.  LibreOffice lays it out live; Word updates it on opening
    (``w:dirty`` and the document's updateFields setting) or on printing.
    The stored result is empty, so a number is never a stale guess."""
    rpr = rpr_xml(font, size)
    return (f'<w:r>{rpr}<w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
            f'<w:r>{rpr}<w:instrText xml:space="preserve"> PAGEREF {mark} \\h </w:instrText></w:r>'
            f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>')   # no stale number meanwhile


def cover(doc) -> None:
    """Title (two lines, 宋体 bold 一号) and the 目录 of the four parts and
    ten tables, each entry with its page number (dot leader, PAGEREF to the
    heading's bookmark); the cover has no page number, 第一部分 is page 1."""
    add_block(doc, body("", indent=False))
    for text in ("{{ unit_name }}", "{{ year }}年度部门决算公开"):
        add_block(doc, text_para(text, FONT_TITLE, SZ_COVER, bold=True, jc="center", line=900))
    add_block(doc, text_para("目　录", FONT_HEI, SZ_SAN, jc="center", before=600, after=240,
                             line=REPORT_LINE))
    width = REPORT_PAGE[0] - REPORT_PAGE[4] - REPORT_PAGE[5]
    tabs = f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{width}"/></w:tabs>'
    for level, text in CONTENTS:
        font = FONT_HEI if level == 0 else FONT_FANGSONG
        xml = text_para(text, font, SZ_SI, jc="left", line=440, tabs=tabs)
        ind = '<w:ind w:leftChars="200" w:left="560"/>' if level else ""
        xml = xml.replace("<w:jc ", f"{ind}<w:jc ", 1)
        entry = f'<w:r>{rpr_xml(font, SZ_SI)}<w:tab/></w:r>' + page_ref(toc_mark(text), font, SZ_SI)
        add_block(doc, xml[:xml.rindex("</w:p>")] + entry + "</w:p>")


def build_disclosure() -> bytes:
    doc = Document()
    setup_document(doc, title="部门决算公开", builder=BUILDER)
    add_cjk_fonts(doc)
    add_footer(doc)
    pages = Pages(doc, REPORT_PAGE)

    # title page (no page number) and 第一部分 概况 (page 1)
    cover(doc)
    pages.switch(REPORT_PAGE, numbered=False)
    add_block(doc, part_heading("第一部分　概况", page_break=False))
    add_block(doc, bookmarked(text_para("一、主要职能", FONT_HEI, SZ_SAN, indent=True, line=REPORT_LINE,
                                        keep_next=True), toc_mark("一、主要职能")))
    for p in loop_paras("functions"):
        add_block(doc, p)
    add_block(doc, bookmarked(text_para("二、部门决算单位构成", FONT_HEI, SZ_SAN, indent=True,
                                        line=REPORT_LINE, keep_next=True), toc_mark("二、部门决算单位构成")))
    for p in loop_paras("composition"):
        add_block(doc, p)

    # 第二部分: the ten tables
    pages.switch(TABLE_P)
    add_block(doc, part_heading("第二部分　{{ year }}年度部门决算公开表", page_break=False)
              .replace('w:after="360"', 'w:after="240"'))
    build_t01(doc)
    pages.switch(TABLE_L)
    build_t02(doc)
    build_t03(doc)
    build_t04(doc)
    pages.switch(TABLE_P)
    build_t05(doc)
    pages.switch(TABLE_L6)
    build_t06(doc)
    pages.switch(TABLE_L)
    build_t07(doc)
    build_t08(doc)
    pages.switch(TABLE_P)
    build_t09(doc)
    build_t10(doc)

    # 第三部分 决算情况说明
    pages.switch(REPORT_PAGE)
    add_block(doc, part_heading("第三部分　{{ year }}年度部门决算情况说明", page_break=False))
    add_block(doc, body("{%p for s in sections %}"))
    add_block(doc, body('{%p if s.kind == "heading" and s.level == 1 %}'))
    add_block(doc, text_para("{{ s.text }}", FONT_HEI, SZ_SAN, indent=True, line=REPORT_LINE,
                             keep_next=True))
    add_block(doc, body('{%p elif s.kind == "heading" %}'))
    add_block(doc, text_para("{{ s.text }}", FONT_KAI, SZ_SAN, indent=True, line=REPORT_LINE,
                             keep_next=True))
    add_block(doc, body("{%p else %}"))
    add_block(doc, body("{{ s.text }}"))
    add_block(doc, body("{%p endif %}"))
    add_block(doc, body("{%p endfor %}"))

    # 第四部分 名词解释
    add_block(doc, part_heading("第四部分　名词解释"))
    for p in loop_paras("glossary", "g"):
        add_block(doc, p)
    pages.finish()
    # Word: refresh the 目录's page numbers when the document is opened
    doc.settings.element.find(qn("w:compat")).addprevious(   # CT_Settings order: before compat
        parse_xml(f'<w:updateFields {nsdecls("w")} w:val="true"/>'))
    return save(doc)


# ================================================================ 2. 整体支出预算绩效自评表

WH_W = 9638              # A4 portrait, 2 cm margins (docxbuild default page)
WH_SZ = SZ_XIAOWU
# The three sections share their column edges where they can (3500, 5350, 6050,
# 7844, 8741), so the form reads as one grid.
# header: label | value | label | value | label | value (labels: 8 characters a
# line; the two-pair rows put their second value over the last three columns)
WH_HEAD = (1750, 1750, 1850, 700, 1794, 1794)
# 职能名称 | 政策或重点任务 | 完成情况 | 预算数 | 其中：财政拨款 | 执行数 | 其中：财政拨款
WH_TASK = (3500, 1850, 700, 897, 897, 897, 897)
# 绩效指标 (label) | 一级 | 二级 | 三级 | 权重 | 目标值 | 业绩值 | 得分
WH_IND = (700, 1100, 1100, 2450, 700, 1794, 897, 897)
WH_SECTIONS = (WH_HEAD, WH_TASK, WH_IND)


def build_whole() -> bytes:
    doc = Document()
    setup_document(doc, title="部门（单位）整体支出预算绩效自评表", builder=BUILDER)
    add_cjk_fonts(doc)
    add_footer(doc)
    add_block(doc, para("（{{ year }}年度）部门（单位）整体支出预算绩效自评表", FONT_TITLE,
                        SZ_TITLE, bold=True, jc="center", after=240))

    t = Table(WH_SECTIONS, width=WH_W, size=WH_SZ, mar=CELL_MAR_LR)
    h, k = WH_HEAD, ROW_WHOLE
    t.row(h, [H("部门（单位）名称"), Cell("{{ unit_name }}", span=5)], height=k)
    t.row(h, [H("内设职能部门个数"), Cell("{{ internal_departments }}"),
              H("下属预算单位个数"), Cell("{{ subordinate_units }}", span=3)], height=k)
    t.row(h, [H("核定的人员编制数"), Cell("{{ authorized }}"), H("实际在职人员总数"),
              Cell("{{ in_service }}"), H("其中：在编人员数"), Cell("{{ on_payroll }}")], height=k)
    t.row(h, [H("联系人"), Cell("{{ contact }}"), H("联系电话"),
              Cell("{{ phone }}", span=3)], height=k)
    t.row(h, [H("评价开始时间"), Cell("{{ started }}"), H("评价结束时间"),
              Cell("{{ finished }}", span=3)], height=k)
    t.row(h, [H("评价得分"), Cell("{{ score }}"), H("评价等级"),
              Cell("{{ grade }}", span=3)], height=k)

    s = WH_TASK
    t.row(s, [H("职能名称"), H("政策或重点任务"), H("完成\n情况"), H("预算数\n（万元）"),
              H("其中：\n财政拨款"), H("执行数\n（万元）"), H("其中：\n财政拨款")],
          height=k, keep_next=True)
    t.tag_row("{%tr for t in tasks %}")
    t.row(s, [L("{{ t.function }}", jc="both"), L("{{ t.task }}"), Cell("{{ t.status }}"),
              N("{{ t.budget }}"), N("{{ t.budget_fiscal }}"), N("{{ t.spent }}"),
              N("{{ t.spent_fiscal }}")], height=k)
    t.tag_row("{%tr endfor %}")

    s = WH_IND
    t.row(s, [H("绩效指标"), H("一级指标"), H("二级指标"), H("三级指标"), H("权重"), H("目标值"),
              H("业绩值"), H("得分")], height=k, keep_next=True)
    t.tag_row("{%tr for r in indicators %}")
    t.row(s, [H('{% vmerge ("restart" if loop.first else "continue") %}'
                '{{ "年度绩效指标" if loop.first else "" }}'),
              Cell("{% vmerge r.level1_merge %}{{ r.level1 }}"),
              Cell("{% vmerge r.level2_merge %}{{ r.level2 }}"), L("{{ r.name }}"),
              Cell("{{ r.weight }}"), Cell("{{ r.target }}"), Cell("{{ r.actual }}"),
              Cell("{{ r.score }}")], height=k)
    t.tag_row("{%tr endfor %}")
    t.row(s, [H("总分", 4), H("100"), H("", 2), H("{{ score }}")], height=k)
    add_block(doc, t.xml())
    return save(doc)


# ================================================================ main

BUILDERS = {DISCLOSURE_OUT: build_disclosure, WHOLE_OUT: build_whole}


def main() -> None:
    build_all(__doc__.splitlines()[0], BUILDERS, REPO / "templates" / OUT_DIR)


if __name__ == "__main__":
    main()
