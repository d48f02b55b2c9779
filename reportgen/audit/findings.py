"""A finding of ``reportgen audit``: where, what is printed, what it should be."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from reportgen.audit.figures import ERROR, NOTE, SEVERITIES, SUSPECT

__all__ = ["Finding", "ERROR", "SUSPECT", "NOTE", "SEVERITIES", "TAIL"]

#: the check name of a 尾差: a printed total one rounding step from the sum of its printed rows
#: (each row and the total rounded from unrounded 元, rubrics.md §6.4 #56).  Not a problem of the
#: document: listed in the 检查清单, never among the findings.
TAIL = "尾差"


@dataclass(frozen=True)
class Finding:
    """One inconsistency in a document.

    ``location`` is human-readable (第12行, 第2页第5行, 第3段, 表1第4行第6格);
    ``quote`` the passage as printed; ``stated`` the printed value and
    ``expected`` the value recomputed from the document's own figures (both
    as text with their unit, 万元/元/%/分/人…); ``difference`` stated minus
    expected; ``severity`` 错误 (proved wrong), 疑似 (a heuristic match
    that looks wrong) or 提示 (a rounding/truncation-level difference).
    ``check`` names the rule (公式 / 占比 / 同比 / 完成率 / 评分表 / 前后不一致 …).
    """

    file: str
    location: str
    check: str
    message: str
    quote: str
    stated: str
    expected: str
    difference: str
    severity: str

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def rank(self) -> int:
        return SEVERITIES.index(self.severity)
