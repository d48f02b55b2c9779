"""The 上海 部门决算 (templates/shanghai, examples/shanghai-caizheng-2024.yaml).

The example holds the raw leaves of the filed 上海市普陀区财政局 2024年度部门决算
(../shared/cases/shanghai/); its render must show every correct figure of the
filed document, the correct value where the filed one is wrong, tables whose
identities hold, and nothing ``reportgen audit`` finds.  The golden text of
the render is compared by tests/test_examples.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from reportgen.cli import main
from reportgen.compute.final_accounts import FISCAL_TYPES, SPENDING_KEYS, build
from reportgen.output.docxtext import dump, tables
from reportgen.pack.packs import load_pack
from reportgen.pipeline import prepare, render_forms

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = EXAMPLES / "shanghai-caizheng-2024.yaml"
FILED = REPO.parent / "shared" / "cases" / "shanghai" / "上海市普陀区财政局2024年度部门决算.txt"
NAME = "上海市普陀区财政局_2024年度部门决算.docx"

#: The figures of the filed document that are wrong (README of the cases): the 71.73% share
#: (2106.66 / 2940.05 = 71.65%), the 财政拨款收入支出总计 “0.3万元” (its own table: 2961.68),
#: and 社会保障和就业 326.71 in the two 总表 where every other table has its rows' 326.72.
WRONG = {(Decimal("71.73"), True), (Decimal("0.3"), False), (Decimal("326.71"), False)}

_NUMBER = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|(?<![\d.])\d+\.\d+%?|(?<![\d.])\d+%")


def figures(text: str) -> list[tuple[Decimal, bool]]:
    """Every amount or percentage of a text (a figure with a decimal point, a
    thousands separator or a % sign), as (value, is_percent): 6.2 and 6.20 are
    one figure, 0% and 0.00% another."""
    return [(Decimal(m.group(0).rstrip("%").replace(",", "")), m.group(0).endswith("%"))
            for m in _NUMBER.finditer(text)]


@pytest.fixture(scope="module")
def pack():
    return load_pack("shanghai")


@pytest.fixture(scope="module")
def prepared(pack):
    p = prepare(EXAMPLE, pack)
    assert not p.errors, [d.format() for d in p.errors]
    return p


@pytest.fixture(scope="module")
def document(prepared) -> bytes:
    return dict(render_forms(prepared))[NAME]


@pytest.fixture(scope="module")
def text(document) -> str:
    return dump(document)


def _unit(prepared):
    return prepared.forms[0].unit


# ---------------------------------------------------------------------------
# Every correct figure of the filed document, and no wrong one


@pytest.mark.skipif(not FILED.exists(), reason="the filed document is not present")
def test_recall_of_the_filed_figures(text):
    filed = figures(FILED.read_text(encoding="utf-8"))
    ours = set(figures(text))
    missing = [f for f in filed if f not in ours]
    correct = [f for f in filed if f not in WRONG]
    recall = 1 - len([f for f in missing if f not in WRONG]) / len(correct)
    print(f"\nrecall on the filed figures: {len(correct) - len([f for f in missing if f not in WRONG])}"
          f"/{len(correct)} correct figure occurrences = {recall:.2%}; wrong ones left out: "
          f"{sorted({f for f in missing})}")
    assert len(filed) > 250                       # the measure reads the whole document
    assert set(missing) == WRONG                  # every correct figure is shown, and only the wrong ones not
    assert recall == 1


def test_each_known_error_is_corrected(text):
    assert "一般公共服务支出（类）2106.66万元，占71.65%" in text and "71.73" not in text
    assert "卫生健康支出（类）60.99万元，占2.07%" in text            # each share exact: they add to 99.99%
    assert "财政拨款收入支出总计2961.68万元。" in text and "0.3万元" not in text
    assert "326.71" not in text and text.count("326.72") >= 10   # one value in every table and sentence
    # 人员经费 items from the 基本支出决算表 (0.31 is 奖励金, not 个人农业生产补贴)
    assert "其他工资福利支出、退休费、奖励金；公用经费184.65万元" in text
    assert "个人农业生产补贴；" not in text
    # 政府采购: the total is the sum of the unrounded items (the filing's 251.25, not 4.79 + 246.47)
    assert "政府采购金额（以合同签订为准）为251.25万元，其中：货物采购金额4.79万元" in text
    # a zero budget has no 完成率 (the filing prints 完成预算的0% for 0 of 0)
    assert "因公出国（境）费决算为0.00万元；" in text


def test_the_template_sentence_patterns(text):
    assert ("上海市普陀区财政局2024年度收入支出总计2995.39万元。与2023年度相比，收入支出总计减少56.95万元，"
            "下降1.87%。主要原因：") in text
    assert "本年收入合计2946.25万元，其中：财政拨款收入2940.05万元，占99.79%；其他收入6.20万元，占0.21%。" in text
    assert "本年支出合计2940.05万元，其中：基本支出2336.91万元，占79.49%；项目支出603.14万元，占20.51%。" in text
    assert ("一般公共预算财政拨款支出年初预算为2993.92万元，支出决算为2940.05万元，完成年初预算的98.20%。"
            "决算数小于预算数的主要原因：") in text
    assert ("2、一般公共服务支出（类）财政事务（款）一般行政管理事务（项）。主要用于：局财政业务指导与宣传等基本支出。"
            "年初预算为10.00万元，支出决算为10.00万元。决算数与预算数持平。") in text
    assert "2024年度“三公”经费财政拨款支出决算数与2023年度持平，其中：因公出国（境）费支出决算持平；" in text
    assert "上海市普陀区财政局2024年度无“三公”经费财政拨款支出。" in text
    assert "上海市普陀区财政局2024年度无国有资本经营预算财政拨款收入和支出。" in text
    assert "机关运行经费支出184.65万元，比2023年度增加2.55万元，增长1.40%。" in text
    assert "单价100万元（含）以上设备（不含车辆）2台（套）。" in text
    for heading in ("第一部分　上海市普陀区财政局概况", "二、部门决算单位构成", "十一、其他重要事项的情况说明",
                    "第四部分　名词解释", "十一、机关运行经费："):
        assert heading in text


# ---------------------------------------------------------------------------
# The tables


def _wan(yuan: Decimal) -> str:
    return f"{(yuan / 10000).quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}"


def test_identities_hold_in_yuan(prepared):
    """The tables' identities, exactly, on the 元 leaves the tables print from."""
    fa, diags = build(_unit(prepared))
    assert not diags
    assert fa.grand_total_income_side == fa.grand_total_spending_side
    assert fa.income_total == sum((r[k] for r in fa.income[1] if r.level == 1 for k in r.values), Decimal(0))
    for table in (fa.income, fa.spending, fa.general_budget):
        total, rows = table
        for level in (1, 2, 3):
            assert {k: sum((r[k] for r in rows if r.level == level), Decimal(0)) for k in total.values} == \
                total.values
    gb = fa.general_budget[0]
    assert fa.fiscal_total == fa.fiscal_total_spending_side
    assert sum((fa.fiscal_spending(k) for k, _ in FISCAL_TYPES), Decimal(0)) == fa.spending_total
    assert fa.economic_total("人员经费") + fa.economic_total("公用经费") == gb["basic"]
    assert sum((gb[k] for k in SPENDING_KEYS), Decimal(0)) == fa.spending_total
    assert fa.operating_costs_total == fa.economic_total("公用经费")


