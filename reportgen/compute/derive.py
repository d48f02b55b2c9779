"""Stage 4, derive: named computations that turn raw figures into indicators.

A rubric names its formulas from the pack's own formulas (plain arithmetic
as expressions, :mod:`reportgen.pack.formulas`) or from :data:`REGISTRY`,
the library of computations that need more than arithmetic (支付进度 at
checkpoints, 评价要点, 效益 tiers, indicator targets); a pack never contains
Python.  Each computation declares the unit-file fields it needs, so a pack's
requirements can be listed and a missing figure reported by name before
anything is computed.

Every computation returns a :class:`Measure`.  Ratios are unrounded Decimal
(0.8667, not 86.67); amounts stay in 元.  A zero denominator gives
``value=None`` (shown as 不适用) plus a warning — never a crash or a 0.
Definitions follow 财预〔2013〕53号 附件2 (rubrics.md §1) unless noted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from reportgen import numbers as N
from reportgen.unitfile.schema import FUND_SOURCES, zh_name
from reportgen.compute.targets import achievement, is_met, parse_actual, parse_target, progress_text, units_compatible
from reportgen.unitfile.validate import Unit


@dataclass(frozen=True)
class Measure:
    """The value an indicator is scored on.

    ``kind`` says which scoring rules accept it: ``ratio`` (``value`` is a
    Decimal ratio, None when not applicable), ``checklist`` (``data`` maps
    要点 key → met), ``checkpoints`` (``data`` is a list of
    ``(date, ratio)``), ``tier`` (``data`` is ``(result, degree or None)``),
    ``parts`` (``data`` maps part key → Measure).
    ``vars`` are display strings for the rubric's 计算分析情况 pattern.
    ``problems`` are ``(field path, message)`` pairs for figures that are
    present but cannot be used (reported as errors at that field).
    """

    kind: str
    value: Decimal | None = None
    data: object = None
    vars: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    problems: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Computation:
    """A named computation: ``fn(unit, args) -> Measure`` of kind ``kind``,
    needing the unit-file fields ``inputs`` (``{name}`` filled from args)."""

    key: str
    zh: str
    inputs: tuple[str, ...]
    fn: Callable[[Unit, dict], Measure]
    kind: str = "ratio"
    doc: str = ""
    parts: tuple[str, ...] = ()  # kind "parts": the part keys it measures

    def needed(self, args: dict) -> list[str]:
        """The unit-file paths this computation needs, with ``args`` filled in."""
        return [p.format(**args) for p in self.inputs]


REGISTRY: dict[str, Computation] = {}


def computation(key: str, zh: str, inputs: tuple[str, ...] = (), kind: str = "ratio",
                parts: tuple[str, ...] = ()):
    """Register ``fn(unit, args) -> Measure`` as the computation ``key`` (``zh``)."""

    def register(fn):
        REGISTRY[key] = Computation(key, zh, inputs, fn, kind, (fn.__doc__ or "").strip(), parts)
        return fn

    return register


# --------------------------------------------------------------------------
# Helpers


def ratio(numerator: Decimal, denominator: Decimal, what: str, **display) -> Measure:
    """``numerator / denominator`` as a ratio Measure; 不适用 when the
    denominator is 0.  ``display`` are extra strings for the pattern."""
    value, warning = N.divide(numerator, denominator, what)
    return Measure("ratio", value, vars={**display, "rate": N.percent(value) if value is not None
                                         else N.NOT_APPLICABLE}, warnings=(warning,) if warning else ())


def money_or_zero(unit: Unit, path: str) -> Decimal:
    return unit.get(path) or N.ZERO


def total_budget(unit: Unit) -> Decimal:
    """全年支出预算数 (元) = 上年结转 + 年初预算 + 预算调整 + 其他调整.

    The national "变动后预算数" (53号 预算完成率); equals 预算执行 + 年末结余
    when the header identity holds (rubrics.md §2.1).
    """
    return (money_or_zero(unit, "budget.carried_over") + unit["budget.initial"]
            + money_or_zero(unit, "budget.adjustment")
            + money_or_zero(unit, "budget.other_adjustment"))


TOTAL_BUDGET_INPUTS = ("budget.initial",)

# --------------------------------------------------------------------------
# 过程 · 预算执行 (the plain ratios — 完成率, 调整率, 控制率… — are pack formulas)


@computation("payment_progress", "支付进度", ("payment_progress",) + TOTAL_BUDGET_INPUTS,
             kind="checkpoints")
def payment_progress(u: Unit, args: dict) -> Measure:
    """支付进度: cumulative 支付进度 (ratio) at each reported date.

    Taken from ``rate`` as read off the payment system, else ``paid`` /
    全年支出预算数.  The rule's checkpoints pick the dates they need.
    """
    total = total_budget(u)
    points: list[tuple[dt.date, Decimal | None]] = []
    for item in u.items("payment_progress"):
        rate = u.get(f"{item}.rate")
        if rate is None and u.has(f"{item}.paid"):
            rate = u[f"{item}.paid"] / total if total else None
        points.append((u[f"{item}.date"], rate))
    shown = "，".join(f"{d.month}月{d.day}日{N.percent(r)}" for d, r in points if d)
    return Measure("checkpoints", data=points, vars={"progress": shown})


def _latest_planned_checkpoint(u: Unit) -> str | None:
    """The latest 支付进度 checkpoint that states its 既定支付进度."""
    dated = [(u[f"{i}.date"], i) for i in u.items("payment_progress")
             if u.has(f"{i}.planned") and u.has(f"{i}.date")]
    return max(dated)[1] if dated else None


@computation("payment_progress_rate", "支付进度率", ("payment_progress",) + TOTAL_BUDGET_INPUTS)
def payment_progress_rate(u: Unit, args: dict) -> Measure:
    """支付进度率 = 实际支付进度 / 既定支付进度 (ratio / ratio) at the latest
    checkpoint that states its 既定支付进度; the 实际 is its ``rate``, else
    ``paid`` / 全年支出预算数.  Seed 001 附件2-2 指标说明 ②."""
    item = _latest_planned_checkpoint(u)
    unusable = {"rate": N.NOT_APPLICABLE, "date": "", "actual": "", "planned": ""}
    if item is None:
        return Measure("ratio", None, vars=unusable, problems=(
            ("payment_progress", "支付进度率需要至少一个时点的既定支付进度（planned）"),))
    actual = u.get(f"{item}.rate")
    if actual is None and u.has(f"{item}.paid"):
        total = total_budget(u)
        actual = u[f"{item}.paid"] / total if total else None
    if actual is None:
        return Measure("ratio", None, vars=unusable, problems=(
            (item, "该时点缺少累计支付进度（rate）或累计支付金额（paid）"),))
    d = u[f"{item}.date"]
    return ratio(actual, u[f"{item}.planned"], "支付进度率", date=f"{d.month}月{d.day}日",
                 actual=N.percent(actual), planned=N.percent(u[f"{item}.planned"]))


# --------------------------------------------------------------------------
# 效果 · 履职效益


@computation("benefit_tier", "履职效益实现程度", ("benefits.{of}.result",), kind="tier")
def benefit_tier(u: Unit, args: dict) -> Measure:
    """经济/社会/生态效益: the unit's judgement (达成/部分达成/未达成, optional 达成度)."""
    base = f"benefits.{args['of']}"
    result, degree = u[f"{base}.result"], u.get(f"{base}.degree")
    return Measure("tier", data=(result, degree),
                   vars={"result": result, "degree": N.percent(degree) if degree is not None else "",
                         "note": u.get(f"{base}.note", "")})


