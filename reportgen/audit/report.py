"""Findings as a readable Chinese list, JSON, or an .xlsx sheet for a
reviewer (one row per finding, header frozen, column widths set)."""

from __future__ import annotations

import io
import json
from collections import Counter

from reportgen.audit.findings import ERROR, NOTE, SEVERITIES, SUSPECT, Finding
from reportgen.audit.ledger import APPLIED, NOT_APPLICABLE, NOT_APPLIED, Obligation

COLUMNS = (("file", "文件", 28), ("location", "位置", 18), ("severity", "级别", 6), ("check", "检查项", 10),
           ("message", "说明", 50), ("quote", "原文", 60), ("stated", "文中数值", 14),
           ("expected", "重算数值", 14), ("difference", "差异", 12))


def ordered(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then in document order (stable)."""
    return sorted(findings, key=lambda f: f.rank)


def summary(name: str, findings: list[Finding], unreadable: str | None = None) -> str:
    """``file: 错误 2，疑似 1，提示 3`` (or 未发现问题, or 无法读取)."""
    if unreadable:
        return f"{name}: 无法读取，未审核（could not read）：{unreadable}"
    c = Counter(f.severity for f in findings)
    if not findings:
        return f"{name}: 未发现问题（no findings）"
    return f"{name}: " + "，".join(f"{s} {c[s]}" for s in SEVERITIES if c[s])


def ledger_text(ledger: list[Obligation]) -> str:
    """The ledger in three lines: 已检查 / 不适用 / 无法检查, each check with its reason."""
    lines = []
    for status in (APPLIED, NOT_APPLIED, NOT_APPLICABLE):
        items = [o for o in ledger if o.status == status]
        if items:
            lines.append(f"    {status}：" + "；".join(f"{o.check}（{o.reason}）" for o in items))
    return "\n".join(lines)


def text(name: str, findings: list[Finding], ledger: list[Obligation] | None = None,
         unreadable: str | None = None) -> str:
    """The readable list for one file, then its 检查清单 (when given) and
    its summary line."""
    lines = []
    for f in ordered(findings):
        lines.append(f"{f.file}:{f.location}: [{f.severity}] {f.check}：{f.message}")
        lines.append(f"    原文：{f.quote}")
        if f.stated or f.expected:
            tail = f"，差异 {f.difference}" if f.difference else ""
            lines.append(f"    文中 {f.stated or '—'}，重算 {f.expected or '—'}{tail}")
    if ledger and not unreadable:
        lines.append(f"{name}: 检查清单")
        lines.append(ledger_text(ledger))
    lines.append(summary(name, findings, unreadable))
    return "\n".join(lines)


def as_json(results: dict[str, list[Finding]], problems: dict[str, str],
            ledgers: dict[str, list[Obligation]] | None = None) -> str:
    """``{"files": [{"file", "status", "findings": [...], "counts", "ledger": [...]}],
    "problems": [...]}``; ``status`` is 已审核 or 无法读取; every value is
    text (amounts keep their printed digits)."""
    files = []
    ledgers = ledgers or {}
    for name, fs in results.items():
        c = Counter(f.severity for f in fs)
        files.append({"file": name, "status": "无法读取" if name in problems else "已审核",
                      "counts": {s: c[s] for s in SEVERITIES},
                      "findings": [f.as_dict() for f in ordered(fs)],
                      "ledger": [o.as_dict() for o in ledgers.get(name, [])]})
    return json.dumps({"files": files, "problems": [{"file": k, "message": v} for k, v in problems.items()]},
                      ensure_ascii=False, indent=2)


def xlsx(results: dict[str, list[Finding]], ledgers: dict[str, list[Obligation]] | None = None) -> bytes:
    """Sheet 审核结果: a header row (frozen) and one row per finding; sheet
    检查清单: one row per file and check (状态 已检查/不适用/无法检查, 说明)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "审核结果"
    ws.append([zh for _, zh, _ in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    fills = {ERROR: "FFC7CE", SUSPECT: "FFEB9C", NOTE: "DDEBF7"}
    for fs in results.values():
        for f in ordered(fs):
            d = f.as_dict()
            ws.append([d[key] for key, _, _ in COLUMNS])
            ws.cell(ws.max_row, 3).fill = PatternFill("solid", fgColor=fills[f.severity])
    for i, (_, _, width) in enumerate(COLUMNS, 1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    if ledgers:
        wl = wb.create_sheet("检查清单")
        wl.append(["文件", "检查项", "状态", "说明"])
        for cell in wl[1]:
            cell.font = Font(bold=True)
        shade = {APPLIED: "E2EFDA", NOT_APPLICABLE: "F2F2F2", NOT_APPLIED: "FFC7CE"}
        for name, items in ledgers.items():
            for o in items:
                wl.append([name, o.check, o.status, o.reason])
                wl.cell(wl.max_row, 3).fill = PatternFill("solid", fgColor=shade[o.status])
        for col, width in zip("ABCD", (28, 22, 10, 60)):
            wl.column_dimensions[col].width = width
        wl.freeze_panes = "A2"
        wl.auto_filter.ref = wl.dimensions
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
