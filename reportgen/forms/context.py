"""The display context a form's .docx template receives.

Everything here is text, already formatted: templates do no arithmetic and
no rounding.  ``CONTEXTS`` maps the ``context:`` name a pack's form declares
to the function that builds it, so a pack chooses a layout family without
containing code.
"""

from __future__ import annotations

from typing import Callable

from reportgen import numbers as N
from reportgen.compute.derive import fund_amount, fund_total, read_indicator
from reportgen.compute.project_score import funds_rows
from reportgen.compute.score import Scorecard
from reportgen.pack.formulas import displays
from reportgen.forms.tables import build_tables
from reportgen.forms.disclosure import disclosure_form, whole_evaluation_form
from reportgen.forms.cells import date_text as _date, date_words, merge_flags, paragraph_list, paragraphs
from reportgen.unitfile.validate import Unit




def _header(u: Unit) -> dict:
    def w(path):
        return N.wan(u.get(path) or N.ZERO)

    return {k: w(f"budget.{k}") for k in ("carried_over", "initial", "adjustment",
                                           "other_adjustment", "executed", "year_end_balance")}




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


def scored_department_form(u: Unit, card: Scorecard, texts: dict[str, str], form=None) -> dict:
    """Context of a 部门整体支出绩效自评表 (seed 000 layout).

    ``header`` amounts in 万元 (2 dp); ``rows`` per :func:`score_rows`;
    ``text`` the narrative rows (generated or the unit's own).
    """
    return {
        "year": str(u.year),
        "unit": {"name": u.name, "head": u.get("unit.head", ""), "phone": u.get("unit.phone", ""),
                 "filled_on": date_words(u.get("unit.filled_on")),
                 "title_prefix": u.get("unit.title_prefix", "")},
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


def scored_project_form(u: Unit, card: Scorecard, texts: dict, form=None) -> dict:
    """Context of a 晋中市财政支出项目绩效自评表 (seed 004 layout); ``u`` is the
    project's scoped view.  Amounts 万元 (2 dp)."""
    def w(path):
        return N.wan(u.get(path) or N.ZERO)

    def spent(*sources):
        return N.wan(sum((fund_amount(u, s, "spent") for s in sources), N.ZERO))

    return {
        "year": str(u.year), "unit": {"name": u.name, "title_prefix": u.get("unit.title_prefix", "")}, "project": _project_head(u),
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


def national_project_form(u: Unit, card, texts: dict, form=None) -> dict:
    """Context of a 项目支出绩效自评表 (财预〔2020〕10号, Shanxi layout of seed
    002); ``card`` is a :class:`project_score.ProjectScore`."""
    funds = funds_rows(u)
    for row in funds:
        total = row["key"] == "total"
        row["weight"] = N.plain(card.execution_weight) if total else N.NO_FIGURE
        row["score"] = N.score(card.execution_score) if total else N.NO_FIGURE
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




def narrative_report(u: Unit, card: Scorecard, texts: dict, form=None) -> dict:
    """Context of the 宁乡 部门整体支出绩效自评报告 (seed 001): each section a
    list of paragraphs — the generated sentences (or the unit's own text) and
    the unit's free text."""
    own = {"functions": "text.functions", "priorities": "text.work_priorities",
           "implementation": "text.project_implementation", "assets": "text.asset_management",
           "problems": "text.problems", "improvements": "text.improvements"}
    generated = {"organization": "organization", "spending_scope": "spending_scope",
                 "basic_spending": "basic_spending", "project_spending": "project_spending",
                 "performance": "performance_analysis"}
    return {"year": str(u.year),
            "unit": {"name": u.name, "filled_on": date_words(u.get("unit.filled_on"))},
            **{k: paragraph_list(u.get(path, "")) for k, path in own.items()},
            **{k: paragraph_list(texts.get(name, "")) for k, name in generated.items()}}


def basic_data_table(u: Unit, card, texts: dict, form=None) -> dict:
    """Context of 附件2-1 部门整体支出绩效自评基础数据表 (seed 001 layout).

    The 经费控制情况 rows and the 楼堂馆所 rows are the tables the form
    declares in pack.yaml (``spending_rows``, ``buildings``:
    :mod:`reportgen.forms.tables`); rates from the pack's formulas
    (在职人员控制率, 预算调整率, rubrics.md §5.3 #34/#35).
    """
    f = displays(u, form.formulas if form is not None else {})
    tables = build_tables(u, form.tables if form is not None else {}, form.formulas if form is not None else {})
    return {
        "year": str(u.year), "prior_year": str(u.year - 1), "unit": {"name": u.name},
        "staffing": {"authorized": str(u["staffing.authorized"]), "in_service": str(u["staffing.in_service"]),
                     "control_rate": f.get("staff_control_rate") or N.NOT_APPLICABLE},
        "spending_rows": tables.get("spending_rows", {}).get("rows", []),
        "budget_adjustment_rate": f.get("budget_adjustment_rate") or N.NOT_APPLICABLE,
        "buildings": tables.get("buildings", {}).get("rows", []),
        "austerity": paragraphs(u.get("text.austerity_measures", "")),
    }


def scoring_appendix(u: Unit, card: Scorecard, texts: dict, form=None) -> dict:
    """Context of 附件2-2 共性指标表: one row per 三级指标 with its 一级/二级
    (merged down their rows), weights, the official 评价标准 and 指标说明, and
    the score (2 dp); the 合计 is the sum of the printed scores."""
    rows = []
    for s in card.sections:
        for b in s.blocks:
            for i in b.indicators:
                # level2 carries its 一级 while merging, so equal 二级 names
                # under different 一级 never merge into one cell
                rows.append({"level1": s.name, "level1_weight": N.plain(s.weight),
                             "level2": f"{s.name}/{b.name}", "level2_weight": N.plain(b.weight),
                             "name": i.name, "weight": N.plain(i.weight),
                             "criteria": paragraphs(i.indicator.criteria),
                             "explanation": paragraphs(i.indicator.explanation),
                             "score": N.score(i.score)})
    for level in ("level1", "level2"):
        for r, flag in zip(rows, merge_flags([r[level] for r in rows])):
            r[f"{level}_merge"] = flag
            if flag == "continue":
                r[level] = r[f"{level}_weight"] = ""
    for r in rows:
        r["level2"] = r["level2"].rpartition("/")[2]
    return {"year": str(u.year), "unit": {"name": u.name}, "rows": rows,
            "total_weight": N.plain(card.total_weight), "total": N.score(card.total), "grade": card.grade}


#: The unit paths (relative to the form's view: a project for a per-project
#: form, its ``scope`` for a scoped one; "" is the whole view) each context
#: prints when the unit gives them, beyond what the pack's ``requires`` and
#: rubrics need — so the data-collection workbook does not grey their sheets
#: (:mod:`pack.needs`).  tests/test_workbook.py traces every example's forms
#: and fails when a context reads outside these.
CONTEXT_READS: dict[str, tuple[str, ...]] = {
    "scored_department_form": ("budget", "unit.head", "unit.phone", "unit.filled_on", "unit.title_prefix",
                               "text.functions", "text.other", "evaluators"),
    "scored_project_form": ("name", "department", "implementer", "attribute", "period", "allotted",
                            "funds", "indicators", "texts", "contact", "evaluators", "unit.title_prefix"),
    "national_project_form": ("name", "department", "implementer", "attribute", "period", "funds",
                              "goals", "indicators", "texts"),
    "narrative_report": ("text", "unit.filled_on"),
    "basic_data_table": ("budget", "buildings", "project_categories", "procurement", "public_funds",
                         "three_public", "staffing", "text"),
    "scoring_appendix": (),
    "final_accounts_disclosure": ("final_accounts", "three_public", "text"),
    "whole_evaluation_form": ("",),
}

CONTEXTS: dict[str, Callable[[Unit, object, dict], dict]] = {
    "scored_department_form": scored_department_form,
    "scored_project_form": scored_project_form,
    "national_project_form": national_project_form,
    "narrative_report": narrative_report,
    "basic_data_table": basic_data_table,
    "scoring_appendix": scoring_appendix,
    "final_accounts_disclosure": disclosure_form,
    "whole_evaluation_form": whole_evaluation_form,
}
