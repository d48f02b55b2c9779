"""The score stage: 设定分值, overrides, missing figures, 不适用, subtotals."""

from decimal import Decimal as D

from reportgen.pack.packs import load_pack
from reportgen.pipeline import prepare

ZHAOSHANG = "jinzhong-zhaoshang-2020.yaml"


def prepared(write_unit, text):
    return prepare(write_unit(text), load_pack("jinzhong"))


def messages(p):
    return [d.format() for d in p.diagnostics]


def indicator(p, key):
    return next(i for i in p.forms[0].card.indicators if i.key == key)


def test_weights_may_move_inside_a_block_keeping_its_sum(example_text, write_unit):
    text = example_text(ZHAOSHANG) + "\nweights: {budget_completion_rate: 2, budget_adjustment_rate: 4}\n"
    p = prepared(write_unit, text)
    assert not p.errors, messages(p)
    i = indicator(p, "budget_adjustment_rate")
    assert (i.ref_weight, i.weight) == (D(3), D(4))
    block = p.forms[0].card.sections[1].blocks[0]
    assert block.weight == D(20)


def test_weights_that_change_a_block_sum_are_rejected(example_text, write_unit):
    text = example_text(ZHAOSHANG) + "\nweights: {budget_completion_rate: 2}\n"
    p = prepared(write_unit, text)
    msg = next(m for m in messages(p) if "设定分值合计" in m)
    assert "预算执行" in msg and "应为 20，实为 19，差额 -1" in msg


def test_rescaled_rule_scores_on_the_set_weight(example_text, write_unit):
    # 在职人员控制率 112.5% → 0.60 of 3; with 设定分值 6 the same share: 1.20
    text = example_text(ZHAOSHANG) + ("\nweights: {staff_control_rate: 6, three_public_change_rate: 1,"
                                      " key_spending_rate: 3}\n")
    p = prepared(write_unit, text)
    assert not p.errors, messages(p)
    assert indicator(p, "staff_control_rate").score == D("1.20")


def test_override_needs_an_attainable_score(example_text, write_unit):
    text = example_text(ZHAOSHANG).replace(
        "\noverrides:\n", "\noverrides:\n  budget_adjustment_rate: {score: 0.95, reason: 经研究}\n")
    p = prepared(write_unit, text)
    assert any("0.95 分不是“预算调整率”的评分规则能给出的分数" in m for m in messages(p))


def test_attainable_override_is_used_and_listed(example_text, write_unit):
    text = example_text(ZHAOSHANG).replace(
        "\noverrides:\n", "\noverrides:\n  budget_adjustment_rate: {score: 0.9, reason: 追加为上级临时交办}\n")
    p = prepared(write_unit, text)
    assert not p.errors, messages(p)
    i = indicator(p, "budget_adjustment_rate")
    assert i.score == D("0.90") and i.override == "追加为上级临时交办"
    assert i in p.forms[0].card.overrides


def test_override_needs_a_reason(example_text, write_unit):
    text = example_text(ZHAOSHANG).replace("\noverrides:\n", "\noverrides:\n  carryover_rate: {score: 3}\n")
    p = prepared(write_unit, text)
    assert any("overrides.carryover_rate.reason（理由）" in m for m in messages(p))


def test_indicator_keys_of_another_pack_are_ignored_with_a_warning(example_text, write_unit):
    """A unit file may carry scores judged under another city's rubric (or a
    typo): they are named in a warning with the keys this rubric has."""
    text = example_text(ZHAOSHANG).replace("\noverrides:\n", "\noverrides:\n  staff_rate: {score: 3, reason: x}\n")
    p = prepared(write_unit, text)
    assert not p.errors
    assert any("'staff_rate' 不在" in w.format() and "staff_control_rate" in w.format() for w in p.warnings)


def test_missing_figure_without_override_names_the_field(example_text, write_unit):
    text = example_text(ZHAOSHANG).replace("fixed_assets: {total: 599.05, in_use: 599.05}\n", "")
    p = prepared(write_unit, text)
    msgs = messages(p)
    assert any("fixed_assets.total（固定资产总额）" in m and "固定资产利用率" in m for m in msgs)
    assert any("fixed_assets.in_use（在用固定资产总额）" in m for m in msgs)


def test_unanswered_checklist_point(example_text, write_unit):
    text = example_text(ZHAOSHANG).replace("points: {content: 是, timeliness: 是}", "points: {content: 是}")
    p = prepared(write_unit, text)
    assert any("未回答要点 'timeliness'" in m for m in messages(p))


def test_failed_checklist_point_loses_its_points(example_text, write_unit):
    text = example_text(ZHAOSHANG).replace("points: {content: 是, timeliness: 是}",
                                           "points: {content: 是, timeliness: 否}")
    p = prepared(write_unit, text)
    i = indicator(p, "disclosure")
    assert i.score == D("1.50") and "按规定时限公开" in i.reason
    # the 扣分 sentence: the 要点 quoted, one deduction
    assert i.deduction == "预决算信息公开性：未达到要点“按规定时限公开预决算信息”，扣1.5分"
    lines = p.forms[0].texts["performance_analysis"].split("\n")
    assert any(line.endswith(f".{i.deduction}。") for line in lines)


def test_zero_denominator_shows_not_applicable_with_a_warning(example_text, write_unit):
    text = example_text(ZHAOSHANG).replace("prior_budget: 6.97 ", "prior_budget: 0 ")
    p = prepared(write_unit, text)
    assert not p.errors
    i = indicator(p, "three_public_change_rate")
    assert "不适用" in i.analysis and i.score == D(3)
    assert any("不适用" in d.message and not d.is_error for d in p.diagnostics)


def test_subtotals_are_sums_of_recorded_scores(example_text):
    from conftest import EXAMPLES
    for path in sorted(EXAMPLES.glob("jinzhong-*.yaml")):
        card = prepare(path, load_pack("jinzhong")).forms[0].card
        for s in card.sections:
            assert s.score == sum(i.score for i in s.indicators)
            assert all(i.score == i.score.quantize(D("0.01")) for i in s.indicators)
            assert all(D(0) <= i.score <= i.weight for i in s.indicators)
        assert card.total == sum(s.score for s in card.sections)
