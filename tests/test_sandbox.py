"""The pack sandbox (reportgen/sandbox.py): what a pack may use, what it
may not, and that real forms stay far inside the limits.  Hostile packs end
to end are in test_hostile_packs.py."""

from __future__ import annotations

from decimal import Decimal

import jinja2
import pytest

from conftest import EXAMPLES
from reportgen import sandbox as S
from reportgen.output.render import _docx_env, sandbox


@pytest.mark.slow
def test_bundled_examples_use_a_tenth_of_the_limits_at_most(monkeypatch):
    from reportgen.pack.packs import load_pack
    from reportgen.pipeline import prepare, render_forms

    budgets = []

    class Recorded(S._Budget):
        def __init__(self, limits):
            super().__init__(limits)
            budgets.append(self)

    monkeypatch.setattr(S, "_Budget", Recorded)
    for example, pack in [("xinzhou-gongxin-2021.yaml", "xinzhou"), ("ningxiang-gongxin-2022.yaml", "ningxiang"),
                          ("jinzhong-zhaoshang-2020.yaml", "jinzhong"), ("jinzhong-huitong-2021.yaml", "jinzhong"),
                          ("shanghai-caizheng-2024.yaml", "shanghai")]:
        render_forms(prepare(EXAMPLES / example, load_pack(pack)))
    assert {b.limits for b in budgets} == {S.PATTERN_LIMITS, S.DOCX_LIMITS}
    for b in budgets:
        assert b.steps * 10 <= b.limits.steps and b.size * 10 <= b.limits.size, (b.steps, b.size, b.limits)


@pytest.mark.parametrize("source, out", [
    ("{{ 'abc'.upper() }}{{ 'a,b'.split(',')|join('、') }}", "ABCa、b"),
    ("{{ {'k': 1}.get('k') }}{{ [3, 1, 2]|sort|first }}", "11"),
    ("{% macro m(x) %}<{{ x }}>{% endmacro %}{{ m(1) }}{{ m(2) }}", "<1><2>"),
    ("{% for x in range(3) %}{{ loop.index }}{% else %}none{% endfor %}", "123"),
    ("{% for x in [] %}{{ x }}{% else %}none{% endfor %}", "none"),
    ("{{ 'a' ~ 1 ~ [2] }}{{ '%05.1f' % 3.14159 }}", "a1[2]003.1"),
    ("{{ 2**2**2**2 }} {{ 10 ** 100 // 10 ** 99 }}", "256 10"),
    ("{{ x.quantize(y) }}", "1.24"),
    ("{{ 42|change('人') }}", "增加42人"),
])
def test_what_a_pattern_may_use(source, out):
    assert sandbox().from_string(source).render(x=Decimal("1.235"), y=Decimal("0.01")) == out


@pytest.mark.parametrize("source, error, message", [
    ("{{ 'abc'.ljust(10) }}", jinja2.sandbox.SecurityError, "模板包不能调用 str.ljust()"),
    ("{{ 'a{}'.format(1) }}", jinja2.sandbox.SecurityError, "模板包不能调用 str.format()"),
    ("{{ (1).bit_length() }}", jinja2.sandbox.SecurityError, "模板包不能调用 int.bit_length()"),
    ("{{ [1].__class__ }}", jinja2.sandbox.SecurityError, "unsafe"),
    ("{{ lipsum(5) }}", jinja2.UndefinedError, "'lipsum' is undefined"),
    ("{{ [[1]]|sum(start=[]) }}", jinja2.sandbox.SecurityError, "sum 只能对数字求和"),
    ("{{ 'a'|batch(10**6)|list }}", S.LimitError, "batch 的参数"),
    ("{{ '%*d' % (5, 1) }}", S.LimitError, "格式宽度 *"),
    ("{{ 'ab' ~ ('x' * 2000000) }}", S.LimitError, "超出计算限制：生成的文字和列表合计超过 2000000"),
])
def test_what_a_pattern_may_not_use(source, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        sandbox().from_string(source).render()


@pytest.mark.parametrize("filter_name", ["center", "indent", "wordwrap", "format", "tojson", "pprint",
                                         "urlize", "random", "xmlattr"])
def test_filters_that_build_unbounded_text_are_not_there(filter_name):
    with pytest.raises(jinja2.TemplateSyntaxError, match=f"No filter named '{filter_name}'"):
        sandbox().from_string("{{ 'x'|%s }}" % filter_name)


def test_a_failure_carries_its_line():
    template = sandbox().from_string("第一行\n{{ a }}\n{% if a > 90 %}高{% endif %}\n")
    with pytest.raises(S.PatternError) as info:
        template.render(a="93.2%")
    assert info.value.lineno == 3 and "类型错误" in str(info.value)
    with pytest.raises(jinja2.UndefinedError) as undefined:
        sandbox().from_string("x\n\n{{ b.nope }}").render(b={})
    assert undefined.value.lineno == 3


def test_include_import_extends_are_syntax_errors_at_their_line():
    for tag in ("{% include 'x' %}", "{% import 'x' as y %}", "{% from 'x' import y %}", "{% extends 'x' %}"):
        with pytest.raises(jinja2.TemplateSyntaxError, match="模板包不能使用") as info:
            sandbox().from_string("a\nb\n" + tag)
        assert info.value.lineno == 3
        with pytest.raises(jinja2.TemplateSyntaxError, match="模板包不能使用"):
            _docx_env().from_string(tag)


def test_expressions_run_under_the_same_limits():
    env = S.environment()
    assert env.compile_expression("x * 2 + y")(x=Decimal("1.5"), y=1) == Decimal("4.0")
    with pytest.raises(S.LimitError):
        env.compile_expression("'a' * 10**9")()
    with pytest.raises(S.LimitError):
        env.compile_expression("range(10**9)")()
    with pytest.raises(S.PatternError, match="类型错误"):
        env.compile_expression("x > 90")(x="93%")


def test_the_budget_is_per_render():
    """Many renders of one pattern never add up to a limit."""
    template = sandbox().from_string("{% for i in range(90000) %}{% endfor %}{{ 'x' * 900000 }}")  # built once, printed once
    for _ in range(3):
        assert len(template.render()) == 900000


def test_nesting_too_deep_is_a_syntax_error():
    with pytest.raises(jinja2.TemplateSyntaxError, match="模式嵌套过深"):
        sandbox().from_string("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}")
