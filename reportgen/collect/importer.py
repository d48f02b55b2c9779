"""Read a filled data-collection workbook (数据采集表) back into a unit file.

The layout comes from :mod:`layout`, so a workbook written by
:mod:`workbook` is read by the same description: field sheets by the key in
column B, table sheets by the key row (row 2).  Cells become the texts a
unit file would hold (a raw tree, :mod:`unitfile`); the YAML written from
them is then loaded and validated by the normal :func:`validate.validate`,
and every diagnostic is traced back to its cell:
``采集表.xlsx 预算收支!C5: budget.initial（年初预算金额）: 应为金额数字（万元），实为 'abc'``.

Numbers: a numeric cell holds a float; its shortest text (``repr``) is the
decimal typed (Excel keeps 15 significant digits), widened to the decimals
of the cell's number format (``0.00`` → ``2080.20``); a cell formatted as a
percentage (0.95 shown as 95%) gives ``95``.  A date cell gives
``2021-06-29``; a date typed in a Chinese date format that openpyxl does not
know arrives as a serial number and is converted for date fields.  A
formula is refused (its result is not stored by every program), except in a
text field, where its text is what was typed (a target ``=100%``).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Callable

from reportgen.collect import layout as L
from reportgen import numbers as N
from reportgen.unitfile import schema as S
from reportgen.errors import Diagnostic, Loc, display_path
from reportgen.unitfile.load import file_problem, parse_yaml
from reportgen.unitfile.tree import container, dump_unit
from reportgen.unitfile.validate import Unit, validate
from reportgen.collect.workbook import PACK_MARK
from reportgen.errors import ReportgenError


def _places(number_format: str) -> int:
    m = re.search(r"\.(0+)", number_format or "")
    return len(m[1]) if m else 0


def cell_text(cell, spec: S.Field | None) -> tuple[str | None, str | None]:
    """A cell's value as unit-file text: ``(text, None)``, ``(None, None)``
    for an empty cell, or ``(None, problem)``."""
    v = cell.value
    is_date = spec is not None and isinstance(spec.type, S.Date)
    if v is None:
        return None, None
    if cell.data_type == "f":
        if spec is not None and isinstance(spec.type, S.Text):
            return str(v).strip(), None  # a target typed as "=100%": the text is what was typed
        return None, f"单元格中是公式 '{v}'，请直接填写数值（公式的计算结果不会被读取）"
    if isinstance(v, bool):
        return ("是" if v else "否"), None
    if isinstance(v, dt.datetime):
        return (v.date().isoformat() if is_date or v.time() == dt.time() else v.isoformat(sep=" ")), None
    if isinstance(v, dt.date):
        return v.isoformat(), None
    if isinstance(v, dt.time):
        return v.isoformat(), None
    if isinstance(v, (int, float, Decimal)):
        if is_date:
            from openpyxl.utils.datetime import from_excel

            try:
                return from_excel(v).date().isoformat(), None
            except (ValueError, OverflowError, TypeError):
                return None, f"应为日期（如 2021-12-31），实为 {v!r}"
        d = Decimal(repr(v)) if not isinstance(v, Decimal) else v
        if "%" in (cell.number_format or ""):
            d = d * N.HUNDRED
        places = _places(cell.number_format)
        if -d.as_tuple().exponent < places:
            d = N.quantize(d, places)  # widening only: no digit is lost
        return format(d, "f"), None
    text = str(v).strip()
    return (text or None), None


class _Reader:
    def __init__(self, wb, name: str):
        self.wb = wb
        self.name = name
        self.raw: dict = {}
        self.origins: dict[str, str] = {}       # concrete path → "sheet!A1"
        self.slots: dict[str, str] = {}         # field-sheet path (also of an unfilled field) → cell
        self.diags: list[Diagnostic] = []
        self.seq: dict[str, dict[int, dict]] = {}     # table pattern → 序号 → item
        self.by_name: dict[str, dict[str, list]] = {}  # table pattern → name → items
        self.ids_of: dict[int, list] = {}              # id(item) → ids
        self.seen: set[tuple] = set()                  # (table pattern, ids) of map rows read

    def where(self, ws, coord: str) -> str:
        return f"{ws.title}!{coord}"

    def error(self, ref: str, path: str, zh: str, message: str) -> None:
        self.diags.append(Diagnostic(message, Loc(f"{self.name} {ref}"), path=path, zh=zh))

    # -- field sheets -------------------------------------------------------
    def field_sheet(self, section: L.Section) -> None:
        ws = self.wb[section.title]
        rows = {}
        for r in range(2, ws.max_row + 1):
            key = ws.cell(r, L.F_KEY).value
            if isinstance(key, str):
                rows[key.strip()] = r
        for row in section.rows:
            if not isinstance(row.spec, S.Field) or row.path not in rows:
                continue
            cell = ws.cell(rows[row.path], L.F_VALUE)
            ref = self.where(ws, cell.coordinate)
            for p in path_parents(row.path):
                self.slots.setdefault(p, ref)
            text, problem = cell_text(cell, row.spec)
            if problem:
                self.error(ref, row.path, row.spec.zh, problem)
            elif text is not None:
                parent, _, key = row.path.rpartition(".")
                (container(self.raw, parent, dict) if parent else self.raw)[key] = text
                self.origins[row.path] = ref

    # -- table sheets -------------------------------------------------------
    def table_sheet(self, t: L.Table) -> None:
        ws = self.wb[t.title]
        cols: dict[str, int] = {}
        for col in range(1, ws.max_column + 1):
            key = ws.cell(L.T_KEYS, col).value
            if isinstance(key, str):
                cols[key.strip()] = col
        item_key = t.item.key if isinstance(t.item, S.Field) else ""
        missing = [c for c in t.columns if (c.key or item_key) not in cols and c.role in ("id", "value")]
        if missing:
            self.error(self.where(ws, f"A{L.T_KEYS}"), t.pattern, t.zh,
                       f"工作表结构已被改动：第{L.T_KEYS}行缺少列 "
                       + "、".join(f"{c.label}（{c.key or item_key}）" for c in missing)
                       + "（请用 reportgen workbook 重新生成采集表）")
            return
        colno = {id(c): cols[c.key or item_key] for c in t.columns if (c.key or item_key) in cols}
        self.seq.setdefault(t.pattern, {})
        self.by_name.setdefault(t.pattern, {})
        for r in range(L.T_DATA, ws.max_row + 1):
            self.table_row(ws, t, r, colno)

    def table_row(self, ws, t: L.Table, r: int, colno: dict[int, int]) -> None:
        values: list[tuple[L.Column, str, str]] = []
        problems: list[tuple[L.Column, str, str]] = []
        for c in t.columns:
            if c.role != "value":
                continue
            cell = ws.cell(r, colno[id(c)])
            text, problem = cell_text(cell, c.spec)
            if problem:
                problems.append((c, self.where(ws, cell.coordinate), problem))
            elif text is not None:
                values.append((c, text, self.where(ws, cell.coordinate)))
        if not values and not problems:
            return  # an empty row (a pre-listed 要点 left unanswered counts as empty)
        ids = self.row(ws, t, r, colno, values)
        for c, ref, problem in problems:
            base = L.concrete(t.pattern, ids) if ids is not None else t.pattern
            self.error(ref, f"{base}.{c.key}" if c.key else base, c.spec.zh, problem)

    def row(self, ws, t: L.Table, r: int, colno: dict[int, int], values) -> list | None:
        """Find the row's place (its parents' items, its own index or key)
        and store its values; returns its ids, None when it has no place."""
        row_ref = self.where(ws, f"A{r}")
        key_ref = None      # the cell of the row's own key (a map row): where a wrong key is shown
        ids: list = []
        current: dict = self.raw
        for level, anc in enumerate(t.chain):
            own = anc is t
            id_col = next((c for c in t.columns if c.role == "id" and c.level == level), None)
            if anc.kind == "list":
                if own:
                    box = container(current, anc.rel, list)
                    ids.append(len(box))
                    break
                item = self.parent_item(ws, t, r, level, anc, id_col, colno)
                if item is None:
                    return None
                current, ids = item, list(self.ids_of[id(item)])
                continue
            cell = ws.cell(r, colno[id(id_col)])
            key, _ = cell_text(cell, None)
            ref = self.where(ws, cell.coordinate)
            if key is None:
                self.error(ref, anc.pattern, id_col.label, f"缺少{id_col.label}（此行已填写数据）")
                return None
            if anc.kind == "fixed":
                by_zh = {zh: k for k, zh in anc.fixed}
                if key not in by_zh and key not in dict(anc.fixed):
                    self.error(ref, anc.pattern, id_col.label,
                               f"应为 {' / '.join(by_zh)} 之一，实为 '{key}'")
                    return None
                key = by_zh.get(key, key)
            ids.append(key)
            if own:
                key_ref = ref
                seen = (t.pattern, tuple(ids))
                if seen in self.seen:
                    self.error(ref, L.concrete(t.pattern, ids), id_col.label,
                               f"{id_col.label} '{key}' 重复（同一项只填一行）")
                    return None
                self.seen.add(seen)
                break
            self.origins.setdefault(L.concrete(anc.pattern, ids), ref)   # a parent key typed on this row
            current = container(current, anc.rel, dict).setdefault(key, {})
        if key_ref is not None:
            self.origins[L.concrete(t.pattern, ids)] = key_ref
        self.store(t, ids, current, values, row_ref, ws, r, colno)
        return ids

    def parent_item(self, ws, t: L.Table, r: int, level: int, anc: L.Table, id_col: L.Column,
                    colno: dict[int, int]) -> dict | None:
        """The parent list item a child row names by its 序号 (or, without
        one, by its name); a name given beside the 序号 must match."""
        cell = ws.cell(r, colno[id(id_col)])
        ref = self.where(ws, cell.coordinate)
        name_col = next((c for c in t.columns if c.role == "parent_name" and c.level == level), None)
        name = None
        if name_col is not None and id(name_col) in colno:
            name, _ = cell_text(ws.cell(r, colno[id(name_col)]), None)
        seq_text, _ = cell_text(cell, None)
        if seq_text is None:
            if name is None:
                self.error(ref, anc.pattern, id_col.label, f"缺少{id_col.label}（此行已填写数据，应注明属于哪一项）")
                return None
            found = self.by_name.get(anc.pattern, {}).get(name, [])
            if len(found) != 1:
                self.error(ref, anc.pattern, id_col.label,
                           f"按名称“{name}”{'找不到' if not found else '找到多项'}所属的{anc.zh}，请填写{id_col.label}")
                return None
            return found[0]
        seq = N.parse_decimal(seq_text)
        item = self.seq.get(anc.pattern, {}).get(int(seq)) if seq is not None and seq == int(seq) else None
        if item is None:
            known = ", ".join(str(k) for k in self.seq.get(anc.pattern, {})) or "无"
            self.error(ref, anc.pattern, id_col.label,
                       f"“{anc.title}”表中没有{L.SEQ}为 {seq_text} 的{anc.zh}（已填写的{L.SEQ}：{known}）")
            return None
        if name is not None and name_col is not None:
            actual = item.get(name_col.spec.key) if isinstance(item, dict) else None
            if actual is not None and actual != name:
                self.error(ref, anc.pattern, id_col.label,
                           f"{id_col.label} {seq_text} 是“{actual}”，与本行所填名称“{name}”不一致")
                return None
        return item

    def store(self, t: L.Table, ids: list, current: dict, values, row_ref: str, ws, r: int,
              colno: dict[int, int]) -> None:
        path = L.concrete(t.pattern, ids)
        if t.kind == "list":
            box = container(current, t.rel, list)
        else:
            box = container(current, t.rel, dict)
        if isinstance(t.item, S.Field):
            c, text, ref = values[0] if values else (None, None, row_ref)
            if t.kind == "list":
                box.append(text)
            else:
                box[ids[-1]] = text
            self.origins[path] = ref
            return
        item = box.get(ids[-1]) if t.kind != "list" else None
        if not isinstance(item, dict):
            item = {}
            if t.kind == "list":
                box.append(item)
            else:
                box[ids[-1]] = item
        self.origins.setdefault(path, values[0][2] if values else row_ref)
        for c, text, ref in values:
            parent, _, key = c.key.rpartition(".")
            (container(item, parent, dict) if parent else item)[key] = text
            self.origins[f"{path}.{c.key}"] = ref
        self.ids_of[id(item)] = ids
        if t.numbered:
            seq_col = next(c for c in t.columns if c.role == "id" and c.level == len(t.chain) - 1)
            seq_text, _ = cell_text(ws.cell(r, colno[id(seq_col)]), None)
            seq = N.parse_decimal(seq_text) if seq_text else None
            if seq is not None and seq == int(seq):
                self.seq[t.pattern][int(seq)] = item
            name_field = t.name_field()
            if name_field is not None and item.get(name_field.key):
                self.by_name[t.pattern].setdefault(item[name_field.key], []).append(item)


#: Bounds on what is read: the file, its unpacked parts (a zip bomb), and
#: the rows and columns of a sheet (a value typed in row 1 048 576).
MAX_WORKBOOK_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 200


def _unreadable(path: Path) -> str:
    """Why ``path`` is not read at all (Chinese, with the limit), or "":
    missing, not a regular file (a folder, a FIFO that would block, a
    device) or larger than :data:`MAX_WORKBOOK_BYTES` (the shared
    :func:`reportgen.unitfile.load.file_problem`), or unpacking to more than
    :data:`MAX_UNPACKED_BYTES`."""
    problem = file_problem(path, MAX_WORKBOOK_BYTES)
    if problem:
        return problem
    try:
        with zipfile.ZipFile(path) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return f"无法读取，不是有效的 .xlsx 文件（cannot read: {exc}）"
    if unpacked > MAX_UNPACKED_BYTES:
        return (f"文件解压后过大：{unpacked // 1048576} MB 以上，上限为 {MAX_UNPACKED_BYTES // 1048576} MB"
                "（不是正常的数据采集表）")
    return ""


def read_workbook(path: str | Path) -> tuple[dict | None, dict[str, str], list[Diagnostic]]:
    """Read a filled workbook: ``(raw tree, origins, diagnostics)``.

    ``origins`` maps each concrete path read (``projects[0].funds.central.budget``)
    to its cell (``项目·项目资金!D5``), and each field of a field sheet, even
    an empty one, to the cell where it is typed.  Diagnostics: a file that cannot be
    read or is not a reportgen workbook, a changed sheet structure, a
    formula, a child row naming no (or a wrong) parent, a repeated key.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    name = display_path(path)
    problem = _unreadable(Path(path))
    if problem:
        return None, {}, [Diagnostic(problem, Loc(name))]
    try:
        wb = load_workbook(path)
    except FileNotFoundError:
        return None, {}, [Diagnostic("文件不存在（no such file）", Loc(name))]
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError,
            AttributeError, IndexError, EOFError, zipfile.LargeZipFile) as exc:
        return None, {}, [Diagnostic(f"无法读取，不是有效的 .xlsx 文件（cannot read: {exc}）", Loc(name))]
    except Exception as exc:            # openpyxl on a damaged part: a located error, never a traceback
        return None, {}, [Diagnostic(f"无法读取，.xlsx 文件已损坏（{type(exc).__name__}: {exc}）", Loc(name))]
    too_big = [f"工作表“{ws.title}”有 {ws.max_row} 行、{ws.max_column} 列，超过上限 {MAX_ROWS} 行、{MAX_COLUMNS} 列"
               for ws in wb.worksheets if ws.max_row > MAX_ROWS or ws.max_column > MAX_COLUMNS]
    if too_big:
        return None, {}, [Diagnostic(p + "（请删除表格下方或右侧误填的内容）", Loc(name)) for p in too_big]
    sections = L.build_layout()
    titles = {s.title for s in sections if s.rows} | {t.title for s in sections for t in s.tables}
    if not titles & set(wb.sheetnames):
        return None, {}, [Diagnostic("不是 reportgen 生成的数据采集表（没有“基本信息”“预算收支”等工作表；"
                                     "请用 reportgen workbook 生成采集表）", Loc(name))]
    reader = _Reader(wb, name)
    for s in sections:
        if s.rows and s.title in wb.sheetnames:
            reader.field_sheet(s)
        for t in s.tables:
            if t.title in wb.sheetnames:
                reader.table_sheet(t)
    reader.origins.update({p: ref for p, ref in reader.slots.items() if p not in reader.origins})
    return reader.raw, reader.origins, reader.diags


