#!/usr/bin/env python3
"""Which 产出/效果 rule do seed 004's project scores support?

The 晋中市财政支出项目绩效自评表 scores 产出 (实际完成率, 完成及时率, 质量达标率,
成本节约率) and 效果 (经济效益 … 满意度) on the project's own 绩效指标 of the
matching kind (数量指标, 时效指标 …).  rubrics.md §3.2 lists candidate rules;
this tool applies each to the indicators of seed 004's two projects — as the
bundled example ``examples/jinzhong-zhaoshang-2020.yaml`` types them, the
seed's own 目标值 and 实际完成指标值 — and compares the result with the score
the seed's evaluator gave (its 评分表, :data:`SEED_SCORES`).

Candidates (``w`` = the 设定分值, ``a`` = an indicator's achievement per
财预〔2020〕10号: 1 if met, else actual/target, a 定性 indicator its tier):

* ``mean``  — w × mean(a)                    (the pack's rule)
* ``met``   — w × (indicators met / indicators)
* ``all``   — w if every indicator is met, else 0
* ``min``   — w × min(a)
* ``tiers`` — 10号 tiers on the block: all met 达成 80–100% of w, some met
  部分达成 60–80%, none 未达成 0–60% (a range: fits if the seed's score lies in it)
* ``minus1`` — w − 1 per indicator not met

Run::

    python tools/project_rule_evidence.py        # the evidence table (markdown)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen import numbers as N  # noqa: E402
from reportgen.compute.derive import read_indicator  # noqa: E402
from reportgen.pack.packs import load_pack  # noqa: E402
from reportgen.unitfile.validate import load_unit  # noqa: E402

EXAMPLE = ROOT / "examples" / "jinzhong-zhaoshang-2020.yaml"

#: Seed 004's 评分表 (../shared/seeds/004_*.txt): project → indicator key →
#: (设定分值, 评价得分).  Blocks of 设定分值 0 (生态效益; P2 可持续影响) are left out.
SEED_SCORES = {
    "招商引资工作经费": {
        "output_quantity": (8, "5"), "output_timeliness": (7, "5"), "output_quality": (8, "8"),
        "output_cost": (7, "7"), "economic_benefit": (8, "8"), "social_benefit": (6, "3"),
        "sustainable_impact": (6, "3"), "satisfaction": (10, "10"),
    },
    "招商引资专项经费": {
        "output_quantity": (8, "8"), "output_timeliness": (7, "7"), "output_quality": (8, "8"),
        "output_cost": (7, "6"), "economic_benefit": (10, "5"), "social_benefit": (10, "5"),
        "satisfaction": (10, "8"),
    },
}

CANDIDATES = ("mean", "met", "all", "min", "tiers", "minus1")


@dataclass
class Row:
    project: str
    indicator: str            # 三级指标 of the 评分表
    readings: list            # the project's 绩效指标 of that kind
    weight: Decimal
    seed: Decimal
    scores: dict              # candidate → Decimal, or (low, high) for tiers

    def fits(self, candidate: str) -> bool:
        s = self.scores[candidate]
        if isinstance(s, tuple):
            return s[0] <= self.seed <= s[1]
        return N.quantize(s) == self.seed


def candidate_scores(w: Decimal, achievements: list[Decimal], met: list[bool]) -> dict:
    """Every candidate rule's score on weight ``w`` (see the module doc)."""
    n = len(achievements)
    n_met = sum(met)
    tier = ((Decimal("0.8"), Decimal(1)) if n_met == n else
            (Decimal("0.6"), Decimal("0.8")) if n_met else (Decimal(0), Decimal("0.6")))
    return {
        "mean": w * sum(achievements, N.ZERO) / n,
        "met": w * n_met / n,
        "all": w if n_met == n else N.ZERO,
        "min": w * min(achievements),
        "tiers": (w * tier[0], w * tier[1]),
        "minus1": max(N.ZERO, w - (n - n_met)),
    }


def evidence(example: Path = EXAMPLE) -> list[Row]:
    """One row per scored 产出/效果 indicator of seed 004's two projects."""
    pack = load_pack("jinzhong")
    rubric = next(f for f in pack.forms if f.key == "project").rubric
    level2 = {i.key: i.args["level2"] for i in rubric.indicators()
              if i.computation.key == "indicator_achievement"}
    names = {i.key: i.name for i in rubric.indicators()}
    unit, diags = load_unit(example)
    assert unit is not None, [d.format() for d in diags]
    rows = []
    for p in unit.items("projects"):
        project = unit[f"{p}.name"]
        if project not in SEED_SCORES:
            continue
        scoped = unit.scoped(p)
        for key, (weight, seed) in SEED_SCORES[project].items():
            wanted = level2[key].rstrip("指标")
            readings = [read_indicator(scoped, i) for i in scoped.items("indicators")
                        if (scoped.get(f"{i}.level2") or "").rstrip("指标") == wanted]
            w = Decimal(weight)
            rows.append(Row(project, names[key], readings, w, Decimal(seed),
                            candidate_scores(w, [r.achievement for r in readings],
                                             [bool(r.met) for r in readings])))
    return rows


def fit_counts(rows: list[Row]) -> dict[str, int]:
    return {c: sum(r.fits(c) for r in rows) for c in CANDIDATES}


def _shown(s) -> str:
    if isinstance(s, tuple):
        return f"{N.score(s[0])}–{N.score(s[1])}"
    return N.score(s)


def table(rows: list[Row]) -> str:
    """The evidence as a markdown table: one line per indicator of each block."""
    head = ("| 项目 | 评分指标 | 绩效指标 | 目标值 | 实际完成值 | 完成进度 | 设定分值 | 原表得分 | "
            + " | ".join(CANDIDATES) + " |")
    out = [head, "|" + "---|" * (8 + len(CANDIDATES))]
    for r in rows:
        for k, reading in enumerate(r.readings):
            first = k == 0
            cells = [r.project if first else "", r.indicator if first else "", reading.name,
                     reading.target_text, reading.actual_text, reading.progress,
                     N.plain(r.weight) if first else "", N.score(r.seed) if first else ""]
            cells += [(_shown(r.scores[c]) + ("" if r.fits(c) else " ✗")) if first else ""
                      for c in CANDIDATES]
            out.append("| " + " | ".join(cells) + " |")
    counts = fit_counts(rows)
    out.append("| **fits** | | | | | | | " + f"{len(rows)} |" + " | ".join(
        f"{counts[c]}/{len(rows)}" for c in CANDIDATES) + " |")
    return "\n".join(out)


def main() -> int:
    print(table(evidence()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
