"""Pack formulas (计算公式) and the expression language they are written in.

A formula is data: a bureau writes ``ratio(staffing.in_service,
staffing.authorized)`` in its pack; it is evaluated on Decimal in a sandbox
that admits only whitelisted syntax and library functions.
"""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, edit
from reportgen.cli import main
from reportgen.pack.expressions import Evaluator, ExpressionError, Missing, Quantity, parse
from reportgen.pack.formulas import displays
from reportgen.pack.packs import builtin_dir, load_pack
from reportgen.pipeline import prepare
from reportgen.unitfile.validate import load_unit


def evaluate(text: str, **fields) -> Quantity:
    values = {k.replace("__", "."): v for k, v in fields.items()}
    ev = Evaluator(lookup=lambda p: values.get(p), items=lambda p: [])
    return ev.evaluate(parse(text), "测试")


AMOUNT = lambda v: Quantity(Decimal(v), "amount")  # noqa: E731


# -- the language --------------------------------------------------------------

def test_arithmetic_is_decimal_and_exact():
    q = evaluate("a + 0.1 + 0.2", a=AMOUNT("0"))
    assert q.value == Decimal("0.3") and q.kind == "amount"
    assert evaluate("ratio(a, b)", a=AMOUNT("126.47"), b=AMOUNT("146.25")).display() == "86.48%"
    assert evaluate("a / b", a=AMOUNT(18), b=AMOUNT(16)).value == Decimal("1.125")
    assert evaluate("change_rate(a, b)", a=AMOUNT(90), b=AMOUNT(100)).value == Decimal("-0.1")


def test_zero_denominator_is_not_applicable_with_one_warning():
    ev = Evaluator(lookup=lambda p: {"a": AMOUNT(5), "b": AMOUNT(0)}.get(p))
    q = ev.evaluate(parse("ratio(a, b) + ratio(a, b)"), "在职人员控制率")
    assert q.value is None and q.display() == "不适用"
    assert ev.warnings == ["在职人员控制率的分母为 0，显示“不适用”"]


def test_display_by_kind():
    assert AMOUNT("233101100").display() == "23310.11"        # 元 → 万元
    assert Quantity(Decimal("0.9318"), "ratio").display() == "93.18%"
    assert Quantity(Decimal(16), "count").display() == "16"
    assert Quantity(Decimal("0.125"), "ratio").display() == "12.50%"   # half-up
    assert Quantity(Decimal("0.000125"), "ratio").display() == "0.01%"


def test_missing_and_optional_fields():
    with pytest.raises(Missing) as m:
        evaluate("a + b", a=AMOUNT(1))
    assert m.value.path == "b"
    assert evaluate("a + or_zero(b)", a=AMOUNT(1)).value == 1
    assert evaluate("coalesce(b, a)", a=AMOUNT(7)).value == 7
    assert evaluate("b if has(b) else a", a=AMOUNT(3)).value == 3
    p = parse("ratio(x.actual, coalesce(x.adjusted, x.budget)) + or_zero(y)")
    assert p.required == ["x.actual", "x.budget"] and set(p.optional) == {"x.adjusted", "y"}


def test_sum_over_a_list():
    values = {"projects[0].budget": AMOUNT(10), "projects[1].budget": AMOUNT("2.5")}
    ev = Evaluator(lookup=values.get, items=lambda p: ["projects[0]", "projects[1]", "projects[2]"])
    assert ev.evaluate(parse('sum_over(projects, "budget")')).value == Decimal("12.5")
    assert ev.evaluate(parse("count_of(projects)")).value == 3


def test_itemize_lists_the_flagged_items():
    """seed 003's 重点项目: name and 年度预算安排 (万元) of the items marked 是."""
    values = {"projects[0].name": Quantity("区内企业管理服务费", "text"), "projects[0].budget": AMOUNT(100000),
              "projects[0].key": Quantity(True, "bool"),
              "projects[1].name": Quantity("党建工作及机关文化建设费", "text"),
              "projects[1].budget": AMOUNT(47400), "projects[1].key": Quantity(True, "bool"),
              "projects[2].name": Quantity("日常公用", "text"), "projects[2].budget": AMOUNT(5),
              "projects[2].key": Quantity(False, "bool"),
              "projects[3].name": Quantity("无金额", "text"), "projects[3].key": Quantity(True, "bool")}
    ev = Evaluator(lookup=values.get, items=lambda p: [f"projects[{i}]" for i in range(4)])
    q = ev.evaluate(parse('itemize(projects, "name", "budget", "key")'))
    assert q.kind == "text" and q.display() == "区内企业管理服务费10.00万元、党建工作及机关文化建设费4.74万元"
    assert ev.evaluate(parse('itemize(projects, "name", "budget")')).display().endswith("日常公用0.00万元")


