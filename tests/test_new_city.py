"""A fourth city by data alone: a 长沙 district variant of the 宁乡 form, made
with ``templates new`` and data edits only (issue: a city is a pack) —
weights 投入13 / 过程61 and a tiered 预算控制率 that no built-in pack has."""

from __future__ import annotations

from click.testing import CliRunner

from conftest import EXAMPLES, edit
from reportgen.cli import main
from reportgen.pack.packs import load_pack
from reportgen.pipeline import prepare, render_forms

NEW_FORMULA = """
budget_control_rate:
  zh: 预算控制率
  value: ratio(budget.executed, total_budget)
  show: {executed: budget.executed, total_budget: total_budget}
  source: 长沙区县样表（示例）：预算执行数 / 全年预算数
"""

NEW_BLOCK = """      - name: 预算控制
        weight: 5
        indicators:
          - key: budget_control_rate
            name: 预算控制率
            weight: 5
            formula: budget_control_rate
            rule: {primitive: bands, bands: [{min: 98, score: 5}, {min: 95, score: 4}, {min: 90, score: 2}, {score: 0}],
                   source: "示例：≥98% 计5分，95–98% 4分，90–95% 2分，<90% 0分"}
            display: "（预算执行{{ executed }}万元/全年预算{{ total_budget }}万元）×100%={{ rate }}"
            criteria: 预算控制率≥98%，计5分；95%（含）–98%，计4分；90%（含）–95%，计2分；低于90%不得分。
"""


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_changsha_variant_by_data_edits_only(tmp_path):
    target = tmp_path / "changsha"
    r = run("templates", "new", "changsha", "--from", "ningxiang", "-o", target)
    assert r.exit_code == 0, r.output
    # 投入 18 → 13: 预算配置 loses 重点支出安排率 (5)
    rubric = target / "rubric.yaml"
    text = rubric.read_text(encoding="utf-8")
    start = text.index("          - key: key_spending_rate")
    end = text.index("  - name: 过程")
    rubric.write_text(text[:start] + text[end:], encoding="utf-8")
    edit(rubric, "    weight: 18\n", "    weight: 13\n")
    edit(rubric, "      - name: 预算配置\n        weight: 13\n", "      - name: 预算配置\n        weight: 8\n")
    # 过程 56 → 61: a new 二级 block with the tiered 预算控制率
    edit(rubric, "    weight: 56\n    children:\n", "    weight: 61\n    children:\n" + NEW_BLOCK)
    with open(target / "formulas.yaml", "a", encoding="utf-8") as fh:
        fh.write(NEW_FORMULA)
    r = run("templates", "check", target)
    assert r.exit_code == 0, r.output

    pack = load_pack(str(target))
    prepared = prepare(EXAMPLES / "ningxiang-gongxin-2022.yaml", pack)
    assert not prepared.errors, [d.format() for d in prepared.errors]
    card = prepared.scored_forms()[0].card
    assert [(s.name, s.weight) for s in card.sections] == [("投入", 13), ("过程", 61), ("产出及效率", 26)]
    control = next(i for i in card.indicators if i.indicator.key == "budget_control_rate")
    assert "预算控制率" == control.indicator.name and control.weight == 5
    assert control.analysis.startswith("（预算执行") and control.analysis.endswith("%")
    docs = render_forms(prepared)
    assert len(docs) == 3
    # the 附件2-2 appendix prints the new indicator with its criteria
    from reportgen.output.docxtext import dump
    scoring = next(data for name, data in docs if "附件2-2" in name)
    text = dump(scoring)
    assert "预算控制率" in text and "≥98%，计5分" in text
