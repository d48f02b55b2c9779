"""The 部门决算公开 document: its 情况说明 figures and its display context.

:mod:`reportgen.compute.final_accounts` derives the ten tables in 元; this module
formats them, once, for the two places they appear:

* :func:`narrative_figures` — the figures of the 情况说明 sentences
  (``fa`` in the pack's ``sentences.yaml``): amounts in 万元 (2 dp, half-up,
  from 元), shares and 与上年相比 rates computed from unrounded 元 (2 dp);
  shares of one whole add up to 100.00% by the largest-remainder rule
  (:func:`reportgen.numbers.shares_percent`); 增加/减少 and 增长/下降 by sign.
* :func:`disclosure_form` — the .docx context: the 公开表 in 元 or 万元
  (the form's ``family: final_accounts`` table, ``money``) with thousands separators (an empty
  cell for zero, as the official tables), the 情况说明 as sections of
  paragraphs, and the 名词解释.  What differs between one region's 公开表 and
  another's is the form's :class:`TableLayout`, read from ``pack.yaml``.
* :func:`whole_evaluation_form` — the 部门（单位）整体支出预算绩效自评表.

Sources: rubrics.md §6.1 (tables), §6.2 (sentence definitions), §6.3
(名词解释), seed 002 (layout).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from reportgen import numbers as N
from reportgen.compute.derive import fund_total
from reportgen.compute.final_accounts import (FA, FISCAL_TYPES, NARRATIVE_INCOME_ITEMS, SPENDING_KEYS,
                             SUMMARY_INCOME_ROWS, CodeRow, FinalAccounts, build, classification)
from reportgen.unitfile.schema import INCOME_SOURCES, SPENDING_KINDS, VEHICLE_TYPES
from reportgen.unitfile.validate import Unit
from reportgen.forms.cells import date_text as _date, merge_flags, paragraph_list

#: 三公 items as the 情况说明 names them, with the schema items each covers.
THREE_PUBLIC_ITEMS = (("reception", "公务接待费", ("reception",)),
                      ("overseas", "因公出国（境）费", ("overseas",)),
                      ("vehicles", "公务用车购置及运行维护费", ("vehicle_purchase", "vehicle_operation")))


def change(now: Decimal, prior: Decimal | None) -> dict | None:
    """A 与上年相比 change: ``word`` 增加/减少/持平, ``trend`` 增长/下降/持平,
    ``amount`` |Δ| in 万元 (2 dp), ``rate`` |Δ|/上年 (2 dp %, None when the
    prior year is 0).  None without a prior-year figure."""
    if prior is None:
        return None
    delta = now - prior
    sign = (delta > 0) - (delta < 0)
    return {"sign": sign,
            "word": {1: "增加", -1: "减少", 0: "持平"}[sign],
            "trend": {1: "增长", -1: "下降", 0: "持平"}[sign],
            "amount": N.wan(abs(delta)),
            "rate": N.percent(abs(delta) / prior) if prior else None}


def _items_with_shares(items: list[tuple[str, Decimal]]) -> list[dict]:
    """Each item's amount (万元) and share; ``zero`` marks an item with no
    amount (a sentence names it as 无…), ``tiny`` one whose share rounds to
    0.00% (printed 不足0.01%, not "占比0.00%" beside a non-zero amount), and
    ``tiny_amount`` one whose 万元 round to 0.00 (printed 不足0.01万元);
    ``value`` the amount in 元 (Decimal) for a pack's own arithmetic."""
    shares = N.shares_percent([a for _, a in items])
    return [{"name": name, "amount": N.wan(a), "value": a, "zero": not a, "tiny_amount": bool(a) and N.wan(a) == "0.00",
             "tiny": bool(a) and s is not None and N.fixed(s) == "0.00",
             "share": (N.fixed(s) + "%") if shares is not None else N.NOT_APPLICABLE}
            for (name, a), s in zip(items, shares or [None] * len(items))]


def _ratio(a: Decimal, b: Decimal) -> str:
    return N.percent(a / b) if b else N.NOT_APPLICABLE


