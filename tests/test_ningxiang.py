"""The 宁乡 pack: seed 001's report, 附件2-1 and 附件2-2, read back from the
rendered documents as a reviewer would (rubrics.md §5)."""

from decimal import Decimal as D

import pytest
from click.testing import CliRunner

from reportgen.cli import main
from conftest import EXAMPLES
from reportgen.compute.derive import Measure
from reportgen.output.docxtext import read_document, tables
from reportgen.pack.packs import load_pack
from reportgen.pipeline import prepare, render_forms
from reportgen.compute.primitives import make_rule
from reportgen.unitfile.schema import Awarded, Cases

EXAMPLE = EXAMPLES / "ningxiang-gongxin-2022.yaml"


@pytest.fixture(scope="module")
def pack():
    return load_pack("ningxiang")


@pytest.fixture(scope="module")
def rendered(pack):
    p = prepare(EXAMPLE, pack)
    assert not p.errors, [d.format() for d in p.errors]
    return p, dict(render_forms(p))


def doc(docs: dict, ending: str) -> bytes:
    return next(data for name, data in docs.items() if name.endswith(ending))


def scoring_rows(docs) -> list[list[str]]:
    """附件2-2 rows below the header: 一级|分值|二级|分值|三级|分值|评价标准|指标说明|得分."""
    rows = [r for t in tables(doc(docs, "共性指标表.docx")) for r in t]
    return rows[1:]


def paragraphs(data: bytes) -> list[str]:
    return [text for kind, text in read_document(data) if kind == "p" and text.strip()]


def row_named(rows, name):
    return next(r for r in rows if len(r) > 4 and r[4] == name)


def test_the_four_corrected_values(rendered):
    """在职人员控制率 41/44 = 93.18% (not 107.32%); “三公经费”控制率 89.89% → 5
    (seed 4); 公用经费控制率 110.20% → 0 (seed 5); 政府采购执行率 3.42% → 0 (seed 5)."""
    prepared, docs = rendered
    rows = scoring_rows(docs)
    assert row_named(rows, "在职人员控制率")[-1] == "3.00"
    assert row_named(rows, "“三公经费”控制率")[-1] == "5.00"
    assert row_named(rows, "公用经费控制率")[-1] == "0.00"
    assert row_named(rows, "政府采购执行率")[-1] == "0.00"
    basic = [r for t in tables(doc(docs, "基础数据表.docx")) for r in t]
    staff = next(r for r in basic if "44" in r and "41" in r)
    assert "93.18%" in staff and "107.32%" not in " ".join(staff)
    assert any("24.01%" in r for r in basic)        # 预算调整, printed 124.00% in the seed (#35)
    report = "\n".join(paragraphs(doc(docs, "自评报告.docx")))
    for text in ("在职人员控制率93.18%", "控制率89.89%", "110.20%", "3.42%"):
        assert text in report


def test_appendix_adds_up(rendered):
    """Every 一级 total equals its rows and 合计 the 一级 totals, as printed;
    the 二级 履职效益 carries 18 (seed: 6, #44)."""
    prepared, docs = rendered
    rows = scoring_rows(docs)
    body = [r for r in rows if r[0] != "合计"]
    total_row = next(r for r in rows if r[0] == "合计")
    sections: dict[str, list[D]] = {}
    current = None
    for r in body:
        current = r[0] or current
        sections.setdefault(current, []).append(D(r[-1]))
    card = prepared.forms[0].card
    for s in card.sections:
        assert sum(sections[s.name]) == s.score
    assert D(total_row[-1]) == sum(sum(v) for v in sections.values()) == D("70.50")
    assert total_row[1] == "100"
    assert [r[1] for r in body if r[1]] == ["18", "56", "26"]
    assert "18" in row_named(rows, "经济效益、社会效益")
    assert card.grade == "中"


def test_every_score_is_one_the_printed_rule_can_give(rendered, pack):
    """No score outside the rule's finite set (rubrics.md §5.3 #40–#43)."""
    prepared, _ = rendered
    rubric = pack.form("scoring").rubric
    card = prepared.forms[0].card
    for i in card.indicators:
        rule = rubric.find(i.key).rule
        assert rule.attainable(i.ref_weight, i.score), (i.name, i.score)


@pytest.mark.parametrize("key, seed_score", [
    ("budget_execution_rate", "5"),     # #40
    ("carryover_rate", "4"),            # #41
    ("output", "7"), ("administrative_efficiency", "5"), ("satisfaction", "5"),   # #42
    ("funds_use_compliance", "7.5"),    # #43
])
def test_seed_001_judged_scores_are_unattainable(pack, key, seed_score):
    ind = pack.form("scoring").rubric.find(key)
    assert not ind.rule.attainable(ind.weight, D(seed_score))


def test_an_unattainable_override_is_refused(example_text, write_unit, pack):
    text = example_text(EXAMPLE.name).replace("    score: 4.5\n", "    score: 5\n")
    p = prepare(write_unit(text), pack)
    assert any("overrides.budget_execution_rate.score" in d.path and "不是" in d.message for d in p.errors)


