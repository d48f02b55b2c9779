"""The web form of a round's pack (在线填报/修改数据): structure, pre-fill, and
the unit file built from what was posted.

The form is the 数据采集表 in a page.  Its sections are the workbook's
sheets, in the workbook's order (:func:`reportgen.collect.layout.build_layout`
and :func:`reportgen.collect.workbook.sheet_order`: 基本信息 first, the
sheets the pack does not read last); its inputs are the fields of the
round's frozen pack schema (the national core plus the pack's own fields,
:mod:`reportgen.pack.fields`), each with its 中文名, its unit (万元/元 for
money, from the data's 金额单位), 必填/选填 as the workbook marks them
(:class:`reportgen.pack.needs.Needs`) and the workbook's filling hint
(:func:`reportgen.collect.workbook.type_hint`).  A list of records (项目,
绩效指标, 评价人员 …) is a table with add/remove rows; a table whose rows have
child tables (a 项目 with its 项目资金 and 绩效指标) shows one card per row with
its child tables inside, where the workbook names the parent by its 序号.

Values stay the text typed, end to end: the form shows the raw tree's text
(:mod:`reportgen.unitfile.tree`), and :func:`raw_from_post` turns the posted
texts back into a raw tree — no number is converted here, so an amount
never becomes a float.  :func:`unit_text` writes that tree as a unit file
with :func:`reportgen.unitfile.tree.dump_unit`; the workbench then checks it
exactly as an uploaded unit file (``engine.check_upload``: the CLI's load,
validation, checks and scoring).  Nothing here validates a value.

Posted names: ``f:<path>`` a field of a field sheet (``f:budget.executed``);
``c:<row>|<column key>`` a cell of a table row, ``k:<row>`` the key of a
map row (a 指标 of 人工评分), where ``<row>`` is ``<rel>#<n>`` segments joined
by ``/`` (``projects#0/indicators#3``); ``n`` orders the rows of a list and
is otherwise only a name (a row added in the browser takes the next free one).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from reportgen.collect import layout as L
from reportgen.collect.importer import path_parents
from reportgen.collect.workbook import known_label, key_path, map_row_keys, sheet_order, type_hint
from reportgen.pack.needs import Needs, pack_needs
from reportgen.unitfile import schema as S
from reportgen.unitfile.tree import container, dump_unit, get_path, unit_label

#: How the unit file made from the form names its source (also ``Unit.source_name``).
SOURCE = "在线填报"
#: A table whose rows have more value columns than this shows one card per row.
MAX_ROW_COLUMNS = 12
#: The key given to a map row posted without one (reported by the check as an unknown key).
NO_KEY = "（未选择）"


@dataclass
class Input:
    """One input of the form (or, with ``heading``, a sub-group's title on a
    field sheet).  ``path`` is the concrete field path (``budget.executed``,
    ``projects[0].indicators[2].target``) problems and comments are matched
    by; ``name`` the posted name; ``value`` the text shown."""

    name: str
    path: str
    label: str
    kind: str = "text"
    unit: str = ""
    money: bool = False
    required: bool = False
    hint: str = ""
    value: str = ""
    options: tuple = ()
    depth: int = 0
    heading: bool = False
    place: str = ""
    notes: list = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return "f-" + re.sub(r"\s", "_", self.path)

    @property
    def mark(self) -> str:
        """How the input is highlighted: ``noted`` (an error), ``warned``, ``commented`` or ""."""
        return _mark(self.notes)


@dataclass
class CellGroup:
    """The cells of a card from one sub-group of the item (年度总体目标,
    项目绩效分析, 填报信息); ``title`` "" for the item's own fields."""

    title: str
    cells: list[Input]

    @property
    def open(self) -> bool:
        """Shown unfolded: the item's own fields, or a group with a value, a note or a 必填 field."""
        return not self.title or any(c.value or c.notes or c.required for c in self.cells)


@dataclass
class Row:
    """A row of a table: a list item, a map entry (``key``, chosen from
    ``key_options`` [(key, 中文名)] or typed) or a fixed row (a 资金来源)."""

    slot: str
    rowpath: str
    path: str
    label: str
    cells: list[Input]
    children: list["Block"] = field(default_factory=list)
    key: str | None = None
    key_label: str = ""
    key_options: list = field(default_factory=list)
    key_fixed: bool = False
    notes: list = field(default_factory=list)
    place: str = ""
    groups: list[CellGroup] = field(default_factory=list)
    number: str = ""        # 第 N 行 (a list row in a table, where its name is in a cell)

    @property
    def dom_id(self) -> str:
        return "row-" + re.sub(r"\s", "_", self.rowpath)

    @property
    def mark(self) -> str:
        return _mark(self.notes)


