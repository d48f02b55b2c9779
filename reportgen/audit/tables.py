"""The tables of a filed 预算/决算 document, read as tables, and the checks on
them: any layout (a PDF page's positioned text or a .docx grid), not only a
form with a 行次 column.

A :class:`Table` is a title (``财政拨款收入支出决算总表``), the unit printed
under it (``单位：万元`` / ``单位：元``) and its rows; a :class:`Line` holds
one or more :class:`Entry` — a 科目 code (``201 06 01`` → ``2010601``), a
row label and the amounts to its right, each with its horizontal extent so
that it can be matched to a column.  A two-sided total table (收入 | 支出)
gives two entries per line.

Checks (each reports where the figures are and the arithmetic as printed):

- :func:`check_text_vs_tables` — a total named in the 情况说明
  (``财政拨款收入支出总计0.3万元``) against the 总计/合计 row of the table
  the name points at (``财政拨款收入支出决算总表`` → 总计 2,961.68; a
  table's whole name, ``一般公共预算财政拨款支出``, for its one
  合计 row; a unit's 收入预算 / 支出预算 for the 收入总计 / 支出总计 of its
  财务收支预算总表); the
  official 说明 sentence patterns name their table this way (上海 部门决算
  样张, ``../shared/cases/shanghai``).  错误 beyond the rounding of the two
  printings, 提示 within it.
- :func:`check_table_sums` — the 类 rows (three-digit 功能分类 codes) of a
  table against its 合计 row, column by column.  A difference the rounding
  of the printed rows explains is 提示 (尾差); parts adding up to more than
  the total is 疑似 (a row may have been read twice); parts adding up to
  less is not reported (a row may not have been read).
- :func:`check_cross_tables` — one 科目 (code or 类 name) on the same side
  (收入 or 支出) whose amount differs by exactly one unit of the last
  printed decimal between two tables (``社会保障和就业支出`` 326.71 /
  326.72): 提示 (尾差), since two tables may legitimately give one 科目
  different amounts (all funds vs 财政拨款) but not amounts one cent apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from reportgen import numbers as N
from reportgen.audit.checks import _sentence_quote, finding
from reportgen.audit.figures import ERROR, NOTE, NUM, SUSPECT, Span, Stated, parse_number, shown, truncate
from reportgen.audit.findings import TAIL, Finding
from reportgen.audit.read import Document
from reportgen.audit.text import CHANGE, PRIOR, RATE, SHARE, mentions
from reportgen.audit.wording import document_year

_TITLE = re.compile(r"^[^，。；：:,\d]{0,30}?(\d{4}\s*年度?)?[^，。；：:,\d]{2,40}表(?:[（(]续[）)])?$")
_UNIT = re.compile(r"单位\s*[:：]\s*(万元|元)")
_AMOUNT = re.compile(rf"^(?:{NUM}|[-−—–－]+)$")
_CODE = re.compile(r"^\d{2,3}$")
_CODE_LINE = re.compile(r"^(\d{3})(?:\s*(\d{2}))?(?:\s*(\d{2}))?$")
_SCALE = {"元": Decimal(1), "万元": Decimal(10000)}


@dataclass
class Entry:
    """One labelled run of a line: code, label and amounts ``(x0, x1, Stated)``."""

    code: str
    label: str
    amounts: list[tuple[float, float, Stated]]
    x: float = 0.0          # where the entry starts on its line (its code or label)

    @property
    def key(self) -> str:
        return label_key(self.label)


@dataclass
class Line:
    entries: list[Entry]
    loc: str
    top: float = 0.0
    bottom: float = 0.0


@dataclass
class Table:
    title: str
    unit: str | None
    loc: str
    lines: list[Line] = field(default_factory=list)

    def side(self, entry: Entry) -> str:
        """收入 or 支出: what an entry's amounts are.  A 收入 table's 功能分类
        rows are income by function; in a 收入支出 table a label ending in
        支出 is on the 支出 side."""
        income, spending = "收入" in self.title or "收支" in self.title, "支出" in self.title or "收支" in self.title
        if income and spending:
            return "支出" if entry.key.endswith("支出") else "收入"
        return "收入" if income else "支出"

    @property
    def stem(self) -> str:
        """The title without year, 决算/预算 and 表: 财政拨款收入支出决算总表 → 财政拨款收入支出."""
        t = re.sub(r"\s+", "", self.title)
        t = re.sub(r"[（(]续[）)]$", "", t)
        t = re.sub(r"^.*?\d{4}年度?", "", t)
        return re.sub(r"(决算|预算)?(总表|明细表|情况表|表)$", "", t)


def label_key(label: str) -> str:
    """A row label normalised: numbering (一、 1.), spaces, （类） dropped."""
    k = re.sub(r"[\s“”\"]", "", label)
    k = re.sub(r"^(?:[一二三四五六七八九十]+[、.．]|\d+[、.．]|[（(][一二三四五六七八九十\d]+[）)])", "", k)
    return re.sub(r"[（(](类|款|项)[）)]", "", k)


def _amount(text: str) -> Stated | None:
    t = text.strip()
    if not _AMOUNT.match(t):
        return None
    if not re.search(r"\d", t):
        return Stated(t, Decimal(0), 0)       # a dash for nothing
    value = parse_number(t.replace(",", ""))
    return Stated(t, value.value, value.places) if value else None      # the text as printed (2,946.25)


def _entries(cells: list[tuple[float, float, str]], row_numbers: bool = False) -> list[Entry]:
    """Split a line's cells into entries: [codes] label amounts… [label amounts…].
    ``row_numbers``: the table has a 行次 column, so a small whole number
    right after a label is its 行次, not an amount."""
    out: list[Entry] = []
    code, label, amounts = [], [], []
    start = None
    numbered = False                          # the entry's 行次 was passed: a label after it starts another

    def close():
        if label or amounts:
            out.append(Entry("".join(code), "".join(label), list(amounts), start or 0.0))

    for x0, x1, t in cells:
        t = t.strip()
        if not t:
            continue
        m = _CODE_LINE.match(t)
        if m and not label and not amounts:
            code += [g for g in m.groups() if g]
            start = x0 if start is None else start
            continue
        if _CODE.match(t) and not label and not amounts:
            code.append(t)
            start = x0 if start is None else start
            continue
        value = _amount(t)
        if value is not None and row_numbers and label and not amounts and re.fullmatch(r"\d{1,3}", t):
            numbered = True
            continue
        if value is not None and (label or code or amounts):
            amounts.append((x0, x1, value))
            continue
        if value is not None:
            continue                          # a bare number before any label: a 序号 / 行次
        if amounts or numbered:               # a new label after amounts (or 行次): the right half
            close()
            code, label, amounts, start, numbered = [], [], [], None, False
        label.append(t)
        start = x0 if start is None else start
    close()
    return out


def tables(doc: Document) -> list[Table]:
    """The document's tables (read once per document)."""
    if "tables" in doc.cache:
        return doc.cache["tables"]
    out = _pdf_tables(doc) if doc.grid else _grid_tables(doc)
    doc.cache["tables"] = out
    return out