def test_budget_execution_in_two_parts(example_text, write_unit, pack):
    """With 支付进度 given, 预算执行率 = ① 预算完成率 bands + ② 支付进度率 bands."""
    text = example_text(EXAMPLE.name)
    start = text.index("  budget_execution_rate:\n")
    end = text.index("  funds_use_compliance:\n")
    text = text[:start] + text[end:] + (
        "\npayment_progress:\n  - {date: 2022-12-31, rate: 92%, planned: 100%}\n")
    p = prepare(write_unit(text), pack)
    assert not p.errors, [d.format() for d in p.errors]
    i = next(i for i in p.forms[0].card.indicators if i.key == "budget_execution_rate")
    assert i.score == D("4.50")                   # 100% → 3; 92% → 1.5
    assert "支付进度率92.00%" in i.reason and "1.5" in i.reason
    assert "既定支付进度100.00%" in i.analysis


def test_missing_planned_progress_is_an_error(example_text, write_unit, pack):
    text = example_text(EXAMPLE.name)
    start = text.index("  budget_execution_rate:\n")
    end = text.index("  funds_use_compliance:\n")
    text = text[:start] + text[end:] + "\npayment_progress:\n  - {date: 2022-12-31, rate: 92%}\n"
    p = prepare(write_unit(text), pack)
    assert any(d.path == "payment_progress" and "既定支付进度" in d.message for d in p.errors)


def test_checklist_answers_by_case_and_graded_points():
    security = make_rule({"primitive": "checklist", "items": [
        {"key": "a", "text": "配置合理", "points": 1, "per_case": "0.5"},
        {"key": "b", "text": "不超标准", "points": 1}]})
    score = security.score(D(2), Measure("checklist", data={"a": Cases(1), "b": True}))
    assert score.value == D("1.5") and "（1例）" in score.reason
    assert security.score(D(2), Measure("checklist", data={"a": Cases(5), "b": True})).value == D(1)
    wrong = security.score(D(2), Measure("checklist", data={"a": True, "b": Cases(1)}))
    assert wrong.problems                            # 不超标准 is 是/否 only
    graded = make_rule({"primitive": "checklist", "items": [
        {"key": "q", "text": "细化量化", "points": 1, "partial": ["0.5"]},
        {"key": "m", "text": "资金匹配", "points": 2}]})
    assert graded.score(D(3), Measure("checklist", data={"q": Awarded(D("0.5")), "m": True})).value == D("2.5")
    assert graded.score(D(3), Measure("checklist", data={"q": Awarded(D("0.7")), "m": True})).problems
    per_case = make_rule({"primitive": "checklist", "deduction": 1, "items": [
        {"key": "r", "text": "财经法规", "points": 2}, {"key": "s", "text": "审批", "points": 1}]})
    assert per_case.score(D(3), Measure("checklist", data={"r": Cases(2), "s": True})).value == D(1)
    assert not per_case.attainable(D(3), D("2.5")) and per_case.attainable(D(3), D(2))


def test_checklist_answer_text_is_parsed(example_text, write_unit, pack):
    text = example_text(EXAMPLE.name).replace(
        "  asset_management_security:\n    score: 4\n    reason: 原表未说明扣分事项，按原表得分\n"
        "    analysis: 资产管理发现2例不符合要求的情况\n", "").replace(
        "checklists:\n", "checklists:\n  asset_management_security:\n    points: {allocation: 1例, within_standards: 是,"
                         " disposal: 是, procurement: 2例, approvals: 是}\n", 1)
    p = prepare(write_unit(text), pack)
    assert not p.errors, [d.format() for d in p.errors]
    i = next(i for i in p.forms[0].card.indicators if i.key == "asset_management_security")
    assert i.score == D("3.50")


@pytest.mark.parametrize("old, new, path, expected", [
    # 编制类别 (counted) must add up to 编制数 / 在职人员数
    ("{name: 行政编制, authorized: 23, in_service: 20}", "{name: 行政编制, authorized: 23, in_service: 21}",
     "staffing.in_service", "应为 41，实为 42"),
    # 三公 items must add up to the totals
    ("reception: {prior_actual: 6020, budget: 80000, actual: 71914.4}",
     "reception: {prior_actual: 6020, budget: 80000, actual: 71914}", "three_public.items.vehicle_purchase.actual",
     "差额 -0.40"),
    # 项目支出 categories and projects against 项目支出
    ("{name: 运行维护项目, prior_actual: 1000000, budget: 1000000, actual: 1000000}",
     "{name: 运行维护项目, prior_actual: 1000000, budget: 1000000, actual: 900000}", "project_categories",
     "差额 -100,000.00"),
    ("    spent: 530000\n", "    spent: 520000\n", "projects", "差额 -10,000.00"),
    # 年初预算 split
    ("initial_basic: 12060700", "initial_basic: 12060000", "budget.initial_basic", "差额 -700.00"),
    # 公用经费 其中 items may not exceed the total
    ("office: {prior_actual: 104285, budget: 100000, actual: 98233.6}",
     "office: {prior_actual: 104285, budget: 100000, actual: 1098233.6}", "public_funds.items.office.actual",
     "应为 1,001,069.00元"),
])
def test_basic_data_identities(example_text, write_unit, pack, old, new, path, expected):
    text = example_text(EXAMPLE.name)
    assert old in text
    p = prepare(write_unit(text.replace(old, new)), pack)
    msg = next(d.format() for d in p.errors if d.path == path)
    assert expected in msg