@pytest.mark.parametrize("text, message", [
    ("__import__('os').system('x')", "未知的函数"),
    ("a.__class__.__mro__", None),                 # a dotted name: just an unknown field, never an attribute
    ("(lambda: 1)()", "未知的函数"),
    ("(lambda: 1)", "Lambda"),
    ("[1] * 10", "List"),
    ("'a' * 10", "常量只能是数字"),
    ("a ** 1000", "Pow"),
    ("open('/etc/passwd')", "未知的函数"),
    ("a[0]", "Subscript"),
    ("ratio(a)", "需要 2 个参数"),
    ("ratio(a, b=1)", "名称=值"),
    ("a +", "语法错误"),
    ("x" * 3000, "过长"),
])
def test_what_a_pack_may_not_write(text, message):
    if message is None:
        with pytest.raises(Missing):
            evaluate(text)
        return
    with pytest.raises(ExpressionError) as exc:
        parse(text)
    assert message in exc.value.message


def test_numbers_stay_bounded():
    with pytest.raises(ExpressionError, match="超出范围"):
        evaluate("a * 1e30 * 1e30", a=AMOUNT(10 ** 20))


# -- formulas in packs -----------------------------------------------------------

def test_builtin_formulas_give_the_seed_figures():
    pack = load_pack("jinzhong")
    unit, _ = load_unit(EXAMPLES / "jinzhong-zhaoshang-2020.yaml")
    f = displays(unit, pack.formulas)
    assert f["staff_control_rate"] == "112.50%"               # seed 004: 18/16
    assert f["three_public_control_rate"].endswith("%")
    assert f["total_budget"] is not None


def test_scores_come_from_the_pack_formula(tmp_path):
    """Change a formula in a copy of the pack and the score follows: the
    arithmetic lives in the pack, not in the code."""
    pack_dir = tmp_path / "p"
    shutil.copytree(builtin_dir() / "jinzhong", pack_dir)
    before = prepare(EXAMPLES / "jinzhong-zhaoshang-2020.yaml", load_pack(str(pack_dir)))
    edit(pack_dir / "formulas.yaml", "value: ratio(staffing.in_service, staffing.authorized)",
         "value: ratio(staffing.in_service, staffing.in_service)")
    after = prepare(EXAMPLES / "jinzhong-zhaoshang-2020.yaml", load_pack(str(pack_dir)))
    score = lambda p: next(i for pf in p.scored_forms() for i in pf.card.indicators  # noqa: E731
                           if i.key == "staff_control_rate")
    assert score(before).score < score(after).score == 3
    assert "100.00%" in score(after).analysis


def test_misspelt_names_are_reported_at_their_line(tmp_path):
    pack_dir = tmp_path / "p"
    shutil.copytree(builtin_dir() / "ningxiang", pack_dir)
    line = edit(pack_dir / "formulas.yaml", "ratio(staffing.in_service, staffing.authorized)",
                "ratio(staffing.in_servise, staffing.authorized)")
    line2 = edit(pack_dir / "rubric.yaml", "formula: carryover_rate", "formula: carryover_rat")
    r = CliRunner().invoke(main, ["templates", "check", str(pack_dir)])
    assert r.exit_code == 1
    assert f"formulas.yaml:{line}" in r.output and "staffing.in_servise" in r.output
    assert "是否应为 staffing.in_service" in r.output
    assert f"rubric.yaml:{line2}" in r.output and "carryover_rat" in r.output


def test_a_cycle_and_a_bad_expression_are_reported(tmp_path):
    pack_dir = tmp_path / "p"
    shutil.copytree(builtin_dir() / "xinzhou", pack_dir)
    with open(pack_dir / "formulas.yaml", "a", encoding="utf-8") as fh:
        fh.write("\nloop_a:\n  zh: 甲\n  value: loop_b + 1\nloop_b:\n  zh: 乙\n  value: loop_a\n"
                 "bad:\n  zh: 丙\n  value: open('x')\n")
    r = CliRunner().invoke(main, ["templates", "check", str(pack_dir)])
    assert r.exit_code == 1
    assert "公式循环引用" in r.output and "未知的函数 'open'" in r.output
    assert "Traceback" not in r.output
