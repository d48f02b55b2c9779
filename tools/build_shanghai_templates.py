#!/usr/bin/env python3
"""Build the Word template of the 上海 部门决算 pack.

Writes ``templates/shanghai/部门决算.docx``, laid out like the official 2024
上海 部门决算 template (附件2 预算主管部门公开样张, ``../shared/cases/shanghai/
部门决算模板（空白）.pdf``): a title page with the 目录; 第一部分 概况 (一、主要职能;
二、部门决算单位构成 with its 序号/单位名称/备注 table); 第二部分 the nine tables
(收入支出决算总表 … 国有资本经营预算财政拨款收入支出决算表), each under its own title
with “单位：万元” on the right and its 注 below, header rows repeated on
every page, 功能分类科目编码 in one column (205 / 20502 / 2050205) as the
template prints it, no 栏次 row (the template has none); 第三部分 情况说明
(the pack's outline: headings 黑体/楷体, text 仿宋_GB2312 三号); 第四部分 名词解释.

Run from anywhere::

    python tools/build_shanghai_templates.py              # into the repo
    python tools/build_shanghai_templates.py -o /tmp/x    # into /tmp/x/

Rendered by ``reportgen.output.render.render_docx`` with the context of
``final_accounts_disclosure`` (see ``tools/build_xinzhou_templates.py`` for its
variables); this pack sets ``tables: money_unit: 万元, public_columns: 1``, so
every amount arrives as 万元 text with thousands separators ("" for zero) and
公开06 rows carry two column groups (人员经费 | 公用经费).  In the 政府性基金 and
国有资本经营 tables each 项 row shows its 本年收入 and 本年支出; 年初/年末结转和结余
are given per 财政拨款 type only, so they print on the 合计 row.  The shared builders
and design rules (one ruled table on a union grid, fixed layout, explicit
eastAsia fonts, every Jinja tag in one run, reproducible bytes) are in
``tools/docxbuild.py``; table and page helpers are the Xinzhou builder's.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docxbuild import (  # noqa: E402  (tools/docxbuild.py: shared template builders)
    FONT_FANGSONG, FONT_TABLE, FONT_TITLE, REPO, SZ_TABLE, add_block, add_footer, save,
    setup_document, build_all)
from build_ningxiang_templates import (  # noqa: E402  (same narrative styles)
    FONT_HEI, FONT_KAI, REPORT_LINE, SZ_SAN, add_cjk_fonts, text_para)
from build_xinzhou_templates import (  # noqa: E402  (same table and page helpers)
    A4_W, A4_H, REPORT_PAGE, ROW_HEAD, Cell, H, L, N, Pages, Table, bold_switch, body, cols, loop_paras,
    para, part_heading, right_tabs, subject_rows)

BUILDER = "tools/build_shanghai_templates.py"
OUT_DIR = Path("shanghai")
DISCLOSURE_OUT = "部门决算.docx"

SZ_COVER = 44        # 22 pt 二号: cover title
SZ_SI = 28           # 14 pt 四号: 目录 entries
SZ_TBL = 18          # 9 pt 小五: table cells
SZ_TBL_TITLE = 28    # 14 pt 四号 bold: table titles
SZ_PART_TITLE = 32   # 16 pt 三号: 上海市 XX 局 2024 年度部门决算表

TABLE_P = (A4_W, A4_H, 1134, 1134, 1020, 1020, False)
TABLE_L = (A4_H, A4_W, 1134, 1134, 1020, 1020, True)
TABLE_P6 = (A4_W, A4_H, 850, 850, 1020, 1020, False)     # 基本支出决算表: 40 rows and its 注 on one page
P_W = A4_W - 2 * 1020    # 9866
L_W = A4_H - 2 * 1020    # 14798

TABLES = [
    ("t01", "收入支出决算总表"),
    ("t02", "收入决算表"),
    ("t03", "支出决算表"),
    ("t04", "财政拨款收入支出决算总表"),
    ("t05", "一般公共预算财政拨款支出决算表"),
    ("t06", "一般公共预算财政拨款基本支出决算表"),
    ("t07", "财政拨款“三公”经费支出决算表"),
    ("t08", "政府性基金预算财政拨款收入支出决算表"),
    ("t09", "国有资本经营预算财政拨款收入支出决算表"),
]
NOTES = {
    "t01": "注：本表反映部门本年度的总收支和年末结转结余情况。",
    "t02": "注：本表反映部门本年度取得的各项收入情况。",
    "t03": "注：本表反映部门本年度各项支出情况。",
    "t04": "注：本表反映部门本年度财政拨款总收支和结转结余情况。",
    "t05": "注：本表反映部门本年度一般公共预算财政拨款支出情况。",
    "t06": "注：本表反映部门本年度一般公共预算财政拨款基本支出明细情况。",
    "t07": "注：本表反映部门本年度“三公”经费支出预决算情况。",
    "t08": "注：本表反映部门本年度政府性基金预算财政拨款收入支出及结转和结余情况。",
    "t08_empty": "说明：{{ unit_name }}本年度没有政府性基金预算财政拨款收入和支出，故本表无数据。",
    "t09": "注：本表反映部门本年度国有资本经营预算财政拨款收入支出及结转和结余情况。",
    "t09_empty": "说明：{{ unit_name }}本年度没有国有资本经营预算财政拨款收入和支出，故本表无数据。",
}
NUMERALS = "一二三四五六七八九十"


def table_heading(doc, key: str, width: int, *, page_break: bool = True) -> None:
    """Title (bold, centred) and “单位：万元” on the right."""
    title = dict(TABLES)[key]
    add_block(doc, para(title, FONT_TITLE, SZ_TBL_TITLE, bold=True, jc="center", after=60,
                        page_break=page_break, keep_next=True))
    add_block(doc, para("\t单位：万元", FONT_TABLE, SZ_TABLE, jc="left", after=60,
                        tabs=right_tabs(("right", width)), keep_next=True))


def note(doc, text: str) -> None:
    add_block(doc, para(text, FONT_TABLE, SZ_TABLE, jc="both", before=60))


def empty_note(doc, key: str) -> None:
    """The usual 注, and under an empty table the template's 说明 line."""
    note(doc, NOTES[key])
    add_block(doc, para(f"{{%p if {key}.empty %}}", FONT_TABLE, SZ_TABLE, jc="left"))
    note(doc, NOTES[f"{key}_empty"])
    add_block(doc, para("{%p endif %}", FONT_TABLE, SZ_TABLE, jc="left"))


