"""Helpers and fixtures of the workbench tests (``reportgen serve``), imported
by each test module (no conftest here: its name would shadow tests/conftest.py).

The tests need the ``web`` and ``webtest`` extras (Django, pytest-django);
each module skips itself without them.  ``REPORTGEN_DATABASE_URL`` (e.g.
``postgres://reportgen:reportgen@127.0.0.1:5432/reportgen``) runs them on
PostgreSQL — pytest-django makes and drops a ``test_…`` database — and
otherwise on SQLite in a temporary data folder.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("REPORTGEN_DATA", tempfile.mkdtemp(prefix="reportgen-webtest-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportgen.web.settings")
import django  # noqa: E402

django.setup()     # pytest-django read no settings module at start: set up here

from django.conf import settings  # noqa: E402

# tests make many accounts: a fast hasher here only (the server keeps Django's PBKDF2)
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

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


@pytest.fixture
def year_round(db):
    """A bureau administrator, a reviewer, a round of 2021 under jinzhong and
    two units with accounts: ``(admin, reviewer, round, unit_a, unit_b)``."""
    from django.contrib.auth import get_user_model

    from reportgen.web import accounts, engine
    from reportgen.web.models import Profile, Role, Round

    User = get_user_model()
    admin = User.objects.create_superuser("admin", password="admin-pass-1")
    Profile.objects.create(user=admin, role=Role.ADMIN)
    reviewer = User.objects.create_user("shenhe", password="review-pass-1")
    Profile.objects.create(user=reviewer, role=Role.REVIEWER)
    checked = engine.check_and_freeze(engine.builtin_folder("jinzhong"), "jinzhong")
    rnd = Round.objects.create(year=2021, title="2021年度测试", pack_name="jinzhong", pack_hash=checked.digest)
    (a, b), _ = accounts.add_units(rnd, [{"name": "晋中市工业和信息化局"}, {"name": "晋中市招商引资服务中心"}])
    for u in (a, b):
        Profile.objects.filter(user=u.user).update(must_change_password=False)
    return admin, reviewer, rnd, a, b
