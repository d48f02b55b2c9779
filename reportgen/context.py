"""The display context a form's .docx template receives.

Everything here is text, already formatted: templates do no arithmetic and
no rounding.  ``CONTEXTS`` maps the ``context:`` name a pack's form declares
to the function that builds it, so a pack chooses a layout family without
containing code.
"""

from __future__ import annotations

from typing import Callable

from . import numbers as N
from .derive import fund_amount, fund_total, read_indicator
from .project_score import funds_rows
from .score import Scorecard
from .validate import Unit


def paragraphs(text: str) -> str:
    """Line breaks in a text become real paragraphs in the .docx (docxtpl's
    ``\\a``), not soft breaks that stretch a justified line."""
    return "\a".join(line.strip() for line in text.split("\n") if line.strip())


def _header(u: Unit) -> dict:
    def w(path):
        return N.wan(u.get(path) or N.ZERO)

    return {k: w(f"budget.{k}") for k in ("carried_over", "initial", "adjustment",
                                           "other_adjustment", "executed", "year_end_balance")}


def merge_flags(values: list[str]) -> list[str]:
    """Vertical-merge flags for a column: equal neighbours merge
    (``restart`` on the first of a run of 2+, ``continue`` after, "" alone)."""
    flags = []
    for i, v in enumerate(values):
        same_prev = i > 0 and values[i - 1] == v
        same_next = i + 1 < len(values) and values[i + 1] == v
        flags.append("continue" if same_prev else "restart" if same_next else "")
    return flags


def _evaluators(u: Unit) -> list[dict]:
    return [{"name": u.get(f"{e}.name", ""), "title": u.get(f"{e}.title", ""),
             "office": u.get(f"{e}.office", ""), "phone": u.get(f"{e}.phone", "")}
            for e in u.items("evaluators")]


def score_rows(card: Scorecard, weight=N.score) -> list[dict]:
    """The scoring table as flat rows: one per 一级 (kind ``level1``, its name
    in ``name`` and ``level2``) followed by its indicators (kind
    ``indicator``), with the vertical-merge flags the template's
    ``{% vmerge %}`` cells use.  ``weight`` formats an indicator's 设定分值
    (the 部门整体 form prints 3.00, the project form 3)."""
    rows = []
    for s in card.sections:
        rows.append({"kind": "level1", "level2": s.name, "level2_merge": "", "name": s.name,
                     "ref_weight": N.plain(s.ref_weight), "weight": N.plain(s.weight),
                     "analysis": "——", "score": N.score(s.score)})
        for b in s.blocks:
            flags = merge_flags([b.name] * len(b.indicators))
            for i, flag in zip(b.indicators, flags):
                rows.append({
                    "kind": "indicator",
                    "level2": "" if flag == "continue" else b.name,
                    "level2_merge": flag,
                    "name": i.name,
                    "ref_weight": N.plain(i.ref_weight),
                    "weight": weight(i.weight),
                    "analysis": i.analysis,
                    "score": N.score(i.score),
                })
    return rows


def scored_department_form(u: Unit, card: Scorecard, texts: dict[str, str]) -> dict:
    """Context of a 部门整体支出绩效自评表 (seed 000 layout).

    ``header`` amounts in 万元 (2 dp); ``rows`` per :func:`score_rows`;
    ``text`` the narrative rows (generated or the unit's own).
    """
    return {
        "year": str(u.year),
        "unit": {"name": u.name, "head": u.get("unit.head", ""), "phone": u.get("unit.phone", ""),
                 "filled_on": (f"{d.year}年{d.month}月{d.day}日" if (d := u.get("unit.filled_on")) else "")},
        "header": _header(u),
        "text": {k: paragraphs(v) for k, v in {
            "functions": u.get("text.functions", ""),
            "staffing": texts.get("staffing", ""),
            "budget_execution": texts.get("budget_execution", ""),
            "performance_analysis": texts.get("performance_analysis", ""),
            "other": u.get("text.other", "") or "无",
        }.items()},
        "rows": score_rows(card),
        "total": N.score(card.total),
        "total_ref_weight": N.plain(sum((s.ref_weight for s in card.sections), N.ZERO)),
        "total_weight": N.plain(card.total_weight),
        "grade": card.grade,
        "evaluators": _evaluators(u),
    }