def _three_public(u: Unit) -> dict:
    g = u.get

    def col(keys, column):
        vals = [g(f"three_public.items.{k}.{column}") for k in keys]
        return None if any(v is None for v in vals) else sum(vals, N.ZERO)

    all_keys = ("vehicle_purchase", "vehicle_operation", "overseas", "reception")
    budget, actual, prior = (col(all_keys, c) for c in ("budget", "actual", "prior_actual"))
    # ``no_budget`` / ``no_spending``: a zero the sentence states in words
    # (未安排预算 / 未发生支出) rather than as "完成预算的不适用"
    out = {"budget": N.wan(budget), "actual": N.wan(actual),
           "rate": _ratio(actual, budget) if None not in (actual, budget) else None,
           "no_budget": not budget, "no_spending": not actual,
           "change": change(actual, prior) if actual is not None else None, "items": {}}
    for key, name, keys in THREE_PUBLIC_ITEMS:
        b, a, p = (col(keys, c) for c in ("budget", "actual", "prior_actual"))
        out["items"][key] = {"name": name, "budget": N.wan(b), "actual": N.wan(a),
                             "rate": _ratio(a, b) if None not in (a, b) and b else None,
                             "no_budget": not b, "no_spending": not a,
                             "change": change(a, p) if a is not None else None}
    v = out["items"]["vehicles"]
    v["operation"] = N.wan(g("three_public.items.vehicle_operation.actual"))
    v["purchase"] = N.wan(g("three_public.items.vehicle_purchase.actual"))
    v["no_operation"] = not g("three_public.items.vehicle_operation.actual")
    v["no_purchase"] = not g("three_public.items.vehicle_purchase.actual")
    v["purchased"] = g("three_public.vehicles_purchased")
    r, o = out["items"]["reception"], out["items"]["overseas"]
    r["batches"], r["visitors"] = g("three_public.reception_batches"), g("three_public.reception_visitors")
    o["groups"], o["visitors"] = g("three_public.overseas_groups"), g("three_public.overseas_visitors")
    return out


_NOTHING = ("", "无", "尚未发现", "暂无")


def _project_summaries(u: Unit, annexes) -> list[dict]:
    out = []
    for pf in annexes:
        card, pu = pf.card, pf.unit
        if card is None or pf.form.each != "projects":
            continue
        budget, spent = fund_total(pu, "adjusted_budget"), fund_total(pu, "spent")
        problems = pu.get("texts.problems", "").strip()
        improvements = pu.get("texts.improvements", "").strip()
        out.append({"name": pu.get("name"), "score": N.score(card.total), "grade": card.grade,
                    "budget": N.wan(budget), "spent": N.wan(spent), "rate": _ratio(spent, budget),
                    "no_budget": not budget,
                    "achievements": _achievements(pu),
                    "problems": "" if problems in _NOTHING else problems.rstrip("。") + "。",
                    "improvements": "" if improvements in _NOTHING else improvements.rstrip("。") + "。"})
    return out


def _achievements(pu: Unit) -> str:
    """一是…；二是…；三是…。 from a project's 实施/产出/效益 analyses.

    Parts are joined by "；" only when each is one sentence; a part that
    holds a "。" of its own ends with "。" and so do the others ("一是A。B。
    二是C。"), so a "；" never follows a full stop."""
    texts = [pu.get(f"texts.{k}", "").strip().rstrip("。；;，,") for k in
             ("implementation", "output_analysis", "benefit_analysis")]
    texts = [t for t in texts if t]
    order = "一二三四五"
    parts = [f"{order[i]}是{t}" for i, t in enumerate(texts)]
    if any("。" in t for t in texts):
        return "".join(p + "。" for p in parts)
    return "；".join(parts) + ("。" if parts else "")


def _items(rows: list[CodeRow]) -> list[dict]:
    """The 项 rows of a table for a 项-by-项 account: ``code``, the names of
    its 类/款/项, ``amount`` (万元) and ``value`` (元) of its 本年支出, and
    ``income`` (万元) of its 本年收入 (政府性基金/国有资本经营 tables)."""
    names = {r.code: r.name for r in rows}
    out = []
    for r in rows:
        if r.level != 3:
            continue
        value = sum((r[k] for k in SPENDING_KEYS), N.ZERO)
        out.append({"code": r.code, "class_name": names.get(r.code[:3], ""), "section_name": names.get(r.code[:5], ""),
                    "name": r.name, "value": value, "amount": N.wan(value), "income": N.wan(r["income"])})
    return out


