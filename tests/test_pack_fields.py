"""Fields as pack data: a bureau adds a raw field to its copy of a pack, and
the unit file, its messages, the skeleton and the workbook pick it up with no
code (issue: a city is a pack)."""

from __future__ import annotations

import shutil

from click.testing import CliRunner
from openpyxl import load_workbook

from conftest import EXAMPLES, edit
from reportgen.cli import main
from reportgen.pack.packs import builtin_dir, load_pack
from reportgen.pipeline import prepare
from reportgen.unitfile.validate import load_unit

FIELD = """
green_office:
  zh: 节约型机关建设
  type: group
  forms: [department]
  fields:
    saved_power: {zh: 节约用电量, type: number, unit: 千瓦时, required: true}
    rating: {zh: 创建等次, type: choice, options: [示范, 达标, 未达标]}
"""


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def make_pack(tmp_path):
    pack_dir = tmp_path / "changsha"
    shutil.copytree(builtin_dir() / "jinzhong", pack_dir)
    fields = pack_dir / "fields.yaml"             # jinzhong's own fields, and one more
    fields.write_text(fields.read_text(encoding="utf-8") + "\n" + FIELD, encoding="utf-8")
    return pack_dir


def test_a_new_field_is_validated_with_its_chinese_name(tmp_path):
    pack_dir = make_pack(tmp_path)
    text = (EXAMPLES / "jinzhong-gongxin-2021.yaml").read_text(encoding="utf-8")
    unit = tmp_path / "u.yaml"
    unit.write_text(text + "green_office:\n  saved_power: 很多\n  rating: 优秀\n", encoding="utf-8")
    r = run("check", unit, "-t", pack_dir)
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "green_office.saved_power（节约用电量）: 应为数字，实为 '很多'" in r.output
    assert "green_office.rating（创建等次）: 应为 示范 / 达标 / 未达标 之一，实为 '优秀'" in r.output
    # the built-in pack does not know the field
    r = run("check", unit, "-t", "jinzhong")
    assert "未知字段 'green_office'" in r.output
    # a good value passes
    unit.write_text(text + "green_office:\n  saved_power: 1200.5\n  rating: 达标\n", encoding="utf-8")
    u, diags = load_unit(unit, load_pack(str(pack_dir)).schema)
    assert not diags and str(u["green_office.saved_power"]) == "1200.5"


def test_init_and_workbook_pick_the_field_up(tmp_path):
    pack_dir = make_pack(tmp_path)
    r = run("init", "-t", pack_dir, "-o", tmp_path / "skeleton.yaml")
    assert r.exit_code == 0, r.output
    skeleton = (tmp_path / "skeleton.yaml").read_text(encoding="utf-8")
    assert "green_office:" in skeleton and "节约用电量" in skeleton and "千瓦时" in skeleton
    r = run("workbook", "-t", pack_dir, "-o", tmp_path / "wb.xlsx")
    assert r.exit_code == 0, r.output
    wb = load_workbook(tmp_path / "wb.xlsx")
    assert "节约型机关建设" in wb.sheetnames
    labels = [c.value for c in wb["节约型机关建设"]["A"]]
    assert "节约用电量" in labels
    # the field is 必填 for the form that needs it: check lists it as missing data
    prepared = prepare(EXAMPLES / "jinzhong-gongxin-2021.yaml", load_pack(str(pack_dir)))
    assert not any("green_office" in d.path for d in prepared.errors)   # optional on the forms
    needs = run("init", "-t", pack_dir, "-o", tmp_path / "s2.yaml")
    assert needs.exit_code == 0


def test_bad_field_declarations_are_located(tmp_path):
    pack_dir = make_pack(tmp_path)
    line = edit(pack_dir / "fields.yaml", "type: number", "type: nubmer")
    line2 = edit(pack_dir / "fields.yaml", "options: [示范, 达标, 未达标]", "options: [示范, 达标, 未达标], colour: red")
    with open(pack_dir / "fields.yaml", "a", encoding="utf-8") as fh:
        fh.write("budget.initial:\n  zh: 重复\n  type: amount\n")
    r = run("templates", "check", pack_dir)
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert f"fields.yaml:{line}" in r.output and "'nubmer'" in r.output
    assert f"fields.yaml:{line2}" in r.output and "未知的键 'colour'" in r.output
    assert "'budget.initial' 已是通用字段" in r.output


def test_a_scope_is_any_group_of_the_pack(tmp_path):
    pack_dir = tmp_path / "xz"
    shutil.copytree(builtin_dir() / "xinzhou", pack_dir)
    edit(pack_dir / "pack.yaml", "scope: whole_evaluation", "scope: whole_evalution")
    r = run("templates", "check", pack_dir)
    assert r.exit_code == 1 and "scope 应为单位文件中的一个组" in r.output and "whole_evalution" in r.output


def test_a_choice_shows_its_chinese_labels_and_keeps_its_codes(tmp_path):
    """``labels:`` name a choice's codes: the workbook's drop-down and hint
    show them, a unit file may give either, and the value read is the code."""
    pack_dir = tmp_path / "xz"
    shutil.copytree(builtin_dir() / "xinzhou", pack_dir)
    text = (EXAMPLES / "xinzhou-gongxin-2021.yaml").read_text(encoding="utf-8")
    unit = tmp_path / "u.yaml"
    unit.write_text(text.replace("weighting: equal_split ", "weighting: 平均分配 ", 1), encoding="utf-8")
    u, diags = load_unit(unit, load_pack(str(pack_dir)).schema)
    assert not diags and u["projects[0].weighting"] == "equal_split"
    unit.write_text(text.replace("weighting: equal_split ", "weighting: 平分 ", 1), encoding="utf-8")
    r = run("check", unit, "-t", pack_dir)
    assert r.exit_code == 1 and "应为 逐项设定 / 平均分配 / 按全国通用分值 之一，实为 '平分'" in r.output
    r = run("workbook", "-t", pack_dir, "-o", tmp_path / "wb.xlsx")
    assert r.exit_code == 0, r.output
    wb = load_workbook(tmp_path / "wb.xlsx")
    formulas = {dv.formula1 for ws in wb for dv in ws.data_validations.dataValidation}
    assert '"逐项设定,平均分配,按全国通用分值"' in formulas
    # a workbook filled from a unit file shows the label, and imports back to the same unit
    r = run("workbook", "-t", pack_dir, "-o", tmp_path / "filled.xlsx", "--from", EXAMPLES / "xinzhou-gongxin-2021.yaml")
    assert r.exit_code == 0, r.output
    cells = [c.value for ws in load_workbook(tmp_path / "filled.xlsx") for row in ws.iter_rows() for c in row]
    assert "平均分配" in cells and "equal_split" not in cells
    r = run("import", tmp_path / "filled.xlsx", "-o", tmp_path / "back.yaml")
    assert r.exit_code == 0, r.output
    back, diags = load_unit(tmp_path / "back.yaml", load_pack(str(pack_dir)).schema)
    assert not [d for d in diags if d.is_error] and back["projects[0].weighting"] == "equal_split"
    # labels and options must pair up
    edit(pack_dir / "fields.yaml", "labels: [逐项设定, 平均分配, 按全国通用分值]", "labels: [逐项设定, 平均分配]")
    r = run("templates", "check", pack_dir)
    assert r.exit_code == 1 and "labels 应与 options 一一对应（3 项），实为 2 项" in r.output
