"""The bureau's year through the workbench, with Django's test client: a
round with a frozen pack, units from a list, a unit's upload with a mistake
seen at its cell, submission rules, review, outputs, the log; and hostile
inputs (oversized, not-a-zip, path traversal, a pack that fails the check)."""

from __future__ import annotations

import re

import io
import json
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("django")
pytest.importorskip("pytest_django")

from webhelpers import EXAMPLE, executed_cell, filled_workbook, unit_list_xlsx, upload, year_round  # noqa: E402,F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, year_round):
    client.force_login(year_round[0])
    return client


def _messages(resp) -> list[str]:
    return [str(m) for m in resp.context["messages"]] if resp.context else []


def test_round_freezes_the_pack_by_content_hash(admin_client):
    from reportgen.web import engine
    from reportgen.web.models import Round

    r = admin_client.post("/rounds/new/", {"year": "2022", "pack": "xinzhou"})
    rnd = Round.objects.get(year=2022)
    assert r.status_code == 302 and r["Location"] == f"/rounds/{rnd.pk}/"
    assert len(rnd.pack_hash) == 64 and rnd.pack_name == "xinzhou"
    frozen = engine.frozen_dir(rnd.pack_hash)
    assert (frozen / "pack.yaml").is_file() and engine.pack_hash(frozen) == rnd.pack_hash
    assert engine.round_pack(rnd.pack_hash).name == "xinzhou"
    # the same content frozen twice is one folder with one hash
    assert engine.check_and_freeze(engine.builtin_folder("xinzhou"), "x").digest == rnd.pack_hash


