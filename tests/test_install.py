"""What a user installs: the wheel ships the built-in packs and the CLI works
from any directory; the rendered form converts to PDF with LibreOffice."""

import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import EXAMPLES, ROOT

pytestmark = pytest.mark.slow


def test_wheel_ships_the_builtin_packs(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("reportgen-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for f in ("pack.yaml", "rubric.yaml", "project_rubric.yaml", "sentences.yaml",
              "部门整体支出绩效自评表.docx", "财政支出项目绩效自评表.docx"):
        assert f"reportgen/templates/jinzhong/{f}" in names
    for f in ("pack.yaml", "project_rules.yaml", "whole_rules.yaml", "sentences.yaml", "项目支出绩效自评表.docx",
              "部门决算公开.docx", "部门（单位）整体支出预算绩效自评表.docx"):
        assert f"reportgen/templates/xinzhou/{f}" in names
    assert "reportgen/data/classification.yaml" in names   # 政府收支分类科目
    for f in ("pack.yaml", "rubric.yaml", "sentences.yaml", "部门整体支出绩效自评报告.docx",
              "部门整体支出绩效自评基础数据表.docx", "部门整体支出绩效自评共性指标表.docx"):
        assert f"reportgen/templates/ningxiang/{f}" in names
    assert "reportgen/cli.py" in names and "reportgen/__main__.py" in names
    assert "cli.py" not in names      # no top-level module named cli (clashes with PyPI packages)


def test_installed_command_works_from_any_directory(tmp_path):
    from pathlib import Path
    beside = Path(sys.executable).parent / "reportgen"    # the venv's console script
    exe = str(beside) if beside.exists() else shutil.which("reportgen")
    if exe is None:
        pytest.skip("reportgen is not installed in this environment")
    result = subprocess.run([exe, "render", str(EXAMPLES / "jinzhong-zhaoshang-2020.yaml"),
                             "--template", "jinzhong"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(list(tmp_path.glob("*.docx"))) == 3   # 部门整体 + two projects


PDF_CASES = [
    # example, pack, form file ending, texts the PDF must show
    ("jinzhong-zhaoshang-2020.yaml", "jinzhong", "部门整体支出绩效自评表.docx",
     ("晋中市部门整体支出绩效自评表", "晋中市招商引资服务中心", "112.50%", "81.60", "评价结果等次")),
    ("ningxiang-gongxin-2022.yaml", "ningxiang", "共性指标表.docx",
     ("部门整体支出绩效自评共性指标表", "宁乡市工业和信息化局", "履职效益", "70.50")),
]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.parametrize("example, pack, ending, needles", PDF_CASES)
def test_form_converts_to_pdf_with_all_its_text(tmp_path, example, pack, ending, needles):
    from pypdf import PdfReader

    from reportgen.pack.packs import load_pack
    from reportgen.pipeline import prepare, render_forms

    p = prepare(EXAMPLES / example, load_pack(pack))
    data = next(data for name, data in render_forms(p) if name.endswith(ending))
    from reportgen.output.pdf import convert

    docx = tmp_path / "form.docx"
    docx.write_bytes(data)
    conversion = convert([docx], tmp_path, tmp_path / "profile")
    assert not conversion.problems
    reader = PdfReader(str(conversion.pdfs[docx]))
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    for needle in needles:
        assert needle in text
