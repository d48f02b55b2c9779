"""The scoring primitives of rubrics.md §0.2, implemented once.

A rubric file names one primitive per indicator with its parameters; this
module turns that into a :class:`Rule` and scores a :class:`Measure` with it.
Rules score against the indicator's 参考分值 ``w``; the score stage rescales
to a unit's 设定分值.  Percent parameters are written as percentages (100 for
100%); measures carry ratios.

Every rule can say whether a hand-entered score is *attainable* — a score the
rule could have produced for some input — so an override cannot claim, say,
5 of 6 where the printed rule only gives 6, 4.5, 3….
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from reportgen import numbers as N
from reportgen.compute.derive import Measure
from reportgen.numbers import HUNDRED, ZERO
from reportgen.unitfile.schema import Awarded, Cases


class RuleError(ValueError):
    """A rubric gave a primitive bad or missing parameters (pack problem)."""


@dataclass(frozen=True)
class Scored:
    """A score (on the reference weight) and, if points were lost, why.

    ``reason`` is the finding as the form states it — the measured value and
    the rule it falls short of ("48.32%，低于100%共51.68个百分点") — without the
    deduction: the score stage states the deduction once, on the weight the
    unit uses (its 设定分值), so a finding never carries two amounts."""

    value: Decimal
    reason: str = ""
    problems: tuple[str, ...] = ()  # unit-file problems (e.g. an unanswered 要点)


def _dec(params: dict, key: str, default=None) -> Decimal:
    if key not in params:
        if default is None:
            raise RuleError(f"缺少参数 '{key}'")
        return Decimal(default)
    v = params[key]
    if isinstance(v, bool) or not isinstance(v, (int, str, Decimal)):
        raise RuleError(f"参数 '{key}' 应为数字，实为 {v!r}")
    value = N.parse_decimal(str(v).rstrip("%"))
    if value is None:
        raise RuleError(f"参数 '{key}' 应为数字，实为 {v!r}")
    return value


def _choice(params: dict, key: str, options: tuple[str, ...], default: str) -> str:
    v = str(params.get(key, default))
    if v not in options:
        raise RuleError(f"参数 '{key}' 应为 {' / '.join(options)} 之一，实为 {v!r}")
    return v


def _pct(value: Decimal) -> str:
    return N.fixed(value, 2) + "%"


def _pts(value: Decimal) -> str:
    """Points as the form prints them: 0.2, 1.5, 3."""
    return N.plain(N.quantize(value, 2))


class Rule(ABC):
    """One scoring primitive with its parameters."""

    primitive: str = ""
    accepts: str = "ratio"  # the Measure kind it scores
    params: tuple[str, ...] = ()

    @abstractmethod
    def score(self, w: Decimal, m: Measure) -> Scored:
        """Score ``m`` on reference weight ``w``."""

    @abstractmethod
    def attainable(self, w: Decimal, s: Decimal) -> bool:
        """Whether ``s`` (on reference weight ``w``) is a score this rule can give."""

    def max_score(self, w: Decimal) -> Decimal:
        return w

    def values(self, w: Decimal) -> frozenset[Decimal] | None:
        """Every score the rule can give on weight ``w`` when that is a finite
        set (bands, steps, 要点), else None (a continuous rule)."""
        return None

    def describe(self) -> str:
        """The rule in one line of Chinese, for docs and `check` output."""
        return self.primitive


class _RatioRule(Rule):
    """Shared handling of 不适用 (a zero denominator)."""

    def __init__(self, params: dict):
        self.not_applicable = _choice(params, "not_applicable", ("full", "zero"), "full")

    def score(self, w, m):
        if m.value is None:
            if self.not_applicable == "full":
                return Scored(w)
            return Scored(ZERO, "不适用（分母为0）")
        return self.score_percent(w, m.value * HUNDRED)

    @abstractmethod
    def score_percent(self, w: Decimal, p: Decimal) -> Scored:
        """Score a percentage ``p`` (86.67 for 86.67%)."""


class PenaltyPerPoint(_RatioRule):
    """``penalty_per_point``: deduct ``step`` for each ``per`` percentage points
    of deviation from ``target``, in direction ``over``/``under``/``both``;
    partial units are truncated (``floor``, as seed 004: 112.5% → 12 points),
    rounded up (``ceil``) or counted exactly (``exact``).  Floor at 0."""

    primitive = "penalty_per_point"
    params = ("target", "direction", "step", "per", "truncation", "not_applicable")

    def __init__(self, params: dict):
        super().__init__(params)
        self.target = _dec(params, "target")
        self.direction = _choice(params, "direction", ("over", "under", "both"), "under")
        self.step = _dec(params, "step")
        self.per = _dec(params, "per", 1)
        self.truncation = _choice(params, "truncation", ("floor", "ceil", "exact"), "floor")
        if self.step <= 0 or self.per <= 0:
            raise RuleError("参数 'step' 和 'per' 应大于 0")

    def deviation(self, p: Decimal) -> Decimal:
        if self.direction == "over":
            return max(ZERO, p - self.target)
        if self.direction == "under":
            return max(ZERO, self.target - p)
        return abs(p - self.target)

    def units(self, d: Decimal) -> Decimal:
        raw = d / self.per
        if self.truncation == "floor":
            return Decimal(N.floor_int(raw))
        if self.truncation == "ceil":
            return raw.to_integral_value(rounding=ROUND_CEILING)
        return raw

    def score_percent(self, w, p):
        d = self.deviation(p)
        units = self.units(d)
        full = self.step * units
        deduction = min(w, full)
        if deduction == 0:
            return Scored(w)
        side = "高于" if p > self.target else "低于"
        # the points actually counted, in percentage points, where whole steps
        # leave part of the deviation uncounted (112.5% → 按12个百分点计)
        counted = units * self.per
        shown = "" if self.truncation == "exact" or counted == d or full >= w else f"，按{_pts(counted)}个百分点计"
        # against a 0% target the deviation is the value itself: not repeated
        gap = "" if self.target == 0 else f"共{_pts(d)}个百分点"
        return Scored(w - deduction, f"{_pct(p)}，{side}{_pts(self.target)}%{gap}{shown}")

    def attainable(self, w, s):
        if not 0 <= s <= w:
            return False
        if self.truncation == "exact" or s == 0:
            return True
        k = (w - s) / self.step
        return k == k.to_integral_value()

    def values(self, w):
        if self.truncation == "exact":
            return None
        steps = N.floor_int(w / self.step) + 1
        return frozenset({max(ZERO, w - self.step * k) for k in range(steps + 1)})

    def describe(self):
        side = {"over": "超过", "under": "低于", "both": "偏离"}[self.direction]
        per = "每个百分点" if self.per == 1 else f"每{_pts(self.per)}个百分点"
        return f"{side}{_pts(self.target)}%的，{per}扣{_pts(self.step)}分，扣完为止"


class Bands(_RatioRule):
    """``bands``: the first band whose ``min`` (inclusive lower bound) or
    ``max`` (inclusive upper bound) holds gives its ``score``; a band with
    neither is the catch-all."""

    primitive = "bands"
    params = ("bands", "not_applicable")

    def __init__(self, params: dict):
        super().__init__(params)
        raw = params.get("bands")
        if not isinstance(raw, list) or not raw:
            raise RuleError("参数 'bands' 应为非空列表")
        self.bands: list[tuple[str, Decimal | None, Decimal]] = []
        for b in raw:
            if not isinstance(b, dict) or "score" not in b:
                raise RuleError("每个 band 应有 score 以及 min 或 max")
            kind = "min" if "min" in b else "max" if "max" in b else "else"
            bound = _dec(b, kind) if kind != "else" else None
            self.bands.append((kind, bound, _dec(b, "score")))

    def score_percent(self, w, p):
        for kind, bound, s in self.bands:
            if kind == "else" or (kind == "min" and p >= bound) or (kind == "max" and p <= bound):
                s = min(s, w)
                if s >= w:
                    return Scored(w)
                why = self._beyond() if kind == "else" else self._shortfall(p)
                return Scored(s, f"{_pct(p)}，{why}")
        return Scored(ZERO, f"{_pct(p)}，{self._beyond()}")

    def _shortfall(self, p: Decimal) -> str:
        """Why ``p``, inside a band below full marks, misses the full-mark
        band: the bound it fails (未达到95% / 超过0%)."""
        best = max(s for _, _, s in self.bands)
        for kind, bound, s in self.bands:
            if s == best and kind == "min" and p < bound:
                return f"未达到{_pts(bound)}%"
            if s == best and kind == "max" and p > bound:
                return f"超过{_pts(bound)}%"
        return "不在满分区间"

    def _beyond(self) -> str:
        """How a value that falls through to the catch-all band reads:
        beyond the last bounded band (超过10% / 低于70%)."""
        bounded = [(k, b) for k, b, _ in self.bands if k != "else"]
        if not bounded:
            return "不在满分区间"
        kind, bound = bounded[-1]
        return f"超过{_pts(bound)}%" if kind == "max" else f"低于{_pts(bound)}%"

    def attainable(self, w, s):
        return s in self.values(w)

    def values(self, w):
        return frozenset({min(b[2], w) for b in self.bands} | {ZERO})

    def max_score(self, w):
        return min(w, max(b[2] for b in self.bands))

    def describe(self):
        parts = []
        for kind, bound, s in self.bands:
            cond = {"min": f"≥{_pts(bound)}%" if bound is not None else "",
                    "max": f"≤{_pts(bound)}%" if bound is not None else "", "else": "其他"}[kind]
            parts.append(f"{cond}得{_pts(s)}分")
        return "；".join(parts)


class Proportional(_RatioRule):
    """``proportional``: positive (``up``) w·min(p/target, 1); reverse
    (``down``, a "≤" indicator) full at or below target, else w·target/p."""

    primitive = "proportional"
    params = ("target", "direction", "not_applicable")

    def __init__(self, params: dict):
        super().__init__(params)
        self.target = _dec(params, "target", 100)
        self.direction = _choice(params, "direction", ("up", "down"), "up")
        if self.target <= 0:
            raise RuleError("参数 'target' 应大于 0")

    def score_percent(self, w, p):
        if self.direction == "up":
            if p >= self.target:
                return Scored(w)
            s = w * p / self.target
            how = f"{_pct(p)}，未达到{_pts(self.target)}%，按比例计分"
        else:
            if p <= self.target:
                return Scored(w)
            s = w * self.target / p
            how = f"{_pct(p)}，超过{_pts(self.target)}%，按比例计分"
        return Scored(s, how)

    def attainable(self, w, s):
        return 0 <= s <= w

    def describe(self):
        return (f"达到{_pts(self.target)}%得满分，未达到的按比例得分" if self.direction == "up"
                else f"不超过{_pts(self.target)}%得满分，超过的按比例得分")


class Binary(_RatioRule):
    """``binary``: full marks when the percentage is within ``max`` (and/or at
    least ``min``), else 0."""

    primitive = "binary"
    params = ("min", "max", "not_applicable")

    def __init__(self, params: dict):
        super().__init__(params)
        self.min = _dec(params, "min") if "min" in params else None
        self.max = _dec(params, "max") if "max" in params else None
        if self.min is None and self.max is None:
            raise RuleError("binary 需要参数 'min' 或 'max'")

    def score_percent(self, w, p):
        ok = (self.min is None or p >= self.min) and (self.max is None or p <= self.max)
        if ok:
            return Scored(w)
        cond = f"低于{_pts(self.min)}%" if self.min is not None and p < self.min else f"高于{_pts(self.max)}%"
        return Scored(ZERO, f"{_pct(p)}，{cond}")

    def attainable(self, w, s):
        return s in (ZERO, w)

    def values(self, w):
        return frozenset({ZERO, w})

    def describe(self):
        return "满足条件得满分，否则0分"


@dataclass(frozen=True)
class ChecklistItem:
    """One 要点: ``points`` when met; ``per_case`` deducts that much per
    non-compliant case (down to 0 for the 要点); ``partial`` lists the other
    points a graded 要点 may be awarded (e.g. 0.5 of 1)."""

    key: str
    text: str
    points: Decimal
    per_case: Decimal | None = None
    partial: tuple[Decimal, ...] = ()


class Checklist(Rule):
    """``checklist``: each 要点 carries points; each one not met deducts its
    points, or a fixed ``deduction`` per failed 要点 or per case
    (“每出现一例不符合要求的扣1分”).  Floor at 0.

    Answers (schema.ChecklistAnswer): 是 / 否; ``N例`` — N non-compliant
    cases, for a 要点 with ``per_case`` or a rule with ``deduction``;
    ``X分`` — the points awarded to a 要点 with ``partial`` steps.
    """

    primitive = "checklist"
    accepts = "checklist"
    params = ("items", "deduction")

    def __init__(self, params: dict):
        raw = params.get("items")
        if not isinstance(raw, list) or not raw:
            raise RuleError("参数 'items' 应为非空列表（每项有 key、text、points）")
        self.items: list[ChecklistItem] = []
        for it in raw:
            if not isinstance(it, dict) or not {"key", "text", "points"} <= set(it):
                raise RuleError("每个要点应有 key、text、points")
            unknown = set(it) - {"key", "text", "points", "per_case", "partial"}
            if unknown:
                raise RuleError(f"要点不认识参数 {', '.join(sorted(unknown))}（可用: key, text, points, per_case, partial）")
            partial = it.get("partial") or []
            if not isinstance(partial, list):
                raise RuleError("要点的 partial 应为分数列表，如 [0.5]")
            item = ChecklistItem(str(it["key"]), str(it["text"]), _dec(it, "points"),
                                 _dec(it, "per_case") if "per_case" in it else None,
                                 tuple(_dec({"p": x}, "p") for x in partial))
            if any(not 0 < x < item.points for x in item.partial):
                raise RuleError(f"要点 '{item.key}' 的 partial 应在 0 与 {_pts(item.points)} 之间")
            self.items.append(item)
        keys = [i.key for i in self.items]
        if len(set(keys)) != len(keys):
            raise RuleError("要点 key 重复")
        self.deduction = _dec(params, "deduction") if "deduction" in params else None

    def total_points(self) -> Decimal:
        return sum((i.points for i in self.items), ZERO)

    def _loss(self, item: ChecklistItem, answer) -> tuple[Decimal, str, str]:
        """(points lost, how it reads, problem) for one answer."""
        if answer is True:
            return ZERO, "", ""
        if answer is False:
            return (self.deduction if self.deduction is not None else item.points), "", ""
        if isinstance(answer, Cases):
            if item.per_case is not None:
                return min(item.points, item.per_case * answer.count), f"（{answer.count}例）", ""
            if self.deduction is not None:
                return self.deduction * answer.count, f"（{answer.count}例）", ""
            return ZERO, "", f"要点 '{item.key}'（{item.text}）不按例扣分，应答 是 或 否"
        if isinstance(answer, Awarded):
            allowed = (item.points, ZERO) + item.partial
            if answer.points in allowed:
                return item.points - answer.points, f"（得{_pts(answer.points)}分）", ""
            shown = " / ".join(f"{_pts(x)}分" for x in sorted(set(allowed)))
            return ZERO, "", f"要点 '{item.key}'（{item.text}）只能得 {shown}，实为 {_pts(answer.points)}分"
        return ZERO, "", f"要点 '{item.key}' 的回答无法识别"

    def score(self, w, m):
        answers: dict = m.data or {}
        problems = [f"未回答要点 '{i.key}'（{i.text}）" for i in self.items if i.key not in answers]
        known = {i.key for i in self.items}
        problems += [f"未知要点 '{k}'（应为 {', '.join(sorted(known))} 之一）"
                     for k in answers if k not in known]
        lost, failed = ZERO, []
        for item in self.items:
            if item.key not in answers:
                continue
            loss, how, problem = self._loss(item, answers[item.key])
            if problem:
                problems.append(problem)
            if loss:
                lost += loss
                # quoted, its own quotes nested as ‘’ (符合部门‘三定’方案…)
                quoted = item.text.replace("“", "‘").replace("”", "’")
                failed.append(f"“{quoted}”{how}")
        lost = min(lost, w)
        if not lost:
            return Scored(w, "", tuple(problems))
        return Scored(w - lost, f"未达到要点{'、'.join(failed)}", tuple(problems))

    def _item_losses(self, item: ChecklistItem, w: Decimal) -> set[Decimal]:
        losses = {ZERO, self.deduction if self.deduction is not None else item.points}
        losses |= {item.points - x for x in item.partial}
        step = item.per_case if item.per_case is not None else self.deduction
        if step is not None:
            cap = item.points if item.per_case is not None else w
            losses |= {min(cap, step * k) for k in range(N.floor_int(cap / step) + 2)}
        return losses

    def values(self, w):
        totals = {ZERO}
        for item in self.items:
            totals = {min(w, t + loss) for t in totals for loss in self._item_losses(item, w)}
        return frozenset(w - t for t in totals)

    def attainable(self, w, s):
        return s in self.values(w)

    def describe(self):
        tail = f"；每例不符合扣{_pts(self.deduction)}分" if self.deduction is not None else ""
        return "；".join(f"{i.text}（{_pts(i.points)}分）" for i in self.items) + tail


@dataclass(frozen=True)
class Checkpoint:
    label: str
    month: int
    day: int
    min: Decimal  # percent


class Checkpoints(Rule):
    """``checkpoints``: each dated checkpoint whose cumulative 支付进度 reaches
    its threshold earns ``points``."""

    primitive = "checkpoints"
    accepts = "checkpoints"
    params = ("checkpoints", "points")

    def __init__(self, params: dict):
        raw = params.get("checkpoints")
        if not isinstance(raw, list) or not raw:
            raise RuleError("参数 'checkpoints' 应为非空列表（label、date: MM-DD、min）")
        self.points = _dec(params, "points")
        self.checkpoints: list[Checkpoint] = []
        for c in raw:
            try:
                month, day = (int(x) for x in str(c["date"]).split("-"))
                self.checkpoints.append(Checkpoint(str(c.get("label", c["date"])), month, day,
                                                   _dec(c, "min")))
            except (KeyError, ValueError, TypeError):
                raise RuleError(f"checkpoint 格式应为 {{label, date: MM-DD, min}}，实为 {c!r}") from None

    def total_points(self) -> Decimal:
        return self.points * len(self.checkpoints)

    def score(self, w, m):
        by_day = {(d.month, d.day): r for d, r in (m.data or []) if d}
        got, missed, problems = ZERO, [], []
        for c in self.checkpoints:
            if (c.month, c.day) not in by_day:
                problems.append(f"缺少 {c.month}月{c.day}日（{c.label}）的累计支付进度")
                continue
            rate = by_day[(c.month, c.day)]
            if rate is not None and rate * HUNDRED >= c.min:
                got += self.points
            else:
                shown = N.percent(rate)
                missed.append(f"{c.label}{shown}未达到{_pts(c.min)}%")
        got = min(got, w)
        if got >= w or problems:
            return Scored(min(w, got) if not problems else got, "", tuple(problems))
        return Scored(got, "，".join(missed))

    def attainable(self, w, s):
        k = s / self.points
        return 0 <= s <= w and k == k.to_integral_value()

    def values(self, w):
        return frozenset({min(w, self.points * k) for k in range(len(self.checkpoints) + 1)})

    def describe(self):
        return "；".join(f"{c.label}（{c.month}月{c.day}日）达到{_pts(c.min)}%得{_pts(self.points)}分"
                        for c in self.checkpoints)


@dataclass(frozen=True)
class Tier:
    result: str
    low: Decimal   # percent of w, inclusive
    high: Decimal  # percent of w, inclusive


class Tiers(Rule):
    """``tiers``: a qualitative result earns a share of w inside its tier
    (10号: 达成 100–80%, 部分达成 80–60%, 未达成 60–0%); the unit may give the
    达成度, else the tier's top is used."""

    primitive = "tiers"
    accepts = "tier"
    params = ("tiers",)

    def __init__(self, params: dict):
        raw = params.get("tiers")
        if not isinstance(raw, list) or not raw:
            raise RuleError("参数 'tiers' 应为非空列表（result、from、to）")
        self.tiers: dict[str, Tier] = {}
        for t in raw:
            try:
                tier = Tier(str(t["result"]), _dec(t, "from"), _dec(t, "to"))
            except (KeyError, TypeError):
                raise RuleError(f"tier 格式应为 {{result, from, to}}，实为 {t!r}") from None
            self.tiers[tier.result] = tier

    def score(self, w, m):
        result, degree = m.data
        tier = self.tiers.get(result)
        if tier is None:
            return Scored(ZERO, "", (f"实现程度应为 {' / '.join(self.tiers)} 之一，实为 '{result}'",))
        share = tier.high if degree is None else degree * HUNDRED
        if not tier.low <= share <= tier.high:
            return Scored(ZERO, "", (f"“{result}”的达成度应在 {_pts(tier.low)}%–{_pts(tier.high)}% 之间，"
                                     f"实为 {_pct(share)}",))
        s = w * share / HUNDRED
        if s >= w:
            return Scored(w)
        return Scored(s, f"{result}，达成度{_pct(share)}")

    def attainable(self, w, s):
        return any(w * t.low / HUNDRED <= s <= w * t.high / HUNDRED for t in self.tiers.values())

    def values(self, w):
        if any(t.low != t.high for t in self.tiers.values()):
            return None
        return frozenset(w * t.high / HUNDRED for t in self.tiers.values())

    def describe(self):
        return "；".join(f"{t.result}得{_pts(t.low)}%–{_pts(t.high)}%" for t in self.tiers.values())


