"""One quantity stated twice, a total against its itemised parts, and the
form's own identities.

- header fields of a form (``年末结余金额（万元）| 26.46``) against the same
  label in the form's text (rubrics.md §2.4 #10);
- a specific label stated twice in one section with two values (#8, #14);
- ``没有结转结余`` against a stated non-zero 结转结余 (#12);
- ``X，其中A、B、C`` and numbered item lists against their stated total (#5);
- a head-count change against the changes of its parts (#4);
- the Jinzhong header identity 上年结转 + 年初预算 + 预算调整 + 其他调整
  = 预算执行 + 年末结余 (rubrics.md §2.1).
"""

from __future__ import annotations

import re
from decimal import Decimal

from reportgen import numbers as N
from reportgen.audit.checks import _SCALE, _sentence_quote, finding, in_money
from reportgen.audit.figures import ERROR, NOTE, NUM, SUSPECT, WS, Span, Stated, judge, parse_number, shown, total
from reportgen.audit.findings import TAIL, Finding
from reportgen.audit.read import Document
from reportgen.audit.text import ACTUAL, BUDGET, CHANGE, OTHER, RATE, SHARE, Mention, key_of, mentions, sentence

_FIELD_LABEL = re.compile(r"^(?P<label>[^\d（(]{2,20}?)\s*[（(](?P<unit>万元|元|人|辆)[）)]\s*$")
#: labels too general to name one quantity on their own
_GENERIC = re.compile(r"^(项目|全年|本年|当年|年初|此|该|本项|其|每|单项|平均|累计|合计|小计|总计|共计|占|"
                      r"实际|发放|投入|完成|支出|收入|资金)|比例|"
                      r"(得分|分值|满分|应得|实得|扣分|目标值|指标值)$")


def fields(doc: Document) -> list[tuple[str, Decimal, str, object]]:
    """Header fields of table rows: (key, value, unit, cell unit)."""
    out = []
    for row in doc.rows:
        cells = row.cells
        for i, c in enumerate(cells[:-1]):
            m = _FIELD_LABEL.match(c.text.strip())
            if not m:
                continue
            nxt = next((d for d in cells[i + 1:] if d.text.strip()), None)
            if nxt is None:
                continue
            value = parse_number(nxt.text.strip().lstrip("\u3000 "), m.group("unit"))
            if value is not None:
                out.append((key_of(m.group("label")), value, m.group("unit"), nxt))
    return out


def _same(a: Stated, b: Stated) -> bool:
    """Two printings of one quantity agree: equal at the same precision, or
    overlapping rounding intervals at different precisions."""
    if abs(a.value) != a.value or abs(b.value) != b.value:   # a sign dropped: |调整| in a rate
        a, b = Stated(a.text, abs(a.value), a.places, a.unit), Stated(b.text, abs(b.value), b.places, b.unit)
    if a.places == b.places:
        return a.value == b.value
    x, y = a.span(), b.span()
    return x.lo <= y.hi and y.lo <= x.hi


def _overlap(a: Span, b: Span) -> bool:
    return a.lo <= b.hi and b.lo <= a.hi


