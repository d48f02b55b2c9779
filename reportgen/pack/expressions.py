"""Pack expressions (公式): arithmetic over unit-file fields, on Decimal, in a sandbox.

A pack writes its formulas (计算公式) and identity checks (审核公式) as
expressions such as::

    staffing.in_service / staffing.authorized
    (three_public.budget - three_public.prior_budget) / three_public.prior_budget
    budget.carried_over.or_zero + budget.initial           # (see or_zero below)
    coalesce(three_public.adjusted_budget, three_public.budget)
    sum_over(projects, "budget")

The text is parsed with :mod:`ast` and evaluated by walking a whitelist of
node types — never ``eval``, never ``float``:

- numbers (taken from the source text, so ``0.1`` is ``Decimal("0.1")``) and
  strings (only as function arguments);
- dotted names: a unit-file field path (``budget.initial``) or the name of
  another formula of the pack;
- ``+ - * /``, unary ``-``, comparisons ``== != < <= > >=``, ``and or not``,
  ``x if condition else y``;
- calls of the library functions in :data:`FUNCTIONS`, nothing else.

Values are :class:`Quantity`: a Decimal (or None for 不适用) with its kind —
``amount`` (元), ``ratio`` (0.95 = 95%), ``count``, ``number`` — so that a
display knows to print 万元, % or a whole number.  Division by zero gives
不适用 plus a warning, in one place (:meth:`Evaluator.divide`).  A field the
unit did not give raises :class:`Missing` (the caller reports it as missing
data), except inside ``coalesce``/``or_zero``/``has``.

Limits keep a hostile pack harmless: expressions of at most
:data:`MAX_LENGTH` characters and :data:`MAX_NODES` nodes, formula chains at
most :data:`MAX_DEPTH` deep, Decimal arithmetic in a bounded context.
"""

from __future__ import annotations

import ast
import decimal
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from reportgen import numbers as N

MAX_LENGTH = 2000
MAX_NODES = 400
MAX_DEPTH = 32

#: Decimal arithmetic for pack expressions: 34 significant digits, exponents
#: bounded so no expression can build a number that takes memory or time to print.
CONTEXT = decimal.Context(prec=34, Emax=40, Emin=-40, rounding=decimal.ROUND_HALF_EVEN,
                          traps=[decimal.InvalidOperation, decimal.Overflow, decimal.DivisionByZero])

KINDS = ("amount", "ratio", "count", "number", "text", "bool", "date")


class ExpressionError(Exception):
    """An expression that cannot be parsed or uses something not allowed.
    ``col`` is the 0-based column within the expression text, when known."""

    def __init__(self, message: str, col: int | None = None):
        super().__init__(message)
        self.message = message
        self.col = col


class Missing(Exception):
    """A field the expression needs has no value in the unit file."""

    def __init__(self, path: str):
        super().__init__(path)
        self.path = path


@dataclass(frozen=True)
class Quantity:
    """A value with its kind.  ``value`` is None when 不适用 (a zero
    denominator somewhere below); text/bool/date kinds carry those values."""

    value: object
    kind: str = "number"

    @property
    def applicable(self) -> bool:
        return self.value is not None

    def display(self) -> str:
        """As the forms print it: 万元 with 2 decimals for an amount, a
        percentage with 2 decimals for a ratio, the whole number for a count;
        不适用 when not applicable.  Half-up (:mod:`reportgen.numbers`)."""
        v = self.value
        if v is None:
            return N.NOT_APPLICABLE
        if self.kind == "amount":
            return N.wan(v)
        if self.kind == "ratio":
            return N.percent(v)
        if self.kind == "count":
            return str(int(v)) if v == v.to_integral_value() else N.plain(v)
        if self.kind == "number":
            return N.plain(v)
        if self.kind == "bool":
            return "是" if v else "否"
        return str(v)


# --------------------------------------------------------------------------
# Parsing: text → checked AST, plus the names it refers to.


_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.IfExp, ast.Call,
            ast.Name, ast.Attribute, ast.Constant, ast.Load,
            ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd, ast.Not, ast.And, ast.Or,
            ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)