def test_one_figure_prints_alike_in_every_table(document, prepared):
    """No 尾差 between tables: a 类 prints the half-up 万元 of its exact sum in the
    总表, 收入/支出决算表, 财政拨款总表 and 一般公共预算表 alike."""
    fa, _ = build(_unit(prepared))
    t01, t02, t03, t04, t05, t06, t07 = tables(document)[1:8]
    for code, name in (("201", "一般公共服务支出"), ("208", "社会保障和就业支出"), ("210", "卫生健康支出"),
                       ("221", "住房保障支出")):
        exact = fa.class_spending()[code]
        printed = {next(r[3] for r in t01 if len(r) == 4 and r[2].endswith(name)),
                   next(r[3] for r in t04 if len(r) == 7 and r[2].endswith(name)),
                   next(r[2] for r in t03 if r[0] == code), next(r[2] for r in t05 if r[0] == code)}
        assert printed == {_wan(exact)}, (name, printed)
    assert [r[1] for r in t01 if r[0] == "总计"] == [_wan(fa.grand_total_income_side)] == ["2,995.39"]
    assert [r[1] for r in t04 if r[0] == "总计"] == ["2,961.68"]
    assert t06[-1] == ["人员经费合计", "2,152.26", "公用经费合计", "184.65"]


def test_tables_are_laid_out_like_the_official_template(document):
    all_tables = tables(document)
    units, t01, t02, t03, t04, t05, t06, t07, t08, t09 = all_tables
    assert units[0] == ["序号", "单位名称", "备注"] and units[2] == ["2", "上海市普陀区财政局财政所", "预算不单列，并入本级"]
    assert [r[0] for r in t01[2:10]][0] == "一、一般公共预算财政拨款收入"
    assert len([r for r in t01 if len(r) == 4 and re.match(r"^[一二三四五六七八九十]+、", r[2])]) == 26  # 类 rows
    assert t02[1][:2] == ["功能分类科目编码", "科目名称"] and t02[2][0] == "合计"
    assert [r[0] for r in t02[3:6]] == ["201", "20106", "2010601"]          # one code column, as the template
    assert t05[-1][0] == "合计"                                                # 合计 under the rows, as the template
    assert t06[0] == ["经济分类科目编码", "科目名称", "决算数"] * 2
    assert t07[-1][:2] == ["0.95", "0.00"] and t07[-1][10:] == ["0.95", "0.00"]
    assert all(len(t) == 3 for t in (t08, t09))                               # no rows: 本表无数据
    text = dump(document)
    assert "说明：上海市普陀区财政局本年度没有政府性基金预算财政拨款收入和支出，故本表无数据。" in text
    assert text.count("单位：万元") == 9