@dataclass(frozen=True)
class Part:
    key: str
    name: str
    weight: Decimal
    rule: Rule


class Parts(Rule):
    """``parts``: an indicator scored in parts, each with its own weight and
    rule, the score being their sum (宁乡 预算执行率 = ①预算完成率 3分 +
    ②支付进度率 3分).  The computation gives one Measure per part key."""

    primitive = "parts"
    accepts = "parts"
    params = ("parts",)

    def __init__(self, params: dict):
        raw = params.get("parts")
        if not isinstance(raw, list) or len(raw) < 2:
            raise RuleError("参数 'parts' 应为至少两项的列表（key、name、weight、rule）")
        self.parts: list[Part] = []
        for it in raw:
            if not isinstance(it, dict) or not {"key", "name", "weight", "rule"} <= set(it):
                raise RuleError("每个部分应有 key、name、weight、rule")
            if not isinstance(it["rule"], dict) or it["rule"].get("primitive") == "parts":
                raise RuleError(f"部分 '{it['key']}' 的 rule 应为一个评分规则")
            try:
                rule = make_rule(it["rule"])
            except RuleError as exc:
                raise RuleError(f"部分 '{it['key']}': {exc}") from None
            self.parts.append(Part(str(it["key"]), str(it["name"]), _dec(it, "weight"), rule))

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.parts)

    def _weights(self, w: Decimal) -> list[Decimal]:
        total = sum((p.weight for p in self.parts), ZERO)
        return [p.weight * w / total for p in self.parts]

    def score(self, w, m):
        measures: dict = m.data or {}
        got, reasons, problems = ZERO, [], []
        for part, pw in zip(self.parts, self._weights(w)):
            pm = measures.get(part.key)
            if pm is None:
                problems.append(f"缺少“{part.name}”的计算结果")
                continue
            scored = part.rule.score(pw, pm)
            got += scored.value
            problems += scored.problems
            if scored.reason:
                reasons.append(f"{part.name}{scored.reason}，计{_pts(scored.value)}分")
        if got >= w:
            return Scored(w, "", tuple(problems))
        return Scored(got, "；".join(reasons), tuple(problems))

    def values(self, w):
        sums = {ZERO}
        for part, pw in zip(self.parts, self._weights(w)):
            vals = part.rule.values(pw)
            if vals is None:
                return None
            sums = {a + b for a in sums for b in vals}
        return frozenset(sums)

    def attainable(self, w, s):
        vals = self.values(w)
        return 0 <= s <= w if vals is None else s in vals

    def max_score(self, w):
        return sum((p.rule.max_score(pw) for p, pw in zip(self.parts, self._weights(w))), ZERO)

    def describe(self):
        return "；".join(f"{'①②③④⑤'[i]}{p.name}（{_pts(p.weight)}分）：{p.rule.describe()}"
                        for i, p in enumerate(self.parts))


