"""Scoring tables (评分表 / 绩效情况 / 绩效指标): recovered from .docx grids
(columns by their 分值/得分 headers) and from text rows (by position: the
last number of a row is its score, the numbers before the analysis text its
weights).

Checks: 得分 ≤ 分值; each 一级 subtotal against its rows (when the weights
of the rows add up to the 一级 weight, i.e. the block was recovered whole);
综合得分 against the 一级 subtotals or all rows; 等次 against the national
bands (≥90 优, [80,90) 良, [60,80) 中, <60 差; rubrics.md §2.2, §4.2); the
一级 scores and total written in the form's text against the table
(rubrics.md §2.4 #17); the project fund row (执行率 = 全年执行数 / 全年预算数,
年度资金总额 = Σ 其中 rows; rubrics.md §4.3 #29–#30); 完成进度 of a
performance indicator against 实际 / 目标 (rubrics.md §3.3 #23, #27); and
在职人员控制率 in a 基础数据表 (rubrics.md §5.3 #34).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from reportgen import numbers as N
from reportgen.audit.checks import _sentence_quote, finding
from reportgen.audit.figures import ERROR, NOTE, NUM, SUSPECT, WS, Span, Stated, difference, judge, parse_number, shown, total
from reportgen.audit.findings import Finding
from reportgen.audit.read import Document, Row, Unit

LEVEL1 = ("投入", "过程", "产出", "效果", "决策", "效益", "产出及效率", "产出及效益")
_TOTAL = re.compile(r"^(综合得分|合计|总分|总计|得分合计|评价总分|自评总分|总得分)[:：]?$")
_GRADES = {"优": "优", "优秀": "优", "良": "良", "良好": "良", "中": "中", "中等": "中", "合格": "中",
           "差": "差", "较差": "差", "不合格": "差"}


def grade_of(score: Decimal) -> str:
    """The national grade band (财预〔2020〕10号; rubrics.md §2.2)."""
    return "优" if score >= 90 else "良" if score >= 80 else "中" if score >= 60 else "差"


def _clean(text: str) -> str:
    return re.sub(r"\[bookmark:[^\]]*\]", "", text).strip(" \u3000\t\n")


def _num(text: str) -> Stated | None:
    t = _clean(text)
    return parse_number(t) if t else None


def _name(text: str) -> str:
    return re.sub(r"[\s:：]", "", _clean(text)).removesuffix("指标")


@dataclass
class ScoreRow:
    kind: str                 # level1 / leaf / total / grade
    name: str
    weight: Stated | None
    score: Stated | None
    cell: Unit
    level1: str = ""
    grade: str = ""


@dataclass
class ScoreTable:
    rows: list[ScoreRow] = field(default_factory=list)


def _header(row: Row) -> tuple[int, int] | None:
    """(weight column, score column) of a header row, or None."""
    texts = [_clean(t) for t in row.texts]
    score = [i for i, t in enumerate(texts) if t.endswith("得分") or t == "得分/满分"]
    weight = [i for i, t in enumerate(texts) if "分值" in t]
    if score and weight:
        return weight[-1], score[-1]
    return None


def _grid_row(row: Row, wcol: int, scol: int, level1: str) -> ScoreRow | None:
    texts = [_clean(t) for t in row.texts]
    if scol >= len(texts):
        return None
    names = [t for t in texts[:wcol] if t and _num(t) is None]
    name = _name(names[-1]) if names else ""
    score, weight = _num(texts[scol]), _num(texts[wcol])
    return _classify(name, weight, score, row, texts, level1)


def _text_row(row: Row, k: int, level1: str) -> ScoreRow | None:
    texts = [_clean(t) for t in row.texts]
    nums = [i for i, t in enumerate(texts) if t and _num(t) is not None]
    if not nums:
        return _classify(_name(next((t for t in texts if t), "")), None, None, row, texts, level1)
    s = nums[-1]
    i = s - 1
    while i >= 0 and (not texts[i] or _num(texts[i]) is None):
        i -= 1
    run_end = i
    while i >= 0 and (not texts[i] or _num(texts[i]) is not None):
        i -= 1
    run = [texts[j] for j in range(i + 1, run_end + 1) if texts[j]]
    name = _name(texts[i]) if i >= 0 else ""
    weights = run[:k]
    weight = _num(weights[-1]) if weights else None
    return _classify(name, weight, _num(texts[s]), row, texts, level1)


def _classify(name, weight, score, row, texts, level1) -> ScoreRow | None:
    cell = row.cells[0]
    if any("等次" in t for t in texts):
        g = next((_GRADES[t] for t in (re.sub(r"[\s“”\"]", "", x) for x in texts) if t in _GRADES), "")
        return ScoreRow("grade", "等次", None, None, cell, grade=g)
    if _TOTAL.match(name):
        return ScoreRow("total", name, weight, score, cell)
    if score is None:
        return None
    if name in LEVEL1:
        return ScoreRow("level1", name, weight, score, cell, level1=name)
    return ScoreRow("leaf", name, weight, score, cell, level1=level1)


def score_tables(doc: Document) -> list[ScoreTable]:
    """The scoring tables of a document, one per form."""
    tables: list[ScoreTable] = []
    current: ScoreTable | None = None
    cols = None
    k = 2
    level1 = ""
    form = None
    for row in doc.rows:
        texts = [_clean(t) for t in row.texts]
        joined = "".join(texts)
        if row.cells[0].form != form:
            form, current, cols = row.cells[0].form, None, None
        h = _header(row)
        if h is not None:
            cols = h if row.table and len(texts) > max(h) and doc.path.lower().endswith(".docx") else None
            k = 2 if any(t in ("参考分值", "设定分值") for t in texts) else 1
            if current is None:
                current = ScoreTable()
                tables.append(current)
            continue
        if any(t in ("参考分值", "设定分值") for t in texts):
            k = 2
            if cols is not None and "设定分值" in texts:
                cols = (texts.index("设定分值"), cols[1])
            continue
        if "评价人员" in joined or joined.startswith("姓名"):
            current = None
            continue
        if current is None:
            # tables without a header row (text dumps): start at a 一级 row
            first = _name(next((t for t in texts if t), ""))
            if first not in LEVEL1 or len([t for t in texts if _num(t) is not None]) < 2:
                continue
            current = ScoreTable()
            tables.append(current)
        r = _grid_row(row, *cols, level1) if cols else _text_row(row, k, level1)
        if r is None:
            continue
        if r.kind == "level1":
            level1 = r.name
        current.rows.append(r)
    return [t for t in tables if len(t.rows) >= 3]


def _quote(r: ScoreRow) -> str:
    return f"{r.name} 分值{r.weight.text if r.weight else '—'} 得分{r.score.text if r.score else '—'}"


def _f(doc, r: ScoreRow, message, stated, expected, diff, severity="错误") -> Finding:
    return Finding(doc.path, r.cell.loc, "评分表", message, _quote(r), stated, expected, diff, severity)


def check_score_tables(doc: Document) -> list[Finding]:
    out = []
    for t in score_tables(doc):
        leaves = [r for r in t.rows if r.kind == "leaf"]
        for r in leaves:
            if r.weight is not None and r.score is not None and r.score.value > r.weight.value:
                out.append(_f(doc, r, f"“{r.name}”得分高于分值", r.score.text, f"≤{r.weight.text}",
                              N.plain(r.score.value - r.weight.value)))
        # 一级 blocks
        blocks: list[tuple[ScoreRow, list[ScoreRow]]] = []
        for r in t.rows:
            if r.kind == "level1":
                blocks.append((r, []))
            elif r.kind == "leaf" and blocks:
                blocks[-1][1].append(r)
            elif r.kind in ("total", "grade"):
                break
        whole_blocks = []
        for head, rows in blocks:
            if not rows or head.weight is None or any(r.weight is None for r in rows):
                continue
            if sum(r.weight.value for r in rows) != head.weight.value:
                continue
            whole_blocks.append(head)
            got = total(r.score.span() for r in rows)
            verdict = judge(head.score, got)
            if verdict:
                out.append(_f(doc, head, f"“{head.name}”小计应为各行得分之和"
                                         f"（{'＋'.join(r.score.text for r in rows)}）",
                              head.score.text, shown(got.value, head.score.places),
                              difference(head.score, got), verdict))
        tot = next((r for r in t.rows if r.kind == "total" and r.score is not None), None)
        heads = [h for h, _ in blocks]
        if tot is not None:
            got = None
            if heads and len(whole_blocks) == len(heads) and tot.weight is not None \
                    and sum(h.weight.value for h in heads) == tot.weight.value:
                got, parts = total(h.score.span() for h in heads), heads
            elif leaves and tot.weight is not None and all(r.weight is not None for r in leaves) \
                    and sum(r.weight.value for r in leaves) == tot.weight.value:
                got, parts = total(r.score.span() for r in leaves), leaves
            if got is not None:
                verdict = judge(tot.score, got)
                if verdict:
                    out.append(_f(doc, tot, f"{tot.name}应为各项得分之和（{'＋'.join(p.score.text for p in parts)}）",
                                  tot.score.text, shown(got.value, tot.score.places),
                                  difference(tot.score, got), verdict))
            g = next((r for r in t.rows if r.kind == "grade" and r.grade), None)
            if g is not None and g.grade != grade_of(tot.score.value):
                out.append(Finding(doc.path, g.cell.loc, "评分表",
                                   f"{tot.name}{tot.score.text}分对应等次为“{grade_of(tot.score.value)}”"
                                   f"（≥90优，80–90良，60–80中，<60差）", f"评价结果等次 {g.grade}",
                                   g.grade, grade_of(tot.score.value), "", ERROR))
        out += _narrative_scores(doc, t, heads, tot)
    return out


_SAID = re.compile(rf"(?P<what>投入|过程|产出|效果|决策|效益)(?:指标)?(?:实际)?得分(?:为)?{WS}(?P<num>{NUM}){WS}分"
                   rf"|(?P<tot>总得分|综合得分|绩效得分|总分)(?:为)?{WS}(?P<tnum>{NUM}){WS}分?")


def _narrative_scores(doc: Document, t: ScoreTable, heads, tot) -> list[Finding]:
    """Scores written in the form's text against its table."""
    if not t.rows:
        return []
    form = t.rows[0].cell.form
    by_name = {h.name: h for h in heads}
    out = []
    for m in _SAID.finditer(doc.stream):
        if doc.unit_at(m.start()).form != form:
            continue
        if m.group("what"):
            row, text = by_name.get(m.group("what")), m.group("num")
        else:
            row, text = tot, m.group("tnum")
        stated = parse_number(text)
        if row is None or stated is None or row.score is None or stated.value == row.score.value:
            continue
        out.append(finding(doc, m.start(), "前后不一致",
                           f"文字中的{m.group('what') + '得分' if m.group('what') else m.group('tot')}与评分表（{row.cell.loc}"
                           f"“{row.name}”{row.score.text}分）不一致",
                           _sentence_quote(doc, m.start(), m.end()), text + "分", row.score.text + "分",
                           N.plain(stated.value - row.score.value) + "分", ERROR))
    return out