def narrative_figures(u: Unit, fa: FinalAccounts, annexes=()) -> dict:
    """The 情况说明 figures (``fa`` in sentence patterns); see the module doc.

    ``annexes`` are the prepared project and 整体支出 forms whose scores §九(四)
    cites, so the narrative and the annexed tables cannot disagree.

    Besides the printed figures, ``*_value`` and each item's ``value`` hold
    the amount in 元 (Decimal), so a pack's pattern can compare or take its
    own shares (filter ``percent_of``): ``income_value``, ``spending_value``,
    ``gb_value``; ``gb_items`` are the 一般公共预算 项 rows (``code``,
    ``class_name``, ``section_name``, ``name``, ``amount``, ``value``) for
    a 项-by-项 account; ``total_change`` compares 收入支出总计 with
    ``prior_year.total``; ``capital`` is 国有资本经营 as ``fund`` is 政府性基金,
    each with its 项 ``items`` (as ``gb_items``, plus ``income``);
    ``basic.personnel_sections``/``public_sections`` the 款 with 基本支出.
    """
    g = u.get
    prior = lambda k: g(f"{FA}.prior_year.{k}")  # noqa: E731
    gb_total, gb_rows = fa.general_budget
    gb = fa.fiscal_spending("general_budget")
    income_items = [(name, sum((fa.income[0][k] for k in keys), N.ZERO)) for name, keys in NARRATIVE_INCOME_ITEMS]
    spending_items = [(name, fa.spending[0][k]) for k, name in SPENDING_KINDS]
    classes = [(r, sum((r[k] for k in SPENDING_KEYS), N.ZERO)) for r in gb_rows if r.level == 1]
    classes = [(r, a) for r, a in classes if a]
    class_shares = N.shares_percent([a for _, a in classes]) or []
    cls = classification()
    personnel = [(r.name, r["basic"]) for r in fa.economic
                 if r.level == 1 and r.code in cls.economic_groups["人员经费"] and r["basic"]]
    public = [(r.name, r["basic"]) for r in fa.economic
              if r.level == 1 and r.code in cls.economic_groups["公用经费"] and r["basic"]]
    sections = {group: [{"code": r.code, "name": r.name, "amount": N.wan(r["basic"])} for r in fa.economic
                        if r.level == 2 and r.code[:3] in cls.economic_groups[group] and r["basic"]]
                for group in ("人员经费", "公用经费")}
    capital = fa.fiscal_spending("state_capital")
    capital_income = fa.fiscal_income("state_capital")
    gb_items = _items(gb_rows)
    fund = fa.fiscal_spending("government_fund")
    fund_income = fa.fiscal_income("government_fund")
    proc = [("政府采购货物支出", fa.procurement["goods"]), ("政府采购工程支出", fa.procurement["works"]),
            ("政府采购服务支出", fa.procurement["services"])]
    perf_funds = g(f"{FA}.performance.funds")
    whole = next((pf for pf in annexes if pf.card is not None and pf.form.scope), None)
    return {
        "prior_year": u.year - 1,
        "total": N.wan(fa.grand_total_income_side),
        "total_spending_side": N.wan(fa.grand_total_spending_side),
        "total_change": change(fa.grand_total_income_side, prior("total")),
        "income": N.wan(fa.income_total),
        "spending": N.wan(fa.spending_total),
        "income_value": fa.income_total,
        "spending_value": fa.spending_total,
        "income_change": change(fa.income_total, prior("income")),
        "spending_change": change(fa.spending_total, prior("spending")),
        "income_items": _items_with_shares(income_items),
        "spending_items": _items_with_shares(spending_items),
        "fiscal_total": N.wan(fa.fiscal_total),
        "fiscal_total_spending_side": N.wan(fa.fiscal_total_spending_side),
        "fiscal_change": change(fa.fiscal_total, prior("fiscal")),
        "gb": N.wan(gb),
        "gb_share": _ratio(gb, fa.spending_total),
        "gb_change": change(gb, prior("general_budget")),
        "gb_basic": N.wan(gb_total["basic"]),
        "gb_project": N.wan(gb_total["project"]),
        "gb_value": gb,
        "gb_items": gb_items,
        "classes": [{"code": r.code, "name": r.name, "amount": N.wan(a), "value": a, "share": N.fixed(s) + "%",
                     "note": g(f"{FA}.class_notes.{r.code}", "")}
                    for (r, a), s in zip(classes, class_shares)],
        "basic": {"total": N.wan(gb_total["basic"]),
                  "personnel": N.wan(fa.economic_total("人员经费")),
                  "public": N.wan(fa.economic_total("公用经费")),
                  "personnel_items": [{"name": n, "amount": N.wan(a)} for n, a in personnel],
                  "public_items": [{"name": n, "amount": N.wan(a)} for n, a in public],
                  "personnel_sections": sections["人员经费"], "public_sections": sections["公用经费"]},
        "three": _three_public(u),
        "fund": {"spending": N.wan(fund), "income": N.wan(fund_income), "none": not (fund or fund_income),
                 "items": _items(fa.government_fund[1]),
                 "change": change(fund, prior("government_fund"))},
        "capital": {"spending": N.wan(capital), "income": N.wan(capital_income),
                    "none": not (capital or capital_income), "items": _items(fa.state_capital[1])},
        "operating": {"amount": N.wan(fa.operating_costs_total),
                      "change": change(fa.operating_costs_total, prior("operating_costs"))},
        "procurement": {"total": N.wan(fa.procurement_total), "none": not fa.procurement_total,
                        "items": _items_with_shares(proc)},
        "vehicles": {"total": fa.vehicles_total,
                     "types": [{"name": name, "count": fa.vehicles[k]} for k, name in VEHICLE_TYPES],
                     "general_equipment": fa.general_equipment, "special_equipment": fa.special_equipment,
                     "notes": g(f"{FA}.vehicle_notes", "")},
        "performance": {"provincial": g(f"{FA}.performance.provincial_projects"),
                        "city": g(f"{FA}.performance.city_projects"),
                        "funds": N.wan(perf_funds) if perf_funds is not None else None,
                        "share": _ratio(perf_funds, gb_total["project"]) if perf_funds is not None else None,
                        "summary": g(f"{FA}.performance.summary", ""),
                        "whole_score": N.score(whole.card.total) if whole else None,
                        "whole_grade": whole.card.grade if whole else None,
                        "whole_unit": whole.unit.get("unit_name") if whole else None,
                        "projects": _project_summaries(u, annexes)},
        "reasons": {k: g(f"{FA}.reasons.{k}", "") for k in
                    ("totals", "fiscal", "general_budget", "three_public", "reception", "vehicles",
                     "government_fund", "operating_costs")},
        "other_matters": g(f"{FA}.other_matters", ""),
    }


