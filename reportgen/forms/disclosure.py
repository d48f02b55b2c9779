"""The 部门决算公开 document: its 情况说明 figures and its display context.

:mod:`reportgen.compute.final_accounts` derives the ten tables in 元; this module
formats them, once, for the two places they appear:

* :func:`narrative_figures` — the figures of the 情况说明 sentences
  (``fa`` in the pack's ``sentences.yaml``): amounts in 万元 (2 dp, half-up,
  from 元), shares and 与上年相比 rates computed from unrounded 元 (2 dp);
  shares of one whole add up to 100.00% by the largest-remainder rule
  (:func:`reportgen.numbers.shares_percent`); 增加/减少 and 增长/下降 by sign.
* :func:`disclosure_form` — the .docx context: the ten 公开表 in 元 with
  thousands separators (an empty cell for zero, as the official tables),
  the 情况说明 as sections of paragraphs, and the 名词解释.
* :func:`whole_evaluation_form` — the 部门（单位）整体支出预算绩效自评表.

Sources: rubrics.md §6.1 (tables), §6.2 (sentence definitions), §6.3
(名词解释), seed 002 (layout).
"""

from __future__ import annotations

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
    ``tiny_amount`` one whose 万元 round to 0.00 (printed 不足0.01万元)."""
    shares = N.shares_percent([a for _, a in items])
    return [{"name": name, "amount": N.wan(a), "zero": not a, "tiny_amount": bool(a) and N.wan(a) == "0.00",
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


def narrative_figures(u: Unit, fa: FinalAccounts, annexes=()) -> dict:
    """The 情况说明 figures (``fa`` in sentence patterns); see the module doc.

    ``annexes`` are the prepared project and 整体支出 forms whose scores §九(四)
    cites, so the narrative and the annexed tables cannot disagree.
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
        "income": N.wan(fa.income_total),
        "spending": N.wan(fa.spending_total),
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
        "classes": [{"code": r.code, "name": r.name, "amount": N.wan(a), "share": N.fixed(s) + "%",
                     "note": g(f"{FA}.class_notes.{r.code}", "")}
                    for (r, a), s in zip(classes, class_shares)],
        "basic": {"total": N.wan(gb_total["basic"]),
                  "personnel": N.wan(fa.economic_total("人员经费")),
                  "public": N.wan(fa.economic_total("公用经费")),
                  "personnel_items": [{"name": n, "amount": N.wan(a)} for n, a in personnel],
                  "public_items": [{"name": n, "amount": N.wan(a)} for n, a in public]},
        "three": _three_public(u),
        "fund": {"spending": N.wan(fund), "income": N.wan(fund_income), "none": not (fund or fund_income),
                 "change": change(fund, prior("government_fund"))},
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


def _cell(value: Decimal) -> str:
    """A 公开表 amount: 元 with separators, empty for zero (as published)."""
    return N.yuan(value) if value else ""


def _code_rows(table: tuple[CodeRow, list[CodeRow]], columns: tuple[tuple[str, ...], ...]) -> dict:
    """A 功能分类 table: the 合计 row and each 类/款/项 row with ``cells``: a
    leading column with the row's total (本年收入合计 / 本年支出合计 / 小计),
    then one per entry of ``columns``, each the sum of the keys it lists
    (公开02 prints the three 财政拨款 types as one 财政拨款收入)."""
    total, rows = table

    def cells(r: CodeRow) -> list[str]:
        values = [sum((r[k] for k in keys), N.ZERO) for keys in columns]
        return [_cell(v) for v in [sum(values, N.ZERO)] + values]

    return {"total": cells(total),
            "rows": [{"code": r.code, "name": r.name, "level": r.level, "cells": cells(r)}
                     for r in rows if not r.empty],
            "empty": total.empty}


