"""Write the data-collection workbook (数据采集表, .xlsx) for a template pack.

Layout from :mod:`layout` (generic over the schema); which fields are
必填 from :mod:`needs` (what the pack's forms, rubrics and sentences use, plus
the schema's own required fields).  Sheets no form or check of the pack
reads (:meth:`needs.Needs.uses`) come last, greyed, marked 选填.

Cells: input cells are unlocked, everything else locked (sheet protection
without a password, so a finance office can still lift it).  Data
validation: amounts decimal ≥ 0 unless the schema says signed, counts whole
numbers, years 1900–2199, dates, drop-down lists for 选项 and 是/否 (a
checklist answer may also be ``N例``/``N分``: the list only warns).

Amounts (and other decimals) are written as *numbers* when the value has at
most 15 significant digits: openpyxl stores a float, whose shortest text
(``repr``) gives the same decimal back, and the cell's number format keeps
the number of decimals typed (``0.00``), so the importer restores
``2080.20`` exactly.  A value with more digits than a double holds is
written as text (format ``@``) and read back as text.  Percentages are
written as the number of percent (95 for 95%), in a column labelled %.
"""

from __future__ import annotations

import io
import re
import unicodedata
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table as XlTable, TableStyleInfo

from reportgen.collect import layout as L
from reportgen.unitfile import schema as S
from reportgen.pack.needs import Needs
from reportgen.numbers import parse_decimal
from reportgen.unitfile.tree import get_path, unit_label

#: Empty rows offered below the items of a table (a child table, e.g. 绩效指标, gets more).
SPARE_ROWS = 30
SPARE_CHILD_ROWS = 80
#: Items (projects) whose 评价要点 rows are listed in a blank workbook; a unit
#: with more copies the rows of one and changes the 项目序号.
PRELISTED_ITEMS = 5
#: Decimal values with more significant digits are written as text.
MAX_DIGITS = 15

HEADER_FONT = Font(name="宋体", bold=True)
BODY_FONT = Font(name="宋体")
KEY_FONT = Font(name="宋体", size=8, color="808080")
INPUT_FILL = PatternFill("solid", fgColor="FFFFFF")
LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
UNUSED_TAB = "BFBFBF"
UNLOCKED = Protection(locked=False)
WRAP = Alignment(wrap_text=True, vertical="top")

REQUIRED, OPTIONAL = "必填", "选填"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _decimal_format(value: Decimal | None, grouping: bool) -> str:
    places = max(0, -value.as_tuple().exponent) if value is not None else (2 if grouping else 0)
    base = "#,##0" if grouping else "0"
    if value is None and not grouping:
        return "General"
    return base + ("." + "0" * places if places else "")


def _chinese(doc: str) -> bool:
    """Whether a schema doc string is Chinese only (English ones are for developers)."""
    return bool(doc) and not re.search(r"[A-Za-z]", doc)


def type_hint(spec: S.Field) -> str:
    """How to fill a field, in words (shown in the 说明 column)."""
    t = spec.type
    if isinstance(t, S.Money):
        return "金额，可为负数" if t.signed else "金额，不小于0"
    if isinstance(t, S.Count):
        return "整数，可为负数" if t.signed else "整数，不小于0"
    if isinstance(t, S.Percent):
        return "百分数，填数字（95 表示 95%）"
    if isinstance(t, S.Date):
        return "日期，如 2021-12-31"
    if isinstance(t, S.Year):
        return "四位年份，如 2021"
    if isinstance(t, S.Choice):
        return "从下拉列表选择：" + " / ".join(t.shown)
    if isinstance(t, S.Bool):
        return "从下拉列表选择：是 / 否"
    if isinstance(t, S.ChecklistAnswer):
        return "是 / 否；按例扣分的填不符合的例数（如 1例），分档计分的填得分（如 0.5分）"
    if isinstance(t, S.Number):
        return "数字"
    return "文字"