@dataclass
class Column:
    key: str
    label: str
    unit: str
    money: bool
    required: bool


@dataclass
class Block:
    """A table of the form: its rows under one parent row (or the file)."""

    title: str
    zh: str
    kind: str           # list / map / fixed
    cards: bool
    columns: list[Column]
    rows: list[Row]
    table_id: str
    depth: int
    template: Row | None = None
    next_slot: int = 0
    key_zh: str = ""
    in_use: bool = True


@dataclass
class Section:
    """A sheet of the workbook: a field sheet (``inputs``) or a table (``block``)."""

    title: str
    in_use: bool
    inputs: list[Input] = field(default_factory=list)
    block: Block | None = None
    anchor: str = ""


@dataclass
class Form:
    sections: list[Section]
    money_unit: str
    leftovers: list[str]
    by_path: dict[str, object] = field(default_factory=dict)
    unplaced: list[dict] = field(default_factory=list)

    @property
    def used(self) -> list[Section]:
        return [s for s in self.sections if s.in_use]

    @property
    def unused(self) -> list[Section]:
        return [s for s in self.sections if not s.in_use]

    def attach(self, note: dict, path: str) -> bool:
        """Put ``note`` (a problem or comment: ``kind``, ``text``, …) at the
        input of ``path``, else at the nearest row or input above it; False
        when nothing in the form holds it."""
        for p in path_parents(path):
            target = self.by_path.get(p)
            if target is not None:
                target.notes.append(note)
                return True
        return False

    def anchor(self, path: str) -> str:
        """The id of the element in the page that holds ``path`` (its input or row), or ""."""
        for p in path_parents(path):
            target = self.by_path.get(p)
            if target is not None:
                return target.dom_id
        return ""

    def place(self, path: str) -> str:
        """Where ``path`` is in the form, in words (``在线填报 › 预算收支 › 预算执行金额``)."""
        for p in path_parents(path):
            target = self.by_path.get(p)
            if target is not None:
                return f"{SOURCE} › {target.place}"
        return SOURCE


def _mark(notes: list[dict]) -> str:
    kinds = {n["kind"] for n in notes}
    return "noted" if "错误" in kinds else "warned" if "警告" in kinds else "commented" if kinds else ""


def _kind(spec: S.Field, long_text: bool) -> tuple[str, tuple]:
    t = spec.type
    if isinstance(t, S.Money):
        return "money", ()
    if isinstance(t, (S.Number, S.Percent)):
        return "number", ()
    if isinstance(t, S.Count):
        return "count", ()
    if isinstance(t, S.Year):
        return "year", ()
    if isinstance(t, S.Date):
        return "date", ()
    if isinstance(t, S.Bool):
        return "choice", ("是", "否")
    if isinstance(t, S.Choice):
        return "choice", tuple(t.shown)
    if isinstance(t, S.ChecklistAnswer):
        return "answer", ("是", "否")
    return ("textarea" if long_text else "text"), ()


