"""``reportgen summary``: the workbook a finance bureau keeps across units,
read back with openpyxl and compared with what the pipeline computes."""

import shutil
from decimal import Decimal as D

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from reportgen.cli import main
from conftest import EXAMPLES
from reportgen.pack.packs import load_pack
from reportgen.pipeline import prepare
from reportgen.collect.summary import UnitResult, rank

JINZHONG = sorted(EXAMPLES.glob("jinzhong-*.yaml"))


def dec(value) -> D:
    """A cell's number as Decimal, to 2 places (openpyxl reads numbers back as float)."""
    return D(str(value)).quantize(D("0.01"))


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """The summary of the three 晋中 examples, one unit with a bad figure and
    one file that is not YAML at all: (workbook, CLI result, folder)."""
    folder = tmp_path_factory.mktemp("units")
    for f in JINZHONG:
        shutil.copy(f, folder / f.name)
    text = (EXAMPLES / "jinzhong-zhaoshang-2020.yaml").read_text(encoding="utf-8")
    text = text.replace("name: 晋中市招商引资服务中心", "name: 数据有误的单位", 1)
    assert "  initial: " in text
    bad = text.replace("  initial: ", "  initial: 四百", 1)
    (folder / "z-bad-figure.yaml").write_text(bad, encoding="utf-8")
    (folder / "z-not-yaml.yaml").write_text("unit: [\n", encoding="utf-8")
    out = folder / "汇总.xlsx"
    result = CliRunner().invoke(main, ["summary", str(folder), "--template", "jinzhong", "-o", str(out)])
    return load_workbook(out), result, folder


def rows(ws):
    return list(ws.iter_rows(min_row=3, values_only=True))


def header(ws):
    """Column title → index: the group title, and "group/sub" for grouped columns."""
    cols = {}
    group = None
    for c in range(1, ws.max_column + 1):
        top, sub = ws.cell(1, c).value, ws.cell(2, c).value
        group = top if top is not None else group
        cols[f"{group}/{sub}" if sub else group] = c - 1
    return cols


def test_cli_reports_what_it_wrote(book):
    _, result, _ = book
    assert result.exit_code == 0, result.output
    assert "3 个单位参加排名，2 个不参加排名" in result.output
    assert "警告：汇总的单位属于 2020年度、2021年度，不同年度的单位不相互比较，按年度分别排名" in result.output
    assert "z-not-yaml.yaml: 文件无法读取或格式有误，未能评分，不参加排名" in result.output
    assert "Traceback" not in result.output


def test_values_equal_the_pipeline_scores(book):
    wb, _, _ = book
    ws = wb["汇总"]
    cols = header(ws)
    by_name = {r[cols["单位名称"]]: r for r in rows(ws)}
    pack = load_pack("jinzhong")
    assert len(by_name) == 3
    for f in JINZHONG:
        p = prepare(f, pack)
        card = p.forms[0].card
        row = by_name[p.unit.name]
        assert row[cols["年度"]] == p.unit.year
        assert dec(row[cols["综合得分"]]) == card.total
        assert row[cols["等次"]] == card.grade
        for s in card.sections:
            assert dec(row[cols[f"一级指标得分/{s.name}"]]) == s.score
        for i in card.indicators:
            assert dec(row[cols[f"{i.name}/得分"]]) == i.score, i.name
        assert row[cols["错误数"]] == 0 and row[cols["警告数"]] == len(p.warnings)
    gongxin = by_name["晋中市工业和信息化局"]
    assert dec(gongxin[cols["综合得分"]]) == D("97.00") and gongxin[cols["等次"]] == "优"
    zhaoshang = by_name["晋中市招商引资服务中心"]
    assert dec(zhaoshang[cols["综合得分"]]) == D("81.60") and zhaoshang[cols["等次"]] == "良"
    # values: 112.50% in-service ratio, 86.67% completion, a checklist, amounts in 万元
    assert D(str(zhaoshang[cols["在职人员控制率/数值"]])) == D("1.125")
    assert D(str(zhaoshang[cols["预算完成率/数值"]])) == D("0.8667")
    assert zhaoshang[cols["工作规划合理性/数值"]] == "3/3项符合"
    assert dec(zhaoshang[cols["全年预算数（万元）"]]) == D("467.18")
    assert dec(zhaoshang[cols["预算执行数（万元）"]]) == D("404.89")
    assert gongxin[cols["在职人员控制率/数值"]] == "人工评分"


