"""Stage 6, narrate: the sentences of a form, from figures and scores.

The wording is the pack's (``sentences.yaml``, jinja2 patterns rendered in
the sandbox); the figures are computed here, once, so a sentence can never
disagree with the table beside it.  Any sentence can be replaced by the unit
typing the whole text as ``text.<name>``.
"""

from __future__ import annotations

import jinja2

from reportgen import numbers as N
from reportgen.forms.disclosure import narrative_figures
from reportgen.compute.derive import project_spent
from reportgen.compute.final_accounts import build as build_final_accounts
from reportgen.errors import Diagnostic
from reportgen.pack.formulas import displays
from reportgen.pack.packs import Sentence, pattern_loc
from reportgen.unitfile.schema import Field, spec_at, zh_name
from reportgen.compute.score import Scorecard
from reportgen.unitfile.validate import Unit

PARAGRAPH = "\u2029"  # what {{ nl }} renders; becomes a real paragraph break


def budget_figures(u: Unit, f: dict) -> dict:
    """预算执行情况 figures, formatted in 万元 (2 dp) and % (2 dp); ``f`` are
    the pack's formulas as printed (:func:`reportgen.pack.formulas.displays`):
    全年支出预算数 and 预算完成率 come from its ``total_budget`` and
    ``budget_completion_rate``.  The ``*_sign`` entries (1/0/−1) let a
    pattern say 调减/追加, or leave out a zero (无上年结转, 年末无结余) instead
    of printing "0.00万元"."""
    def w(path):
        return N.wan(u[path]) if u.has(path) else None

    adj = u.get("budget.adjustment") or N.ZERO
    other = u.get("budget.other_adjustment") or N.ZERO
    out = {k: w(f"budget.{k}") for k in ("carried_over", "initial", "adjustment", "other_adjustment",
                                          "executed", "year_end_balance", "basic_spending",
                                          "project_spending", "initial_basic", "initial_project")}
    out["carried_over"] = out["carried_over"] or N.wan(N.ZERO)
    out["adjustment_sign"] = (adj > 0) - (adj < 0)
    out["adjustment_abs"] = N.wan(abs(adj))
    out["other_sign"] = (other > 0) - (other < 0)
    out["other_abs"] = N.wan(abs(other))
    carried, balance = u.get("budget.carried_over") or N.ZERO, u.get("budget.year_end_balance")
    out["carried_over_sign"] = (carried > 0) - (carried < 0)
    out["balance_sign"] = None if balance is None else (balance > 0) - (balance < 0)
    if f.get("total_budget") is not None:
        out["total_budget"] = f["total_budget"]
    if f.get("budget_completion_rate") is not None:
        out["completion_rate"] = f["budget_completion_rate"]
    out["project_items"] = [{"name": u[f"{p}.name"], "amount": N.wan(a)}
                            for p in u.items("projects") if (a := project_spent(u, p)) is not None]
    return out


def project_evaluation_figures(u: Unit) -> dict | None:
    """需绩效评价考核项目 (seed 000): the projects whose 是否实施 is given —
    count and amount (万元) of all, of those implemented (实际支出,
    :func:`~reportgen.compute.derive.project_spent`) and of those not (预算金额,
    or ``unimplemented_projects_amount`` when they are not itemised).  None
    unless some project was not implemented."""
    marked = [p for p in u.items("projects") if u.has(f"{p}.implemented")]
    done = [p for p in marked if u[f"{p}.implemented"]]
    undone = [p for p in marked if not u[f"{p}.implemented"]]
    if not undone:
        return None
    done_amount = sum((project_spent(u, p) or N.ZERO for p in done), N.ZERO)
    undone_amount = u.get("unimplemented_projects_amount")
    if undone_amount is None:
        undone_amount = sum((u.get(f"{p}.budget") or N.ZERO for p in undone), N.ZERO)
    return {"count": len(marked), "total": N.wan(done_amount + undone_amount),
            "done_count": len(done), "done_amount": N.wan(done_amount),
            "undone_count": len(undone), "undone_amount": N.wan(undone_amount)}