def test_jinzhong_example_with_the_ningxiang_pack_names_each_missing_field(tmp_path):
    """Cross-pack: one error per missing field, each with its Chinese name;
    no traceback, nothing written."""
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", str(EXAMPLES / "jinzhong-gongxin-2021.yaml"),
                                       "-t", "ningxiang", "-o", str(out)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and not out.exists()
    errors = [line for line in result.output.splitlines() if "缺少数据" in line]
    assert errors
    paths = [line.split(": ")[1].split("（")[0] for line in errors]
    assert len(paths) == len(set(paths)), "one error per field"
    for line in errors:
        assert "（" in line.split(": ")[1]           # field（中文名）
    for field in ("text.problems（存在的主要问题）", "staffing.authorized（编制数）",
                  "three_public.items（“三公经费”分项）", "administrative_efficiency.level（行政效能评定）"):
        assert field in result.output


def test_ningxiang_example_with_the_jinzhong_pack_names_each_missing_field(tmp_path):
    result = CliRunner().invoke(main, ["render", str(EXAMPLE), "-t", "jinzhong", "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "缺少数据" in result.output and not (tmp_path / "o").exists()


def test_report_sections_in_order(rendered):
    _, docs = rendered
    lines = paragraphs(doc(docs, "自评报告.docx"))
    headings = ["一、部门概况", "二、部门整体支出管理及使用情况", "三、部门项目组织实施情况", "四、资产管理情况",
                "五、部门整体支出绩效情况", "六、存在的主要问题", "七、改进措施和有关建议"]
    positions = [lines.index(h) for h in headings]
    assert positions == sorted(positions)
    assert lines[0] == "宁乡市工业和信息化局" and lines[1] == "2022年部门整体支出绩效自评报告"
    body = "\n".join(lines)
    assert "绩效得分70.50分，评价等次为“中”" in body
    assert "支出全部为公务接待费，未发生公务用车购置及运行维护费和因公出国（境）费。" in body
    assert "人员经费1452.70万元" in body       # 基本支出 1552.81 − 公用经费 100.1069


def test_buildings_rows_with_their_control_rates(example_text, write_unit, pack):
    """楼堂馆所: 规模控制率 = 实际/批复, 投资概算控制率 = 实际/预算 (investments in 万元)."""
    text = example_text(EXAMPLE.name) + (
        "\nbuildings:\n  - {name: 办公楼维修, approved_area: 1200, actual_area: 1150,"
        " budget_investment: 3000000, actual_investment: 2965000}\n")
    p = prepare(write_unit(text), pack)
    assert not p.errors, [d.format() for d in p.errors]
    data = doc(dict(render_forms(p)), "基础数据表.docx")
    row = next(r for t in tables(data) for r in t if "办公楼维修" in r)
    assert row[1:] == ["1200", "1150", "95.83%", "300.00", "296.50", "98.83%"]
    assert not any("本年无完工" in c for t in tables(data) for r in t for c in r)


def test_the_report_is_signed_with_the_date_given(pack, tmp_path):
    """No 填报日期: a blank date line to fill in by hand; given: printed
    (issue 13 point 5), under the unit's name."""
    p = prepare(EXAMPLE, pack)
    report = doc(dict(render_forms(p)), "自评报告.docx")
    assert paragraphs(report)[-2:] == ["宁乡市工业和信息化局", "年　　月　　日"]
    unit = tmp_path / "u.yaml"
    unit.write_text(EXAMPLE.read_text(encoding="utf-8").replace(
        "  kind: 全额拨款行政单位\n", "  kind: 全额拨款行政单位\n  filled_on: 2023-03-15\n"), encoding="utf-8")
    report = doc(dict(render_forms(prepare(unit, pack))), "自评报告.docx")
    assert paragraphs(report)[-2:] == ["宁乡市工业和信息化局", "2023年3月15日"]


def test_a_hand_score_with_lost_points_and_no_analysis_is_warned(example_text, write_unit, pack):
    """The 扣分 list would say only "资产管理安全性扣1分": `check` asks for the
    finding (overrides.<key>.analysis) at the score's line; with it, the
    report states it before the deduction."""
    text = example_text(EXAMPLE.name)
    bare = text.replace("    analysis: 资产管理发现2例不符合要求的情况\n", "")
    assert bare != text
    p = prepare(write_unit(bare), pack)
    warned = [d for d in p.warnings if d.path == "overrides.asset_management_security.analysis"]
    assert len(warned) == 1 and "资产管理安全性扣1分" in warned[0].message and warned[0].loc.line
    p = prepare(write_unit(text), pack)
    assert not [d for d in p.warnings if d.path.endswith(".analysis")]
    i = next(i for i in p.forms[0].card.indicators if i.key == "asset_management_security")
    assert i.deduction == "资产管理安全性：资产管理发现2例不符合要求的情况，扣1分"
