"""Table families: tables a form declares in ``pack.yaml``, filled from the unit's fields.

A form lists its tables under ``tables:``, each with a ``family`` and that
family's parameters — the layout's rows and labels are the pack's, not code::

    tables:
      spending_rows:                 # 经费控制情况 (宁乡 附件2-1)
        family: control_table
        money: 元                     # 元 or 万元 (2 decimals, half-up)
        columns: {prior: prior_actual, budget: budget, actual: actual}
        rows:
          - {label: 三公经费, level: 0, of: [three_public]}
          - {label: 1、公务用车购置和维护经费, level: 1,
             of: [three_public.items.vehicle_purchase, three_public.items.vehicle_operation]}
          - {label: 项目支出, level: 0, of_each: project_categories}
          - {each: project_categories, label: "{n}、{name}", level: 1}
      buildings:                     # one row per item of a list field
        family: record_table
        list: buildings
        cells: {name: name, area_rate: ratio(actual_area, approved_area), budget_investment: budget_investment}

``final_accounts``: the parameters of a 部门决算公开's tables
(:class:`reportgen.forms.disclosure.TableLayout`: ``money`` 元/万元,
``economic_rows``, ``public_columns``, ``fiscal_opening_labels``), read by
the ``final_accounts_disclosure`` layout.  ``control_table``: each row's cell for column ``c`` is Σ ``<base>.<field of c>``
over the groups the row names in ``of`` (or over every item of the list
``of_each``); a row with ``each`` repeats for every item of a list, its
label a pattern of ``{n}`` (1, 2, …) and the item's text fields.  Labels are
indented by ``level`` (two ideographic spaces per level).  ``record_table``:
one row per item of ``list``, each cell an expression
(:mod:`reportgen.pack.expressions`) over the item's fields, printed by its
kind (amounts in 万元, ratios in %, 不适用 for a zero denominator).

The template reads ``tables.<name>.rows`` (each row: ``label``, ``level`` and
one entry per column or cell).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reportgen import numbers as N
from reportgen.errors import Loc
from reportgen.forms.disclosure import table_layout
from reportgen.pack.expressions import ExpressionError, Missing, Parsed, parse
from reportgen.pack.formulas import FormulaEvaluator
from reportgen.unitfile import schema as S
from reportgen.unitfile.load import Mapping, Sequence

FAMILIES = ("control_table", "record_table", "final_accounts")
INDENT = "\u3000\u3000"


@dataclass
class Table:
    """A declared table: its family and parameters, expressions parsed."""

    name: str
    family: str
    loc: Loc
    money: str = "元"
    columns: dict[str, str] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    list_path: str = ""
    cells: dict[str, Parsed] = field(default_factory=dict)
    layout: object = None      # final_accounts: forms.disclosure.TableLayout

    def variables(self) -> set[str]:
        """The variable paths a template may use for this table (none for
        ``final_accounts``: it shapes the layout's own t01…t10)."""
        if self.family == "final_accounts":
            return set()
        base = f"tables.{self.name}"
        keys = (["label", "level"] + list(self.columns)) if self.family == "control_table" else list(self.cells)
        return {base, f"{base}.rows", f"{base}.rows[]"} | {f"{base}.rows[].{k}" for k in keys}


def read_tables(r, node) -> dict[str, Table]:
    """Read a form's ``tables:`` through the pack reader ``r`` (problems located)."""
    out: dict[str, Table] = {}
    if node is None:
        return out
    if not isinstance(node, Mapping):
        r.fail(node.loc, "tables 应为“表名: {family, …}”")
        return out
    for name, t in node.items.items():
        family = r.text(t, "family")
        if family not in FAMILIES:
            if family:
                r.fail(t.items["family"].loc, f"表 '{name}' 的 family 应为 {' / '.join(FAMILIES)} 之一，实为 '{family}'")
            continue
        table = Table(name, family, t.loc)
        if family == "final_accounts":
            params = {k: v for k, v in (r.plain(t) or {}).items() if k != "family"}
            table.layout, problems = table_layout(params)
            for key, problem in problems:
                item = t.items.get(key)
                r.fail(item.loc if item is not None else t.loc, problem)
        elif family == "control_table":
            table.money = r.text(t, "money", required=False, default="元")
            if table.money not in ("元", "万元"):
                r.fail(t.items["money"].loc, f"money 应为 元 或 万元，实为 '{table.money}'")
            cols = r.get(t, "columns", Mapping)
            table.columns = {k: v.text for k, v in cols.items.items()} if cols else {}
            rows = r.get(t, "rows", Sequence)
            for row in (rows.items if rows else []):
                plain = r.plain(row) if isinstance(row, Mapping) else None
                if not isinstance(plain, dict) or not ({"of", "of_each", "each"} & set(plain)):
                    r.fail(row.loc, "每一行应为 {label, level, of: [组…]}、{label, level, of_each: 列表} 或 "
                                    "{each: 列表, label: 模式, level}")
                    continue
                for p in (plain.get("of") or []) + [plain.get("of_each"), plain.get("each")]:
                    if p and S.spec_at(p) is None:
                        r.fail(row.loc, f"'{p}' 不是单位文件的字段")
                table.rows.append(plain)
        else:
            table.list_path = r.text(t, "list")
            spec = S.spec_at(table.list_path) if table.list_path else None
            if table.list_path and not isinstance(spec, S.ListOf):
                r.fail(t.items["list"].loc, f"'{table.list_path}' 不是单位文件中的列表字段")
            cells = r.get(t, "cells", Mapping)
            for key, expr in (cells.items.items() if cells else ()):
                try:
                    parsed = parse(expr.text)
                except ExpressionError as exc:
                    r.fail(expr.loc, exc.message)
                    continue
                for ref in parsed.names:
                    if isinstance(spec, S.ListOf) and S.spec_at(f"{table.list_path}[].{ref}") is None:
                        r.fail(expr.loc, f"'{ref}' 不是 {table.list_path} 每一项的字段")
                table.cells[key] = parsed
        out[name] = table
    return out


def _money(amount, unit: str) -> str:
    return N.yuan(amount) if unit == "元" else N.wan(amount)


def _control_table(u, t: Table) -> dict:
    def cells(bases: list[str]) -> dict:
        return {col: _money(sum((u.get(f"{b}.{fld}") or N.ZERO for b in bases), N.ZERO), t.money)
                for col, fld in t.columns.items()}

    rows = []
    for spec in t.rows:
        level = int(spec.get("level") or 0)
        if spec.get("each"):
            for n, item in enumerate(u.items(spec["each"]), 1):
                texts = {k.rsplit(".", 1)[-1]: v for k, v in u.values.items()
                         if k.startswith(item + ".") and isinstance(v, str)}
                label = str(spec.get("label") or "{name}").replace("{n}", str(n))
                for k, v in texts.items():
                    label = label.replace("{" + k + "}", v)
                rows.append({"label": INDENT * level + label, "level": level, **cells([item])})
            continue
        bases = list(spec.get("of") or []) or u.items(spec.get("of_each", ""))
        rows.append({"label": INDENT * level + str(spec.get("label") or ""), "level": level, **cells(bases)})
    return {"rows": rows}


def _record_table(u, t: Table, formulas: dict) -> dict:
    rows = []
    for item in u.items(t.list_path):
        ev = FormulaEvaluator(u.scoped(item), formulas)
        row = {}
        for key, expr in t.cells.items():
            try:
                row[key] = ev.evaluate(expr, key).display()
            except Missing:
                row[key] = ""
        rows.append(row)
    return {"rows": rows}


def build_tables(u, tables: dict[str, Table], formulas: dict) -> dict[str, dict]:
    """Every declared table of a form, filled from unit ``u``."""
    out = {}
    for name, t in tables.items():
        if t.family == "final_accounts":
            continue                     # read by the final_accounts_disclosure layout
        out[name] = _control_table(u, t) if t.family == "control_table" else _record_table(u, t, formulas)
    return out
