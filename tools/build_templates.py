#!/usr/bin/env python3
"""Build the Word template of the 晋中市部门整体支出绩效自评表.

Writes ``templates/jinzhong/部门整体支出绩效自评表.docx``: an A4 portrait page
laid out like the official Jinzhong form, with docxtpl/Jinja tags where the
figures go.  Run from anywhere::

    python tools/build_templates.py            # writes the template in the repo
    python tools/build_templates.py -o x.docx  # somewhere else

The template is rendered by ``reportgen.output.render.render_docx``.  Context it needs:

    year                      str   填报年度, e.g. "2021"
    unit.name / .head / .phone        单位名称 / 单位负责人 / 单位联系电话
    unit.filled_on            填报日期 ("2022年2月15日", "" when not given)
    unit.title_prefix         表头地区名 ("" → 晋中市)
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
        (the 绩效情况 label column merges down the loop rows, see score_table())
    total_ref_weight, total_weight, total, grade     综合得分 / 评价结果等次
    evaluators  list of dicts: name, title, office, phone

Design notes: see ``tools/docxbuild.py`` (the shared builders): one
continuous ruled table on a union column grid, fixed layout, explicit
eastAsia fonts, every Jinja tag in one run, reproducible bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from docx import Document

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docxbuild import (  # noqa: E402  (tools/docxbuild.py: shared template builders)
    FONT_FANGSONG, FONT_TABLE, FONT_TITLE, REPO, ROW_H, ROW_H_NARRATIVE, ROW_H_SCORE,
    SZ_NOTE, SZ_TITLE, SZ_UNIT, SZ_YEAR, TEXT_W, C, FormTable, add_font_table, add_table_break,
    add_block, add_footer, add_para, evaluator_rows, loop_label, para_xml, save, setup_document, signature_xml)

DEFAULT_OUT = REPO / "templates" / "jinzhong" / "部门整体支出绩效自评表.docx"

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


# ================================================================ sections

def add_title(doc) -> None:
    """Title — with the unit's own region where it prints one (seed 003:
    示范区晋中开发区部门整体支出绩效自评表), 晋中市 otherwise —, （{{ year }}年度）
    and 填报单位（公章）, with 填报日期 at the right margin when the unit gave it."""
    add_para(doc, '{{ unit.title_prefix or "晋中市" }}部门整体支出绩效自评表', FONT_TITLE, SZ_TITLE,
             bold=True, after=120)
    add_para(doc, "（{{ year }}年度）", FONT_FANGSONG, SZ_YEAR, after=120)
    add_para(doc, "填报单位（公章）：{{ unit.name }}", FONT_FANGSONG, SZ_UNIT, jc="left", after=60)
    # its own line, at the right: a long unit name leaves no room beside it
    add_para(doc, "{%p if unit.filled_on %}", FONT_FANGSONG, SZ_UNIT, jc="left")
    add_para(doc, "填报日期：{{ unit.filled_on }}", FONT_FANGSONG, SZ_UNIT, jc="right", after=60)
    add_para(doc, "{%p endif %}", FONT_FANGSONG, SZ_UNIT, jc="left")


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
    """The 绩效情况 scoring table: its own table, whose two header rows
    repeat at the top of every page it crosses (tblHeader).

    Merges:
    * 绩效情况 (first column): the label is the first loop row's cell
      (``loop.first``: "restart"), continued by every later row; the header
      rows' first cell is a blank merge of its own, with no rule between the
      two, so the column reads as one merged label.  A label merged down
      from the repeated header rows is drawn by LibreOffice in every
      repeated copy, over the rows below it — over the closing block when
      only the last indicator shares its page — and leaves a stub of the
      merged columns on the page before.
    * 二级指标, 三级指标, 计算分析情况, 评价得分: static restart/continue over
      the two header rows; 指标分值 spans 参考分值 + 设定分值.
    * 二级指标 of indicator rows: ``{% vmerge r.level2_merge %}`` (reportgen's
      custom tag), so each 二级 name merges over its block of indicators.
    """
    s = SCORE_COLS
    t.row(s, [C(vmerge="restart"), C("二级指标", bold=True, vmerge="restart"),
              C("三级指标", bold=True, vmerge="restart"), C("指标分值", span=2, bold=True),
              C("计算分析情况", bold=True, vmerge="restart"),
              C("评价\n得分", bold=True, vmerge="restart")], height=ROW_H_SCORE, header=True)
    t.row(s, [C(vmerge="continue", nil=("bottom",)), C(vmerge="continue"), C(vmerge="continue"),
              C("参考分值", bold=True), C("设定分值", bold=True),
              C(vmerge="continue"), C(vmerge="continue")], height=ROW_H_SCORE, header=True)

    t.tag_row("{%tr for r in rows %}")
    t.tag_row('{%tr if r.kind == "level1" %}')
    # 一级 subtotal line (投入/过程/产出/效果): name across 二级 + 三级, bold.
    t.row(s, [loop_label("绩效情况"), C("{{ r.level2 }}", span=2, bold=True),
              C("{{ r.ref_weight }}", bold=True), C("{{ r.weight }}", bold=True),
              C("{{ r.analysis }}", bold=True), C("{{ r.score }}", bold=True)],
          height=ROW_H_SCORE)
    t.tag_row("{%tr else %}")
    # indicator line
    t.row(s, [loop_label("绩效情况"), C("{% vmerge r.level2_merge %}{{ r.level2 }}"),
              C("{{ r.name }}"), C("{{ r.ref_weight }}"), C("{{ r.weight }}"),
              C("{{ r.analysis }}", jc="left"), C("{{ r.score }}")],
          height=ROW_H_SCORE)
    t.tag_row("{%tr endif %}")
    t.tag_row("{%tr endfor %}")



def closing_block(t: FormTable) -> None:
    """综合得分, 评价结果等次, the evaluators, 单位负责人（签章）/年 月 日 and
    the 备注, in one row that never breaks across pages: the grade stays
    with the total and the signature line never stands alone on a page."""
    s = SCORE_COLS
    inner = FormTable(SECTIONS, nested=True)      # the form's grid: read back as one table
    inner.row(s, [C("综合得分", span=3, bold=True),
                  C("{{ total_ref_weight }}", bold=True), C("{{ total_weight }}", bold=True),
                  C(), C("{{ total }}", bold=True)])
    inner.row(s, [C("评价结果等次", span=3, bold=True), C("{{ grade }}", span=4, bold=True)])
    evaluator_rows(inner, EVAL_COLS)
    t.block_row(inner, [signature_xml(), para_xml(NOTE, FONT_TABLE, SZ_NOTE, jc="both", before=60)])


# ================================================================ build

def build() -> bytes:
    doc = Document()
    setup_document(doc, title=TITLE, builder="tools/build_templates.py")
    add_font_table(doc)
    add_title(doc)
    head = FormTable(SECTIONS, bottom=False)
    header_grid(head)
    narrative_rows(head)
    add_block(doc, head.xml())
    add_table_break(doc)
    # the closing block is the scoring table's last row, so the last
    # indicator row is kept with it (render.keep_total_rows: 综合得分 never
    # alone under the repeated header; LibreOffice keeps no row with a
    # following table)
    scores = FormTable(SECTIONS)
    score_table(scores)
    closing_block(scores)
    add_block(doc, scores.xml())
    add_footer(doc)
    return save(doc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT, help="output .docx")
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(build())
    print(args.out)


if __name__ == "__main__":
    main()