# ---- project fund row, indicator progress, staff table ---------------------------------

def check_fund_rows(doc: Document) -> list[Finding]:
    """Project fund table (年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分)."""
    out = []
    cols = None
    total_row = None
    parts: list[list[Stated | None]] = []

    def close():
        if total_row is None or len(parts) < 2:
            return
        tr, tvals = total_row
        for j, name in ((0, "年初预算数"), (1, "全年预算数"), (2, "全年执行数")):
            if tvals[j] is None or any(p[j] is None for p in parts):
                continue
            got = total(p[j].span() for p in parts)
            if judge(tvals[j], got) == ERROR:
                out.append(Finding(doc.path, tr.loc, "资金表", f"年度资金总额的{name}应为其中各行之和",
                                   " ".join(tr.texts), tvals[j].text, shown(got.value, tvals[j].places),
                                   difference(tvals[j], got), ERROR))

    for row in doc.rows:
        texts = [_clean(t) for t in row.texts]
        if "全年执行数" in texts and "全年预算数" in texts:
            close()
            total_row, parts = None, []
            cols = {name: texts.index(name) for name in ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
                    if name in texts}
            continue
        if cols is None or len(cols) < 3:
            continue
        label = next((t for t in texts if t), "")
        if not re.search(r"资金|总额", label):
            close()
            cols, total_row, parts = None, None, []
            continue

        def val(name):
            i = cols.get(name)
            return _num(texts[i].rstrip("%％")) if i is not None and i < len(texts) else None

        vals = [val("年初预算数"), val("全年预算数"), val("全年执行数")]
        if "年度资金总额" in label:
            total_row = (row, vals)
            budget, spent, rate = vals[1], vals[2], val("执行率")
            if budget is not None and spent is not None and rate is not None and budget.value:
                r = spent.span() / budget.span()
                pct = Stated(rate.text, rate.value, rate.places, "%")
                verdict = r is not None and judge(pct, r)
                if verdict:
                    out.append(Finding(doc.path, row.loc, "资金表", "执行率应为全年执行数÷全年预算数",
                                       " ".join(texts), rate.text + "%", shown(r.value * 100, rate.places, "%"),
                                       difference(pct, r), verdict))
                weight, score = val("分值"), val("得分")
                if r is not None and weight is not None and score is not None:
                    expected = weight.value * min(r.value, Decimal(1))
                    if N.quantize(expected, score.places) != score.value:
                        cut = N.quantize(expected, 2) - score.value
                        sev = NOTE if abs(cut) <= Decimal("0.01") else SUSPECT
                        out.append(Finding(doc.path, row.loc, "资金表",
                                           "预算执行率得分一般为分值×执行率（财预〔2020〕10号）",
                                           " ".join(texts), score.text, N.fixed(expected),
                                           N.fixed(score.value - expected), sev))
        else:
            parts.append(vals)
    close()
    return out


