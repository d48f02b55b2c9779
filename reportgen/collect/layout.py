"""The data-collection workbook's layout (采集表结构), derived from the schema.

The writer (:mod:`workbook`) and the reader (:mod:`importer`) both take the
layout from here, walking the active unit schema (:func:`schema.active`: the core plus the pack's fields) generically — no field
list is written out, so a field added to the schema appears in the workbook
by itself.

* Every top-level scalar (金额单位, 年度) goes on the sheet 基本信息.
* Every top-level Group is a *field sheet*: one row per scalar field of the
  group and of its sub-groups (中文名, 字段 key, value, unit, 必填/选填, 说明).
* Every ListOf or MapOf is a *table sheet*: an Excel table with one row per
  item (a MapOf: one row per key).  Inside a row, sub-groups are flattened
  into columns (``goals.expected``); a sub-group made of groups of the same
  shape (a project's 项目资金 by source) is a child table with one row per
  sub-group; a list or map inside a row (a project's 绩效指标) is a child
  table whose rows name their parent row by its 序号 (and, to check, its
  name) or key.

Table sheet rows: 1 title, 2 column keys, 3 必填/选填, 4 the table header,
5… the items.  Field sheet rows: 1 header, 2… the fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reportgen.unitfile import schema as S

#: Field sheet columns (1-based).
F_LABEL, F_KEY, F_VALUE, F_UNIT, F_NEED, F_DOC = 1, 2, 3, 4, 5, 6
#: Table sheet rows.
T_TITLE, T_KEYS, T_NEED, T_HEADER, T_DATA = 1, 2, 3, 4, 5

INSTRUCTIONS = "说明"
GENERAL = "基本信息"
SEQ = "序号"


@dataclass
class FieldRow:
    """A row of a field sheet: a scalar field, or a sub-group's heading (``field`` None)."""

    path: str
    spec: object
    depth: int


@dataclass
class Column:
    """A table column.  ``role``: ``value`` (a field of the row's item;
    ``key`` relative to the item, "" when the item itself is a scalar),
    ``id`` (the row's own 序号 or key at ``level``), ``parent_name`` (the
    name of the parent list item at ``level``, to check the 序号), or
    ``info`` (the pack's name for a map key, not read back)."""

    key: str
    label: str
    role: str
    spec: S.Field | None = None
    level: int = 0
    required: bool = False


@dataclass
class Table:
    """A table sheet.  ``pattern`` is the generic path of one row
    (``projects[].funds.{}``), ``rel`` the path from the parent row's item
    (or the file's top) to the list/map.  ``kind``: ``list``, ``map`` (keys
    typed by the user) or ``fixed`` (a group of same-shaped groups: the keys
    are the schema's, chosen by their Chinese names)."""

    title: str
    zh: str
    pattern: str
    rel: str
    kind: str
    spec: object
    item: object
    parent: "Table | None"
    section: str
    columns: list[Column] = field(default_factory=list)
    children: list["Table"] = field(default_factory=list)
    key_zh: str = ""
    fixed: tuple[tuple[str, str], ...] = ()

    @property
    def chain(self) -> list["Table"]:
        """This table's ancestors and itself, outermost first."""
        return (self.parent.chain if self.parent else []) + [self]

    @property
    def numbered(self) -> bool:
        """A list whose rows are referred to by child tables gets a 序号 column."""
        return self.kind == "list" and bool(self.children)

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    def name_field(self) -> S.Field | None:
        """The item's ``name`` field, used to check a child row's parent."""
        if isinstance(self.item, S.Group):
            return next((f for f in self.item.fields if f.key == "name" and isinstance(f, S.Field)), None)
        return None


@dataclass
class Section:
    """A top-level part of the unit file: its field sheet (if a Group or the
    top-level scalars) and its tables, children after their parents."""

    key: str
    zh: str
    rows: list[FieldRow] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    title: str = ""


def uniform_groups(spec) -> bool:
    """A Group whose fields are all Groups with the same field keys (项目资金 by source)."""
    subs = getattr(spec, "fields", ())
    if not isinstance(spec, S.Group) or len(subs) < 2 or not all(isinstance(f, S.Group) for f in subs):
        return False
    shape = [f.key for f in subs[0].fields]
    return all([g.key for g in f.fields] == shape and all(isinstance(x, S.Field) for x in f.fields)
               for f in subs)


def id_key(table: Table) -> str:
    """The key-row text of a table level's 序号/key column."""
    return table.pattern + ("#" if table.kind == "list" else "")