# ---------------------------------------------------------------- 收入支出决算总表 (portrait)
T01 = (3033, 1900, 3033, 1900)


def build_t01(doc) -> None:
    table_heading(doc, "t01", P_W, page_break=False)
    c = T01
    t = Table((c,), width=P_W, size=SZ_TBL)
    t.row(c, [H("收入", 2), H("支出", 2)], height=ROW_HEAD, header=True)
    t.row(c, [H("项目"), H("决算数"), H("项目"), H("决算数")], height=ROW_HEAD, header=True)
    t.tag_row("{%tr for r in t01.rows if r.in_label or r.out_label %}")

    def total_row():
        t.row(c, [H("{{ r.in_label }}"), N("{{ r.in_amount }}", bold=True),
                  H("{{ r.out_label }}"), N("{{ r.out_amount }}", bold=True)])

    def plain_row():
        t.row(c, [L("{{ r.in_label }}"), N("{{ r.in_amount }}"), L("{{ r.out_label }}"),
                  N("{{ r.out_amount }}")])

    bold_switch('r.bold is defined and r.bold or r.in_label == "总计"', total_row, plain_row, t)
    t.tag_row("{%tr endfor %}")
    add_block(doc, t.xml())
    note(doc, NOTES["t01"])


# ---------------------------------------------------------------- 科目 tables

def subject_head(t: Table, c, heads: list[str]) -> None:
    t.row(c, [H("项目", 2)] + [H(h, vmerge="restart") for h in heads], height=ROW_HEAD, header=True)
    t.row(c, [H("功能分类\n科目编码"), H("科目名称")] + [H("", vmerge="continue") for _ in heads],
          height=ROW_HEAD * 2, header=True)


T02 = cols(L_W, (1300, 3300), 7)
T03 = cols(L_W, (1300, 3300), 6)


def build_t02(doc) -> None:
    table_heading(doc, "t02", L_W, page_break=False)
    t = Table((T02,), width=L_W, size=SZ_TBL)
    subject_head(t, T02, ["本年收入合计", "财政拨款收入", "上级补助收入", "事业收入", "经营收入",
                          "附属单位\n上缴收入", "其他收入"])
    t.row(T02, [H("合计", 2)] + [N(f"{{{{ t02.total[{i}] }}}}", bold=True) for i in range(7)])
    subject_rows(t, T02, "t02", 7, styled=False)  # the template prints 类/款/项 alike
    add_block(doc, t.xml())
    note(doc, NOTES["t02"])