def staffing_figures(u: Unit, f: dict) -> dict:
    """单位人员情况 figures (人): counts, 实有人数 and changes against the prior year."""
    g = u.get
    parts = ("in_service", "retired_cadres", "retired")
    now = [g(f"staffing.{p}") for p in parts]
    prior = [g(f"staffing.prior.{p}") for p in parts]
    out = {p: g(f"staffing.{p}") for p in parts + ("authorized",)}
    # 实有人数 counts the groups the unit gives; a prior total only when the
    # same groups are given for both years
    given = [i for i, a in enumerate(now) if a is not None]
    out["total"] = sum(now[i] for i in given) if given else None
    comparable = given and all(prior[i] is not None for i in given)
    out["prior_total"] = sum(prior[i] for i in given) if comparable else None
    for p, a, b in zip(parts, now, prior):
        out[f"prior_{p}"] = b
        out[f"{p}_delta"] = (a - b) if None not in (a, b) else None
    out["total_delta"] = (out["total"] - out["prior_total"]) if out["prior_total"] is not None else None
    # ``count`` is signed (−2 for 调离); ``number`` the head count as a
    # sentence prints it after a reason that names the direction ("调离2人")
    out["changes"] = [{"reason": g(f"{c}.reason"), "count": g(f"{c}.count"), "number": abs(g(f"{c}.count"))}
                      for c in u.items("staffing.changes")]
    out["categories"] = [{"name": g(f"{c}.name"), "authorized": g(f"{c}.authorized"),
                          "in_service": g(f"{c}.in_service"), "excluded": bool(g(f"{c}.excluded"))}
                         for c in u.items("staffing.categories")]
    out["control_rate"] = f.get("staff_control_rate")
    out["unit_kind"] = g("unit.kind")
    out["departments"] = [g(d) for d in u.items("unit.departments")]
    return out


#: “三公经费” as the narrative names them, with the items (schema
#: ``three_public.items``) each covers.
THREE_PUBLIC_GROUPS = (("公务用车购置及运行维护费", ("vehicle_purchase", "vehicle_operation")),
                       ("因公出国（境）费", ("overseas",)),
                       ("公务接待费", ("reception",)))


def spending_figures(u: Unit, f: dict) -> dict:
    """部门整体支出管理及使用情况 figures (万元, 2 dp; % 2 dp).

    人员经费 = 基本支出 − 公用经费 (基本支出 consists of 人员经费 and 公用经费,
    the latter being its 一般商品和服务支出 — the form's own definition);
    “三公经费” by item, grouped 公务用车 / 出国 / 接待; the projects with their
    amounts (实际支出, else 预算) and 项目说明.
    """
    g = u.get
    out: dict = {"basic": None, "personnel": None, "public_funds": None, "public_funds_budget": None,
                 "public_funds_rate": None}
    if u.has("budget.basic_spending"):
        out["basic"] = N.wan(u["budget.basic_spending"])
        if u.has("public_funds.actual"):
            out["public_funds"] = N.wan(u["public_funds.actual"])
            out["personnel"] = N.wan(u["budget.basic_spending"] - u["public_funds.actual"])
    if u.has("public_funds.actual") and u.has("public_funds.budget"):
        out["public_funds_budget"] = N.wan(u["public_funds.budget"])
        out["public_funds_rate"] = f.get("public_funds_control_rate")
    three: dict = {"budget": None, "control_rate": None, "prior_actual": None, "change": None,
                   "spent": [], "none": []}
    if u.has("three_public.actual"):
        three["actual"] = N.wan(u["three_public.actual"])
        if u.has("three_public.budget"):
            three["budget"] = N.wan(u["three_public.budget"])
            three["control_rate"] = f.get("three_public_control_rate")
        if u.has("three_public.prior_actual"):
            three["prior_actual"] = N.wan(u["three_public.prior_actual"])
            three["change"] = N.wan(u["three_public.actual"] - u["three_public.prior_actual"])
        for name, keys in THREE_PUBLIC_GROUPS:
            paths = [f"three_public.items.{k}.actual" for k in keys]
            if not all(u.has(p) for p in paths):
                continue
            amount = sum((u[p] for p in paths), N.ZERO)
            if amount:
                three["spent"].append({"name": name, "amount": N.wan(amount)})
            else:
                three["none"].append(name)
    out["three_public"] = three if u.has("three_public.actual") else None
    out["projects"] = []
    for p in u.items("projects"):
        amount = g(f"{p}.spent", g(f"{p}.budget"))
        out["projects"].append({"name": g(f"{p}.name"), "summary": g(f"{p}.summary", ""),
                                "amount": N.wan(amount) if amount is not None else None})
    return out


