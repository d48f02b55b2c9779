"""部门决算公开 (Xinzhou pack, seed 002): the ten tables, the 情况说明 and
their identities, derived from one set of ledger leaves.

The example reproduces every correct figure of seed 002 and corrects its
errors (rubrics.md §6.4 #46–57); the sentence patterns are exercised with an
increase, a decrease, no change and no prior year.
"""

from decimal import Decimal as D

import pytest
from click.testing import CliRunner

from reportgen.cli import main
from conftest import EXAMPLES
from reportgen.output.docxtext import dump, tables
from reportgen.compute.final_accounts import build
from reportgen.compute.narrate import narrate
from reportgen.numbers import shares_percent
from reportgen.pack.packs import load_pack
from reportgen.pipeline import prepare, render_forms
from reportgen.unitfile.validate import load_unit

EXAMPLE = EXAMPLES / "xinzhou-gongxin-2021.yaml"


@pytest.fixture(scope="module")
def pack():
    return load_pack("xinzhou")


@pytest.fixture(scope="module")
def prepared(pack):
    result = prepare(EXAMPLE, pack)
    assert not result.errors, [d.format() for d in result.errors]
    return result


@pytest.fixture(scope="module")
def docs(prepared):
    return dict(render_forms(prepared))


@pytest.fixture(scope="module")
def accounts():
    unit, diags = load_unit(EXAMPLE, load_pack("xinzhou").schema)
    fa, problems = build(unit)
    assert not diags and not problems
    return fa


def disclosure(docs) -> bytes:
    return next(data for name, data in docs.items() if name.endswith("_部门决算公开.docx"))


def text_of(docs) -> str:
    return dump(disclosure(docs))


# --------------------------------------------------------------------------
# The tables (seed 002 公开01–10, rubrics.md §6.1)


def test_table01_totals_balance(accounts):
    assert accounts.income_total == D("94117688.51")
    assert accounts.spending_total == D("94117434.94")
    assert accounts.grand_total_income_side == accounts.grand_total_spending_side == D("104692235.55")


def test_cross_table_identities(accounts):
    income_02, rows_02 = accounts.income
    spend_03, _ = accounts.spending
    gb_05, _ = accounts.general_budget
    # 02 合计 = 01 本年收入合计; 03 基本 + 项目 = 合计 = 01 本年支出合计
    assert sum(income_02.values.values()) == accounts.income_total
    assert spend_03["basic"] + spend_03["project"] == accounts.spending_total
    # 05 = 04 一般公共预算 支出; 06 基本 = 05 基本 (10,043,883.86 + 2,799,512.60 + 2,026,330.96 + 72,610)
    assert gb_05["basic"] + gb_05["project"] == accounts.fiscal_spending("general_budget") == D("94117095.44")
    assert accounts.economic_total("人员经费") + accounts.economic_total("公用经费") == gb_05["basic"] \
        == D("14942337.42")
    # 03 − 05 for 215 is the 339.50 spent from other funds
    assert accounts.class_spending()["215"] - accounts.class_spending("general_budget")["215"] == D("339.50")
    # 10 机关运行经费 = 06 公用经费 (基本支出) = 209.89万
    assert accounts.operating_costs_total == accounts.economic_total("公用经费") == D("2098940.96")
    assert accounts.vehicles_total == 12


def test_class_and_section_rows_are_derived_from_the_item_codes(accounts):
    _, rows = accounts.income
    by_code = {r.code: r for r in rows}
    assert by_code["215"].name == "资源勘探工业信息等支出" and by_code["215"].level == 1
    assert by_code["21505"].name == "工业和信息产业监管" and by_code["21505"].level == 2
    assert by_code["21505"]["general_budget"] == D("10768405.63")
    assert by_code["215"]["general_budget"] + by_code["215"]["other"] == D("24100098.12")