def write_cell(cell, spec: S.Field, text: str | None) -> None:
    """Put a field's value (text as typed in a unit file, or None) into a
    cell with the field's number format; see the module doc for amounts."""
    t = spec.type
    cell.font = BODY_FONT
    if isinstance(t, (S.Money, S.Number, S.Percent)):
        grouping = isinstance(t, S.Money)
        value = None
        if text is not None:
            value = parse_decimal(text.strip().rstrip("%％") if isinstance(t, S.Percent) else text)
        if text is not None and (value is None or len(value.as_tuple().digits) > MAX_DIGITS):
            cell.value, cell.number_format = text, "@"
            return
        cell.number_format = _decimal_format(value, grouping)
        cell.value = value
        return
    if isinstance(t, (S.Count, S.Year)):
        value = parse_decimal(text.strip().rstrip("年")) if text is not None else None
        cell.number_format = "0"
        cell.value = int(value) if value is not None and value == value.to_integral_value() else text
        return
    if isinstance(t, S.Date):
        cell.number_format = "yyyy-mm-dd"
        if text is not None:
            value, problem = t.convert(text, "")
            cell.value = text if problem else value
        return
    cell.number_format = "@"
    cell.alignment = WRAP
    if text is None:
        return
    if isinstance(t, (S.Bool, S.ChecklistAnswer)):
        value, problem = S.Bool().convert(text, "")
        if problem is None:
            text = "是" if value else "否"
    elif isinstance(t, S.Choice):
        text = t.label(text.strip())  # the drop-down's Chinese name; read back as its code
    cell.value = text
    cell.data_type = "s"  # "=100%" is a target as written, not a formula


class _Validations:
    """One DataValidation per kind of field on a sheet."""

    def __init__(self, ws):
        self.ws = ws
        self.by_kind: dict[tuple, DataValidation] = {}

    def add(self, spec: S.Field, ref: str) -> None:
        kind = self.kind(spec)
        if kind is None:
            return
        dv = self.by_kind.get(kind)
        if dv is None:
            dv = self.make(kind)
            self.by_kind[kind] = dv
            self.ws.add_data_validation(dv)
        dv.add(ref)

    @staticmethod
    def kind(spec: S.Field) -> tuple | None:
        t = spec.type
        if isinstance(t, (S.Money, S.Percent)):
            return ("decimal", getattr(t, "signed", False))
        if isinstance(t, S.Number):
            return ("decimal", True)
        if isinstance(t, S.Count):
            return ("whole", t.signed)
        if isinstance(t, S.Year):
            return ("year",)
        if isinstance(t, S.Date):
            return ("date",)
        if isinstance(t, S.Choice):
            return ("list", t.shown, "stop")
        if isinstance(t, S.Bool):
            return ("list", ("是", "否"), "stop")
        if isinstance(t, S.ChecklistAnswer):
            return ("list", ("是", "否"), "warning")
        return None

    @staticmethod
    def make(kind: tuple) -> DataValidation:
        what = kind[0]
        if what in ("decimal", "whole"):
            signed = kind[1]
            noun = "数字" if what == "decimal" else "整数"
            if signed:
                dv = DataValidation(type=what, operator="between", formula1="-1E+15", formula2="1E+15")
                message = f"请填写{noun}"
            else:
                dv = DataValidation(type=what, operator="greaterThanOrEqual", formula1="0")
                message = f"请填写不小于0的{noun}"
        elif what == "year":
            dv = DataValidation(type="whole", operator="between", formula1="1900", formula2="2199")
            message = "请填写四位年份，如 2021"
        elif what == "date":
            dv = DataValidation(type="date", operator="greaterThan", formula1="1")
            message = "请填写日期，如 2021-12-31"
        else:
            options, style = kind[1], kind[2]
            dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', errorStyle=style)
            message = "请从下拉列表中选择：" + " / ".join(options)
            if style == "warning":
                message += "（也可填 N例 或 N分）"
        dv.error, dv.errorTitle = message, "填写有误"
        dv.prompt, dv.promptTitle = message, "填写提示"
        dv.showErrorMessage = dv.showInputMessage = True
        dv.allow_blank = True
        return dv


