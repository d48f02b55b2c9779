"""Template packs: rubric problems reported with file:line; nothing from a
pack runs outside jinja2's sandbox; the built-in pack is consistent."""

import shutil

import pytest
from click.testing import CliRunner

from reportgen.cli import main
from conftest import EXAMPLES, edit
from reportgen.errors import PackError
from reportgen.pack.packs import builtin_dir, load_pack, load_rubric

ZHAOSHANG = EXAMPLES / "jinzhong-zhaoshang-2020.yaml"


@pytest.fixture
def pack_copy(tmp_path):
    """A writable copy of the jinzhong pack; returns its folder."""
    dst = tmp_path / "mypack"
    shutil.copytree(builtin_dir() / "jinzhong", dst)
    return dst


def test_builtin_rubric_is_complete():
    rubric = load_rubric(builtin_dir() / "jinzhong" / "rubric.yaml")
    assert [(s.name, s.weight) for s in rubric.sections] == [("投入", 16), ("过程", 42), ("产出", 22), ("效果", 20)]
    assert len(list(rubric.indicators())) == 26
    # every rule in the Jinzhong rubric is inferred, and says so with its evidence
    for ind in rubric.indicators():
        assert ind.inferred and ind.source, ind.key


def test_weights_that_do_not_add_up(pack_copy):
    line = edit(pack_copy / "rubric.yaml", "weight: 16\n", "weight: 15\n")
    with pytest.raises(PackError) as exc:
        load_rubric(pack_copy / "rubric.yaml")
    assert "rubric.yaml" in str(exc.value) and "“投入”分值为 15" in str(exc.value)
    assert f":{line - 1}:" in str(exc.value) or f":{line}:" in str(exc.value)


def test_unknown_formula_and_primitive_are_located(pack_copy):
    rubric = pack_copy / "rubric.yaml"
    line_formula = edit(rubric, "formula: staff_control_rate", "formula: staff_rate")
    line_rule = edit(rubric, "primitive: penalty_per_point, target: 100, direction: under, step: 0.4",
                     "primitive: penalty, target: 100, direction: under, step: 0.4")
    with pytest.raises(PackError) as exc:
        load_rubric(rubric)
    text = str(exc.value)
    assert f"rubric.yaml:{line_formula}:" in text and "未知的计算 'staff_rate'" in text
    assert f"rubric.yaml:{line_rule}:" in text and "未知的评分规则 'penalty'" in text


def test_inferred_marker_must_name_a_parameter(pack_copy):
    edit(pack_copy / "rubric.yaml", "inferred: [step, truncation], source: \"seed 004: 18/16",
         "inferred: [stepp], source: \"seed 004: 18/16")
    with pytest.raises(PackError, match="inferred 列出了规则没有的参数: stepp"):
        load_rubric(pack_copy / "rubric.yaml")


def test_checklist_points_must_make_the_weight(pack_copy):
    edit(pack_copy / "rubric.yaml", "{key: timeliness, text: 按规定时限公开预决算信息, points: 1.5}",
         "{key: timeliness, text: 按规定时限公开预决算信息, points: 1}")
    with pytest.raises(PackError, match="各要点/时点分值合计 2.5"):
        load_rubric(pack_copy / "rubric.yaml")


