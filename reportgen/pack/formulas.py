"""A pack's formulas (计算公式): named expressions over unit-file fields.

A pack lists its formulas in a file named by ``pack.yaml`` (``formulas:
formulas.yaml``)::

    staff_control_rate:
      zh: 在职人员控制率
      value: ratio(staffing.in_service, staffing.authorized)
      show: {in_service: staffing.in_service, authorized: staffing.authorized}
      source: 财预〔2013〕53号 附件2

``value`` is an expression (:mod:`reportgen.pack.expressions`) over fields
and other formulas; ``kind`` (amount/ratio/count/number) says how its value
is printed when the expression alone does not tell; ``show`` are the display
variables a rubric's 计算分析情况 pattern or a sentence may use, each an
expression printed by its kind (amounts in 万元, ratios in %).  ``scope:
project`` marks a formula evaluated for each project, its paths relative to
the project (``allotted``, ``funds.central.spent``).

A formula scored in parts (宁乡 预算执行率 = ① 预算完成率 + ② 支付进度率)
names its parts instead of a value::

    budget_execution_parts:
      zh: 预算执行率（预算完成率、支付进度率）
      parts: {completion: budget_completion_rate, payment: payment_progress_rate}

each part a formula of the pack or a library computation; the display
variables of part ``completion`` are ``completion_rate``, ``completion_…``.

A rubric names a formula in ``formula:`` exactly as it names a library
computation (:data:`reportgen.compute.derive.REGISTRY`); the pack's own
formula wins.  Every problem — syntax, an unknown field or formula, a
cycle — is reported at its file and line.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal

from reportgen.compute.derive import REGISTRY, Computation, Measure
from reportgen.errors import Loc
from reportgen.pack.expressions import (KINDS, Evaluator, ExpressionError, Missing, Parsed, Quantity,
                                        parse)
from reportgen.unitfile import schema as S
from reportgen.unitfile.load import Mapping, Scalar

SCOPES = ("unit", "project")


@dataclass
class Formula:
    """One named formula of a pack (see the module docstring)."""

    key: str
    zh: str
    value: Parsed
    kind: str | None
    show: dict[str, Parsed]
    scope: str
    source: str
    loc: Loc
    show_locs: dict[str, Loc] = field(default_factory=dict)
    parts: dict[str, str] = field(default_factory=dict)   # part key → formula/computation name
    value_loc: Loc | None = None


def kind_of_field(path: str) -> str:
    """The display kind of a unit-file field: 金额 → amount, 整数 → count,
    百分比 → ratio, 是/否 → bool, 日期 → date, 数字 → number, else text."""
    spec = S.spec_at(path)
    t = getattr(spec, "type", None)
    return {S.Money: "amount", S.Count: "count", S.Percent: "ratio", S.Number: "number",
            S.Bool: "bool", S.Date: "date"}.get(type(t), "text")


def _quantity(u, path: str) -> Quantity | None:
    """A unit's field as a Quantity of its kind (counts as Decimal); None when not given."""
    if not u.has(path):
        return None
    value = u[path]
    kind = kind_of_field(u.full_path(path))
    return Quantity(Decimal(value) if kind == "count" else value, kind)


class FormulaEvaluator(Evaluator):
    """An :class:`Evaluator` bound to one (possibly scoped) unit and a pack's
    formulas; each formula is evaluated once per unit."""

    def __init__(self, u, formulas: dict[str, Formula]):
        super().__init__(lookup=lambda p: _quantity(u, p), formula=self._formula,
                         items=u.items, kind_of=lambda p: kind_of_field(u.full_path(p)))
        self.unit = u
        self.formulas = formulas
        self.memo: dict[str, Quantity] = {}
        self.stack: list[str] = []

    def _formula(self, name: str) -> Quantity | None:
        f = self.formulas.get(name)
        if f is None:
            return None
        if name in self.memo:
            return self.memo[name]
        if name in self.stack or len(self.stack) > 32:
            raise ExpressionError(f"公式循环引用: {' → '.join(self.stack + [name])}")
        self.stack.append(name)
        try:
            q = self.evaluate(f.value, f.zh)
        finally:
            self.stack.pop()
        if f.kind and q.kind != f.kind:
            q = Quantity(q.value, f.kind)
        self.memo[name] = q
        return q

    def value(self, name: str) -> Quantity:
        return self._formula(name)


