"""Performance-indicator targets (年度指标值) and actual values (实际完成值).

A target is written on the form as text — ">=20次", "≤5%", "=100%",
"不少于10家", "不超4.67万", "90%以上" — and parsed here into a comparator,
a Decimal and a unit.  Thousands separators ("1,200人") and Chinese numerals
("不少于十场", "三处", "两万元", "百分之九十五") are understood: a text without
Arabic digits has its Chinese numerals converted by the ``cn2an`` library.  A target that is a phrase ("全年", "引进一批…") cannot
be parsed: that is an error unless the indicator is marked 定性 (qualitative).

Achievement (财预〔2020〕10号, rubrics.md §4.2): a met target is 100%; an
unmet "≥"/"=" target scores actual/target; an unmet "≤" target (a cost or
a rate that must stay low) scores target/actual.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from reportgen.numbers import ZERO, parse_decimal, percent, plain

AT_LEAST, AT_MOST, EQUAL, MORE, LESS = ">=", "<=", "=", ">", "<"

_PREFIX = [  # longest first
    ("不少于", AT_LEAST), ("不低于", AT_LEAST), ("不小于", AT_LEAST), ("至少", AT_LEAST), ("达到", AT_LEAST),
    ("大于等于", AT_LEAST), ("不超过", AT_MOST), ("不高于", AT_MOST), ("不大于", AT_MOST), ("不多于", AT_MOST),
    ("小于等于", AT_MOST), ("控制在", AT_MOST), ("不超", AT_MOST), ("低于", LESS), ("少于", LESS),
    ("小于", LESS), ("高于", MORE), ("大于", MORE), ("超过", MORE),
    (">=", AT_LEAST), ("≥", AT_LEAST), ("=>", AT_LEAST), ("<=", AT_MOST), ("≤", AT_MOST), ("=<", AT_MOST),
    (">", MORE), ("<", LESS), ("=", EQUAL), ("＝", EQUAL),
]
_SUFFIX = [("以上", AT_LEAST), ("及以上", AT_LEAST), ("以下", AT_MOST), ("及以下", AT_MOST), ("以内", AT_MOST)]
_NUMBER = re.compile(r"^([0-9]{1,18}(?:\.[0-9]{1,10})?)\s*(.*)$")
_THOUSANDS = re.compile(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))")
_CHINESE_NUMERAL = re.compile("[零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]")
_APPROX = ("约", "大约", "近", "共", "累计")


@dataclass(frozen=True)
class Target:
    """A parsed target: ``comparator`` one of >=, <=, =, >, <; ``value`` as
    written (20 for "20次", 5 for "5%"); ``unit`` the text after it."""

    comparator: str
    value: Decimal
    unit: str

    def __str__(self) -> str:
        return f"{self.comparator}{plain(self.value)}{self.unit}"

    @property
    def reverse(self) -> bool:
        """A "≤"/"<" target: lower is better."""
        return self.comparator in (AT_MOST, LESS)


#: Longest unit after a number written in Chinese numerals: "十场", "三处",
#: "十二个月", "一万二千人次" are amounts; "一次性完成", "一站式服务" are words.
_MAX_CHINESE_UNIT = 3


def _normalize(text: str) -> tuple[str, bool]:
    """Full-width → half-width, no spaces, no thousands separators, Chinese
    numerals → Arabic (only when no Arabic digit is written: "1.63万" keeps
    its 万 as the unit).  Returns the text and whether numerals were converted."""
    t = unicodedata.normalize("NFKC", text).strip()
    t = _THOUSANDS.sub("", t.replace(" ", "").replace("％", "%"))
    if not re.search(r"[0-9]", t) and _CHINESE_NUMERAL.search(t):
        converted = _arabic(t)
        return converted, converted != t
    return t, False


def _arabic(text: str) -> str:
    """``text`` with its Chinese numerals written in Arabic digits (cn2an's
    sentence mode: "不少于十场" → "不少于10场", "百分之九十五" → "95%");
    unchanged when cn2an cannot read it."""
    import warnings

    import cn2an

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return cn2an.transform(text, "cn2an")
        except Exception:  # cn2an raises ValueError and others on what it cannot read
            return text


def parse_target(text: str) -> Target | None:
    """Parse a written target; None when it is not "comparator number unit".

    A description may precede the comparator when it holds no comparator or
    clause break of its own: "引进行业领军企业、500强企业不少于10家" is ≥10家
    (seed 004); "引进项目达到50个，总投资达到300亿元" (two targets) is None."""
    found = _parse_target(text)
    if found is not None:
        return found
    t, _ = _normalize(text)
    for word, _ in _PREFIX:
        if not ("\u4e00" <= word[0] <= "\u9fff") or word not in t:
            continue
        head, tail = t[: t.rindex(word)], t[t.rindex(word):]
        if head and not re.search(r"[，,；;。]", head) and not any(w in head for w, _ in _PREFIX):
            return _parse_target(tail)
    return None


def _parse_target(text: str) -> Target | None:
    t, chinese = _normalize(text)
    comparator = None
    for word, comp in _PREFIX:
        if t.startswith(word):
            comparator, t = comp, t[len(word):]
            break
    for word, comp in _SUFFIX:
        if t.endswith(word):
            if comparator not in (None, comp):
                return None
            comparator, t = comp, t[: -len(word)]
            break
    m = _NUMBER.match(t)
    if not m:
        return None
    unit = m[2]
    if re.search(r"[0-9]", unit):  # a second number: "5种，2000份" is not one target
        return None
    if chinese and len(unit) > _MAX_CHINESE_UNIT:
        return None
    return Target(comparator or EQUAL, Decimal(m[1]), unit)


def parse_actual(text: str) -> tuple[Decimal, str] | None:
    """An actual value: a number and its unit ("18", "18家", "约60个", "1.63万")."""
    t, chinese = _normalize(text)
    for word in _APPROX:
        if t.startswith(word):
            t = t[len(word):]
            break
    m = _NUMBER.match(t)
    if not m or re.search(r"[0-9]", m[2]) or (chinese and len(m[2]) > _MAX_CHINESE_UNIT):
        return None
    return parse_decimal(m[1]), m[2]


def units_compatible(target_unit: str, actual_unit: str) -> bool:
    """Whether an actual's unit can be compared with a target's: the same,
    one missing, or one a prefix of the other (万 / 万元)."""
    if not target_unit or not actual_unit:
        return True
    return target_unit.startswith(actual_unit) or actual_unit.startswith(target_unit)


def is_met(target: Target, actual: Decimal) -> bool:
    return {AT_LEAST: actual >= target.value, AT_MOST: actual <= target.value,
            EQUAL: actual == target.value, MORE: actual > target.value,
            LESS: actual < target.value}[target.comparator]


def achievement(target: Target, actual: Decimal) -> Decimal:
    """Share of the indicator's weight earned (ratio, 0–1).

    Met → 1.  Unmet "≥"/">"/"=" below target → actual/target; unmet "≤"/"<"
    (and "=" above target) → target/actual.  10号; rubrics.md §4.2.
    """
    if is_met(target, actual):
        return Decimal(1)
    below = actual < target.value
    if target.reverse or (target.comparator == EQUAL and not below):
        return target.value / actual if actual else Decimal(1)
    return max(ZERO, actual / target.value) if target.value else Decimal(1)


def progress_text(target: Target, actual: Decimal) -> str:
    """完成进度 as the Jinzhong form prints it: actual/target for a "≥" count
    (18/10 → 180.00%), 完成 / 未完成 for a "≤" limit and for a target that is
    itself a percentage (满意度 100% against 90%以上 → 完成, as seed 004 prints it)."""
    if target.reverse or target.unit == "%":
        return "完成" if is_met(target, actual) else "未完成"
    if not target.value:
        return "完成"
    return percent(actual / target.value)