def path_parents(path: str) -> list[str]:
    """``path`` and its parents, innermost first: ``a.b[0].c`` → a.b[0].c, a.b[0], a.b, a."""
    out = []
    while path:
        out.append(path)
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return out


def _origin(path: str, origins: dict[str, str]) -> str | None:
    """The cell of ``path`` or of its nearest parent that has one."""
    return next((origins[p] for p in path_parents(path) if p in origins), None)


def cell_of(path: str, origins: dict[str, str]) -> str | None:
    """The workbook cell (``预算收支!C3``) that holds ``path`` or its nearest
    parent, from the ``origins`` of :func:`read_workbook`; None when none does."""
    return _origin(path, origins)


def workbook_pack(path: str | Path) -> str | None:
    """The pack a workbook was made for (its 类别 property, written by
    ``reportgen workbook``), or None when it names none (or cannot be
    read: a FIFO or device is not opened, :func:`_unreadable`)."""
    if _unreadable(Path(path)):
        return None
    try:
        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    m = re.search(r"<cp:category>" + re.escape(PACK_MARK) + r"([^<]+)</cp:category>", core)
    return html.unescape(m[1]) if m else None


def _schema_for(path: str | Path, pack: str | None) -> S.Group:
    """The unit schema to import with: the named pack's, else the one the
    workbook names, else the national core."""
    from reportgen.pack.packs import load_pack

    name = pack or workbook_pack(path)
    if not name:
        return S.active()
    try:
        return load_pack(name).schema
    except ReportgenError:
        return S.active()


