"""Checks on a document's running text: written formulas, shares, year-on-year
changes, completion rates, lists with their totals, and one quantity stated
twice.  Each check takes a :class:`~reportgen.audit.read.Document` and
returns :class:`~reportgen.audit.findings.Finding` values.

Severity policy (rubrics.md §0.3 and the issue): a printed result that is
the half-up rounding of the exact value is no finding; its truncation, or a
value the rounding of the printed operands can explain, is 提示; anything
else is 错误 when the statement was read unambiguously and 疑似 when a
heuristic picked its operands.
"""

from __future__ import annotations

import re
from decimal import Decimal

from reportgen import numbers as N
from reportgen.audit.figures import (ERROR, NOTE, NUM, SUSPECT, WS, Span, Stated, difference, evaluate, judge,
                      parse_number, shown, tokens, total)
from reportgen.audit.findings import Finding
from reportgen.audit.read import HARD, Document
from reportgen.audit.text import ACTUAL, BUDGET, OTHER, RATE, Mention, key_of, mentions, norm_unit, scan_back, sentence

_SCALE = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}


def finding(doc: Document, pos: int, check: str, message: str, quote: str, stated: str,
            expected: str, diff: str, severity: str) -> Finding:
    quote = re.sub(r"[\u2029\n]+", " ", quote).strip()
    if len(quote) > 160:
        quote = quote[:157] + "…"
    return Finding(doc.path, doc.unit_at(pos).loc, check, message, quote, stated, expected, diff,
                   severity)


def _sentence_quote(doc: Document, start: int, end: int) -> str:
    a, _ = sentence(doc, start)
    _, b = sentence(doc, max(end - 1, start))
    return doc.stream[a:b + 1]


def in_money(m: Mention, unit: str) -> Span:
    """A money mention's span converted to ``unit`` (元/万元/亿元)."""
    return m.stated.span().scaled(_SCALE[m.unit] / _SCALE[unit])


# ---- written formulas -----------------------------------------------------------

_EQ = re.compile(rf"[=＝](?:{WS})(?P<num>{NUM})(?:{WS})(?P<pct>[%％])?")
_LHS_STOP = re.compile(r"[。；;，：:、=＝≈\u2029]|,(?!\d)|\n(?=\s*\d+、)")


def check_formulas(doc: Document) -> list[Finding]:
    """``a/b=c%`` and longer written formulas, recomputed (both the usual
    precedence and left-to-right within brackets, as filers write
    "(a−b/c)" for "(a−b)/c"); compared at the printed precision."""
    out = []
    s = doc.stream
    for m in _EQ.finditer(s):
        start = m.start()
        j = scan_back(s, start, _LHS_STOP, 200)
        toks = tokens(s[j:start])
        if toks is None:
            continue
        stated = parse_number(m.group("num"), "%" if m.group("pct") else "")
        readings = [r for r in (evaluate(toks, True), evaluate(toks, False)) if r is not None]
        if not readings or stated is None:
            continue
        verdicts = [(judge(stated, r), r) for r in readings]
        if any(v is None for v, _ in verdicts):
            continue
        notes = [r for v, r in verdicts if v == NOTE]
        scale = N.HUNDRED if stated.is_percent else Decimal(1)
        best = notes[0] if notes else min(readings, key=lambda r: abs(r.value * scale - stated.value))
        severity = NOTE if notes else ERROR
        unit = "%" if stated.is_percent else ""
        what = "按所列数字计算结果为" if severity == ERROR else "计算结果与所列数字有舍入/截断差异，精确值为"
        out.append(finding(doc, start, "公式", f"{what}{shown(best.value * scale, stated.places, unit)}",
                           s[j:m.end()], m.group("num") + unit,
                           shown(best.value * scale, stated.places, unit), difference(stated, best),
                           severity))
    return out


# ---- shares of a total ------------------------------------------------------------

_SHARE = re.compile(
    rf"(?P<num>{NUM}){WS}(?P<unit>万{WS}元|亿{WS}元|元){WS}[，,、]?{WS}"
    rf"(?:占(?P<of>[^，,。；;的\d%％\u2029]{{0,24}}?)的?{WS}(?:比重|比例)?(?:为)?|占比(?:为)?)"
    rf"{WS}(?P<approx>近|约|接近|超过|不到)?{WS}(?P<pct>{NUM}){WS}[%％]")
