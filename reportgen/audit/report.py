"""Findings as a readable Chinese list, JSON, or an .xlsx sheet for a
reviewer (one row per finding, header frozen, column widths set)."""

from __future__ import annotations

import io
import json
from collections import Counter

from reportgen.audit.findings import ERROR, NOTE, SEVERITIES, SUSPECT, Finding

COLUMNS = (("file", "文件", 28), ("location", "位置", 18), ("severity", "级别", 6), ("check", "检查项", 10),
           ("message", "说明", 50), ("quote", "原文", 60), ("stated", "文中数值", 14),
           ("expected", "重算数值", 14), ("difference", "差异", 12))


def ordered(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then in document order (stable)."""
    return sorted(findings, key=lambda f: f.rank)


def summary(name: str, findings: list[Finding]) -> str:
    """``file: 错误 2，疑似 1，提示 3`` (or 未发现问题)."""
    c = Counter(f.severity for f in findings)
    if not findings:
        return f"{name}: 未发现问题（no findings）"
    return f"{name}: " + "，".join(f"{s} {c[s]}" for s in SEVERITIES if c[s])


def text(name: str, findings: list[Finding]) -> str:
    """The readable list for one file, ending with its summary line."""
    lines = []
    for f in ordered(findings):
        lines.append(f"{f.file}:{f.location}: [{f.severity}] {f.check}：{f.message}")
        lines.append(f"    原文：{f.quote}")
        if f.stated or f.expected:
            tail = f"，差异 {f.difference}" if f.difference else ""
            lines.append(f"    文中 {f.stated or '—'}，重算 {f.expected or '—'}{tail}")
    lines.append(summary(name, findings))
    return "\n".join(lines)


def as_json(results: dict[str, list[Finding]], problems: dict[str, str]) -> str:
    """``{"files": [{"file", "findings": [...], "counts"}], "problems": [...]}``;
    every value is text (amounts keep their printed digits)."""
    files = []
    for name, fs in results.items():
        c = Counter(f.severity for f in fs)
        files.append({"file": name, "counts": {s: c[s] for s in SEVERITIES},
                      "findings": [f.as_dict() for f in ordered(fs)]})
    return json.dumps({"files": files, "problems": [{"file": k, "message": v} for k, v in problems.items()]},
                      ensure_ascii=False, indent=2)


def xlsx(results: dict[str, list[Finding]]) -> bytes:
    """One sheet 审核结果: a header row (frozen) and one row per finding."""
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
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
