#!/usr/bin/env python3
"""Build the Word templates of the 宁乡市 (Hunan) 部门整体支出绩效自评 pack.

Writes, into ``templates/ningxiang/`` (layout of seed 001):

* ``部门整体支出绩效自评报告.docx`` — the narrative self-evaluation report,
  Chinese government-document style (A4 portrait, GB/T 9704 margins,
  仿宋_GB2312 三号 body, fixed 28 pt line spacing);
* ``部门整体支出绩效自评基础数据表.docx`` — 附件2-1 (A4 portrait, one ruled form);
* ``部门整体支出绩效自评共性指标表.docx`` — 附件2-2, the scoring appendix
  (A4 landscape, so the long 评价标准 texts get a wide column).

Run from anywhere::

    python tools/build_ningxiang_templates.py              # all three, into the repo
    python tools/build_ningxiang_templates.py -o /tmp/x    # all three, into /tmp/x/

All are rendered by ``reportgen.output.render.render_docx``; the shared builders and
design rules (one ruled table on a union grid, fixed layout, explicit eastAsia
fonts, every Jinja tag in one run, reproducible bytes) are in
``tools/docxbuild.py``.  Every context value is display text; the templates do
no arithmetic.

Context of 部门整体支出绩效自评报告::

    year                      "2022"
    unit.name                 部门（单位）名称: title line 1 and the signature
    functions, organization, priorities, spending_scope, basic_spending,
    project_spending, implementation, assets, performance, problems,
    improvements              each a LIST of paragraph strings; each string is
                              one body paragraph ({%p for para in X %})

Context of 部门整体支出绩效自评基础数据表 (附件2-1; amounts in 元)::

    year, prior_year          "2022", "2021"
    unit.name                 填报单位
    staffing.authorized / .in_service / .control_rate
                              编制数 / 实际在职人数 / 控制率
    spending_rows             list: label (with leading full-width spaces for
                              indentation), level (0 = total line, printed
                              bold), prior, budget, actual
    budget_adjustment_rate    部门整体支出预算调整
    buildings                 list (may be empty → "本年无完工的楼堂馆所项目"):
                              name, approved_area, actual_area, area_rate,
                              budget_investment, actual_investment, investment_rate
    austerity                 厉行节约保障措施 (``\\a`` separates paragraphs)

Context of 部门整体支出绩效自评共性指标表 (附件2-2)::

    unit.name                 填报单位
    rows                      list, one per 三级 indicator:
        level1, level1_weight, level1_merge     一级指标 / 分值, merged per block
        level2, level2_weight, level2_merge     二级指标 / 分值, merged per block
                              (*_merge: "restart" first row of a block,
                              "continue" after it (text ""), "" single row)
        name, weight          三级指标 / 分值
        criteria, explanation 评价标准 / 指标说明 (``\\a`` separates paragraphs)
        score                 得分
    total_weight, total       合计 分值 / 得分
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docxbuild import (  # noqa: E402  (tools/docxbuild.py: shared template builders)
    FONT_FANGSONG, FONT_TABLE, FONT_TITLE, REPO, ROW_H, SZ_TABLE, SZ_TITLE,
    SZ_UNIT, TEXT_W, C, FormTable, add_block, add_font_table, add_footer, para_xml,
    rpr_xml, run_xml, save, setup_document, build_all)

BUILDER = "tools/build_ningxiang_templates.py"
OUT_DIR = Path("ningxiang")
REPORT_OUT = "部门整体支出绩效自评报告.docx"
BASIC_OUT = "部门整体支出绩效自评基础数据表.docx"
SCORING_OUT = "部门整体支出绩效自评共性指标表.docx"

# ---------------------------------------------------------------- fonts
FONT_HEI = "黑体"
FONT_KAI = "楷体_GB2312"
SZ_ER = 44          # 22 pt 二号: report title
SZ_SAN = 32         # 16 pt 三号: report body, 附件 label
SZ_SMALL = 18       # 9 pt 小五: 评价标准 / 指标说明

# ---------------------------------------------------------------- report page (GB/T 9704 版心)
REPORT_MARGINS = dict(top=2098, bottom=1984, left=1588, right=1474)   # 37/35/28/26 mm
REPORT_LINE = 560   # fixed 28 pt line spacing (twips)

# ---------------------------------------------------------------- 附件2-1 column widths
# 4-column part: label | 上年决算数 | 本年预算数 | 本年决算数 (also 财政供养人员情况)
BASIC_COLS = (3440, 2066, 2066, 2066)
# 2-column part: 厉行节约保障措施 | text
BASIC_TEXT_COLS = (3440, 6198)
# 楼堂馆所: 项目 | 批复规模 | 实际规模 | 规模控制率 | 预算投资 | 实际投资 | 投资概算控制率
BUILDING_COLS = (2138, 1250, 1250, 1250, 1250, 1250, 1250)
BASIC_SECTIONS = (BASIC_COLS, BASIC_TEXT_COLS, BUILDING_COLS, (TEXT_W,))

# ---------------------------------------------------------------- 附件2-2 (A4 landscape)
LAND_W, LAND_H = 16838, 11906
LAND_MARGIN = 1134                      # 2 cm all round
LAND_TEXT_W = LAND_W - 2 * LAND_MARGIN  # 14570 = 25.7 cm
# 一级 | 分值 | 二级 | 分值 | 三级 | 分值 | 评价标准 | 指标说明 | 得分
SCORE_COLS = (1260, 620, 1150, 620, 1700, 620, 4840, 2960, 800)
ROW_H_HEAD = 567

BASIC_NOTE = ("说明：“项目支出”需要填报除公共项目资金和基本支出以外的所有项目情况，"
              "包括业务工作项目、运行维护项目等；“公用经费”填报基本支出中的一般商品和服务支出。")


# ================================================================ local XML helpers

def add_cjk_fonts(doc) -> None:
    """``add_font_table`` (宋体, 仿宋_GB2312) plus 黑体 and 楷体_GB2312."""
    add_font_table(doc, {FONT_HEI: ("SimHei", "modern", "fixed"), FONT_KAI: ("楷体", "modern", "fixed")})


def set_page(doc, *, width: int, height: int, top: int, bottom: int, left: int, right: int,
             landscape: bool = False) -> None:
    """Replace the page size and margins written by ``setup_document``."""
    sp = doc.sections[0]._sectPr
    sp.remove(sp.find(qn("w:pgSz")))
    sp.remove(sp.find(qn("w:pgMar")))
    orient = ' w:orient="landscape"' if landscape else ""
    sp.insert(0, parse_xml(f'<w:pgSz {nsdecls("w")} w:w="{width}" w:h="{height}"{orient}/>'))
    sp.insert(1, parse_xml(
        f'<w:pgMar {nsdecls("w")} w:top="{top}" w:right="{right}" w:bottom="{bottom}" '
        f'w:left="{left}" w:header="851" w:footer="794" w:gutter="0"/>'))


def text_para(text: str, font: str, size: int, *, bold: bool = False, jc: str = "both",
              indent: bool = False, line: int | None = None, before: int = 0, after: int = 0,
              keep_next: bool = False, right_chars: int = 0, tabs: str = "") -> str:
    """A paragraph of one run.  ``line``: fixed line spacing in twips (None:
    single).  ``indent``: first line 2 characters.  ``right_chars``: right
    indent in characters."""
    keep = "<w:keepNext/>" if keep_next else ""
    spacing = (f'w:line="{line}" w:lineRule="exact"' if line
               else 'w:line="240" w:lineRule="auto"')
    ind = ""
    if indent or right_chars:
        ind = "<w:ind"
        if right_chars:
            ind += f' w:rightChars="{right_chars * 100}" w:right="{right_chars * size * 10}"'
        if indent:
            ind += f' w:firstLineChars="200" w:firstLine="{size * 20}"'
        ind += "/>"
    ppr = (f"<w:pPr>{keep}<w:widowControl/>{tabs}<w:spacing w:before=\"{before}\" "
           f"w:after=\"{after}\" {spacing}/>{ind}<w:jc w:val=\"{jc}\"/>"
           f"{rpr_xml(font, size, bold)}</w:pPr>")
    body = run_xml(text, font, size, bold) if text else ""
    return f"<w:p>{ppr}{body}</w:p>"


@dataclass
class Cell(C):
    """A cell with its own font size (``size``; None: the table's)."""

    size: int | None = None


class Table(FormTable):
    """``FormTable`` whose cells may have their own font size and whose rows
    may be marked as the header row repeated on every page (``header``)."""

    def cell_para(self, c, keep_next: bool) -> str:
        size = getattr(c, "size", None) or self.size
        return para_xml(c.text, self.font, size, bold=c.bold, jc=c.jc, indent=c.indent,
                        keep_next=keep_next)


def form_heading(doc, attachment: str, title: str) -> None:
    """附件N (黑体 三号, top left) and the centred title (宋体 bold 小二)."""
    add_block(doc, text_para(attachment, FONT_HEI, SZ_SAN, jc="left", after=120))
    add_block(doc, text_para(title, FONT_TITLE, SZ_TITLE, bold=True, jc="center",
                             before=120, after=240))


def unit_line(doc, right_text: str, width: int) -> None:
    """填报单位：{{ unit.name }} left, ``right_text`` at a right tab stop."""
    tabs = f'<w:tabs><w:tab w:val="right" w:pos="{width}"/></w:tabs>'
    text = "填报单位：{{ unit.name }}" + (f"\t{right_text}" if right_text else "")
    add_block(doc, text_para(text, FONT_FANGSONG, SZ_UNIT, jc="left", after=80, tabs=tabs))


# ================================================================ 1. the report

REPORT_SECTIONS = [
    # (level, heading text or None, list variable or None)
    (1, "一、部门概况", None),
    (2, "（一）部门基本情况。", None),
    (3, "1、职能职责", "functions"),
    (3, "2、机构设置", "organization"),
    (3, "3、{{ year }}年工作重点", "priorities"),
    (2, "（二）部门整体支出规模、使用方向和主要内容、涉及范围等", "spending_scope"),
    (1, "二、部门整体支出管理及使用情况", None),
    (2, "（一）基本支出", "basic_spending"),
    (2, "（二）项目支出", "project_spending"),
    (1, "三、部门项目组织实施情况", "implementation"),
    (1, "四、资产管理情况", "assets"),
    (1, "五、部门整体支出绩效情况", "performance"),
    (1, "六、存在的主要问题", "problems"),
    (1, "七、改进措施和有关建议", "improvements"),
]
HEADING_FONT = {1: (FONT_HEI, False), 2: (FONT_KAI, False), 3: (FONT_FANGSONG, True)}


def body(text: str, *, indent: bool = True, **kw) -> str:
    """A body paragraph: 仿宋_GB2312 三号, justified, indent 2, fixed 28 pt."""
    return text_para(text, FONT_FANGSONG, SZ_SAN, indent=indent, line=REPORT_LINE, **kw)


def build_report() -> bytes:
    doc = Document()
    setup_document(doc, title="部门整体支出绩效自评报告", builder=BUILDER)
    set_page(doc, width=11906, height=16838, **REPORT_MARGINS)
    add_cjk_fonts(doc)

    for text in ("{{ unit.name }}", "{{ year }}年部门整体支出绩效自评报告"):
        add_block(doc, text_para(text, FONT_TITLE, SZ_ER, bold=True, jc="center", line=720))
    add_block(doc, body("", indent=False))           # blank line under the title

    last = REPORT_SECTIONS[-1][2]
    for level, heading, var in REPORT_SECTIONS:
        font, bold = HEADING_FONT[level]
        add_block(doc, text_para(heading, font, SZ_SAN, bold=bold, indent=True,
                                 line=REPORT_LINE, keep_next=True))
        if var:
            add_block(doc, body(f"{{%p for para in {var} %}}"))
            # the last section's paragraphs keep with the signature below it
            add_block(doc, body("{{ para }}", keep_next=var == last))
            add_block(doc, body("{%p endfor %}"))

    # signature: unit and the 填报日期 (or a blank date line), right-aligned, one
    # blank line above, all kept with the text before: never alone on a page
    add_block(doc, body("", indent=False, keep_next=True))
    add_block(doc, text_para("{{ unit.name }}", FONT_FANGSONG, SZ_SAN, jc="right",
                             line=REPORT_LINE, right_chars=2, keep_next=True))
    add_block(doc, text_para('{{ unit.filled_on or "年　　月　　日" }}', FONT_FANGSONG, SZ_SAN, jc="right",
                             line=REPORT_LINE, right_chars=2))
    add_footer(doc)
    return save(doc)


# ================================================================ 2. 附件2-1 基础数据表

def build_basic() -> bytes:
    doc = Document()
    setup_document(doc, title="部门整体支出绩效自评基础数据表", builder=BUILDER)
    add_cjk_fonts(doc)
    form_heading(doc, "附件2-1", "部门整体支出绩效自评基础数据表")
    unit_line(doc, "单位：元", TEXT_W)

    t = Table(BASIC_SECTIONS)
    b, s = BASIC_COLS, BUILDING_COLS
    # 财政供养人员情况: label merged over the header and the value row
    t.row(b, [Cell("财政供养人员情况", bold=True, vmerge="restart"), Cell("编制数", bold=True),
              Cell("{{ year }}年\n实际在职人数", bold=True), Cell("控制率", bold=True)],
          keep_next=True)
    t.row(b, [Cell(vmerge="continue"), Cell("{{ staffing.authorized }}"),
              Cell("{{ staffing.in_service }}"), Cell("{{ staffing.control_rate }}")])
    # 经费控制情况
    t.row(b, [Cell("经费控制情况", bold=True), Cell("{{ prior_year }}年决算数", bold=True),
              Cell("{{ year }}年预算数", bold=True), Cell("{{ year }}年决算数", bold=True)],
          keep_next=True)
    t.tag_row("{%tr for r in spending_rows %}")
    t.tag_row("{%tr if r.level == 0 %}")
    t.row(b, [Cell("{{ r.label }}", jc="left", bold=True), Cell("{{ r.prior }}", jc="right", bold=True),
              Cell("{{ r.budget }}", jc="right", bold=True),
              Cell("{{ r.actual }}", jc="right", bold=True)])
    t.tag_row("{%tr else %}")
    t.row(b, [Cell("{{ r.label }}", jc="left"), Cell("{{ r.prior }}", jc="right"),
              Cell("{{ r.budget }}", jc="right"), Cell("{{ r.actual }}", jc="right")])
    t.tag_row("{%tr endif %}")
    t.tag_row("{%tr endfor %}")
    t.row(b, [Cell("部门整体支出预算调整", jc="left", bold=True), Cell(), Cell(),
              Cell("{{ budget_adjustment_rate }}", jc="right", bold=True)])
    # 楼堂馆所控制情况
    t.row(s, [Cell("楼堂馆所控制情况（{{ year }}年完工项目）", span=7, bold=True)],
          keep_next=True)
    t.row(s, [Cell("项目", bold=True), Cell("批复规模\n（㎡）", bold=True),
              Cell("实际规模\n（㎡）", bold=True), Cell("规模\n控制率", bold=True),
              Cell("预算投资\n（万元）", bold=True), Cell("实际投资\n（万元）", bold=True),
              Cell("投资概算\n控制率", bold=True)], keep_next=True)
    t.tag_row("{%tr if buildings %}")
    t.tag_row("{%tr for b in buildings %}")
    t.row(s, [Cell("{{ b.name }}", jc="left"), Cell("{{ b.approved_area }}", jc="right"),
              Cell("{{ b.actual_area }}", jc="right"), Cell("{{ b.area_rate }}", jc="right"),
              Cell("{{ b.budget_investment }}", jc="right"),
              Cell("{{ b.actual_investment }}", jc="right"),
              Cell("{{ b.investment_rate }}", jc="right")])
    t.tag_row("{%tr endfor %}")
    t.tag_row("{%tr else %}")
    t.row(s, [Cell("本年无完工的楼堂馆所项目", span=7)])
    t.tag_row("{%tr endif %}")
    # 厉行节约保障措施
    t.row(BASIC_TEXT_COLS, [Cell("厉行节约保障措施", bold=True),
                            Cell("{{ austerity }}", jc="left")], height=ROW_H * 2,
          cant_split=False)
    add_block(doc, t.xml())
    add_block(doc, text_para(BASIC_NOTE, FONT_TABLE, SZ_TABLE, jc="both", indent=True,
                             before=120))
    add_footer(doc)
    return save(doc)


# ================================================================ 3. 附件2-2 共性指标表

def build_scoring() -> bytes:
    doc = Document()
    setup_document(doc, title="部门整体支出绩效自评共性指标表", builder=BUILDER)
    set_page(doc, width=LAND_W, height=LAND_H, top=LAND_MARGIN, bottom=LAND_MARGIN,
             left=LAND_MARGIN, right=LAND_MARGIN, landscape=True)
    add_cjk_fonts(doc)
    form_heading(doc, "附件2-2", "部门整体支出绩效自评共性指标表")
    unit_line(doc, "", LAND_TEXT_W)

    s = SCORE_COLS
    t = Table((s, (LAND_TEXT_W,)), width=LAND_TEXT_W)
    t.row(s, [Cell(h, bold=True) for h in ("一级指标", "分值", "二级指标", "分值", "三级指标",
                                           "分值", "评价标准", "指标说明", "得分")],
          height=ROW_H_HEAD, header=True)
    t.tag_row("{%tr for r in rows %}")
    t.row(s, [Cell("{% vmerge r.level1_merge %}{{ r.level1 }}"),
              Cell("{% vmerge r.level1_merge %}{{ r.level1_weight }}"),
              Cell("{% vmerge r.level2_merge %}{{ r.level2 }}"),
              Cell("{% vmerge r.level2_merge %}{{ r.level2_weight }}"),
              Cell("{{ r.name }}"), Cell("{{ r.weight }}"),
              Cell("{{ r.criteria }}", jc="left", size=SZ_SMALL),
              Cell("{{ r.explanation }}", jc="left", size=SZ_SMALL),
              Cell("{{ r.score }}")])              # a criterion never splits across pages
    t.tag_row("{%tr endfor %}")
    t.row(s, [Cell("合计", bold=True), Cell("{{ total_weight }}", bold=True), Cell(span=6),
              Cell("{{ total }}", bold=True)], height=ROW_H_HEAD)
    add_block(doc, t.xml())
    add_footer(doc)
    return save(doc)


# ================================================================ main

BUILDERS = {REPORT_OUT: build_report, BASIC_OUT: build_basic, SCORING_OUT: build_scoring}


def main() -> None:
    build_all(__doc__.splitlines()[0], BUILDERS, REPO / "templates" / OUT_DIR)


if __name__ == "__main__":
    main()