def check_fields(doc: Document) -> list[Finding]:
    """Header fields against the same label in the form's text."""
    out = []
    ms = mentions(doc)
    for key, value, unit, cell in fields(doc):
        for m in ms:
            if m.key != key or m.unit != unit or m.target or doc.unit_at(m.start).form != cell.form:
                continue
            if _same(m.stated, value):
                continue
            out.append(finding(doc, m.start, "前后不一致",
                               f"表头“{key}”为{value.text}{unit}（{cell.loc}），此处为{m.stated.text}{unit}",
                               _sentence_quote(doc, m.start, m.end), m.stated.text + unit,
                               value.text + unit, N.fixed(m.stated.value - value.value) + unit, ERROR))
    # the Jinzhong header identity
    by_form: dict[int, dict[str, object]] = {}
    for key, value, unit, cell in fields(doc):
        by_form.setdefault(cell.form, {}).setdefault(key, (value, cell))
    names = ("上年结转", "年初预算", "预算调整", "其他调整资金", "预算执行", "年末结余")
    for f in by_form.values():
        if not all(n in f for n in names):
            continue
        left = total(f[n][0].span() for n in names[:4])
        right = f["预算执行"][0].span() + f["年末结余"][0].span()
        if _overlap(left, right):
            continue
        cell = f["预算执行"][1]
        out.append(Finding(doc.path, cell.loc, "表头平衡",
                           "上年结转 + 年初预算 + 预算调整 + 其他调整资金 应等于 预算执行 + 年末结余",
                           "；".join(f"{n}{f[n][0].text}" for n in names),
                           N.fixed(right.value) + "万元", N.fixed(left.value) + "万元",
                           N.fixed(right.value - left.value) + "万元", ERROR))
    return out


def check_repeats(doc: Document) -> list[Finding]:
    """A specific label (at least 6 characters, not a relative one such as
    项目…/此项…/…得分) stated twice for one subject (the same form, section
    and numbered item) with different values.  Changes, rates and shares are
    each about their own item ("1. …比上年增加8.57%；2. …增加3.84%") and are
    never compared."""
    out = []
    seen: dict[tuple, list[Mention]] = {}
    for m in mentions(doc):
        if m.target or len(m.key) < 6 or _GENERIC.search(m.key) or m.kind in (CHANGE, RATE, SHARE):
            continue
        k = (m.key, m.unit, m.kind) + m.subject[:2]
        earlier = seen.setdefault(k, [])
        item = m.subject[2]
        first = next((e for e in earlier if item in (0, e.subject[2]) or e.subject[2] == 0), None)
        earlier.append(m)
        if first is None or _same(first.stated, m.stated):
            continue
        out.append(finding(doc, m.start, "前后不一致",
                           f"“{m.label}”前文为{first.stated.text}{m.unit}（{doc.unit_at(first.start).loc}），"
                           f"此处为{m.stated.text}{m.unit}",
                           _sentence_quote(doc, m.start, m.end), m.stated.text + m.unit,
                           first.stated.text + m.unit,
                           N.fixed(m.stated.value - first.stated.value) + m.unit, ERROR))
    return out


_NONE = re.compile(r"(?:没有|无)(?P<what>[\u4e00-\u9fff“”]{4,10}?)(?:情况|发生|事项|。|，|；)")


def check_negations(doc: Document) -> list[Finding]:
    """``没有结转结余`` while the same form states a non-zero 结转结余."""
    out = []
    ms = [m for m in mentions(doc) if m.unit in _SCALE and m.stated.value != 0 and not m.target]
    for n in _NONE.finditer(doc.stream):
        what = key_of(n.group("what"))
        form = doc.unit_at(n.start()).form
        hit = next((m for m in ms if m.key.startswith(what) and doc.unit_at(m.start).form == form), None)
        if hit:
            out.append(finding(doc, n.start(), "前后不一致",
                               f"称“{n.group(0).rstrip('。，；')}”，但{doc.unit_at(hit.start).loc}"
                               f"“{hit.label}”为{hit.stated.text}{hit.unit}",
                               _sentence_quote(doc, n.start(), n.end()), "0", hit.stated.text + hit.unit,
                               "", ERROR))
    return out


# ---- a total and its parts -------------------------------------------------------------

_OF_WHICH = re.compile(r"[，,（(]?\s*其\s*中\s*[：:，,]?")
#: a closing total of a list: "…，合计X万元" is not one of its parts
_CLOSING = re.compile(r"^(合计|总计|共计|小计|累计|总额|以上合计)")
_STOP_PARTS = re.compile(r"其中|主要包括|主要用于|包括|主要是|分别")
_MINUS = re.compile(r"调减|减少|核减|追减|扣除|减")
#: a clause comparing with another year: its change is not a part of this year's total
_VERSUS = re.compile(r"(比|较|与|同)\s*(上年|上一年|去年|同期|\d{4}\s*年)")