def test_rendered_tables_print_the_seed_totals(docs):
    grids = tables(disclosure(docs))
    cells = {c for grid in grids for row in grid for c in row}
    for figure in ("104,692,235.55", "94,117,688.51", "94,117,434.94", "94,117,095.44", "14,942,337.42",
                   "79,175,097.52", "79,174,758.02", "10,574,547.04", "10,574,800.61", "216,737.96",
                   "1,520,232.71", "578,708.25", "26,990.71", "40,000.00", "24,100,098.12", "24,099,844.55"):
        assert figure in cells, figure


def test_empty_tables_08_and_09_say_so(docs):
    text = text_of(docs)
    assert "无政府性基金预算财政拨款收入、支出及结转和结余，故本表无数据" in text
    assert "无国有资本经营预算财政拨款支出，故本表无数据" in text


# --------------------------------------------------------------------------
# The 情况说明 (rubrics.md §6.2) with seed 002's errors corrected (§6.4)


def test_category_shares_are_correct_and_add_up(prepared):
    text = prepared.forms[0].texts["general_budget_structure"]
    # #46: 2409.95万 is 25.61%, not 0.26%; #47: 39.20万 is 0.42%, not 0.04%
    assert "资源勘探工业信息等支出2409.95万元，占一般公共预算财政拨款支出的25.61%" in text
    assert "卫生健康支出39.20万元，占一般公共预算财政拨款支出的0.42%" in text
    shares = [D(s) for s in __import__("re").findall(r"的(\d+\.\d\d)%", text)]
    # #49: the seed's add up to 74.26%; ours are each exact (half-up), adding up to 100.02
    assert len(shares) == 10 and abs(sum(shares) - 100) <= D("0.005") * 10
    # 9 / 9411.71 = 0.0956% and 3.60 / 9411.71 = 0.0383%: no share is bent to force 100.00
    assert "交通运输支出9.00万元，占一般公共预算财政拨款支出的0.10%" in text
    assert "农林水支出3.60万元，占一般公共预算财政拨款支出的0.04%" in text
    # #51: 企业技术中心建设费 160万 as in its 自评表, not 260万
    assert "企业技术中心建设费160万元" in text and "260万" not in text


def test_totals_use_one_definition_each(prepared):
    text = prepared.forms[0].texts["overall"]
    # #50: 收入总计 = 支出总计 = 01表 总计; 本年收入/支出合计 stated beside them
    assert text.startswith("2021年度收入总计10469.22万元、支出总计10469.22万元（均含结转和结余）；"
                           "本年收入合计9411.77万元、本年支出合计9411.74万元。")
    assert "本年收入合计减少15435.11万元、下降62.12%" in text
    assert "本年支出合计减少14379.38万元、下降60.44%" in text


def test_three_public_from_yuan(prepared):
    t = prepared.forms[0].texts
    assert "支出预算4.00万元，支出决算2.70万元，完成预算的67.48%" in t["three_public"]   # 26,990.71 / 40,000
    assert "比2020年减少0.46万元，下降14.56%" in t["three_public"]
    # #54: 72.18% from 元 (21,652.71 / 30,000), not 72.33% from rounded 万元
    assert "公务用车购置及运行维护费预算3.00万元，支出决算2.17万元，完成预算的72.18%" in t["three_public_items"]
    assert "全年国内公务接待5批，共29人次" in t["three_public_items"]


def test_vehicle_counts_agree_with_table10(prepared, docs):
    t = prepared.forms[0].texts
    # #52: the seed says 1 vehicle in the text and 12 in 公开10
    assert "年末公务用车保有量为12辆" in t["three_public_items"]
    assert "共有车辆12辆" in t["assets"] and "其他用车12辆" in t["assets"]
    rows = [r for grid in tables(disclosure(docs)) for r in grid]
    vehicle_row = next(r for r in rows if any("车辆数合计" in c for c in r))
    assert "12" in vehicle_row