#: Functions whose field arguments are optional (a missing one is not an error).
_OPTIONAL_ARGS = {"coalesce", "or_zero", "has"}


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` as text for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


@dataclass
class Parsed:
    """A checked expression: its tree, the dotted names it uses (``required``
    outside optional arguments, ``optional`` inside them) and the functions it calls."""

    text: str
    tree: ast.Expression
    required: list[str] = field(default_factory=list)
    optional: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return self.required + [n for n in self.optional if n not in self.required]


def parse(text: str) -> Parsed:
    """Parse and check an expression; :class:`ExpressionError` names what is
    not allowed and where (its column)."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("公式为空")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"公式过长（{len(text)} 个字符，上限 {MAX_LENGTH}）")
    source = " ".join(text.split())          # YAML folded lines → one line; columns stay meaningful
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"公式语法错误: {exc.msg}", (exc.offset or 1) - 1) from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise ExpressionError(f"公式过于复杂（{len(nodes)} 个节点，上限 {MAX_NODES}）")
    parsed = Parsed(source, tree)

    def visit(node: ast.AST, optional: bool) -> None:
        if not isinstance(node, _ALLOWED):
            raise ExpressionError(f"公式中不允许使用 {type(node).__name__}", getattr(node, "col_offset", None))
        name = dotted(node)
        if name is not None:
            (parsed.optional if optional else parsed.required).append(name)
            return
        if isinstance(node, ast.Call):
            fn = dotted(node.func)
            if fn not in FUNCTIONS:
                raise ExpressionError(f"未知的函数 '{fn or '?'}'（可用: {', '.join(sorted(FUNCTIONS))}）",
                                      node.col_offset)
            if node.keywords:
                raise ExpressionError(f"函数 {fn} 不接受 名称=值 形式的参数", node.col_offset)
            parsed.functions.append(fn)
            spec = FUNCTIONS[fn]
            if not spec.min_args <= len(node.args) <= spec.max_args:
                want = (str(spec.min_args) if spec.min_args == spec.max_args
                        else f"{spec.min_args}–{spec.max_args}" if spec.max_args < 99 else f"至少 {spec.min_args}")
                raise ExpressionError(f"函数 {fn} 需要 {want} 个参数，实为 {len(node.args)}", node.col_offset)
            for i, a in enumerate(node.args):
                if spec.list_args and i in spec.list_args:
                    if dotted(a) is None:
                        raise ExpressionError(f"函数 {fn} 的第 {i + 1} 个参数应为列表字段名", a.col_offset)
                    parsed.required.append(dotted(a)) if not optional else parsed.optional.append(dotted(a))
                    continue
                if isinstance(a, ast.Constant) and isinstance(a.value, str):
                    continue
                visit(a, optional or fn in _OPTIONAL_ARGS and not (fn == "coalesce" and i == len(node.args) - 1))
            return
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExpressionError("公式中的常量只能是数字（文字只能作函数参数）", node.col_offset)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, optional)

    visit(tree, False)
    return parsed


# --------------------------------------------------------------------------
# Evaluation


@dataclass(frozen=True)
class Function:
    """A library function callable from pack expressions.  ``fn(ev, args)``
    receives the evaluator and the argument nodes (so it may evaluate them
    lazily); ``list_args`` are positions that take a list field's name."""

    fn: Callable
    min_args: int
    max_args: int
    doc: str
    list_args: tuple[int, ...] = ()


class Evaluator:
    """Evaluates parsed expressions against one unit.

    ``lookup(path)`` returns a field's :class:`Quantity` or None when the unit
    does not give it; ``formula(name)`` returns the Quantity of another
    formula of the pack, or None when ``name`` is not a formula; ``items(path)``
    the item paths of a list field; ``kind_of(path)`` the kind of a field
    (for the 0 that ``or_zero`` gives in its place).  ``warnings`` collects the 不适用 notes
    (zero denominators), each once.
    """

    def __init__(self, lookup: Callable[[str], Quantity | None],
                 formula: Callable[[str], Quantity | None] = lambda name: None,
                 items: Callable[[str], list[str]] = lambda path: [],
                 kind_of: Callable[[str], str] = lambda path: "number"):
        self.lookup = lookup
        self.kind_of = kind_of
        self.formula = formula
        self.items = items
        self.warnings: list[str] = []
        self.what = ""       # the name of the formula being evaluated, for warnings

    def evaluate(self, parsed: Parsed, what: str = "") -> Quantity:
        saved, self.what = self.what, what or self.what
        try:
            with decimal.localcontext(CONTEXT):
                return self._eval(parsed.tree.body)
        except (decimal.InvalidOperation, decimal.Overflow) as exc:
            raise ExpressionError(f"公式“{self.what}”的计算结果超出范围（{type(exc).__name__}）") from None
        finally:
            self.what = saved

    # -- nodes ---------------------------------------------------------------
    def _eval(self, node: ast.AST) -> Quantity:
        name = dotted(node)
        if name is not None:
            return self.name(name)
        if isinstance(node, ast.Constant):
            return Quantity(Decimal(str(node.value)), "number")
        if isinstance(node, ast.UnaryOp):
            v = self._eval(node.operand)
            if isinstance(node.op, ast.Not):
                return Quantity(not self.truth(v), "bool")
            if v.value is None:
                return v
            return Quantity(-v.value if isinstance(node.op, ast.USub) else v.value, v.kind)
        if isinstance(node, ast.BinOp):
            a, b = self._eval(node.left), self._eval(node.right)
            if isinstance(node.op, ast.Div):
                return self.divide(a, b)
            if a.value is None or b.value is None:
                return Quantity(None, _sum_kind(a, b))
            if isinstance(node.op, ast.Add):
                return Quantity(a.value + b.value, _sum_kind(a, b))
            if isinstance(node.op, ast.Sub):
                return Quantity(a.value - b.value, _sum_kind(a, b))
            return Quantity(a.value * b.value, _product_kind(a, b))
        if isinstance(node, ast.Compare):
            left = self._eval(node.left)
            for op, right_node in zip(node.ops, node.comparators):
                right = self._eval(right_node)
                if left.value is None or right.value is None:
                    return Quantity(None, "bool")
                if not _compare(op, left.value, right.value):
                    return Quantity(False, "bool")
                left = right
            return Quantity(True, "bool")
        if isinstance(node, ast.BoolOp):
            want = isinstance(node.op, ast.Or)
            for v in node.values:
                if self.truth(self._eval(v)) == want:
                    return Quantity(want, "bool")
            return Quantity(not want, "bool")
        if isinstance(node, ast.IfExp):
            return self._eval(node.body if self.truth(self._eval(node.test)) else node.orelse)
        if isinstance(node, ast.Call):
            return FUNCTIONS[dotted(node.func)].fn(self, node.args)
        raise ExpressionError(f"公式中不允许使用 {type(node).__name__}")

    def name(self, path: str) -> Quantity:
        q = self.formula(path)
        if q is not None:
            return q
        q = self.lookup(path)
        if q is None:
            raise Missing(path)
        return q

    def truth(self, q: Quantity) -> bool:
        return bool(q.value) if q.value is not None else False

    def divide(self, a: Quantity, b: Quantity) -> Quantity:
        """``a / b``: a ratio when both have the same kind (amount/amount,
        count/count), else a number; 不适用 plus a warning when ``b`` is 0."""
        kind = "ratio" if a.kind == b.kind or "number" in (a.kind, b.kind) and "ratio" not in (a.kind, b.kind) \
            else "number"
        if a.value is None or b.value is None:
            return Quantity(None, kind)
        value, note = N.divide(a.value, b.value, self.what)
        if note and note not in self.warnings:
            self.warnings.append(note)
        return Quantity(value, kind)


def _sum_kind(a: Quantity, b: Quantity) -> str:
    if a.kind == b.kind:
        return a.kind
    return b.kind if a.kind == "number" else a.kind if b.kind == "number" else "number"


def _product_kind(a: Quantity, b: Quantity) -> str:
    kinds = {a.kind, b.kind}
    if kinds == {"number"}:
        return "number"
    if "number" in kinds or "ratio" in kinds:        # 金额 × 比率 is still an amount
        rest = kinds - {"number", "ratio"}
        return rest.pop() if len(rest) == 1 else ("ratio" if kinds <= {"ratio", "number"} else "number")
    return "number"


def _compare(op: ast.cmpop, a, b) -> bool:
    if isinstance(op, ast.Eq):
        return a == b
    if isinstance(op, ast.NotEq):
        return a != b
    if isinstance(op, ast.Lt):
        return a < b
    if isinstance(op, ast.LtE):
        return a <= b
    if isinstance(op, ast.Gt):
        return a > b
    return a >= b


# --------------------------------------------------------------------------
# The library: general operations a pack's expressions may call.


FUNCTIONS: dict[str, Function] = {}


def function(name: str, min_args: int, max_args: int | None = None, list_args: tuple[int, ...] = ()):
    def register(fn):
        FUNCTIONS[name] = Function(fn, min_args, max_args if max_args is not None else min_args,
                                   (fn.__doc__ or "").strip(), list_args)
        return fn
    return register


def _string(node: ast.AST, what: str) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    raise ExpressionError(f"{what}应为加引号的文字")


@function("ratio", 2)
def _ratio(ev: Evaluator, args) -> Quantity:
    """ratio(a, b) — 比率 a / b as a ratio (0.95 = 95%), whatever the kinds
    of a and b; 不适用 plus a warning when b is 0."""
    q = ev.divide(ev._eval(args[0]), ev._eval(args[1]))
    return Quantity(q.value, "ratio")


@function("share", 2)
def _share(ev: Evaluator, args) -> Quantity:
    """share(part, whole) — 占比: part / whole as a ratio (each share its own
    amount over its total, rounded only for display); 不适用 when whole is 0."""
    return _ratio(ev, args)


@function("change", 2)
def _change(ev: Evaluator, args) -> Quantity:
    """change(now, prior) — 增减额 now − prior, in the kind of ``now`` (元 for amounts)."""
    a, b = ev._eval(args[0]), ev._eval(args[1])
    if a.value is None or b.value is None:
        return Quantity(None, a.kind)
    return Quantity(a.value - b.value, _sum_kind(a, b))


@function("change_rate", 2)
def _change_rate(ev: Evaluator, args) -> Quantity:
    """change_rate(now, prior) — 增减率 (now − prior) / prior as a ratio
    (negative for a fall); 不适用 when prior is 0."""
    a, b = ev._eval(args[0]), ev._eval(args[1])
    if a.value is None or b.value is None:
        return Quantity(None, "ratio")
    return Quantity(ev.divide(Quantity(a.value - b.value, a.kind), b).value, "ratio")


@function("abs", 1)
def _abs(ev: Evaluator, args) -> Quantity:
    """abs(x) — the absolute value, same kind."""
    q = ev._eval(args[0])
    return q if q.value is None else Quantity(abs(q.value), q.kind)


@function("min", 2, 99)
def _min(ev: Evaluator, args) -> Quantity:
    """min(a, b, …) — the smallest; 不适用 if any is."""
    qs = [ev._eval(a) for a in args]
    if any(q.value is None for q in qs):
        return Quantity(None, qs[0].kind)
    return min(qs, key=lambda q: q.value)


@function("max", 2, 99)
def _max(ev: Evaluator, args) -> Quantity:
    """max(a, b, …) — the largest; 不适用 if any is."""
    qs = [ev._eval(a) for a in args]
    if any(q.value is None for q in qs):
        return Quantity(None, qs[0].kind)
    return max(qs, key=lambda q: q.value)


@function("coalesce", 2, 99)
def _coalesce(ev: Evaluator, args) -> Quantity:
    """coalesce(a, b, …) — the first argument the unit gives (e.g. the adjusted
    budget if there is one, else the budget); the last one is required."""
    for a in args[:-1]:
        try:
            return ev._eval(a)
        except Missing:
            continue
    return ev._eval(args[-1])


@function("or_zero", 1)
def _or_zero(ev: Evaluator, args) -> Quantity:
    """or_zero(x) — x, or 0 of x's kind when the unit leaves it empty (an
    optional amount such as 上年结转)."""
    try:
        return ev._eval(args[0])
    except Missing as m:
        return Quantity(Decimal(0), ev.kind_of(m.path))


@function("has", 1)
def _has(ev: Evaluator, args) -> Quantity:
    """has(x) — 是 when the unit gives x (for ``a if has(a) else b``)."""
    try:
        ev._eval(args[0])
        return Quantity(True, "bool")
    except Missing:
        return Quantity(False, "bool")


def _list_values(ev: Evaluator, args) -> list[Quantity]:
    list_path = dotted(args[0])
    column = _string(args[1], "sum_over 的第 2 个参数（列表项中的字段名）")
    out = []
    for item in ev.items(list_path):
        q = ev.lookup(f"{item}.{column}")
        if q is not None:
            out.append(q)
    return out


@function("sum_over", 2, list_args=(0,))
def _sum_over(ev: Evaluator, args) -> Quantity:
    """sum_over(list, "field") — Σ of ``field`` over the items of a list field
    (e.g. ``sum_over(projects, "budget")``, 元); items without it count 0."""
    qs = _list_values(ev, args)
    kind = qs[0].kind if qs else "amount"
    return Quantity(sum((q.value for q in qs if q.value is not None), Decimal(0)), kind)


@function("itemize", 3, 4, list_args=(0,))
def _itemize(ev: Evaluator, args) -> Quantity:
    """itemize(list, "name", "amount", "flag") — 逐项列出: each item's name
    and amount in 万元 (2 decimals), joined by 、 ("区内企业管理服务费10.00万元、
    项目推进考察工作费10.00万元"); with ``flag``, only the items whose flag is
    是.  Items without the amount are left out; "" when none is left."""
    list_path = dotted(args[0])
    name, amount = (_string(a, f"itemize 的第 {i} 个参数（列表项中的字段名）")
                    for i, a in ((2, args[1]), (3, args[2])))
    flag = _string(args[3], "itemize 的第 4 个参数（列表项中的字段名）") if len(args) > 3 else None
    out = []
    for item in ev.items(list_path):
        q, label = ev.lookup(f"{item}.{amount}"), ev.lookup(f"{item}.{name}")
        chosen = ev.lookup(f"{item}.{flag}") if flag else Quantity(True, "bool")
        if q is None or q.value is None or chosen is None or not chosen.value:
            continue
        out.append(f"{label.value if label is not None else ''}{Quantity(q.value, q.kind).display()}"
                   + ("万元" if q.kind == "amount" else ""))
    return Quantity("、".join(out), "text")


@function("count_of", 1, list_args=(0,))
def _count_of(ev: Evaluator, args) -> Quantity:
    """count_of(list) — 个数: the number of items in a list field."""
    return Quantity(Decimal(len(ev.items(dotted(args[0])))), "count")


@function("round_half_up", 2)
def _round_half_up(ev: Evaluator, args) -> Quantity:
    """round_half_up(x, places) — 四舍五入 to ``places`` decimals (for a rule
    that scores the rounded figure, as a form prints it)."""
    q, places = ev._eval(args[0]), ev._eval(args[1])
    if q.value is None:
        return q
    if places.value is None or places.value != places.value.to_integral_value() or not 0 <= places.value <= 10:
        raise ExpressionError("round_half_up 的位数应为 0–10 的整数")
    return Quantity(N.quantize(q.value, int(places.value)), q.kind)


def _amount_text(ev: Evaluator, args, fmt) -> Quantity:
    q = ev._eval(args[0])
    return Quantity(fmt(q.value) if q.value is not None else N.NOT_APPLICABLE, "text")


@function("wan", 1)
def _wan(ev: Evaluator, args) -> Quantity:
    """wan(x) — an amount (元) as the text 万元 prints it (2 decimals, half-up)."""
    return _amount_text(ev, args, N.wan)


@function("yuan", 1)
def _yuan(ev: Evaluator, args) -> Quantity:
    """yuan(x) — an amount (元) as text in 元 with 2 decimals and thousands separators."""
    return _amount_text(ev, args, N.yuan)