#: a total named so generally that the section's stated total is meant
_GENERIC_TOTAL = re.compile(r"(本年|当年|全年)?(总支出|总收入|支出|收入|总额|合计|总计|支出总额|收入总额|支出合计|收入合计)")
_HEAD = re.compile(rf"^{WS}[，,：:]?{WS}(其中|主要用于|主要包括|包括|具体)")


def _named_total(doc: Document, ms: list[Mention], of: str, before: int) -> Mention | None:
    want = re.sub(r"^(本年度?|当年|全年)", "", key_of(of))
    if len(want) < 3:
        return None
    form = doc.unit_at(before).form
    cands = [m for m in ms if m.unit in _SCALE and m.key.endswith(want) and not m.target
             and doc.unit_at(m.start).form == form]
    prior = [m for m in cands if m.start < before]
    return (prior or cands or [None])[-1] if (prior or cands) else None


def _head_total(doc: Document, ms: list[Mention], before: int) -> Mention | None:
    sec = doc.unit_at(before).section
    for m in reversed([m for m in ms if m.start < before]):
        if doc.unit_at(m.start).section != sec:
            return None
        if m.unit in _SCALE and _HEAD.match(doc.stream[m.end:m.end + 12]):
            return m
    return None


def _shares_of_their_sum(doc: Document, orphans: list) -> list[Finding]:
    """Shares with no total named or stated before them ("…决算中，A 2.00万元，占20.00%；
    B 5.00万元，占50.00%；C 3.00万元，占30.00%"): a run of them in one paragraph is a
    whole when the shares add up to 100%, or when all but one are exactly each amount over
    the sum of the amounts; then each share is checked against that sum."""
    out = []
    runs: list[list] = []
    for item in orphans:
        m = item[0]
        if runs and m.start() - runs[-1][-1][0].end() < 60 and \
                doc.unit_at(m.start()).section == doc.unit_at(runs[-1][-1][0].start()).section:
            runs[-1].append(item)
        else:
            runs.append([item])
    for run in runs:
        if len(run) < 2 or len({p.unit for _, p, _ in run}) != 1:
            continue
        whole = total(p.stated.span() for _, p, _ in run)
        pcts = [pct for _, _, pct in run]
        unit = max(Decimal(1).scaleb(-p.places) for p in pcts)
        verdicts = [(m, p, pct, p.stated.span() / whole) for m, p, pct in run]
        verdicts = [(m, p, pct, r, judge(pct, r)) for m, p, pct, r in verdicts if r is not None]
        wrong = [v for v in verdicts if v[4] is not None]
        closes = abs(sum(p.value for p in pcts) - N.HUNDRED) <= unit * len(pcts)
        if not wrong or not (closes or len(wrong) == 1):
            continue
        for m, p, pct, r, verdict in wrong:
            expected = shown(r.value * 100, pct.places, "%")
            out.append(finding(doc, m.start(), "占比",
                               f"所列{len(run)}项金额之和为{N.plain(whole.value)}{p.unit}，"
                               f"{p.label or '该项'}{p.stated.text}{p.unit}÷{N.plain(whole.value)}应为{expected}",
                               _sentence_quote(doc, m.start(), m.end()), pct.text + "%", expected,
                               difference(pct, r), verdict))
    return out