def test_ranks_best_first(book):
    wb, _, _ = book
    ws = wb["汇总"]
    cols = header(ws)
    table = [(r[cols["年度"]], r[cols["单位名称"]], r[cols["排名"]]) for r in rows(ws)]
    assert table == [(2020, "晋中市招商引资服务中心", 1),        # each year ranked on its own
                     (2021, "晋中市工业和信息化局", 1), (2021, "示范区晋中开发区汇通产业园事业服务中心", 2)]


def test_equal_scores_share_a_rank():
    class Card:
        def __init__(self, total):
            self.total = D(total)

    results = [UnitResult(n, n, "2021", Card(t)) for n, t in
               (("a", "90.00"), ("b", "95.50"), ("c", "90.00"), ("d", "80.00"))]
    results.append(UnitResult("e", "e", "2021", None))
    rank(results)
    assert [r.rank for r in results] == [2, 1, 2, 4, None]


def test_number_formats_frozen_header_and_print_setup(book):
    wb, _, _ = book
    ws = wb["汇总"]
    cols = header(ws)
    first = 3
    assert ws.cell(first, cols["综合得分"] + 1).number_format == "0.00"
    assert ws.cell(first, cols["在职人员控制率/得分"] + 1).number_format == "0.00"
    assert ws.cell(first, cols["预算完成率/数值"] + 1).number_format == "0.00%"
    assert ws.cell(first, cols["全年预算数（万元）"] + 1).number_format == "#,##0.00"
    assert ws.freeze_panes == "C3"
    assert ws.print_title_rows == "$1:$2"
    assert ws.page_setup.orientation == "landscape"
    # 65 columns: three A3 pages across (unit name and year repeated), not squeezed onto one
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 3
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A3) and ws.print_title_cols == "$A:$B"
    assert ws.column_dimensions["A"].width >= 20
    for name in ("等次分布", "问题清单"):
        assert wb[name].freeze_panes == "A2" and wb[name].page_setup.orientation == "landscape"


