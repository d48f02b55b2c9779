"""Stage 5 for the national 项目支出绩效自评表 (财预〔2020〕10号).

Unlike the 部门整体 form, whose indicator tree is fixed by the city, a
project form scores the indicators the unit set for that project:

* 预算执行率 (全年执行数/全年预算数) × 10, capped at 10;
* the other 90 points spread over the project's indicators by a
  ``weighting``: ``explicit`` (each indicator gives its 分值; they must add
  up to 90), ``equal_split`` (as Xinzhou does: 90/n each, truncated to 0.01,
  the remainder on the first indicator — seed 002's 12.9 + 6 × 12.85), or
  ``national`` (产出 50 / 效益 30 / 满意度 10, each split equally; without a
  满意度 indicator its 10 go to 效益);
* a met target earns its full 分值, an unmet one 分值 × actual/target
  (target/actual for "≤"), a 定性 indicator its tier's share.

Every score is rounded half-up to 2 dp; 总分 is the sum of the printed
scores.  The parameters come from the pack (``project_rules.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from reportgen import numbers as N
from reportgen.compute.derive import (TIERS_10, IndicatorReading, fund_amount, fund_total, project_execution_rate,
                     read_indicator)
from reportgen.errors import WARNING, Diagnostic
from reportgen.compute.primitives import GradeBands
from reportgen.unitfile.schema import FUND_SOURCES, zh_name
from reportgen.unitfile.validate import Unit

LEVEL1_ORDER = ("产出指标", "效益指标", "满意度指标")


@dataclass(frozen=True)
class NationalRules:
    """A pack's parameters for the national project form."""

    execution_weight: Decimal = Decimal(10)
    indicator_weight: Decimal = Decimal(90)
    weighting: str = "equal_split"
    level1_weights: tuple[tuple[str, Decimal], ...] = (
        ("产出指标", Decimal(50)), ("效益指标", Decimal(30)), ("满意度指标", Decimal(10)))
    grades: GradeBands = GradeBands(((Decimal(90), "优"), (Decimal(80), "良"),
                                     (Decimal(60), "中"), (Decimal(0), "差")))
    tiers: tuple[tuple[str, Decimal, Decimal], ...] = tuple((k, lo, hi) for k, (lo, hi) in TIERS_10.items())
    source: str = ""

    @property
    def tier_map(self) -> dict:
        return {name: (low, high) for name, low, high in self.tiers}


@dataclass
class ScoredIndicator:
    reading: IndicatorReading
    level1: str
    level2: str
    weight: Decimal
    score: Decimal


@dataclass
class ProjectScore:
    """A scored national project form.  Rates are ratios; scores 2 dp."""

    execution_rate: Decimal | None
    execution_score: Decimal
    execution_weight: Decimal
    indicators: list[ScoredIndicator] = field(default_factory=list)
    grade: str = ""

    @property
    def total(self) -> Decimal:
        return self.execution_score + sum((i.score for i in self.indicators), N.ZERO)

    @property
    def total_weight(self) -> Decimal:
        return self.execution_weight + sum((i.weight for i in self.indicators), N.ZERO)


def split_equally(total: Decimal, n: int) -> list[Decimal]:
    """``total`` over ``n`` shares truncated to 0.01; the remainder goes to
    the first share, so the shares add up exactly (90/7 → 12.9 + 6 × 12.85)."""
    if n == 0:
        return []
    share = (total / n).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    shares = [share] * n
    shares[0] += total - share * n
    return shares


def _weights(u: Unit, paths: list[str], rules: NationalRules) -> tuple[list[Decimal], list[Diagnostic]]:
    weighting = u.get("weighting") or rules.weighting
    diags: list[Diagnostic] = []
    if weighting == "explicit":
        missing = [p for p in paths if not u.has(f"{p}.weight")]
        for p in missing:
            diags.append(Diagnostic("指标分值方式为 explicit 时，每个指标都要填写分值", u.loc(p),
                                    u.full_path(f"{p}.weight"), "分值"))
        if missing:
            return [N.ZERO] * len(paths), diags
        weights = [u[f"{p}.weight"] for p in paths]
        if sum(weights, N.ZERO) != rules.indicator_weight:
            diags.append(Diagnostic("各绩效指标分值之和须等于指标总分值", u.loc("indicators"),
                                    u.full_path("indicators"), "绩效指标",
                                    expected=N.plain(rules.indicator_weight),
                                    found=N.plain(sum(weights, N.ZERO)),
                                    difference=N.plain(sum(weights, N.ZERO) - rules.indicator_weight)))
        return weights, diags
    if weighting == "equal_split":
        return split_equally(rules.indicator_weight, len(paths)), diags
    # national: 产出 50 / 效益 30 / 满意度 10, the 满意度 share moving to 效益 when absent
    levels = [u.get(f"{p}.level1") for p in paths]
    budget = dict(rules.level1_weights)
    if "满意度指标" not in levels:
        budget["效益指标"] = budget.get("效益指标", N.ZERO) + budget.pop("满意度指标", N.ZERO)
    weights = [N.ZERO] * len(paths)
    for level, total in budget.items():
        idx = [i for i, lv in enumerate(levels) if lv == level]
        if not idx:
            diags.append(Diagnostic(f"按 national 方式分配分值，但没有“{level}”类指标", u.loc("indicators"),
                                    u.full_path("indicators"), "绩效指标"))
            continue
        for i, w in zip(idx, split_equally(total, len(idx))):
            weights[i] = w
    return weights, diags