_GE = re.compile(rf"(?:不少于|不低于|达到|≥|>=|大于等于)?{WS}(?P<num>{NUM}){WS}(?P<unit>[^\d\s,，。；;、]{{0,3}}?)"
                 rf"{WS}(?:以上|及以上)?$")
_LE = re.compile(rf"(?:不超过?|不高于|≤|<=|小于等于|控制在)(?P<num>{NUM}){WS}(?P<unit>万元|万|元|%|个|次|家)?"
                 rf"(?:以内|以下)?$")


def check_progress(doc: Document) -> list[Finding]:
    """完成进度 of a performance indicator row (目标值 | 实际完成指标值 |
    完成进度): a "≥/不少于" target with one number against actual/target,
    and a "不超" target marked 完成 while the actual is above it."""
    out = []
    active = False
    for row in doc.rows:
        texts = [_clean(t) for t in row.texts]
        if "完成进度" in texts and "目标值" in texts:
            active = True
            continue
        if not active:
            continue
        if texts and texts[0].startswith(("项目绩效情况", "评分表", "其他需说明")):
            active = False
            continue
        cells = [t for t in texts if t]
        if len(cells) < 3:
            continue
        target, actual, progress = cells[-3], cells[-2], cells[-1]
        act = _num(actual.rstrip("家个次万元%"))
        le = _LE.match(target.replace(" ", ""))
        if le and act is not None and re.match(r"^(已)?完成$", progress):
            cap = parse_number(le.group("num"))
            if act.value > cap.value:
                out.append(Finding(doc.path, row.loc, "完成进度",
                                   f"目标“{target}”，实际{actual}已超过，却标为“{progress}”",
                                   " | ".join(cells[-4:]), progress, "未完成", N.plain(act.value - cap.value),
                                   ERROR))
            continue
        pm = re.fullmatch(rf"({NUM})\s*[%％]", progress)
        at_least = re.search(rf"(?:不少于|不低于|达到|≥|>=|大于等于)\s*({NUM})", target)
        if at_least:
            goal_text = at_least.group(1)
        elif _GE.search(target.replace(" ", "")) and len(re.findall(NUM, target)) == 1:
            goal_text = _GE.search(target.replace(" ", "")).group("num")
        else:
            continue
        if not (pm and act is not None):
            continue
        goal = parse_number(goal_text)
        if not goal or not goal.value:
            continue
        pct = parse_number(pm.group(1), "%")
        r = act.span() / goal.span()
        if r is None:
            continue
        capped = Span.exact(Decimal(1))
        if judge(pct, r) is None or (r.value >= 1 and judge(pct, capped) is None):
            continue
        out.append(Finding(doc.path, row.loc, "完成进度",
                           f"实际{actual}÷目标{goal.text}，完成进度应为{shown(r.value * 100, pct.places, '%')}",
                           " | ".join(cells[-4:]), pct.text + "%", shown(r.value * 100, pct.places, "%"),
                           difference(pct, r), judge(pct, r)))
    return out