# --------------------------------------------------------------------------
# The .docx context


#: 公开04 rows under 年初财政拨款结转和结余 unless a form names them.
FISCAL_OPENING_LABELS = ("\u3000\u3000一般公共预算财政拨款", "\u3000\u3000政府性基金预算财政拨款",
                         "\u3000\u3000国有资本经营预算财政拨款")


@dataclass(frozen=True)
class TableLayout:
    """What a form's 公开表 look like: its ``tables:`` entry of ``family:
    final_accounts`` in ``pack.yaml`` (:mod:`reportgen.forms.tables`).

    ``money`` (``money_unit``) 元 or 万元: the unit every table amount prints in (2 dp,
    half-up from 元, thousands separators); ``economic_rows`` the 经济分类
    codes 公开06 prints, in order within each 类 (None: every 款 of the
    shipped 科目 under 人员经费/公用经费); ``public_columns`` how many column
    groups 公用经费 flows over in 公开06 (人员经费 takes one);
    ``fiscal_opening_labels`` the three 公开04 rows under 年初财政拨款结转和结余.
    """

    money_unit: str = "元"
    economic_rows: tuple[str, ...] | None = None
    public_columns: int = 3
    fiscal_opening_labels: tuple[str, str, str] = FISCAL_OPENING_LABELS

    def cell(self, value: Decimal) -> str:
        """A 公开表 amount, empty for zero (as published)."""
        return self.amount(value) if value else ""

    def amount(self, value: Decimal) -> str:
        """A 公开表 amount, zero printed as 0.00."""
        if self.money_unit == "万元":
            return N.fixed(N.yuan_to_wan(value), 2, grouping=True)
        return N.yuan(value)