def _date(d) -> str:
    return f"{d.year}-{d.month:02d}-{d.day:02d}" if d else ""


def _project_head(u: Unit) -> dict:
    return {k: u.get(k, "") for k in ("name", "department", "implementer", "attribute", "period")}


def _texts(u: Unit, keys: tuple[str, ...]) -> dict:
    return {k: paragraphs(u.get(f"texts.{k}", "")) or "无" for k in keys}


def _indicator_rows(u: Unit, extra) -> list[dict]:
    rows = []
    for p in u.items("indicators"):
        r = read_indicator(u, p)
        rows.append({"level1": u.get(f"{p}.level1", ""), "level2": u.get(f"{p}.level2", ""),
                     "name": r.name, "target": u.get(f"{p}.target", ""),
                     "adjusted_target": u.get(f"{p}.adjusted_target", ""),
                     "actual": u.get(f"{p}.actual", "") or (u.get(f"{p}.result", "")),
                     "progress": r.progress, "deviation": u.get(f"{p}.deviation", ""), **extra(p)})
    level1 = [r["level1"] for r in rows]
    level2 = [f"{r['level1']}/{r['level2']}" for r in rows]
    for r, f1, f2 in zip(rows, merge_flags(level1), merge_flags(level2)):
        r["level1_merge"], r["level2_merge"] = f1, f2
    return rows


def jinzhong_project_form(u: Unit, card: Scorecard, texts: dict) -> dict:
    """Context of a 晋中市财政支出项目绩效自评表 (seed 004 layout); ``u`` is the
    project's scoped view.  Amounts 万元 (2 dp)."""
    def w(path):
        return N.wan(u.get(path) or N.ZERO)

    def spent(*sources):
        return N.wan(sum((fund_amount(u, s, "spent") for s in sources), N.ZERO))

    return {
        "year": str(u.year), "unit": {"name": u.name}, "project": _project_head(u),
        "funds": {
            "city_budget": N.wan(fund_amount(u, "city_county", "adjusted_budget")),
            "other_budget": N.wan(fund_total(u, "adjusted_budget", exclude=("city_county",))),
            "allotted": w("allotted"),
            "city_spent": spent("city_county"),
            "carried_over_spent": spent("carried_over"),
            "upper_spent": spent("central", "provincial"),
            "other_spent": spent("other"),
        },
        "texts": _texts(u, ("overview", "funds_usage", "implementation", "performance", "other")),
        "indicators": _indicator_rows(u, lambda p: {}),
        "score_rows": score_rows(card, weight=N.plain),
        "total": N.score(card.total), "total_weight": N.plain(card.total_weight), "grade": card.grade,
        "evaluators": _evaluators(u),
        "contact": {"head": u.get("contact.head", ""), "handler": u.get("contact.handler", ""),
                    "phone": u.get("contact.phone", ""), "filled_on": _date(u.get("contact.filled_on"))},
    }


def national_project_form(u: Unit, card, texts: dict) -> dict:
    """Context of a 项目支出绩效自评表 (财预〔2020〕10号, Shanxi layout of seed
    002); ``card`` is a :class:`project_score.ProjectScore`."""
    funds = funds_rows(u)
    for row in funds:
        total = row["key"] == "total"
        row["weight"] = N.plain(card.execution_weight) if total else "--"
        row["score"] = N.score(card.execution_score) if total else "--"
    scores = {i.reading.path: i for i in card.indicators}
    return {
        "year": str(u.year), "unit": {"name": u.name}, "project": _project_head(u),
        "funds": funds,
        "goals": {"expected": paragraphs(u.get("goals.expected", "")),
                  "actual": paragraphs(u.get("goals.actual", ""))},
        "indicators": _indicator_rows(u, lambda p: {"weight": N.score(scores[p].weight),
                                                    "score": N.score(scores[p].score)}),
        "total": N.score(card.total), "total_weight": N.plain(card.total_weight), "grade": card.grade,
        "texts": _texts(u, ("implementation", "output_analysis", "benefit_analysis",
                            "satisfaction_analysis", "experience", "problems", "improvements")),
    }


CONTEXTS: dict[str, Callable[[Unit, object, dict], dict]] = {
    "scored_department_form": scored_department_form,
    "jinzhong_project_form": jinzhong_project_form,
    "national_project_form": national_project_form,
}