def check_shares(doc: Document) -> list[Finding]:
    """``X万元，占总支出的Y%`` against the stated total, and every set of
    shares of one total (whose amounts add up to it) against 100%
    (rubrics.md §6.4 #46–#49)."""
    out = []
    ms = mentions(doc)
    by_start = {m.start: m for m in ms}
    groups: dict[int, list[tuple[Mention, Stated, Mention]]] = {}
    orphans: list = []
    for m in _SHARE.finditer(doc.stream):
        part = by_start.get(m.start("num"))
        pct = parse_number(m.group("pct"), "%")
        if part is None or pct is None:
            continue
        whole = None
        of = key_of(m.group("of") or "")
        if of:
            whole = _named_total(doc, ms, of, m.start())
        if whole is None and (not of or _GENERIC_TOTAL.fullmatch(of)):
            whole = _head_total(doc, ms, m.start())
        if whole is None and not of and not m.group("approx"):
            orphans.append((m, part, pct))
            continue
        if whole is None or whole.start == part.start:
            continue
        groups.setdefault(whole.start, []).append((part, pct, whole))
        if m.group("approx"):
            continue
        ratio = in_money(part, "元") / in_money(whole, "元")
        if ratio is None:
            continue
        verdict = judge(pct, ratio)
        if verdict:
            out.append(finding(
                doc, m.start(), "占比",
                f"{part.label or '该项'}{part.stated.text}{part.unit}占{whole.label}"
                f"{whole.stated.text}{whole.unit}的比例应为{shown(ratio.value * 100, pct.places, '%')}",
                _sentence_quote(doc, m.start(), m.end()), pct.text + "%",
                shown(ratio.value * 100, pct.places, "%"), difference(pct, ratio), verdict))
    out += _shares_of_their_sum(doc, orphans)
    for items in groups.values():
        if len(items) < 2:
            continue
        whole = items[0][2]
        parts = total(in_money(p, "元") for p, _, _ in items)
        w = in_money(whole, "元")
        if not (parts.lo <= w.hi and w.lo <= parts.hi):
            continue                       # the shares do not cover the whole total
        pcts = [p for _, p, _ in items]
        s = sum(p.value for p in pcts)
        unit = max(Decimal(1).scaleb(-p.places) for p in pcts)
        if abs(s - N.HUNDRED) > unit * len(pcts):
            first = items[0][0]
            culprit = ""
            exact = [(p, pct, N.quantize(in_money(p, "元").value / w.value * N.HUNDRED, pct.places))
                     for p, pct, _ in items]
            wrong = [(p, pct, e) for p, pct, e in exact if e != pct.value]
            if len(wrong) == 1:             # one share wrong, and putting it right closes the sum
                p, pct, e = wrong[0]
                fixed = s - pct.value + e
                if abs(fixed - N.HUNDRED) <= unit * len(pcts):
                    culprit = (f"；疑为“{p.label or '该项'}”的占比{pct.text}%有误，应为{N.plain(e)}%"
                               f"（改正后合计{N.plain(fixed)}%）")
            out.append(finding(
                doc, first.start, "占比合计",
                f"{len(pcts)}项金额合计等于{whole.label}{whole.stated.text}{whole.unit}，"
                f"各项占比合计应为100%{culprit}", "、".join(p.text + "%" for p in pcts),
                N.plain(s) + "%", "100%", N.plain(s - N.HUNDRED) + "个百分点", ERROR))
    return out


# ---- year-on-year changes -------------------------------------------------------------

_UP = ("增加", "增长", "上升", "增", "提高")
_CHANGE = (
    rf"(?:(?P<prior>{NUM}){WS}(?P<punit>万{WS}元|亿{WS}元|元|人|个|辆|户|家)?{WS})?"
    rf"(?P<label>[^，,。；;\d\u2029%]{{0,24}}?){WS}(?P<w1>增加|减少|增长|下降|降低|上升|提高){WS}(?:了{WS})?"
    rf"(?P<num>{NUM}){WS}(?P<unit>万{WS}元|亿{WS}元|元|人|个|辆|户|家)"
    rf"(?:{WS}[，,、]{WS}(?:(?P<w2>增长|下降|减少|降低|上升|增加|提高)(?:了)?|"
    rf"[^，,。；;\d\u2029]{{0,14}}?(?:变动率|增长率|增幅|降幅|变化率)(?:为|是)?){WS}(?P<pct>{NUM}){WS}[%％])?")
_YOY = re.compile(rf"(?P<cmp>比|较|与){WS}(?P<when>上年度?|上一年度?|去年|\d{{4}}{WS}年度?)(?:{WS}(?:相比|同期))?"
                  rf"{WS}[，,]?{WS}" + _CHANGE)