#: Parameters of a ``final_accounts`` table, with what each must be (for the pack reader's messages).
TABLE_PARAMETERS = {
    "money": "元 或 万元",
    "economic_rows": "经济分类科目编码的列表（3 位类、5 位款）",
    "public_columns": "1–3 的整数",
    "fiscal_opening_labels": "三个行名的列表",
}


def table_layout(params: dict) -> tuple[TableLayout, list[tuple[str, str]]]:
    """Read the parameters of a ``final_accounts`` table; returns the layout and ``(key,
    problem)`` pairs for the pack reader to report at their lines (an unknown
    key, a value of the wrong kind, an 经济分类 code the shipped 科目 lacks)."""
    problems: list[tuple[str, str]] = []
    kwargs: dict = {}
    for key, value in (params or {}).items():
        if key not in TABLE_PARAMETERS:
            problems.append((key, f"未知的表格参数 '{key}'（可用: {', '.join(TABLE_PARAMETERS)}）"))
        elif key == "money":
            if value not in ("元", "万元"):
                problems.append((key, f"money 应为 元 或 万元，实为 '{value}'"))
            else:
                kwargs["money_unit"] = value
        elif key == "public_columns":
            if str(value) not in ("1", "2", "3"):
                problems.append((key, f"public_columns 应为 1、2 或 3，实为 '{value}'"))
            else:
                kwargs[key] = int(str(value))
        elif key == "fiscal_opening_labels" and not (
                isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value)):
            problems.append((key, "fiscal_opening_labels 应为三个行名的列表"))
        elif key == "economic_rows":
            codes = [str(c) for c in value] if isinstance(value, list) else None
            unknown = [c for c in codes or [] if c not in classification().economic]
            if codes is None or unknown:
                problems.append((key, f"economic_rows 应为经济分类科目编码的列表"
                                      f"{'，未知的编码: ' + ', '.join(unknown) if unknown else ''}"))
            else:
                kwargs[key] = tuple(codes)
        else:
            kwargs[key] = tuple(value) if isinstance(value, list) else value
    return TableLayout(**kwargs), problems


def _code_rows(table: tuple[CodeRow, list[CodeRow]], columns: tuple[tuple[str, ...], ...],
               layout: TableLayout) -> dict:
    """A 功能分类 table: the 合计 row and each 类/款/项 row with ``cells``: a
    leading column with the row's total (本年收入合计 / 本年支出合计 / 小计),
    then one per entry of ``columns``, each the sum of the keys it lists
    (公开02 prints the three 财政拨款 types as one 财政拨款收入).  A row's
    ``code`` is whole (2010601); ``codes`` its 类/款/项 parts for forms that
    print them in three columns (201 / 06 / 01)."""
    total, rows = table

    def cells(r: CodeRow) -> list[str]:
        values = [sum((r[k] for k in keys), N.ZERO) for keys in columns]
        return [layout.cell(v) for v in [sum(values, N.ZERO)] + values]

    return {"total": cells(total),
            "rows": [{"code": r.code, "codes": [r.code[:3], r.code[3:5], r.code[5:7]], "name": r.name,
                      "level": r.level, "cells": cells(r), "income": layout.cell(r["income"])}
                     for r in rows if not r.empty],
            "empty": total.empty}


#: Columns of the 功能分类 tables after their total column.
INCOME_COLUMNS = (tuple(k for k, _ in FISCAL_TYPES),) + tuple((k,) for k, _ in INCOME_SOURCES[3:])  # 公开02
SPENDING_COLUMNS = tuple((k,) for k in SPENDING_KEYS)                                          # 公开03
PART_COLUMNS = (("basic",), ("project",))                                                     # 05/08/09


