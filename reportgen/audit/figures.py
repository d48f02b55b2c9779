"""Numbers as printed in a report, exact arithmetic on them, and the
comparison of a printed result with its recomputation.

A printed figure is a :class:`Stated`: its Decimal value, the number of
decimals shown, and its unit.  Arithmetic runs on :class:`Span` — the exact
value from the printed operands plus the interval the true value can lie in
when each operand was itself rounded to the decimals shown (a 2-decimal
万元 figure is exact to ±0.005).  :func:`judge` decides whether a printed
result is right, a rounding/truncation-level difference (提示) or wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from reportgen import numbers as N

ERROR = "错误"
SUSPECT = "疑似"
NOTE = "提示"
SEVERITIES = (ERROR, SUSPECT, NOTE)

#: Whitespace allowed between the parts of a statement: spaces and the line
#: breaks of wrapped PDF/plain text, never a cell or paragraph boundary.
WS = r"[ \t\n\r\u3000]*"
#: A printed number: optional sign, thousands separators, decimals.
NUM = r"[-−－]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
MONEY_UNITS = ("万元", "亿元", "元")


@dataclass(frozen=True)
class Stated:
    """A number as printed: ``value`` in its own unit (a percentage keeps
    its percent value, 112% → 112), ``places`` decimals shown."""

    text: str
    value: Decimal
    places: int
    unit: str = ""

    @property
    def is_percent(self) -> bool:
        return self.unit in ("%", "％")

    @property
    def ratio(self) -> Decimal:
        """The value as a plain number (112% → 1.12)."""
        return self.value / N.HUNDRED if self.is_percent else self.value

    @property
    def half(self) -> Decimal:
        """Half a unit of the last printed decimal (0 for whole numbers,
        which are taken as exact)."""
        return Decimal(5).scaleb(-self.places - 1) if self.places else Decimal(0)

    def span(self) -> "Span":
        r, h = self.ratio, self.half / (N.HUNDRED if self.is_percent else 1)
        return Span(r, r - h, r + h)


def parse_number(text: str, unit: str = "") -> Stated | None:
    """A printed number ("1,234.50", "−10.14") → :class:`Stated`, or None."""
    t = text.replace("−", "-").replace("－", "-")
    value = N.parse_decimal(t)
    if value is None:
        return None
    places = len(t.split(".", 1)[1]) if "." in t else 0
    return Stated(text, value, places, unit)


@dataclass(frozen=True)
class Span:
    """An exact value and the interval [lo, hi] it lies in given the
    rounding of the printed operands."""

    value: Decimal
    lo: Decimal
    hi: Decimal

    def __add__(self, o: "Span") -> "Span":
        return Span(self.value + o.value, self.lo + o.lo, self.hi + o.hi)

    def __sub__(self, o: "Span") -> "Span":
        return Span(self.value - o.value, self.lo - o.hi, self.hi - o.lo)

    def __mul__(self, o: "Span") -> "Span":
        c = [self.lo * o.lo, self.lo * o.hi, self.hi * o.lo, self.hi * o.hi]
        return Span(self.value * o.value, min(c), max(c))

    def __truediv__(self, o: "Span") -> "Span | None":
        if o.value == 0 or o.lo <= 0 <= o.hi:
            return None
        c = [self.lo / o.lo, self.lo / o.hi, self.hi / o.lo, self.hi / o.hi]
        return Span(self.value / o.value, min(c), max(c))

    def scaled(self, factor: Decimal) -> "Span":
        """The span in another unit (万元 → 元: × 10000)."""
        return Span(self.value * factor, self.lo * factor, self.hi * factor)

    def negated(self) -> "Span":
        return Span(-self.value, -self.hi, -self.lo)

    @staticmethod
    def exact(value: Decimal) -> "Span":
        return Span(value, value, value)


def total(spans) -> Span:
    out = Span.exact(Decimal(0))
    for s in spans:
        out = out + s
    return out


def truncate(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)


def judge(stated: Stated, span: Span, severity: str = ERROR) -> str | None:
    """How wrong ``stated`` is as a printing of ``span``.

    None when it is the half-up rounding of the exact value, or — printed
    at the usual display precision of at most 2 decimals (rubrics.md §0.3) —
    of a value the printed operands allow (``span.lo``–``span.hi``: a share
    computed from unrounded 元 beside amounts rounded to 0.01万元, e.g.
    0.53万/1.00万 shown as 53.38%, is correct arithmetic; issue 13 point 7);
    提示 when it is the truncation of the exact value, a value printed to
    more decimals than that (seed 003's 36.687%), or a truncation-level
    neighbour of the interval; otherwise ``severity``.
    """
    scale = N.HUNDRED if stated.is_percent else Decimal(1)
    exact = span.value * scale
    p = stated.places
    if N.quantize(exact, p) == stated.value or truncate(exact, p) == stated.value:
        return None if N.quantize(exact, p) == stated.value else NOTE
    unit = Decimal(1).scaleb(-p)
    lo, hi = span.lo * scale, span.hi * scale
    if p <= 2 and lo < stated.value + unit / 2 and stated.value - unit / 2 <= hi:
        return None
    if lo <= stated.value + unit / 2 and stated.value - unit <= hi:
        return NOTE
    return severity


def shown(value: Decimal, places: int, unit: str = "") -> str:
    """A recomputed value printed at ``places`` decimals (at least 2)."""
    return N.fixed(value, max(places, 2)) + unit


def difference(stated: Stated, span: Span) -> str:
    """Printed minus recomputed, in the stated value's unit."""
    scale = N.HUNDRED if stated.is_percent else Decimal(1)
    diff = stated.value - span.value * scale
    unit = "个百分点" if stated.is_percent else stated.unit
    return N.fixed(diff, max(stated.places, 2)) + unit


# ---- written-out formulas ---------------------------------------------------

_LABEL_NUM = re.compile(r"\d+(?:\.\d+)?\s*(?:年度|年|月份|月底|月末|月|日|季度|号|级|类|个月|周岁)")
_TOKEN = re.compile(r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<pct>[%％])?|(?P<op>[-+*/×÷xX−－—–])|"
                    r"(?P<lp>[(\[（【{])|(?P<rp>[)\]）】}])")
