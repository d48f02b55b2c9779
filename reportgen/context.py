"""The display context a form's .docx template receives.

Everything here is text, already formatted: templates do no arithmetic and
no rounding.  ``CONTEXTS`` maps the ``context:`` name a pack's form declares
to the function that builds it, so a pack chooses a layout family without
containing code.
"""

from __future__ import annotations

from typing import Callable

from . import numbers as N
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


def score_rows(card: Scorecard) -> list[dict]:
    """The scoring table as flat rows: one per 一级 (kind ``level1``) followed
    by its indicators (kind ``indicator``), with the vertical-merge flags the
    template's ``{% vmerge %}`` cells use."""
    rows = []
    for s in card.sections:
        rows.append({"kind": "level1", "level2": s.name, "level2_merge": "", "name": "",
                     "ref_weight": N.plain(s.ref_weight), "weight": N.plain(s.weight),
                     "analysis": "——", "score": N.score(s.score)})
        for b in s.blocks:
            for n, i in enumerate(b.indicators):
                rows.append({
                    "kind": "indicator",
                    "level2": b.name if n == 0 else "",
                    "level2_merge": ("restart" if n == 0 else "continue") if len(b.indicators) > 1 else "",
                    "name": i.name,
                    "ref_weight": N.plain(i.ref_weight),
                    "weight": N.score(i.weight),
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
        "evaluators": [{"name": u.get(f"{e}.name", ""), "title": u.get(f"{e}.title", ""),
                        "office": u.get(f"{e}.office", ""), "phone": u.get(f"{e}.phone", "")}
                       for e in u.items("evaluators")],
    }


CONTEXTS: dict[str, Callable[[Unit, Scorecard, dict], dict]] = {
    "scored_department_form": scored_department_form,
}
