"""Checks on the words around the figures: a direction word against the
numbers it describes, a rate whose amounts are in the sentence before, and
what a template or last year's report left behind.

- ``决算数大于/小于预算数`` against the 年初预算 and 支出决算 figures of the
  same item (上海 部门决算 样张, 第三部分 五(三): "决算数大于（小于）预算数
  的主要原因"; ``../shared/cases/shanghai``);
- ``比上年预算执行数增加P%`` with the two amounts printed before it
  (``2023年当年预算执行数为711.34万元，2024年预算安排738.66万元``,
  ``../shared/cases/audit-negatives/fuliyuan-2024-budget.pdf``), and a
  rate from a prior-year figure of 0 (the item is new: no growth rate);
- word residue: two opposite direction words run together (``减增加``,
  ``增加（减少）`` — the template's choice left unmade);
- template residue (``XX部门``, ``××局``, ``202 年度``, ``20XX年``) and year
  residue (a ``YYYY年度部门决算`` heading or phrase naming a year other than
  the document's own).
"""

from __future__ import annotations

import re

from reportgen import numbers as N
from reportgen.audit.checks import _sentence_quote, finding, in_money
from reportgen.audit.figures import ERROR, NOTE, NUM, WS, Stated, difference, judge, parse_number, shown
from reportgen.audit.findings import Finding
from reportgen.audit.read import Document
from reportgen.audit.text import ACTUAL, BUDGET, OTHER, PRIOR, mentions, sentence

_MONEY = ("元", "万元", "亿元")
_VERDICT = re.compile(r"决算数?(?:{ws})?(?P<w>大于|小于|高于|低于|超过|少于)(?:{ws})?(?:年初)?预算数?".format(ws=WS))


def _window(doc: Document, pos: int, sentences: int = 2) -> int:
    """Start of the ``sentences``-th sentence back from ``pos`` (same item)."""
    a, _ = sentence(doc, pos)
    for _ in range(sentences - 1):
        if a <= 1:
            break
        a, _ = sentence(doc, a - 2)
    return a


def _said_before(doc: Document, ms, at: int) -> list:
    """The mentions of ``ms`` in the sentence up to ``at`` and the one before,
    about the same subject (form, section, item) as the text at ``at``."""
    here = doc.unit_at(at)
    subject = (here.form, here.section, here.item)
    a = _window(doc, at, 2)
    return [m for m in ms if a <= m.start < at and m.subject == subject]


def check_direction(doc: Document) -> list[Finding]:
    """``决算数大于预算数`` when the item's 支出决算 is smaller (and the
    reverse), the two figures being the item's last 预算 and 决算 before it."""
    out = []
    ms = [m for m in mentions(doc) if m.unit in _MONEY and not m.target]
    for v in _VERDICT.finditer(doc.stream):
        before = _said_before(doc, ms, v.start())
        budgets = [m for m in before if m.kind == BUDGET]
        actuals = [m for m in before if m.kind == ACTUAL]
        if len(budgets) != 1 or len(actuals) != 1:
            continue
        b, x = in_money(budgets[0], "元"), in_money(actuals[0], "元")
        more = v.group("w") in ("大于", "高于", "超过")
        if b.value == x.value or (x.value > b.value) == more:
            continue
        right = "大于" if x.value > b.value else "小于"
        out.append(finding(doc, v.start(), "表述方向",
                           f"决算{actuals[0].stated.text}{actuals[0].unit}"
                           f"{'＞' if x.value > b.value else '＜'}预算{budgets[0].stated.text}{budgets[0].unit}，"
                           f"应为“决算数{right}预算数”",
                           _sentence_quote(doc, budgets[0].start, v.end()), v.group("w"), right, "", ERROR))
    return out


_RATE_ONLY = re.compile(rf"(?:比|较)(?:{WS})(?:上年|上一年|去年|\d{{4}}{WS}年度?)[^，,。；;\d%\u2029]{{0,14}}?"
                        rf"(?P<w>增加|增长|上升|提高|减少|下降|降低)(?:了)?{WS}(?P<pct>{NUM}){WS}[%％]")