def _zip(folder: Path, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                z.write(p, "榆次/" + p.relative_to(folder).as_posix())
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def test_uploaded_pack_is_checked_and_its_problems_shown(admin_client, tmp_path):
    import shutil

    from reportgen.web import engine
    from reportgen.web.models import Round

    pack = tmp_path / "榆次"
    shutil.copytree(engine.builtin_folder("jinzhong"), pack)
    rubric = pack / "rubric.yaml"
    text = rubric.read_text(encoding="utf-8")
    assert "weight: 20" in text
    rubric.write_text(text.replace("weight: 20", "weight: 21", 1), encoding="utf-8")
    r = admin_client.post("/rounds/new/", {"year": "2023", "pack_zip": upload("榆次.zip", _zip(pack))})
    assert r.status_code == 400
    page = r.content.decode()
    assert "未通过核对" in page and "rubric.yaml" in page and "/tmp" not in page
    assert not Round.objects.filter(year=2023).exists()
    # the unbroken copy is accepted, frozen and named by its pack.yaml
    rubric.write_text(text, encoding="utf-8")
    r = admin_client.post("/rounds/new/", {"year": "2023", "pack_zip": upload("榆次.zip", _zip(pack))})
    assert r.status_code == 302
    assert Round.objects.get(year=2023).pack_name == "jinzhong"


@pytest.mark.parametrize("name, data, says", [
    ("x.zip", b"not a zip at all", "不是 .zip"),
    ("x.zip", None, "不安全"),
    ("x.zip", b"PK-empty", "不是 .zip"),
])
def test_hostile_pack_zip_is_refused(admin_client, name, data, says, tmp_path):
    from reportgen.web.models import Round

    if data is None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("pack.yaml", "name: x\n")
            z.writestr("../../evil.txt", "x")
        data = buf.getvalue()
    r = admin_client.post("/rounds/new/", {"year": "2024", "pack_zip": upload(name, data)}, follow=True)
    assert any(says in m for m in _messages(r)), _messages(r)
    assert not Round.objects.filter(year=2024).exists()


def test_units_from_a_list_get_accounts_and_exported_passwords(admin_client, year_round, client):
    from django.test import Client
    from openpyxl import load_workbook

    from reportgen.web import jobs

    admin, reviewer, rnd, a, b = year_round
    data = unit_list_xlsx([("晋中市财政局", "张三", "0354-1234567"), ("晋中市审计局", "李四", "13800000000"),
                           ("晋中市工业和信息化局", "", "")])
    r = admin_client.post(f"/rounds/{rnd.pk}/units/import/", {"units_xlsx": upload("名单.xlsx", data)}, follow=True)
    assert any("名单中有 3 个单位" in m for m in _messages(r)), _messages(r)
    assert jobs.run_pending() == 1
    page = admin_client.get(f"/rounds/{rnd.pk}/").content.decode()
    assert "新增 2 个单位，1 个已存在未重复添加" in page
    assert rnd.units.count() == 4
    r = admin_client.get(f"/rounds/{rnd.pk}/passwords.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    name, contact, phone, username, password = rows["晋中市审计局"]
    assert (contact, phone) == ("李四", "13800000000") and len(password) == 10
    unit = Client()
    assert unit.login(username=username, password=password)
    # first login goes to the password change
    r = unit.get(f"/units/{rnd.units.get(name='晋中市审计局').pk}/")
    assert r.status_code == 302 and r["Location"] == "/password/"
    r = unit.post("/password/", {"old_password": password, "new_password1": "Sj-2024-mima",
                                 "new_password2": "Sj-2024-mima"})
    assert r.status_code == 302
    ws = load_workbook(io.BytesIO(admin_client.get(f"/rounds/{rnd.pk}/passwords.xlsx").content)).active
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["晋中市审计局"][4] == "已由单位修改"


def test_a_list_without_a_name_column_says_so(admin_client, year_round):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["名字", "电话"])
    wb.active.append(["某单位", "1"])
    buf = io.BytesIO()
    wb.save(buf)
    r = admin_client.post(f"/rounds/{year_round[2].pk}/units/import/",
                          {"units_xlsx": upload("名单.xlsx", buf.getvalue())}, follow=True)
    assert any("单位名称" in m and "表头" in m for m in _messages(r))
    assert year_round[2].units.count() == 2


def test_the_year_for_one_unit(client, year_round):
    """Upload with a mistake → the cell; fix → preview; submit; return with a
    comment at the figure; resubmit; approve; zip and summary; the log."""
    from openpyxl import load_workbook

    from reportgen.web import jobs
    from reportgen.web.models import Event, Status, Unit

    admin, reviewer, rnd, a, b = year_round
    client.force_login(a.user)
    blank = client.get(f"/units/{a.pk}/workbook.xlsx")
    assert blank.status_code == 200 and "预算收支" in load_workbook(io.BytesIO(blank.content)).sheetnames

    def typo(wb):
        executed_cell(wb).value = 8701.73      # the books say 8701.72: the balance no longer holds
    r = client.post(f"/units/{a.pk}/upload/", {"data": upload("采集表.xlsx", filled_workbook(rnd.pack_hash, typo))})
    assert jobs.run_pending() == 1      # the check, outside the request; no render for data with errors
    a.refresh_from_db()
    assert a.status == Status.ERRORS and a.n_errors >= 1
    cell = executed_cell(load_workbook(io.BytesIO(filled_workbook(rnd.pack_hash)))).coordinate
    hit = [p for p in a.problems if p["field"] == "budget.executed" and p["severity"] == "错误"]
    assert hit and hit[0]["where"] == f"采集表.xlsx 预算收支!{cell}", a.problems
    assert "应为" in hit[0]["message"] and hit[0]["zh"] == "预算执行金额"
    page = client.get(f"/units/{a.pk}/").content.decode()
    assert f"预算收支!{cell}" in page and "预算执行金额" in page and "发现 1 个错误" in page
    # errors block submission
    r = client.post(f"/units/{a.pk}/submit/", {"note": "请审核"}, follow=True)
    assert any("错误" in m and "不能提交" in m for m in _messages(r))
    a.refresh_from_db()
    assert a.status == Status.ERRORS

    r = client.post(f"/units/{a.pk}/upload/", {"data": upload("采集表.xlsx", filled_workbook(rnd.pack_hash))})
    jobs.run_pending()
    a.refresh_from_db()
    assert a.status == Status.READY and a.n_errors == 0 and a.revision == 2
    assert a.n_errors == 0 and a.scores[0]["total"] == "97.00" and len(a.overrides) == 11  # as reportgen check lists
    a.refresh_from_db()
    assert a.preview_ready and a.rendered["docx"]
    docx_name = a.rendered["docx"][0][1]
    r = client.get(f"/units/{a.pk}/files/{docx_name}")
    assert r.status_code == 200 and b"".join(r.streaming_content)[:2] == b"PK"
    if a.rendered["bound"]:   # LibreOffice installed: bound PDF and page images
        assert a.rendered["pages"]
        assert client.get(f"/units/{a.pk}/files/{a.rendered['pages'][0]}")["Content-Type"] == "image/png"
    # warnings need a note (a warning as check reports one, e.g. a zero denominator)
    Unit.objects.filter(pk=a.pk).update(n_warnings=1, problems=a.problems + [
        {"where": "采集表.xlsx 人员情况!C3", "field": "staffing.authorized", "zh": "编制人数", "severity": "警告",
         "message": "分母为 0，在职人员控制率为不适用"}])
    r = client.post(f"/units/{a.pk}/submit/", {"note": ""}, follow=True)
    assert any("警告" in m and "提交说明" in m for m in _messages(r))
    client.post(f"/units/{a.pk}/submit/", {"note": "人工评分依据原表"})
    a.refresh_from_db()
    assert a.status == Status.SUBMITTED
    # a submitted unit cannot change its data
    r = client.post(f"/units/{a.pk}/upload/", {"data": upload("采集表.xlsx", filled_workbook(rnd.pack_hash))}, follow=True)
    assert any("不能再修改" in m for m in _messages(r))

    client.force_login(reviewer)
    page = client.get(f"/units/{a.pk}/review/").content.decode()
    assert "人工评分 11 项" in page and "完成实绩情况" in page and "生成报表的审核" in page
    title = re.search(r"<title>(.*?)</title>", page, re.S)[1]
    assert title.startswith("审核 · ") and "<" not in title  # the page's script once sat in its title
    r = client.post(f"/units/{a.pk}/review/return/", {"comment": ""}, follow=True)
    assert any("请填写审核意见" in m for m in _messages(r))
    client.post(f"/units/{a.pk}/review/return/", {"field": "budget.executed", "comment": "执行数与账簿核对"})
    a.refresh_from_db()
    assert a.status == Status.RETURNED

    client.force_login(a.user)
    page = client.get(f"/units/{a.pk}/").content.decode()
    assert "执行数与账簿核对" in page and "预算执行金额" in page
    client.post(f"/units/{a.pk}/upload/", {"data": upload("单位数据.yaml", EXAMPLE.read_bytes())})
    jobs.run_pending()
    a.refresh_from_db()
    assert a.status == Status.RETURNED and a.revision == 3 and a.n_errors == 0
    jobs.run_pending()
    client.post(f"/units/{a.pk}/submit/", {"note": "已核对"})
    client.force_login(reviewer)
    client.post(f"/units/{a.pk}/review/approve/", {"comment": ""})
    a.refresh_from_db()
    assert a.status == Status.APPROVED

    client.force_login(admin)
    board = client.get(f"/rounds/{rnd.pk}/?status=approved").content.decode()
    assert a.name in board and b.name not in board
    client.post(f"/rounds/{rnd.pk}/jobs/bundle/")
    client.post(f"/rounds/{rnd.pk}/jobs/summary/", {"which": "approved"})
    assert jobs.run_pending() == 2
    bundle, summary = sorted(rnd.jobs.filter(unit=None), key=lambda j: j.kind)
    assert bundle.state == "done" and summary.state == "done", (bundle.message, summary.message)
    z = zipfile.ZipFile(io.BytesIO(b"".join(client.get(f"/jobs/{bundle.pk}/download/").streaming_content)))
    names = z.namelist()
    assert any(n.startswith("晋中市工业和信息化局/") and n.endswith(".docx") for n in names), names
    ws = load_workbook(io.BytesIO(b"".join(client.get(f"/jobs/{summary.pk}/download/").streaming_content)))["汇总"]
    assert any("晋中市工业和信息化局" in str(c.value) for row in ws.iter_rows() for c in row)
    actions = list(Event.objects.filter(unit=a).order_by("id").values_list("action", flat=True))
    assert actions[:5] == ["下载采集表", "上传文件", "上传数据", "上传文件", "上传数据"]
    for act in ("提交", "退回", "审核通过"):
        assert act in actions
    assert all(e.username for e in Event.objects.filter(unit=a))


def test_oversized_and_wrong_uploads_are_refused(client, year_round, settings):
    from reportgen.web.models import Status

    admin, reviewer, rnd, a, b = year_round
    client.force_login(a.user)
    settings.MAX_UPLOAD_BYTES = 1000
    r = client.post(f"/units/{a.pk}/upload/", {"data": upload("大.xlsx", b"x" * 5000)}, follow=True)
    assert any("超过上限" in m for m in _messages(r))
    settings.MAX_UPLOAD_BYTES = 10_000_000
    r = client.post(f"/units/{a.pk}/upload/", {"data": upload("a.exe", b"MZ")}, follow=True)
    assert any("只能上传" in m for m in _messages(r))
    from reportgen.web import jobs

    for name, data, says in [("a.xlsx", b"not xlsx", "不是有效的 .xlsx"), ("a.yaml", b"\xff\xfe\x00", "UTF-8")]:
        client.post(f"/units/{a.pk}/upload/", {"data": upload(name, data)})
        jobs.run_pending()
        page = client.get(f"/units/{a.pk}/").content.decode()
        assert says in page and "未被接收" in page, (name, page)
    a.refresh_from_db()
    assert a.status == Status.EMPTY and a.revision == 0


def test_jobs_left_running_are_queued_again(year_round):
    from reportgen.web import jobs
    from reportgen.web.models import Job

    rnd = year_round[2]
    job = Job.objects.create(kind="summary", round=rnd, state=Job.State.RUNNING, params={"which": "all"})
    assert jobs.recover() == 1
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED
    jobs.run_pending()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "没有可汇总" in job.message


def test_audit_of_uploaded_documents(admin_client, tmp_path):
    from reportgen.web import jobs
    from reportgen.web.models import Job

    text = "2021年预算执行率为(82.82+948.96-62.29)/(82.82+948.96)=95%。\n".encode("utf-8")
    r = admin_client.post("/audit/", {"documents": [upload("自评表.txt", text), upload("坏.docx", b"not a docx")]})
    job = Job.objects.get(kind="audit")
    assert r["Location"] == f"/audit/{job.pk}/"
    jobs.run_pending()
    page = admin_client.get(f"/audit/{job.pk}/").content.decode()
    assert "自评表.txt" in page and "坏.docx" in page and "无法读取" in page
    from reportgen.web import engine

    job.refresh_from_db()
    data = json.loads((engine.data_dir() / job.params["folder"] / "findings.json").read_text(encoding="utf-8"))
    assert data["findings"]["自评表.txt"], data


def test_workbook_is_prefilled_from_the_units_previous_round(client, year_round):
    from openpyxl import load_workbook

    from reportgen.web import accounts
    from reportgen.web.models import Round

    admin, reviewer, rnd, a, b = year_round
    a.data_yaml = EXAMPLE.read_text(encoding="utf-8")
    a.revision = 1
    a.save()
    later = Round.objects.create(year=2022, title="2022年度", pack_name="jinzhong", pack_hash=rnd.pack_hash)
    (a2, other), _ = accounts.add_units(later, [{"name": a.name}, {"name": "新设单位"}])
    from reportgen.web.models import Profile

    Profile.objects.filter(user__in=[a2.user, other.user]).update(must_change_password=False)
    client.force_login(a2.user)
    assert "已按本单位 2021 年度的数据预先填好" in client.get(f"/units/{a2.pk}/").content.decode()
    wb = load_workbook(io.BytesIO(client.get(f"/units/{a2.pk}/workbook.xlsx").content))
    assert str(executed_cell(wb).value) == "8701.72"
    client.force_login(other.user)
    wb = load_workbook(io.BytesIO(client.get(f"/units/{other.pk}/workbook.xlsx").content))
    assert executed_cell(wb).value is None


def test_a_frozen_pack_changed_on_disk_is_refused(year_round):
    from reportgen.errors import ReportgenError
    from reportgen.web import engine

    rnd = year_round[2]
    folder = engine.frozen_dir(rnd.pack_hash)
    copy = folder.with_name(folder.name + "-copy")
    import shutil

    shutil.copytree(folder, copy)
    (copy / "rubric.yaml").write_text((copy / "rubric.yaml").read_text(encoding="utf-8") + "\n# 改动\n",
                                      encoding="utf-8")
    fake = engine.pack_hash(folder)
    assert engine.pack_hash(copy) != fake
    shutil.rmtree(copy)
    # a hash the data folder does not hold, and a folder whose content no longer matches its name
    with pytest.raises(ReportgenError, match="不在数据文件夹中"):
        engine.round_pack("0" * 64)
    bad = engine.frozen_dir("f" * 64)
    shutil.copytree(folder, bad)
    try:
        with pytest.raises(ReportgenError, match="已被改动"):
            engine.round_pack("f" * 64)
    finally:
        shutil.rmtree(bad)
