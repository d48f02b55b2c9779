"""The command line as a user meets it: help with examples, output files,
the README's commands kept true."""

import re

from click.testing import CliRunner

from reportgen.cli import main
from conftest import EXAMPLES, ROOT


def test_every_command_has_help_with_an_example():
    runner = CliRunner()
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0
        assert "例 / example:" in result.output and f"reportgen {name}" in result.output


def test_render_writes_into_a_folder_and_says_so(tmp_path):
    out = tmp_path / "输出"
    result = CliRunner().invoke(main, ["render", str(EXAMPLES / "jinzhong-gongxin-2021.yaml"),
                                       "--template", "jinzhong", "-o", str(out)])
    assert result.exit_code == 0, result.output
    files = list(out.glob("*.docx"))
    assert [f.name for f in out.iterdir()] == [files[0].name, ".reportgen.json"] or \
        [f.name for f in out.iterdir()] == [".reportgen.json", files[0].name]
    assert [f.name for f in files] == ["晋中市工业和信息化局_2021年度_部门整体支出绩效自评表.docx"]
    assert f"已生成 {files[0]}" in result.output


def test_check_lists_overrides_and_passes(tmp_path):
    result = CliRunner().invoke(main, ["check", str(EXAMPLES / "jinzhong-zhaoshang-2020.yaml"),
                                       "-t", "jinzhong"])
    assert result.exit_code == 0
    assert result.output.count("人工评分: 部门整体支出绩效自评表 · ") == 4
    assert result.output.count("人工评分: 财政支出项目绩效自评表 · 招商引资工作经费 · ") == 6
    assert "部门整体支出绩效自评表: 综合得分 81.60，等次 良" in result.output
    assert "财政支出项目绩效自评表 · 招商引资专项经费: 综合得分 85.80，等次 良" in result.output


def test_single_form_to_a_file_and_unknown_form(tmp_path):
    example = str(EXAMPLES / "jinzhong-zhaoshang-2020.yaml")
    runner = CliRunner()
    result = runner.invoke(main, ["render", example, "-t", "jinzhong", "-o", str(tmp_path / "x.docx")])
    assert result.exit_code == 1 and "将生成 3 个表单" in result.output
    result = runner.invoke(main, ["render", example, "-t", "jinzhong", "--form", "department",
                                  "-o", str(tmp_path / "x.docx")])
    assert result.exit_code == 0 and (tmp_path / "x.docx").exists()
    result = runner.invoke(main, ["render", example, "-t", "jinzhong", "--form", "budget"])
    assert result.exit_code == 1 and "没有表单 budget" in result.output


def test_file_names_are_safe_for_windows():
    from reportgen.pipeline import safe_filename
    assert safe_filename('a/b:c*d?"e"<f>|g. ') == "a_b_c_d__e__f__g"


def test_readme_commands_are_what_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", readme, re.S).group(1).strip().splitlines()
    assert len(block) == 2
    assert "reportgen render examples/jinzhong-gongxin-2021.yaml --template jinzhong" in block[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert block[1] in ci.splitlines()
