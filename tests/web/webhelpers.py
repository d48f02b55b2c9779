"""Helpers of the workbench tests: an .xlsx unit list, a filled 采集表."""

from __future__ import annotations

import io
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = EXAMPLES / "jinzhong-gongxin-2021.yaml"


def unit_list_xlsx(rows: list[tuple[str, str, str]]) -> bytes:
    """An .xlsx unit list (单位名称、联系人、联系电话) as a bureau would type it."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "单位名称", "联系人", "联系电话"])
    for i, r in enumerate(rows, 1):
        ws.append([i, *r])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def filled_workbook(pack_hash: str, edit=None) -> bytes:
    """The round's 采集表 filled with the 晋中 example's figures, then
    ``edit(workbook)`` applied (a unit's typo)."""
    from openpyxl import load_workbook

    from reportgen.web import engine

    data = engine.workbook_bytes(pack_hash, EXAMPLE.read_text(encoding="utf-8"))
    if edit is None:
        return data
    wb = load_workbook(io.BytesIO(data))
    edit(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def executed_cell(wb):
    """The cell of 预算执行金额 (budget.executed) on 预算收支."""
    ws = wb["预算收支"]
    for row in ws.iter_rows():
        if row[1].value == "budget.executed":
            return row[2]
    raise AssertionError("no budget.executed row")


def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