def test_operating_costs_and_procurement(prepared):
    t = prepared.forms[0].texts
    assert "机关运行经费支出209.89万元，比2020年增加107.83万元，增长105.65%" in t["operating_costs"]
    # #56: 30.69 / 29.64 / 39.67 (the seed plugs 29.63 / 39.68)
    assert ("2021年度政府采购支出总额21.67万元，其中：政府采购货物支出6.65万元、占政府采购支出总额的30.69%；"
            "政府采购工程支出6.42万元、占政府采购支出总额的29.64%；"
            "政府采购服务支出8.60万元、占政府采购支出总额的39.67%。") == t["procurement"]


def test_income_share_below_a_hundredth(prepared):
    """seed 002: 其他收入 593.07元 of 9411.77万元 is 0.0006%: 不足0.01%, not 0.00%."""
    assert "其他收入0.06万元，占比不足0.01%；" in prepared.forms[0].texts["income"]


def test_basic_spending_split(prepared):
    assert prepared.forms[0].texts["basic_spending"] == (
        "2021年度一般公共预算财政拨款基本支出1494.23万元，其中：人员经费1284.34万元，主要包括工资福利支出1004.39万元、"
        "对个人和家庭的补助279.95万元；公用经费209.89万元，主要包括商品和服务支出202.63万元、资本性支出7.26万元。")


def test_general_budget_share_is_not_truncated(prepared):
    # #53: 94,117,095.44 / 94,117,434.94 = 99.9996% → 100.00%, not 99.99%
    assert "占本年支出合计的100.00%" in prepared.forms[0].texts["general_budget"]


def test_performance_section_cites_the_annexed_forms(prepared):
    text = prepared.forms[0].texts["performance"]
    assert "涉及预算资金7912.72万元，占一般公共预算财政拨款项目支出总额的99.94%" in text
    assert "评价得分95.00分，评价结果为优秀" in text
    scores = {pf.project: str(pf.card.total) for pf in prepared.forms if pf.form.key == "project"}
    for name, score in scores.items():
        assert f"{name}绩效自评综述：根据年初设定的绩效目标，项目自评得分为{score}分。" in text
    # #57: the 医药储备 project scores 98.20 (its 执行率 earns 10), not 88.2
    assert "市、县两级医药储备项目绩效自评综述：根据年初设定的绩效目标，项目自评得分为98.20分。" \
           "全年预算数为2080.20万元，执行数为2080.20万元，完成预算的100.00%。" in text


def test_document_parts_in_order(docs):
    text = text_of(docs)
    marks = ["第一部分", "一、主要职能", "二、部门决算单位构成", "第二部分", "收入支出决算总表", "公开10表",
             "第三部分", "一、收入支出决算总体情况", "九、其他重要事项情况说明", "（四）预算绩效情况说明",
             "第四部分", "十二、机关运行经费"]
    position = 0
    for mark in marks:                                   # each found after the one before
        position = text.index(mark, position) + len(mark)
    assert "国外城市间交通费" in text and "国外城市问交通费" not in text   # #59


def test_whole_evaluation_form(prepared, docs):
    whole = next(pf for pf in prepared.forms if pf.form.key == "whole")
    assert whole.card.total == D("95.00") and whole.card.grade == "优秀"   # 100 − 5 (外出考察调研 0 of ≥2)
    data = next(d for n, d in docs.items() if n.endswith("部门（单位）整体支出预算绩效自评表.docx"))
    cells = {c for grid in tables(data) for row in grid for c in row}
    assert {"忻州市工业和信息化服务中心", "95", "优秀", "439.66"} <= cells


# --------------------------------------------------------------------------
# Sentence patterns: increase, decrease, no change, no prior year


UNIT = """\
money_unit: 元
year: 2022
unit: {{name: 测试局}}
final_accounts:
  income:
    - {{code: 2010301, general_budget: 1000000.00, other: 500.00}}
  spending:
    - {{code: 2010301, basic: 800000.00}}
    - {{code: 2010302, project: 200000.00}}
  closing_balance: 500.00
{prior}
"""


def sentences(write_unit, pack, prior: str = "", extra: str = "") -> dict[str, str]:
    unit, diags = load_unit(write_unit(UNIT.format(prior=prior) + extra))
    assert not diags, [d.format() for d in diags]
    texts, _ = narrate(unit, None, pack.form("disclosure").sentences)   # others lack their figures
    return texts