#: a further clause of the same comparison: "…，支出总计减少B万元、减少q%"
_YOY_MORE = re.compile(rf"[，,；;]{WS}" + _CHANGE)
_PRIOR_LABEL = re.compile(r"上年|上一年|去年|同期|\d{4}年")


_SUBJECT_STOP = re.compile(r"[，,。；;：:、（）()\u2029\d%]")


def _subject(doc: Document, pos: int) -> str:
    s = doc.stream
    j = scan_back(s, pos, _SUBJECT_STOP, 20)
    return key_of(re.sub(r"^(其中|[一二三四五六七八九十]+是)", "", s[j:pos].strip()))


def _core(text: str) -> str:
    """A subject without the words that say which figure of it is meant:
    “三公”经费财政拨款支出决算数 → 三公经费; 因公出国（境）费支出决算 → 因公出国（境）费."""
    core = re.sub(r"^其中[：:]?|支出|财政拨款|决算数?|预算数?|执行数?|数$|为|的|年初|本年|当年|全年|\d{4}年度?", "",
                  key_of(text))
    return re.sub(r"^年度?", "", core)


def _by_subject(doc: Document, before: list[Mention], label: str) -> Mention | None:
    """The latest figure before whose sentence names the same subject as a
    change's label (its core, :func:`_core`), preferring the 决算 (actual)
    figure in a 决算 and the 预算 figure in a 预算; None when none does."""
    core = _core(label)
    if len(core) < 3:
        return None
    def head(x: Mention) -> str:        # the sentence up to the figure, from its last 其中 on
        text = doc.stream[sentence(doc, x.start)[0]:x.start]
        return text[text.rfind("其中") + 1:] if "其中" in text else text

    cands = [x for x in before if x.kind in (ACTUAL, BUDGET, OTHER) and not _PRIOR_LABEL.search(x.label)
             and core in _core(head(x))]
    want = ACTUAL if "决算" in doc.stream[:3000] else BUDGET
    preferred = [x for x in cands if x.kind == want] or cands
    return preferred[-1] if preferred else None