def check_staff_table(doc: Document) -> list[Finding]:
    """A 编制数 | 在职人数 | 控制率 table: 控制率 = 在职人数 / 编制数
    (财预〔2013〕53号; rubrics.md §5.3 #34)."""
    out = []
    rows = doc.rows
    for i, row in enumerate(rows[:-1]):
        texts = [_clean(t) for t in row.texts]
        ip = next((j for j, t in enumerate(texts) if "编制数" in t), None)
        ist = next((j for j, t in enumerate(texts) if re.search(r"在职|实有", t) and "率" not in t), None)
        ir = next((j for j, t in enumerate(texts) if t.endswith("控制率")), None)
        if None in (ip, ist, ir):
            continue
        vals = [_clean(t) for t in rows[i + 1].texts]
        if len(vals) <= max(ip, ist, ir):
            continue
        posts, staff = _num(vals[ip]), _num(vals[ist])
        m = re.fullmatch(rf"({NUM})\s*[%％]", vals[ir])
        if not (posts and staff and m) or not posts.value:
            continue
        pct = parse_number(m.group(1), "%")
        r = staff.span() / posts.span()
        verdict = judge(pct, r)
        if verdict:
            out.append(Finding(doc.path, rows[i + 1].loc, "完成率",
                               f"在职人员控制率＝在职人数{staff.text}÷编制数{posts.text}"
                               f"＝{shown(r.value * 100, pct.places, '%')}",
                               " | ".join(t for t in vals if t), pct.text + "%",
                               shown(r.value * 100, pct.places, "%"), difference(pct, r), verdict))
    return out