@pytest.mark.parametrize("prior, expected", [
    ("900000.00", "本年收入合计增加10.05万元、增长11.17%"),
    ("2000000.00", "本年收入合计减少99.95万元、下降49.98%"),
    ("1000500.00", "本年收入合计与上年持平"),
])
def test_overall_change_words(write_unit, pack, prior, expected):
    block = f"  prior_year: {{income: {prior}, spending: 1000000.00}}"
    text = sentences(write_unit, pack, block)["overall"]
    assert "与2021年相比，" + expected in text
    assert "本年支出合计与上年持平" in text


def test_no_prior_year_leaves_out_the_comparison(write_unit, pack):
    texts = sentences(write_unit, pack)
    assert texts["overall"] == ("2022年度收入总计100.05万元、支出总计100.05万元（均含结转和结余）；"
                                "本年收入合计100.05万元、本年支出合计100.00万元。")
    assert "相比" not in texts["fiscal"] and "与2021年" not in texts["general_budget"]
    assert texts["income"].startswith("2022年度收入合计100.05万元，其中：财政拨款收入100.00万元，占比99.95%；")
    assert texts["income"].endswith("其他收入0.05万元，占比0.05%；"
                                    "无上级补助收入、事业收入、经营收入和附属单位上缴收入。")


def test_zero_items_and_no_government_fund(write_unit, pack):
    texts = sentences(write_unit, pack, "  prior_year: {government_fund: 30000.00}")
    # the kinds without spending are named once, not printed as "0.00万元，占比0.00%"
    assert texts["spending"] == ("2022年度支出合计100.00万元，其中：基本支出80.00万元，占比80.00%；项目支出20.00万元，"
                                 "占比20.00%；无上缴上级支出、经营支出和对附属单位补助支出。")
    assert texts["government_fund"] == "我部门2022年度无政府性基金预算财政拨款收入和支出，比2021年减少3.00万元。"


def test_government_fund_spending_with_increase(write_unit, pack):
    extra = """\
    - {code: 2120803, general_budget: 0, government_fund: 50000.00}
"""
    text = UNIT.format(prior="  prior_year: {government_fund: 40000.00}").replace(
        "    - {code: 2010301, general_budget: 1000000.00, other: 500.00}\n",
        "    - {code: 2010301, general_budget: 1000000.00, other: 500.00}\n" + extra)
    text = text.replace("    - {code: 2010302, project: 200000.00}\n",
                        "    - {code: 2010302, project: 200000.00}\n"
                        "    - {code: 2120803, source: 政府性基金预算财政拨款, project: 50000.00}\n")
    text += "  code_names: {212: 城乡社区支出, 21208: 国有土地使用权出让收入安排的支出, 2120803: 城市建设支出}\n"
    unit, diags = load_unit(write_unit(text))
    assert not diags, [d.format() for d in diags]
    texts, problems = narrate(unit, None, pack.form("disclosure").sentences)
    assert texts["government_fund"] == ("2022年度政府性基金预算财政拨款收入5.00万元，支出5.00万元，"
                                        "支出比2021年增加1.00万元，增长25.00%。")


def test_three_public_items_zero_and_purchase(write_unit, pack):
    extra = """\
three_public:
  items:
    vehicle_purchase: {prior_actual: 0, budget: 250000, actual: 240000}
    vehicle_operation: {prior_actual: 10000, budget: 10000, actual: 10000}
    overseas: {prior_actual: 0, budget: 0, actual: 0}
    reception: {budget: 0, actual: 0}
  vehicles_purchased: 1
final_accounts_extra: null
"""
    extra = extra.replace("final_accounts_extra: null\n", "")
    texts = sentences(write_unit, pack, "  vehicles: {law_enforcement: 2, other: 1}", extra)
    items = texts["three_public_items"]
    # a zero budget or spending is said in words, never "完成预算的不适用"
    assert "公务接待费未安排预算，也未发生支出。全年未发生国内公务接待。\n" in items
    assert "因公出国（境）费未安排预算，也未发生支出，与2021年持平，全年无因公出国（境）团组。" in items
    assert "公务用车购置及运行维护费预算26.00万元，支出决算25.00万元，完成预算的96.15%，比2021年增加24.00万元，增长2400.00%" in items
    assert ("其中：公务用车购置费24.00万元，购置公务用车1辆；公务用车运行维护费1.00万元；"
            "年末公务用车保有量为3辆。") in items
    assert "不适用" not in items
    # no prior total for reception → no 与上年 comparison, and so none for the whole
    assert "比2021年" not in texts["three_public"]