_UP = ("增加", "增长", "上升", "提高")
_OPPOSITE = {"增加": "减少", "减少": "增加", "增长": "下降", "下降": "增长", "上升": "下降", "提高": "降低",
             "降低": "提高"}


def check_rate_from_before(doc: Document) -> list[Finding]:
    """``比上年…增加P%`` with no amount in its clause: recomputed from the one
    prior-year figure and the one current figure printed before it in the
    same sentence or the one before (same item); a prior figure of 0 means
    the item is new and has no growth rate."""
    out = []
    ms = [m for m in mentions(doc) if m.unit in _MONEY and not m.target]
    for r in _RATE_ONLY.finditer(doc.stream):
        before = _said_before(doc, ms, r.start())
        priors = [m for m in before if m.kind == PRIOR]
        currents = [m for m in before if m.kind in (BUDGET, ACTUAL)] or \
            [m for m in before if m.kind == OTHER and len(m.key) >= 2]
        if len({c.stated.value for c in currents}) == 1:
            currents = currents[-1:]
        if len(priors) != 1 or len(currents) != 1 or priors[0].unit != currents[0].unit:
            continue
        prior, cur = priors[0], currents[0]
        pct = parse_number(r.group("pct"), "%")
        up = r.group("w") in _UP
        quote = _sentence_quote(doc, min(prior.start, cur.start), r.end())
        if prior.stated.value == 0:
            out.append(finding(doc, r.start(), "同比", f"上年数为0（{prior.label}{prior.stated.text}{prior.unit}），"
                               f"不能计算增长率，应表述为新增", quote, pct.text + "%", "新增", "", ERROR))
            continue
        change = cur.stated.span() - prior.stated.span()
        rate = change / prior.stated.span()
        if rate is None:
            continue
        if change.value != 0 and (change.value > 0) != up:
            out.append(finding(doc, r.start(), "同比",
                               f"{cur.stated.text}{cur.unit}{'＞' if change.value > 0 else '＜'}"
                               f"{prior.stated.text}{prior.unit}，应为“{_OPPOSITE[r.group('w')]}”",
                               quote, r.group("w"), _OPPOSITE[r.group("w")], "", ERROR))
            continue
        signed = Stated(pct.text, abs(pct.value), pct.places, "%")
        mag = rate if rate.value >= 0 else rate.negated()
        verdict = judge(signed, mag)
        if verdict:
            expected = shown(mag.value * 100, pct.places, "%")
            out.append(finding(doc, r.start(), "同比",
                               f"({cur.stated.text}−{prior.stated.text})÷{prior.stated.text}，"
                               f"变动率应为{expected}", quote, pct.text + "%", expected,
                               difference(signed, mag), verdict))
    return out


_RESIDUE_WORDS = re.compile(r"(?:减(?:少)?增(?:加|长)|增(?:加)?减少|增长下降|下降增长|"
                            r"(?:增加|增长|上升)[（(/／](?:减少|下降|降低)[）)]?|"
                            r"(?:减少|下降|降低)[（(/／](?:增加|增长|上升)[）)]?|"
                            r"(?:大于|高于)[（(/／](?:小于|低于)[）)]?|(?:小于|低于)[（(/／](?:大于|高于)[）)]?)")
_PLACEHOLDER = re.compile(r"(?:[XＸ×xｘ]{2,}|某某)(?=[\u4e00-\u9fff])|(?<![\d.])20[\dXＸx][ \u3000]+年|"
                          r"(?<![\d.])20[XＸ×x]{2}年|(?<![\d.])[XＸ×]{2,4}年")


_EMPTY_REASON = re.compile(r"主要原因(?:是|为)?[：:]?\s*[。；;]")


