"""The data-collection workbook: ``reportgen workbook`` / ``import`` / ``init``.

A workbook is filled here with openpyxl the way a finance office would fill
it in Excel (typing into cells, saving), then imported.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from reportgen.cli import main
from conftest import EXAMPLES
from reportgen.collect import layout as L
from reportgen.unitfile import schema as S
from reportgen.pack.needs import pack_needs
from reportgen.pack.packs import load_pack
from reportgen.pipeline import prepare, render_forms
from reportgen.unitfile.validate import load_unit


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def make_workbook(tmp_path, template, source=None, name="采集表.xlsx"):
    out = tmp_path / name
    args = ["workbook", "-t", template, "-o", out] + (["--from", source] if source else [])
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert f"已生成 {out}" in result.output
    return out


def field_cell(ws, path):
    """The value cell of a field on a field sheet (found by its key in column B)."""
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, L.F_KEY).value == path:
            return ws.cell(r, L.F_VALUE)
    raise KeyError(path)


def table_col(ws, key):
    for c in range(1, ws.max_column + 1):
        if ws.cell(L.T_KEYS, c).value == key:
            return c
    raise KeyError(key)


def fill_row(ws, row, **values):
    """Type ``values`` (column key → value; ``__`` stands for ``.``) into a table row."""
    for key, value in values.items():
        ws.cell(row, table_col(ws, key.replace("__", "."))).value = value


def same_unit(a, b):
    """Loaded, validated unit data are equal: every value, and every list item."""
    items = lambda u: {k for k in u.locs if k.endswith("]")}  # noqa: E731
    assert a.values == b.values
    assert items(a) == items(b)


# --------------------------------------------------------------------------
# workbook


def test_workbook_layout_protection_validation(tmp_path):
    wb = load_workbook(make_workbook(tmp_path, "jinzhong"))
    names = wb.sheetnames
    assert names[:3] == [L.INSTRUCTIONS, L.GENERAL, "单位信息"]
    assert {"预算收支", "项目", "项目·绩效指标", "项目·项目资金", "定性指标评价要点·要点"} <= set(names)
    # the sections jinzhong does not use come last, greyed
    assert names.index("部门决算") > names.index("文字说明")
    assert wb["部门决算"].sheet_properties.tabColor.rgb.endswith("BFBFBF")
    # another pack's own fields are not in this pack's workbook
    assert "楼堂馆所项目" not in names and "行政效能" not in names
    assert wb.properties.category == "reportgen-pack:jinzhong"
    assert "reportgen import" in "\n".join(str(c.value) for c in wb[L.INSTRUCTIONS]["A"])

    ws = wb["预算收支"]
    assert ws.protection.sheet and not ws.protection.password
    initial = field_cell(ws, "budget.initial")
    assert not initial.protection.locked and ws.cell(initial.row, L.F_LABEL).protection.locked
    assert ws.cell(initial.row, L.F_LABEL).value == "年初预算金额"
    assert ws.cell(initial.row, L.F_UNIT).value == "万元"
    assert ws.cell(initial.row, L.F_NEED).value == "必填"          # the department form prints it
    assert ws.cell(field_cell(ws, "budget.initial_basic").row, L.F_NEED).value == "选填"
    rules = {(dv.type, dv.operator, dv.formula1): str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert initial.coordinate in rules[("decimal", "greaterThanOrEqual", "0")].split()
    adjustment = field_cell(ws, "budget.adjustment")  # signed: 追减为负
    assert adjustment.coordinate in rules[("decimal", "between", "-1E+15")].split()

    staffing = wb["人员情况"]
    whole = [dv for dv in staffing.data_validations.dataValidation if dv.type == "whole"]
    assert whole and whole[0].operator == "greaterThanOrEqual"

    # repeating blocks are real Excel tables; nested lists on their own sheet keyed by the parent
    ws = wb["项目·绩效指标"]
    assert list(ws.tables)
    header = [ws.cell(L.T_HEADER, c).value for c in range(1, ws.max_column + 1)]
    assert header[:3] == ["项目序号", "项目名称", "一级指标"]
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert '"产出指标,效益指标,满意度指标"' in lists
    # checklists list the pack's 要点, with 是/否 drop-downs
    ws = wb["定性指标评价要点·要点"]
    rows = [[ws.cell(r, c).value for c in range(1, 6)] for r in range(L.T_DATA, L.T_DATA + 3)]
    assert rows[0][:4] == ["work_plan_soundness", "工作规划合理性", "laws_and_plans",
                           "符合国家法律法规、国民经济和社会发展总体规划"]
    assert any(dv.formula1 == '"是,否"' for dv in ws.data_validations.dataValidation)


def test_workbook_is_generic_over_the_schema():
    """Every scalar field of the schema has a place in the layout."""
    placed = set()
    for s in L.build_layout():
        placed |= {re.sub(r"\[\d*\]", "", r.path) for r in s.rows if isinstance(r.spec, S.Field)}
        for t in s.tables:
            base = re.sub(r"\[\]|\.\{\}", "", t.pattern)
            placed |= {f"{base}.{c.key}" if c.key else base for c in t.columns if c.role == "value"}
    fields = set()

    def collect(spec, prefix):
        for child in getattr(spec, "fields", ()):
            path = f"{prefix}.{child.key}" if prefix else child.key
            if isinstance(child, S.Field):
                fields.add(path)
            elif isinstance(child, S.Group):
                if L.uniform_groups(child) and prefix.startswith("projects"):
                    collect(child.fields[0], path)
                else:
                    collect(child, path)
            elif isinstance(child, S.ListOf):
                if isinstance(child.item, S.Field):
                    fields.add(path)
                else:
                    collect(child.item, path)
            else:
                if isinstance(child.value, S.Field):
                    fields.add(path)
                else:
                    collect(child.value, path)

    collect(S.active(), "")
    assert fields <= placed, sorted(fields - placed)


# --------------------------------------------------------------------------
# round trip


@pytest.mark.slow
@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_round_trip_every_example(tmp_path, example):
    source = EXAMPLES / example
    xlsx = make_workbook(tmp_path, example.split("-")[0], source)
    out = tmp_path / "back.yaml"
    result = run("import", xlsx, "-o", out)
    assert result.exit_code == 0, result.output
    schema = load_pack(example.split("-")[0]).schema
    before, diags = load_unit(source, schema)
    after, diags2 = load_unit(out, schema)
    assert not [d for d in diags2 if d.is_error]
    same_unit(before, after)


def test_amounts_come_back_as_typed(tmp_path, write_unit):
    unit = write_unit("""\
        money_unit: 元
        year: 2022
        unit: {name: 测试单位}
        budget: {initial: 2080.20, executed: "1,234,567.5", carried_over: 0.00001, adjustment: -3}
        satisfaction: {rate: 95.50%}
        fixed_assets: {total: 12345678901234567.89}
        """)
    xlsx = make_workbook(tmp_path, "ningxiang", unit)
    ws = load_workbook(xlsx)["预算收支"]
    assert field_cell(ws, "budget.initial").number_format == "#,##0.00"
    assert ws.cell(field_cell(ws, "budget.initial").row, L.F_UNIT).value == "元"
    out = tmp_path / "back.yaml"
    assert run("import", xlsx, "-o", out).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "initial: 2080.20  # 年初预算金额（元）" in text
    assert "executed: 1234567.5" in text and "carried_over: 0.00001" in text
    assert "adjustment: -3" in text and "rate: 95.50" in text
    assert "total: 12345678901234567.89" in text  # 19 digits: kept as text
    same_unit(load_unit(unit)[0], load_unit(out)[0])


# --------------------------------------------------------------------------
# import of a workbook filled by a unit


@pytest.mark.slow
def test_filled_workbook_imports_and_renders(tmp_path):
    xlsx = make_workbook(tmp_path, "xinzhou")
    wb = load_workbook(xlsx)
    field_cell(wb[L.GENERAL], "money_unit").value = "万元"
    field_cell(wb[L.GENERAL], "year").value = 2021
    field_cell(wb["单位信息"], "unit.name").value = "忻州市某局"
    field_cell(wb["单位信息"], "unit.filled_on").value = dt.datetime(2022, 3, 1)
    projects = wb["项目"]
    fill_row(projects, L.T_DATA, name="医药储备项目", department="某局-706")
    fill_row(projects, L.T_DATA + 1, name="救助金")
    funds = wb["项目·项目资金"]
    fill_row(funds, L.T_DATA, **{"projects[]#": 1, "projects[]__funds__{}": "市县（区）财政资金",
                                 "budget": 2080.2, "adjusted_budget": 2080.2, "spent": 2000})
    fill_row(funds, L.T_DATA + 1, **{"projects[]__name": "救助金", "projects[]__funds__{}": "上年结转资金",
                                     "budget": 200, "spent": 190.5})
    indicators = wb["项目·绩效指标"]
    rows = [(1, "产出指标", "数量指标", "储备品种数", ">=5种", "6种"),
            (1, "满意度指标", "服务对象满意度指标", "满意度", "=100%", "90%"),
            (2, "产出指标", "数量指标", "补助企业数量", ">=22家", "22家")]
    for i, (seq, l1, l2, name, target, actual) in enumerate(rows):
        fill_row(indicators, L.T_DATA + i, **{"projects[]#": seq, "level1": l1, "level2": l2, "name": name,
                                              "target": target, "actual": actual})
    wb.save(xlsx)

    out = tmp_path / "unit.yaml"
    result = run("import", xlsx, "-o", out)
    assert result.exit_code == 0, result.output
    unit, diags = load_unit(out)
    assert unit.get("projects[0].funds.city_county.budget") == Decimal("20802000")
    assert unit.get("projects[1].funds.carried_over.spent") == Decimal("1905000")
    assert unit.get("unit.filled_on") == dt.date(2022, 3, 1)
    assert unit.count("projects[0].indicators") == 2 and unit.count("projects[1].indicators") == 1
    assert unit.get("projects[0].indicators[1].target") == "=100%"
    # the projects alone: their two 项目支出绩效自评表 (the 决算公开 needs the ledger, not filled here)
    prepared = prepare(out, load_pack("xinzhou"))
    project_errors = [d for d in prepared.errors if d.path.startswith("projects")]
    assert not project_errors, [d.format() for d in project_errors]
    prepared.forms = [pf for pf in prepared.forms if pf.form.key == "project"]
    assert len(render_forms(prepared)) == 2


@pytest.mark.slow
def test_wrong_types_are_all_reported_at_their_cells(tmp_path):
    xlsx = make_workbook(tmp_path, "jinzhong", EXAMPLES / "jinzhong-gongxin-2021.yaml")
    wb = load_workbook(xlsx)
    budget = wb["预算收支"]
    field_cell(budget, "budget.initial").value = "九百万"
    staffing = wb["人员情况"]
    field_cell(staffing, "staffing.in_service").value = -3
    unit = wb["单位信息"]
    field_cell(unit, "unit.filled_on").value = "2021-13-45"
    efficiency = wb["工作计划完成情况"]
    field_cell(efficiency, "work_plan.planned").value = "很多"
    points = wb["定性指标评价要点·要点"]
    points.cell(L.T_DATA, table_col(points, "met")).value = "也许"
    indicators = wb["项目·绩效指标"]
    fill_row(indicators, L.T_DATA, **{"projects[]#": 99, "level1": "产出指标", "level2": "数量指标",
                                      "name": "x", "target": ">=1次"})
    wb.save(xlsx)

    out = tmp_path / "unit.yaml"
    result = run("import", xlsx, "-o", out)
    assert result.exit_code == 1
    assert not out.exists()
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    name = str(xlsx)
    c = field_cell(budget, "budget.initial").coordinate
    assert (f"{name} 预算收支!{c}: budget.initial（年初预算金额）: 应为金额数字（万元），实为 '九百万'"
            in lines)
    c = field_cell(staffing, "staffing.in_service").coordinate
    assert f"{name} 人员情况!{c}: staffing.in_service（在职人员数）: 不能为负数，实为 -3" in lines
    c = field_cell(unit, "unit.filled_on").coordinate
    assert f"{name} 单位信息!{c}: unit.filled_on（填报日期）: 应为日期（如 2021-12-31），实为 '2021-13-45'" in lines
    c = field_cell(efficiency, "work_plan.planned").coordinate
    assert f"{name} 工作计划完成情况!{c}: work_plan.planned（计划工作数）: 应为整数，实为 '很多'" in lines
    c = points.cell(L.T_DATA, table_col(points, "met")).coordinate
    assert any(line.startswith(f"{name} 定性指标评价要点·要点!{c}: checklists.work_plan_soundness.points."
                               "laws_and_plans（是否符合）: ") and "'也许'" in line for line in lines)
    c = indicators.cell(L.T_DATA, table_col(indicators, "projects[]#")).coordinate
    assert any(line.startswith(f"{name} 项目·绩效指标!{c}: ") and "没有序号为 99 的项目" in line
               for line in lines)
    assert lines[-1] == "共 6 个错误，未生成任何文件（6 error(s); nothing written）"


@pytest.mark.slow
def test_cells_excel_would_give(tmp_path):
    """A percent typed as 95% (0.95 formatted 0%), a date typed in a Chinese
    date format openpyxl does not know (a serial number), a formula."""
    xlsx = make_workbook(tmp_path, "jinzhong", EXAMPLES / "jinzhong-gongxin-2021.yaml")
    wb = load_workbook(xlsx)
    rate = field_cell(wb["社会公众或服务对象满意度"], "satisfaction.rate")
    rate.value, rate.number_format = 0.955, "0.0%"
    filled = field_cell(wb["单位信息"], "unit.filled_on")
    filled.value, filled.number_format = 44376, "General"
    executed = field_cell(wb["预算收支"], "budget.executed")
    executed.value = "=C3-C4"
    wb.save(xlsx)
    result = run("import", xlsx, "-o", tmp_path / "u.yaml")
    assert result.exit_code == 1
    assert f"预算收支!{executed.coordinate}: budget.executed（预算执行金额）: 单元格中是公式 '=C3-C4'" in result.output
    executed = field_cell(wb["预算收支"], "budget.executed")
    executed.value = Decimal("404.89")
    wb.save(xlsx)
    result = run("import", xlsx, "-o", tmp_path / "u.yaml")
    assert result.exit_code == 0, result.output
    unit, _ = load_unit(tmp_path / "u.yaml")
    assert unit.get("satisfaction.rate") == Decimal("0.955")
    assert unit.get("unit.filled_on") == dt.date(2021, 6, 29)


def test_not_a_workbook(tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    result = run("import", bad, "-o", tmp_path / "u.yaml")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "x.xlsx: 无法读取，不是有效的 .xlsx 文件" in result.output
    result = run("import", tmp_path / "missing.xlsx", "-o", tmp_path / "u.yaml")
    assert result.exit_code == 1 and "文件不存在" in result.output
    assert not (tmp_path / "u.yaml").exists()


def test_workbook_from_a_broken_unit_file_writes_nothing(tmp_path, write_unit):
    unit = write_unit("""\
        money_unit: 万元
        year: 2021
        unit: {name: 测试}
        budget: {initial: abc}
        """)
    result = run("workbook", "-t", "jinzhong", "-o", tmp_path / "w.xlsx", "--from", unit)
    assert result.exit_code == 1
    assert "budget.initial（年初预算金额）: 应为金额数字（万元），实为 'abc'" in result.output
    assert not (tmp_path / "w.xlsx").exists()


# --------------------------------------------------------------------------
# init


@pytest.mark.parametrize("template", ["jinzhong", "xinzhou", "ningxiang"])
def test_init_skeleton(tmp_path, template):
    out = tmp_path / "unit.yaml"
    result = run("init", "-t", template, "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# 单位数据文件模板：")
    assert "money_unit:  # 金额单位；必填，万元 / 元" in text
    assert "  name:  # 单位名称；必填" in text
    # every path the pack needs is in the skeleton
    for path in pack_needs(load_pack(template)).paths:
        key = path.rsplit(".", 1)[-1].removesuffix("[]")
        assert re.search(rf"^\s*(- )?{re.escape(key)}:", text, re.M), path
    # it loads; what is left empty is reported as missing, not as a crash
    prepared = prepare(out, load_pack(template))
    messages = [d.format() for d in prepared.errors]
    assert messages
    assert any("money_unit（金额单位）: 必填字段不能为空" in m for m in messages)
    assert all("缺少" in m or "不能为空" in m or "未回答" in m or "需要" in m or "要填写" in m
               or "无法识别指标值 ''" in m
               for m in messages), messages


def test_init_skeleton_lists_checklist_points():
    from reportgen.collect.skeleton import skeleton
    from reportgen.unitfile.tree import dump_unit

    needs = pack_needs(load_pack("jinzhong"))
    raw, notes, header = skeleton(needs, "晋中")
    text, _ = dump_unit(raw, header, keep_empty=True, notes=notes)
    assert "      laws_and_plans:  # 是否符合；符合国家法律法规、国民经济和社会发展总体规划；必填，是 / 否" in text
    assert "  carried_over:  # 上年结转金额（万元）；必填" in text


# ---- which sheets are in use -------------------------------------------------------------

class _Recorder:
    """Wraps a Unit; every path a form's context or a check asks for is
    recorded as written in the file (a scoped view adds its prefix; what a
    view inherits — year, unit.*, 评价人员 — is the file's own)."""

    def __init__(self, unit, log):
        self._unit, self._log = unit, log

    def _seen(self, path):
        from reportgen.unitfile.validate import inherited
        prefix = self._unit.prefix
        self._log.add(path if not prefix or inherited(path) else f"{prefix}.{path}")

    def __getattr__(self, name):
        attr = getattr(self._unit, name)
        if name in ("get", "has", "given", "count", "items", "keys", "loc"):
            def traced(path, *args):
                self._seen(path)
                return attr(path, *args)
            return traced
        if name == "scoped":
            return lambda prefix: _Recorder(attr(prefix), self._log)
        return attr

    def __getitem__(self, path):
        self._seen(path)
        return self._unit[path]


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_path_a_form_or_check_reads_is_on_a_sheet_in_use(example):
    from reportgen.compute.check import CHECKS
    from reportgen.pack.identities import run_identities
    from reportgen.pack.needs import pattern_of

    pack = load_pack(example.split("-")[0])
    needs = pack_needs(pack)
    prepared = prepare(EXAMPLES / example, pack)
    log: set[str] = set()
    for name in pack.checks:
        CHECKS[name][1](_Recorder(prepared.unit, log))
    run_identities(_Recorder(prepared.unit, log), pack.identities, pack.formulas)
    for pf in prepared.forms:
        pf.unit = _Recorder(pf.unit, log)
        pf.context()
    assert log
    unused = sorted(p for p in {pattern_of(p) for p in log} if not needs.uses(p))
    assert not unused, f"read by {pack.name} but on a greyed sheet: {unused}"


def test_every_context_declares_what_it_reads():
    from reportgen.forms.context import CONTEXT_READS, CONTEXTS
    assert set(CONTEXT_READS) == set(CONTEXTS)


@pytest.mark.slow
def test_sheets_are_greyed_only_when_no_form_or_check_reads_them(tmp_path):
    wb = load_workbook(make_workbook(tmp_path, "jinzhong"))
    grey = {ws.title for ws in wb if ws.sheet_properties.tabColor is not None}
    # the forms print 评价人员; 设定分值 and 人工评分 change the scores; 控制数 are checked
    for title in ("评价人员", "设定分值", "人工评分", "项目·设定分值", "项目·人工评分", "项目合计（控制数）",
                  "单位信息", "项目·定性指标评价要点·要点"):
        assert title not in grey, title
    assert {"部门决算", "单位信息·内设机构"} <= grey
    order = wb.sheetnames
    assert max(order.index(t) for t in order if t not in grey) < min(order.index(t) for t in grey)
    wb = load_workbook(make_workbook(tmp_path, "xinzhou", name="x.xlsx"))
    grey = {ws.title for ws in wb if ws.sheet_properties.tabColor is not None}
    assert {"评价人员", "设定分值", "项目·设定分值"} <= grey          # no xinzhou form prints or scores by them
    assert "部门决算" not in grey and "单位信息" not in grey


# ---- a person who never sees YAML ------------------------------------------------------------

def _rows_of(ws):
    keys = [c.value for c in ws[L.T_KEYS]]
    return keys, [r for r in ws.iter_rows(min_row=L.T_DATA)]


def test_project_checklist_rows_are_prelisted_with_chinese_names_and_a_dropdown(tmp_path):
    wb = load_workbook(make_workbook(tmp_path, "jinzhong"))
    ws = wb["项目·定性指标评价要点·要点"]
    keys, rows_ = _rows_of(ws)
    filled = [[c.value for c in r] for r in rows_ if r[keys.index("projects[]#")].value is not None
              and r[keys.index("projects[].checklists.{}.points.{}")].value]
    rubric = load_pack("jinzhong").forms[1].rubric
    per_project = sum(len(i.rule.items) for i in rubric.indicators() if i.computation.key == "checklist")
    assert len(filled) == 5 * per_project
    assert {r[0] for r in filled} == {1, 2, 3, 4, 5}
    first = filled[0]
    assert first[keys.index("projects[].checklists.{}~")] == "项目立项规范性"
    assert first[keys.index("projects[].checklists.{}.points.{}~")] == "项目按照规定的程序申请设立"
    answer = get_column_letter(keys.index("met") + 1)
    lists = [dv for dv in ws.data_validations.dataValidation if dv.formula1 == '"是,否"']
    assert lists and any(f"{answer}{L.T_DATA}" in str(dv.sqref) for dv in lists)


def _answer_all(ws, value="是"):
    keys, rows_ = _rows_of(ws)
    for r in rows_:
        if r[keys.index("checklists.{}.points.{}")].value:
            r[keys.index("met")].value = value


@pytest.mark.slow
def test_chinese_names_unknown_keys_and_check_of_the_xlsx_itself(tmp_path):
    source = EXAMPLES / "jinzhong-gongxin-2021.yaml"
    path = make_workbook(tmp_path, "jinzhong", source)
    assert run("check", path, "-t", "jinzhong").exit_code == 0
    wb = load_workbook(path)
    ws = wb["定性指标评价要点·要点"]
    keys, rows_ = _rows_of(ws)
    k_ind, k_pt = keys.index("checklists.{}"), keys.index("checklists.{}.points.{}")
    by_key = {(r[k_ind].value, r[k_pt].value): r for r in rows_ if r[k_pt].value}
    # the officer types the Chinese names of the indicator and of the 要点 (with a stray space)
    row = by_key[("work_plan_soundness", "mandate")]
    row[k_ind].value, row[k_pt].value = "工作规划合理性", "符合部门“三定”方案 确定的职责"
    ws2 = wb["定性指标评价要点"]
    wb.save(path)
    result = run("check", path, "-t", "jinzhong")
    assert result.exit_code == 0, result.output
    # a made-up 要点 key: an error at its row, with the closest key
    row = by_key[("work_plan_soundness", "laws_and_plans")]
    row[k_pt].value = "laws_and_plan"
    wb.save(path)
    result = run("check", path, "-t", "jinzhong")
    assert result.exit_code == 1
    line = next(l for l in result.output.splitlines() if "laws_and_plan'" in l)
    assert line.startswith(f"{path.name} 定性指标评价要点·要点!") or f"{path.name} 定性指标评价要点·要点!" in line
    assert "未知要点 'laws_and_plan'" in line and "是否应为 'laws_and_plans'" in line
    assert "Traceback" not in result.output and "UTF-8" not in result.output
    # render refuses the same workbook and writes nothing
    out = tmp_path / "out"
    result = run("render", path, "-t", "jinzhong", "-o", out)
    assert result.exit_code == 1 and not out.exists()
    assert ws2 is not None


def test_a_made_up_checklist_indicator_is_an_error_in_a_unit_file(tmp_path):
    text = (EXAMPLES / "jinzhong-gongxin-2021.yaml").read_text(encoding="utf-8")
    assert "checklists:\n" in text
    unit = tmp_path / "u.yaml"
    unit.write_text(text.replace("checklists:\n", "checklists:\n  goal_fitness:\n    points: {x: 是}\n"
                                 "  资产管理安全性:\n    note: 按中文名称填写\n", 1), encoding="utf-8")
    result = run("check", unit, "-t", "jinzhong")
    assert result.exit_code == 1
    lines = [l for l in result.output.splitlines() if "goal_fitness" in l]
    assert len(lines) == 1 and lines[0].startswith("u.yaml:") or f"{unit}:" in lines[0]
    assert "未知指标 'goal_fitness'" in lines[0]
    # the Chinese name is the same indicator as asset_security, given twice
    assert any("'资产管理安全性' 即 'asset_security'" in l for l in result.output.splitlines())


@pytest.mark.slow                 # an Excel round trip of whole examples
def test_a_filled_workbook_renders_like_its_unit_file(tmp_path):
    source = EXAMPLES / "jinzhong-zhaoshang-2020.yaml"
    path = make_workbook(tmp_path, "jinzhong", source)
    a, b = tmp_path / "from-xlsx", tmp_path / "from-yaml"
    assert run("render", path, "-t", "jinzhong", "-o", a).exit_code == 0
    assert run("render", source, "-t", "jinzhong", "-o", b).exit_code == 0
    assert sorted(f.name for f in a.iterdir()) == sorted(f.name for f in b.iterdir())
    for f in a.iterdir():
        assert f.read_bytes() == (b / f.name).read_bytes(), f.name


@pytest.mark.slow                 # an Excel round trip of whole examples
def test_a_folder_of_filled_workbooks_renders_and_is_summarised(tmp_path):
    folder = tmp_path / "采集表"
    folder.mkdir()
    make_workbook(folder, "jinzhong", EXAMPLES / "jinzhong-gongxin-2021.yaml", name="工信局.xlsx")
    make_workbook(folder, "jinzhong", EXAMPLES / "jinzhong-huitong-2021.yaml", name="汇通.xlsx")
    (folder / "~$工信局.xlsx").write_bytes(b"lock file of an open workbook")
    summary = folder / "汇总.xlsx"
    for _ in range(2):          # the second run does not read the summary it wrote the first time
        result = run("summary", folder, "-t", "jinzhong", "-o", summary)
        assert result.exit_code == 0, result.output
        assert "2 个单位参加排名，0 个不参加排名" in result.output
    summary.unlink()
    out = tmp_path / "输出"
    result = run("render", folder, "-t", "jinzhong", "-o", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["工信局", "汇通"]
    # a filled workbook carries into a new one
    again = make_workbook(tmp_path, "jinzhong", folder / "汇通.xlsx", name="新采集表.xlsx")
    assert run("check", again, "-t", "jinzhong").exit_code == 0


def test_what_is_not_a_workbook_gets_a_located_error_quickly(tmp_path, monkeypatch):
    import os
    from reportgen.collect import importer

    fifo = tmp_path / "管道.xlsx"
    os.mkfifo(fifo)                                  # reading it would block for ever
    text = tmp_path / "文本.xlsx"
    text.write_text("unit: [\n", encoding="utf-8")
    device = tmp_path / "零.xlsx"
    device.symlink_to("/dev/zero")
    for path, message in ((fifo, "不是普通文件"), (text, "不是有效的 .xlsx 文件"), (device, "不是普通文件")):
        result = run("check", path, "-t", "jinzhong")
        assert result.exit_code == 1 and f"{path.name}: " in result.output and message in result.output
        assert "Traceback" not in result.output and "UTF-8" not in result.output
    book = make_workbook(tmp_path, "jinzhong")
    monkeypatch.setattr(importer, "MAX_ROWS", 50)    # a value typed far below the table
    result = run("check", book, "-t", "jinzhong")
    assert result.exit_code == 1 and "超过上限 50 行" in result.output
    monkeypatch.setattr(importer, "MAX_UNPACKED_BYTES", 1000)   # a zip bomb unpacks past the bound
    result = run("render", book, "-t", "jinzhong", "-o", tmp_path / "out")
    assert result.exit_code == 1 and "解压后过大" in result.output and not (tmp_path / "out").exists()
