"""The obligation ledger (检查清单) of one audited document: every check,
whether it was applied (已检查, with how many statements it examined), not
applicable (不适用: the document has nothing it checks) or could not be
applied (无法检查: the document has what it checks but not in a form that
can be read, e.g. a table without its 单位), and why.  An unreadable
document (a scanned PDF) gets every check as 无法检查 with the reason, so
that "no findings" never stands for "could not read".
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Callable

from reportgen.audit import checks, consistency, public, scoring, tables, wording
from reportgen.audit.read import Document

APPLIED, NOT_APPLICABLE, NOT_APPLIED = "已检查", "不适用", "无法检查"


@dataclass(frozen=True)
class Obligation:
    """One check's line in the ledger: ``check`` (中文名), ``status`` (已检查 /
    不适用 / 无法检查), ``reason`` (Chinese, for the reviewer)."""

    check: str
    status: str
    reason: str

    def as_dict(self) -> dict:
        return asdict(self)


def _count(pattern: str, what: str, none: str) -> Callable[[Document], tuple[str, str]]:
    rx = re.compile(pattern)

    def applies(doc: Document) -> tuple[str, str]:
        n = len(rx.findall(doc.stream))
        return (APPLIED, f"{n}处{what}") if n else (NOT_APPLICABLE, none)
    return applies


def _tables_with(pred: Callable, what: str) -> Callable[[Document], tuple[str, str]]:
    def applies(doc: Document) -> tuple[str, str]:
        ts = tables.tables(doc)
        if not ts:
            if doc.rows or doc.grid:
                return NOT_APPLICABLE, "未识别到带标题（…表）的表格"
            return NOT_APPLICABLE, "文件中没有表格"
        hit = [t for t in ts if pred(t)]
        if not hit:
            return NOT_APPLICABLE, f"表格中没有{what}"
        if all(t.unit is None for t in hit):
            return NOT_APPLIED, "表格未注明金额单位（单位：元/万元），无法与正文比较"
        return APPLIED, f"{len(hit)}张表"
    return applies


def _has_total(t) -> bool:
    return any(e.key in ("总计", "合计") and e.amounts for ln in t.lines for e in ln.entries)


def _has_classes(t) -> bool:
    return sum(1 for ln in t.lines for e in ln.entries if len(e.code) == 3) >= 2 and _has_total(t)


def _year(doc: Document) -> tuple[str, str]:
    own = wording.document_year(doc)
    if own is None:
        return NOT_APPLICABLE, "开头未写明“××年度部门/单位预算（决算）”，无从比对年份"
    return APPLIED, f"本文件为{own[0]}年{own[1]}"


#: (中文名, check, applicability) in the order the checks run
CHECKS: tuple[tuple[str, Callable, Callable], ...] = (
    ("写出的算式", checks.check_formulas, _count(r"[=＝]\s*[-−]?\d", "算式", "文中没有写出的算式")),
    ("占比", checks.check_shares, _count(r"占[^，。；]{0,24}?\d+(?:\.\d+)?\s*[%％]|占比", "占比表述", "文中没有占比表述")),
    ("同比增减", checks.check_changes,
     _count(r"(?:比|较|与)\s*(?:上年|上一年|去年|\d{4}\s*年)", "同比表述", "文中没有与上年比较的表述")),
    ("完成率/执行率", checks.check_rates, _count(r"完成[^，。；]{0,24}?的\s*\d|控制率|执行率|完成率", "完成率表述",
                                         "文中没有完成预算百分比的表述")),
    ("表头与正文", consistency.check_fields, lambda d: (APPLIED, f"{len(consistency.fields(d))}个表头字段")
     if consistency.fields(d) else (NOT_APPLICABLE, "没有“名称（万元）| 数值”形式的表头字段")),
    ("同一数字前后一致", consistency.check_repeats, lambda d: (APPLIED, "按科目与口径逐一比较")),
    ("“没有/无…”与数字", consistency.check_negations, _count(r"(?:没有|无)[\u4e00-\u9fff]{4,10}", "“没有/无”表述",
                                                         "文中没有“没有/无…”表述")),
    ("合计与其中各项", consistency.check_parts, _count(r"其\s*中", "“其中”列举", "文中没有“其中”列举")),
    ("“三公”经费与三项", consistency.check_sangong, _count(r"三公.?经费", "“三公”经费表述", "文中没有“三公”经费")),
    ("项目清单合计", consistency.check_item_lists, _count(r"\d+\s*(?:项|个)[^。]{0,14}?(?:金额|资金)", "项目清单",
                                                      "文中没有“N项…金额”清单")),
    ("人数变动合计", consistency.check_headcount, _count(r"总人数", "总人数表述", "文中没有总人数变动")),
    ("评分表", scoring.check_score_tables, _count(r"得分", "“得分”", "文件中没有评分表")),
    ("项目资金表", scoring.check_fund_rows, _count(r"全年预算数|全年执行数", "资金栏", "文件中没有项目资金表")),
    ("指标完成进度", scoring.check_progress, _count(r"完成进度|实际完成值", "进度栏", "文件中没有绩效指标完成进度")),
    ("人员控制率（基础数据表）", scoring.check_staff_table, _count(r"编制数|在职人数", "人员栏", "文件中没有基础数据表")),
    ("资金来源行", scoring.check_fund_lines, _count(r"年度资金总额|资金总额", "资金总额", "文件中没有年度资金总额")),
    ("决算公开表（行次）与正文", public.check_public_tables, _count(r"行次", "行次表", "文件中没有带行次的公开表")),
    ("正文与表格总计", tables.check_text_vs_tables, _tables_with(_has_total, "总计/合计行")),
    ("正文各项与表格", tables.check_items_vs_table,
     lambda d: (APPLIED, "决算说明中的（类）（款）（项）逐项") if (wording.document_year(d) or (0, ""))[1] == "决算"
     and tables._ITEM_PATH.search(d.stream) else (NOT_APPLICABLE, "不是决算说明，或没有按（类）（款）（项）列出的项目")),
    ("表内各类与合计", tables.check_table_sums, _tables_with(_has_classes, "按科目编码列出的类级行与合计行")),
    ("表内各行合计栏", tables.check_row_totals, _tables_with(lambda t: any(len(e.amounts) >= 3 for ln in t.lines
                                                                        for e in ln.entries), "多栏金额行")),
    ("表内类款项", tables.check_hierarchy, _tables_with(lambda t: any(len(e.code) == 5 for ln in t.lines
                                                                   for e in ln.entries), "按类、款、项编码列出的行")),
    ("表间同一科目", tables.check_cross_tables,
     lambda d: (APPLIED, f"{len(tables.tables(d))}张表") if len(tables.tables(d)) >= 2
     else (NOT_APPLICABLE, "少于两张表格")),
    ("决算数与预算数大小表述", wording.check_direction, _count(r"决算数?[大小高低]于", "大小表述", "文中没有“决算数大于/小于预算数”")),
    ("同比率与前文金额", wording.check_rate_from_before, _count(r"(?:比|较)\s*(?:上年|\d{4}\s*年)[^，。；\d]{0,14}?"
                                                            r"(?:增加|增长|减少|下降)\s*\d", "同比率",
                                                            "文中没有只写百分比的同比表述")),
    ("预算科目金额与预算安排", wording.check_item_budget,
     lambda d: (APPLIED, "预算说明中的（项）科目逐项") if (wording.document_year(d) or (0, ""))[1] == "预算"
     and wording._ITEM_AMOUNT.search(d.stream) else (NOT_APPLICABLE, "不是预算说明，或没有“（项）”科目金额")),
    ("方向词与模板残留", wording.check_residue, lambda d: (APPLIED, "全文")),
    ("年份残留", wording.check_year_residue, _year),
)


def ledger(doc: Document, failed: dict[str, str] | None = None, tails: list | None = None) -> list[Obligation]:
    """The ledger of a read document; ``failed`` maps a check name to the
    error that stopped it (reported as 无法检查); ``tails`` are the 尾差
    found (listed here, not as findings)."""
    out = []
    if tails:
        listed = "；".join(f"{f.location}：{f.message}" for f in tails)
        out.append(Obligation("尾差", APPLIED, f"{len(tails)}处合计与各行（各项）之和相差在舍入范围内，"
                                              f"是按未舍入金额计算的正常结果，不算问题：{listed}"))
    if doc.blank_pages:
        pages = "、".join(f"第{p}页" for p in doc.blank_pages)
        out.append(Obligation("扫描页", NOT_APPLIED, f"{pages}没有文字层（可能是扫描页），这些页的内容未审核"))
    for name, _, applies in CHECKS:
        if failed and name in failed:
            out.append(Obligation(name, NOT_APPLIED, f"检查出错：{failed[name]}"))
            continue
        status, reason = applies(doc)
        out.append(Obligation(name, status, reason))
    return out


def unreadable(reason: str) -> list[Obligation]:
    """Every check 无法检查 because the document could not be read."""
    return [Obligation(name, NOT_APPLIED, f"文件无法读取：{reason}") for name, _, _ in CHECKS]
