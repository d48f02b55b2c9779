"""The bundled examples, rendered and read back as a reviewer would.

Golden files (tests/golden/*.docx.txt: the form's paragraphs and table grid;
*.figures.txt: every derived figure) change only with --update-golden.
"""

from decimal import Decimal as D

import pytest
from click.testing import CliRunner

from cli import main
from conftest import EXAMPLES
from reportgen import explain
from reportgen.docxtext import dump, tables
from reportgen.packs import load_pack
from reportgen.pipeline import prepare, render_forms

JINZHONG = sorted(p.name for p in EXAMPLES.glob("jinzhong-*.yaml"))


@pytest.fixture(scope="module")
def rendered():
    """example name → (Prepared, [(file name, docx bytes)])."""
    pack = load_pack("jinzhong")
    out = {}
    for name in JINZHONG:
        p = prepare(EXAMPLES / name, pack)
        assert not p.errors, [d.format() for d in p.errors]
        out[name] = (p, render_forms(p))
    return out


def score_table(docx: bytes) -> list[list[str]]:
    """The rows of the 绩效情况 table, as cell texts."""
    rows = [row for t in tables(docx) for row in t]
    start = next(i for i, r in enumerate(rows) if "参考分值" in r)
    return rows[start + 1:]


def row_with(rows, name):
    return next(r for r in rows if name in r)


@pytest.mark.parametrize("name", JINZHONG)
def test_golden_docx_and_figures(rendered, golden, name):
    prepared, docs = rendered[name]
    stem = name.removesuffix(".yaml")
    golden(f"{stem}.docx.txt", dump(docs[0][1]))
    golden(f"{stem}.figures.txt", explain.figures(prepared))


@pytest.mark.parametrize("name", JINZHONG)
def test_printed_table_adds_up(rendered, name):
    """Each 一级 subtotal equals the sum of its rows as printed; 综合得分 the sum
    of the 一级 scores; 等次 follows the bands; no score above its weight."""
    _, docs = rendered[name]
    rows = score_table(docs[0][1])
    levels: list[list[D]] = []          # [printed subtotal, sum of printed rows]
    for r in rows:
        if any("综合得分" in c for c in r):
            total = D(r[-1])
            break
        if any(c in ("投入", "过程", "产出", "效果") for c in r):
            levels.append([D(r[-1]), D(0)])
        else:
            levels[-1][1] += D(r[-1])
    for subtotal, rows_sum in levels:
        assert subtotal == rows_sum
    assert total == sum(s for s, _ in levels)
    grade_row = next(r for r in rows if any("等次" in c for c in r))
    expected = "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"
    assert expected in grade_row


def test_zhaoshang_values_from_the_issue(rendered):
    """seed 004: 112.50% → 0.60; 59.85% → 0; 预算完成率 404.89/467.18 = 86.67%."""
    _, docs = rendered["jinzhong-zhaoshang-2020.yaml"]
    rows = score_table(docs[0][1])
    staff = row_with(rows, "在职人员控制率")
    assert "112.50%" in " ".join(staff) and staff[-1] == "0.60"
    adj = row_with(rows, "预算调整率")
    assert "59.85%" in " ".join(adj) and adj[-1] == "0.00"
    done = row_with(rows, "预算完成率")
    assert "404.89" in " ".join(done) and "467.18" in " ".join(done) and "86.67%" in " ".join(done)
    # correct beats faithful: the seed prints 94% → 1.20 and 过程 27.20, 综合得分 82.80
    assert done[-1] == "0.00"
    carry = row_with(rows, "结转结余率")
    assert "13.33%" in " ".join(carry)            # seed: 62.29/404.89 = 15.38%
    total = row_with(rows, "综合得分")
    assert "81.60" in total


def test_gongxin_corrects_the_budget_adjustment_score(rendered):
    """seed 000 scores 62.67% as 0.90 (rubrics.md §2.4 #6): 0 under the rule; 97.00 优."""
    prepared, docs = rendered["jinzhong-gongxin-2021.yaml"]
    rows = score_table(docs[0][1])
    adj = row_with(rows, "预算调整率")
    assert "62.67%" in " ".join(adj) and adj[-1] == "0.00"
    assert prepared.forms[0].card.total == D("97.00") and prepared.forms[0].card.grade == "优"
    # the staff total fell by 59, not the seed's 60 (#4)
    assert "减少59人" in prepared.forms[0].texts["staffing"]


def test_huitong_uses_its_set_weights(rendered):
    """seed 003 re-weights 预算执行 (参考 3/3/4/3/2/2/3 → 设定 2/4/4/2/3/3/2): 92.00."""
    prepared, docs = rendered["jinzhong-huitong-2021.yaml"]
    card = prepared.forms[0].card
    block = next(b for s in card.sections for b in s.blocks if b.name == "预算执行")
    assert [i.weight for i in block.indicators] == [D(2), D(4), D(4), D(2), D(3), D(3), D(2)]
    assert block.score == D(12)
    assert card.total == D("92.00")
    rows = score_table(docs[0][1])
    change = row_with(rows, "“三公经费”变动率")
    assert "-10.14%" in " ".join(change)        # the narrative's −11.29% divides by the wrong year (#7)
    completion = row_with(rows, "预算完成率")
    assert "48.32%" in " ".join(completion)     # 24.74/51.20, not the seed's 61.68% (#10)


def test_rendering_twice_gives_identical_bytes(tmp_path):
    runner = CliRunner()
    example = EXAMPLES / "jinzhong-zhaoshang-2020.yaml"
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    assert runner.invoke(main, ["render", str(example), "-t", "jinzhong", "-o", str(a)]).exit_code == 0
    assert runner.invoke(main, ["render", str(example), "-t", "jinzhong", "-o", str(b)]).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_no_template_tags_survive(rendered):
    for _, docs in rendered.values():
        text = dump(docs[0][1])
        assert "{{" not in text and "{%" not in text and "不适用" not in text


def test_seed_000_project_subtotal_error_is_caught(example_text, write_unit):
    """The seed states the six completed projects as 1824.1062 万元; they sum to
    1860.70 (#5). Typed as a control total, `check` reports the difference."""
    text = example_text("jinzhong-gongxin-2021.yaml") + "\nproject_totals:\n  implemented_spent: 1824.1062\n"
    p = prepare(write_unit(text), load_pack("jinzhong"))
    msg = next(d.format() for d in p.errors if "project_totals.implemented_spent" in d.path)
    assert "应为 1860.70万元，实为 1824.11万元，差额 -36.59万元" in msg