def _text(value) -> str:
    """A raw value as the text of an input: scalars as typed; a structure
    where a value belongs (a mistake in an uploaded file) as JSON, so it is
    seen and can be corrected."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _narrative(group) -> bool:
    """A group of text fields only (文字说明, 年度总体目标): its inputs are text areas."""
    fields = [f for f in getattr(group, "fields", ()) if isinstance(f, S.Field)]
    return bool(fields) and all(isinstance(f.type, S.Text) for f in fields)


class _Builder:
    def __init__(self, needs: Needs, raw: dict, money_unit: str):
        self.needs, self.raw, self.money_unit = needs, raw, money_unit
        self.by_path: dict[str, object] = {}

    def required(self, generic: str, spec) -> bool:
        return bool(getattr(spec, "required", False)) or self.needs.needs(generic)

    def input(self, name: str, path: str, generic: str, spec: S.Field, value, place: str,
              long_text: bool = False, depth: int = 0) -> Input:
        text = _text(value)
        if isinstance(spec.type, S.Choice):
            text = spec.type.label(text.strip())  # shown by its Chinese name, saved as such, read back as the code
        kind, options = _kind(spec, long_text or len(text) > 24 or "\n" in text)
        if kind in ("choice",) and text and text not in options:
            options = options + (text,)      # shown as given, so saving keeps it and the check names it
        made = Input(name, path, spec.zh, kind, unit_label(spec, self.money_unit), spec.unit == "money",
                     self.required(generic, spec), type_hint(spec), text, options, depth, place=place)
        self.by_path[path] = made
        return made

    def field_section(self, section: L.Section, in_use: bool) -> Section:
        out = Section(section.title, in_use, anchor=f"s-{section.key or 'general'}")
        for row in section.rows:
            if not isinstance(row.spec, S.Field):
                out.inputs.append(Input("", row.path, row.spec.zh, heading=True, depth=row.depth))
                continue
            parent = S.spec_at(row.path.rpartition(".")[0]) if "." in row.path else None
            out.inputs.append(self.input(f"f:{row.path}", row.path, row.path, row.spec, get_path(self.raw, row.path),
                                         f"{section.title} › {row.spec.zh}", _narrative(parent), row.depth))
        return out

    def block(self, t: L.Table, parent_item, prefix: str, parent_path: str, ids: list, depth: int,
              place: str) -> Block:
        box = get_path(parent_item, t.rel) if isinstance(parent_item, dict) else None
        values = [c for c in t.columns if c.role == "value"]
        columns = [Column(c.key, c.label, unit_label(c.spec, self.money_unit), c.spec.unit == "money",
                          self.required(f"{t.pattern}.{c.key}" if c.key else t.pattern, c.spec)) for c in values]
        table_id = "t-" + re.sub(r"\s", "_", (prefix + "/" if prefix else "") + t.rel)
        b = Block(t.title, t.zh, t.kind, bool(t.children) or len(values) > MAX_ROW_COLUMNS, columns, [],
                  table_id, depth, key_zh=t.key_zh)
        here = f"{place} › {t.zh}" if place else t.title
        if t.kind == "list":
            items = box if isinstance(box, list) else []
            for i, item in enumerate(items):
                b.rows.append(self.row(t, item, str(i), i, prefix, parent_path, ids, depth, here))
            b.next_slot = len(items)
        else:
            box = box if isinstance(box, dict) else {}
            keys = [k for k, _ in t.fixed] if t.kind == "fixed" else map_row_keys(self.needs, t, ids, box)
            for i, k in enumerate(keys):
                b.rows.append(self.row(t, box.get(k), str(i), k, prefix, parent_path, ids, depth, here))
            b.next_slot = len(keys)
        if t.kind != "fixed":
            b.template = self.row(t, None, f"__R{depth}__", f"__R{depth}__" if t.kind == "list" else None,
                                  prefix, parent_path, ids, depth, here, template=True)
        return b

    def row(self, t: L.Table, item, slot: str, ident, prefix: str, parent_path: str, ids: list, depth: int,
            place: str, template: bool = False) -> Row:
        rowpath = (prefix + "/" if prefix else "") + f"{t.rel}#{slot}"
        base = f"{parent_path}.{t.rel}" if parent_path else t.rel
        key, number = None, ""
        if t.kind == "list":
            path = f"{base}[{ident}]"
            name = item.get(t.name_field().key) if t.name_field() and isinstance(item, dict) else None
            number = label = f"第 {int(slot) + 1} 行" if slot.isdigit() else "新增"
            label += f"：{name}" if isinstance(name, str) and name else ""
        else:
            key = "" if ident is None else str(ident)
            path = f"{base}.{key}" if key else base
            label = (known_label(self.needs, t, ids, ident) or key) if key else ""
            if t.kind == "fixed":
                label = dict(t.fixed).get(key, key)
        row = Row(slot, rowpath, path, label, [], key=key, key_fixed=t.kind == "fixed")
        row.number = number if t.kind == "list" else label
        if t.kind == "map":
            options = list(self.needs.map_keys.get(key_path(t, ids), []))
            if key and key not in (k for k, _ in options) and options:
                options.append((key, key))
            row.key_options = options
            row.key_label = label
        here = f"{place} › {label}" if label else place
        if not template:
            self.by_path[path] = row
        row.place = here
        for c in t.columns:
            if c.role != "value":
                continue
            value = item if not c.key else get_path(item, c.key) if isinstance(item, dict) else None
            cell_path = f"{path}.{c.key}" if c.key else path
            generic = f"{t.pattern}.{c.key}" if c.key else t.pattern
            group = S.spec_at(f"{t.pattern}.{c.key.rpartition('.')[0]}") if "." in c.key else None
            made = self.input(f"c:{rowpath}|{c.key}", cell_path, generic, c.spec, value,
                              f"{here} › {c.label}", _narrative(group) and t.children != [])
            if template:
                self.by_path.pop(cell_path, None)
            row.cells.append(made)
            if "." in c.key:
                title = group.zh if group is not None else ""
                if not row.groups or row.groups[-1].title != title:
                    row.groups.append(CellGroup(title, []))
            elif not row.groups or row.groups[-1].title:
                row.groups.append(CellGroup("", []))
            row.groups[-1].cells.append(made)
        child_ids = ids + [ident]
        for child in t.children:
            row.children.append(self.block(child, item if isinstance(item, dict) else {}, rowpath, path,
                                           child_ids, depth + 1, here))
        return row


def _money_unit(raw: dict) -> str:
    mu = raw.get("money_unit") if isinstance(raw, dict) else None
    return mu.strip() if isinstance(mu, str) and mu.strip() in ("万元", "元") else "万元"


def build(pack, raw: dict | None) -> Form:
    """The form of ``pack`` (a loaded :class:`reportgen.pack.packs.Pack`)
    filled from ``raw`` (a raw tree, or None for an empty form)."""
    raw = raw if isinstance(raw, dict) else {}
    with S.using(pack.schema):
        needs = pack_needs(pack)
        b = _Builder(needs, raw, _money_unit(raw))
        layout = L.build_layout()
        sections = [b.field_section(layout[0], True)]
        for in_use, sheet in sheet_order(needs, layout):
            if isinstance(sheet, L.Section):
                sections.append(b.field_section(sheet, in_use))
            elif sheet.parent is None:
                block = b.block(sheet, raw, "", "", [], 0, "")
                block.in_use = in_use
                sections.append(Section(sheet.title, in_use, block=block, anchor="s-" + block.table_id))
        leftovers = _leftovers(raw, S.active(), "")
    return Form(sections, b.money_unit, leftovers, b.by_path)


def _leftovers(raw, spec, path: str) -> list[str]:
    """Paths in ``raw`` the form has no place for (keys the schema does not know)."""
    out: list[str] = []
    if isinstance(spec, S.Group) and isinstance(raw, dict):
        known = {f.key: f for f in spec.fields}
        for k, v in raw.items():
            p = f"{path}.{k}" if path else str(k)
            out += _leftovers(v, known[k], p) if k in known else [p]
    elif isinstance(spec, S.ListOf) and isinstance(raw, list):
        for i, v in enumerate(raw):
            out += _leftovers(v, spec.item, f"{path}[{i}]")
    elif isinstance(spec, S.MapOf) and isinstance(raw, dict):
        for k, v in raw.items():
            out += _leftovers(v, spec.value, f"{path}.{k}")
    return out


def _carried(raw: dict, leftovers: list[str]) -> list[tuple[str, object]]:
    """The leftovers outside any list or map (their place does not move):
    ``(path, value)`` to put back into the unit file made from the form."""
    out = []
    for p in leftovers:
        if "[" in p:
            continue
        parent = p.rpartition(".")[0]
        if parent and not isinstance(S.spec_at(parent), S.Group):
            continue
        out.append((p, get_path(raw, p)))
    return out


def lost_on_save(pack, raw: dict | None) -> list[str]:
    """Paths of ``raw`` the form neither shows nor carries (unknown keys inside a list or map item)."""
    raw = raw if isinstance(raw, dict) else {}
    with S.using(pack.schema):
        left = _leftovers(raw, S.active(), "")
        kept = {p for p, _ in _carried(raw, left)}
    return [p for p in left if p not in kept]


def _clean(text, spec=None) -> str | None:
    """Posted text as a raw value: line ends normalised, blank as None, a
    choice's Chinese label as its code (the form shows labels)."""
    if not isinstance(text, str):
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if text and spec is not None and isinstance(spec.type, S.Choice):
        text = spec.type.code(text)
    return text or None


