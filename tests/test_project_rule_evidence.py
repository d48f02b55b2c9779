"""Issue 13 point 10: which 产出/效果 rule seed 004's project scores support
(tools/project_rule_evidence.py).  The seed's scores are typed in the tool;
its indicators are the bundled example's, so these run without ../shared."""

from __future__ import annotations

import sys
from decimal import Decimal as D

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import project_rule_evidence as E  # noqa: E402


def test_candidate_rules_on_a_constructed_block():
    """8 points, one indicator met, one at 90%."""
    s = E.candidate_scores(D(8), [D(1), D("0.9")], [True, False])
    assert s["mean"] == D("7.6") and s["met"] == D(4) and s["all"] == 0 and s["min"] == D("7.2")
    assert s["tiers"] == (D("4.8"), D("6.4")) and s["minus1"] == D(7)


def test_no_candidate_reproduces_seed_004():
    rows = E.evidence()
    assert len(rows) == 15
    counts = E.fit_counts(rows)
    assert max(counts.values()) < len(rows)
    # the counts project_rubric.yaml cites
    assert counts == {"mean": 6, "met": 6, "all": 6, "min": 6, "tiers": 8, "minus1": 7}


def test_same_indicator_results_get_different_seed_scores():
    """The proof that the seed's scores are judgements: blocks whose every
    indicator is met score full in some places and 50–86% in others, so no
    function of the indicator table gives them all."""
    rows = E.evidence()
    all_met = [r for r in rows if all(x.met for x in r.readings)]
    full = [r for r in all_met if r.seed == r.weight]
    cut = [(r.project, r.indicator) for r in all_met if r.seed < r.weight]
    assert len(full) == 6
    assert sorted(cut) == sorted([("招商引资工作经费", "完成及时率"), ("招商引资工作经费", "社会效益"),
                                  ("招商引资工作经费", "可持续影响"), ("招商引资专项经费", "经济效益"),
                                  ("招商引资专项经费", "社会效益"),
                                  ("招商引资专项经费", "社会公众或服务对象满意度")])


def test_the_table_shows_every_indicator():
    text = E.table(E.evidence())
    assert "| 招商引资工作经费 | 经济效益 | 项目引进 | 引进项目达到50个，总投资达到300亿元 | 18 | 36.00% | 8 | 8.00 |" in text
    assert text.splitlines()[-1].startswith("| **fits**")