def indicator_problems(u: Unit, readings: list[IndicatorReading] | None = None) -> list[Diagnostic]:
    """One error per indicator of a project whose target, actual or 达成度 cannot be read."""
    if readings is None:
        readings = [read_indicator(u, p) for p in u.items("indicators")]
    return [Diagnostic(r.problem, u.loc(r.problem_path), u.full_path(r.problem_path),
                       zh_name(u.full_path(r.problem_path)))
            for r in readings if r.problem]


def score_project(u: Unit, rules: NationalRules) -> tuple[ProjectScore | None, list[Diagnostic]]:
    """Score one project (a :meth:`Unit.scoped` view) on the national form.

    With ``execution_weight`` 0 (the Shanxi 整体支出 form, scoped to
    ``whole_evaluation``) there is no 预算执行率 row and no 项目资金 needed."""
    diags: list[Diagnostic] = []
    if rules.execution_weight and not u.given("funds"):
        diags.append(Diagnostic("缺少数据：项目自评表需要项目资金（按来源填写年初预算数、全年预算数、全年执行数）",
                                u.loc("funds"), u.full_path("funds"), "项目资金"))
    paths = u.items("indicators")
    if not paths:
        diags.append(Diagnostic("缺少数据：项目自评表需要绩效指标", u.loc("indicators"),
                                u.full_path("indicators"), "绩效指标"))
    readings = [read_indicator(u, p, rules.tier_map) for p in paths]
    diags += indicator_problems(u, readings)
    weights, more = _weights(u, paths, rules)
    diags += more
    if any(d.is_error for d in diags):
        return None, diags
    m = project_execution_rate(u, {})
    if not rules.execution_weight:          # a form without a 预算执行率 row
        exec_score = N.ZERO
    elif m.value is None:
        diags.append(Diagnostic("全年预算数为 0：预算执行率“不适用”，按满分计", u.loc("funds"),
                                u.full_path("funds"), "项目资金", severity=WARNING))
        exec_score = rules.execution_weight
    else:
        exec_score = N.quantize(rules.execution_weight * min(m.value, Decimal(1)))
    scored = [ScoredIndicator(r, u.get(f"{r.path}.level1"), u.get(f"{r.path}.level2"), w,
                              N.quantize(w * r.achievement))
              for r, w in zip(readings, weights)]
    result = ProjectScore(m.value, exec_score, rules.execution_weight, scored)
    result.grade = rules.grades.grade(result.total)
    return result, diags


def funds_rows(u: Unit) -> list[dict]:
    """The 项目资金 grid of the national form: 年度资金总额 then each source;
    amounts in 万元 (2 dp); 执行率 per row; 分值/得分 on the total row only."""
    labels = {"central": "其中：中央财政资金", "provincial": "省级财政资金",
              "city_county": "市县(区)财政资金", "carried_over": "上年结转资金", "other": "其他资金"}
    rows = []
    for key, _ in (("total", "年度资金总额"),) + FUND_SOURCES:
        if key == "total":
            label = "年度资金总额"
            budget, adjusted, spent = (fund_total(u, c) for c in ("budget", "adjusted_budget", "spent"))
        else:
            label = labels[key]
            budget, adjusted, spent = (fund_amount(u, key, c) for c in ("budget", "adjusted_budget", "spent"))
        rate = spent / adjusted if adjusted else None
        rows.append({"key": key, "label": label, "budget": N.wan(budget), "adjusted_budget": N.wan(adjusted),
                     "spent": N.wan(spent), "rate": N.percent(rate) if rate is not None else N.NO_FIGURE})
    return rows
