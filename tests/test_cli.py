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
    assert result.output.count("人工评分: 财政支出项目绩效自评表 · 招商引资工作经费 · ") == 1
    assert "部门整体支出绩效自评表: 综合得分 81.60，等次 良" in result.output
    assert "财政支出项目绩效自评表 · 招商引资专项经费: 综合得分 97.80，等次 优" in result.output


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


def test_quiet_prints_errors_only_and_verbose_says_where_and_how_long(tmp_path):
    import json
    example = str(EXAMPLES / "jinzhong-gongxin-2021.yaml")
    runner = CliRunner()
    result = runner.invoke(main, ["--quiet", "render", example, "-t", "jinzhong", "-o", str(tmp_path / "q")])
    assert result.exit_code == 0 and result.output == "" and len(list((tmp_path / "q").glob("*.docx"))) == 1
    result = runner.invoke(main, ["-q", "check", example, "-t", "jinzhong"])
    assert result.exit_code == 0 and result.output == ""
    bad = tmp_path / "bad.yaml"
    bad.write_text(open(example, encoding="utf-8").read().replace("  executed: 8701.72", "  executed: 1", 1),
                   encoding="utf-8")
    result = runner.invoke(main, ["-q", "check", str(bad), "-t", "jinzhong"])
    assert result.exit_code == 1 and "budget.executed（预算执行金额）" in result.output
    assert "综合得分" not in result.output
    result = runner.invoke(main, ["--verbose", "render", example, "-t", "jinzhong", "-o", str(tmp_path / "v")])
    assert result.exit_code == 0
    assert "模板包 jinzhong" in result.output and "templates" in result.output and "秒" in result.output
    assert "字节" in result.output
    result = runner.invoke(main, ["-q", "-v", "check", example, "-t", "jinzhong"])
    assert result.exit_code == 2 and "不能同时使用" in result.output
    # check --json: machine-readable, nothing else on stdout
    result = CliRunner().invoke(main, ["check", str(bad), "-t", "jinzhong", "--json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 1 and data["ok"] is False and data["errors"] >= 1 and data["scores"] == []
    d = next(d for d in data["diagnostics"] if d["path"] == "budget.executed")
    assert d["severity"] == "error" and d["name"] == "预算执行金额" and d["line"] > 0
    assert d["expected"] and d["found"] and d["text"].startswith("bad.yaml:") or str(bad) in d["text"]
    result = CliRunner().invoke(main, ["check", example, "-t", "jinzhong", "--json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["ok"] and data["scores"][0]["total"] == "97.00"
    assert data["scores"][0]["grade"] == "优"


def test_license_and_changelog_ship_with_the_source():
    import configparser
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    assert cfg["metadata"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    from reportgen import __version__
    assert f"## {__version__}" in changelog


def test_a_gbk_console_never_makes_a_traceback(tmp_path):
    """Output redirected on a Chinese Windows is GBK: a unit name with a
    character GBK lacks is shown as ?, the files are still written."""
    text = (EXAMPLES / "jinzhong-gongxin-2021.yaml").read_text(encoding="utf-8")
    unit = tmp_path / "u.yaml"
    unit.write_text(text.replace("name: 晋中市工业和信息化局", "name: 晋中市工业和信息化局😀", 1), encoding="utf-8")
    result = CliRunner(charset="gbk").invoke(main, ["render", str(unit), "-t", "jinzhong", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.exception
    shown = result.stdout_bytes.decode("gbk")
    assert "已生成" in shown and "晋中市工业和信息化局?_2021年度" in shown
    assert any(p.name.startswith("晋中市工业和信息化局😀_2021年度") for p in tmp_path.iterdir())


def test_a_jinzhong_unit_without_evaluators_is_told_before_the_forms_print_an_empty_table(tmp_path):
    text = (EXAMPLES / "jinzhong-gongxin-2021.yaml").read_text(encoding="utf-8")
    start = text.index("evaluators:")
    lines = text[start:].split("\n")
    end = next((i for i, line in enumerate(lines[1:], 1) if line and not line.startswith((" ", "-"))), len(lines))
    unit = tmp_path / "u.yaml"
    unit.write_text(text[:start] + "\n".join(lines[end:]), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(unit), "-t", "jinzhong"])
    assert result.exit_code == 1
    assert "evaluators（评价人员）: 缺少数据：《部门整体支出绩效自评表》需要此项" in result.output