# ---------------------------------------------------------------------------
# Audit, pack, builder


def test_audit_finds_nothing_in_the_render(document, tmp_path):
    path = tmp_path / NAME
    path.write_bytes(document)
    result = CliRunner().invoke(main, ["audit", str(path)])
    assert result.exit_code == 0, result.output
    assert "未发现问题" in result.output
    result = CliRunner().invoke(main, ["audit", "--json", str(path)])
    report = json.loads(result.output)
    assert report["files"][0]["counts"] == {"错误": 0, "疑似": 0, "提示": 0}      # nothing at any level
    assert report["files"][0]["findings"] == [] and report["problems"] == []


def test_example_checks_clean():
    result = CliRunner().invoke(main, ["check", str(EXAMPLE), "--template", "shanghai"])
    assert result.exit_code == 0, result.output


def test_pack_check_is_clean():
    result = CliRunner().invoke(main, ["templates", "check", "shanghai"])
    assert result.exit_code == 0, result.output


def test_a_missing_budget_item_field_is_reported_with_its_chinese_name(write_unit, example_text, pack):
    text = example_text("shanghai-caizheng-2024.yaml").replace("        initial_budget: 100000    # 10.00\n", "", 1)
    p = prepare(write_unit(text), pack)
    messages = [d.format() for d in p.errors]
    assert any("initial_budget" in m and "年初预算数" in m for m in messages), messages


def test_the_builder_is_byte_reproducible(tmp_path):
    builder = REPO / "tools" / "build_shanghai_templates.py"
    subprocess.run([sys.executable, str(builder), "-o", str(tmp_path)], check=True, timeout=120,
                   capture_output=True)
    built = tmp_path / "部门决算.docx"
    assert built.read_bytes() == (REPO / "templates" / "shanghai" / "部门决算.docx").read_bytes()