def import_workbook(path: str | Path, output_name: str, pack: str | None = None,
                    origins: dict[str, str] | None = None) -> tuple[str | None, list[Diagnostic]]:
    """Turn a filled workbook into unit-file text, validated against the
    fields of ``pack`` (by default the pack the workbook was made for).
    ``origins``, when given, receives the cell of every path read (see
    :func:`read_workbook`), so later diagnostics can be placed at their cells."""
    with S.using(_schema_for(path, pack)):
        return _import_workbook(path, output_name, origins)


def _import_workbook(path: str | Path, output_name: str, origins_out: dict[str, str] | None = None
                     ) -> tuple[str | None, list[Diagnostic]]:
    """Turn a filled workbook into unit-file text, validated.

    Returns ``(yaml text, diagnostics)``; the text is None when the workbook
    cannot be read.  Validation problems of the written text are reported at
    the cell they came from (``采集表.xlsx 工作表!C5``), or at the file when
    no cell holds the field (a required field left out entirely).
    """
    text, _, diags, _ = _imported(path, output_name, origins_out)
    return text, diags


def load_workbook_unit(path: str | Path) -> tuple[Unit | None, list[Diagnostic], Callable]:
    """A filled workbook read as a unit file, for ``check`` and ``render``:
    ``(unit, diagnostics, relocate)``.  ``relocate(diagnostic)`` moves a
    later stage's diagnostic (located in the imported text) to its cell,
    ``采集表.xlsx 预算收支!C5``."""
    _, unit, diags, relocate = _imported(path, f"{display_path(path)}（导入）")
    return unit, diags, relocate