PRIMITIVES: dict[str, type[Rule]] = {
    cls.primitive: cls
    for cls in (PenaltyPerPoint, Bands, Proportional, Binary, Checklist, Checkpoints, Tiers, Parts)
}


def make_rule(params: dict) -> Rule:
    """Build the rule a rubric describes: ``{primitive: NAME, …params}``.

    Raises :class:`RuleError` for an unknown primitive or parameter.
    """
    name = params.get("primitive")
    cls = PRIMITIVES.get(name)
    if cls is None:
        raise RuleError(f"未知的评分规则 '{name}'（应为 {', '.join(PRIMITIVES)} 之一）")
    unknown = set(params) - set(cls.params) - {"primitive", "inferred", "source"}
    if unknown:
        raise RuleError(f"{name} 不认识参数 {', '.join(sorted(unknown))}（可用: {', '.join(cls.params)}）")
    return cls(params)


@dataclass(frozen=True)
class GradeBands:
    """优/良/中/差: ``bands`` is ``[(min_inclusive, grade), …]`` high to low.

    财预〔2020〕10号: 90（含）–100 优, 80（含）–90 良, 60（含）–80 中, <60 差.
    """

    bands: tuple[tuple[Decimal, str], ...]

    def grade(self, total: Decimal) -> str:
        for low, grade in self.bands:
            if total >= low:
                return grade
        return self.bands[-1][1]
