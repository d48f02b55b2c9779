"""The summary workbook (绩效自评汇总表) a finance bureau keeps across units.

``reportgen summary`` runs the pipeline (:func:`pipeline.prepare`) on every
unit file and writes one .xlsx with three sheets:

* 汇总: one row per scored unit, best first — 单位名称, 年度, 全年预算数 and
  预算执行数 (万元), each 三级指标's value (a rate as %, a checklist as
  "3/3项符合", a 达成 level as text, 人工评分 where the unit scored it by
  hand) and score (分), each 一级 subtotal, 综合得分, 等次, 排名 (by 综合得分;
  equal scores share a rank and the next rank is skipped: 1, 2, 2, 4) and the
  number of errors and warnings the pipeline's checks found.  Only units
  free of errors are ranked, each 年度 on its own; a unit with errors, or a
  second file of the same unit and year, is listed as 不参加排名;
* 排名表: the printable ranking, one A4 portrait page wide — 排名, 单位名称,
  年度, each 一级 score, 综合得分, 等次, and the units not ranked with why;
* 等次分布: the number and share of units per 等次 (the rubric's bands,
  优/良/中/差) with a bar chart;
* 问题清单: every error and warning of every unit (单位, 文件, 级别, 位置,
  字段, 说明).  A unit that cannot be read or scored is listed there and is
  not ranked.

The scores are the pack's scored department form (the first form with a
rubric that is not filled per project), the same Scorecard the rendered
form prints.  Numbers are written as numbers (Decimal, rounded half-up to
the places the forms print: 万元 2 dp, % 2 dp, 分 2 dp) with number formats,
never as text.  Sheets are print-ready: landscape (汇总 on A3, a few pages
across with the unit names repeated; 排名表 A4 portrait), header rows repeated
on every page, header frozen.
"""

from __future__ import annotations

import io
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from reportgen import numbers as N
from reportgen.compute.derive import total_budget
from reportgen.errors import ERROR, Diagnostic, ReportgenError, display_path
from reportgen.pack.packs import Form, Pack
from reportgen.pipeline import prepare
from reportgen.compute.score import IndicatorScore, Scorecard

SCORE_FORMAT = "0.00"
NOT_RANKED = "不参加排名"
#: Columns of the 汇总 sheet printed on one A3 landscape page across.
COLUMNS_PER_PAGE = 24
PERCENT_FORMAT = "0.00%"
WAN_FORMAT = "#,##0.00"
FONT = "宋体"


@dataclass
class UnitResult:
    """One unit file's outcome: ``card`` is None when it could not be scored
    (``reason`` says why); ``diagnostics`` are all its errors and warnings."""

    file: str
    name: str
    year: str
    card: Scorecard | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    budget: Decimal | None = None        # 全年支出预算数, 元
    executed: Decimal | None = None      # 预算执行数, 元
    reason: str = ""
    rank: int | None = None
    duplicate_of: str = ""               # the file that already holds this unit and year

    @property
    def ranked(self) -> bool:
        """Scored, free of errors and not a second file of the same unit and year."""
        return self.card is not None and not self.errors and not self.duplicate_of

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == ERROR)

    @property
    def warnings(self) -> int:
        return len(self.diagnostics) - self.errors


def scored_form(pack: Pack) -> Form:
    """The pack's scored department form; ReportgenError when it has none
    (e.g. a pack of project forms only)."""
    for form in pack.forms:
        if form.rubric is not None and not form.each:
            return form
    raise ReportgenError(f"模板包 {pack.name} 没有评分的部门整体支出绩效自评表单，无法汇总"
                         f"（no scored department form）")


def unit_files(args: list[str], output: str | Path | None = None) -> list[Path]:
    """The unit files named by ``args``: files as given, folders as their
    ``*.yaml``/``*.yml`` files and filled 采集表 ``*.xlsx`` (sorted, not
    recursive; not ``output``, the summary being written, nor an Excel lock
    file).  ReportgenError for a path that does not exist, or when no file
    is found."""
    from reportgen.output.batch import is_unit_file

    skip = Path(output).resolve() if output else None
    files: list[Path] = []
    missing = []
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if is_unit_file(f) and f.resolve() != skip)
        elif p.is_file():
            files.append(p)
        else:
            missing.append(arg)
    if missing:
        raise ReportgenError("找不到文件或文件夹: " + "、".join(missing))
    if not files:
        raise ReportgenError("没有找到单位数据文件（.yaml）或数据采集表（.xlsx）")
    return files