#: lists that are a whole by definition (上海 部门决算 样张 第四部分 名词解释; 财政部 部门决算
#: 报表 政府采购 货物/工程/服务; “三公”经费 = 因公出国（境）费 + 公务用车购置及运行维护费 + 公务接待费)
_COMPLETE = (("基本支出", "项目支出"), ("人员经费", "公用经费"), ("因公出国", "公务用车", "公务接待"),
             ("货物", "工程", "服务"))


def _peers(parts) -> bool:
    """Parts whose labels end alike (…收入, …支出, …用车): one list, even across ``；``."""
    ends = {p.key[-2:] for p in parts}
    return len(ends) == 1 and all(len(p.key) >= 3 for p in parts)


def _exhaustive(parts) -> bool:
    """The parts are one of the lists that make up their whole by definition."""
    for names in _COMPLETE:
        if len(parts) == len(names) and all(sum(n in p.key for p in parts) == 1 for n in names) \
                and all(any(n in p.key for n in names) for p in parts):
            return True
    return False


def _list_end(s: str, w: re.Match) -> int:
    """Where the list after ``其中`` ends: its closing bracket when it opens
    one ("（其中：…）"), else the end of the sentence (a ``；`` separates
    its items, so only ``。`` or a paragraph ends it; at most 400
    characters)."""
    if w.group(0).lstrip().startswith(("（", "(")):
        close = min((i for i in (s.find("）", w.end()), s.find(")", w.end())) if i >= 0), default=-1)
        if 0 <= close - w.end() <= 300:
            return close
    ends = [i for i in (s.find("。", w.end()), s.find("\u2029", w.end())) if i >= 0]
    return min(ends + [len(s), w.end() + 400])


def _candidates(s: str, w: re.Match, end: int, ms, whole) -> list[list]:
    """The parts lists after ``其中`` up to ``end``, read at the ``；`` and at
    the ``，`` level (figures of the whole's unit; no rate, share, closing
    total or year-on-year change; a bracketed inner list left out)."""
    body = s[w.end():end]
    # a bracketed list inside the list ("公务用车…5.00万元（其中：购置费…）") is not part of it
    masked = re.sub(r"[（(][^（()）]*[)）]", lambda b: " " * len(b.group()), body)
    inside = [m for m in ms if w.end() <= m.start < end and m.unit == whole.unit
              and masked[m.start - w.end()] != " "]
    cands = []
    for level in (r"[；;]", r"[，,、；;]"):
        parts = []
        a = 0
        for sep in list(re.finditer(level, masked)) + [None]:
            b = sep.start() if sep else len(masked)
            c = masked[a:b]
            lo, hi = w.end() + a, w.end() + b
            a = sep.end() if sep else b
            if parts and _STOP_PARTS.search(c.split("万元")[0][:8]):
                break
            first = next((m for m in inside if lo <= m.start < hi
                          and m.kind not in (RATE, SHARE) and not _CLOSING.match(m.key)
                          and not (m.kind == CHANGE and _VERSUS.search(c))), None)
            if first is not None and first not in parts:
                parts.append(first)
        if len(parts) >= 2:
            cands.append(parts)
    return cands


