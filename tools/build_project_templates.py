#!/usr/bin/env python3
"""Build the Word templates of the two 项目支出绩效自评表 forms.

Writes

* ``templates/jinzhong/财政支出项目绩效自评表.docx`` — 晋中市财政支出项目绩效自评表
  (layout of seed 004's two project tables), and
* ``templates/xinzhou/项目支出绩效自评表.docx`` — the national 财预〔2020〕10号
  项目支出绩效自评表 in the Shanxi (忻州) layout of seed 002.

Run from anywhere::

    python tools/build_project_templates.py              # both, into the repo
    python tools/build_project_templates.py -o /tmp/x    # both, into /tmp/x/<pack>/

Both are rendered by ``reportgen.output.render.render_docx``; the shared builders and
the design rules (one ruled table on a union grid, fixed layout, explicit
eastAsia fonts, every Jinja tag in one run, reproducible bytes) are in
``tools/docxbuild.py``.  ``{% vmerge EXPR %}`` at the start of a loop-row cell
is reportgen's per-row vertical merge: EXPR gives "restart", "continue" or ""
(a block of one row).

Context of 晋中 财政支出项目绩效自评表 (every value is display text)::

    year                          填报年度, "2020"
    unit.name                     填报单位
    unit.title_prefix             表头地区名 ("" → 晋中市, as the 部门整体 form)
    project.name / .department / .implementer / .attribute / .period
                                  项目名称 / 主管部门及代码 / 实施单位 / 项目属性 / 项目期
    funds.city_budget / .other_budget          预算资金: 市级预算资金 / 其他
    funds.allotted                              预算下达资金
    funds.city_spent / .carried_over_spent / .upper_spent / .other_spent
                                  实际支出资金: 市级预算资金 / 上年结转资金 / 上级财政资金 / 其他
    texts.overview / .funds_usage / .implementation / .performance / .other
                                  项目概况 / 项目资金使用情况 / 项目组织实施情况 /
                                  项目绩效情况 / 其他需说明的问题
    indicators    list, one per 三级 indicator of 绩效目标实现情况:
        level1, level1_merge      一级 name on the first row of its block ("" after),
                                  merge "restart"/"continue"/""
        level2, level2_merge      the same for 二级
        name, target, actual, progress    三级指标 / 目标值 / 实际完成指标值 / 完成进度
    score_rows    list, one per line of 评分表:
        kind          "level1" (投入/过程/产出/效果 line) or "indicator"
        name          一级 name (level1 rows, printed "name:") or 三级 name
        level2, level2_merge      二级 name / merge (indicator rows)
        weight, score             指标分值 / 评价得分
    total_weight, total, grade    综合得分 分值 / 得分, 评价结果等次
    evaluators    list of dicts: name, title, office, phone
    contact.head / .handler / .phone / .filled_on      负责人 / 经办人 / 联系电话 / 填报日期

Context of 忻州 项目支出绩效自评表::

    year, project.name / .department / .implementer
    funds         list of 6 dicts (年度资金总额, 其中：中央财政资金, 省级财政资金,
                  市县(区)财政资金, 上年结转资金, 其他资金):
                  label, budget, adjusted_budget, spent, weight, rate, score
    goals.expected / .actual      年度总体目标: 预期目标 / 实际完成情况
    indicators    list: level1, level1_merge, level2, level2_merge, name, target,
                  adjusted_target, actual, weight, score, deviation
    total_weight, total           总分 (分值 / 得分)
    texts.implementation / .output_analysis / .benefit_analysis /
         .satisfaction_analysis / .experience / .problems / .improvements
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docxbuild import (  # noqa: E402  (tools/docxbuild.py: shared template builders)
    FONT_FANGSONG, FONT_TITLE, REPO, ROW_H, ROW_H_NARRATIVE, ROW_H_SCORE, SZ_NOTE,
    SZ_TITLE, SZ_UNIT, SZ_YEAR, C, FormTable, add_block, add_font_table, add_footer,
    add_para, add_table_break, evaluator_rows, loop_label, para_xml, save, setup_document, signature_xml,
    build_all)

BUILDER = "tools/build_project_templates.py"
JINZHONG_OUT = Path("jinzhong") / "财政支出项目绩效自评表.docx"
XINZHOU_OUT = Path("xinzhou") / "项目支出绩效自评表.docx"


# ================================================================ 晋中市财政支出项目绩效自评表

JZ_TITLE = "晋中市财政支出项目绩效自评表"

# Column widths (twips) of each section; each tuple sums to TEXT_W.
# label | value | label | value  (主管部门及代码 = 7 characters a line)
JZ_HEADER = (2000, 2819, 2000, 2819)
# 项目资金情况（万元） | 预算资金 / 实际支出资金 | 市级预算资金 … | amount
JZ_FUNDS = (2000, 1450, 1500, 4688)
# label | long text
JZ_TEXT = (2000, 7638)
# 绩效目标实现情况 (1 char, stacked) | 一级 | 二级 | 三级 | 目标值 | 实际完成指标值 | 完成进度
#   一级 holds 5 characters a line (满意度指标), 二级 6 (经济效益指标, 服务对象满意/度指标);
#   三级, 目标值 and 实际完成指标值 share the rest: all three carry long texts in the
#   seed ("引进行业领军企业、500强…", "引进了一批高新技术产业和战略性新兴产业…");
#   完成进度 holds "180.00%" (seed 004) on one line.
JZ_IND = (500, 1220, 1430, 1650, 1900, 1700, 1238)
# 评分表 (1 char) | 二级指标 | 三级指标 | 指标分值 | 评价得分
#   三级 holds 社会公众或服务对象满意度 (12 characters) on one line.
JZ_SCORE = (500, 1600, 3938, 1800, 1800)
# 评价人员 (stacked) | 姓名 | 职称/职务 | 科室 | 联系电话  (as in 部门整体)
JZ_EVAL = (500, 1900, 2510, 2400, 2328)
JZ_SECTIONS = (JZ_HEADER, JZ_FUNDS, JZ_TEXT, JZ_IND, JZ_SCORE, JZ_EVAL)


def jz_header(t: FormTable) -> None:
    t.row(JZ_HEADER, [C("项目名称"), C("{{ project.name }}", span=3)])
    t.row(JZ_HEADER, [C("主管部门及代码"), C("{{ project.department }}"),
                      C("实施单位"), C("{{ project.implementer }}")])
    t.row(JZ_HEADER, [C("项目属性"), C("{{ project.attribute }}"),
                      C("项目期"), C("{{ project.period }}")])


def jz_funds(t: FormTable) -> None:
    """项目资金情况（万元）: 预算资金 (2 rows), 预算下达资金, 实际支出资金 (4 rows)."""
    f = JZ_FUNDS
    t.row(f, [C("项目资金情况\n（万元）", vmerge="restart"), C("预算资金", vmerge="restart"),
              C("市级预算资金"), C("{{ funds.city_budget }}")])
    t.row(f, [C(vmerge="continue"), C(vmerge="continue"), C("其他"),
              C("{{ funds.other_budget }}")])
    t.row(f, [C(vmerge="continue"), C("预算下达资金", span=2), C("{{ funds.allotted }}")])
    spent = [("市级预算资金", "{{ funds.city_spent }}"),
             ("上年结转资金", "{{ funds.carried_over_spent }}"),
             ("上级财政资金", "{{ funds.upper_spent }}"),
             ("其他", "{{ funds.other_spent }}")]
    for n, (label, var) in enumerate(spent):
        t.row(f, [C(vmerge="continue"),
                  C("实际支出资金", vmerge="restart") if n == 0 else C(vmerge="continue"),
                  C(label), C(var)])


def jz_texts(t: FormTable, items) -> None:
    """Label | long text; the rows grow with the text and may split across pages.
    其他需说明的问题 is often just 无, so it only has the ordinary height."""
    for label, var in items:
        t.row(JZ_TEXT, [C(label), C(var, jc="both", indent=True)],
              height=ROW_H if label == "其他需说明的问题" else ROW_H_NARRATIVE, cant_split=False)


def jz_indicators(t: FormTable) -> None:
    """绩效目标实现情况: static merge of the label column over the header and
    every loop row; per-row merges of 一级 and 二级 via ``{% vmerge %}``."""
    s = JZ_IND
    t.row(s, [C("绩效目标实现情况", bold=True, vmerge="restart"), C("一级指标", bold=True),
              C("绩效指标\n（二级）", bold=True), C("绩效指标\n（三级）", bold=True),
              C("目标值", bold=True), C("实际完成\n指标值", bold=True),
              C("完成进度", bold=True)], height=ROW_H_SCORE, header=True)
    t.tag_row("{%tr for i in indicators %}")
    t.row(s, [C(vmerge="continue"), C("{% vmerge i.level1_merge %}{{ i.level1 }}"),
              C("{% vmerge i.level2_merge %}{{ i.level2 }}"), C("{{ i.name }}", jc="left"),
              C("{{ i.target }}", jc="left"), C("{{ i.actual }}"), C("{{ i.progress }}")],
          height=ROW_H_SCORE)
    t.tag_row("{%tr endfor %}")


def jz_score(t: FormTable) -> None:
    """评分表, a table of its own whose header row repeats on every page it
    crosses: the label 评分表 merged down the rows (:func:`loop_label`; the
    header's first cell blank, with no rule under it); 一级 lines bold across
    二级+三级; 二级 merged per block via ``{% vmerge r.level2_merge %}``."""
    s = JZ_SCORE
    t.row(s, [C(nil=("bottom",)), C("二级指标", bold=True),
              C("三级指标", bold=True), C("指标分值", bold=True), C("评价得分", bold=True)],
          height=ROW_H_SCORE, header=True)
    t.tag_row("{%tr for r in score_rows %}")
    t.tag_row('{%tr if r.kind == "level1" %}')
    t.row(s, [loop_label("评分表"), C("{{ r.name }}:", span=2, bold=True, jc="left"),
              C("{{ r.weight }}", bold=True), C("{{ r.score }}", bold=True)],
          height=ROW_H_SCORE)
    t.tag_row("{%tr else %}")
    t.row(s, [loop_label("评分表"), C("{% vmerge r.level2_merge %}{{ r.level2 }}"),
              C("{{ r.name }}"), C("{{ r.weight }}"), C("{{ r.score }}")],
          height=ROW_H_SCORE)
    t.tag_row("{%tr endif %}")
    t.tag_row("{%tr endfor %}")


def jz_closing(t: FormTable) -> None:
    """综合得分, 评价结果等次, the evaluators, 负责人/经办人/联系电话/填报日期
    and 单位负责人（签章） in one row that never breaks across pages: the
    grade stays with the total, the signature never stands alone on a page."""
    s = JZ_SCORE
    inner = FormTable(JZ_SECTIONS, nested=True)   # the form's grid: read back as one table
    inner.row(s, [C("综合得分:", span=3, bold=True, jc="left"),
                  C("{{ total_weight }}", bold=True), C("{{ total }}", bold=True)])
    inner.row(s, [C("评价结果等次:", span=3, bold=True, jc="left"),
                  C("{{ grade }}", span=2, bold=True)])
    evaluator_rows(inner, JZ_EVAL)
    contact = para_xml("负责人：{{ contact.head }}　经办人：{{ contact.handler }}　"
                       "联系电话：{{ contact.phone }}　填报日期：{{ contact.filled_on }}",
                       FONT_FANGSONG, SZ_UNIT, jc="left", before=120)
    t.block_row(inner, [contact, signature_xml(before=120, after=0)])


def build_jinzhong() -> bytes:
    doc = Document()
    setup_document(doc, title=JZ_TITLE, builder=BUILDER)
    add_font_table(doc)
    add_para(doc, '{{ unit.title_prefix or "晋中市" }}财政支出项目绩效自评表', FONT_TITLE, SZ_TITLE,
             bold=True, after=120)
    add_para(doc, "（{{ year }}年度）", FONT_FANGSONG, SZ_YEAR, after=120)
    add_para(doc, "填报单位（公章）：{{ unit.name }}", FONT_FANGSONG, SZ_UNIT, jc="left", after=60)

    # Four tables read as one ruled form (add_table_break between them): the
    # indicator and scoring tables repeat their header rows on every page.
    parts = [lambda t: (jz_header(t), jz_funds(t),
                        jz_texts(t, [("项目概况", "{{ texts.overview }}"),
                                     ("项目资金使用情况", "{{ texts.funds_usage }}"),
                                     ("项目组织实施情况", "{{ texts.implementation }}")])),
             jz_indicators,
             lambda t: jz_texts(t, [("项目绩效情况", "{{ texts.performance }}"),
                                    ("其他需说明的问题", "{{ texts.other }}")]),
             jz_score]
    for i, build_part in enumerate(parts):
        last = i == len(parts) - 1
        t = FormTable(JZ_SECTIONS, bottom=last)
        build_part(t)
        if last:
            # the closing block is the 评分表's last row, so the last scoring
            # row is kept with it (render.keep_total_rows: 综合得分 never alone
            # under the repeated header; LibreOffice keeps no row with a
            # following table)
            jz_closing(t)
        add_block(doc, t.xml())
        if not last:
            add_table_break(doc)
    add_footer(doc)
    return save(doc)


# ================================================================ 忻州 项目支出绩效自评表

XZ_TITLE = "项目支出绩效自评表"
XZ_SZ = SZ_NOTE            # 9 pt (小五) in the table: 10 columns across 17 cm
XZ_ROW_H = ROW_H_SCORE     # 0.7 cm minimum row height

# 项目名称 … | value | 实施单位 | value
XZ_HEADER = (1300, 3519, 1300, 3519)
# 项目资金（万元） | row label | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分
#   (5 characters a line in the 数 columns: 年初预算数 on one line)
XZ_FUNDS = (1300, 2000, 1100, 1100, 1100, 1012, 1013, 1013)
# 年度总体目标 | 预期目标 | 实际完成情况
XZ_GOALS = (1300, 4169, 4169)
# 绩效指标 (1 char) | 一级 | 二级 | 三级 | 年度指标值 | 调整后指标值 | 实际完成值 | 分值 | 得分 |
# 偏差原因分析及改进措施   (9 pt: 5 characters a line in 一级/二级 (满意度指标), 6 in 三级;
# 分值/得分 fit "100.00" on one line: issue 13 point 5, it wrapped to "100.0 / 0")
XZ_IND = (400, 1080, 1080, 1400, 860, 860, 860, 760, 760, 1578)
# 项目绩效分析 (1 char) | 自评结果分析 | sub-label (8 characters a line: 满意度情况及分析) | text
XZ_ANALYSIS = (400, 1080, 1640, 6518)
XZ_SECTIONS = (XZ_HEADER, XZ_FUNDS, XZ_GOALS, XZ_IND, XZ_ANALYSIS)


def xz_header(t: FormTable) -> None:
    t.row(XZ_HEADER, [C("项目名称"), C("{{ project.name }}", span=3)], height=XZ_ROW_H)
    t.row(XZ_HEADER, [C("主管部门"), C("{{ project.department }}"),
                      C("实施单位"), C("{{ project.implementer }}")], height=XZ_ROW_H)


def xz_funds(t: FormTable) -> None:
    f = XZ_FUNDS
    t.row(f, [C("项目资金\n（万元）", vmerge="restart"), C(), C("年初预算数"), C("全年预算数"),
              C("全年执行数"), C("分值"), C("执行率"), C("得分")], height=XZ_ROW_H, keep_next=True)
    t.tag_row("{%tr for f in funds %}")
    t.row(f, [C(vmerge="continue"), C("{{ f.label }}"), C("{{ f.budget }}"),
              C("{{ f.adjusted_budget }}"), C("{{ f.spent }}"), C("{{ f.weight }}"),
              C("{{ f.rate }}"), C("{{ f.score }}")], height=XZ_ROW_H)
    t.tag_row("{%tr endfor %}")


def xz_goals(t: FormTable) -> None:
    g = XZ_GOALS
    t.row(g, [C("年度总体目标", vmerge="restart"), C("预期目标"), C("实际完成情况")],
          height=XZ_ROW_H, keep_next=True)
    t.row(g, [C(vmerge="continue"), C("{{ goals.expected }}", jc="both"),
              C("{{ goals.actual }}", jc="both")], height=ROW_H_NARRATIVE, cant_split=False)


def xz_indicators(t: FormTable) -> None:
    s = XZ_IND
    t.row(s, [C("绩效指标", vmerge="restart"), C("一级指标"), C("二级指标"), C("三级指标"),
              C("年度\n指标值"), C("调整后\n指标值"), C("实际\n完成值"), C("分值"), C("得分"),
              C("偏差原因分析\n及改进措施")], height=XZ_ROW_H, keep_next=True)
    t.tag_row("{%tr for i in indicators %}")
    t.row(s, [C(vmerge="continue"), C("{% vmerge i.level1_merge %}{{ i.level1 }}"),
              C("{% vmerge i.level2_merge %}{{ i.level2 }}"), C("{{ i.name }}"),
              C("{{ i.target }}"), C("{{ i.adjusted_target }}"), C("{{ i.actual }}"),
              C("{{ i.weight }}"), C("{{ i.score }}"), C("{{ i.deviation }}", jc="left")],
          height=XZ_ROW_H)
    t.tag_row("{%tr endfor %}")
    t.row(s, [C("总分", span=7), C("{{ total_weight }}"), C("{{ total }}"), C()],
          height=XZ_ROW_H)


def xz_analysis(t: FormTable) -> None:
    """项目绩效分析: outer label over all 7 rows, 自评结果分析 over the first 4;
    no row breaks across pages (a torn row split the stacked label
    "项目绩/效分析" and its sentence between two pages)."""
    a = XZ_ANALYSIS
    results = [("项目实施和预算执行情况及分析", "{{ texts.implementation }}"),
               ("产出情况及分析", "{{ texts.output_analysis }}"),
               ("效益情况及分析", "{{ texts.benefit_analysis }}"),
               ("满意度情况及分析", "{{ texts.satisfaction_analysis }}")]
    for n, (label, var) in enumerate(results):
        t.row(a, [C("项目绩效分析", vmerge="restart") if n == 0 else C(vmerge="continue"),
                  C("自评结果\n分析", vmerge="restart") if n == 0 else C(vmerge="continue"),
                  C(label), C(var, jc="both", indent=True)],
              height=ROW_H)
    for label, var in [("主要经验做法", "{{ texts.experience }}"),
                       ("项目管理中存在的主要问题\n及原因分析", "{{ texts.problems }}"),
                       ("下一步改进措施及管理建议", "{{ texts.improvements }}")]:
        t.row(a, [C(vmerge="continue"), C(label, span=2), C(var, jc="both", indent=True)],
              height=ROW_H)


def build_xinzhou() -> bytes:
    doc = Document()
    setup_document(doc, title=XZ_TITLE, builder=BUILDER)
    add_font_table(doc)
    add_para(doc, "{{ project.name }} 项目绩效自评表", FONT_TITLE, SZ_TITLE, bold=True, after=120)
    add_para(doc, "（{{ year }}年度）", FONT_FANGSONG, SZ_YEAR, after=120)

    t = FormTable(XZ_SECTIONS, size=XZ_SZ)
    xz_header(t)
    xz_funds(t)
    xz_goals(t)
    xz_indicators(t)
    xz_analysis(t)
    add_block(doc, t.xml())
    add_footer(doc)
    return save(doc)


# ================================================================ main

def main() -> None:
    build_all(__doc__.splitlines()[0], {JINZHONG_OUT: build_jinzhong, XINZHOU_OUT: build_xinzhou},
              REPO / "templates")


if __name__ == "__main__":
    main()