# --------------------------------------------------------------------------
# The declared share policy


def test_shares_policy():
    assert shares_percent([D("66525.00"), D("64243.25"), D("85969.71")]) == [D("30.69"), D("29.64"), D("39.67")]
    assert shares_percent([D(1), D(1), D(1)]) == [D("33.33"), D("33.33"), D("33.33")]   # 99.99: each exact
    assert shares_percent([D(1), D(1), D(1), D(1), D(1), D(1)]) == [D("16.67")] * 6          # 100.02
    assert shares_percent([D(9), D("9402.71")]) == [D("0.10"), D("99.90")]                    # 0.0956% → 0.10%
    assert shares_percent([D(0), D(0)]) is None
    assert shares_percent([D(5), D(0)]) == [D("100.00"), D("0.00")]


# --------------------------------------------------------------------------
# Checks: each with expected, found and difference


def check_messages(write_unit, text: str) -> list[str]:
    path = write_unit(text)
    result = CliRunner().invoke(main, ["check", str(path), "--template", "xinzhou"])
    return result.output.splitlines(), result.exit_code


@pytest.mark.parametrize("old, new, expected", [
    # 01 总计 no longer balances
    ("  closing_balance: 10574800.61", "  closing_balance: 10574800.71",
     "final_accounts.closing_balance（年末结转和结余）: 公开01 收支总计不平"),
    # 06 no longer adds up to 05
    ("    - {code: 30103, amount: 1088988.00, basic: 1088988.00}",
     "    - {code: 30103, amount: 1088998.00, basic: 1088998.00}",
     "公开06 按经济分类的金额合计应等于 公开05 一般公共预算财政拨款支出合计：应为 94,117,095.44元，实为 94,117,105.44元，差额 10.00元"),
    # a 基本支出 part larger than its amount
    ("    - {code: 30202, amount: 48999.00, basic: 48999.00}", "    - {code: 30202, amount: 48999.00, basic: 49999.00}",
     "“其中：基本支出”不能大于金额"),
    # 机关运行经费 above 公用经费
    ("operating_costs: {administrative: 1520232.71", "operating_costs: {administrative: 1620232.71",
     "公开10 机关运行经费不能大于 公开06 公用经费（基本支出）"),
    # an unknown code
    ("    - {code: 2240199, basic: 30000.00}", "    - {code: 2249899, basic: 30000.00}",
     "未知的功能分类科目编码 22498（2249899）"),
    # the same 项 and source twice
    ("    - {code: 2299901, basic: 100000.00}", "    - {code: 2299901, basic: 50000.00}\n"
                                              "    - {code: 2299901, basic: 50000.00}",
     "科目 2299901（一般公共预算财政拨款）的支出重复填写"),
    # evaluated funds above the 项目支出
    ("    funds: 79127200.00", "    funds: 89127200.00", "自评项目涉及预算资金不能大于"),
])
def test_identity_checks(example_text, write_unit, old, new, expected):
    text = example_text("xinzhou-gongxin-2021.yaml")
    assert old in text
    lines, code = check_messages(write_unit, text.replace(old, new, 1))
    assert code == 1
    assert any(expected in line for line in lines), lines