def score_figures(card: Scorecard) -> dict:
    """Scores as the form prints them, and every indicator that lost points:
    ``lost`` items carry ``deduction``, the whole 扣分 sentence (one deduction,
    on the 设定分值: "预算完成率48.32%，低于100%共51.68个百分点，扣2分"), and its
    parts ``reason`` (the finding alone, "" when none was given) and ``lost``
    (points, as 2.4 / 3)."""
    return {
        "total": N.score(card.total),
        "grade": card.grade,
        "sections": [{"name": s.name, "score": N.score(s.score), "weight": N.plain(s.weight),
                      "blocks": [{"name": b.name, "score": N.score(b.score), "weight": N.plain(b.weight)}
                                 for b in s.blocks]}
                     for s in card.sections],
        "lost": [{"name": i.name, "score": N.score(i.score), "weight": N.plain(i.weight),
                  "lost": N.plain(N.quantize(i.lost)), "reason": i.reason, "deduction": i.deduction,
                  "override": i.override is not None}
                 for i in card.indicators if i.lost > 0],
    }


def _present(u: Unit, path: str) -> bool:
    """A required field is present: a value, or a group/list written in the file."""
    return u.has(path) or (not isinstance(spec_at(path), Field) and u.given(path))


def _render(sentence: Sentence, context: dict) -> str:
    text = sentence.pattern.render(**context)
    text = "".join(line.strip() for line in text.split("\n"))
    return text.replace(PARAGRAPH, "\n")


def sentence_context(u: Unit, card, annexes=(), formulas=None) -> dict:
    """What every sentence pattern receives: ``year`` (int), ``unit_name``,
    ``nl``, ``notes`` (the sentence's own, filled per sentence), ``f`` (the
    pack's formulas, displayed), ``b``/``s``/``x`` (:func:`budget_figures`,
    :func:`staffing_figures`, :func:`spending_figures`), ``pe``
    (:func:`project_evaluation_figures`), ``d`` (the unit's own data,
    ``Unit.tree``), ``fa`` (部门决算 figures or None) and, for a scored
    form, :func:`score_figures`."""
    f = displays(u, formulas or {}, "project" if u.prefix.startswith("projects[") else "unit")
    context = {"year": u.year, "unit_name": u.name, "nl": PARAGRAPH, "f": f, "b": budget_figures(u, f),
               "pe": project_evaluation_figures(u),
               "s": staffing_figures(u, f), "x": spending_figures(u, f), "fa": None, "d": u.tree(),
               "notes": "", **(score_figures(card) if isinstance(card, Scorecard) else {})}
    accounts, _ = build_final_accounts(u)  # its problems are reported by the final_accounts check
    if accounts is not None:
        context["fa"] = narrative_figures(u, accounts, annexes)
    return context


def narrate(u: Unit, card, sentences: dict[str, Sentence], annexes=(), formulas=None
            ) -> tuple[dict[str, str], list[Diagnostic]]:
    """Every sentence of a form: ``{name: text}``.

    A unit's own ``text.<name>`` wins.  A sentence whose fields are missing
    gives one error per field (naming the field and the sentence).
    ``annexes`` are the prepared forms whose scores the sentences may cite
    (the 部门决算 情况说明 cites its project and 整体支出 forms); ``formulas``
    the pack's formulas, which a sentence reads as ``f.<name>`` (printed).
    """
    texts: dict[str, str] = {}
    diags: list[Diagnostic] = []
    if not sentences:
        return texts, diags
    context = sentence_context(u, card, annexes, formulas)
    for name, sentence in sentences.items():
        own = u.get(f"text.{name}")
        if own:
            texts[name] = own
            continue
        missing = [p for p in sentence.requires if not _present(u, p)]
        if missing:
            label = zh_name(f"text.{name}") or name
            diags += [Diagnostic(f"缺少数据：生成“{label}”需要此项（或在 text.{name} 中直接填写）",
                                 u.loc(p), p, zh_name(p)) for p in missing]
            continue
        if card is None and name == "performance_analysis":
            continue
        # the unit's own line breaks survive the pattern's line joining
        notes = u.get(sentence.notes, "").replace("\n", PARAGRAPH) if sentence.notes else ""
        ctx = {**context, "notes": notes}
        try:
            texts[name] = _render(sentence, ctx)
        except jinja2.TemplateError as exc:
            diags.append(Diagnostic(f"句式“{name}”出错（pack sentence error）: {exc}",
                                    pattern_loc(sentence.pattern, getattr(exc, "lineno", None))
                                    or sentence.loc))
    return texts, diags