def _pdf_tables(doc: Document) -> list[Table]:
    out: list[Table] = []
    cur: Table | None = None
    numbered = False
    for g in doc.grid:
        text = "".join(g.texts)
        loc = f"第{g.page}页"
        if len(g.cells) <= 2 and _TITLE.match(re.sub(r"\s+", "", text)) and len(text) <= 50:
            cur = Table(re.sub(r"\s+", "", text), None, loc)
            out.append(cur)
            numbered = False
            continue
        if cur is None:
            continue
        u = _UNIT.search(re.sub(r"\s+", "", text))
        if u and cur.unit is None:
            cur.unit = u.group(1)
            continue
        numbered = numbered or any(re.sub(r"\s+", "", t) in ("行次", "栏次") for t in g.texts)
        entries = _entries(g.cells, numbered)
        if not entries and all(_amount(t) is not None for t in g.texts) \
                and not (numbered and all(re.fullmatch(r"\d{1,3}", t) for t in g.texts)):
            # the amounts of a row whose label is on the line below or above (wrapped)
            entries = [Entry("", "", [(x0, x1, _amount(t)) for x0, x1, t in g.cells], g.cells[0][0])]
        if entries:
            cur.lines.append(Line(entries, loc, g.top, g.bottom))
    for t in out:
        t.lines = _merge_orphans(t.lines)
    return out