def test_control_totals_are_checked_not_used(example_text, write_unit):
    text = example_text("xinzhou-gongxin-2021.yaml").replace("  other_matters: 无\n", """\
  other_matters: 无
  control_totals:
    income_total: 94117688.51
    grand_total: 104692235.55
    personnel_total: 12843396.46
    vehicles_total: 12
    classes: {215: 24099844.55, 208: 47903716.00}
""")
    lines, code = check_messages(write_unit, text)
    assert code == 1
    errors = [line for line in lines if "控制数" in line]
    assert len(errors) == 1, lines
    assert "208 类本年支出" in errors[0] and "应为 47,903,716.67元，实为 47,903,716.00元，差额 -0.67元" in errors[0]


def test_a_code_the_tables_do_not_know_can_be_named(example_text, write_unit):
    text = example_text("xinzhou-gongxin-2021.yaml").replace(
        "    - {code: 2240199, basic: 30000.00}", "    - {code: 2240999, basic: 30000.00}").replace(
        "    - {code: 2240199, general_budget: 30000.00}", "    - {code: 2240999, general_budget: 30000.00}")
    lines, code = check_messages(write_unit, text)
    assert code == 1 and any("未知的功能分类科目编码 22409" in line for line in lines)
    named = text.replace("  other_matters: 无\n", "  other_matters: 无\n  code_names: "
                         "{22409: 自然灾害救灾及恢复重建支出, 2240999: 其他自然灾害救灾及恢复重建支出}\n")
    lines, code = check_messages(write_unit, named)
    assert code == 0, lines


def test_whole_evaluation_weights_must_add_up_to_100(example_text, write_unit, pack):
    text = example_text("xinzhou-gongxin-2021.yaml").replace(
        "name: 外出考察调研, weight: 5,", "name: 外出考察调研, weight: 6,")
    result = prepare(write_unit(text), pack)
    assert any("各绩效指标分值之和须等于指标总分值" in d.format() and "whole_evaluation.indicators" in d.format()
               for d in result.errors), [d.format() for d in result.errors]


def test_example_checks_clean():
    result = CliRunner().invoke(main, ["check", str(EXAMPLE), "--template", "xinzhou"])
    assert result.exit_code == 0, result.output


def test_table_layout_parameters_are_checked_and_used():
    from decimal import Decimal

    from reportgen.forms.disclosure import TableLayout, table_layout

    layout, problems = table_layout({"money": "万元", "public_columns": "1",
                                     "economic_rows": ["301", "30101"]})
    assert problems == []
    assert layout.cell(Decimal("29400540.00")) == "2,940.05"
    assert layout.cell(Decimal("0")) == "" and layout.amount(Decimal("0")) == "0.00"
    assert TableLayout().cell(Decimal("29400540.00")) == "29,400,540.00"
    _, problems = table_layout({"money": "千元", "colour": "red", "public_columns": 5,
                                "economic_rows": ["30198"], "fiscal_opening_labels": ["一"]})
    assert [k for k, _ in problems] == ["money", "colour", "public_columns", "economic_rows",
                                        "fiscal_opening_labels"]
    assert "30198" in problems[3][1]


def test_a_bad_tables_parameter_is_reported_at_its_line(tmp_path):
    import shutil
    from pathlib import Path

    from reportgen.errors import PackError
    from reportgen.pack.packs import load_pack

    pack = tmp_path / "copy"
    shutil.copytree(Path(__file__).parent.parent / "templates" / "xinzhou", pack)
    text = (pack / "pack.yaml").read_text(encoding="utf-8")
    (pack / "pack.yaml").write_text(text.replace("        money: 元", "        money: 千元"), encoding="utf-8")
    line = next(i for i, l in enumerate((pack / "pack.yaml").read_text(encoding="utf-8").splitlines(), 1)
                if "千元" in l)
    with pytest.raises(PackError) as exc:
        load_pack(str(pack))
    assert f"pack.yaml:{line}:" in str(exc.value) and "money 应为 元 或 万元" in str(exc.value)


