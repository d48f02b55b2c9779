"""Statements read from a document's running text: labelled figures
(``公用经费实际支出4.97万元``) and the sentence around a position."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reportgen.audit.figures import NUM, WS, Stated, parse_number
from reportgen.audit.read import HARD, Document

UNITS = r"万[ \n]*元|亿[ \n]*元|元|万(?![\u4e00-\u9fff])|亿(?![\u4e00-\u9fff])|%|％|人次|人|个|家|辆|次|项|户|批|台|套|分"
MENTION = re.compile(rf"(?<![\d.,])(?P<num>{NUM})(?![\d.])(?:{WS})(?P<unit>{UNITS})")
_LABEL_STOP = re.compile(r"[，,。；;：:、（）()\[\]【】\u2029=＝/／×*+\-−－\d%％]")
_PREFIX = re.compile(r"^(?:其中|主要是|主要用于|主要包括|包括|分别为|分别是|共计|共|以及|"
                     r"和|及|与|其(?![他余])|为|是|的|全年|截至|截止|[一二三四五六七八九十]+是)+")
_SUFFIX = re.compile(r"(?:为|是|达|共计|约|近|的|了)+$")
_AFTER_NUMBER = re.compile(r"^\s*(?:年度|年底|年末|年|月底|月末|月份|月|日|季度)")
_TARGET = re.compile(r"(达到|不少于|不低于|不超过|不超|不高于|以上|以下|≥|≤|>|<|目标|目标值|任务|计划|预计|约|近|超过)$")
SENTENCE_END = "。；;！？!?" + HARD
_CLAUSE_STOP = re.compile(r"[，,。；;：:\u2029]")


#: what a figure measures, from the words before it (see :func:`kind_of`)
CHANGE, RATE, SHARE, PRIOR, BUDGET, ACTUAL, OTHER = "change", "rate", "share", "prior", "budget", "actual", ""
_CHANGE_WORD = re.compile(r"(增加|减少|增长|下降|降低|上升|提高|增减|节约|超支|持平|增|减|降)了?$")
_PRIOR_WORD = re.compile(r"上年|上一年|去年|同期|以前年度|年初结转|执行数")


def kind_of(label: str, unit: str, before: str = "") -> str:
    """The kind of quantity a figure is (变动额 change, 变动率 rate, 占比
    share, 上年数 prior, 预算数 budget, 决算/执行数 actual, or other), read
    from its label and the clause before it (``before``): "比上年增加5万元"
    is a change, "增长3.84%" a rate, "占71.65%" a share, "上年执行数" prior."""
    tail = label[-8:]
    if _CHANGE_WORD.search(label) or re.search(r"(比|较|与)[^，。；]{0,16}$", before) \
            and _CHANGE_WORD.search(tail):
        return RATE if unit == "%" else CHANGE
    if unit == "%":
        return SHARE if ("占" in label or "比重" in label or "比例" in label) else RATE
    if _PRIOR_WORD.search(label) and not re.search(r"本年|当年(?!预算执行)", label):
        return PRIOR
    if re.search(r"决算|实际|执行|支出数|完成数|已支出", label):
        return ACTUAL
    if "预算" in label or "安排" in label:
        return BUDGET
    return OTHER


@dataclass(frozen=True)
class Mention:
    """A figure in running text with the words before it, bound to what it
    measures: ``kind`` (:func:`kind_of`) and the numbered ``item`` and
    ``section`` of the document it sits in (its subject)."""

    label: str          # as printed, tidied
    key: str            # normalised for matching (quotes, spaces, years dropped)
    stated: Stated
    start: int
    end: int
    target: bool        # a target/approximate value (达到…, …以上), not a fact
    kind: str = OTHER
    subject: tuple = ()  # (form, section, item) of the unit it is printed in

    @property
    def unit(self) -> str:
        return self.stated.unit


def norm_unit(unit: str) -> str:
    """A printed unit in one spelling: "万\\n元" → 万元, ％ → %, 万 → 万元."""
    unit = re.sub(r"\s+", "", unit)
    return {"％": "%", "万": "万元", "亿": "亿元"}.get(unit, unit)


def key_of(label: str) -> str:
    """A label normalised for comparing two statements of one quantity."""
    k = re.sub(r"[\s“”\"'‘’「」《》]", "", label)
    k = re.sub(r"[（(](?:万元|元|人|辆|个|%|类|款|项)[）)]", "", k)
    k = re.sub(r"^\d{4}年度?", "", k)
    k = re.sub(r"金额$", "", k)
    return k


def scan_back(s: str, end: int, stop: re.Pattern, limit: int) -> int:
    """Where the text before ``end`` starts: back to just after the nearest
    character ``stop`` matches, at most ``limit`` characters."""
    j = end
    while j > 0 and not stop.match(s[j - 1]) and end - j < limit:
        j -= 1
    return j


def mentions(doc: Document) -> list[Mention]:
    """Every number with a unit in the stream, with its label (read once per
    document)."""
    if "mentions" in doc.cache:
        return doc.cache["mentions"]
    out = doc.cache["mentions"] = []
    s = doc.stream
    for m in MENTION.finditer(s):
        i = m.start()
        j = scan_back(s, i, _LABEL_STOP, 40)
        raw = s[j:i]
        while len(raw.strip()) <= 2 and j > 0 and s[j - 1] in "）)":   # 一般公共服务支出（类）, 因公出国（境）费
            k = max(s.rfind("（", 0, j), s.rfind("(", 0, j))
            if k <= 0 or j - k > 5:
                break
            j = scan_back(s, k, _LABEL_STOP, 40)
            raw = s[j:i]
        if j > 0 and s[j - 1].isdigit():        # "2021 年度收入合计" → 收入合计
            raw = _AFTER_NUMBER.sub("", raw)
        raw = re.sub(r"\s+", "", raw)
        label = _SUFFIX.sub("", _PREFIX.sub("", raw))
        after = s[m.end():m.end() + 3]
        target = bool(_TARGET.search(raw)) or bool(re.match(rf"{WS}(以上|以下|左右|多)", after))
        stated = parse_number(m.group("num"), norm_unit(m.group("unit")))
        if stated is None:
            continue
        u = doc.unit_at(i)
        clause = s[scan_back(s, i, _CLAUSE_STOP, 40):i]
        out.append(Mention(label, key_of(label), stated, i, m.end(), target,
                           kind_of(label, stated.unit, clause), (u.form, u.section, u.item)))
    return out


def sentence(doc: Document, pos: int) -> tuple[int, int]:
    """Start and end of the sentence around stream position ``pos``."""
    s = doc.stream
    a = max(s.rfind(c, 0, pos) for c in SENTENCE_END) + 1
    ends = [e for e in (s.find(c, pos) for c in SENTENCE_END) if e >= 0]
    return a, (min(ends) if ends else len(s))


def boundary(doc: Document, pos: int) -> int:
    """Start of the cell/paragraph (hard boundary) around ``pos``."""
    return doc.stream.rfind(HARD, 0, pos) + 1