def summarize(files: list[Path], pack: Pack) -> list[UnitResult]:
    """Run the pipeline on each file; results ranked by 综合得分 (scored
    units first, best first, then in file order)."""
    form = scored_form(pack)
    results = []
    for f in files:
        prepared = prepare(f, pack)
        name = display_path(f)
        u = prepared.unit
        if u is None:
            results.append(UnitResult(name, Path(f).stem, "", None, prepared.diagnostics,
                                      reason="文件无法读取或格式有误，未能评分，不参加排名"))
            continue
        pf = next((pf for pf in prepared.scored_forms() if pf.form is form), None)
        card = pf.card if pf is not None and isinstance(pf.card, Scorecard) else None
        budget = total_budget(u) if u.has("budget.initial") else None
        result = UnitResult(name, u.get("unit.name") or Path(f).stem, str(u.get("year") or ""), card,
                            prepared.diagnostics, budget, u.get("budget.executed"))
        if card is None:
            result.reason = f"数据有 {result.errors} 个错误，未能评分，不参加排名"
        elif result.errors:
            result.reason = f"数据有 {result.errors} 个错误，不参加排名（改正后重新汇总）"
        results.append(result)
    seen: dict[tuple[str, str], str] = {}
    for r in results:
        if r.card is None:
            continue
        key = (r.name, r.year)
        if key in seen:
            r.duplicate_of = seen[key]
            r.reason = f"与 {seen[key]} 是同一单位同一年度，只按 {seen[key]} 排名"
        else:
            seen[key] = r.file
    rank(results)
    return sorted(results, key=lambda r: (r.year, r.rank is None, r.rank or 0))


def rank(results: list[UnitResult]) -> None:
    """Set ``rank`` on the ranked results (:attr:`UnitResult.ranked`) of
    each 年度 by 综合得分, high to low; equal scores share a rank
    (competition ranking: 1, 2, 2, 4).  Units of different years are never
    compared."""
    by_year: dict[str, list[UnitResult]] = {}
    for r in results:
        if r.ranked:
            by_year.setdefault(r.year, []).append(r)
    for group in by_year.values():
        scored = sorted(group, key=lambda r: -r.card.total)
        for i, r in enumerate(scored):
            if i and r.card.total == scored[i - 1].card.total:
                r.rank = scored[i - 1].rank
            else:
                r.rank = i + 1


def problems(results: list[UnitResult]) -> list[str]:
    """What a reader of the ranking must know, one line each (Chinese): the
    same unit and year in two files, and units of more than one 年度 (ranked
    within each year).  ``reportgen summary`` prints them as warnings, or
    refuses to write with ``--strict``."""
    out = [f"{r.file}: 警告：{r.reason}" for r in results if r.duplicate_of]
    years = sorted({r.year for r in results if r.card is not None})
    if len(years) > 1:
        out.append(f"警告：汇总的单位属于 {'、'.join(f'{y}年度' for y in years)}，"
                   "不同年度的单位不相互比较，按年度分别排名")
    return out


def indicator_value(score: IndicatorScore):
    """What the 数值 column shows for one indicator: a rate as a Decimal ratio
    (4 dp, shown as 0.00%), otherwise short text."""
    m = score.measure
    if m is None:
        return "人工评分" if score.override is not None else "不适用"
    if m.kind == "ratio":
        return N.quantize(m.value, 4) if m.value is not None else N.NOT_APPLICABLE
    if m.kind == "checklist" and isinstance(m.data, dict):
        met = sum(1 for v in m.data.values() if v is True)
        return f"{met}/{len(m.data)}项符合"
    if m.kind == "checkpoints" and m.data:
        day, ratio = m.data[-1]                     # the latest 支付时点
        return f"{day.month}月{day.day}日{N.percent(ratio)}"
    return m.vars.get("result") or m.vars.get("rate") or m.vars.get("note") or ""


# --------------------------------------------------------------------------
# The workbook


def _width(text: str) -> int:
    """Display width of ``text`` in Excel character units (CJK counts 2)."""
    longest = max((sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
                   for line in str(text).split("\n")), default=0)
    return longest


def _print_setup(ws, title_rows: str) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _style_header(ws, rows: int) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin")
    for row in ws.iter_rows(min_row=1, max_row=rows):
        for cell in row:
            cell.font = Font(name=FONT, bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)


