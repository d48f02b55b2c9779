"""Hostile and oversized input through the workbench: every attempt gets a
clear Chinese message, never a 500, stores nothing outside the data folder,
and the unit's previous data stay as they were.  Submitting with errors is
refused however the POST is made.  And SQLite under writers from several
threads at once: no "database is locked", no lost update."""

from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("django")
pytest.importorskip("pytest_django")

from webhelpers import filled_workbook, upload, year_round  # noqa: E402,F401

pytestmark = pytest.mark.django_db


def _messages(resp) -> list[str]:
    return [str(m) for m in resp.context["messages"]] if resp.context else []


_GOOD: dict[str, bytes] = {}


def _good_workbook(pack_hash: str) -> bytes:
    """The filled 采集表 (made once per test run: it takes a second)."""
    if pack_hash not in _GOOD:
        _GOOD[pack_hash] = filled_workbook(pack_hash)
    return _GOOD[pack_hash]


@pytest.fixture
def unit_with_data(client, year_round):
    """Unit A signed in, with good data checked (revision 1, from the 晋中
    example's YAML): ``(client, round, unit, the filled workbook)``."""
    from reportgen.web import jobs
    from reportgen.web.models import Job
    from webhelpers import EXAMPLE

    admin, reviewer, rnd, a, b = year_round
    client.force_login(a.user)
    good = _good_workbook(rnd.pack_hash)
    client.post(f"/units/{a.pk}/upload/", {"data": upload("单位数据.yaml", EXAMPLE.read_bytes())})
    jobs.run_pending()
    a.refresh_from_db()
    assert a.revision == 1 and a.n_errors == 0 and a.data_yaml
    Job.objects.filter(kind="render").delete()      # no preview needed here
    return client, rnd, a, good


def _rezip(data: bytes, add: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None) -> bytes:
    """The .xlsx ``data`` with parts added or replaced."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info, (replace or {}).get(info.filename, src.read(info.filename)))
        for name, part in (add or {}).items():
            z.writestr(name, part)
    return buf.getvalue()


def _zip_bomb(good: bytes) -> bytes:
    """The workbook with one more sheet part of 300 MB of spaces (a few hundred KB packed)."""
    src = zipfile.ZipFile(io.BytesIO(good))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for info in src.infolist():
            z.writestr(info, src.read(info.filename))
        with z.open("xl/worksheets/sheet99.xml", "w", force_zip64=True) as part:
            chunk = b" " * (1 << 20)
            for _ in range(300):
                part.write(chunk)
    return buf.getvalue()


def _attempt(client, unit, name: str, data: bytes) -> str:
    """Upload ``data`` as ``name``, run the check, return the unit's page."""
    from reportgen.web import jobs

    r = client.post(f"/units/{unit.pk}/upload/", {"data": upload(name, data)})
    assert r.status_code == 302, (name, r.status_code)
    jobs.run_pending()
    r = client.get(f"/units/{unit.pk}/")
    assert r.status_code == 200
    return r.content.decode()


@pytest.fixture
def system_temp(tmp_path, monkeypatch):
    """The system's temporary folder, made private and empty: whatever the
    workbench writes outside its data folder would appear here."""
    import tempfile

    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


YAML_BOMB = "\n".join(["a: &a [x, x, x, x, x, x, x, x, x, x]"]
                      + [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
                         f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
                         f"*{chr(97 + i)}, *{chr(97 + i)}]" for i in range(9)]) + "\n"