def check_parts(doc: Document) -> list[Finding]:
    """``总额X，其中：A、B、C`` — the parts may be fewer than the whole, but
    they cannot add up to more (the list may stop at either a ``；`` or a
    ``，`` level; both readings are tried).  Subtractive words (调减…) count
    negative.  A list that is its whole by definition (基本支出 + 项目支出,
    人员经费 + 公用经费, the three “三公” items, 货物 + 工程 + 服务) must
    add up to it exactly: less is 错误 too (疑似 for 基本 + 项目 of a total
    that may also hold 上缴上级/经营/对附属单位补助支出)."""
    out = []
    s = doc.stream
    ms = mentions(doc)
    by_end = {m.end: m for m in ms}
    for w in _OF_WHICH.finditer(s):
        k = w.start()
        while k > 0 and s[k - 1] in " \u3000\n":
            k -= 1
        if k > 0 and s[k - 1] == "。" and not w.group(0).lstrip().startswith(("（", "(")):
            k -= 1                                   # "基本支出2336.91万元。其中：人员经费…"
        whole = by_end.get(k)
        if whole is None or whole.target:
            continue
        end = min(sentence(doc, w.end())[1], _list_end(s, w))
        cands = _candidates(s, w, end, ms, whole)
        long = _candidates(s, w, _list_end(s, w), ms, whole)
        complete = [ps for ps in long if _exhaustive(ps)]
        # past a "；": items of one kind ("财政拨款收入…；事业收入…；其他收入…")
        cands += [ps for ps in long if ps not in cands and _peers(ps)]
        if not cands and not complete:
            continue

        def summed(parts):
            spans = []
            for p in parts:
                sp = in_money(p, whole.unit) if whole.unit in _SCALE else p.stated.span()
                spans.append(sp.negated() if _MINUS.search(p.label) else sp)
            return total(spans), parts

        def report(kind: str, message: str, summed_value, severity: str) -> None:
            """A finding on the total: as printed, the parts' sum, the difference."""
            out.append(finding(doc, whole.start, kind, message, _sentence_quote(doc, whole.start, end),
                               whole.stated.text + whole.unit, shown(summed_value, whole.stated.places, whole.unit),
                               N.fixed(whole.stated.value - summed_value, max(whole.stated.places, 2)) + whole.unit,
                               severity))

        sums = [summed(parts) for parts in cands]
        w_span = whole.stated.span()
        if complete and summed(complete[0])[0].value != whole.stated.value:
            x, ps = summed(complete[0])
            if N.quantize(x.value, whole.stated.places) != whole.stated.value:
                # 本年支出 may also hold 上缴上级/经营/对附属单位补助支出; 财政拨款支出 is 基本 + 项目 only
                sure = not any("项目支出" in p.key for p in ps) or "财政拨款" in whole.key \
                    or x.value > whole.stated.value
                severity = NOTE if _overlap(x, w_span) else ERROR if sure else SUSPECT
                report(TAIL if severity == NOTE else "合计",
                       f"“{whole.label or '总额'}”{whole.stated.text}{whole.unit}应等于"
                       f"{'＋'.join((p.label or '') + p.stated.text for p in ps)}＝"
                       f"{shown(x.value, whole.stated.places, whole.unit)}"
                       + ("，尾差（各项舍入所致）" if severity == NOTE else ""), x.value, severity)
            continue
        if not sums:
            continue
        rest = [x for x in sums if _peers(x[1]) and x[1][-1].key.startswith("其他")]
        if rest and rest[0][0].hi < w_span.lo:
            # a list closed by its 其他… item covers the whole: short of it is 疑似
            x, ps = rest[0]
            report("合计", f"“{whole.label or '总额'}”{whole.stated.text}{whole.unit}，其中各项（至“{ps[-1].label}”）"
                   f"之和{'＋'.join(p.stated.text for p in ps)}＝{shown(x.value, whole.stated.places, whole.unit)}",
                   x.value, SUSPECT)
            continue
        t, parts = min(sums, key=lambda x: x[0].value)
        if t.hi < w_span.lo or t.value <= whole.stated.value:
            continue
        if _overlap(t, w_span):     # more than the total only by the rounding of the printed parts: 尾差
            report(TAIL, f"“{whole.label or '总额'}”{whole.stated.text}{whole.unit}，其中各项之和"
                   f"（{'＋'.join(p.stated.text for p in parts)}）为{shown(t.value, whole.stated.places, whole.unit)}，"
                   f"尾差（各项舍入所致）", t.value, NOTE)
            continue
        if any(_overlap(x, w_span) or x.hi < w_span.lo for x, _ in sums):
            continue
        if N.quantize(t.value, whole.stated.places) == whole.stated.value:
            continue
        counted = whole.unit not in _SCALE and all(p.stated.places == 0 for p in parts) and not whole.stated.places
        rounding = not counted and t.lo - w_span.hi <= Decimal(1).scaleb(-whole.stated.places) * len(parts)
        severity = NOTE if rounding else SUSPECT
        report("合计", f"“{whole.label}”{whole.stated.text}{whole.unit}小于其中各项之和"
               f"（{'＋'.join(p.stated.text for p in parts)}）", t.value, severity)
    return out