#: Columns of the 功能分类 tables after their total column.
INCOME_COLUMNS = (tuple(k for k, _ in FISCAL_TYPES),) + tuple((k,) for k, _ in INCOME_SOURCES[3:])  # 公开02
SPENDING_COLUMNS = tuple((k,) for k in SPENDING_KEYS)                                          # 公开03
PART_COLUMNS = (("basic",), ("project",))                                                     # 05/08/09


def _table01(fa: FinalAccounts) -> dict:
    cls = classification().classes
    spend = fa.class_spending()
    income = [(label, sum((fa.income[0][k] for k in keys), N.ZERO)) for label, keys in SUMMARY_INCOME_ROWS]
    numerals = _numerals(len(cls))
    rows = []
    for i, (code, name) in enumerate(cls):
        left = income[i] if i < len(income) else None
        rows.append({"in_label": f"{numerals[i]}、{left[0]}" if left else "", "in_line": str(i + 1),
                     "in_amount": _cell(left[1]) if left else "",
                     "out_label": f"{numerals[i]}、{name}", "out_line": str(len(cls) + 6 + i),
                     "out_amount": _cell(spend.get(code, N.ZERO))})
    n = len(cls)
    tail = [("本年收入合计", fa.income_total, "本年支出合计", fa.spending_total),
            ("使用非财政拨款结余", fa.non_fiscal_balance_used, "结余分配", fa.distribution),
            ("年初结转和结余", fa.opening_balance, "年末结转和结余", fa.closing_balance),
            ("", None, "", None),
            ("总计", fa.grand_total_income_side, "总计", fa.grand_total_spending_side)]
    for j, (il, ia, ol, oa) in enumerate(tail):
        rows.append({"in_label": il, "in_line": str(n + 1 + j), "in_amount": _cell(ia) if ia is not None else "",
                     "out_label": ol, "out_line": str(2 * n + 6 + j),
                     "out_amount": _cell(oa) if oa is not None else "", "bold": il in ("总计", "本年收入合计")})
    return {"rows": rows}


def _numerals(n: int) -> list[str]:
    digits = "零一二三四五六七八九"
    out = []
    for i in range(1, n + 1):
        tens, ones = divmod(i, 10)
        out.append((("" if tens == 1 else digits[tens]) + "十" if tens else "") + (digits[ones] if ones else ""))
    return out


def _table04(fa: FinalAccounts) -> dict:
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
                     "in_amount": _cell(income[FISCAL_TYPES[i][0]]) if i < 3 else "",
                     "out_label": f"{numerals[i]}、{name}", "out_line": str(n + 7 + i),
                     "out": [_cell(sum(amounts, N.ZERO))] + [_cell(a) for a in amounts]})
    spend = [fa.fiscal_spending(k) for k, _ in FISCAL_TYPES]
    closing = [fa.fiscal_closing[k] for k, _ in FISCAL_TYPES]
    opening = [fa.fiscal_opening[k] for k, _ in FISCAL_TYPES]
    four = lambda vals: [_cell(sum(vals, N.ZERO))] + [_cell(v) for v in vals]  # noqa: E731
    blank4 = ["", "", "", ""]
    tail = [("本年收入合计", sum(income.values(), N.ZERO), "本年支出合计", four(spend)),
            ("年初财政拨款结转和结余", sum(opening, N.ZERO), "年末财政拨款结转和结余", four(closing)),
            ("　　一般公共预算财政拨款", opening[0], "", blank4),
            ("　　政府性基金预算财政拨款", opening[1], "", blank4),
            ("　　国有资本经营预算财政拨款", opening[2], "", blank4),
            ("总计", fa.fiscal_total, "总计", four([s + c for s, c in zip(spend, closing)]))]
    for j, (il, ia, ol, out) in enumerate(tail):
        rows.append({"in_label": il, "in_line": str(n + 1 + j), "in_amount": _cell(ia),
                     "out_label": ol, "out_line": str(2 * n + 7 + j), "out": out,
                     "bold": il in ("总计", "本年收入合计")})
    return {"rows": rows}