def raw_from_post(pack, post, base: dict | None = None) -> dict:
    """The raw tree of what was posted (``post``: a mapping name → text, a
    Django QueryDict).  Empty inputs and rows are left out, as the
    importer leaves out empty cells and rows; map rows without a key get
    :data:`NO_KEY` (and a repeated key a suffix), so the check reports them
    and nothing typed is dropped.  Keys of ``base`` (the data the form was
    filled from) that the form has no place for, outside any list, are
    carried over unchanged."""
    raw: dict = {}
    rows: dict[str, dict] = {}
    with S.using(pack.schema):
        layout = L.build_layout()
        for section in layout:
            for row in section.rows:
                if isinstance(row.spec, S.Field):
                    text = _clean(post.get(f"f:{row.path}"), row.spec)
                    if text is not None:
                        parent, _, key = row.path.rpartition(".")
                        (container(raw, parent, dict) if parent else raw)[key] = text
        for name in post:
            if name.startswith("c:") and "|" in name:
                rowpath, _, col = name[2:].partition("|")
                rows.setdefault(rowpath, {"cells": {}, "key": None})["cells"][col] = _clean(post.get(name))
            elif name.startswith("k:"):
                rows.setdefault(name[2:], {"cells": {}, "key": None})["key"] = _clean(post.get(name))
        by_parent: dict[tuple[str, str], list[tuple[int, str, dict]]] = {}
        for rowpath, d in rows.items():
            prefix, _, last = rowpath.rpartition("/")
            rel, _, slot = last.rpartition("#")
            if slot.isdigit():
                by_parent.setdefault((prefix, rel), []).append((int(slot), rowpath, d))
        for section in layout:
            for t in section.tables:
                if t.parent is None:
                    _place(t, raw, "", by_parent)
        if base:
            for p, value in _carried(base, _leftovers(base, S.active(), "")):
                parent, _, key = p.rpartition(".")
                (container(raw, parent, dict) if parent else raw).setdefault(key, value)
    return raw