def test_sandbox_blocks_python_internals(pack_copy):
    edit(pack_copy / "rubric.yaml",
         'display: "（在职人员{{ in_service }}人/编制数{{ authorized }}人）×100%={{ rate }}"',
         'display: "{{ rate.__class__.__mro__[1].__subclasses__() }}"')
    result = CliRunner().invoke(main, ["render", str(ZHAOSHANG), "-t", str(pack_copy), "-o",
                                       str(pack_copy / "out")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "display 模式出错" in result.output
    assert not (pack_copy / "out").exists()


def test_broken_docx_template_is_a_pack_error(pack_copy, tmp_path):
    from docx import Document
    path = pack_copy / "部门整体支出绩效自评表.docx"
    doc = Document(str(path))
    doc.paragraphs[0].add_run("{{ unit.name ")          # an unclosed tag
    doc.save(str(path))
    result = CliRunner().invoke(main, ["render", str(ZHAOSHANG), "-t", str(pack_copy), "-o",
                                       str(tmp_path / "o")])
    assert result.exit_code == 1 and "模板" in result.output and "Traceback" not in result.output


def test_pack_by_path_and_unknown_check(pack_copy):
    assert load_pack(str(pack_copy)).name == "jinzhong"
    line = edit(pack_copy / "pack.yaml", "checks: [project_totals]", "checks: [project_total]")
    with pytest.raises(PackError, match=f"pack.yaml:{line}:.*未知的核对规则 'project_total'"):
        load_pack(str(pack_copy))


def test_identities_are_pack_data(pack_copy, tmp_path):
    """A 审核公式 is declared in identities.yaml: a bureau adds one without code,
    and a misspelt field is reported at its line."""
    from conftest import EXAMPLES
    from reportgen.pipeline import prepare

    with open(pack_copy / "identities.yaml", "a", encoding="utf-8") as fh:
        fh.write("\nbasic_within_executed:\n  zh: 基本支出不超过预算执行\n  left: budget.basic_spending\n"
                 "  op: \"<=\"\n  right: budget.executed * 0.5\n  field: budget.basic_spending\n"
                 "  message: 基本支出不应超过预算执行金额的一半\n  severity: 警告\n")
    p = prepare(EXAMPLES / "jinzhong-huitong-2021.yaml", load_pack(str(pack_copy)))   # 19.54 of 24.74
    found = [d for d in p.warnings if d.path == "budget.basic_spending"]
    assert len(found) == 1
    text = found[0].format()
    assert "budget.basic_spending（基本支出）" in text and "基本支出不应超过预算执行金额的一半" in text
    assert "应为" in text and "实为" in text and "差额" in text and "万元" in text
    line = edit(pack_copy / "identities.yaml", "left: budget.basic_spending\n", "left: budget.basic_spendng\n")
    with pytest.raises(PackError, match=f"identities.yaml:{line}:.*budget.basic_spendng.*是否应为 budget.basic_spending"):
        load_pack(str(pack_copy))


def test_rule_must_fit_the_computation(pack_copy):
    edit(pack_copy / "rubric.yaml", "formula: staff_control_rate", "formula: checklist")
    with pytest.raises(PackError, match="规则 penalty_per_point 不能评 'checklist' 的结果"):
        load_rubric(pack_copy / "rubric.yaml")


def test_a_form_asks_only_for_its_own_data(tmp_path):
    """``render --form project`` of a 忻州 unit needs no 决算 data; a form with
    nothing to fill says so (a warning; exit 1 when nothing at all is rendered)."""
    import re

    from conftest import EXAMPLES

    text = (EXAMPLES / "xinzhou-gongxin-2021.yaml").read_text(encoding="utf-8")
    start = text.index("\nfinal_accounts:")
    end = start + 2 + re.search(r"\n[a-z_]+:", text[start + 2:]).start()
    unit = tmp_path / "no-accounts.yaml"
    unit.write_text(text[:start] + text[end:], encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["render", str(unit), "-t", "xinzhou", "--form", "project", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert len(list(out.glob("*.docx"))) == 6 and "final_accounts" not in r.output
    # the whole pack does need it
    r = CliRunner().invoke(main, ["render", str(unit), "-t", "xinzhou", "-o", str(tmp_path / "all")])
    assert r.exit_code == 1 and "final_accounts" in r.output and not (tmp_path / "all").exists()
    # a unit without a project that has 绩效指标: the project form says it is not generated
    r = CliRunner().invoke(main, ["render", str(EXAMPLES / "jinzhong-gongxin-2021.yaml"), "-t", "jinzhong",
                                  "--form", "project", "-o", str(tmp_path / "p")])
    assert r.exit_code == 1
    assert "没有填写了绩效指标（indicators）的项目，未生成《财政支出项目绩效自评表》" in r.output
    assert "没有可生成的表单" in r.output and not (tmp_path / "p").exists()