@computation("benefits_attainment", "履职效益实现程度", ("benefits",))
def benefits_attainment(u: Unit, args: dict) -> Measure:
    """履职效益 achieved (ratio): the mean over the 效益 the unit sets among
    ``args.of`` (经济效益, 社会效益…) of its 达成度; a 达成 without one counts
    as 100%, 部分达成/未达成 need the 达成度.  宁乡 附件2-2: “完成绩效目标得满分，
    只实现70%（含）以上…”."""
    kinds = [k for k in args.get("of", ["economic", "social"]) if u.has(f"benefits.{k}.result")]
    if not kinds:
        return Measure("ratio", None, vars={"rate": N.NOT_APPLICABLE, "summary": "", "note": ""}, problems=(
            ("benefits", f"需要至少一项效益的实现程度（benefits.{' / benefits.'.join(args.get('of', []))}）"),))
    degrees, problems, parts = [], [], []
    for k in kinds:
        base = f"benefits.{k}"
        degree = u.get(f"{base}.degree")
        if degree is None and u[f"{base}.result"] != "达成":
            problems.append((f"{base}.degree", f"“{u[f'{base}.result']}”需填写达成度"))
            continue
        degree = Decimal(1) if degree is None else degree
        degrees.append(degree)
        parts.append(f"{zh_name(base)}{u[f'{base}.result']}（{N.percent(degree)}）")
    if problems:
        return Measure("ratio", None, vars={"rate": N.NOT_APPLICABLE, "summary": "", "note": ""},
                       problems=tuple(problems))
    value = sum(degrees, N.ZERO) / len(degrees)
    notes = "；".join(u.get(f"benefits.{k}.note", "") for k in kinds if u.get(f"benefits.{k}.note"))
    return Measure("ratio", value, vars={"rate": N.percent(value), "summary": "，".join(parts),
                                         "note": notes})


