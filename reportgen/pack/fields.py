"""A pack's own raw fields (字段), declared as data.

The unit file's national core (:data:`reportgen.unitfile.schema.CORE_SCHEMA`:
单位信息, 预算收支, 人员, “三公经费”, 项目, 部门决算 …) is the same for every
city.  A pack declares the raw figures its forms need beyond it in a file
named by ``pack.yaml`` (``fields: fields.yaml``)::

    buildings:
      zh: 楼堂馆所项目
      type: list
      doc: 楼堂馆所 completed this year (附件2-1 楼堂馆所控制情况)
      item:
        name: {zh: 项目名称, type: text, required: true}
        approved_area: {zh: 批复规模, type: number, unit: ㎡, required: true}
        budget_investment: {zh: 预算投资, type: amount}
    public_funds.items:                 # a dotted key adds to a core group
      zh: 公用经费其中项
      type: group
      fields:
        office: {zh: 办公经费, like: control_row}

Types: ``text``, ``amount`` (money in the file's 万元/元; ``signed: true``
allows negatives), ``count`` (``unit: 人``), ``number``, ``rate`` (a
percentage), ``date``, ``bool`` (是/否), ``choice`` (``options: [...]``,
with ``labels: [...]`` their Chinese names in the same order), ``code``
(``digits: 7``), ``year``, ``answer`` (a 评价要点 answer), ``group`` (``fields:``), ``list`` (``item:`` fields, or ``item_type:`` for a list of
scalars), ``map`` (``value:`` a field, ``key_zh:``).  ``like: NAME`` copies a
structure the core already defines (``control_row``: 上年决算数 / 本年预算数 /
本年决算数; ``indicator``: a 绩效指标; ``tier_answer``; ``checklist``), or
``like: <core path>`` any core group or list.  Every problem is reported at
its file and line; the unit file, its error messages, ``init``, the Excel
workbook and ``check``'s list of missing data all use the result.
"""

from __future__ import annotations

from dataclasses import replace

from reportgen.unitfile import schema as S
from reportgen.unitfile.load import Mapping, Scalar, Sequence

SCALARS = {
    "text": lambda n, r: S.Text(),
    "amount": lambda n, r: S.Money(signed=_flag(n, r, "signed")),
    "count": lambda n, r: S.Count(signed=_flag(n, r, "signed")),
    "number": lambda n, r: S.Number(),
    "rate": lambda n, r: S.Percent(),
    "date": lambda n, r: S.Date(),
    "bool": lambda n, r: S.Bool(),
    "year": lambda n, r: S.Year(),
    "answer": lambda n, r: S.ChecklistAnswer(),
    "choice": lambda n, r: S.Choice(tuple(_options(n, r)), tuple(_options(n, r, "labels"))),
    "code": lambda n, r: S.Code(int(r.number(n, "digits"))),
}
STRUCTURES = ("group", "list", "map")
KEYS = {"zh", "type", "doc", "unit", "required", "signed", "options", "labels", "digits", "fields", "item",
        "item_type", "value", "key_zh", "like", "forms"}


def _flag(node, r, key: str) -> bool:
    return r.text(node, key, required=False, default="false") in ("true", "是")


def _options(node, r, key: str = "options") -> list[str]:
    opts = r.get(node, key, Sequence, required=key == "options")
    out = [o.text for o in (opts.items if opts else []) if isinstance(o, Scalar)]
    if key == "labels" and out and len(out) != len(_options(node, r)):
        r.fail(opts.loc, f"labels 应与 options 一一对应（{len(_options(node, r))} 项），实为 {len(out)} 项")
        return []
    return out


def _like(name: str):
    """A structure the core defines, by name or by core path."""
    named = {"control_row": S.control_row("row", ""), "indicator": S.INDICATOR,
             "tier_answer": S.TIER_ANSWER, "checklist": S.CHECKLIST_ANSWER, "override": S.OVERRIDE}
    if name in named:
        return named[name]
    spec = S.spec_at(name.rstrip("[]"), S.CORE_SCHEMA)
    if isinstance(spec, S.ListOf) and name.endswith("[]"):
        return spec.item
    return spec