_VALUES = re.compile(rf"^(?:{NUM}|--|-|—)(?:\s+(?:{NUM}|--|-|—)){{2,}}$")


def check_fund_lines(doc: Document) -> list[Finding]:
    """The project fund table as PDF text lines: ``年度资金总额 0 0 0 10 0 10``
    followed by the value lines of its 其中 rows (``160 160 160 -- 100 --``);
    年初预算数, 全年预算数 and 全年执行数 of the total against the rows
    (rubrics.md §4.3 #30)."""
    out = []
    units = [u for u in doc.units if u.table is None]
    for i, u in enumerate(units):
        m = re.match(rf"^\s*年度资金总额\s+((?:{NUM}|--)(?:\s+(?:{NUM}|--)){{2,}})\s*$", u.text)
        if not m:
            continue
        head = m.group(1).split()
        rows = []
        for v in units[i + 1:i + 30]:
            t = v.text.strip()
            if t.startswith(("年度总体目标", "绩效指标")) or t == "年":
                break
            if _VALUES.match(t):
                rows.append(t.split())
        if len(rows) < 2:
            continue
        for j, name in ((0, "年初预算数"), (1, "全年预算数"), (2, "全年执行数")):
            stated = parse_number(head[j])
            parts = [parse_number(r[j]) for r in rows if len(r) > j]
            if stated is None or any(p is None for p in parts):
                continue
            got = total(p.span() for p in parts)
            if judge(stated, got) == ERROR:
                out.append(Finding(doc.path, u.loc, "资金表", f"年度资金总额的{name}应为其中各行之和"
                                   f"（{'＋'.join(p.text for p in parts)}）", u.text.strip(), stated.text,
                                   shown(got.value, stated.places), difference(stated, got), ERROR))
    return out