def _merge_orphans(lines: list[Line]) -> list[Line]:
    """A line of amounts with no label (the figures of a row whose label
    wrapped onto two printed lines) joins the vertically nearer neighbour
    that has a label, in the same page."""
    orphans = [all(not e.label and not e.code for e in ln.entries) for ln in lines]
    merged = set()
    for i, ln in enumerate(lines):
        if not orphans[i]:
            continue
        best, dist = None, None
        for j in (i - 1, i + 1):
            if 0 <= j < len(lines) and not orphans[j] and lines[j].loc == ln.loc:
                d = abs((lines[j].top + lines[j].bottom) / 2 - (ln.top + ln.bottom) / 2)
                if dist is None or d < dist:
                    best, dist = j, d
        if best is not None and dist < 2.5 * max(ln.top - ln.bottom, 1):
            entries = lines[best].entries
            for a in (a for e in ln.entries for a in e.amounts):
                # each amount to the entry that starts last before it (収入 | 支出 halves)
                left = [e for e in entries if e.x <= a[0]]
                target = left[-1] if left else entries[0]
                target.amounts = sorted(target.amounts + [a], key=lambda x: x[0])
            merged.add(i)
    return [ln for i, ln in enumerate(lines) if i not in merged]


def _grid_tables(doc: Document) -> list[Table]:
    """Tables of a .docx: title from the paragraph before, columns by grid index."""
    out: dict[int, Table] = {}
    last_par = ""
    unit = None
    rows_by_table: dict[int, list] = {}
    for r in doc.rows:
        rows_by_table.setdefault(r.table, []).append(r)
    seen = set()
    for u in doc.units:
        if u.table is None:
            t = re.sub(r"\s+", "", u.text)
            if _TITLE.match(t):
                last_par, unit = t, None
            m = _UNIT.search(t)
            if m:
                unit = m.group(1)
            continue
        if u.table in seen or not last_par:
            continue
        seen.add(u.table)
        table = Table(last_par, unit, u.loc)
        rows = rows_by_table.get(u.table, [])
        numbered = any(re.sub(r"\s+", "", t) in ("行次", "栏次") for r in rows for t in r.texts)
        for r in rows:
            texts = r.texts
            joined = "".join(texts)
            m = _UNIT.search(re.sub(r"\s+", "", joined))
            if m and table.unit is None:
                table.unit = m.group(1)
            cells = [(float(k), float(k) + 0.9, t) for k, t in enumerate(texts) if t]
            entries = _entries(cells, numbered)
            if entries:
                table.lines.append(Line(entries, r.loc))
        out[u.table] = table
    return list(out.values())


def _span_in(value: Stated, unit: str, to: str) -> Span:
    return value.span().scaled(_SCALE[unit] / _SCALE[to])


#: the unit's whole 收入预算 / 支出预算: the bare words, or after the unit's name ("…办事处收入预算")
_UNIT_TOTAL = re.compile(r"(?:^|(?:局|院|处|中心|委员会|街道|镇|乡|厅|所|站|馆|校|学|会|室|队|社|办|部门|单位|本部门|本单位))"
                         r"(?P<what>收入|支出)预算$")


def check_text_vs_tables(doc: Document) -> list[Finding]:
    """A total named in the text against the 总计/合计 row of its table."""
    out = []
    totals: dict[str, list[tuple[Table, Entry, Line]]] = {}
    for t in tables(doc):
        if t.unit is None:
            continue
        closing = [(e, ln) for ln in t.lines for e in ln.entries if e.key in ("总计", "合计") and e.amounts]
        for ln in t.lines:
            for e in ln.entries:
                if not e.amounts or not re.search(r"(总计|合计)$", e.key) or len(t.stem) < 4:
                    continue
                totals.setdefault(t.stem + e.key, []).append((t, e, ln))
        if len(closing) == 1 and len(t.stem) >= 6:      # 一般公共预算财政拨款支出决算表 → its 合计
            totals.setdefault(t.stem, []).append((t, closing[0][0], closing[0][1]))
        if re.search(r"财务收支|收支预算|收支决算", t.title) and "财政拨款" not in t.title:
            # 部门财务收支预算总表: its 收入总计 / 支出总计 are the unit's 收入预算 / 支出预算
            for ln in t.lines:
                for e in ln.entries:
                    if e.key in ("收入总计", "支出总计") and e.amounts:
                        totals.setdefault("@" + e.key[:2], []).append((t, e, ln))
    if not totals:
        return out
    for m in mentions(doc):
        if m.unit not in _SCALE or m.target or m.kind in (CHANGE, RATE, SHARE, PRIOR):
            continue
        hits = totals.get(m.key)
        whole_unit = _UNIT_TOTAL.search(m.key)
        if not hits and whole_unit:
            hits = totals.get("@" + whole_unit.group("what"))
        if not hits:
            continue
        t, e, ln = hits[0]
        value = e.amounts[0][2]
        if any(h[1].amounts[0][2].value != value.value for h in hits[1:]):
            continue                                   # two tables of that name disagree
        table_span = _span_in(value, t.unit, m.unit)
        verdict = _compare(m.stated, table_span.value)
        if verdict is None:
            continue
        expected = shown(table_span.value, m.stated.places, m.unit)
        out.append(finding(doc, m.start, "文表不符",
                           f"“{m.label}”应为{t.title}“{e.label}”行 {value.text}{t.unit}（{ln.loc}）",
                           _sentence_quote(doc, m.start, m.end), m.stated.text + m.unit, expected,
                           N.fixed(m.stated.value - table_span.value, max(m.stated.places, 2)) + m.unit,
                           verdict))
    return out