def measure(u, formulas: dict[str, Formula], key: str) -> Measure:
    """The formula ``key`` for unit ``u`` as a :class:`Measure` (kind
    ``ratio``: the value a scoring rule reads), its display variables
    (``rate`` = the value as printed, plus each ``show``), warnings for
    zero denominators and problems for missing fields."""
    f = formulas[key]
    ev = FormulaEvaluator(u, formulas)
    try:
        q = ev.value(key)
        shown = {"rate": q.display(), "value": q.display()}
        for name, expr in f.show.items():
            try:
                shown[name] = ev.evaluate(expr, f.zh).display()
            except Missing:
                shown[name] = ""
    except Missing as m:
        return Measure("ratio", None, vars={"rate": "", "value": ""},
                       problems=((m.path, f"计算“{f.zh}”需要此项数据"),))
    except ExpressionError as exc:
        return Measure("ratio", None, vars={"rate": "", "value": ""},
                       problems=(("", f"计算“{f.zh}”: {exc.message}"),))
    return Measure("ratio", q.value, vars=shown, warnings=tuple(ev.warnings))


def displays(u, formulas: dict[str, Formula], scope: str = "unit") -> dict[str, str | None]:
    """Every formula of ``scope`` for unit ``u`` as printed (93.18%, 23310.11
    for 万元, 不适用); None for a formula whose fields the unit does not give.
    What a sentence or a template reads as ``f.<name>``."""
    ev = FormulaEvaluator(u, formulas)
    out: dict[str, str | None] = {}
    for key, f in formulas.items():
        if f.scope != scope or f.parts:
            continue
        try:
            out[key] = ev.value(key).display()
        except (Missing, ExpressionError):
            out[key] = None
    return out


def required_fields(formulas: dict[str, Formula], key: str, seen: frozenset = frozenset()) -> list[str]:
    """The unit-file paths formula ``key`` cannot do without (through the
    formulas it uses), in order; fields inside ``coalesce``/``or_zero``/``has``
    are optional and not listed."""
    out: list[str] = []
    for name in formulas[key].value.required:
        if name in formulas:
            if name not in seen:
                out += [p for p in required_fields(formulas, name, seen | {key}) if p not in out]
        elif name not in out:
            out.append(name)
    return out


def as_computation(formulas: dict[str, Formula], key: str) -> Computation:
    """A pack formula in the shape of a library computation, so a rubric
    scores it like any other (its inputs are its required fields)."""
    f = formulas[key]
    if f.parts:
        return _parts_computation(formulas, f)
    return Computation(key, f.zh, tuple(required_fields(formulas, key)),
                       lambda u, args: measure(u, formulas, key), "ratio", f.source)


def _part(formulas: dict[str, Formula], name: str) -> Computation:
    return as_computation(formulas, name) if name in formulas else REGISTRY[name]


def _parts_computation(formulas: dict[str, Formula], f: Formula) -> Computation:
    parts = {k: _part(formulas, name) for k, name in f.parts.items()}

    def fn(u, args) -> Measure:
        measured = {k: c.fn(u, args) for k, c in parts.items()}
        shown = {f"{k}_{name}": v for k, m in measured.items() for name, v in m.vars.items()}
        return Measure("parts", data=measured, vars=shown,
                       warnings=sum((m.warnings for m in measured.values()), ()),
                       problems=sum((m.problems for m in measured.values()), ()))

    inputs = []
    for c in parts.values():
        inputs += [p for p in c.needed({}) if p not in inputs]
    return Computation(f.key, f.zh, tuple(inputs), fn, "parts", f.source, tuple(parts))


def field_known(path: str, scope: str) -> bool:
    """Whether ``path`` names a field a formula of ``scope`` can read: a
    project formula reads its project's fields and what a project view
    inherits (``year``, ``money_unit``, ``unit.*``)."""
    if scope == "project":
        inherited = path in ("year", "money_unit") or path.startswith("unit.")
        return S.spec_at(f"projects[].{path}") is not None or (inherited and S.spec_at(path) is not None)
    return S.spec_at(path) is not None