_OPS = {"-": "-", "−": "-", "－": "-", "—": "-", "–": "-", "+": "+", "*": "*", "×": "*", "x": "*",
        "X": "*", "/": "/", "÷": "/"}


def tokens(expr: str) -> list[tuple[str, object]] | None:
    """Operands and operators of a written formula; labels (Chinese words,
    units, years such as "2021年") are dropped.  None if it is not one."""
    expr = _LABEL_NUM.sub(" ", expr)
    out: list[tuple[str, object]] = []
    for m in _TOKEN.finditer(expr):
        if m.group("num"):
            s = parse_number(m.group("num").replace(",", ""), "%" if m.group("pct") else "")
            out.append(("num", s))
        elif m.group("op"):
            op = m.group("op")
            if op in "xX" and not (out and out[-1][0] in ("num", "rp")):
                continue
            out.append(("op", _OPS[op]))
        elif m.group("lp"):
            out.append(("lp", "("))
        else:
            out.append(("rp", ")"))
    # drop unbalanced leading ")" / trailing "(" left by a cut-off cell
    depth, fixed = 0, []
    for kind, v in out:
        if kind == "rp" and depth == 0:
            continue
        depth += kind == "lp"
        depth -= kind == "rp"
        fixed.append((kind, v))
    while depth > 0:   # close what is left open
        fixed.append(("rp", ")"))
        depth -= 1
    nums = sum(1 for k, _ in fixed if k == "num")
    ops = sum(1 for k, _ in fixed if k == "op")
    return fixed if nums >= 2 and ops >= 1 else None


def evaluate(toks, strict: bool = True) -> Span | None:
    """Evaluate formula tokens.  ``strict`` uses × ÷ before + −; otherwise
    each bracket is read left to right, as a filer writes "(a−b/c)" for
    "(a−b)/c".  None for a malformed formula or a zero divisor."""
    pos = 0

    def atom():
        nonlocal pos
        if pos >= len(toks):
            raise ValueError
        kind, v = toks[pos]
        if kind == "num":
            pos += 1
            return v.span()
        if kind == "lp":
            pos += 1
            val = expr()
            if pos < len(toks) and toks[pos][0] == "rp":
                pos += 1
            return val
        if kind == "op" and v == "-":
            pos += 1
            a = atom()
            return a.negated()
        raise ValueError

    def apply(a, op, b):
        if a is None or b is None:
            raise ZeroDivisionError
        r = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b}[op]()
        if r is None:
            raise ZeroDivisionError
        return r

    def term():
        nonlocal pos
        val = atom()
        while pos < len(toks) and toks[pos] in (("op", "*"), ("op", "/")):
            op = toks[pos][1]
            pos += 1
            val = apply(val, op, atom())
        return val

    def expr():
        nonlocal pos
        if strict:
            val = term()
            while pos < len(toks) and toks[pos][0] == "op" and toks[pos][1] in "+-":
                op = toks[pos][1]
                pos += 1
                val = apply(val, op, term())
            return val
        val = atom()
        while pos < len(toks) and toks[pos][0] == "op":
            op = toks[pos][1]
            pos += 1
            val = apply(val, op, atom())
        return val

    try:
        val = expr()
    except (ValueError, ZeroDivisionError):
        return None
    return val if pos == len(toks) else None