def _compare(stated: Stated, exact: Decimal) -> str | None:
    """One figure printed in the text against the same figure in a table
    (converted to the text's unit): None when the text is its half-up
    rounding; 提示 when it is its truncation or one unit of the last printed
    decimal away (尾差); otherwise 错误."""
    if N.quantize(exact, stated.places) == stated.value:
        return None
    one = Decimal(1).scaleb(-stated.places)
    if truncate(exact, stated.places) == stated.value or (stated.places and abs(stated.value - exact) <= one):
        return NOTE
    return ERROR


def _overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def check_table_sums(doc: Document) -> list[Finding]:
    """The 类 rows of a table against its 合计 row, column by column."""
    out = []
    for t in tables(doc):
        total = next(((e, ln) for ln in t.lines for e in ln.entries if e.key == "合计" and e.amounts
                      and not e.code), None)
        classes = [(e, ln) for ln in t.lines for e in ln.entries if len(e.code) == 3 and e.label]
        if total is None or len(classes) < 2:
            continue
        codes = [e.code for e, _ in classes]
        if len(set(codes)) != len(codes):
            continue                                   # a 类 twice: two blocks, not one list
        te, tln = total
        for x0, x1, tv in te.amounts:
            parts = []
            for e, _ in classes:
                col = [a for a in e.amounts if _overlaps((a[0], a[1]), (x0, x1))]
                if len(col) > 1:
                    parts = None
                    break
                if col:
                    parts.append(col[0][2])
            if not parts or len(parts) < 2:
                continue
            places = max(p.places for p in parts)
            s = sum((p.value for p in parts), Decimal(0))
            if s == tv.value:
                continue
            half = sum((_half(p) for p in parts), Decimal(0)) + _half(tv)
            diff = s - tv.value
            if abs(diff) <= half:
                severity, what = NOTE, "尾差（各行舍入所致）"
            elif diff > 0:
                severity, what = SUSPECT, "各类之和大于合计"
            else:
                continue
            expr = "＋".join(p.text for p in parts)
            out.append(Finding(doc.path, tln.loc, TAIL if severity == NOTE else "表内合计",
                               f"{t.title}：各类之和 {expr} ＝ {N.fixed(s, places)}{t.unit or ''}，"
                               f"合计行为 {tv.text}；{what}",
                               f"{t.title} 合计 {tv.text}", tv.text, N.fixed(s, places),
                               N.fixed(tv.value - s, places), severity))
    return out


def check_cross_tables(doc: Document) -> list[Finding]:
    """One 科目 one cent apart between two tables: 尾差 (提示)."""
    out = []
    firsts: dict[str, list[tuple[Table, Entry, Line]]] = {}
    for t in tables(doc):
        for ln in t.lines:
            for e in ln.entries:
                if not e.amounts or len(e.key) < 4 or e.key in ("总计", "合计"):
                    continue
                if e.code and len(e.code) != 3:
                    key = e.code + e.key
                elif e.key.endswith("支出") or e.code:
                    key = e.key                      # a 类: its name is its identity
                else:
                    continue
                firsts.setdefault(key, []).append((t, e, ln))
    reported = set()
    for key, hits in firsts.items():
        for i, (t1, e1, l1) in enumerate(hits):
            for t2, e2, l2 in hits[i + 1:]:
                if t1 is t2 or t1.unit != t2.unit or t1.unit is None or t1.side(e1) != t2.side(e2):
                    continue
                a, b = e1.amounts[0][2], e2.amounts[0][2]
                if a.places != b.places or a.places == 0:
                    continue
                if abs(a.value - b.value) == Decimal(1).scaleb(-a.places) and (key, b.text) not in reported:
                    reported.add((key, b.text))
                    out.append(Finding(doc.path, l2.loc, "表间尾差",
                                       f"“{e2.label}”在{t2.title}为 {b.text}{t2.unit}，在{t1.title}为 "
                                       f"{a.text}{t1.unit}（{l1.loc}），相差一分（尾差）",
                                       f"{t2.title} {e2.label} {b.text}", b.text, a.text,
                                       N.fixed(b.value - a.value, a.places), NOTE))
    return out


