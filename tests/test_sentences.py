"""Generated sentences in the register of the seeds (issue 13 point 3): zero
amounts said in words, 调减/追加 by sign, staff changes by their reasons."""

import re

from reportgen.pack.packs import load_pack
from reportgen.pipeline import prepare

ZHAOSHANG = "jinzhong-zhaoshang-2020.yaml"


def texts(write_unit, text):
    p = prepare(write_unit(text), load_pack("jinzhong"))
    assert not p.errors, [d.format() for d in p.errors]
    return p.forms[0].texts


def with_budget(text, block):
    return re.sub(r"\nbudget:\n(  .*\n)+", "\nbudget:\n" + block, text)


def test_budget_execution_follows_seed_000(example_text, write_unit):
    """No 上年结转, a 调减 and nothing left: "年初预算…，年中调减…，全年支出预算…；
    全年支出…，预算完成率…，年末无结余。" (seed 000)."""
    text = with_budget(example_text(ZHAOSHANG), "  carried_over: 0\n  initial: 100\n  adjustment: -20\n"
                       "  other_adjustment: 0\n  executed: 80\n  year_end_balance: 0\n")
    assert texts(write_unit, text)["budget_execution"] == (
        "2020年度年初预算100.00万元，年中调减20.00万元，全年支出预算80.00万元；"
        "全年支出80.00万元，预算完成率100.00%，年末无结余。")


def test_budget_execution_names_each_adjustment_by_its_sign(example_text, write_unit):
    text = with_budget(example_text(ZHAOSHANG), "  carried_over: 10\n  initial: 100\n  adjustment: 20\n"
                       "  other_adjustment: -5\n  executed: 120\n  year_end_balance: 5\n"
                       "  basic_spending: 70\n  project_spending: 50\n")
    sentence = texts(write_unit, text)["budget_execution"]
    assert sentence.startswith(
        "2020年度上年结转10.00万元，年初预算100.00万元，年中追加20.00万元，其他调整资金减少5.00万元，"
        "全年支出预算125.00万元；全年支出120.00万元，预算完成率96.00%，年末结余5.00万元。"
        "全年支出中，基本支出70.00万元，占比58.33%；项目支出50.00万元，占比41.67%，包括党建经费0.21万元、")
    assert "其中上年结转" not in sentence and "其他调整资金-" not in sentence


def test_staff_changes_print_head_counts_after_their_reasons(example_text, write_unit):
    """"调离2人，调入2人", not "调离减少2人，调入增加2人"."""
    text = example_text(ZHAOSHANG).replace(
        "  retired: 18\n",
        "  retired: 18\n  prior: {in_service: 18, retired: 17}\n"
        "  changes:\n    - {reason: 调离, count: -2}\n    - {reason: 调入, count: 2}\n")
    sentence = texts(write_unit, text)["staffing"]
    assert "在职人员较上年18人持平（调离2人，调入2人）" in sentence
    assert "减少2人" not in sentence and "增加2人" not in sentence
    assert "较2019年总人数增加1人" in sentence


def test_one_group_of_staff_is_not_called_a_total(example_text, write_unit):
    """With only 在职人员 given, no 实有人数 that the unit's own note could contradict."""
    text = example_text(ZHAOSHANG).replace("  retired: 18\n", "")
    assert texts(write_unit, text)["staffing"].startswith("2020年年末核定编制16人，在职人员18人。")