def _style_body(ws, first_row: int, widths: dict[int, int]) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin")
    for row in ws.iter_rows(min_row=first_row):
        lines = 1
        for cell in row:
            cell.font = Font(name=FONT)
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            cell.alignment = Alignment(vertical="center", wrap_text=isinstance(cell.value, str))
            if isinstance(cell.value, str) and cell.column in widths:
                lines = max(lines, -(-_width(cell.value) // max(widths[cell.column] - 1, 1)))
        ws.row_dimensions[row[0].row].height = 15 * min(lines, 8)   # wrapped text stays visible
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def _summary_sheet(ws, results: list[UnitResult], form: Form) -> None:
    """Two header rows (group, column), then one row per ranked unit."""
    from openpyxl.utils import get_column_letter

    rubric = form.rubric
    indicators = list(rubric.indicators())
    columns: list[tuple[str, str, str]] = [("单位名称", "", ""), ("年度", "", ""),
                                           ("全年预算数（万元）", "", WAN_FORMAT),
                                           ("预算执行数（万元）", "", WAN_FORMAT)]
    for ind in indicators:
        columns += [(ind.name, "数值", PERCENT_FORMAT), (ind.name, "得分", SCORE_FORMAT)]
    columns += [("一级指标得分", s.name, SCORE_FORMAT) for s in rubric.sections]
    columns += [("综合得分", "", SCORE_FORMAT), ("等次", "", ""), ("排名", "", "0"),
                ("错误数", "", "0"), ("警告数", "", "0")]
    for c, (group, sub, _) in enumerate(columns, 1):
        ws.cell(1, c, group)
        ws.cell(2, c, sub or None)
    # merge each group across its columns, and single columns down both rows
    c = 1
    while c <= len(columns):
        group, sub, _ = columns[c - 1]
        end = c
        while end < len(columns) and columns[end][0] == group and sub:
            end += 1
        if sub:
            if end > c:
                ws.merge_cells(start_row=1, start_column=c, end_row=1, end_column=end)
        else:
            ws.merge_cells(start_row=1, start_column=c, end_row=2, end_column=c)
        c = end + 1
    # grouped columns stay narrow (their group title wraps over them); a
    # single column is as wide as its title, within reason
    widths = {c: max(6, _width(sub) + 2) if sub else min(max(6, _width(group) // 2 + 2), 14)
              for c, (group, sub, _) in enumerate(columns, 1)}
    listed = [r for r in results if r.ranked] + [r for r in results if r.card is not None and not r.ranked]
    for r in listed:
        card = r.card
        values: list = [r.name, _year(r), _wan(r.budget), _wan(r.executed)]
        if r.ranked:
            scores = {i.key: i for i in card.indicators}
            for ind in indicators:
                s = scores.get(ind.key)
                values += [indicator_value(s), s.score] if s is not None else ["", ""]
            values += [s.score for s in card.sections]
            values += [card.total, card.grade, r.rank, r.errors, r.warnings]
        else:       # scores of wrong or repeated data are not shown
            values += [""] * (2 * len(indicators) + len(rubric.sections) + 2)
            values += [NOT_RANKED, r.errors, r.warnings]
        ws.append(values)
        row = ws.max_row
        for c, (value, (_, _, fmt)) in enumerate(zip(values, columns), 1):
            if fmt and isinstance(value, (Decimal, int)):
                ws.cell(row, c).number_format = fmt
            widths[c] = max(widths[c], min(_width(value) + 2, 12 if c > 1 else 30))
    _style_header(ws, 2)
    _style_body(ws, 3, widths)
    ws.row_dimensions[1].height = 60
    ws.freeze_panes = "C3"
    _print_setup(ws, "1:2")
    ws.page_setup.paperSize = ws.PAPERSIZE_A3   # 26 indicators × 2 columns: A3 as summary tables are printed
    ws.page_setup.fitToWidth = -(-len(columns) // COLUMNS_PER_PAGE)   # pages across, names repeated
    ws.print_title_cols = "A:B"
    if ws.max_row > 2:
        ws.auto_filter.ref = f"A2:{get_column_letter(len(columns))}{ws.max_row}"


def _year(r: UnitResult):
    return int(r.year) if r.year.isdigit() else r.year


def _ranking_sheet(ws, results: list[UnitResult], form: Form) -> None:
    """The printable ranking (排名表): 排名, 单位名称, 年度, each 一级指标
    得分, 综合得分, 等次, 备注 — one A4 portrait page wide; the units not
    ranked follow with the reason."""
    sections = [f"{s.name}（{N.plain(s.weight)}分）" for s in form.rubric.sections]
    title = f"{form.rubric.title}得分排名"
    columns = ["排名", "单位名称", "年度"] + sections + ["综合得分", "等次", "备注"]
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws.append(columns)
    for r in (r for r in results if r.ranked):
        ws.append([r.rank, r.name, _year(r)] + [s.score for s in r.card.sections]
                  + [r.card.total, r.card.grade, ""])
        for c in range(4, 5 + len(sections)):
            ws.cell(ws.max_row, c).number_format = SCORE_FORMAT
    for r in (r for r in results if not r.ranked):
        ws.append([NOT_RANKED, r.name, _year(r)] + [""] * (len(sections) + 2) + [r.reason])
    _style_header(ws, 2)
    _style_body(ws, 3, {1: 8, 2: 30, 3: 7, **{4 + i: 9 for i in range(len(sections))},
                        4 + len(sections): 9, 5 + len(sections): 6, 6 + len(sections): 24})
    from openpyxl.styles import Font

    ws.cell(1, 1).font = Font(name=FONT, bold=True, size=14)
    ws.row_dimensions[1].height = 28
    ws.freeze_panes = "A3"
    _print_setup(ws, "1:2")
    ws.page_setup.orientation = "portrait"


def _wan(amount: Decimal | None):
    return N.quantize(N.yuan_to_wan(amount)) if amount is not None else ""


def _grades_sheet(ws, results: list[UnitResult], form: Form) -> None:
    from openpyxl.chart import BarChart, Reference

    grades = [g for _, g in form.rubric.grades.bands]
    counts = Counter(r.card.grade for r in results if r.ranked)
    ranked = sum(counts.values())
    ws.append(["等次", "单位数", "占比"])
    for g in grades:
        ws.append([g, counts[g], Decimal(counts[g]) / ranked if ranked else N.NOT_APPLICABLE])
        ws.cell(ws.max_row, 2).number_format = "0"
        ws.cell(ws.max_row, 3).number_format = PERCENT_FORMAT
    ws.append(["合计", ranked, Decimal(1) if ranked else N.NOT_APPLICABLE])
    ws.cell(ws.max_row, 3).number_format = PERCENT_FORMAT
    unscored = sum(1 for r in results if not r.ranked)
    if unscored:
        ws.append(["不参加排名", unscored, "见“排名表”备注和“问题清单”"])
    _style_header(ws, 1)
    _style_body(ws, 2, {1: 12, 2: 10, 3: 12})
    ws.freeze_panes = "A2"
    _print_setup(ws, "1:1")
    chart = BarChart()
    chart.type = "col"
    chart.title = "等次分布"
    chart.y_axis.title = "单位数"
    chart.x_axis.title = "等次"
    chart.legend = None
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=1 + len(grades)), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(grades)))
    chart.height, chart.width = 8, 14
    ws.add_chart(chart, "E2")


FINDING_COLUMNS = (("单位", 30), ("文件", 30), ("级别", 8), ("位置", 30), ("字段", 30), ("说明", 70))


def _findings_sheet(ws, results: list[UnitResult]) -> None:
    ws.append([name for name, _ in FINDING_COLUMNS])
    for r in results:
        for d in r.diagnostics:
            field_text = f"{d.path}（{d.zh}）" if d.path and d.zh else d.path or d.zh
            message = replace(d, loc=None, path="", zh="", severity=ERROR).format()
            ws.append([r.name, r.file, "错误" if d.is_error else "警告", str(d.loc) if d.loc else r.file,
                       field_text, message])
        if r.reason:
            ws.append([r.name, r.file, "错误" if r.errors or r.card is None else "警告", r.file, "", r.reason])
    _style_header(ws, 1)
    _style_body(ws, 2, {i: w for i, (_, w) in enumerate(FINDING_COLUMNS, 1)})
    ws.freeze_panes = "A2"
    _print_setup(ws, "1:1")
    if ws.max_row > 1:
        ws.auto_filter.ref = f"A1:F{ws.max_row}"


def workbook(results: list[UnitResult], pack: Pack) -> bytes:
    """The summary workbook (.xlsx bytes): sheets 汇总, 等次分布, 问题清单."""
    from openpyxl import Workbook

    form = scored_form(pack)
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    _summary_sheet(ws, results, form)
    _ranking_sheet(wb.create_sheet("排名表"), results, form)
    _grades_sheet(wb.create_sheet("等次分布"), results, form)
    _findings_sheet(wb.create_sheet("问题清单"), results)
    wb.properties.title = f"{form.rubric.title}汇总"
    wb.properties.creator = "reportgen"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
