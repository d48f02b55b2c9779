"""Figure recall (tools/figure_recall.py): every correct figure of a seed is
printed in the forms rendered from its example, and none of its wrong ones.

The measure itself is tested on constructed text; the bar on the real seeds
is every specific figure (issue 13 point 8 asks ≥ 97%; all five seeds are at
100%, so any figure lost is a regression), which live in
../shared beside the clone (as CI keeps them) or at $REPORTGEN_SHARED.
"""

from __future__ import annotations

import sys
from decimal import Decimal as D

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import figure_recall as F  # noqa: E402

needs_seeds = pytest.mark.skipif(not (F.DEFAULT_SHARED / "seeds").is_dir(),
                                 reason=f"seed filings not found at {F.DEFAULT_SHARED} "
                                        "(CI keeps ../shared beside the clone)")


def figures(text: str) -> list[str]:
    return sorted(str(f) for f in F.seed_figures(text))


def test_specific_figures_are_the_ones_that_cannot_match_by_chance():
    text = ("年初预算23310.11万元，调整-14608.39；得分3.00、0.00、17.05；投入19.8万元；占比78.98%；"
            "完成率100%，变动率0%；2021年8月24日第159次会议；电话2639118；减少60人；实得12分；"
            "编制16人；应得6分；经费515万元；行次2022.2.15")
    assert figures(text) == sorted(["23310.11万元", "-14608.39", "17.05", "19.8万元", "78.98%",
                                    "159次", "60人", "12分", "16人", "515万元"])


def test_cells_split_over_lines_are_joined_back():
    """Seed 002's 公开表 cells as its extracted text splits them."""
    text = ("2150501 行政运行\n9,628,490.\n\n68\n\n30110 职工基本医疗保险缴费\n378,6\n\n66.22\n"
            "302 商品和服务支出\n4,05\n\n7,78\n\n8.98\n电费\n23,8\n\n70.3\n\n3\n"
            "基本支出\n10,043,883\n.86\n得分\n10.\n\n49\n总分 100\n8\n8\n.\n2\n项\n目\n")
    assert figures(F.rejoin(text)) == sorted(["9,628,490.68", "378,666.22", "4,057,788.98",
                                              "23,870.33", "10,043,883.86", "10.49", "88.2"])
    # pieces a whole amount can be stay apart: a year and a 行次, a short
    # amount and the next row's, a full amount and a number below it
    kept = "2021.\n12\n5,000.00\n7\n28,547.41\n3\n1,234\n56\n366.\n30\n1\n8\n分\n"
    assert F.rejoin(kept) == kept.strip()


def test_a_number_printed_bare_and_with_a_unit_is_one_figure():
    assert figures("项目支出5.2万元，表中 5.2") == ["5.2万元"]


def test_found_at_the_seeds_precision_and_unit():
    seed = {str(f): f for f in F.seed_figures("19.8万元 79.1% 10万元 12分 60% 13.6")}
    printed = list(F.tokens("19.80万元 79.11% 10.40万元 12月 59.85% 13.60"))

    def found(name):
        return any(seed[name].found_as(p) for p in printed)

    assert found("19.8万元") and found("79.1%") and found("60%") and found("13.6")
    assert not found("10万元")          # a whole amount must be printed exactly
    assert not found("12分")            # 12月 is a date, not a score


def test_errata_replace_drop_and_report_stale_entries():
    figs = F.seed_figures("项目金额1824.1062万元，过程39.90，减少60人，控制率41.8%")
    errata = [{"seed": "1824.1062", "correct": "1860.70"},      # takes the seed's unit
              {"seed": "39.90", "correct": "39.00"},
              {"seed": "60人", "correct": "59人"},
              {"seed": "41.8%", "correct": "0%"},               # not specific: dropped
              {"seed": "99.99"}]                                # not in the text: stale
    out, stale = F.corrected(figs, errata)
    assert sorted(str(f) for f in out) == ["1860.70", "39.00", "59人"]
    assert next(f for f in out if f.value == D("1860.70")).unit == "money"
    assert stale == ["99.99"]


