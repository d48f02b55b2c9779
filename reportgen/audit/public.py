"""决算公开 cross-checks: the 情况说明 text against the 公开表 (rubrics.md §6.1,
§6.2, §6.4 #50–#52).

- 收入总计/支出总计 in the text against 公开01表 总计 (元 → 万元);
- 车辆 counts in the text (共有车辆, 其他用车, 公务用车保有量) against 公开10表;
- a project's amount in the text against its 绩效自评综述 (全年预算数 / 执行数).
"""

from __future__ import annotations

import re
from decimal import Decimal

from reportgen import numbers as N
from reportgen.audit.checks import _sentence_quote, finding
from reportgen.audit.figures import ERROR, NUM, SUSPECT, WS, parse_number
from reportgen.audit.findings import Finding
from reportgen.audit.read import Document
from reportgen.audit.text import mentions, sentence


_FORM_LABEL = re.compile(r"公开\s*\d{1,2}\s*表")


def table_value(doc: Document, label: str, after: str = "") -> tuple[Decimal, str] | None:
    """The value of a 公开表 row ``label | 行次 | value`` (text or grid),
    looking after the first occurrence of ``after``."""
    start = doc.stream.find(after) if after else 0
    if start < 0:
        return None
    # within that table only: up to the label of the next 公开表 (公开01表 … 公开02表)
    own = _FORM_LABEL.search(doc.stream, start, start + 200)
    nxt = _FORM_LABEL.search(doc.stream, own.end() if own else start + len(after))
    end = nxt.start() if nxt else len(doc.stream)
    pat = re.compile(rf"{label}[^\d\u2029\n]{{0,10}}?(?:[ \t]+|\u2029)(\d{{1,2}})(?:[ \t]+|\u2029)({NUM})(?![\d.,])")
    m = pat.search(doc.stream, start, end)
    if m is None:
        return None
    value = parse_number(m.group(2).replace(",", ""))
    return (value.value, doc.unit_at(m.start()).loc) if value else None


def check_public_tables(doc: Document) -> list[Finding]:
    out = []
    if "决算" not in doc.stream:
        return out
    ms = mentions(doc)
    grand = table_value(doc, "总计", "收入支出决算总表")
    if grand:
        yuan, where = grand
        for m in ms:
            if m.key in ("收入总计", "支出总计") and m.unit == "万元" \
                    and "财政拨款" not in doc.stream[sentence(doc, m.start)[0]:m.start]:
                wan = yuan / N.WAN
                if abs(m.stated.value - wan) > Decimal("0.01"):
                    out.append(finding(doc, m.start, "前后不一致",
                                       f"{m.key}应为公开01表“总计”{N.yuan(yuan)}元（{where}），"
                                       f"即{N.fixed(wan)}万元；此处数字与本年{m.key[:2]}合计相符时，应改称“本年{m.key[:2]}合计”",
                                       _sentence_quote(doc, m.start, m.end), m.stated.text + "万元",
                                       N.fixed(wan) + "万元", N.fixed(m.stated.value - wan) + "万元", ERROR))
    for label, keys, severity in (("车辆数合计", ("共有车辆", "车辆总数", "车辆数"), ERROR),
                                  ("车辆数合计", ("公务用车保有量",), SUSPECT),
                                  ("其他用车", ("其他用车",), ERROR)):
        row = table_value(doc, label, "相关信息统计表")
        if row is None:
            continue
        count, where = row
        for m in ms:
            if m.unit == "辆" and m.key.endswith(keys) and m.stated.value != count:
                if doc.unit_at(m.start).loc == where:
                    continue
                out.append(finding(doc, m.start, "前后不一致",
                                   f"“{m.label}”与公开10表“{label}”{N.plain(count)}辆（{where}）不一致",
                                   _sentence_quote(doc, m.start, m.end), m.stated.text + "辆",
                                   N.plain(count) + "辆", N.plain(m.stated.value - count) + "辆", severity))
    out += _project_amounts(doc, ms)
    return out


_SUMMARY = re.compile(r"(?P<name>[^，,。；;：:\d\u2029（）()]{2,30}?)项目?绩效自评综述[：:]")


def _project_amounts(doc: Document, ms) -> list[Finding]:
    out = []
    s = doc.stream
    for m in _SUMMARY.finditer(s):
        name = re.sub(r"^[\s、]+|项目$", "", m.group("name").strip())
        seg = s[m.end():m.end() + 200]
        b = re.search(rf"全年预算数?为?{WS}({NUM}){WS}万元", seg)
        a = re.search(rf"执行数为?{WS}({NUM}){WS}万元", seg)
        if not (b and a) or len(name) < 4:
            continue
        amounts = {parse_number(b.group(1)).value, parse_number(a.group(1)).value}
        for x in ms:
            if x.unit == "万元" and x.key == name and x.stated.value not in amounts:
                out.append(finding(doc, x.start, "前后不一致",
                                   f"“{name}”的绩效自评综述为全年预算{b.group(1)}万元、执行{a.group(1)}万元"
                                   f"（{doc.unit_at(m.start()).loc}）",
                                   _sentence_quote(doc, x.start, x.end), x.stated.text + "万元",
                                   a.group(1) + "万元", N.plain(x.stated.value - parse_number(a.group(1)).value)
                                   + "万元", ERROR))
    return out