def build_t03(doc) -> None:
    table_heading(doc, "t03", L_W)
    t = Table((T03,), width=L_W, size=SZ_TBL)
    subject_head(t, T03, ["本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出",
                          "对附属单位\n补助支出"])
    t.row(T03, [H("合计", 2)] + [N(f"{{{{ t03.total[{i}] }}}}", bold=True) for i in range(6)])
    subject_rows(t, T03, "t03", 6, styled=False)  # the template prints 类/款/项 alike
    add_block(doc, t.xml())
    note(doc, NOTES["t03"])


# ---------------------------------------------------------------- 财政拨款收入支出决算总表 (landscape)
T04 = cols(L_W, (3300, 1500, 3300), 4)


def build_t04(doc) -> None:
    table_heading(doc, "t04", L_W)
    c = T04
    t = Table((c,), width=L_W, size=SZ_TBL)
    t.row(c, [H("收入", 2), H("支出", 5)], height=ROW_HEAD, header=True)
    t.row(c, [H("项目"), H("决算数"), H("项目"), H("合计"), H("一般公共预算\n财政拨款"),
              H("政府性基金预算\n财政拨款"), H("国有资本经营预算\n财政拨款")], height=ROW_HEAD, header=True)
    outs = [f"{{{{ r.out[{i}] }}}}" for i in range(4)]
    t.tag_row("{%tr for r in t04.rows %}")

    def total_row():
        t.row(c, [H("{{ r.in_label }}"), N("{{ r.in_amount }}", bold=True), H("{{ r.out_label }}")]
              + [N(x, bold=True) for x in outs])

    def plain_row():
        t.row(c, [L("{{ r.in_label }}"), N("{{ r.in_amount }}"), L("{{ r.out_label }}")] + [N(x) for x in outs])

    bold_switch("r.bold is defined and r.bold", total_row, plain_row, t)
    t.tag_row("{%tr endfor %}")
    add_block(doc, t.xml())
    note(doc, NOTES["t04"])


# ---------------------------------------------------------------- 一般公共预算财政拨款支出决算表 (portrait)
T05 = cols(P_W, (1300, 3166), 3)


def build_t05(doc) -> None:
    table_heading(doc, "t05", P_W, page_break=False)
    t = Table((T05,), width=P_W, size=SZ_TBL)
    subject_head(t, T05, ["合计", "基本支出", "项目支出"])
    subject_rows(t, T05, "t05", 3, styled=False)  # the template prints 类/款/项 alike
    t.row(T05, [H("合计", 2)] + [N(f"{{{{ t05.total[{i}] }}}}", bold=True) for i in range(3)])
    add_block(doc, t.xml())
    note(doc, NOTES["t05"])


# ---------------------------------------------------------------- 基本支出决算表 (portrait, two groups)
T06_GROUP = (850, 2833, 1250)
ROW_T06 = 270            # 0.48 cm minimum
T06 = T06_GROUP * 2


def build_t06(doc, *, page_break: bool = True) -> None:
    table_heading(doc, "t06", P_W, page_break=page_break)
    c = T06
    t = Table((c,), width=P_W, size=SZ_TBL)
    t.row(c, [H("经济分类\n科目编码"), H("科目名称"), H("决算数")] * 2, height=ROW_HEAD * 2, header=True)
    t.tag_row("{%tr for r in t06.rows %}")
    cells = []
    for i in range(2):
        g = f"r.groups[{i}]"
        cells += [L(f"{{{{ {g}.code }}}}"), L(f"{{{{ {g}.name }}}}"), N(f"{{{{ {g}.basic }}}}")]
    t.row(c, cells, height=ROW_T06)
    t.tag_row("{%tr endfor %}")
    t.row(c, [H("人员经费合计", 2), N("{{ t06.personnel.basic }}", bold=True), H("公用经费合计", 2),
              N("{{ t06.public.basic }}", bold=True)], height=ROW_HEAD)
    add_block(doc, t.xml())
    note(doc, NOTES["t06"])


# ---------------------------------------------------------------- “三公”经费 (landscape, 12 columns)
T07 = cols(L_W, (), 12)


