"""Every scoring primitive at its band edges (rubrics.md §0.2)."""

from decimal import Decimal as D

import pytest

from reportgen.compute.derive import Measure
from reportgen.compute.primitives import GradeBands, RuleError, make_rule


def ratio(percent: str) -> Measure:
    return Measure("ratio", D(percent) / 100)


def score(rule: dict, w: str, m: Measure) -> D:
    return make_rule(rule).score(D(w), m).value


PENALTY_OVER = {"primitive": "penalty_per_point", "target": 100, "direction": "over", "step": "0.2"}


@pytest.mark.parametrize("percent, expected", [
    ("50", "3"), ("100", "3"), ("100.99", "3"),       # at or within the first point: full
    ("101", "2.8"), ("112.5", "0.6"),                  # seed 004: 112.5% → 12 points → 0.60
    ("114.99", "0.2"), ("115", "0"), ("200", "0"),     # floor at 0
])
def test_penalty_over_truncates_whole_points(percent, expected):
    assert score(PENALTY_OVER, "3", ratio(percent)) == D(expected)


@pytest.mark.parametrize("percent, expected", [
    ("100", "3"), ("99.01", "3"), ("99", "2.7"), ("93.96", "1.2"), ("90", "0"), ("86.67", "0"),
])
def test_penalty_under(percent, expected):
    rule = {"primitive": "penalty_per_point", "target": 100, "direction": "under", "step": "0.3"}
    assert score(rule, "3", ratio(percent)) == D(expected)


@pytest.mark.parametrize("percent, expected", [
    ("100", "3"), ("95.5", "1.8"), ("104.5", "1.8"), ("90", "0"), ("110", "0"), ("79.11", "0"),
])
def test_penalty_both_directions(percent, expected):
    rule = {"primitive": "penalty_per_point", "target": 100, "direction": "both", "step": "0.3"}
    assert score(rule, "3", ratio(percent)) == D(expected)


@pytest.mark.parametrize("percent, expected", [("100", "5"), ("95.01", "5"), ("95", "3"), ("90.01", "3"),
                                               ("90", "1"), ("85.01", "1"), ("85", "0")])
def test_penalty_per_five_points(percent, expected):
    # 宁乡 重点支出安排率 "每下降5%扣2分"
    rule = {"primitive": "penalty_per_point", "target": 100, "direction": "under", "step": 2, "per": 5}
    assert score(rule, "5", ratio(percent)) == D(expected)


def test_penalty_exact_and_ceil_truncation():
    exact = {**PENALTY_OVER, "truncation": "exact"}
    ceil = {**PENALTY_OVER, "truncation": "ceil"}
    assert score(exact, "3", ratio("112.5")) == D("0.5")
    assert score(ceil, "3", ratio("100.01")) == D("2.8")


def test_penalty_zero_target_for_change_rates():
    rule = {"primitive": "penalty_per_point", "target": 0, "direction": "over", "step": "0.3"}
    assert score(rule, "3", ratio("-10.14")) == D("3")
    assert score(rule, "3", ratio("0")) == D("3")
    assert score(rule, "3", ratio("62.67")) == D("0")   # seed 000's 0.90 is unattainable
    assert score(rule, "3", ratio("2")) == D("2.4")


def test_penalty_attainable_scores():
    rule = make_rule({**PENALTY_OVER, "step": "0.3"})
    assert rule.attainable(D(3), D("1.2")) and rule.attainable(D(3), D(0)) and rule.attainable(D(3), D(3))
    assert not rule.attainable(D(3), D("1.25"))
    assert not rule.attainable(D(3), D("3.1"))


BANDS = {"primitive": "bands", "bands": [{"min": 95, "score": 3}, {"min": 90, "score": "1.5"},
                                         {"min": 80, "score": 1}, {"score": 0}]}


@pytest.mark.parametrize("percent, expected", [("100", "3"), ("95", "3"), ("94.99", "1.5"), ("90", "1.5"),
                                               ("89.99", "1"), ("80", "1"), ("79.99", "0")])
def test_bands_lower_bounds_inclusive(percent, expected):
    assert score(BANDS, "3", ratio(percent)) == D(expected)