def test_an_economic_table_of_basic_spending_only_checks_the_basic_identity(example_text, write_unit):
    """A form whose 经济分类 table is 基本支出 only gives ``basic`` alone: the 金额 = 一般公共预算
    identity is not asked of it, the 基本支出 identity still is."""
    from reportgen.compute.check import final_accounts
    from reportgen.unitfile.validate import load_unit as load

    text = example_text("xinzhou-gongxin-2021.yaml")
    import re as _re
    basic_only = _re.sub(r"amount: [0-9.]+, basic: ([0-9.]+)", r"basic: \1", text)
    basic_only = _re.sub(r"\n    - \{code: 3\d+, amount: [0-9.]+\}", "", basic_only)   # 项目支出-only lines
    messages = [d.message for d in final_accounts(load(write_unit(basic_only))[0])]
    assert not any("按经济分类的金额合计" in m for m in messages), messages
    assert not any("基本支出”合计" in m for m in messages), messages
    broken = basic_only.replace("basic: 3494125.51}", "basic: 3494125.00}", 1)
    messages = [d.message for d in final_accounts(load(write_unit(broken))[0])]
    assert any("“其中：基本支出”合计应等于 公开05 基本支出" in m for m in messages), messages


def test_zero_procurement_and_a_share_below_a_hundredth(write_unit, pack):
    """No 政府采购 at all: said in words, not "占政府采购支出总额的不适用"; an
    amount whose share rounds to 0.00% reads 不足0.01% (seed 002's 其他收入)."""
    text = UNIT.format(prior="").replace("other: 500.00", "other: 5.00").replace(
        "closing_balance: 500.00", "closing_balance: 5.00")
    text += "  procurement: {goods: 0, works: 0, services: 0}\n"
    unit, diags = load_unit(write_unit(text))
    assert not diags, [d.format() for d in diags]
    texts, _ = narrate(unit, None, pack.form("disclosure").sentences)
    assert texts["procurement"] == "2022年度未发生政府采购支出。"
    assert "其他收入不足0.01万元，占比不足0.01%；" in texts["income"]   # 5元, not "0.00万元"
    text = text.replace("goods: 0,", "goods: 1000.00,")
    unit, diags = load_unit(write_unit(text))
    texts, _ = narrate(unit, None, pack.form("disclosure").sentences)
    assert texts["procurement"] == ("2022年度政府采购支出总额0.10万元，其中：政府采购货物支出0.10万元、"
                                    "占政府采购支出总额的100.00%；无政府采购工程支出和政府采购服务支出。")
    assert "不适用" not in texts["procurement"] + texts["income"]


def test_fund_tables_carry_each_rows_income(example_text, write_unit):
    """政府性基金/国有资本经营 rows show their 本年收入 beside their 支出; a 项 with
    income and no spending is a row too (上海 政府性基金预算财政拨款收入支出决算表)."""
    from reportgen.unitfile.validate import load_unit as load

    text = example_text("xinzhou-gongxin-2021.yaml")
    text = text.replace("    - {code: 2299901, basic: 100000.00}\n", "    - {code: 2299901, basic: 100000.00}\n"
                        "    - {code: 2120801, source: 政府性基金预算财政拨款, project: 6000.00}\n", 1)
    text = text.replace("    - {code: 2299901, general_budget: 100000.00}\n", "    - {code: 2299901, general_budget: 100000.00}\n"
                        "    - {code: 2120801, government_fund: 8000.00}\n"
                        "    - {code: 2121001, government_fund: 500.00}\n", 1)
    text = text.replace("closing_balance: 10574800.61", "closing_balance: 10577300.61")
    unit, diags = load(write_unit(text))
    fa, problems = build(unit)
    total, rows = fa.government_fund
    assert total["income"] == D("8500.00") and fa.fiscal_spending("government_fund") == D("6000.00")
    by_code = {r.code: r for r in rows}
    assert by_code["2120801"]["income"] == D("8000.00") and by_code["2120801"]["project"] == D("6000.00")
    assert by_code["2121001"]["income"] == D("500.00") and not by_code["2121001"].empty
    assert by_code["212"]["income"] == D("8500.00")