def _table06(fa: FinalAccounts) -> dict:
    """公开06 in four column groups: 人员经费 in the first, 公用经费 flowing
    over the other three (as the official table), every 款 of the 科目
    printed, with its amount and 其中：基本支出."""
    cls = classification()
    given = {r.code: r for r in fa.economic}

    def entries(classes: tuple[str, ...]) -> list[dict]:
        out = []
        for c3 in classes:
            codes = [c3] + [c for c in cls.economic if len(c) == 5 and c.startswith(c3)]
            codes += sorted(c for c in given if len(c) == 5 and c.startswith(c3) and c not in codes)
            for c in codes:
                r = given.get(c)
                out.append({"code": c, "name": cls.economic.get(c, r.name if r else ""),
                            "level": 1 if len(c) == 3 else 2,
                            "amount": _cell(r["amount"]) if r else "", "basic": _cell(r["basic"]) if r else ""})
        return out

    personnel = entries(cls.economic_groups["人员经费"])
    public = entries(cls.economic_groups["公用经费"])
    height = max(len(personnel), -(-len(public) // 3))
    columns = [personnel] + [public[i * height:(i + 1) * height] for i in range(3)]
    blank = {"code": "", "name": "", "level": 0, "amount": "", "basic": ""}
    rows = [{"groups": [col[i] if i < len(col) else blank for col in columns]} for i in range(height)]
    return {"rows": rows,
            "personnel": {"amount": _cell(fa.economic_total("人员经费", "amount")),
                          "basic": _cell(fa.economic_total("人员经费"))},
            "public": {"amount": _cell(fa.economic_total("公用经费", "amount")),
                       "basic": _cell(fa.economic_total("公用经费"))}}


def _table07(u: Unit) -> dict:
    def col(column):
        g = lambda k: u.get(f"three_public.items.{k}.{column}") or N.ZERO  # noqa: E731
        purchase, operation = g("vehicle_purchase"), g("vehicle_operation")
        overseas, reception = g("overseas"), g("reception")
        vehicles = purchase + operation
        return [N.yuan(v) for v in (overseas + vehicles + reception, overseas, vehicles, purchase, operation,
                                    reception)]
    return {"budget": col("budget"), "actual": col("actual")}


def _table10(fa: FinalAccounts) -> dict:
    p = fa.procurement
    return {"procurement": [_cell(v) for v in (fa.procurement_total, p["goods"], p["works"], p["services"])],
            "operating": [_cell(fa.operating_costs["administrative"]),
                          _cell(fa.operating_costs["civil_service_managed"])],
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
    amounts 元, empty for zero), ``sections`` (情况说明 per the form's
    outline), ``glossary`` (名词解释 paragraphs), ``functions`` and
    ``composition`` (第一部分 概况 paragraphs)."""
    fa, _ = build(u)

    fund = _code_rows(fa.government_fund, PART_COLUMNS)
    return {
        "unit_name": u.name, "year": str(u.year),
        "prepared_on": u.get(f"{FA}.prepared_on", ""),
        "functions": paragraph_list(u.get("text.functions", "")),
        "composition": paragraph_list(u.get(f"{FA}.composition", "")),
        "t01": _table01(fa),
        "t02": _code_rows(fa.income, INCOME_COLUMNS),
        "t03": _code_rows(fa.spending, SPENDING_COLUMNS),
        "t04": _table04(fa),
        "t05": _code_rows(fa.general_budget, PART_COLUMNS),
        "t06": _table06(fa),
        "t07": _table07(u),
        "t08": {**fund, "income": _cell(fa.fiscal_income("government_fund")),
                "opening": _cell(fa.fiscal_opening["government_fund"]),
                "closing": _cell(fa.fiscal_closing["government_fund"])},
        "t09": _code_rows(fa.state_capital, PART_COLUMNS),
        "t10": _table10(fa),
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