@pytest.mark.slow     # a unit's data checked first (seconds)
@pytest.mark.parametrize("name, make, says", [
    ("炸弹.xlsx", lambda good: _zip_bomb(good), "解压后过大"),
    ("假表.xlsx", lambda good: b"PK\x03\x04" + b"\x00" * 200, "不是有效的 .xlsx"),
    ("别名炸弹.yaml", lambda good: YAML_BOMB.encode(), "别名"),
    ("递归.yaml", lambda good: b"a: &a [*a]\n", "别名"),
    ("语法错误.yaml", lambda good: "unit:\n  name: 某单位\n   year: 2021\n".encode(), "第"),
    ("国标编码.yaml", lambda good: "unit:\n  name: 晋中市工业和信息化局\n".encode("gbk"), "UTF-8"),
    ("空白.yaml", lambda good: b"", "文件为空"),
])
def test_hostile_upload_is_refused_and_the_previous_data_stay(unit_with_data, name, make, says, system_temp):
    from reportgen.web.models import Unit

    client, rnd, unit, good = unit_with_data
    kept = (unit.revision, unit.data_yaml, unit.status, unit.source_name)
    page = _attempt(client, unit, name, make(good))
    assert "未被接收" in page and says in page, page[page.find('id="rejected"') - 20:][:600]
    assert "数据保持原样" in page
    assert "Traceback" not in page and "/tmp/" not in page
    u = Unit.objects.get(pk=unit.pk)
    assert (u.revision, u.data_yaml, u.status, u.source_name) == kept
    assert not list(system_temp.iterdir())


@pytest.mark.slow     # a unit's data checked first (seconds)
def test_oversized_upload_is_refused_before_it_is_stored(unit_with_data, settings):
    from reportgen.web.models import Job, Unit

    client, rnd, unit, good = unit_with_data
    settings.MAX_UPLOAD_BYTES = 4 * 1024 * 1024
    uploads = Path(settings.DATA_DIR) / "rounds" / str(rnd.pk) / "units" / str(unit.pk) / "uploads"
    stored = set(uploads.iterdir())
    jobs_before = Job.objects.count()
    r = client.post(f"/units/{unit.pk}/upload/", {"data": upload("很大.xlsx", good + b"\0" * (5 * 1024 * 1024))},
                    follow=True)
    assert r.status_code == 200
    msg = " ".join(_messages(r))
    assert "很大.xlsx" in msg and "超过上限 4 MB" in msg and "未接收" in msg, msg
    assert set(uploads.iterdir()) == stored and Job.objects.count() == jobs_before
    assert Unit.objects.get(pk=unit.pk).revision == 1
    # the page tells the browser the limit, so a file too large is stopped before it is sent
    assert 'data-max-bytes="4194304"' in client.get(f"/units/{unit.pk}/").content.decode()


@pytest.mark.slow     # a unit's data checked first (seconds)
def test_macro_workbook_renamed_xlsx_is_read_for_its_values_only(unit_with_data):
    """An .xlsm renamed .xlsx: the figures are read, the macro never runs, the unit is told."""
    from reportgen.web.models import Unit

    client, rnd, unit, good = unit_with_data
    ctypes = zipfile.ZipFile(io.BytesIO(good)).read("[Content_Types].xml").decode()
    macro = _rezip(good, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"Attribute VB_Name = \"Evil\"" * 20},
                   replace={"[Content_Types].xml": ctypes.replace(
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                       "application/vnd.ms-excel.sheet.macroEnabled.main+xml").encode()})
    page = _attempt(client, unit, "带宏.xlsx", macro)
    u = Unit.objects.get(pk=unit.pk)
    assert u.revision == 2 and u.n_errors == 0 and u.source_name == "带宏.xlsx"
    assert any("宏" in p["message"] and p["severity"] == "警告" for p in u.problems)
    assert "从不运行宏" in page


@pytest.mark.slow     # a unit's data checked first (seconds)
def test_external_links_are_never_followed(unit_with_data, tmp_path):
    """A workbook linking to another file: the link is not opened (a warning says so)."""
    from reportgen.web.models import Unit

    client, rnd, unit, good = unit_with_data
    secret = tmp_path / "secret.xlsx"      # would be read if the link were followed
    link = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<externalBook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId1">'
            b'<sheetNames><sheetName val="Sheet1"/></sheetNames></externalBook></externalLink>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'externalLinkPath" Target="file:///{secret}" TargetMode="External"/></Relationships>').encode()
    linked = _rezip(good, add={"xl/externalLinks/externalLink1.xml": link,
                               "xl/externalLinks/_rels/externalLink1.xml.rels": rels})
    page = _attempt(client, unit, "外部链接.xlsx", linked)
    u = Unit.objects.get(pk=unit.pk)
    assert u.revision == 2 and u.n_errors == 0
    assert any("外部链接" in p["message"] for p in u.problems) and "不打开其他文件" in page
    assert not secret.exists()