_ITEM_PATH = re.compile(r"(?P<lei>[\u4e00-\u9fff][\u4e00-\u9fff、\n ]{1,21}?)\s*（类）\s*"
                        r"(?P<kuan>[\u4e00-\u9fff][\u4e00-\u9fff、\n ]{1,21}?)\s*（款）\s*"
                        r"(?P<xiang>[\u4e00-\u9fff][\u4e00-\u9fff、\n ]{1,25}?)\s*（项）")


def _heading(doc: Document, pos: int) -> str:
    """The text of the heading that opens the section around ``pos``."""
    sec = doc.unit_at(pos).section
    first = next((u for u in doc.units if u.section == sec), None)
    return re.sub(r"\s+", "", first.text) if first else ""


def _item_row(t: Table, lei: str, kuan: str, xiang: str) -> Entry | None:
    """The 项 row of ``lei/kuan/xiang`` in a table with 科目 codes."""
    entries = [e for ln in t.lines for e in ln.entries if e.amounts]
    c1 = [e for e in entries if len(e.code) == 3 and e.key == lei]
    if len(c1) != 1:
        return None
    c2 = [e for e in entries if len(e.code) == 5 and e.code.startswith(c1[0].code) and e.key == kuan]
    if len(c2) != 1:
        return None
    c3 = [e for e in entries if len(e.code) == 7 and e.code.startswith(c2[0].code) and e.key == xiang]
    return c3[0] if len(c3) == 1 else None


def check_items_vs_table(doc: Document) -> list[Finding]:
    """In a 决算 情况说明, each ``…（类）…（款）…（项）`` item's 支出决算 against
    the 合计 column of its 项 row in the table its section names
    (“一般公共预算财政拨款支出决算具体情况” → 一般公共预算财政拨款支出决算表,
    上海 部门决算 样张 第三部分 五(三)).  The row is found by its 类, 款
    and 项 names and codes; its first amount is used only when it is the sum
    of the others (the 合计 column).  One unit of the last decimal apart is
    提示 (尾差), more is 错误."""
    out = []
    own = document_year(doc)
    if own is None or own[1] != "决算":
        return out
    ts = [t for t in tables(doc) if t.unit]
    ms = mentions(doc)
    s = doc.stream
    paths = list(_ITEM_PATH.finditer(s))
    for i, p in enumerate(paths):
        heading = _heading(doc, p.start())
        named = [t for t in ts if len(t.stem) >= 6 and t.stem in heading]
        if not named:
            continue
        t = max(named, key=lambda x: len(x.stem))
        row = _item_row(t, label_key(p.group("lei")), label_key(p.group("kuan")), label_key(p.group("xiang")))
        if row is None:
            continue
        first, rest = row.amounts[0][2], [a[2] for a in row.amounts[1:]]
        if rest and sum((r.value for r in rest), Decimal(0)) != first.value:
            continue
        stop = paths[i + 1].start() if i + 1 < len(paths) else len(s)
        subject = doc.unit_at(p.start())
        actual = next((m for m in ms if p.end() <= m.start < stop and m.unit in _SCALE and m.kind == "actual"
                       and "决算" in m.label and (doc.unit_at(m.start).section == subject.section)), None)
        if actual is None:
            continue
        table_span = _span_in(first, t.unit, actual.unit)
        verdict = _compare(actual.stated, table_span.value)
        if verdict is None:
            continue
        out.append(finding(doc, actual.start, "文表不符",
                           f"“{p.group('xiang')}（项）”{actual.label}应为{t.title}{row.code}“{row.label}”"
                           f"合计 {first.text}{t.unit}",
                           _sentence_quote(doc, actual.start, actual.end), actual.stated.text + actual.unit,
                           shown(table_span.value, actual.stated.places, actual.unit),
                           N.fixed(actual.stated.value - table_span.value, max(actual.stated.places, 2))
                           + actual.unit, verdict))
    return out


def _half(value: Stated) -> Decimal:
    """Half a unit of the last printed digit; a whole 元 amount of a table is
    itself rounded from 分, so ±0.5."""
    return value.half if value.places else Decimal("0.5")


def _grid_source(doc: Document) -> bool:
    """The tables come from a .docx grid (every row read), not a PDF page."""
    return not doc.grid