class _Builder:
    def __init__(self):
        self.titles: set[str] = {INSTRUCTIONS, GENERAL}

    def title(self, wanted: str) -> str:
        base = re.sub(r"[\[\]:*?/\\]", "_", wanted)[:31]
        title, n = base, 2
        while title in self.titles:
            suffix = f"{n}"
            title, n = base[:31 - len(suffix)] + suffix, n + 1
        self.titles.add(title)
        return title

    def group_rows(self, group: S.Group, path: str, depth: int, section: Section) -> None:
        for child in group.fields:
            child_path = f"{path}.{child.key}"
            if isinstance(child, S.Field):
                section.rows.append(FieldRow(child_path, child, depth))
            elif isinstance(child, S.Group):
                section.rows.append(FieldRow(child_path, child, depth))
                self.group_rows(child, child_path, depth + 1, section)
            else:
                self.table(child, child_path, child_path, None, section, f"{section.zh}·{child.zh}")

    def table(self, spec, pattern_base: str, rel: str, parent: Table | None, section: Section,
              wanted_title: str) -> Table:
        if isinstance(spec, S.ListOf):
            kind, item, pattern = "list", spec.item, f"{pattern_base}[]"
        elif isinstance(spec, S.MapOf):
            kind, item, pattern = "map", spec.value, f"{pattern_base}.{{}}"
        else:
            kind, item, pattern = "fixed", spec.fields[0], f"{pattern_base}.{{}}"
        t = Table(self.title(wanted_title), spec.zh, pattern, rel, kind, spec, item, parent,
                  section.key, key_zh=getattr(spec, "key_zh", "") or "项目")
        if kind == "fixed":
            t.fixed = tuple((f.key, f.zh) for f in spec.fields)
        section.tables.append(t)
        values: list[Column] = []
        if isinstance(item, S.Field):
            values.append(Column("", item.zh, "value", item, required=item.required))
        else:
            self.item_columns(t, item, "", values, section)
        t.columns = self.id_columns(t) + values
        return t

    def item_columns(self, t: Table, group: S.Group, prefix: str, out: list[Column], section: Section) -> None:
        for child in group.fields:
            key = f"{prefix}{child.key}"
            if isinstance(child, S.Field):
                out.append(Column(key, child.zh, "value", child, required=child.required))
            elif isinstance(child, S.Group) and not uniform_groups(child):
                self.item_columns(t, child, key + ".", out, section)
            else:
                sub_pattern = f"{t.pattern}.{key}"
                t.children.append(self.table(child, sub_pattern, key, t, section, f"{t.title}·{child.zh}"))

    def id_columns(self, t: Table) -> list[Column]:
        cols: list[Column] = []
        for level, anc in enumerate(t.chain):
            own = anc is t
            if anc.kind == "list":
                if own and not t.numbered:
                    continue
                label = SEQ if own else f"{anc.zh}{SEQ}"
                cols.append(Column(id_key(anc), label, "id", level=level, required=True))
                name = anc.name_field()
                if not own and name is not None:
                    cols.append(Column(f"{anc.pattern}.name", name.zh, "parent_name", name, level=level))
            else:
                label = anc.key_zh if anc.kind == "map" else anc.zh
                cols.append(Column(id_key(anc), label, "id", level=level, required=True))
                if anc.kind == "map":
                    cols.append(Column(f"{anc.pattern}~", f"{label}名称（参考）", "info", level=level))
        return cols


def build_layout() -> list[Section]:
    """The workbook's sections in schema order; the first is 基本信息."""
    b = _Builder()
    general = Section("", GENERAL, title=GENERAL)
    sections = [general]
    for child in S.active().fields:
        if isinstance(child, S.Field):
            general.rows.append(FieldRow(child.key, child, 0))
            continue
        section = Section(child.key, child.zh)
        if isinstance(child, S.Group):
            section.title = b.title(child.zh)
            b.group_rows(child, child.key, 0, section)
        else:
            b.table(child, child.key, child.key, None, section, child.zh)
        sections.append(section)
    return sections


def concrete(pattern_tail: str, ids: list[object]) -> str:
    """Fill a generic pattern's ``[]`` and ``{}`` with ``ids`` in order:
    ``projects[].funds.{}`` + [0, "central"] → ``projects[0].funds.central``."""
    it = iter(ids)
    return re.sub(r"\[\]|\{\}", lambda m: f"[{next(it)}]" if m[0] == "[]" else str(next(it)), pattern_tail)