@pytest.mark.slow     # a unit's data checked first (seconds)
def test_a_file_named_with_dot_dots_is_stored_inside_the_data_folder(unit_with_data, settings, system_temp):
    """A raw multipart body naming the file ``../../x.yaml`` (a browser would not send that)."""
    from reportgen.web import jobs
    from reportgen.web.models import Event, Unit

    client, rnd, unit, good = unit_with_data
    data_dir = Path(settings.DATA_DIR)
    yaml_text = unit.data_yaml.encode("utf-8")
    boundary = "----reportgen-hostile"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"../../x.yaml\"\r\n"
            "Content-Type: text/yaml\r\n\r\n").encode() + yaml_text + f"\r\n--{boundary}--\r\n".encode()
    r = client.generic("POST", f"/units/{unit.pk}/upload/", body,
                       content_type=f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 302
    jobs.run_pending()
    u = Unit.objects.get(pk=unit.pk)
    assert u.revision == 2 and u.source_name == "x.yaml"
    assert Event.objects.filter(unit=u, action="上传文件", detail="x.yaml").exists()
    assert not list(system_temp.iterdir())
    assert not list(data_dir.parent.glob("x.yaml")) and not list(data_dir.glob("**/x.yaml"))
    uploads = data_dir / "rounds" / str(rnd.pk) / "units" / str(unit.pk) / "uploads"
    assert all(p.resolve().is_relative_to(data_dir.resolve()) for p in uploads.iterdir())


def _pack_zip(files: dict[str, bytes | str]) -> bytes:
    """The 晋中 pack as a .zip, with ``files`` added or replaced."""
    from reportgen.web import engine

    src = engine.builtin_folder("jinzhong")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for p in sorted(src.rglob("*")):
            rel = p.relative_to(src).as_posix()
            if p.is_file() and rel not in files and "__pycache__" not in rel:
                z.write(p, f"jinzhong/{rel}")
        for rel, data in files.items():
            z.writestr(f"jinzhong/{rel}", data)
    return buf.getvalue()


def _jinzhong(name: str) -> str:
    from reportgen.web import engine

    return (engine.builtin_folder("jinzhong") / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("case, files, says", [
    ("template outside the pack",
     lambda: {"pack.yaml": _jinzhong("pack.yaml").replace("template: 部门整体支出绩效自评表.docx",
                                                          "template: ../../../../etc/passwd")}, "passwd"),
    ("sentence reaching Python internals",
     lambda: {"sentences.yaml": _jinzhong("sentences.yaml") + "\nhostile: \"{{ ''.__class__.__mro__[1].__subclasses__() }}\"\n"},
     "sentences.yaml"),
    ("sentence including a file",
     lambda: {"sentences.yaml": _jinzhong("sentences.yaml") + "\nhostile: \"{% include '/etc/passwd' %}\"\n"},
     "sentences.yaml"),
])
def test_a_pack_that_reaches_outside_is_refused(client, year_round, case, files, says):
    from reportgen.web.models import Round

    admin = year_round[0]
    client.force_login(admin)
    n = Round.objects.count()
    r = client.post("/rounds/new/", {"year": "2024", "pack_zip": upload("恶意.zip", _pack_zip(files()))})
    page = r.content.decode()
    assert r.status_code == 400, (case, r.status_code)
    assert "未通过核对" in page and says in page, (case, page[:3000])
    assert "root:" not in page and "Traceback" not in page and "subclasses" not in page.split("未通过核对")[0]
    assert Round.objects.count() == n


def test_python_in_a_pack_is_never_run(client, year_round, tmp_path, settings):
    """A pack carrying .py files (imported by nothing: a pack is data) is frozen as data; no code runs."""
    from reportgen.web import engine
    from reportgen.web.models import Round

    marker = tmp_path / "ran.txt"
    code = f"open({str(marker)!r}, 'w').write('ran')\n"
    client.force_login(year_round[0])
    r = client.post("/rounds/new/", {"year": "2024", "pack_zip": upload("带代码.zip", _pack_zip(
        {"__init__.py": code, "hooks.py": code, "formulas.py": code}))})
    assert r.status_code in (302, 400)
    rnd = Round.objects.filter(year=2024).first()
    if rnd is not None:          # accepted as data: checking an upload under it runs no pack code either
        engine.check_upload(rnd.pack_hash, "采集表.xlsx", filled_workbook(rnd.pack_hash))
    assert not marker.exists()


@pytest.mark.slow     # a unit's data checked first (seconds)
def test_submitting_with_errors_is_refused_even_by_a_crafted_post(client, year_round):
    """No button is needed to POST: the server decides, whatever the page showed."""
    from reportgen.web import jobs
    from reportgen.web.models import Event, Status, Unit
    from webhelpers import executed_cell

    admin, reviewer, rnd, a, b = year_round
    client.force_login(a.user)

    def typo(wb):
        executed_cell(wb).value = 8701.73
    client.post(f"/units/{a.pk}/upload/", {"data": upload("采集表.xlsx", filled_workbook(rnd.pack_hash, typo))})
    jobs.run_pending()
    assert Unit.objects.get(pk=a.pk).status == Status.ERRORS
    for data in ({}, {"note": "请审核"}, {"note": "x", "status": "submitted", "n_errors": "0"}):
        r = client.post(f"/units/{a.pk}/submit/", data, follow=True)
        assert r.status_code == 200 and any("不能提交" in m for m in _messages(r)), data
    # nor while the check of a new (good) upload is still queued
    client.post(f"/units/{a.pk}/upload/", {"data": upload("采集表.xlsx", filled_workbook(rnd.pack_hash))})
    r = client.post(f"/units/{a.pk}/submit/", {"note": "抢先提交"}, follow=True)
    assert any("正在核对" in m for m in _messages(r))
    # a unit cannot approve itself, nor submit for another unit
    assert client.post(f"/units/{a.pk}/review/approve/").status_code == 404
    assert client.post(f"/units/{b.pk}/submit/", {"note": "x"}).status_code == 404
    # a GET does not submit
    assert client.get(f"/units/{a.pk}/submit/").status_code == 405
    assert Unit.objects.get(pk=a.pk).status == Status.ERRORS
    assert not Event.objects.filter(action="提交").exists()


@pytest.mark.django_db(transaction=True)
def test_sqlite_writers_in_several_threads_never_see_database_is_locked(year_round):
    """Eight threads each read a unit and write it back 25 times in a transaction
    (what a check job does): with transactions taking the write lock when they
    begin, none fails with "database is locked" and no update is lost.
    (Without IMMEDIATE, SQLite refuses a read transaction's upgrade at once.)"""
    from django.db import connection, connections, transaction

    from reportgen.web.models import Unit

    unit = year_round[3]
    errors, n_threads, n_writes = [], 8, 25

    def writer():
        try:
            for _ in range(n_writes):
                with transaction.atomic():
                    u = Unit.objects.select_for_update().get(pk=unit.pk)
                    u.revision += 1
                    u.save(update_fields=["revision"])
        except Exception as exc:  # recorded for the assertion below
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:3]
    assert Unit.objects.get(pk=unit.pk).revision == unit.revision + n_threads * n_writes
    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("PRAGMA journal_mode")
            assert c.fetchone()[0] == "wal"
