"""Stage 5, score: evaluate a unit against a pack's rubric.

For each 三级指标: its computation gives a Measure, its rule a score on the
参考分值, rescaled to the unit's 设定分值 when one is set.  Each indicator's
score is rounded half-up to 2 decimals — the value the form records — and
二级/一级 subtotals and 综合得分 are sums of those recorded scores, so the
printed table adds up exactly.  The 等次 follows the rubric's grade bands.

Problems in the unit file (a missing figure, a bad 设定分值, an override that
the rule cannot produce) come back as diagnostics with file:line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import jinja2

from reportgen import numbers as N
from reportgen.compute.derive import Measure
from reportgen.errors import ERROR, WARNING, Diagnostic, PackError
from reportgen.pack.packs import Indicator, Rubric, pattern_loc
from reportgen.unitfile.schema import zh_name
from reportgen.unitfile.validate import Unit


@dataclass
class IndicatorScore:
    """One scored 三级指标. Scores are points, 2 dp.

    ``reason`` is the finding behind lost points, without the deduction
    ("" for full marks); ``analysis`` is the 计算分析情况 text — the computed
    one, or for a hand-entered score (人工评分) the unit's own
    ``overrides.<key>.analysis``.  ``override`` is the hand-entered score's
    理由: for ``check`` and the reviewer, never printed on a form."""

    indicator: Indicator
    section: str
    block: str
    ref_weight: Decimal
    weight: Decimal
    score: Decimal
    measure: Measure | None
    reason: str
    analysis: str
    override: str | None = None

    @property
    def lost(self) -> Decimal:
        return self.weight - self.score

    @property
    def name(self) -> str:
        return self.indicator.name

    @property
    def key(self) -> str:
        return self.indicator.key

    @property
    def deduction(self) -> str:
        """The 扣分 sentence a finance officer writes, one deduction on the
        weight the unit uses (设定分值): "预算完成率48.32%，低于100%共51.68个
        百分点，扣2分" (seed 003: "完成率67.25%，扣3分").  A ratio's finding
        follows the indicator's name directly, any other after "："; "" for
        full marks."""
        if self.lost <= 0:
            return ""
        finding = self.reason.rstrip("。；，")
        ratio = self.measure is not None and self.measure.kind == "ratio" and self.override is None
        lead = f"{self.name}{'' if ratio else '：'}{finding}，" if finding else self.name
        return f"{lead}扣{N.plain(N.quantize(self.lost))}分"


@dataclass
class BlockScore:
    name: str
    ref_weight: Decimal
    weight: Decimal
    indicators: list[IndicatorScore]

    @property
    def score(self) -> Decimal:
        return sum((i.score for i in self.indicators), N.ZERO)


@dataclass
class SectionScore:
    name: str
    ref_weight: Decimal
    weight: Decimal
    blocks: list[BlockScore]

    @property
    def score(self) -> Decimal:
        return sum((b.score for b in self.blocks), N.ZERO)

    @property
    def indicators(self) -> list[IndicatorScore]:
        return [i for b in self.blocks for i in b.indicators]


@dataclass
class Scorecard:
    """The scored form: 一级 sections, 综合得分 and 等次."""

    sections: list[SectionScore]
    grade: str
    overrides: list[IndicatorScore] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((s.score for s in self.sections), N.ZERO)

    @property
    def total_weight(self) -> Decimal:
        return sum((s.weight for s in self.sections), N.ZERO)

    @property
    def indicators(self) -> list[IndicatorScore]:
        return [i for s in self.sections for i in s.indicators]


def _missing(unit: Unit, paths: list[str]) -> list[str]:
    return [p for p in paths if not unit.given(p)]


def _weights(unit: Unit, rubric: Rubric) -> tuple[dict[str, Decimal], list[Diagnostic]]:
    """The unit's 设定分值, checked: known keys, ≥ 0, each 二级 block keeps its sum."""
    diags: list[Diagnostic] = []
    chosen: dict[str, Decimal] = {}
    for key in unit.keys("weights"):
        path = f"weights.{key}"
        if not unit.has(path):
            continue
        ind = rubric.find(key)
        if ind is None:
            diags.append(Diagnostic(f"指标 '{key}' 不在《{rubric.title}》中，此设定分值不适用，已忽略",
                                    unit.loc(path), path, "设定分值", severity=WARNING))
            continue
        if not rubric.allow_weight_changes:
            diags.append(Diagnostic(f"《{rubric.title}》按参考分值评分，不采用设定分值，已忽略",
                                    unit.loc(path), path, "设定分值", severity=WARNING))
            continue
        if unit[path] < 0:
            diags.append(Diagnostic("设定分值不能为负数", unit.loc(path), path, "设定分值"))
            continue
        if unit[path] > 0 and ind.weight == 0:
            diags.append(Diagnostic("参考分值为 0 的指标不能设定分值", unit.loc(path), path, "设定分值"))
            continue
        chosen[key] = unit[path]
    for section in rubric.sections:
        for block in section.blocks:
            if not any(i.key in chosen for i in block.indicators):
                continue
            total = sum((chosen.get(i.key, i.weight) for i in block.indicators), N.ZERO)
            if total != block.weight:
                first = next(i.key for i in block.indicators if i.key in chosen)
                diags.append(Diagnostic(
                    f"二级指标“{block.name}”的设定分值合计须等于其参考分值合计",
                    unit.loc(f"weights.{first}"), "weights", "设定分值",
                    expected=N.plain(block.weight), found=N.plain(total),
                    difference=N.plain(total - block.weight)))
    return chosen, diags


