"""``reportgen templates list/new/check``: a finance bureau copies a pack,
edits it, and gets every problem with its file and place."""

import copy
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from reportgen.cli import main
from conftest import EXAMPLES, edit
from reportgen.forms.context import CONTEXTS
from reportgen.pack.packcheck import CONTEXT_VARIABLES, check_pack, variable_paths
from reportgen.pack.packs import builtin_dir, builtin_packs, load_pack
from reportgen.pipeline import prepare
from reportgen.forms.generic import generic_variables
from reportgen.unitfile import schema as S

DEPARTMENT = "部门整体支出绩效自评表.docx"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_list_shows_builtin_packs_and_given_paths(tmp_path):
    copy_dir = tmp_path / "mine"
    shutil.copytree(builtin_dir() / "xinzhou", copy_dir)
    result = run("templates", "list", copy_dir)
    assert result.exit_code == 0, result.output
    out = result.output
    for name in ("jinzhong", "ningxiang", "xinzhou"):
        assert f"{name}  " in out
    assert "晋中市部门整体支出绩效自评（晋中市（山西省））" in out
    assert "表单 department: 部门整体支出绩效自评表" in out
    assert "表单 project: 财政支出项目绩效自评表（每个项目一份）" in out
    assert "表单 scoring: 附件2-2 部门整体支出绩效自评共性指标表" in out
    assert f"位置: {copy_dir}" in out
    assert out.count("忻州市部门决算公开与预算绩效自评") == 2        # built-in and the copy


def test_list_reports_a_folder_that_is_no_pack(tmp_path):
    result = run("templates", "list", tmp_path)
    assert result.exit_code == 1 and "无法读取模板包" in result.output
    assert "jinzhong  " in result.output


def test_new_copies_a_pack_that_checks_clean(tmp_path):
    target = tmp_path / "packs" / "yuci"
    result = run("templates", "new", "榆次", "--from", "jinzhong", "-o", target)
    assert result.exit_code == 0, result.output
    assert "已生成模板包 榆次" in result.output
    text = (target / "pack.yaml").read_text(encoding="utf-8")
    assert "\nname: 榆次\n" in text and text.startswith("# 晋中市")   # comments kept
    assert sorted(p.name for p in target.iterdir()) == sorted(
        p.name for p in (builtin_dir() / "jinzhong").iterdir() if p.suffix in (".yaml", ".docx"))
    assert load_pack(str(target)).name == "榆次"
    checked = run("templates", "check", target)
    assert checked.exit_code == 0, checked.output
    assert "模板包 榆次" in checked.output and "核对通过" in checked.output
    # the copy renders like the original
    p = prepare(EXAMPLES / "jinzhong-gongxin-2021.yaml", load_pack(str(target)))
    assert not p.errors and p.forms[0].card.grade == "优"