def build_t07(doc) -> None:
    table_heading(doc, "t07", L_W)
    c = T07
    t = Table((c,), width=L_W, size=SZ_TBL)
    t.row(c, [H("财政拨款“三公”经费", 12)], height=ROW_HEAD, header=True)
    t.row(c, [H("合计", 2, vmerge="restart"), H("因公出国（境）费", 2, vmerge="restart"),
              H("公务用车购置及运行维护费", 6), H("公务接待费", 2, vmerge="restart")], height=ROW_HEAD, header=True)
    t.row(c, [H("", 2, vmerge="continue"), H("", 2, vmerge="continue"), H("小计", 2), H("公务用车购置费", 2),
              H("公务用车运行维护费", 2), H("", 2, vmerge="continue")], height=ROW_HEAD, header=True)
    t.row(c, [H(x) for x in ("预算数", "决算数") * 6], height=ROW_HEAD, header=True)
    order = (0, 1, 2, 3, 4, 5)
    t.row(c, [N(f"{{{{ t07.{k}[{i}] }}}}") for i in order for k in ("budget", "actual")], height=ROW_HEAD * 2)
    add_block(doc, t.xml())
    note(doc, NOTES["t07"])


# ---------------------------------------------------------------- 政府性基金 / 国有资本经营 (landscape)
T08 = cols(L_W, (1300, 3300), 6)


def build_fund_table(doc, key: str, *, page_break: bool) -> None:
    table_heading(doc, key, L_W, page_break=page_break)
    c = T08
    t = Table((c,), width=L_W, size=SZ_TBL)
    t.row(c, [H("项目", 2), H("年初结转和\n结余", vmerge="restart"), H("本年收入", vmerge="restart"),
              H("本年支出", 3), H("年末结转和\n结余", vmerge="restart")], height=ROW_HEAD, header=True)
    t.row(c, [H("功能分类\n科目编码"), H("科目名称"), H("", vmerge="continue"), H("", vmerge="continue"),
              H("合计"), H("基本支出"), H("项目支出"), H("", vmerge="continue")],
          height=ROW_HEAD * 2, header=True)
    t.row(c, [H("合计", 2), N(f"{{{{ {key}.opening }}}}", bold=True), N(f"{{{{ {key}.income }}}}", bold=True)]
          + [N(f"{{{{ {key}.total[{i}] }}}}", bold=True) for i in range(3)]
          + [N(f"{{{{ {key}.closing }}}}", bold=True)])
    t.tag_row(f"{{%tr for r in {key}.rows %}}")
    t.row(c, [L("{{ r.code }}"), L("{{ r.name }}"), N(""), N("{{ r.income }}")]
          + [N(f"{{{{ r.cells[{i}] }}}}") for i in range(3)] + [N("")])
    t.tag_row("{%tr endfor %}")
    add_block(doc, t.xml())
    empty_note(doc, key)


# ---------------------------------------------------------------- the document

CONTENTS = [
    (0, "第一部分　{{ unit_name }}概况"),
    (1, "一、主要职能"),
    (1, "二、部门决算单位构成"),
    (0, "第二部分　{{ unit_name }}{{ year }}年度部门决算表"),
] + [(1, f"{NUMERALS[i]}、{title}") for i, (_, title) in enumerate(TABLES)] + [
    (0, "第三部分　{{ unit_name }}{{ year }}年度部门决算情况说明"),
    (1, "{%p for s in sections if s.kind == \"heading\" and s.level == 1 %}"),
    (1, "{{ s.text }}"),
    (1, "{%p endfor %}"),
    (0, "第四部分　名词解释"),
]


def cover(doc) -> None:
    """Title page (two lines, 宋体 bold 二号, a third of the way down, as the
    template) and, from the next page, the 目录 (the 情况说明 headings from the
    pack's outline)."""
    for _ in range(6):
        add_block(doc, body("", indent=False))
    for text in ("{{ unit_name }}", "{{ year }}年度部门决算"):
        add_block(doc, text_para(text, FONT_TITLE, SZ_COVER, bold=True, jc="center", line=800))
    add_block(doc, para("目　录", FONT_HEI, SZ_SAN, jc="center", before=240, after=240, line=REPORT_LINE,
                        page_break=True))
    for level, text in CONTENTS:
        font = FONT_HEI if level == 0 else FONT_FANGSONG
        xml = text_para(text, font, SZ_SI, jc="left", line=400)
        ind = '<w:ind w:leftChars="200" w:left="560"/>' if level else ""
        add_block(doc, xml.replace("<w:jc ", f"{ind}<w:jc ", 1))