def _imported(path, output_name: str, origins_out: dict[str, str] | None = None):
    """``(yaml text, unit, diagnostics, relocate)`` of a workbook; see
    :func:`import_workbook` and :func:`load_workbook_unit`."""
    raw, origins, diags = read_workbook(path)
    if origins_out is not None:
        origins_out.update(origins)
    if raw is None:
        return None, None, diags, lambda d: d
    name = display_path(path)
    header = (f"单位数据文件：由数据采集表 {Path(path).name} 导入（reportgen import）。\n"
              "只含原始数据；比率、得分、合计由 reportgen 计算。可直接修改后再用 reportgen check 核对。")
    text, line_paths = dump_unit(raw, header)
    root, more = parse_yaml(text, output_name)
    unit, checked = validate(root, output_name)

    def relocate(d: Diagnostic) -> Diagnostic:
        if d.loc is None or d.loc.file != output_name:
            return d
        path_ = d.path or (line_paths[d.loc.line - 1] if 0 < d.loc.line <= len(line_paths) else "")
        ref = _origin(path_, origins)
        zh = d.zh or (S.zh_name(d.path) if d.path else "")
        return replace(d, loc=Loc(f"{name} {ref}") if ref else Loc(name), zh=zh)

    diags += [relocate(d) for d in more + checked]
    return text, unit, diags, relocate
