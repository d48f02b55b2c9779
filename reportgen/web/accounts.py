"""Accounts of a round's units: names from an .xlsx list, generated
usernames and initial passwords (初始密码), and the password export."""

from __future__ import annotations

import io
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from reportgen.errors import ReportgenError
from reportgen.web.models import Profile, Role, Round, Unit

#: letters and digits that cannot be mistaken for one another when typed from paper
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_UNITS_PER_LIST = 5000


def new_password(length: int = 10) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def read_unit_list(data: bytes) -> list[dict]:
    """Units from an .xlsx list: the first sheet, a header row naming
    单位名称 (required), 联系人 and 联系电话 (optional), one unit a row.
    Raises ReportgenError (Chinese, with the row) for a bad file."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not .xlsx
        raise ReportgenError(f"无法读取单位名单：不是有效的 .xlsx 文件（{type(exc).__name__}）") from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header_at, cols = 0, {}
    for n, row in enumerate(rows, 1):
        cells = [str(c).strip() if c is not None else "" for c in row]
        if any("单位" in c and "名称" in c or c == "单位" for c in cells):
            header_at = n
            for i, c in enumerate(cells):
                if "名称" in c or c == "单位":
                    cols.setdefault("name", i)
                elif "联系人" in c:
                    cols.setdefault("contact", i)
                elif "电话" in c or "手机" in c:
                    cols.setdefault("phone", i)
            break
        if n >= 10:
            break
    if not header_at:
        raise ReportgenError("单位名单的前 10 行中没有“单位名称”表头；请在第一行写：单位名称、联系人、联系电话")
    out, seen, problems = [], set(), []
    for n, row in enumerate(rows, header_at + 1):
        def cell(key):
            i = cols.get(key)
            v = row[i] if i is not None and i < len(row) else None
            return str(v).strip() if v is not None else ""
        name = cell("name")
        if not name:
            continue
        if len(name) > 200:
            problems.append(f"第{n}行：单位名称超过 200 字")
        elif name in seen:
            problems.append(f"第{n}行：单位“{name}”重复")
        seen.add(name)
        out.append({"name": name, "contact": cell("contact")[:100], "phone": cell("phone")[:100]})
        if len(out) > MAX_UNITS_PER_LIST:
            raise ReportgenError(f"单位名单超过 {MAX_UNITS_PER_LIST} 个单位")
    if problems:
        raise ReportgenError("；".join(problems))
    if not out:
        raise ReportgenError("单位名单中没有单位")
    return out


@transaction.atomic
def add_units(rnd: Round, rows: list[dict]) -> tuple[list[Unit], list[str]]:
    """Create the units of ``rows`` not yet in the round, each with an account
    (username ``r<轮次>-<序号>``) and an initial password kept until first
    change.  Returns (units created, names skipped as already present)."""
    User = get_user_model()
    existing = set(rnd.units.values_list("name", flat=True))
    made, skipped = [], []
    seq = rnd.units.count()
    for row in rows:
        if row["name"] in existing:
            skipped.append(row["name"])
            continue
        existing.add(row["name"])
        seq += 1
        username = f"r{rnd.pk}-{seq:04d}"
        while User.objects.filter(username=username).exists():
            seq += 1
            username = f"r{rnd.pk}-{seq:04d}"
        password = new_password()
        user = User.objects.create_user(username=username, password=password, first_name=row["name"][:150])
        Profile.objects.create(user=user, role=Role.UNIT, must_change_password=True)
        made.append(Unit.objects.create(round=rnd, name=row["name"], contact=row.get("contact", ""),
                                        phone=row.get("phone", ""), user=user, initial_password=password))
    return made, skipped


def reset_password(unit: Unit) -> str:
    password = new_password()
    unit.user.set_password(password)
    unit.user.save()
    Profile.objects.filter(user=unit.user).update(must_change_password=True)
    unit.initial_password = password
    unit.save(update_fields=["initial_password"])
    return password


def passwords_workbook(rnd: Round) -> bytes:
    """单位账号与初始密码 (.xlsx): one row a unit; a password already changed by
    its unit reads 已由单位修改."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "单位账号"
    ws.append(["单位名称", "联系人", "联系电话", "登录账号", "初始密码"])
    for c in ws[1]:
        c.font = Font(bold=True)
    for u in rnd.units.select_related("user").order_by("id"):
        ws.append([u.name, u.contact, u.phone, u.user.username if u.user else "",
                   u.initial_password or "已由单位修改"])
    for col, width in zip("ABCDE", (40, 12, 16, 14, 14)):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