def check_changes(doc: Document) -> list[Finding]:
    """``比2020年增加A万元，增长B%`` (and 减少/下降): A against this year minus
    the prior year when both are given, B against A / prior year, and the
    words 增加/减少 against each other (rubrics.md §2.4 #7, §6.4 #55)."""
    out = []
    ms = mentions(doc)
    s = doc.stream
    matches = []
    for m in _YOY.finditer(s):
        matches.append((m, True))
        # further clauses run on past a "；" ("…，其中：A减少…；B减少…；C减少…。"), not past "。"
        ends = [e for e in (s.find("。", m.end()), s.find(HARD, m.end())) if e >= 0]
        end = min(ends) if ends else len(s)
        more = _YOY_MORE.match(s, m.end())
        while more and more.end() <= end and more.group("label"):
            matches.append((more, False))
            more = _YOY_MORE.match(s, more.end())
    for m, lead in matches:
        unit = norm_unit(m.group("unit"))
        a = parse_number(m.group("num"), unit)
        pct = parse_number(m.group("pct"), "%") if m.group("pct") else None
        up = m.group("w1") in _UP
        quote = _sentence_quote(doc, m.start(), m.end())
        if m.group("w2") and (m.group("w2") in _UP) != up:
            out.append(finding(doc, m.start(), "同比", f"“{m.group('w1')}”与“{m.group('w2')}”方向相反",
                               quote, m.group("w2"), "增长" if up else "下降", "", ERROR))
            continue                      # which word is wrong decides the base: no rate check
        if pct is not None and pct.value < 0 and up:
            out.append(finding(doc, m.start(), "同比", f"“{m.group('w1')}”而变动率为负数", quote,
                               pct.text + "%", "", "", ERROR))
        # this year's figure: by the label/subject, else the nearest before
        label = key_of(m.group("label") or "") or _subject(doc, m.start())
        sec = doc.unit_at(m.start()).section
        before = [x for x in ms if x.end <= m.start() and x.unit == unit and not x.target
                  and doc.unit_at(x.start).section == sec and m.start() - x.end < 300]
        a0, _ = sentence(doc, m.start())
        prior_m = next((x for x in reversed(before) if _PRIOR_LABEL.search(x.label) and x.start >= a0), None)
        current = None
        sure = True
        if label and len(label) >= 2:
            current = next((x for x in reversed(before) if not _PRIOR_LABEL.search(x.label)
                            and x.key.endswith(label)), None)
        if current is None and label:
            current = _by_subject(doc, before, label)
            sure = current is None
        if current is None and not lead:
            continue
        if current is None:
            a1, _ = sentence(doc, max(a0 - 2, 0))
            near = [x for x in before if x.start >= a1 and not _PRIOR_LABEL.search(x.label)
                    and x.stated.value > 0]
            current = near[-1] if near else None
            sure = False
        if current is None:
            continue
        cur = current.stated.span()
        if m.group("prior"):
            prior = parse_number(m.group("prior"), unit).span()
            explicit = True
        elif prior_m is not None and (prior_m.start > current.start or not sure):
            prior = prior_m.stated.span()
            explicit = True
        else:
            prior = cur - a.span() if up else cur + a.span()
            explicit = False
        severity = ERROR if (sure or explicit) else SUSPECT
        if explicit:
            change = cur - prior
            mag = change if change.value >= 0 else change.negated()
            verdict = judge(a, mag, severity)
            if (change.value > 0) != up and change.value != 0:
                verdict = severity
            if verdict:
                out.append(finding(doc, m.start(), "同比",
                                   f"本年{N.plain(cur.value)}{unit}、上年{N.plain(prior.value)}{unit}，"
                                   f"应{'增加' if change.value >= 0 else '减少'}{shown(mag.value, a.places)}{unit}",
                                   quote, a.text + unit, shown(mag.value, a.places, unit),
                                   difference(a, mag), verdict))
        if pct is None:
            continue
        if prior.value == 0 and a.value != 0 and up:
            # the whole of this year's amount is the increase: proved when read surely, or when
            # the sentence prints the classic 增长100%
            proved = explicit or sure or pct.value == N.HUNDRED
            out.append(finding(doc, m.start(), "同比", f"上年数为0，本年{current.stated.text}{unit}是新增，"
                               f"不能计算增长率，应表述为新增", quote, pct.text + "%", "新增", "",
                               ERROR if proved else SUSPECT))
            continue
        rate = a.span() / prior
        if rate is None or prior.value <= 0:
            continue
        signed = Stated(pct.text, abs(pct.value), pct.places, "%")
        verdict = judge(signed, rate, severity)
        if verdict:
            base = f"上年{N.plain(prior.value)}{unit}" + ("" if explicit else
                                                       f"（本年{current.stated.text}{unit}{'减' if up else '加'}变动额）")
            # a rate printed with its sign (−11.29%) is recomputed with the sign of the change
            expected = shown(rate.value * 100 * (1 if up or pct.value >= 0 else -1), pct.places, "%")
            out.append(finding(doc, m.start(), "同比", f"变动{a.text}{unit}÷{base}，变动率应为{expected}",
                               quote, pct.text + "%", expected, difference(signed, rate), verdict))
    return out


# ---- completion / control rates --------------------------------------------------------

_RATE = re.compile(
    rf"(?:完成(?P<of>年初预算|全年预算|调整预算|预算)(?:数)?的|(?P<kind>控制率|执行率|完成率|利用率)(?:为|是|达到|达)?"
    rf"|完成(?P<task>[^，,。；;的\u2029]{{0,24}}?)任务的){WS}(?P<pct>{NUM}){WS}[%％]")


def role(key: str) -> str:
    """'actual', 'budget', 'staff', 'posts' or '' for a figure's label."""
    if re.search(r"编制", key):
        return "posts"
    if re.search(r"在职|实有|在编|在岗", key):
        return "staff"
    if re.search(r"实际|决算|执行|完成数|支出数|已支出", key):
        return "actual"
    if "预算" in key:
        return "budget"
    if key.endswith("支出"):
        return "actual"
    return ""