@pytest.mark.parametrize("percent, expected", [("0", "5"), ("0.01", "3"), ("10", "3"), ("10.01", "0")])
def test_bands_upper_bounds_inclusive(percent, expected):
    rule = {"primitive": "bands", "bands": [{"max": 0, "score": 5}, {"max": 10, "score": 3}, {"score": 0}]}
    assert score(rule, "5", ratio(percent)) == D(expected)


def test_bands_attainable_only_band_scores():
    rule = make_rule(BANDS)
    assert rule.attainable(D(3), D("1.5")) and rule.attainable(D(3), D(1))
    assert not rule.attainable(D(3), D(2))


@pytest.mark.parametrize("percent, expected", [("100", "3"), ("120", "3"), ("73.68", "2.2104"), ("0", "0")])
def test_proportional_up(percent, expected):
    rule = {"primitive": "proportional", "target": 100}
    assert score(rule, "3", ratio(percent)) == D(expected)


def test_proportional_down_for_at_most_targets():
    rule = {"primitive": "proportional", "target": 5, "direction": "down"}
    assert score(rule, "10", ratio("5")) == D(10)
    assert score(rule, "10", ratio("2")) == D(10)
    assert score(rule, "10", ratio("10")) == D(5)


def test_proportional_with_lower_full_mark():
    rule = {"primitive": "proportional", "target": 90}
    assert score(rule, "5", ratio("90")) == D(5)
    assert score(rule, "5", ratio("72")) == D(4)


def test_not_applicable_gives_full_or_zero():
    m = Measure("ratio", None)
    assert score(PENALTY_OVER, "3", m) == D(3)
    assert score({**PENALTY_OVER, "not_applicable": "zero"}, "3", m) == D(0)


def test_binary():
    rule = {"primitive": "binary", "max": 0}
    assert score(rule, "5", ratio("0")) == D(5)
    assert score(rule, "5", ratio("0.01")) == D(0)
    assert make_rule(rule).attainable(D(5), D(5)) and not make_rule(rule).attainable(D(5), D(4))


CHECKLIST = {"primitive": "checklist", "items": [
    {"key": "a", "text": "甲", "points": "0.6"}, {"key": "b", "text": "乙", "points": "0.6"},
    {"key": "c", "text": "丙", "points": "1.8"}]}


def test_checklist_deducts_failed_items():
    rule = make_rule(CHECKLIST)
    assert rule.score(D(3), Measure("checklist", data={"a": True, "b": True, "c": True})).value == D(3)
    s = rule.score(D(3), Measure("checklist", data={"a": False, "b": True, "c": False}))
    assert s.value == D("0.6") and "甲" in s.reason and "丙" in s.reason


def test_checklist_reports_unanswered_and_unknown_points():
    s = make_rule(CHECKLIST).score(D(3), Measure("checklist", data={"a": True, "x": True}))
    assert any("'b'" in p for p in s.problems) and any("'x'" in p for p in s.problems)


def test_checklist_fixed_deduction_floors_at_zero():
    rule = make_rule({**CHECKLIST, "deduction": 2})
    assert rule.score(D(3), Measure("checklist", data={"a": False, "b": False, "c": True})).value == D(0)


def test_checklist_attainable_is_subset_sums():
    rule = make_rule(CHECKLIST)
    assert rule.attainable(D(3), D("2.4")) and rule.attainable(D(3), D("1.2")) and rule.attainable(D(3), D(0))
    assert not rule.attainable(D(3), D("2.5"))


CHECKPOINTS = {"primitive": "checkpoints", "points": 1, "checkpoints": [
    {"label": "一季度", "date": "03-31", "min": 25}, {"label": "二季度", "date": "06-30", "min": 50},
    {"label": "三季度", "date": "09-30", "min": 75}, {"label": "11月底", "date": "11-30", "min": 90}]}


def progress(*rates):
    import datetime as dt
    days = [(3, 31), (6, 30), (9, 30), (11, 30)]
    return Measure("checkpoints", data=[(dt.date(2020, m, d), D(r) / 100) for (m, d), r in zip(days, rates)])