def test_grade_distribution_with_chart(book):
    wb, _, _ = book
    ws = wb["等次分布"]
    table = {r[0]: r[1] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert (table["优"], table["良"], table["中"], table["差"], table["合计"]) == (2, 1, 0, 0, 3)
    assert table["不参加排名"] == 2
    assert ws.cell(2, 3).number_format == "0.00%"
    charts = ws._charts
    assert len(charts) == 1 and charts[0].tagname == "barChart"


def test_findings_sheet_lists_problems_and_unscored_units(book):
    wb, _, _ = book
    ws = wb["问题清单"]
    assert [c.value for c in ws[1]] == ["单位", "文件", "级别", "位置", "字段", "说明"]
    found = list(ws.iter_rows(min_row=2, values_only=True))
    bad = [r for r in found if r[0] == "数据有误的单位"]
    figure = next(r for r in bad if r[4] == "budget.initial（年初预算金额）")
    assert figure[2] == "错误" and "z-bad-figure.yaml:" in figure[3] and "四百" in figure[5]
    assert any("不参加排名" in r[5] for r in bad)
    broken = [r for r in found if r[1].endswith("z-not-yaml.yaml")]
    assert any("YAML 语法错误" in r[5] for r in broken)
    assert any(r[5] == "文件无法读取或格式有误，未能评分，不参加排名" for r in broken)


def test_nothing_written_without_unit_files(tmp_path):
    out = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(main, ["summary", str(tmp_path), "-t", "jinzhong", "-o", str(out)])
    assert result.exit_code == 1 and "没有找到单位数据文件" in result.output and not out.exists()
    result = CliRunner().invoke(main, ["summary", str(tmp_path / "nope"), "-t", "jinzhong", "-o", str(out)])
    assert result.exit_code == 1 and "找不到文件或文件夹" in result.output and not out.exists()


def test_a_pack_without_a_scored_department_form(tmp_path):
    out = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(main, ["summary", str(EXAMPLES / "xinzhou-gongxin-2021.yaml"),
                                       "-t", "xinzhou", "-o", str(out)])
    assert result.exit_code == 1 and "没有评分的部门整体支出绩效自评表单" in result.output
    assert not out.exists()


def _summary(tmp_path, files: dict[str, str], *extra):
    folder = tmp_path / "units"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    out = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(main, ["summary", str(folder), "-t", "jinzhong", "-o", str(out), *extra])
    return result, out


def test_units_with_errors_and_duplicates_are_not_ranked_and_strict_refuses(tmp_path):
    gongxin = (EXAMPLES / "jinzhong-gongxin-2021.yaml").read_text(encoding="utf-8")
    huitong = (EXAMPLES / "jinzhong-huitong-2021.yaml").read_text(encoding="utf-8")
    # a check error (预算收支不平衡) still lets the rubric score the unit: it must not be ranked
    assert "  executed: 8701.72" in gongxin
    unbalanced = gongxin.replace("  executed: 8701.72", "  executed: 8633.52", 1).replace(
        "name: 晋中市工业和信息化局", "name: 收支不平衡的单位", 1)
    files = {"a.yaml": gongxin, "b-copy.yaml": gongxin, "c.yaml": huitong, "d.yaml": unbalanced}
    result, out = _summary(tmp_path, files)
    assert result.exit_code == 0, result.output
    assert "b-copy.yaml: 警告：与 " in result.output and "a.yaml 是同一单位同一年度" in result.output
    assert "2 个单位参加排名，2 个不参加排名" in result.output
    wb = load_workbook(out)
    ws = wb["汇总"]
    cols = header(ws)
    table = [(r[cols["单位名称"]], r[cols["排名"]], r[cols["综合得分"]]) for r in rows(ws)]
    assert [(n, k) for n, k, _ in table] == [("晋中市工业和信息化局", 1),
                                             ("示范区晋中开发区汇通产业园事业服务中心", 2),
                                             ("晋中市工业和信息化局", "不参加排名"),
                                             ("收支不平衡的单位", "不参加排名")]
    assert table[3][2] is None                      # no score shown for wrong data
    ranking = wb["排名表"]
    lines = list(ranking.iter_rows(min_row=3, values_only=True))
    assert [l[:3] for l in lines[:2]] == [(1, "晋中市工业和信息化局", 2021),
                                           (2, "示范区晋中开发区汇通产业园事业服务中心", 2021)]
    assert lines[3][0] == "不参加排名" and "1 个错误" in lines[3][-1]
    # --strict: the duplicate is an error, nothing written
    out.unlink()
    result = CliRunner().invoke(main, ["summary", str(tmp_path / "units"), "-t", "jinzhong", "-o", str(out),
                                       "--strict"])
    assert result.exit_code == 1 and "错误：与 " in result.output and "未生成汇总表" in result.output
    assert not out.exists()


def test_the_ranking_sheet_prints_on_a4(book):
    wb, _, _ = book
    ws = wb["排名表"]
    assert ws.cell(1, 1).value.endswith("得分排名")
    head = [c.value for c in ws[2]]
    assert head == ["排名", "单位名称", "年度", "投入（16分）", "过程（42分）", "产出（22分）", "效果（20分）",
                    "综合得分", "等次", "备注"]
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) and ws.page_setup.orientation == "portrait"
    assert ws.page_setup.fitToWidth == 1 and ws.print_title_rows == "$1:$2"
    first = list(ws.iter_rows(min_row=3, max_row=3, values_only=True))[0]
    assert first[0] == 1 and first[-2] in ("优", "良", "中", "差")
