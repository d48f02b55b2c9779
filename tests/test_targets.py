"""Targets as written on project forms, and the national (10号) scorer."""

from decimal import Decimal as D

import pytest

from reportgen.compute.project_score import NationalRules, score_project, split_equally
from reportgen.compute.targets import achievement, parse_actual, parse_target, progress_text
from reportgen.unitfile.validate import load_unit


@pytest.mark.parametrize("text, parsed", [
    (">=20次", ">=20次"), ("≥20次", ">=20次"), ("≤5%", "<=5%"), ("=100%", "=100%"),
    ("不超4.67万", "<=4.67万"), ("不少于10家", ">=10家"), ("90%以上", ">=90%"), ("5%以下", "<=5%"),
    ("20次以上", ">=20次"), ("不超过118.83万", "<=118.83万"), ("＞＝５种", ">=5种"), ("60", "=60"),
    # Chinese numerals (cn2an) and thousands separators
    ("不少于十场", ">=10场"), ("三处", "=3处"), ("1,200人", "=1200人"), ("≥1,000,000元", ">=1000000元"),
    ("两万元", "=20000元"), ("百分之九十五", "=95%"), ("不少于一万二千人次", ">=12000人次"),
    ("十二个月", "=12个月"),
])
def test_targets_parse(text, parsed):
    assert str(parse_target(text)) == parsed


@pytest.mark.parametrize("text", ["全年", "种类不少于5种，份数不少于2000份", "完成1500亿元签约任务",
                                  "引进一批新技术项目", "", "不少于以上10",
                                  "一次性完成", "一站式服务", "1,2345", "9" * 5000])
def test_phrases_are_not_targets(text):
    assert parse_target(text) is None


def test_actuals_parse():
    assert parse_actual("约60个") == (D(60), "个")
    assert parse_actual("1.63万") == (D("1.63"), "万")
    assert parse_actual("按时完成") is None
    assert parse_actual("三处") == (D(3), "处") and parse_actual("1,200") == (D(1200), "")
    assert parse_actual("约六十个") == (D(60), "个")


@pytest.mark.parametrize("target, actual, share", [
    (">=300人", "205", "0.6833333333333333333333333333"),  # 困难职工 发放人数: 15 × 205/300 = 10.25
    (">=300人", "320", "1"),                                # over-achieved: full
    ("=100%", "90", "0.9"),                                 # 医药储备 满意度: 18 × 0.9 = 16.2
    ("≤5%", "0", "1"), ("≤5%", "5", "1"),                   # a "≤" target met
    ("不超17万", "31", "0.5483870967741935483870967742"),    # unmet "≤": target/actual
])
def test_achievement(target, actual, share):
    assert achievement(parse_target(target), D(actual)) == D(share)


def test_progress_is_derived_not_typed():
    assert progress_text(parse_target("不少于10家"), D(18)) == "180.00%"    # seed 004 prints 118% (#23)
    assert progress_text(parse_target("不超17万"), D(31)) == "未完成"       # seed 004 prints 完成 (#27)
    assert progress_text(parse_target("90%以上"), D(100)) == "完成"         # seed 004: 满意度 100%


def test_equal_split_keeps_the_total():
    assert split_equally(D(90), 7) == [D("12.90")] + [D("12.85")] * 6
    assert sum(split_equally(D(90), 6)) == 90 and split_equally(D(90), 8)[0] == D("11.25")


PROJECT = """\
money_unit: 万元
year: 2021
unit: {name: 测试单位}
projects:
  - name: 测试项目
    funds:
      city_county: {budget: 76, adjusted_budget: 76, spent: 40.2}
    weighting: %s
    indicators:
%s
"""

INDICATORS = """\
      - {level1: 产出指标, level2: 数量指标, name: 服务户次, target: ">=700户次", actual: 653户次%s}
      - {level1: 产出指标, level2: 成本指标, name: 费用, target: 不超17万, actual: 31万%s}
      - {level1: 效益指标, level2: 社会效益指标, name: 影响, target: 明显提升, qualitative: 是, result: 部分达成%s}
      - {level1: 满意度指标, level2: 服务对象满意度指标, name: 满意度, target: ">=90%%", actual: 95%%%s}
"""


def scored(write_unit, weighting="equal_split", weights=("", "", "", "")):
    text = PROJECT % (weighting, INDICATORS % weights)
    unit, diags = load_unit(write_unit(text))
    assert not diags, [d.format() for d in diags]
    return score_project(unit.scoped("projects[0]"), NationalRules())


def test_national_form_equal_split(write_unit):
    card, diags = scored(write_unit)
    assert not diags
    assert card.execution_score == D("5.29")          # 10 × 40.2/76 = 5.289… → 5.29 (seed truncates to 5.28)
    assert [i.weight for i in card.indicators] == [D("22.5")] * 4
    assert [i.score for i in card.indicators] == [D("20.99"), D("12.34"), D("18.00"), D("22.50")]
    assert card.total == D("79.12") and card.grade == "中"


def test_national_form_50_30_10_split_and_explicit(write_unit):
    card, _ = scored(write_unit, "national")
    assert [i.weight for i in card.indicators] == [D(25), D(25), D(30), D(10)]
    card, diags = scored(write_unit, "explicit", (", weight: 40", ", weight: 10", ", weight: 30", ", weight: 9"))
    assert card is None and any("应为 90，实为 89" in d.format() for d in diags)


def test_unparseable_target_needs_qualitative(write_unit):
    text = PROJECT % ("equal_split", "      - {level1: 产出指标, level2: 时效指标, name: 时限, target: 全年, actual: 按时}\n")
    unit, _ = load_unit(write_unit(text))
    card, diags = score_project(unit.scoped("projects[0]"), NationalRules())
    assert card is None
    msg = diags[0].format()
    assert "projects[0].indicators[0].target（年度指标值）" in msg and "无法识别指标值 '全年'" in msg
    assert ":10:" in msg


def test_zero_budget_is_not_applicable(write_unit):
    text = (PROJECT % ("equal_split", INDICATORS % ("", "", "", ""))).replace(
        "city_county: {budget: 76, adjusted_budget: 76, spent: 40.2}", "city_county: {budget: 0, spent: 0}")
    unit, _ = load_unit(write_unit(text))
    card, diags = score_project(unit.scoped("projects[0]"), NationalRules())
    assert card.execution_rate is None and card.execution_score == D(10)
    assert any("不适用" in d.message and not d.is_error for d in diags)


def test_qualitative_degree_must_lie_in_its_tier(write_unit):
    text = PROJECT % ("equal_split", "      - {level1: 效益指标, level2: 社会效益指标, name: 影响, target: 明显提升, "
                      "qualitative: 是, result: 达成, degree: 70%}\n")
    unit, _ = load_unit(write_unit(text))
    card, diags = score_project(unit.scoped("projects[0]"), NationalRules())
    assert card is None
    assert "projects[0].indicators[0].degree（达成度）" in diags[0].format() and "80.00%–100.00%" in diags[0].message


def test_a_target_may_follow_a_description():
    """seed 004: "引进行业领军企业、500强企业不少于10家" is ≥10家; a text with two
    targets or a clause break before the comparator stays a phrase."""
    assert str(parse_target("引进行业领军企业、500强企业不少于10家")) == ">=10家"
    assert parse_target("引进项目达到50个，总投资达到300亿元") is None
    assert parse_target("完成市定的招商引资签约任务，本年度项目开工率达到35%") is None