def check_row_totals(doc: Document) -> list[Finding]:
    """A table whose rows each print their total first and its parts after
    (合计 | 基本支出 | 项目支出; 合计 | 财政拨款 | 其他收入 …) — recognised from
    the rows themselves, when at least four rows add up exactly and they
    outnumber the others three to one — is checked row by row: a row whose
    parts do not add up to its first amount is 错误, 提示 within the
    rounding of its printed parts."""
    out = []
    for t in tables(doc):
        grid = _grid_source(doc)          # on a PDF page only rows that carry their code are sure rows
        rows = [(e, ln) for ln in t.lines for e in ln.entries if len(e.amounts) >= 2 and len(ln.entries) == 1
                and (grid or e.code)]
        verdicts = []
        for e, ln in rows:
            first, rest = e.amounts[0][2], [a[2] for a in e.amounts[1:]]
            diff = first.value - sum((r.value for r in rest), Decimal(0))
            half = _half(first) + sum((_half(r) for r in rest), Decimal(0))
            verdicts.append((e, ln, first, rest, diff, half))
        # recognised by rows with two parts or more (one part equal to its total proves nothing:
        # a score table's 分值 | 得分 at full marks)
        if any(re.search(r"得分|分值|权重", e.label) for ln in t.lines for e in ln.entries):
            continue                                    # a score table: 分值 | 得分 are no total and parts
        good = sum(1 for v in verdicts if abs(v[4]) <= v[5] and len(v[3]) >= 2)
        bad = [v for v in verdicts if v[4] != 0]
        if good < 4 or good < 3 * len(bad):
            continue
        for e, ln, first, rest, diff, half in bad:
            severity = NOTE if abs(diff) <= half else ERROR
            places = max(p.places for p in [first] + rest)
            total_ = first.value - diff
            out.append(Finding(doc.path, ln.loc, TAIL if severity == NOTE else "表内合计",
                               f"{t.title}“{e.label or e.code}”行：{'＋'.join(r.text for r in rest)}＝"
                               f"{N.fixed(total_, places)}，该行合计栏为{first.text}"
                               + ("；尾差（各栏舍入所致）" if severity == NOTE else ""),
                               f"{t.title} {e.label} {' '.join(a[2].text for a in e.amounts)}", first.text,
                               N.fixed(total_, places), N.fixed(diff, places), severity))
    return out


def check_hierarchy(doc: Document) -> list[Finding]:
    """A 支出功能分类 类 row (three-digit code 2xx) against the 款 rows under it
    (five digits) and a 款 against its 项 (seven digits), first amount column: a 类 is the
    sum of its 款 (财政部 政府收支分类科目).  错误 beyond the rounding of the
    printed rows, 提示 within it; in a table read from a PDF page, children
    short of their parent are 疑似 (a row may not have been read)."""
    out = []
    strict = _grid_source(doc)
    for t in tables(doc):
        # 支出功能分类 codes (2xx): an economic-classification table (3xx) pairs its columns differently
        coded = [(e, ln) for ln in t.lines for e in ln.entries if e.code.startswith("2") and e.amounts]
        codes = [e.code for e, _ in coded]
        if len(set(codes)) != len(codes):
            continue
        for parent, pln in coded:
            if len(parent.code) not in (3, 5):
                continue
            kids = [e for e, _ in coded if len(e.code) == len(parent.code) + 2 and e.code.startswith(parent.code)]
            if not kids:
                continue
            top = parent.amounts[0][2]
            s = sum((k.amounts[0][2].value for k in kids), Decimal(0))
            if s == top.value:
                continue
            half = _half(top) + sum((_half(k.amounts[0][2]) for k in kids), Decimal(0))
            if abs(s - top.value) <= half:
                severity = NOTE
            elif s > top.value or strict:
                severity = ERROR
            else:
                severity = SUSPECT
            places = max(k.amounts[0][2].places for k in kids + [parent])
            level = "款" if len(parent.code) == 3 else "项"
            out.append(Finding(doc.path, pln.loc, TAIL if severity == NOTE else "表内合计",
                               f"{t.title}：{parent.code}“{parent.label}”{top.text}，其下各{level}之和"
                               f"{'＋'.join(k.amounts[0][2].text for k in kids)}＝{N.fixed(s, places)}"
                               + ("；尾差（各行舍入所致）" if severity == NOTE else ""),
                               f"{t.title} {parent.code} {parent.label} {top.text}", top.text, N.fixed(s, places),
                               N.fixed(top.value - s, places), severity))
    return out
