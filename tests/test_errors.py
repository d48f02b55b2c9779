"""Bad input: every error with file:line, the field's path and Chinese name,
all errors in one run, exit code 1, no traceback, nothing written."""

import re

import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.unitfile.validate import load_unit

ZHAOSHANG = "jinzhong-zhaoshang-2020.yaml"


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


def line_of(text: str, needle: str) -> int:
    """1-based line number of the first line containing ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def broken(example_text, write_unit, old: str, new: str):
    text = example_text(ZHAOSHANG)
    assert old in text, old
    return write_unit(text.replace(old, new, 1)), text.replace(old, new, 1)


def test_wrong_type_reports_line_path_and_chinese_name(example_text, write_unit, tmp_path):
    path, text = broken(example_text, write_unit, "initial: 948.96", "initial: 948,96元")
    out = tmp_path / "out"
    r = run("render", path, "-t", "jinzhong", "-o", out)
    assert r.exit_code == 1
    line = line_of(text, "initial: 948,96元")
    assert f"{path.name}:{line}:" in r.output
    assert "budget.initial（年初预算金额）" in r.output
    assert "948,96元" in r.output
    assert not out.exists()


def test_missing_field_is_named_with_its_chinese_name(example_text, write_unit):
    path, text = broken(example_text, write_unit, "  executed: 404.89           # 预算执行金额\n", "")
    r = run("check", path, "-t", "jinzhong")
    assert r.exit_code == 1
    assert "budget.executed（预算执行金额）" in r.output
    assert "缺少数据" in r.output
    # located at the budget block it belongs in
    assert f"{path.name}:{line_of(text, 'budget:')}:" in r.output


def test_duplicate_key(example_text, write_unit):
    path, text = broken(example_text, write_unit, "  executed: 404.89", "  executed: 404.89\n  executed: 404.89")
    r = run("check", path, "-t", "jinzhong")
    assert r.exit_code == 1
    second = [i for i, l in enumerate(text.splitlines(), 1) if l.startswith("  executed:")][1]
    assert f"{path.name}:{second}:3: budget.executed（预算执行金额）: 重复的键" in r.output


def test_identity_off_by_one_cent(example_text, write_unit):
    path, text = broken(example_text, write_unit, "year_end_balance: 62.29", "year_end_balance: 62.30")
    r = run("check", path, "-t", "jinzhong")
    assert r.exit_code == 1
    line = line_of(text, "executed: 404.89")
    msg = next(l for l in r.output.splitlines() if "预算执行 + 年末结余" in l)
    assert f"{path.name}:{line}:" in msg.split(": ")[0] + ":"
    assert "应为 467.18万元，实为 467.19万元，差额 0.01万元" in msg


def test_all_errors_at_once(example_text, write_unit, tmp_path):
    text = example_text(ZHAOSHANG)
    for old, new in [("initial: 948.96", "initial: abc"), ("in_service: 18", "in_service: 18.5"),
                     ("authorized: 16", "authorized: -16"), ("year: 2020", "year: twenty")]:
        text = text.replace(old, new, 1)
    path = write_unit(text)
    r = run("render", path, "-t", "jinzhong", "-o", tmp_path / "x")
    assert r.exit_code == 1
    for field in ("budget.initial", "staffing.in_service", "staffing.authorized", "year（年度）"):
        assert field in r.output
    assert "共 4 个错误" in r.output


@pytest.mark.parametrize("yaml_text, expected", [
    ("  head: no\n", None),                        # text stays text: "no", not False
    ("staffing:\n  in_service: yes\n", "应为整数"),
    ("checklists:\n  disclosure:\n    points: {content: yes}\n", "应为 是、否"),
    ("budget:\n  initial: 1_000\n", "应为金额数字"),
    ("budget:\n  initial: 1e3\n", "应为金额数字"),
    ("budget:\n  initial: .inf\n", "应为金额数字"),
])
def test_yaml_11_surprises_do_not_pass_silently(write_unit, yaml_text, expected):
    base = "money_unit: 万元\nyear: 2020\nunit:\n  name: 测试\n"
    if yaml_text.startswith("  "):
        base += yaml_text
    else:
        base += yaml_text
    unit, diags = load_unit(write_unit(base))
    if expected is None:
        assert not diags and unit.get("unit.head") == "no"
    else:
        assert any(expected in d.message for d in diags), [d.format() for d in diags]


def test_amounts_are_decimal_and_converted_exactly(write_unit):
    from decimal import Decimal
    unit, diags = load_unit(write_unit("money_unit: 万元\nyear: 2021\nunit: {name: x}\n"
                                       "budget: {initial: 0.1, adjustment: -0.07}\n"))
    assert not diags
    assert unit["budget.initial"] == Decimal("1000.0") and isinstance(unit["budget.initial"], Decimal)
    assert unit["budget.adjustment"] == Decimal("-700.00")


def test_unknown_field_suggests_the_right_key(write_unit):
    unit, diags = load_unit(write_unit("money_unit: 万元\nyear: 2021\nunit: {name: x}\nbudget: {intial: 1}\n"))
    assert len(diags) == 1
    assert diags[0].loc.line == 4 and "intial" in diags[0].message and "initial" in diags[0].message


def test_missing_required_and_bad_money_unit(write_unit):
    unit, diags = load_unit(write_unit("money_unit: 美元\nunit: {}\n"))
    texts = [d.format() for d in diags]
    assert any("money_unit（金额单位）" in t and "美元" in t for t in texts)
    assert any("year（年度）" in t and "缺少必填字段" in t for t in texts)
    assert any("unit.name（单位名称）" in t for t in texts)


def test_yaml_syntax_error_has_line(write_unit):
    path = write_unit("money_unit: 万元\nyear: 2020\nunit:\n  name: [unclosed\n")
    r = run("check", path, "-t", "jinzhong")
    assert r.exit_code == 1
    assert re.search(rf"{path.name}:\d+:\d+: YAML 语法错误", r.output)


def test_not_utf8_and_bom(write_unit, tmp_path):
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("money_unit: 万元\nyear: 2020\nunit: {name: 测试}\n".encode("gbk"))
    unit, diags = load_unit(gbk)
    assert unit.name == "测试" and [d.severity for d in diags] == ["warning"]
    assert "GB18030" in diags[0].message and diags[0].loc.line == 1
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(b"money_unit: \xe4\xb8\n\x80\xff\xfe\n")
    unit, diags = load_unit(junk)
    assert unit is None and "UTF-8" in diags[0].message and diags[0].loc.line == 1
    bom = tmp_path / "bom.yaml"
    bom.write_bytes("\ufeffmoney_unit: 万元\nyear: 2020\nunit: {name: 测试}\n".encode("utf-8"))
    unit, diags = load_unit(bom)
    assert not diags and unit.name == "测试"


def test_missing_file_and_unknown_pack(tmp_path):
    r = run("check", tmp_path / "nope.yaml", "-t", "jinzhong")
    assert r.exit_code == 1 and "无法读取文件" in r.output
    r = run("check", tmp_path / "nope.yaml", "-t", "atlantis")
    assert r.exit_code == 1 and "找不到模板包 'atlantis'" in r.output and "jinzhong" in r.output


def test_failed_render_leaves_existing_file_untouched(example_text, write_unit, tmp_path):
    good = write_unit(example_text(ZHAOSHANG))
    target = tmp_path / "form.docx"
    assert run("render", good, "-t", "jinzhong", "--form", "department", "-o", target).exit_code == 0
    before = target.read_bytes()
    bad = write_unit(example_text(ZHAOSHANG).replace("executed: 404.89", "executed: x"))
    assert run("render", bad, "-t", "jinzhong", "--form", "department", "-o", target).exit_code == 1
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".reportgen-")] == []
