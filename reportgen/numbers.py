"""Decimal arithmetic and display rounding.

Every amount is a :class:`decimal.Decimal` from the YAML text to the page.
Values are computed unrounded and rounded half-up (四舍五入,
``ROUND_HALF_UP``) only when they are turned into display text.  Python's
built-in ``round`` and fixed-point format specs round half-even and are never
applied to unquantized values.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, InvalidOperation

#: 1 万元 in 元.
WAN = Decimal(10000)
HUNDRED = Decimal(100)
ZERO = Decimal(0)

#: What a value shows when its denominator is zero.
NOT_APPLICABLE = "不适用"

#: The one mark of a form cell that has no figure — a 分值/执行率/得分 that the
#: row does not have (a 资金来源 with no budget in the 项目支出绩效自评表).  Seed
#: 002 prints "--" there ("其中：中央财政资金 0 0 0 -- 0 --"); issue 13 point 5:
#: one mark per form, not "--", "—" and "--" in one row.
NO_FIGURE = "--"

#: Most digits a typed number may have before the decimal point (leading
#: zeros not counted): 10^18 元 is far above any budget, and with
#: :data:`MAX_FRACTION_DIGITS` every value stays within Decimal's 28
#: significant digits, so no sum or conversion to 元 is ever rounded.
MAX_INTEGER_DIGITS = 18
#: Most digits a typed number may have after the decimal point (trailing zeros not counted).
MAX_FRACTION_DIGITS = 10

# Display rounding works on values derived from bounded inputs (a ratio of
# two of them can reach 10^25): a wide context so quantize never overflows.
_DISPLAY = Context(prec=80)


def divide(numerator: Decimal, denominator: Decimal, what: str) -> tuple[Decimal | None, str | None]:
    """``numerator / denominator`` unrounded, or ``(None, warning)`` when the
    denominator is 0: the one place a zero denominator becomes 不适用 (shown
    as :data:`NOT_APPLICABLE`) with a warning naming ``what`` — never a crash
    or a 0.  Used by the library computations and by pack expressions."""
    if denominator == 0:
        return None, f"{what or '公式'}的分母为 0，显示“{NOT_APPLICABLE}”"
    return Decimal(numerator) / Decimal(denominator), None


def quantize(value: Decimal, places: int = 2) -> Decimal:
    """Round ``value`` half-up to ``places`` decimals (display only)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=_DISPLAY)


def floor_int(value: Decimal) -> int:
    """Whole units of ``value``, truncated toward −∞ (e.g. 12.5 → 12)."""
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def fixed(value: Decimal | None, places: int = 2, grouping: bool = False) -> str:
    """``value`` as text with exactly ``places`` decimals, half-up.

    ``None`` (a quantity that does not apply) gives ``不适用``.  With
    ``grouping`` thousands are separated by commas, as in 决算 tables.
    """
    if value is None:
        return NOT_APPLICABLE
    q = quantize(value, places)
    if q == 0:
        q = abs(q)  # never print "-0.00"
    return f"{q:,.{places}f}" if grouping else f"{q:.{places}f}"


def yuan_to_wan(yuan: Decimal) -> Decimal:
    """元 → 万元, exact (no rounding)."""
    return yuan / WAN


def wan(yuan: Decimal | None, places: int = 2) -> str:
    """An amount held in 元 shown in 万元 with ``places`` decimals."""
    return fixed(None if yuan is None else yuan_to_wan(yuan), places)


def yuan(amount: Decimal | None, places: int = 2) -> str:
    """An amount held in 元 shown in 元 with thousands separators."""
    return fixed(amount, places, grouping=True)


def percent(ratio: Decimal | None, places: int = 2) -> str:
    """A ratio (0.8667) shown as a percentage ("86.67%"); None → 不适用."""
    if ratio is None:
        return NOT_APPLICABLE
    return fixed(ratio * HUNDRED, places) + "%"


def shares_percent(parts: list[Decimal], places: int = 2) -> list[Decimal] | None:
    """Each part's share of their sum in percent (占比), ``places`` decimals:
    the part's own amount over the total, rounded half-up.  ``None`` when the
    sum is zero.

    No share is bent to make the set add up to 100: rounded shares may add
    up to 99.99 or 100.01, which is correct arithmetic (each share is the
    nearest 0.01 to its exact value).  Seed 002 (rubrics.md §6.4 #46–49):
    资源勘探工业信息等 2409.95万 is 25.61%, 卫生健康 0.42%; 交通运输
    9 / 9411.71 = 0.0956% → 0.10% and 农林水 0.0355% → 0.04% (issue 13
    point 7); 政府采购 66,525.00 / 64,243.25 / 85,969.71 → 30.69 / 29.64 / 39.67.
    """
    total = sum(parts, ZERO)
    if not total:
        return None
    return [quantize(p * HUNDRED / total, places) for p in parts]


def score(value: Decimal | None) -> str:
    """A score shown with 2 decimals, half-up."""
    return fixed(value, 2)


def plain(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 3.00 → "3", 0.50 → "0.5"."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def read_decimal(text: str) -> tuple[Decimal | None, str | None]:
    """Parse a plain decimal literal ("1,234.50", "-567.94", "１２") within bounds.

    Returns ``(value, None)``; ``(None, None)`` when ``text`` is not a plain
    decimal number; ``(None, problem)`` (Chinese, naming the limit) when it
    has more than :data:`MAX_INTEGER_DIGITS` digits before or
    :data:`MAX_FRACTION_DIGITS` after the decimal point.  Thousands
    separators and full-width digits (typed with a Chinese IME) are accepted;
    exponents (``1e400``), ``nan`` and ``inf`` are not.
    """
    import unicodedata

    t = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    if not t or any(c not in "0123456789.+-" for c in t):
        return None, None
    whole, _, fraction = t.lstrip("+-").partition(".")
    int_digits, frac_digits = len(whole.lstrip("0")), len(fraction.rstrip("0"))
    if int_digits > MAX_INTEGER_DIGITS or frac_digits > MAX_FRACTION_DIGITS:
        return None, (f"数字位数过多：整数部分最多 {MAX_INTEGER_DIGITS} 位、小数部分最多 "
                      f"{MAX_FRACTION_DIGITS} 位，实为整数 {int_digits} 位、小数 {frac_digits} 位"
                      f"（number out of range）")
    try:
        value = Decimal(t)
    except InvalidOperation:
        return None, None
    return (value, None) if value.is_finite() else (None, None)


def parse_decimal(text: str) -> Decimal | None:
    """:func:`read_decimal`'s value: None when ``text`` is not a plain
    decimal number within the bounds."""
    return read_decimal(text)[0]


def change_words(value, unit: str = "") -> str:
    """A signed change in words: 增加3人 / 减少3人 / 持平.

    ``value`` is a number or its display text ("-567.94"); the sign picks
    增加/减少 and the magnitude is printed as given.
    """
    text = str(value)
    if text.startswith("-"):
        return f"减少{text[1:]}{unit}"
    if parse_decimal(text) == 0:
        return "持平"
    return f"增加{text}{unit}"