def _place(t: L.Table, parent: dict, prefix: str, by_parent) -> None:
    """Put the posted rows of ``t`` under ``parent`` (a raw dict)."""
    posted = sorted(by_parent.get((prefix, t.rel), []), key=lambda r: r[0])
    for _, rowpath, d in posted:
        if isinstance(t.item, S.Field):
            item = d["cells"].get("")
        else:
            item = {}
            for col, text in d["cells"].items():
                column = t.column(col)
                if text is not None and column is not None and col:
                    text = _clean(text, column.spec)
                    head, _, key = col.rpartition(".")
                    (container(item, head, dict) if head else item)[key] = text
            for child in t.children:
                _place(child, item, rowpath, by_parent)
            item = item or None
        if item is None:
            continue
        if t.kind == "list":
            container(parent, t.rel, list).append(item)
            continue
        box = container(parent, t.rel, dict)
        key = d["key"] or NO_KEY
        if t.kind == "fixed" and key not in dict(t.fixed):
            continue
        n, base = 2, key
        while key in box:
            key, n = f"{base}（重复{n}）", n + 1
        box[key] = item


def unit_text(pack, raw: dict) -> str:
    """The unit file (YAML text) of a raw tree made from the form."""
    header = (f"单位数据文件：由工作台“{SOURCE}”保存。\n"
              "只含原始数据；比率、得分、合计由 reportgen 计算。")
    with S.using(pack.schema):
        text, _ = dump_unit(raw, header)
    return text


def _flat(raw, path: str = "") -> dict[str, str]:
    if isinstance(raw, dict):
        out = {}
        for k, v in raw.items():
            out.update(_flat(v, f"{path}.{k}" if path else str(k)))
        return out
    if isinstance(raw, list):
        out = {}
        for i, v in enumerate(raw):
            out.update(_flat(v, f"{path}[{i}]"))
        return out
    return {path: "" if raw is None else str(raw)}


def changes(before: dict | None, after: dict) -> list[tuple[str, str, str]]:
    """The figures that differ between two raw trees, ``(path, before,
    after)`` in the order of ``after`` then the removed ones ("" for none):
    what a save changed, for the log."""
    old, new = _flat(before or {}), _flat(after)
    out = [(p, old.get(p, ""), v) for p, v in new.items() if old.get(p, "") != v]
    return out + [(p, v, "") for p, v in old.items() if p not in new and v]