_ITEMS = re.compile(rf"(?P<n>\d+)\s*(?:项|个)[,，]?(?P<label>[^，,。；;\d]{{0,12}}?)(?:金额|资金)(?:为|共|合计)?{WS}"
                    rf"(?P<num>{NUM}){WS}(?P<unit>万元|元)[。，,；;]?{WS}(?:分别是|分别为|具体如下|包括)[:：]?")


def check_item_lists(doc: Document) -> list[Finding]:
    """``N项…金额为X万元。分别是：1、… 2、…`` — the amounts of the numbered
    items (those in each item's last sentence with an amount) against X.
    A heuristic reading: differences are 疑似."""
    out = []
    s = doc.stream
    ms = mentions(doc)
    for m in _ITEMS.finditer(s):
        n = int(m.group("n"))
        pos = m.end()
        starts = []
        for i in range(1, n + 2):
            f = re.compile(rf"(?<![\d.]){i}\s*(?:、|[.．](?!\d))").search(s, pos)
            if f is None or (starts and f.start() - starts[-1] > 3000):
                break
            starts.append(f.start())
            pos = f.end()
        if len(starts) < n:
            continue
        # the last item runs to the end of the sentence holding its first amount
        first = next((x for x in ms if x.start > starts[n - 1] and x.unit == m.group("unit")), None)
        if first is None:
            continue
        ends = starts[1:n] + [sentence(doc, first.start)[1]]
        amounts = []
        for a, b in zip(starts[:n], ends):
            with_money = [x for x in ms if a <= x.start < b and x.unit == m.group("unit")]
            if not with_money:
                amounts = []
                break
            last_sentence = s.rfind("。", a, with_money[-1].start) + 1 or a
            amounts += [x for x in with_money if x.start >= last_sentence]
        if not amounts:
            continue
        t = total(x.stated.span() for x in amounts)
        stated = parse_number(m.group("num"), m.group("unit"))
        verdict = judge(stated, t, SUSPECT)
        if verdict:
            out.append(finding(doc, m.start(), "合计",
                               f"所列{n}项金额之和为{N.plain(t.value)}{stated.unit}"
                               f"（{'＋'.join(x.stated.text for x in amounts)}）",
                               s[m.start():m.end()], stated.text + stated.unit,
                               shown(t.value, stated.places, stated.unit),
                               N.fixed(stated.value - t.value, max(stated.places, 2)) + stated.unit, verdict))
    return out


_HEADS = re.compile(r"(?:较|比)(?:上年|\d{4}年)(?:末)?总人数(?P<w>增加|减少)(?P<n>\d+)人")
_PART_CHANGE = re.compile(r"(?P<who>[\u4e00-\u9fff]{2,6}?人员)(?:较|比)(?:上年|\d{4}年)(?:末)?(?:\d+人?)?"
                          r"(?P<w>增加|减少)(?P<n>\d+)人")