def _display(ind: Indicator, m: Measure) -> str:
    """The 计算分析情况 text: the rubric's pattern filled with the measure's
    display strings.  A pattern that fails (or breaks the sandbox) is a pack
    problem, raised with the pattern's file:line."""
    try:
        return ind.display.render(**m.vars).strip()
    except jinja2.TemplateError as exc:
        raise PackError(f"指标“{ind.name}”的 display 模式出错: {exc}",
                        pattern_loc(ind.display, getattr(exc, "lineno", None)) or ind.loc) from None


def score_unit(unit: Unit, rubric: Rubric) -> tuple[Scorecard | None, list[Diagnostic]]:
    """Score ``unit`` under ``rubric``.

    Returns the Scorecard (None when a figure is missing or wrong) and every
    diagnostic: errors for missing inputs, unanswered 要点, bad weights or
    unattainable overrides; warnings for 不适用 values.
    """
    diags: list[Diagnostic] = []
    weights, more = _weights(unit, rubric)
    diags += more
    for key in unit.keys("overrides"):
        if rubric.find(key) is None:
            diags.append(Diagnostic(f"指标 '{key}' 不在《{rubric.title}》中，此人工评分不适用，已忽略"
                                    f"（可用: {', '.join(i.key for i in rubric.indicators())}）",
                                    unit.loc(f"overrides.{key}"), f"overrides.{key}", "人工评分",
                                    severity=WARNING))
    sections = []
    overrides = []
    for s in rubric.sections:
        blocks = []
        for b in s.blocks:
            scored = []
            for ind in b.indicators:
                result, more = _score_indicator(unit, ind, weights.get(ind.key, ind.weight), s.name, b.name)
                diags += more
                if result is not None:
                    scored.append(result)
                    if result.override is not None:
                        overrides.append(result)
            blocks.append(BlockScore(b.name, b.weight, sum((weights.get(i.key, i.weight)
                                                            for i in b.indicators), N.ZERO), scored))
        sections.append(SectionScore(s.name, s.weight, s.weight, blocks))
    if any(d.severity == ERROR for d in diags):
        return None, diags
    card = Scorecard(sections, "", overrides)
    card.grade = rubric.grades.grade(card.total)
    return card, diags


def _score_indicator(unit: Unit, ind: Indicator, weight: Decimal, section: str,
                     block: str) -> tuple[IndicatorScore | None, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    opath = f"overrides.{ind.key}"
    has_override = unit.has(f"{opath}.score")
    if weight == 0 and not has_override:  # a sub-indicator this unit does not use (设定分值 0)
        return IndicatorScore(ind, section, block, ind.weight, weight, N.ZERO, None, "", "不适用"), diags
    missing = _missing(unit, ind.needed())
    measure = scored = None
    if not missing:
        measure = ind.computation.fn(unit, ind.args)
        diags += [Diagnostic(f"{ind.name}: {w}", unit.loc(ind.needed()[0]), severity=WARNING)
                  for w in measure.warnings]
        diags += [Diagnostic(f"{ind.name}: {message}", unit.loc(path), path, zh_name(path) or ind.name)
                  for path, message in measure.problems]
        scored = ind.rule.score(ind.weight, measure)
        where = unit.loc(ind.needed()[0])
        diags += [Diagnostic(f"{ind.name}: {p}", where, ind.needed()[0], zh_name(ind.needed()[0]) or ind.name)
                  for p in scored.problems]
    elif not has_override:
        for path in missing:
            diags.append(Diagnostic(
                f"缺少数据：计算“{ind.name}”需要此项（或在 overrides.{ind.key} 中给出人工评分及理由）",
                unit.loc(path), path, zh_name(path) or ind.name))
        return None, diags
    analysis = _display(ind, measure) if measure is not None else ""
    if has_override:
        value = unit[f"{opath}.score"]
        reason = unit.get(f"{opath}.reason", "")  # a missing reason was reported by validate
        own = unit.get(f"{opath}.analysis", "").strip()
        ref_value = value * ind.weight / weight if weight else N.ZERO  # on the 参考分值
        if not 0 <= value <= weight:
            diags.append(Diagnostic(f"人工评分须在 0 到 {N.plain(weight)} 分之间，实为 {N.plain(value)}",
                                    unit.loc(f"{opath}.score"), f"{opath}.score", f"{ind.name} 人工评分"))
        elif not ind.rule.attainable(ind.weight, ref_value):
            diags.append(Diagnostic(
                f"人工评分 {N.plain(value)} 分不是“{ind.name}”的评分规则能给出的分数（{ind.rule.describe()}）",
                unit.loc(f"{opath}.score"), f"{opath}.score", f"{ind.name} 人工评分"))
        elif value < weight and not own:
            # the form's 扣分 list would say only "资产管理安全性扣1分": the
            # unit states what it found, as for a computed deduction
            diags.append(Diagnostic(
                f"人工评分扣{N.plain(N.quantize(weight - value))}分，未填写扣分说明（overrides.{ind.key}.analysis）："
                f"报告只能写“{ind.name}扣{N.plain(N.quantize(weight - value))}分”，请写明扣分的事项",
                unit.loc(f"{opath}.score"), f"{opath}.analysis", f"{ind.name} 计算分析情况", severity=WARNING))
        # the form prints the unit's own analysis, else the computed one; the
        # 理由 is for `check` and the reviewer only
        shown = own or analysis
        return IndicatorScore(ind, section, block, ind.weight, weight, N.quantize(value), measure,
                              own if value < weight else "", shown, override=reason), diags
    value = N.quantize(scored.value * weight / ind.weight) if ind.weight else N.ZERO
    return IndicatorScore(ind, section, block, ind.weight, weight, value, measure,
                          scored.reason if value < weight else "", analysis), diags
