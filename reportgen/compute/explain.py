"""A plain-text account of everything derived for a unit: each indicator's
value, score and why points were lost, subtotals, total, grade and the
generated sentences.  ``reportgen check --figures`` prints it; the golden
tests keep one per example, so any change in a derived figure shows in a diff.
"""

from __future__ import annotations

from reportgen import numbers as N
from reportgen.pipeline import Prepared


def figures(prepared: Prepared) -> str:
    """The derived figures of every form, one indicator per line."""
    u = prepared.unit
    lines = [f"单位: {u.name}  年度: {u.year}"]
    scored = prepared.scored_forms()
    for pf in prepared.forms:
        lines.append(f"== {pf.title}")
        card = pf.card
        if card is not None and all(pf is not f for f in scored):
            first = next(f for f in scored if f.score_key == pf.score_key)
            lines.append(f"（评分同《{first.title}》）")
        elif card is not None and hasattr(card, "execution_score"):
            lines += _national(card)
        elif card is not None:
            for s in card.sections:
                lines.append(f"[{s.name}] 参考{N.plain(s.ref_weight)} 设定{N.plain(s.weight)} "
                             f"得分 {N.score(s.score)}")
                for b in s.blocks:
                    lines.append(f"  <{b.name}> 设定{N.plain(b.weight)} 得分 {N.score(b.score)}")
                    for i in b.indicators:
                        value = ""
                        if i.measure is not None and i.measure.kind == "ratio":
                            value = N.percent(i.measure.value)
                        line = (f"    {i.key}（{i.name}）参考{N.plain(i.ref_weight)} "
                                f"设定{N.score(i.weight)} 值 {value or '—'} 得分 {N.score(i.score)}")
                        if i.override is not None:
                            line += f"  [人工评分: {i.override}]"
                        elif i.reason:
                            line += f"  [{i.reason}]"
                        if i.analysis:
                            line += f"  计算: {i.analysis}"
                        lines.append(line)
            lines.append(f"综合得分 {N.score(card.total)} / {N.plain(card.total_weight)}  等次 {card.grade}")
        for name, text in pf.texts.items():
            lines.append(f"-- {name}: {text}")
    return "\n".join(lines) + "\n"


def _national(card) -> list[str]:
    lines = [f"预算执行率 {N.percent(card.execution_rate)} 分值{N.plain(card.execution_weight)} "
             f"得分 {N.score(card.execution_score)}"]
    for i in card.indicators:
        r = i.reading
        lines.append(f"  {i.level1}/{i.level2}/{r.name}: 指标值 {r.target_text} 实际 {r.actual_text or '—'} "
                     f"完成 {N.percent(r.achievement)} 分值 {N.score(i.weight)} 得分 {N.score(i.score)}")
    lines.append(f"总分 {N.score(card.total)} / {N.plain(card.total_weight)}  等次 {card.grade}")
    return lines