def check_headcount(doc: Document) -> list[Finding]:
    """``较2020年总人数减少60人`` against the changes of 在职/退休/离休人员
    stated in the same paragraph (rubrics.md §2.4 #4)."""
    out = []
    s = doc.stream
    for m in re.finditer(r"总人数", s):
        a = s.rfind("\u2029", 0, m.start()) + 1
        b = s.find("\u2029", m.end())
        para = s[a:b if b >= 0 else len(s)]
        head = _HEADS.search(s, max(m.start() - 12, 0), m.end() + 20)
        if head is None:
            continue
        parts = {}
        for p in _PART_CHANGE.finditer(para):
            parts.setdefault(p.group("who"), int(p.group("n")) * (1 if p.group("w") == "增加" else -1))
        if len(parts) < 2:
            continue
        stated = int(head.group("n")) * (1 if head.group("w") == "增加" else -1)
        got = sum(parts.values())
        if got != stated:
            out.append(finding(doc, m.start(), "合计",
                               "各类人员变动之和为" + "＋".join(f"{k}{v}" for k, v in parts.items())
                               + f"＝{got}人", _sentence_quote(doc, m.start(), head.end()),
                               f"{head.group('w')}{head.group('n')}人",
                               f"{'增加' if got > 0 else '减少'}{abs(got)}人", f"{abs(stated) - abs(got)}人",
                               ERROR))
    return out


# ---- “三公”经费 and its three items --------------------------------------------------------

#: “三公”经费 = 因公出国（境）费 + 公务用车购置及运行（维护）费 + 公务接待费, and
#: 公务用车购置及运行（维护）费 = 公务用车购置费 + 公务用车运行（维护）费 (财政部 部门决算 名词解释;
#: 上海 部门决算 样张 第四部分 十)
_SANGONG = (re.compile(r"三公.?经费"), (re.compile(r"因公出国"), re.compile(r"公务用车购置及运行"),
                                       re.compile(r"公务接待")))
_CARS = (re.compile(r"公务用车购置及运行"), (re.compile(r"公务用车购置(?!及)"), re.compile(r"公务用车运行")))


def check_sangong(doc: Document) -> list[Finding]:
    """A “三公”经费 amount against its three items printed after it (within
    the next 800 characters), and a 公务用车购置及运行费 against its 购置费
    and 运行费 — the items make the whole by definition, so a difference
    beyond the rounding of the printed items is 错误, within it 提示.  In a
    决算 only 决算 figures are added up, in a 预算 only 预算 figures."""
    out = []
    final = "决算" in doc.stream[:3000]
    kinds = (ACTUAL,) if final else (BUDGET, OTHER)
    ms = [m for m in mentions(doc) if m.unit in _SCALE and not m.target and m.kind in kinds]
    for whole_rx, item_rxs in (_SANGONG, _CARS):
        for i, whole in enumerate(ms):
            if not whole_rx.search(whole.key) or (whole_rx is _SANGONG[0] and
                                                  any(rx.search(whole.key) for rx in item_rxs)):
                continue
            after = [m for m in ms[i + 1:] if m.start - whole.end < 800]
            if after and whole_rx.search(after[0].key):
                continue                                # restated: the later one is the whole
            items = []
            for rx in item_rxs:
                hit = next((m for m in after if rx.search(m.key) and m not in items), None)
                if hit is None:
                    break
                items.append(hit)
            if len(items) != len(item_rxs) or any(a.start > b.start for a, b in zip(items, items[1:])):
                continue
            t = total(in_money(m, whole.unit) for m in items)
            if N.quantize(t.value, whole.stated.places) == whole.stated.value:
                continue
            severity = NOTE if _overlap(t, whole.stated.span()) else ERROR
            out.append(finding(doc, whole.start, TAIL if severity == NOTE else "合计",
                               f"“{whole.label}”{whole.stated.text}{whole.unit}应等于"
                               f"{'＋'.join(m.label + m.stated.text for m in items)}＝"
                               f"{shown(t.value, whole.stated.places, whole.unit)}"
                               + ("，尾差（各项舍入所致）" if severity == NOTE else ""),
                               _sentence_quote(doc, whole.start, whole.end), whole.stated.text + whole.unit,
                               shown(t.value, whole.stated.places, whole.unit),
                               N.fixed(whole.stated.value - t.value, max(whole.stated.places, 2)) + whole.unit,
                               severity))
    return out