def _culprit(doc: Document, ms: list[Mention], pos: int, pct: Stated, num: Span, den: Span,
             act: Mention, bud: Mention) -> str:
    """When the printed rate times the budget (or the actual divided by the
    rate) gives a figure the document prints elsewhere for the same item,
    that reading reconciles everything: name the figure that is wrong."""
    a0, b0 = sentence(doc, pos)
    others = [x for x in ms if not (a0 <= x.start <= b0) and x.unit == bud.unit and not x.target
              and x.stated.value not in (act.stated.value, bud.stated.value)]
    for x in others:
        if x.kind in (ACTUAL, OTHER) and judge(pct, in_money(x, bud.unit) / den) is None:
            return (f"；{doc.unit_at(x.start).loc}印有{x.stated.text}{x.unit}，{x.stated.text}÷{bud.stated.text}"
                    f"与完成率{pct.text}%相符，支出决算数疑为{x.stated.text}{x.unit}")
        ratio = num / in_money(x, bud.unit)
        if x.kind in (BUDGET, OTHER) and ratio is not None and judge(pct, ratio) is None:
            return (f"；{doc.unit_at(x.start).loc}印有{x.stated.text}{x.unit}，{act.stated.text}÷{x.stated.text}"
                    f"与完成率{pct.text}%相符，预算数疑为{x.stated.text}{x.unit}")
    return ""


def check_rates(doc: Document) -> list[Finding]:
    """``完成预算的P%`` and ``…控制率/执行率P%`` against the actual and budget
    figures of the same sentence; ``完成…任务的P%`` against its stated task;
    ``在职人员控制率`` against 在职人员 / 编制数 (rubrics.md §2.4 #9)."""
    out = []
    ms = mentions(doc)
    last_rate = -1
    for m in _RATE.finditer(doc.stream):
        pct = parse_number(m.group("pct"), "%")
        shown_as = act = bud = None
        a0, _ = sentence(doc, m.start())
        # a further rate of the sentence ("…83.33%，其中：因公出国（境）费决算为2.00万元，完成预算的P%")
        # has only the figures after the one before it: the total's budget is not the item's
        a0 = max(a0, last_rate)
        last_rate = m.end()
        inside = [x for x in ms if a0 <= x.start and x.end <= m.start() and not x.target and x.kind != RATE]
        num = den = None
        if m.group("task"):
            base = re.search(rf"({NUM}){WS}(万元|亿元|元|个|家|户|人)", m.group("task"))
            if base:
                b = parse_number(base.group(1), base.group(2))
                same = [x for x in inside if x.unit == b.unit and x.start < m.start("task")]
                if same:
                    num, den = same[-1].stated.span(), b.span()
        else:
            roles = {}
            for x in inside:
                roles.setdefault(role(x.key), []).append(x)
            if m.group("kind") == "控制率" and roles.get("staff") and roles.get("posts"):
                num, den = roles["staff"][-1].stated.span(), roles["posts"][-1].stated.span()
            elif roles.get("actual") and roles.get("budget"):
                act, bud = roles["actual"][-1], roles["budget"][-1]
                if act.unit in _SCALE and bud.unit in _SCALE:
                    num, den = in_money(act, bud.unit), bud.stated.span()
                    shown_as = (act.stated.text, bud.stated.text)
        if num is None or den is None or pct is None:
            continue
        if den.value == 0:
            out.append(finding(doc, m.start(), "完成率", "预算数为0，不能计算完成预算的百分比（应说明无预算）",
                               _sentence_quote(doc, m.start(), m.end()), pct.text + "%", "无预算", "", ERROR))
            continue
        ratio = num / den
        if ratio is None:
            continue
        verdict = judge(pct, ratio)
        if verdict:
            culprit = ""
            if shown_as and verdict == ERROR:
                culprit = _culprit(doc, ms, m.start(), pct, num, den, act, bud)
            out.append(finding(doc, m.start(), "完成率",
                               f"按本句数字 {(shown_as or (N.plain(num.value), '')) [0]}÷"
                               f"{shown_as[1] if shown_as else N.plain(den.value)} 计算应为"
                               f"{shown(ratio.value * 100, pct.places, '%')}{culprit}",
                               _sentence_quote(doc, m.start(), m.end()), pct.text + "%",
                               shown(ratio.value * 100, pct.places, "%"), difference(pct, ratio), verdict))
    return out