UNITS = (1000, 5400, 3238)


def build_units(doc) -> None:
    """二、部门决算单位构成: the template's two sentences (or the unit's own
    ``composition`` text) and the 序号 | 单位名称 | 备注 table."""
    add_block(doc, body("{%p if composition %}"))
    for p in loop_paras("composition"):
        add_block(doc, p)
    add_block(doc, body("{%p else %}"))
    add_block(doc, body("从预算单位构成看，{{ unit_name }}部门决算包括：{{ unit_name }}本级决算、下属行政事业单位决算。"))
    add_block(doc, body("纳入{{ unit_name }}{{ year }}年度部门决算编制范围的单位包括："))
    add_block(doc, body("{%p endif %}"))
    add_block(doc, body("{%p if units %}"))
    t = Table((UNITS,), width=sum(UNITS), size=SZ_TABLE + 3)
    t.row(UNITS, [Cell("序号"), Cell("单位名称"), Cell("备注")], height=480, header=True)
    t.tag_row("{%tr for u in units %}")
    t.row(UNITS, [Cell("{{ u.number }}"), L("{{ u.name }}"), L("{{ u.note }}")], height=480)
    t.tag_row("{%tr endfor %}")
    add_block(doc, t.xml())
    add_block(doc, body("{%p endif %}"))


def build_disclosure() -> bytes:
    doc = Document()
    setup_document(doc, title="部门决算", builder=BUILDER)
    add_cjk_fonts(doc)
    add_footer(doc)
    pages = Pages(doc, REPORT_PAGE)

    cover(doc)
    add_block(doc, part_heading("第一部分　{{ unit_name }}概况"))
    add_block(doc, text_para("一、主要职能", FONT_HEI, SZ_SAN, indent=True, line=REPORT_LINE, keep_next=True))
    for p in loop_paras("functions"):
        add_block(doc, p)
    add_block(doc, text_para("二、部门决算单位构成", FONT_HEI, SZ_SAN, indent=True, line=REPORT_LINE,
                             keep_next=True))
    build_units(doc)

    # 第二部分: the nine tables
    pages.switch(TABLE_P)
    add_block(doc, para("{{ unit_name }}{{ year }}年度部门决算表", FONT_TITLE, SZ_PART_TITLE, bold=True,
                        jc="center", after=240, keep_next=True))
    build_t01(doc)
    pages.switch(TABLE_L)
    build_t02(doc)
    build_t03(doc)
    build_t04(doc)
    pages.switch(TABLE_P)
    build_t05(doc)
    pages.switch(TABLE_P6)
    build_t06(doc, page_break=False)
    pages.switch(TABLE_L)
    build_t07(doc)
    build_fund_table(doc, "t08", page_break=True)
    build_fund_table(doc, "t09", page_break=True)

    # 第三部分 情况说明
    pages.switch(REPORT_PAGE)
    add_block(doc, part_heading("第三部分　{{ unit_name }}{{ year }}年度部门决算情况说明", page_break=False))
    add_block(doc, body("{%p for s in sections %}"))
    add_block(doc, body('{%p if s.kind == "heading" and s.level == 1 %}'))
    add_block(doc, text_para("{{ s.text }}", FONT_HEI, SZ_SAN, indent=True, line=REPORT_LINE, keep_next=True))
    add_block(doc, body('{%p elif s.kind == "heading" %}'))
    add_block(doc, text_para("{{ s.text }}", FONT_KAI, SZ_SAN, indent=True, line=REPORT_LINE, keep_next=True))
    add_block(doc, body("{%p else %}"))
    add_block(doc, body("{{ s.text }}"))
    add_block(doc, body("{%p endif %}"))
    add_block(doc, body("{%p endfor %}"))

    # 第四部分 名词解释
    add_block(doc, part_heading("第四部分　名词解释"))
    for p in loop_paras("glossary", "g"):
        add_block(doc, p)
    pages.finish()
    return save(doc)


BUILDERS = {DISCLOSURE_OUT: build_disclosure}


def main() -> None:
    build_all(__doc__.splitlines()[0], BUILDERS, REPO / "templates" / OUT_DIR)


if __name__ == "__main__":
    main()