def test_a_unit_with_government_fund_spending(example_text, write_unit, pack):
    """八、政府性基金: the table's 项 rows with their 本年收入 and 支出, and the
    template's 项-by-项 account under “支出具体情况如下”."""
    text = example_text("shanghai-caizheng-2024.yaml")
    text = text.replace("    - {code: 2210203, basic: 2585000}\n", "    - {code: 2210203, basic: 2585000}\n"
                        "    - {code: 2120801, source: 政府性基金预算财政拨款, project: 1200000}\n", 1)
    text = re.sub(r"(    - \{code: 2210203, general_budget: 2585000\}.*\n)",
                  r"\1    - {code: 2120801, government_fund: 1500000}\n", text, count=1)
    text = text.replace("closing_balance: 553400", "closing_balance: 853400")
    text = text.replace("fiscal_closing: {general_budget: 216300, government_fund: 0,",
                        "fiscal_closing: {general_budget: 216300, government_fund: 300000,")
    text = text.replace("    budget_items:                 # 五（三）", "    budget_items:\n"
                        "      - {code: 2120801, initial_budget: 1500000, purpose: 征地和拆迁补偿, reason: 部分项目尚未结算}\n"
                        "                                  # 五（三）", 1)
    p = prepare(write_unit(text), pack)
    assert not p.errors, [d.format() for d in p.errors]
    document = dict(render_forms(p))[NAME]
    out = dump(document)
    assert ("政府性基金预算财政拨款收入150.00万元，支出120.00万元，支出具体情况如下：\n"
            "¶ 1、城乡社区支出（类）国有土地使用权出让收入安排的支出（款）征地和拆迁补偿支出（项）。主要用于：征地和拆迁补偿。"
            "年初预算为150.00万元，支出决算为120.00万元。决算数小于预算数的主要原因：部分项目尚未结算。") in out
    t08 = tables(document)[8]
    assert ["2120801", "征地和拆迁补偿支出", "", "150.00", "120.00", "", "120.00", ""] in t08
    assert t08[2] == ["合计", "", "150.00", "120.00", "", "120.00", "30.00"]
    assert "本年度没有政府性基金预算财政拨款收入和支出" not in out


def test_a_unit_with_three_public_spending(example_text, write_unit, pack):
    """七（二）: each item's share of the “三公” total, the 公务用车 and 公务接待 details;
    the form asks for every item (an item left out is reported as missing data)."""
    text = example_text("shanghai-caizheng-2024.yaml")
    text = text.replace("    vehicle_operation: {prior_actual: 0, budget: 0, actual: 0}\n",
                        "    vehicle_operation: {prior_actual: 0, budget: 30000, actual: 25000}\n")
    text = text.replace("    reception: {prior_actual: 0, budget: 9500, actual: 0}",
                        "    reception: {prior_actual: 0, budget: 9500, actual: 5000}")
    text = text.replace("  reception_batches: 0\n  reception_visitors: 0",
                        "  reception_batches: 3\n  reception_visitors: 20")
    text = text.replace("    - {code: 30239, basic: 484900}", "    - {code: 30231, basic: 25000}\n"
                        "    - {code: 30239, basic: 459900}")
    text = text.replace("    - {code: 30299, basic: 115300}", "    - {code: 30217, basic: 5000}\n"
                        "    - {code: 30299, basic: 110300}")
    p = prepare(write_unit(text), pack)
    assert not p.errors, [d.format() for d in p.errors]
    out = dump(dict(render_forms(p))[NAME])
    assert ("“三公”经费财政拨款支出决算中，因公出国（境）费支出决算0.00万元，占0.00%；"
            "公务用车购置及运行维护费支出决算2.50万元，占83.33%；公务接待费支出决算0.50万元，占16.67%。具体情况如下：") in out
    assert "公务用车运行维护支出2.50万元。" in out and "全年国内公务接待3批次、20人次。" in out
    assert "2024年度“三公”经费支出决算数小于预算数" in out        # 3.00 of 3.95
    p = prepare(write_unit(text.replace("    overseas: {prior_actual: 0, budget: 0, actual: 0}\n", "")), pack)
    assert any("three_public.items.overseas（因公出国（境）费）: 缺少数据" in d.format() for d in p.errors)