def test_checkpoints_each_met_threshold_earns_points():
    rule = make_rule(CHECKPOINTS)
    assert rule.score(D(4), progress("25", "50", "75", "90")).value == D(4)          # edges are met
    assert rule.score(D(4), progress("24.99", "49.99", "75", "90")).value == D(2)    # seed 003
    assert rule.score(D(4), progress("6.8", "17.41", "28.33", "42.42")).value == D(0)  # seed 004


def test_checkpoints_missing_date_is_a_problem():
    s = make_rule(CHECKPOINTS).score(D(4), progress("30", "60"))
    assert any("9月30日" in p for p in s.problems)


TIERS = {"primitive": "tiers", "tiers": [{"result": "达成", "from": 80, "to": 100},
                                         {"result": "部分达成", "from": 60, "to": 80},
                                         {"result": "未达成", "from": 0, "to": 60}]}


def test_tiers():
    rule = make_rule(TIERS)
    assert rule.score(D(5), Measure("tier", data=("达成", None))).value == D(5)
    assert rule.score(D(5), Measure("tier", data=("部分达成", None))).value == D(4)
    assert rule.score(D(5), Measure("tier", data=("部分达成", D("0.6")))).value == D(3)
    assert make_rule(TIERS).score(D(5), Measure("tier", data=("达成", D("0.7")))).problems


@pytest.mark.parametrize("total, grade", [("100", "优"), ("90", "优"), ("89.99", "良"), ("80", "良"),
                                          ("79.99", "中"), ("60", "中"), ("59.99", "差"), ("0", "差")])
def test_grade_bands(total, grade):
    bands = GradeBands(((D(90), "优"), (D(80), "良"), (D(60), "中"), (D(0), "差")))
    assert bands.grade(D(total)) == grade


@pytest.mark.parametrize("params", [
    {"primitive": "nope"},
    {"primitive": "penalty_per_point", "target": 100},                   # no step
    {"primitive": "penalty_per_point", "target": 100, "step": "x"},
    {"primitive": "penalty_per_point", "target": 100, "step": 1, "direction": "sideways"},
    {"primitive": "bands", "bands": []},
    {"primitive": "checklist", "items": [{"key": "a"}]},
    {"primitive": "proportional", "colour": "red"},
])
def test_bad_parameters_are_rejected(params):
    with pytest.raises(RuleError):
        make_rule(params)


# The finding a rule gives for lost points: the value and the rule it falls
# short of, never a deduction amount (the score stage states that once, on
# the 设定分值) and never a count of steps that reads as percentage points.
@pytest.mark.parametrize("rule, w, percent, reason", [
    (PENALTY_OVER, "3", "112.5", "112.50%，高于100%共12.5个百分点，按12个百分点计"),
    (PENALTY_OVER, "3", "150", "150.00%，高于100%共50个百分点"),             # all points lost: no step count
    ({"primitive": "penalty_per_point", "target": 100, "direction": "under", "step": 2, "per": 5},
     "5", "87", "87.00%，低于100%共13个百分点，按10个百分点计"),
    ({"primitive": "penalty_per_point", "target": 100, "direction": "under", "step": 2, "per": 5},
     "5", "3.42", "3.42%，低于100%共96.58个百分点"),
    ({"primitive": "penalty_per_point", "target": 0, "direction": "over", "step": "0.3"},
     "3", "62.67", "62.67%，高于0%"),
    (BANDS, "3", "92", "92.00%，未达到95%"),
    (BANDS, "3", "70", "70.00%，低于80%"),
    ({"primitive": "bands", "bands": [{"max": 0, "score": 5}, {"max": 10, "score": 3}, {"score": 0}]},
     "5", "24.01", "24.01%，超过10%"),
    ({"primitive": "binary", "max": 0}, "5", "13.33", "13.33%，高于0%"),
    ({"primitive": "proportional", "target": 100}, "3", "50", "50.00%，未达到100%，按比例计分"),
])
def test_findings_state_no_deduction(rule, w, percent, reason):
    scored = make_rule(rule).score(D(w), ratio(percent))
    assert scored.reason == reason
    assert "扣" not in scored.reason and "个计" not in scored.reason


def test_checklist_finding_quotes_the_points():
    s = make_rule(CHECKLIST).score(D(3), Measure("checklist", data={"a": False, "b": True, "c": False}))
    assert s.reason == "未达到要点“甲”、“丙”"