def test_an_erratum_right_elsewhere_keeps_the_seeds_figure():
    """Seed 002 prints 0.03% for 农林水 (wrong: 0.04%) and for 灾害防治 (right)."""
    figs = F.seed_figures("农林水支出3.6万元，占0.03%；灾害防治支出3万元，占0.03%")
    out, _ = F.corrected(figs, [{"seed": "0.03%", "correct": "0.04%", "right_elsewhere": "灾害防治"}])
    assert {"0.03%", "0.04%"} <= {str(f) for f in out}
    out, _ = F.corrected(figs, [{"seed": "0.03%", "correct": "0.04%"}])
    assert "0.03%" not in {str(f) for f in out} and "0.04%" in {str(f) for f in out}


def test_recall_counts_found_figures(tmp_path):
    shared = tmp_path / "shared"
    (shared / "seeds").mkdir(parents=True)
    (shared / "seeds" / "000_x.txt").write_text("预算23310.11万元，调整-14608.39，人数262人，占比78.98%",
                                                encoding="utf-8")
    r = F.measure("000", shared, errata={}, output="年初预算23310.11万元，预算调减14608.39万元，262人")
    assert (len(r.found), len(r.expected)) == (3, 4)
    assert [str(f) for f in r.missing] == ["78.98%"]
    assert r.ratio == D("0.75")


def golden_text(example: str) -> str:
    """The text of every form of ``example`` as tests/golden/ keeps it —
    test_examples.py checks that the forms rendered now are exactly these,
    so the recall is measured without rendering every example again."""
    forms = sorted(p for p in (ROOT / "tests" / "golden" / example.removesuffix(".yaml")).glob("*.txt")
                   if p.name != "figures.txt")
    assert forms, f"no golden forms for {example}"
    return "\n".join(p.read_text(encoding="utf-8") for p in forms)


@pytest.fixture(scope="module")
def rendered():
    """seed → the text of every form of its example (the golden dumps)."""
    return {seed: golden_text(example) for seed, (example, _) in sorted(F.PAIRS.items())}


def test_the_tool_measures_what_the_forms_print():
    """figure_recall.rendered_text renders the example's forms: the same
    printed figures as the golden dumps (seed 001's example, the quickest)."""
    example, pack = F.PAIRS["001"]
    now = sorted(str(f) for f in F.tokens(F.rendered_text(ROOT / "examples" / example, pack)))
    assert now == sorted(str(f) for f in F.tokens(golden_text(example)))
    assert "93.18%" in now and "70.50" in now


@pytest.fixture(scope="module")
def recalls(rendered):
    return {seed: F.measure(seed, output=rendered[seed]) for seed in sorted(F.PAIRS)}


def test_every_seed_is_measured():
    """The default run covers all five seeds, each with its own example."""
    assert sorted(F.PAIRS) == ["000", "001", "002", "003", "004"]
    assert all((ROOT / "examples" / example).is_file() for example, _ in F.PAIRS.values())


@needs_seeds
@pytest.mark.parametrize("seed", sorted(F.PAIRS))
def test_every_correct_figure_of_the_seed_is_printed(recalls, seed):
    """Issue 13 point 8 (≥ 97%): every specific figure of the seed, errata corrected."""
    r = recalls[seed]
    assert r.expected and not r.stale, f"errata not in seed {seed}: {r.stale}"
    assert not r.missing, f"{r.line()}; missing: {' '.join(map(str, r.missing))}"


@needs_seeds
@pytest.mark.parametrize("seed", sorted(F.PAIRS))
def test_no_wrong_figure_of_the_seed_is_printed(rendered, seed):
    """Correct beats faithful: no erratum's wrong figure appears in our forms
    (an entry without a correct value marks an unreadable figure, not a wrong one)."""
    printed = set(F.tokens(rendered[seed]))
    wrong = [e["seed"] for e in F.load_errata()[seed]
             if e.get("correct") is not None and not e.get("right_elsewhere")
             and any(F._figure(e["seed"]).found_as(p) for p in printed)]
    assert not wrong