def read_formulas(r) -> dict[str, Formula]:
    """Read a formulas file through ``r``, the pack file reader of
    :mod:`reportgen.pack.packs` (which collects every problem with its
    file:line); unknown names, bad kinds and cycles are reported at their line."""
    formulas: dict[str, Formula] = {}
    if r.root is None:
        return formulas
    if not isinstance(r.root, Mapping):
        r.fail(r.root.loc, "公式文件应为“名称: {zh, value, …}”")
        return formulas
    for key, node in r.root.items.items():
        if not isinstance(node, Mapping):
            r.fail(node.loc, f"公式 '{key}' 应为 {{zh, value, …}}")
            continue
        unknown = set(node.items) - {"zh", "value", "parts", "kind", "show", "scope", "source", "inferred", "doc"}
        for k in sorted(unknown):
            r.fail(node.items[k].loc, f"公式 '{key}' 中有未知的键 '{k}'（可用: zh, value, parts, kind, show, scope, source）")
        parts_node = r.get(node, "parts", Mapping, required=False)
        parts = {k: v.text for k, v in parts_node.items.items() if isinstance(v, Scalar)} if parts_node else {}
        if parts_node is not None and "value" in node.items:
            r.fail(parts_node.loc, f"公式 '{key}' 只能有 value 或 parts 之一")
        value_node = r.get(node, "value", required=parts_node is None) if parts_node is None else None
        parsed = parse_node(r, value_node) if value_node is not None else (parse("0") if parts else None)
        kind = r.text(node, "kind", required=False) or None
        if kind and kind not in KINDS:
            r.fail(node.items["kind"].loc, f"kind 应为 {' / '.join(KINDS)} 之一，实为 '{kind}'")
            kind = None
        scope = r.text(node, "scope", required=False) or "unit"
        if scope not in SCOPES:
            r.fail(node.items["scope"].loc, f"scope 应为 {' / '.join(SCOPES)} 之一，实为 '{scope}'")
        show, show_locs = {}, {}
        show_node = r.get(node, "show", Mapping, required=False)
        for name, expr_node in (show_node.items.items() if show_node else ()):
            p = parse_node(r, expr_node)
            if p is not None:
                show[name], show_locs[name] = p, expr_node.loc
        if parsed is None:
            continue
        formulas[key] = Formula(key, r.text(node, "zh"), parsed, kind, show, scope,
                                r.text(node, "source", required=False), node.loc, show_locs, parts,
                                value_node.loc if value_node is not None else node.loc)
    # names: a field of the schema or another formula of the same scope
    for f in formulas.values():
        exprs = [(f.value, f.value_loc or f.loc)] + [(p, f.show_locs[n]) for n, p in f.show.items()]
        for parsed, loc in exprs:
            for name in parsed.names:
                if name in formulas or field_known(name, f.scope):
                    continue
                hint = closest(name, list(formulas) + field_paths(f.scope))
                r.fail(loc, f"公式 '{f.key}' 引用了未知的字段或公式 '{name}'" + (f"（是否应为 {hint}？）" if hint else ""))
    for f in formulas.values():
        for part, name in f.parts.items():
            if name not in formulas and name not in REGISTRY:
                r.fail(f.loc, f"公式 '{f.key}' 的部分 {part} 引用了未知的公式或计算 '{name}'")
            elif name in formulas and formulas[name].parts:
                r.fail(f.loc, f"公式 '{f.key}' 的部分 {part} 不能再分部分（'{name}'）")
    for key in formulas:
        cycle = _cycle(formulas, key, [])
        if cycle:
            r.fail(formulas[key].loc, f"公式循环引用: {' → '.join(cycle)}")
            break
    return formulas


def parse_node(r, node) -> Parsed | None:
    if node is None:
        return None
    if not isinstance(node, Scalar) or node.is_null:
        r.fail(node.loc, "公式应为一行表达式")
        return None
    try:
        return parse(node.text)
    except ExpressionError as exc:
        col = node.loc.col + exc.col if node.loc.col and exc.col is not None and "\n" not in node.text else None
        r.fail(Loc(node.loc.file, node.loc.line, col) if col else node.loc, exc.message)
        return None


def _cycle(formulas: dict[str, Formula], key: str, path: list[str]) -> list[str] | None:
    if key in path:
        return path[path.index(key):] + [key]
    for name in formulas[key].value.names:
        if name in formulas:
            found = _cycle(formulas, name, path + [key])
            if found:
                return found
    return None


def field_paths(scope: str) -> list[str]:
    paths = [p for p, spec in S.walk() if isinstance(spec, S.Field)]
    if scope == "project":
        return [p[len("projects[]."):] for p in paths if p.startswith("projects[].")]
    return paths


def closest(name: str, candidates: list[str]) -> str | None:
    """The candidate a misspelt ``name`` most likely means (“是否应为 …？”)."""
    found = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    return found[0] if found else None