def _protect(ws) -> None:
    """Lock the sheet (no password) and print it landscape, one page wide."""
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.insertRows = False  # allowed: a table may need more rows than offered


class _Writer:
    def __init__(self, needs: Needs, raw: dict | None, pack_title: str):
        self.needs = needs
        self.raw = raw or {}
        self.pack_title = pack_title
        mu = self.raw.get("money_unit")
        self.money_unit = mu.strip() if isinstance(mu, str) and mu.strip() in ("万元", "元") else "万元"
        self.wb = Workbook()
        self.sheets_used: list[tuple[str, bool]] = []

    # -- required -----------------------------------------------------------
    def required(self, generic_path: str, spec) -> bool:
        return bool(getattr(spec, "required", False)) or self.needs.needs(generic_path)

    # -- sheets -------------------------------------------------------------
    def build(self, sections: list[L.Section]) -> bytes:
        # the pack travels with the workbook, so import knows the pack's own fields
        self.wb.properties.category = f"{PACK_MARK}{self.needs.pack}"
        ws = self.wb.active
        ws.title = L.INSTRUCTIONS
        general = sections[0]
        if "money_unit" not in self.raw:
            self.raw = {"money_unit": self.money_unit, **self.raw}
        self.field_sheet(general, True)
        for in_use, sheet in sheet_order(self.needs, sections):
            if isinstance(sheet, L.Section):
                self.field_sheet(sheet, in_use)
            else:
                self.table_sheet(sheet, in_use)
        self.instructions(ws)
        self.wb.security = WorkbookProtection(lockStructure=True)
        buf = io.BytesIO()
        self.wb.save(buf)
        return buf.getvalue()

    def instructions(self, ws) -> None:
        lines = [
            (f"数据采集表（{self.pack_title}）", HEADER_FONT),
            ("", None),
            ("一、怎样填写", HEADER_FONT),
            ("1. 只填原始数据（金额、人数、日期、是/否、文字说明），不填任何比率、得分、合计，这些由工具计算。", None),
            ("2. 只在白色格子中填写；灰色格子是说明，已锁定（工作表保护无密码，如需调整列宽可直接操作）。", None),
            ("3. 表格类工作表（项目、绩效指标等）每行填写一项，空行会被忽略；子表（如“项目·绩效指标”）"
             "用“项目序号”（或项目名称）注明属于哪个项目。", None),
            ("4. 日期填写为 2021-12-31；百分数填写数字（95 表示 95%）；是/否 从下拉列表选择。", None),
            ("5. 评价要点已按模板包列出（每个项目的要点按项目序号 1–"
             f"{PRELISTED_ITEMS} 列出；项目更多时复制一组行并改“项目序号”），只需选“是/否”。"
             "“指标”“要点”列也可以填写中文名称（如“工作规划合理性”）。", None),
            ("", None),
            ("二、金额单位", HEADER_FONT),
            (f"全部金额按“基本信息”表中的“金额单位”填写，本表为：{self.money_unit}。"
             "金额按账面数字精确填写，不要四舍五入。", None),
            ("", None),
            ("三、必填与选填", HEADER_FONT),
            (f"标为“{REQUIRED}”（黄色）的项目是本模板包的报表需要的数据，缺少时无法生成报表；"
             f"“{OPTIONAL}”的项目有则填写。工作表标签为灰色的部分本模板包不使用，可以不填。", None),
            ("", None),
            ("四、导入", HEADER_FONT),
            ("填好后保存，然后运行：", None),
            (f"    reportgen check 采集表.xlsx --template {self.needs.pack}      （直接核对本表）", None),
            (f"    reportgen render 采集表.xlsx --template {self.needs.pack}     （生成报表）", None),
            ("或先导入为单位数据文件：", None),
            ("    reportgen import 采集表.xlsx -o 单位数据.yaml", None),
            (f"    reportgen check 单位数据.yaml --template {self.needs.pack}", None),
            ("导入时一次列出全部问题，每条注明工作表和单元格（如 预算收支!C5），改正后重新导入即可。", None),
            ("", None),
            ("五、工作表", HEADER_FONT),
        ]
        for title, used in self.sheets_used:
            lines.append((f"    {title}" + ("" if used else "（本模板包不使用，可不填）"), None))
        for i, (text, font) in enumerate(lines, 1):
            cell = ws.cell(i, 1, text or None)
            cell.font = font or BODY_FONT
        ws.column_dimensions["A"].width = 110
        _protect(ws)

    def field_sheet(self, section: L.Section, in_use: bool) -> None:
        ws = self.wb.create_sheet(section.title)
        self.sheets_used.append((section.title, in_use))
        if not in_use:
            ws.sheet_properties.tabColor = UNUSED_TAB
        headers = ("项目", "字段", "填写内容", "单位", "必填/选填", "说明")
        for col, text in enumerate(headers, 1):
            cell = ws.cell(1, col, text)
            cell.font, cell.fill = HEADER_FONT, LABEL_FILL
        dvs = _Validations(ws)
        for r, row in enumerate(section.rows, 2):
            label = ws.cell(r, L.F_LABEL, "    " * row.depth + row.spec.zh)
            ws.cell(r, L.F_KEY, row.path).font = KEY_FONT
            if not isinstance(row.spec, S.Field):
                label.font = HEADER_FONT
                for col in range(1, 7):
                    ws.cell(r, col).fill = LABEL_FILL
                continue
            label.font = BODY_FONT
            need = self.required(row.path, row.spec)
            value = ws.cell(r, L.F_VALUE)
            write_cell(value, row.spec, get_path(self.raw, row.path) if not isinstance(
                get_path(self.raw, row.path), (dict, list)) else None)
            value.protection = UNLOCKED
            value.fill = REQUIRED_FILL if need else INPUT_FILL
            dvs.add(row.spec, value.coordinate)
            ws.cell(r, L.F_UNIT, unit_label(row.spec, self.money_unit) or None).font = BODY_FONT
            ws.cell(r, L.F_NEED, REQUIRED if need else OPTIONAL).font = BODY_FONT
            doc = type_hint(row.spec) + (f"。{row.spec.doc}" if _chinese(row.spec.doc) else "")
            ws.cell(r, L.F_DOC, doc).font = KEY_FONT
        widths = (max([_width("    " * r.depth + r.spec.zh) for r in section.rows] + [10]) + 2,
                  max([_width(r.path) for r in section.rows] + [8]) * 0.8 + 2, 40, 8, 10, 60)
        for col, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(col)].width = w
        ws.freeze_panes = "A2"
        _protect(ws)

    # -- tables -------------------------------------------------------------
    def rows(self, t: L.Table) -> list[tuple[list, list, object, bool]]:
        """``(ids, names, item raw, prelisted)`` for each row of ``t``: the
        items of the raw tree, then the keys the pack lists that are missing
        (checklists and their 要点)."""
        if t.parent is None:
            parents = [([], [], self.raw)]
        else:
            parents = [(ids, names, item) for ids, names, item, _ in self.rows(t.parent)]
        out = []
        for ids, names, parent_item in parents:
            box = get_path(parent_item, t.rel) if isinstance(parent_item, dict) else None
            name_field = t.name_field()
            if t.kind == "list":
                items = box if isinstance(box, list) else []
                for i, item in enumerate(items):
                    name = item.get(name_field.key) if name_field and isinstance(item, dict) else None
                    out.append((ids + [i], names + [name], item, False))
                if t.parent is None and self.prelists_below(t):
                    out += [(ids + [i], names + [None], {}, True)
                            for i in range(len(items), PRELISTED_ITEMS)]
                continue
            box = box if isinstance(box, dict) else {}
            keys = map_row_keys(self.needs, t, ids, box)
            for k in keys:
                out.append((ids + [k], names + [None], box.get(k), k not in box))
        return out

    def prelists_below(self, t: L.Table) -> bool:
        """Whether a child table of ``t``'s items lists the pack's keys (a
        project's 评价要点): then the first :data:`PRELISTED_ITEMS` items
        get their rows even before they are named."""
        return any(k.startswith(t.pattern + ".") and self.needs.needs(k + ".{}")
                   for k in self.needs.map_keys)

    def info_label(self, t: L.Table, level: int, ids: list) -> str | None:
        return known_label(self.needs, t.chain[level], ids[:level], ids[level])

    def table_sheet(self, t: L.Table, in_use: bool) -> None:
        ws = self.wb.create_sheet(t.title)
        self.sheets_used.append((t.title, in_use))
        if not in_use:
            ws.sheet_properties.tabColor = UNUSED_TAB
        ws.cell(L.T_TITLE, 1, f"{t.title}：每行填写一项（{t.zh}），空行不导入").font = HEADER_FONT
        rows = self.rows(t)
        spare = SPARE_CHILD_ROWS if t.parent is not None else SPARE_ROWS
        first, last = L.T_DATA, L.T_DATA + len(rows) + spare - 1
        dvs = _Validations(ws)
        seq_dv = None
        labels: set[str] = set()
        for col, c in enumerate(t.columns, 1):
            letter = get_column_letter(col)
            ws.cell(L.T_KEYS, col, c.key or t.item.key).font = KEY_FONT
            label = c.label
            if c.spec is not None and c.role == "value":
                unit = unit_label(c.spec, self.money_unit)
                label += f"（{unit}）" if unit else ""
            while label in labels:
                label += f"（{c.key}）"
            labels.add(label)
            header = ws.cell(L.T_HEADER, col, label)
            header.font = HEADER_FONT
            pattern = f"{t.pattern}.{c.key}" if c.key else t.pattern
            need = c.role == "id" or (c.role == "value" and self.required(pattern, c.spec))
            kind = {"info": "参考", "parent_name": "核对用"}.get(c.role, REQUIRED if need else OPTIONAL)
            ws.cell(L.T_NEED, col, kind).font = KEY_FONT
            ref = f"{letter}{first}:{letter}{last}"
            editable = c.role in ("value", "parent_name") or (c.role == "id" and not (
                t.chain[c.level] is t and t.kind == "list"))
            if c.role == "value":
                dvs.add(c.spec, ref)
            elif c.role == "id" and editable and t.chain[c.level].kind == "list":
                if seq_dv is None:
                    seq_dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="1",
                                            allow_blank=True, showErrorMessage=True,
                                            error="请填写所属项的序号（正整数）", errorTitle="填写有误")
                    ws.add_data_validation(seq_dv)
                seq_dv.add(ref)
            elif c.role == "id" and t.chain[c.level].kind == "fixed":
                fixed_dv = DataValidation(type="list", allow_blank=True, showErrorMessage=True,
                                          formula1='"' + ",".join(zh for _, zh in t.chain[c.level].fixed) + '"',
                                          error="请从下拉列表中选择", errorTitle="填写有误")
                ws.add_data_validation(fixed_dv)
                fixed_dv.add(ref)
            for r in range(first, last + 1):
                cell = ws.cell(r, col)
                cell.font = BODY_FONT
                if editable:
                    cell.protection = UNLOCKED
                    cell.fill = REQUIRED_FILL if need and c.role == "value" else INPUT_FILL
                    if c.role == "value":
                        write_cell(cell, c.spec, None)
                    else:
                        cell.number_format = "@" if t.chain[c.level].kind != "list" else "0"
                else:
                    cell.fill = LABEL_FILL
            width = max(_width(label), 8 if c.role != "value" else 12) + 2
            if c.spec is not None and isinstance(c.spec.type, S.Text) and c.role == "value":
                width = max(width, 30)
            ws.column_dimensions[letter].width = min(width, 50)
        for i, (ids, names, item, _) in enumerate(rows):
            self.fill_row(ws, t, first + i, ids, names, item)
        if t.numbered:  # spare rows get the next 序号
            seq_col = next(i for i, c in enumerate(t.columns, 1) if c.role == "id" and t.chain[c.level] is t)
            n = len(rows)
            for r in range(first + len(rows), last + 1):
                n += 1
                ws.cell(r, seq_col, n)
        name = "T_" + re.sub(r"\W", "_", t.pattern.replace("[]", "_").replace("{}", "_"), flags=re.ASCII)
        table = XlTable(displayName=name, ref=f"A{L.T_HEADER}:{get_column_letter(len(t.columns))}{last}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        ws.add_table(table)
        ws.freeze_panes = ws.cell(L.T_DATA, 1)
        _protect(ws)

    def fill_row(self, ws, t: L.Table, r: int, ids: list, names: list, item) -> None:
        for col, c in enumerate(t.columns, 1):
            cell = ws.cell(r, col)
            if c.role == "id":
                anc = t.chain[c.level]
                value = ids[c.level]
                if anc.kind == "list":
                    cell.value = value + 1
                elif anc.kind == "fixed":
                    cell.value = dict(anc.fixed)[value]
                else:
                    cell.value = str(value)
            elif c.role == "parent_name":
                cell.value = names[c.level]
            elif c.role == "info":
                cell.value = self.info_label(t, c.level, ids)
                cell.alignment = WRAP
            else:
                text = item if not c.key else get_path(item, c.key) if isinstance(item, dict) else None
                write_cell(cell, c.spec, text if not isinstance(text, (dict, list)) else None)


def sheet_order(needs: Needs, sections: list[L.Section]) -> list[tuple[bool, L.Section | L.Table]]:
    """The sheets after 基本信息, as ``(in use, field section | table)``:
    schema order, the sheets no form or check of the pack reads last
    (:meth:`needs.Needs.uses`).  The workbook and the workbench's web form
    (reportgen/web/formspec.py) both take their grouping from here."""
    sheets = []
    for s in sections[1:]:
        if s.rows:
            sheets.append((needs.uses_section(s.key), s))
        sheets += [(needs.uses(_base(t.pattern)), t) for t in s.tables]
    return sorted(sheets, key=lambda s: not s[0])     # stable: the unused last


def key_path(t: L.Table, ids: list) -> str:
    """The map path of ``t`` with list indices generic and map keys
    filled: ``checklists.goal_fit.points``, ``projects[].checklists``."""
    it = iter(ids)
    base = t.pattern[: -len(".{}")]

    def fill(m):
        value = next(it)
        return "[]" if m[0] == "[]" else str(value)

    return re.sub(r"\[\]|\{\}", fill, base)


def map_row_keys(needs: Needs, t: L.Table, ids: list, box: dict) -> list:
    """The keys of a map (or fixed) table ``t`` listed under one parent
    (``ids``: the parent rows' indices and keys): the keys given in ``box``,
    then, for a map the pack needs, the keys the pack knows that are missing
    (a checklist's 要点); a fixed table lists the keys given, in schema order."""
    if t.kind == "fixed":
        return [k for k, _ in t.fixed if k in box]
    keys = list(box)
    if needs.needs(t.pattern):
        keys += [k for k, _ in needs.map_keys.get(key_path(t, ids), []) if k not in box]
    return keys


def known_label(needs: Needs, t: L.Table, ids: list, key) -> str | None:
    """The pack's Chinese name of ``key`` in map table ``t`` under parent ``ids`` (or None)."""
    return dict(needs.map_keys.get(key_path(t, ids), [])).get(key)


def _base(pattern: str) -> str:
    """A table's path without its row marker: ``projects[].weights.{}`` → ``projects[].weights``."""
    return pattern.removesuffix("[]").removesuffix(".{}")


#: Prefix of the workbook's 类别 (category) property that names its pack.
PACK_MARK = "reportgen-pack:"


def write_workbook(needs: Needs, pack_title: str, raw: dict | None = None) -> bytes:
    """The workbook for a pack (``needs`` from :func:`needs.pack_needs`), as
    .xlsx bytes; ``raw`` (a raw tree, :mod:`unitfile`) pre-fills it."""
    return _Writer(needs, raw, pack_title).build(L.build_layout())