def test_new_refuses_to_overwrite(tmp_path):
    target = tmp_path / "yuci"
    target.mkdir()
    (target / "mine.txt").write_text("keep", encoding="utf-8")
    result = run("templates", "new", "yuci", "--from", "jinzhong", "-o", target)
    assert result.exit_code == 1 and "已存在，不会覆盖" in result.output
    assert [p.name for p in target.iterdir()] == ["mine.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["yuci"]          # no temporary left behind
    bad = run("templates", "new", "a/b", "--from", "jinzhong", "-o", tmp_path / "x")
    assert bad.exit_code == 1 and "只能由" in bad.output


@pytest.mark.parametrize("name", builtin_packs())
def test_builtin_packs_check_clean(name):
    result = run("templates", "check", name)
    assert result.exit_code == 0, result.output
    assert "核对通过（0 个警告）" in result.output


# --------------------------------------------------------------------------
# A pack broken in every way a bureau's edit can break it


def _split_run(run_el, parts, between=None):
    """Replace the run ``run_el`` by copies holding ``parts`` of its text, with
    ``between()`` (an element) inserted between consecutive copies."""
    prev = run_el
    for i, text in enumerate(parts):
        new = copy.deepcopy(run_el)
        for t in new.findall(qn("w:t")):
            new.remove(t)
        t = etree.SubElement(new, qn("w:t"))
        t.text = text
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        if i and between is not None:
            b = between()
            prev.addnext(b)
            prev = b
        prev.addnext(new)
        prev = new
    run_el.getparent().remove(run_el)


def _tracked_deletion():
    """A tracked deletion (修订), as Word writes it with 修订 turned on."""
    d = etree.Element(qn("w:del"))
    d.set(qn("w:id"), "901")
    d.set(qn("w:author"), "财政局")
    r = etree.SubElement(d, qn("w:r"))
    etree.SubElement(r, qn("w:delText")).text = "年"
    return d


@pytest.fixture
def broken_pack(tmp_path):
    """A copy of jinzhong with one of each problem; returns (folder, lines)."""
    dst = tmp_path / "broken"
    shutil.copytree(builtin_dir() / "jinzhong", dst)
    lines = {
        "weights": edit(dst / "rubric.yaml", "weight: 16\n", "weight: 15\n"),
        "formula": edit(dst / "rubric.yaml", "formula: staff_control_rate", "formula: staff_rate"),
        "sentence": edit(dst / "sentences.yaml", "全年支出{{ b.executed }}万元",
                         "全年支出{{ b.executed }万元"),
        "context": edit(dst / "pack.yaml", "context: scored_project_form", "context: jinzhong_projects"),
        "output": edit(dst / "pack.yaml", '"{unit}_{year}年度_部门整体支出绩效自评表.docx"',
                       '"{unit}_{yr}年度_部门整体支出绩效自评表.docx"'),
    }
    path = dst / DEPARTMENT
    doc = Document(str(path))
    # 第2段 “（{{ year }}年度）”: Word split the tag, with a tracked deletion between
    _split_run(doc.paragraphs[1].runs[0]._r, ["（{", "{ year }}年度）"], _tracked_deletion)
    # 第3段: a misspelt variable, split across runs in a way docxtpl repairs
    _split_run(doc.paragraphs[2].runs[0]._r, ["填报单位（公章）：{{ unit.", "nmae }}"])
    # 表1 第2行第4格: split into four runs, repairable and correct: not reported
    _split_run(doc.tables[0].rows[1].cells[3].paragraphs[0].runs[0]._r, ["{", "{ unit.he", "ad }", "}"])
    # 第1段: a tag left open
    doc.paragraphs[0].runs[0].text += "{{ unit.head "
    doc.save(str(path))
    return dst, lines


def test_broken_pack_reports_every_problem_with_its_place(broken_pack):
    folder, lines = broken_pack
    result = run("templates", "check", folder)
    assert result.exit_code == 1
    out = result.output
    assert "Traceback" not in out
    rubric, sentences, pack_yaml = (str(folder / n) for n in ("rubric.yaml", "sentences.yaml", "pack.yaml"))
    docx = str(folder / DEPARTMENT)
    expected = [
        (f"{rubric}:{lines['weights'] - 1}:", "一级指标“投入”分值为 15，其二级指标合计 16"),
        (f"{rubric}:{lines['formula']}:", "未知的计算 'staff_rate'"),
        (f"{rubric}:", "一级指标合计 99，应为 100"),
        (f"{sentences}:{lines['sentence']}:", "模式语法错误"),
        (f"{pack_yaml}:{lines['context']}:", "未知的表单样式 context 'jinzhong_projects'"),
        (f"{pack_yaml}:{lines['output']}:", "文件名模式 output 中的 {yr} 不可用"),
        (f"{docx}: 第2段（“（{{{{ year }}}}年度）”）", "标签 {{ year }} 被 Word 的格式拆开，docxtpl 无法还原"),
        (f"{docx}: 第3段", "模板变量 unit.nmae 不是表单样式 'scored_department_form' 提供的"),
        (f"{docx}: 第1段", "标签 {{ 在本段内没有闭合"),
    ]
    out_lines = out.splitlines()
    for where, what in expected:
        assert any(line.startswith(where) and what in line for line in out_lines), (where, what, out)
    assert "表1 第2行第4格" not in out                    # a split docxtpl repairs is fine
    assert "共 9 个错误" in out       # and no echo of the unknown formula in its block's sum


def _edited_department(tmp_path, change):
    dst = tmp_path / "p"
    shutil.copytree(builtin_dir() / "jinzhong", dst)
    path = dst / DEPARTMENT
    doc = Document(str(path))
    change(doc)
    doc.save(str(path))
    _, diags = check_pack(dst)
    return "\n".join(d.format() for d in diags)


def test_unknown_variable_in_a_loop(tmp_path):
    """A loop variable's keys are those of the list's items."""
    def change(doc):
        cells = [c for table in doc.tables for row in table.rows for c in row.cells]
        score = next(c for c in cells if c.text.strip() == "{{ r.score }}")
        score.paragraphs[0].runs[0].text = "{{ r.scroe }}"

    text = _edited_department(tmp_path, change)
    assert "表2 第5行第6格（“{{ r.scroe }}”）: 模板变量 rows[].scroe 不是表单样式 'scored_department_form' 提供的" in text
    assert "rows[] 下可用: analysis, kind, level2, level2_merge, name, ref_weight, score, weight" in text


def test_unbalanced_block_is_reported_where_it_stands(tmp_path):
    def change(doc):
        doc.paragraphs[0].runs[0].text += "{% endif %}"

    text = _edited_department(tmp_path, change)
    assert "第1段（“{{ unit.title_prefix or …”）: {% endif %} 没有对应的 {% if %}" in text


def test_total_must_be_100(tmp_path):
    dst = tmp_path / "p"
    shutil.copytree(builtin_dir() / "jinzhong", dst)
    line = edit(dst / "rubric.yaml", "total: 100", "total: 90")
    _, diags = check_pack(dst)
    text = "\n".join(d.format() for d in diags)
    assert f"rubric.yaml:{line}:" not in text or "应为 90" in text
    assert "一级指标合计 100，应为 90" in text


def test_check_accepts_a_builtin_name_and_rejects_an_unknown_one():
    assert run("templates", "check", "ningxiang").exit_code == 0
    result = run("templates", "check", "nosuchpack")
    assert result.exit_code == 1 and "找不到模板包 'nosuchpack'" in result.output


# --------------------------------------------------------------------------
# The declared variables are exactly what the context builders provide

BUILDING = """
buildings:
  - name: 综合楼
    approved_area: 1000
    actual_area: 980
    budget_investment: 500000
    actual_investment: 480000
"""


def _built_variables() -> dict[str, set[str]]:
    """Context name → variable paths built from every bundled example (and a
    宁乡 unit with a 楼堂馆所 row, which no example has)."""
    built: dict[str, set[str]] = {}
    for path in sorted(EXAMPLES.glob("*.yaml")):
        _add_variables(built, path, path.name.split("-")[0])
    return built


def _add_variables(built: dict[str, set[str]], unit: Path, pack_name: str) -> None:
    p = prepare(unit, load_pack(pack_name))
    assert not p.errors, [d.format() for d in p.errors]
    generic = {"fields", "f", "sentences", "tables", "rubric"}
    for pf in p.forms:
        context = pf.context()
        variable_paths({k: v for k, v in context.items() if k not in generic},
                       out=built.setdefault(pf.form.context, set()))
        # the generic part holds only what generic_variables derives from the pack
        found = variable_paths({k: v for k, v in context.items() if k in generic})
        with S.using(p.schema):
            allowed = generic_variables(pf.form, p.schema)
        assert found <= allowed, (pf.form.key, sorted(found - allowed))


def test_declared_variables_match_the_context_builders(tmp_path):
    built = _built_variables()
    unit = tmp_path / "ningxiang-building.yaml"
    unit.write_text((EXAMPLES / "ningxiang-gongxin-2022.yaml").read_text(encoding="utf-8") + BUILDING,
                    encoding="utf-8")
    _add_variables(built, unit, "ningxiang")
    # a 忻州 unit with 政府性基金 and 国有资本经营 lines, which the example lacks (公开08/09 rows)
    text = (EXAMPLES / "xinzhou-gongxin-2021.yaml").read_text(encoding="utf-8")
    text = text.replace("    - {code: 2299901, basic: 100000.00}\n", "    - {code: 2299901, basic: 100000.00}\n"
                        "    - {code: 2299901, source: 政府性基金预算财政拨款, project: 1000.00}\n"
                        "    - {code: 2299901, source: 国有资本经营预算财政拨款, project: 1000.00}\n", 1)
    text = text.replace("    - {code: 2299901, general_budget: 100000.00}\n", "    - {code: 2299901, general_budget: "
                        "100000.00, government_fund: 1000.00, state_capital: 1000.00}\n", 1)
    # …and a 部门决算单位构成 table (序号/单位名称/备注)
    text = text.replace("\nfinal_accounts:\n", "\nfinal_accounts:\n  units:\n    - {name: 本级, note: 并入本级}\n", 1)
    unit = tmp_path / "xinzhou-funds.yaml"
    unit.write_text(text, encoding="utf-8")
    _add_variables(built, unit, "xinzhou")
    assert set(built) <= set(CONTEXT_VARIABLES)
    for name, paths in built.items():
        assert paths == CONTEXT_VARIABLES[name], name


def test_every_context_has_declared_variables():
    """A layout added to context.CONTEXTS needs its variables declared in
    packcheck.CONTEXT_VARIABLES, or `templates check` cannot check its templates."""
    assert set(CONTEXTS) == set(CONTEXT_VARIABLES)