def _table01(fa: FinalAccounts, layout: TableLayout) -> dict:
    cls = classification().classes
    spend = fa.class_spending()
    income = [(label, sum((fa.income[0][k] for k in keys), N.ZERO)) for label, keys in SUMMARY_INCOME_ROWS]
    numerals = _numerals(len(cls))
    rows = []
    for i, (code, name) in enumerate(cls):
        left = income[i] if i < len(income) else None
        rows.append({"in_label": f"{numerals[i]}、{left[0]}" if left else "", "in_line": str(i + 1),
                     "in_amount": layout.cell(left[1]) if left else "",
                     "out_label": f"{numerals[i]}、{name}", "out_line": str(len(cls) + 6 + i),
                     "out_amount": layout.cell(spend.get(code, N.ZERO))})
    n = len(cls)
    tail = [("本年收入合计", fa.income_total, "本年支出合计", fa.spending_total),
            ("使用非财政拨款结余", fa.non_fiscal_balance_used, "结余分配", fa.distribution),
            ("年初结转和结余", fa.opening_balance, "年末结转和结余", fa.closing_balance),
            ("", None, "", None),
            ("总计", fa.grand_total_income_side, "总计", fa.grand_total_spending_side)]
    for j, (il, ia, ol, oa) in enumerate(tail):
        rows.append({"in_label": il, "in_line": str(n + 1 + j),
                     "in_amount": layout.cell(ia) if ia is not None else "",
                     "out_label": ol, "out_line": str(2 * n + 6 + j),
                     "out_amount": layout.cell(oa) if oa is not None else "",
                     "bold": il in ("总计", "本年收入合计")})
    return {"rows": rows}


def _numerals(n: int) -> list[str]:
    digits = "零一二三四五六七八九"
    out = []
    for i in range(1, n + 1):
        tens, ones = divmod(i, 10)
        out.append((("" if tens == 1 else digits[tens]) + "十" if tens else "") + (digits[ones] if ones else ""))
    return out


def _table04(fa: FinalAccounts, layout: TableLayout) -> dict:
    cls = classification().classes
    n = len(cls)
    per_type = {k: fa.class_spending(k) for k, _ in FISCAL_TYPES}
    income = {k: fa.fiscal_income(k) for k, _ in FISCAL_TYPES}
    labels = ["一、一般公共预算财政拨款", "二、政府性基金预算财政拨款", "三、国有资本经营预算财政拨款"]
    numerals = _numerals(n)
    rows = []
    for i, (code, name) in enumerate(cls):
        amounts = [per_type[k].get(code, N.ZERO) for k, _ in FISCAL_TYPES]
        rows.append({"in_label": labels[i] if i < 3 else "", "in_line": str(i + 1),
                     "in_amount": layout.cell(income[FISCAL_TYPES[i][0]]) if i < 3 else "",
                     "out_label": f"{numerals[i]}、{name}", "out_line": str(n + 7 + i),
                     "out": [layout.cell(sum(amounts, N.ZERO))] + [layout.cell(a) for a in amounts]})
    spend = [fa.fiscal_spending(k) for k, _ in FISCAL_TYPES]
    closing = [fa.fiscal_closing[k] for k, _ in FISCAL_TYPES]
    opening = [fa.fiscal_opening[k] for k, _ in FISCAL_TYPES]
    four = lambda vals: [layout.cell(sum(vals, N.ZERO))] + [layout.cell(v) for v in vals]  # noqa: E731
    blank4 = ["", "", "", ""]
    labels = layout.fiscal_opening_labels
    tail = [("本年收入合计", sum(income.values(), N.ZERO), "本年支出合计", four(spend)),
            ("年初财政拨款结转和结余", sum(opening, N.ZERO), "年末财政拨款结转和结余", four(closing)),
            (labels[0], opening[0], "", blank4),
            (labels[1], opening[1], "", blank4),
            (labels[2], opening[2], "", blank4),
            ("总计", fa.fiscal_total, "总计", four([s + c for s, c in zip(spend, closing)]))]
    for j, (il, ia, ol, out) in enumerate(tail):
        rows.append({"in_label": il, "in_line": str(n + 1 + j), "in_amount": layout.cell(ia),
                     "out_label": ol, "out_line": str(2 * n + 7 + j), "out": out,
                     "bold": il in ("总计", "本年收入合计")})
    return {"rows": rows}