def check_residue(doc: Document) -> list[Finding]:
    """Opposite direction words run together, template placeholders, and a
    ``主要原因是。`` with the reason left blank (提示)."""
    out = []
    s = doc.stream
    for m in _EMPTY_REASON.finditer(s):
        out.append(finding(doc, m.start(), "模板残留", "“主要原因”后未填写原因",
                           _sentence_quote(doc, m.start(), m.end()), m.group(0).strip(), "", "", NOTE))
    for m in _RESIDUE_WORDS.finditer(s):
        if re.match(r"减少?增加值", s[m.start():m.end() + 1]):
            continue
        out.append(finding(doc, m.start(), "用词残留", f"“{m.group(0)}”方向词相互矛盾，应只保留一个",
                           _sentence_quote(doc, m.start(), m.end()), m.group(0), "", "", ERROR))
    for m in _PLACEHOLDER.finditer(s):
        out.append(finding(doc, m.start(), "模板残留", f"“{m.group(0).strip()}”是模板占位符，未填写",
                           _sentence_quote(doc, m.start(), m.end()), m.group(0).strip(), "", "", ERROR))
    return out


_DOC_YEAR = re.compile(rf"(?P<y>\d{{4}}){WS}年度?{WS}(?:[\u4e00-\u9fff]{{0,12}}?)(?P<k>部门|单位){WS}(?P<t>预算|决算)")


def document_year(doc: Document) -> tuple[int, str] | None:
    """The year and kind (预算/决算) the document reports on: the first
    ``YYYY年度（部门|单位）预算/决算`` of its opening text, None if none."""
    head = doc.stream[:3000]
    m = _DOC_YEAR.search(head)
    return (int(m.group("y")), m.group("t")) if m else None


def check_year_residue(doc: Document) -> list[Finding]:
    """A ``YYYY年度部门决算`` (or 预算) naming another year than the
    document's own — left over from last year's report — unless it is a
    comparison (比/较/与/上年…)."""
    out = []
    own = document_year(doc)
    if own is None:
        return out
    year, kind = own
    s = doc.stream
    for m in _DOC_YEAR.finditer(s):
        if m.group("t") != kind or int(m.group("y")) == year:
            continue
        before = s[max(0, m.start() - 6):m.start()]
        if re.search(r"比|较|与|上年|对|同|至|—|-|~|～|、|和|及", before) or "执行" in s[m.end():m.end() + 3]:
            continue
        out.append(finding(doc, m.start(), "年份残留",
                           f"本文件是{year}年{kind}，此处写作{m.group('y')}年", _sentence_quote(doc, m.start(), m.end()),
                           m.group("y") + "年", f"{year}年", "", ERROR))
    return out


_ITEM_AMOUNT = re.compile(rf"（项）[”\"]?(?:科目)?{WS}(?P<num>{NUM}){WS}万{WS}元")


def check_item_budget(doc: Document) -> list[Finding]:
    """In a 预算 说明, a 功能分类 item's amount ("“…（项）”53.84万元") against
    the same item's ``YYYY年预算安排B万元`` (上海 部门预算 编制说明: the item's
    amount is this year's budget): two printings of one figure."""
    out = []
    own = document_year(doc)
    if own is None or own[1] != "预算":
        return out
    ms = [m for m in mentions(doc) if m.unit == "万元" and not m.target]
    by_start = {m.start: m for m in ms}
    for a in _ITEM_AMOUNT.finditer(doc.stream):
        head = by_start.get(a.start("num"))
        if head is None or not head.subject[2]:
            continue
        planned = [m for m in ms if m.subject == head.subject and m.start > head.start and m.kind == BUDGET
                   and m.key.endswith("预算安排")]
        if len(planned) != 1:
            continue
        p = planned[0]
        if p.stated.value == head.stated.value:
            continue
        out.append(finding(doc, p.start, "前后不一致",
                           f"该科目金额为{head.stated.text}万元（{doc.unit_at(head.start).loc}），"
                           f"此处“{p.label}”为{p.stated.text}万元",
                           _sentence_quote(doc, p.start, p.end), p.stated.text + "万元", head.stated.text + "万元",
                           N.fixed(p.stated.value - head.stated.value, max(p.stated.places, 2)) + "万元", ERROR))
    return out