def read_field(r, key: str, node):
    """One declared field → a schema entry (Field/Group/ListOf/MapOf), or None
    after reporting what is wrong at its line."""
    if isinstance(node, Scalar) and not node.is_null and node.text in SCALARS:
        return S.Field(key, key, SCALARS[node.text](node, r))
    if not isinstance(node, Mapping):
        r.fail(node.loc, f"字段 '{key}' 应为 {{zh, type, …}}")
        return None
    for k in sorted(set(node.items) - KEYS):
        r.fail(node.items[k].loc, f"字段 '{key}' 中有未知的键 '{k}'（可用: {', '.join(sorted(KEYS))}）")
    zh = r.text(node, "zh")
    doc = r.text(node, "doc", required=False)
    required = _flag(node, r, "required")
    like = r.text(node, "like", required=False)
    if like:
        base = _like(like)
        if base is None:
            r.fail(node.items["like"].loc, f"like '{like}' 不是已有的结构（control_row, indicator, tier_answer, "
                                           f"checklist, override，或核心字段路径）")
            return None
        return _renamed(base, key, zh or base.zh, doc)
    kind = r.text(node, "type")
    if kind in SCALARS:
        return S.Field(key, zh, SCALARS[kind](node, r), required=required,
                       unit=("money" if kind == "amount" else r.text(node, "unit", required=False)), doc=doc)
    if kind == "group":
        return S.Group(key, zh, tuple(read_fields(r, r.get(node, "fields", Mapping))), required=required, doc=doc)
    if kind == "list":
        item_type = r.text(node, "item_type", required=False)
        if item_type:
            if item_type not in SCALARS:
                r.fail(node.items["item_type"].loc, f"item_type 应为 {' / '.join(SCALARS)} 之一，实为 '{item_type}'")
                return None
            return S.ListOf(key, zh, S.Field(key, zh, SCALARS[item_type](node, r)), doc=doc)
        return S.ListOf(key, zh, S.Group(key, zh, tuple(read_fields(r, r.get(node, "item", Mapping)))), doc=doc)
    if kind == "map":
        value_node = r.get(node, "value")
        value = read_field(r, "value", value_node) if value_node is not None else None
        if value is None:
            return None
        return S.MapOf(key, zh, value, key_zh=r.text(node, "key_zh", required=False) or "键", doc=doc)
    if kind:
        r.fail(node.items["type"].loc, f"字段 '{key}' 的 type 应为 {' / '.join(list(SCALARS) + list(STRUCTURES))} "
                                       f"之一，实为 '{kind}'")
    return None


def _renamed(spec, key: str, zh: str, doc: str):
    return replace(spec, key=key, zh=zh, **({"doc": doc} if doc else {}))


def read_fields(r, node) -> list:
    if node is None:
        return []
    out = []
    for key, child in node.items.items():
        f = read_field(r, key, child)
        if f is not None:
            out.append(f)
    return out


def pack_schema(r) -> tuple[S.Group, dict[str, tuple[str, ...]]]:
    """The unit schema for a pack: the core plus the fields declared in the
    file read by ``r`` (a dotted key adds to a core group), and for each
    declared field the forms that need it (``forms:``).  A key that
    repeats a core field, or a dotted key whose parent is not a group, is
    reported at its line."""
    schema = S.CORE_SCHEMA
    forms: dict[str, tuple[str, ...]] = {}
    if r.root is None:
        return schema, forms
    if not isinstance(r.root, Mapping):
        r.fail(r.root.loc, "字段文件应为“字段名: {zh, type, …}”")
        return schema, forms
    for key, node in r.root.items.items():
        parent, _, leaf = key.rpartition(".")
        f = read_field(r, leaf, node)
        if f is None:
            continue
        if parent and not isinstance(S.spec_at(parent, schema), S.Group):
            r.fail(node.loc, f"字段 '{key}': '{parent}' 不是可以添加字段的组（group）")
            continue
        if S.spec_at(key, schema) is not None:
            r.fail(node.loc, f"字段 '{key}' 已是通用字段，不能重复声明")
            continue
        schema = S.with_field(schema, parent, f)
        if isinstance(node, Mapping) and "forms" in node.items:
            fn = node.items["forms"]
            forms[key] = tuple(i.text for i in fn.items) if isinstance(fn, Sequence) else (fn.text,)
    return schema, forms