def _table06(fa: FinalAccounts, layout: TableLayout) -> dict:
    """公开06 in column groups: 人员经费 in the first, 公用经费 flowing over
    the other ``layout.public_columns`` (Shanxi: three; Shanghai: one), the
    form's ``economic_rows`` printed (default every 款 of the 科目) and any
    款 the unit gives beyond them, each with its amount and 其中：基本支出;
    ``codes`` are a row's 类/款 parts (301 / 01)."""
    cls = classification()
    given = {r.code: r for r in fa.economic}
    printed = layout.economic_rows or tuple(cls.economic)

    def entries(classes: tuple[str, ...]) -> list[dict]:
        out = []
        for c3 in classes:
            if c3 not in printed and not any(c.startswith(c3) for c in given):
                continue
            codes = [c3] + [c for c in printed if len(c) == 5 and c.startswith(c3)]
            codes += sorted(c for c in given if len(c) == 5 and c.startswith(c3) and c not in codes)
            for c in codes:
                r = given.get(c)
                out.append({"code": c, "codes": [c[:3], c[3:]], "name": cls.economic.get(c, r.name if r else ""),
                            "level": 1 if len(c) == 3 else 2,
                            "amount": layout.cell(r["amount"]) if r else "",
                            "basic": layout.cell(r["basic"]) if r else ""})
        return out

    personnel = entries(cls.economic_groups["人员经费"])
    public = entries(cls.economic_groups["公用经费"])
    k = layout.public_columns
    height = max(len(personnel), -(-len(public) // k))
    columns = [personnel] + [public[i * height:(i + 1) * height] for i in range(k)]
    blank = {"code": "", "codes": ["", ""], "name": "", "level": 0, "amount": "", "basic": ""}
    rows = [{"groups": [col[i] if i < len(col) else blank for col in columns]} for i in range(height)]
    return {"rows": rows,
            "personnel": {"amount": layout.cell(fa.economic_total("人员经费", "amount")),
                          "basic": layout.cell(fa.economic_total("人员经费"))},
            "public": {"amount": layout.cell(fa.economic_total("公用经费", "amount")),
                       "basic": layout.cell(fa.economic_total("公用经费"))}}


def _table07(u: Unit, layout: TableLayout) -> dict:
    def col(column):
        g = lambda k: u.get(f"three_public.items.{k}.{column}") or N.ZERO  # noqa: E731
        purchase, operation = g("vehicle_purchase"), g("vehicle_operation")
        overseas, reception = g("overseas"), g("reception")
        vehicles = purchase + operation
        return [layout.amount(v) for v in (overseas + vehicles + reception, overseas, vehicles, purchase,
                                           operation, reception)]
    return {"budget": col("budget"), "actual": col("actual")}


def _table10(fa: FinalAccounts, layout: TableLayout) -> dict:
    p = fa.procurement
    return {"procurement": [layout.cell(v) for v in (fa.procurement_total, p["goods"], p["works"], p["services"])],
            "operating": [layout.cell(fa.operating_costs["administrative"]),
                          layout.cell(fa.operating_costs["civil_service_managed"])],
            "vehicles_total": str(fa.vehicles_total),
            "vehicles": [{"name": f"{i + 1}.{name}", "line": str(8 + i),
                          "count": str(fa.vehicles[k]) if fa.vehicles[k] else ""}
                         for i, (k, name) in enumerate(VEHICLE_TYPES)],
            "general_equipment": str(fa.general_equipment) if fa.general_equipment else "",
            "special_equipment": str(fa.special_equipment) if fa.special_equipment else ""}


def _sections(outline, texts: dict[str, str]) -> list[dict]:
    """The 情况说明 as ``[{kind: heading|text, level, text}]`` in outline order;
    a section text's line breaks become separate paragraphs."""

    out = []
    for entry in outline:
        if entry.get("heading"):
            out.append({"kind": "heading", "level": int(entry.get("level") or 1), "text": entry["heading"]})
        if entry.get("text"):
            out += [{"kind": "text", "level": 0, "text": para}
                    for para in paragraph_list(texts.get(entry["text"], ""))]
    return out


def disclosure_form(u: Unit, card, texts: dict, form=None) -> dict:
    """Context of 部门决算公开.docx: ``t01``…``t10`` (see the helpers above;
    amounts in the ``money`` of the form's ``final_accounts`` table, empty for zero),
    ``sections`` (情况说明 per the form's outline), ``glossary`` (名词解释
    paragraphs), ``functions`` and ``composition`` (第一部分 概况
    paragraphs), ``units`` (部门决算单位构成 rows: number, name, note)."""
    fa, _ = build(u)
    layout = next((t.layout for t in (form.tables.values() if form is not None else ())
                   if t.family == "final_accounts"), TableLayout())
    fund = _code_rows(fa.government_fund, PART_COLUMNS, layout)
    capital = _code_rows(fa.state_capital, PART_COLUMNS, layout)
    return {
        "unit_name": u.name, "year": str(u.year),
        "prepared_on": u.get(f"{FA}.prepared_on", ""),
        "functions": paragraph_list(u.get("text.functions", "")),
        "composition": paragraph_list(u.get(f"{FA}.composition", "")),
        "units": [{"number": str(i), "name": u.get(f"{item}.name", ""), "note": u.get(f"{item}.note", "")}
                  for i, item in enumerate(u.items(f"{FA}.units"), 1)],
        "t01": _table01(fa, layout),
        "t02": _code_rows(fa.income, INCOME_COLUMNS, layout),
        "t03": _code_rows(fa.spending, SPENDING_COLUMNS, layout),
        "t04": _table04(fa, layout),
        "t05": _code_rows(fa.general_budget, PART_COLUMNS, layout),
        "t06": _table06(fa, layout),
        "t07": _table07(u, layout),
        "t08": {**fund, "income": layout.cell(fa.fiscal_income("government_fund")),
                "opening": layout.cell(fa.fiscal_opening["government_fund"]),
                "closing": layout.cell(fa.fiscal_closing["government_fund"])},
        "t09": {**capital, "income": layout.cell(fa.fiscal_income("state_capital")),
                "opening": layout.cell(fa.fiscal_opening["state_capital"]),
                "closing": layout.cell(fa.fiscal_closing["state_capital"])},
        "t10": _table10(fa, layout),
        "sections": _sections(form.outline if form else (), texts),
        "glossary": paragraph_list(texts.get("glossary", "")),
    }


def whole_evaluation_form(u: Unit, card, texts: dict, form=None) -> dict:
    """Context of the 部门（单位）整体支出预算绩效自评表 (``u`` scoped to
    ``whole_evaluation``; ``card`` its ProjectScore): header, 职能/重点任务
    rows (万元 2 dp), 年度绩效指标 rows with 一级/二级 merge flags, 评价得分
    and 评价等级."""

    def w(path):
        v = u.get(path)
        return N.wan(v) if v is not None else ""

    tasks = [{"function": u.get(f"{t}.function", ""), "task": u.get(f"{t}.task", ""),
              "status": u.get(f"{t}.status", ""),
              **{k: w(f"{t}.{k}") for k in ("budget", "budget_fiscal", "spent", "spent_fiscal")}}
             for t in u.items("tasks")]
    rows = []
    if card is not None:
        for si in card.indicators:
            p = si.reading.path
            rows.append({"level1": si.level1, "level2": si.level2, "name": si.reading.name,
                         "weight": N.plain(si.weight), "target": u.get(f"{p}.target", ""),
                         "actual": u.get(f"{p}.actual", ""), "score": N.plain(N.quantize(si.score))})
    for key in ("level1", "level2"):
        values = [r["level1"] + "|" + r[key] if key == "level2" else r[key] for r in rows]
        for r, flag in zip(rows, merge_flags(values)):
            r[f"{key}_merge"] = flag
    g = lambda k: u.get(k)  # noqa: E731
    return {
        "year": str(u.year),
        "unit_name": g("unit_name") or "",
        "internal_departments": str(g("internal_departments") if g("internal_departments") is not None else ""),
        "subordinate_units": str(g("subordinate_units") if g("subordinate_units") is not None else ""),
        "authorized": str(g("authorized") if g("authorized") is not None else ""),
        "in_service": str(g("in_service") if g("in_service") is not None else ""),
        "on_payroll": str(g("on_payroll") if g("on_payroll") is not None else ""),
        "contact": g("contact") or "", "phone": g("phone") or "",
        "started": _date(g("started")), "finished": _date(g("finished")),
        "score": N.plain(N.quantize(card.total)) if card else "",
        "grade": card.grade if card else "",
        "tasks": tasks, "indicators": rows,
    }