@computation("administrative_efficiency", "行政效能", ("administrative_efficiency.level",), kind="tier")
def administrative_efficiency(u: Unit, args: dict) -> Measure:
    """行政效能: the unit's judgement 效果较好 / 一般 / 无效果或效果不明显 (宁乡 附件2-2)."""
    level = u["administrative_efficiency.level"]
    return Measure("tier", data=(level, None),
                   vars={"result": level, "note": u.get("administrative_efficiency.note", "")})


@computation("checklist", "评价要点", ("checklists.{key}",), kind="checklist")
def checklist(u: Unit, args: dict) -> Measure:
    """A qualitative indicator's 要点 answers (要点 key → met), as typed."""
    base = f"checklists.{args['key']}"
    answers = {k: u[f"{base}.points.{k}"] for k in u.keys(f"{base}.points")
               if u.has(f"{base}.points.{k}")}
    return Measure("checklist", data=answers, vars={"note": u.get(f"{base}.note", "")})


# --------------------------------------------------------------------------
# 项目支出 (a project's own fields, read through Unit.scoped("projects[i]"))

#: 财预〔2020〕10号 tiers for a 定性 indicator: result → (lowest, highest) share
#: of its weight.  A pack may give its own (``project_rules.yaml``: tiers).
TIERS_10 = {"达成": (Decimal("0.8"), Decimal(1)), "部分达成": (Decimal("0.6"), Decimal("0.8")),
            "未达成": (Decimal(0), Decimal("0.6"))}


def fund_amount(u: Unit, source: str, column: str) -> Decimal:
    """``funds.<source>.<column>`` of a project (元; 0 when not given).

    ``adjusted_budget`` (全年预算数) falls back to ``budget`` (年初预算数), as
    a budget that was never adjusted is its own 全年预算.
    """
    base = f"funds.{source}"
    value = u.get(f"{base}.{column}")
    if value is None and column == "adjusted_budget":
        value = u.get(f"{base}.budget")
    return value or N.ZERO


def fund_total(u: Unit, column: str, exclude: tuple[str, ...] = ()) -> Decimal:
    """Σ of :func:`fund_amount` over the funding sources not in ``exclude`` (元)."""
    return sum((fund_amount(u, source, column) for source, _ in FUND_SOURCES if source not in exclude),
               N.ZERO)


def itemised_spent(u: Unit, p: str) -> Decimal | None:
    """A listed project's 实际支出 (元): its ``spent``, else the sum of its
    ``parts`` (seed 000: 技改引导资金 463 + 100 + 997.7); None when neither is given."""
    if u.has(f"{p}.spent"):
        return u[f"{p}.spent"]
    if parts := u.items(f"{p}.parts"):
        return sum((u[f"{part}.spent"] for part in parts), N.ZERO)
    return None


def project_spent(u: Unit, p: str) -> Decimal | None:
    """A project's 本年实际支出 (元): :func:`itemised_spent`, else the 实际支出
    of its funds other than 上年结转资金 (seed 004 itemises 招商引资专项经费 as
    126.47, its 19.78 上年结转 apart); None when none is given."""
    spent = itemised_spent(u, p)
    if spent is None and u.given(f"{p}.funds"):
        return fund_total(u.scoped(p), "spent", exclude=("carried_over",))
    return spent


@computation("project_execution_rate", "预算执行率", ("funds",))
def project_execution_rate(u: Unit, args: dict) -> Measure:
    """预算执行率 (national 10号 form) = 全年执行数 / 全年预算数, all sources (元)."""
    budget, spent = fund_total(u, "adjusted_budget"), fund_total(u, "spent")
    return ratio(spent, budget, "预算执行率", spent=N.wan(spent), budget=N.wan(budget))


@dataclass(frozen=True)
class IndicatorReading:
    """One performance indicator as read: its achievement (ratio 0–1) or None
    when it cannot be evaluated (the problem is in ``problem``)."""

    path: str
    name: str
    target_text: str
    actual_text: str
    achievement: Decimal | None
    met: bool | None
    progress: str
    problem: str = ""
    problem_path: str = ""


def read_indicator(u: Unit, path: str, tiers: dict | None = None) -> IndicatorReading:
    """Evaluate the indicator at ``path`` (``indicators[3]``) of a project.

    Quantitative: the 调整后指标值 (else 年度指标值) is parsed and compared
    with 实际完成值.  Qualitative (``qualitative: 是``): the result's tier
    (``tiers``, default :data:`TIERS_10`), at the 达成度 given — which must lie
    within the tier — or else the tier's top.
    """
    g = lambda k: u.get(f"{path}.{k}")  # noqa: E731
    name, target_text = g("name") or "", g("adjusted_target") or g("target") or ""
    actual_text = g("actual") or ""
    target_path = f"{path}.adjusted_target" if g("adjusted_target") else f"{path}.target"

    def fail(message, where):
        return IndicatorReading(path, name, target_text, actual_text, None, None, "", message, where)

    if g("qualitative"):
        result = g("result")
        if result is None:
            return fail("定性指标需填写完成情况 result（达成/部分达成/未达成）", f"{path}.result")
        low, high = (tiers or TIERS_10).get(result, TIERS_10[result])
        degree = g("degree")
        if degree is not None and not low <= degree <= high:
            return fail(f"“{result}”的达成度应在 {N.percent(low)}–{N.percent(high)} 之间，实为 {N.percent(degree)}",
                        f"{path}.degree")
        share = degree if degree is not None else high
        # 完成进度: the 达成度 when given (seed 004: 项目引进 18 of 50 → 36%)
        progress = N.percent(degree) if degree is not None else "完成" if result == "达成" else result
        return IndicatorReading(path, name, target_text, actual_text, min(share, Decimal(1)),
                                result == "达成", progress)
    target = parse_target(target_text)
    if target is None:
        return fail(f"无法识别指标值 '{target_text}'：应为“比较符 数字 单位”（如 >=20次、≤5%、不超4.67万），"
                    f"或将该指标标为定性指标（qualitative: 是）", target_path)
    if not actual_text:
        return fail("缺少实际完成值", f"{path}.actual")
    actual = parse_actual(actual_text)
    if actual is None:
        return fail(f"无法识别实际完成值 '{actual_text}'：应为数字加单位（如 18家、95%），"
                    f"或将该指标标为定性指标", f"{path}.actual")
    if not units_compatible(target.unit, actual[1]):
        return fail(f"实际完成值的单位“{actual[1]}”与指标值的单位“{target.unit}”不一致", f"{path}.actual")
    return IndicatorReading(path, name, target_text, actual_text, achievement(target, actual[0]),
                            is_met(target, actual[0]), progress_text(target, actual[0]))


@computation("indicator_achievement", "绩效指标完成程度", ("indicators",))
def indicator_achievement(u: Unit, args: dict) -> Measure:
    """Mean achievement (ratio) of the project's indicators whose 二级指标 is
    ``args.level2`` (数量指标, 成本指标, 经济效益指标…); 不适用 when it has none."""
    wanted = args["level2"]
    readings = [read_indicator(u, p) for p in u.items("indicators")
                if (u.get(f"{p}.level2") or "").rstrip("指标") == wanted.rstrip("指标")]
    usable = [r for r in readings if r.achievement is not None]
    parts = "；".join(f"{r.name}：{r.progress}" for r in usable)
    if not usable:
        return Measure("ratio", None, vars={"summary": f"无{wanted}", "rate": N.NOT_APPLICABLE})
    value = sum((r.achievement for r in usable), N.ZERO) / len(usable)
    summary = f"{wanted}{len(usable)}项（{parts}），平均完成程度{N.percent(value)}"
    return Measure("ratio", value, vars={"summary": summary, "rate": N.percent(value)})
