"""Files are never lost, half-written or locked away (issue 15, points 3 and 6).

Write failures are forced with a file-size limit (RLIMIT_FSIZE) in a
subprocess and with a path that cannot be a folder; overwrite protection,
the render record (.reportgen.json), umask permissions, over-long names,
GB18030 unit files and the full-width-colon / Tab hints are checked on the
bundled examples.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from reportgen.cli import main
from reportgen.output.files import WriteError, write_files
from reportgen.output.manifest import MANIFEST

GONGXIN = EXAMPLES / "jinzhong-gongxin-2021.yaml"
XINZHOU = EXAMPLES / "xinzhou-gongxin-2021.yaml"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def run_limited(limit: int, *args) -> subprocess.CompletedProcess:
    """``python -m reportgen ARGS`` with files limited to ``limit`` bytes."""
    def cap():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return subprocess.run([sys.executable, "-m", "reportgen", *map(str, args)], preexec_fn=cap,
                          capture_output=True, text=True, timeout=120)


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


# -- write failures ----------------------------------------------------------------

@pytest.mark.slow                                  # a fresh interpreter per command
def test_render_under_a_file_size_limit_writes_nothing_and_says_so(tmp_path):
    out = tmp_path / "out"
    r = run_limited(60_000, "render", XINZHOU, "-t", "xinzhou", "-o", out)   # some forms fit, some do not
    assert r.returncode == 1, r.stdout + r.stderr
    assert "超过允许的文件大小" in r.stderr and "未写入任何文件" in r.stderr
    assert "Traceback" not in r.stderr and "已生成" not in r.stdout
    assert visible(out) == []


@pytest.mark.slow
@pytest.mark.parametrize("command", [
    ["summary", EXAMPLES / "jinzhong-gongxin-2021.yaml", EXAMPLES / "jinzhong-zhaoshang-2020.yaml",
     "-t", "jinzhong", "-o", "{out}/汇总.xlsx"],
    ["workbook", "-t", "xinzhou", "-o", "{out}/采集表.xlsx"],
    ["init", "-t", "xinzhou", "-o", "{out}/单位.yaml"],
    ["audit", EXAMPLES.parent / "tests" / "golden" / "__none__.txt", "--xlsx", "{out}/审核.xlsx"],
])
def test_every_writing_command_fails_whole_under_a_size_limit(tmp_path, command):
    out = tmp_path / "out"
    out.mkdir()
    args = [str(a).replace("{out}", str(out)) for a in command]
    if command[0] == "audit":
        report = tmp_path / "报告.txt"
        report.write_text("本年支出合计100.00万元，其中基本支出60.00万元、项目支出30.00万元。\n", encoding="utf-8")
        args[1] = str(report)
    r = run_limited(1_000, *args)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and "无法写入" in r.stderr
    assert visible(out) == []


def test_a_folder_in_the_way_is_an_error_and_nothing_is_written(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    b.mkdir()
    with pytest.raises(WriteError, match="同名的文件夹已存在"):
        write_files([(a, b"1"), (b, b"2")])
    assert not a.exists()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(WriteError, match="路径中有一段不是文件夹|无法写入"):
        write_files([(a, b"1"), (blocker / "c.txt", b"2")])
    assert not a.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["b.txt", "file"]


def test_a_rename_that_fails_puts_back_what_was_replaced(tmp_path, monkeypatch):
    """Windows refuses to replace a document open in Word: the files of the
    batch already renamed are restored, the new ones removed."""
    import errno

    from reportgen.output import files

    a, b, c = tmp_path / "a.docx", tmp_path / "b.docx", tmp_path / "c.docx"
    a.write_bytes(b"old a")
    c.write_bytes(b"old c")
    real = os.replace

    def replace(src, dst):
        if Path(dst) == c:
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))
        return real(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)
    with pytest.raises(WriteError, match="正在 Word/WPS/Excel 中打开"):
        write_files([(a, b"new a"), (b, b"new b"), (c, b"new c")])
    assert a.read_bytes() == b"old a" and not b.exists() and c.read_bytes() == b"old c"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.docx", "c.docx"]


def test_what_a_killed_run_left_is_swept_and_nothing_else(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = tmp_path / f".reportgen-{dead}-0123456789ab.tmp"
    young = tmp_path / f".reportgen-{dead}-ba9876543210.tmp"
    alive = tmp_path / f".reportgen-{os.getppid()}-0123456789ab.tmp"
    for p in (stale, young, alive):
        p.write_bytes(b"half")
    for p in (stale, alive):
        os.utime(p, (0, 0))                       # written long ago
    write_files([(tmp_path / "a.txt", b"1")])
    assert not stale.exists() and young.exists() and alive.exists()
    assert (tmp_path / "a.txt").read_bytes() == b"1"


@pytest.mark.parametrize("device", ["/dev/full", "/dev/null"])
def test_a_device_as_output_is_refused_not_replaced(device):
    r = run("summary", EXAMPLES / "jinzhong-gongxin-2021.yaml", "-t", "jinzhong", "-o", device)
    assert r.exit_code == 1 and "不是普通文件" in r.output
    assert Path(device).is_char_device()


def test_templates_new_into_an_unwritable_place_is_an_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = run("templates", "new", "yuci", "--from", "jinzhong", "-o", blocker / "yuci")
    assert r.exit_code == 1 and "无法在" in r.output and "Traceback" not in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


# -- permissions -------------------------------------------------------------------

def test_outputs_get_the_umask_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        assert run("render", GONGXIN, "-t", "jinzhong", "-o", tmp_path / "out").exit_code == 0
        assert run("init", "-t", "jinzhong", "-o", tmp_path / "u.yaml").exit_code == 0
        assert run("templates", "new", "yuci", "--from", "jinzhong", "-o", tmp_path / "yuci").exit_code == 0
        os.umask(0o002)
        assert run("workbook", "-t", "jinzhong", "-o", tmp_path / "w.xlsx").exit_code == 0
    finally:
        os.umask(old)
    for docx in (tmp_path / "out").glob("*.docx"):
        assert docx.stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "u.yaml").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "w.xlsx").stat().st_mode & 0o777 == 0o664
    assert (tmp_path / "yuci").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "yuci" / "pack.yaml").stat().st_mode & 0o777 == 0o644


# -- no overwriting ----------------------------------------------------------------

@pytest.mark.parametrize("command", [
    ["init", "-t", "jinzhong", "-o", "{target}"],
    ["workbook", "-t", "jinzhong", "-o", "{target}"],
])
def test_init_and_workbook_do_not_overwrite_without_force(tmp_path, command):
    target = tmp_path / "mine.txt"
    target.write_text("我已经填了一半", encoding="utf-8")
    args = [str(a).replace("{target}", str(target)) for a in command]
    r = run(*args)
    assert r.exit_code == 1 and "已存在" in r.output and "--force" in r.output
    assert target.read_text(encoding="utf-8") == "我已经填了一半"
    assert run(*args, "--force").exit_code == 0
    assert target.read_text(encoding="utf-8", errors="replace") != "我已经填了一半"


def test_import_does_not_overwrite_without_force_nor_its_own_input(tmp_path):
    xlsx = tmp_path / "采集表.xlsx"
    assert run("workbook", "-t", "jinzhong", "-o", xlsx, "--from", GONGXIN).exit_code == 0
    target = tmp_path / "单位.yaml"
    target.write_text("# 手工写的\n", encoding="utf-8")
    r = run("import", xlsx, "-o", target)
    assert r.exit_code == 1 and "已存在" in r.output
    assert target.read_text(encoding="utf-8") == "# 手工写的\n"
    assert run("import", xlsx, "-o", target, "--force").exit_code == 0
    assert "money_unit" in target.read_text(encoding="utf-8")
    before = xlsx.read_bytes()
    r = run("import", xlsx, "-o", xlsx, "--force")
    assert r.exit_code == 1 and "就是输入文件" in r.output and xlsx.read_bytes() == before


def test_render_keeps_a_hand_edited_document_unless_forced(tmp_path):
    out = tmp_path / "out"
    assert run("render", GONGXIN, "-t", "jinzhong", "-o", out).exit_code == 0
    (docx,) = out.glob("*.docx")
    record = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert list(record["files"]) == [docx.name]
    # untouched since written: rendering again replaces it
    assert run("render", GONGXIN, "-t", "jinzhong", "-o", out).exit_code == 0
    # edited by hand: kept, the unit writes nothing, the file is named
    with zipfile.ZipFile(docx, "a") as z:
        z.writestr("customXml/note.xml", "<note>手工修改</note>")
    edited = docx.read_bytes()
    r = run("render", GONGXIN, "-t", "jinzhong", "-o", out)
    assert r.exit_code == 1 and docx.name in r.output and "--force" in r.output
    assert docx.read_bytes() == edited
    assert run("render", GONGXIN, "-t", "jinzhong", "-o", out, "--force").exit_code == 0
    assert docx.read_bytes() != edited
    # a file reportgen never wrote there (no record) is not replaced either
    (out / MANIFEST).unlink()
    docx.write_bytes(b"someone else's file")
    assert run("render", GONGXIN, "-t", "jinzhong", "-o", out).exit_code == 1
    assert docx.read_bytes() == b"someone else's file"


def test_a_run_killed_between_record_and_document_leaves_nothing_looking_edited(tmp_path, monkeypatch):
    from reportgen.output import files
    from reportgen.output.manifest import EditedFiles, write_outputs

    doc = tmp_path / "表.docx"
    write_outputs([(doc, b"v1")])
    real = os.replace

    def killed(src, dst):
        if Path(dst) == doc:
            raise KeyboardInterrupt          # as if the process died here
        return real(src, dst)

    monkeypatch.setattr(files.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        write_outputs([(doc, b"v2")])
    monkeypatch.setattr(files.os, "replace", real)
    assert doc.read_bytes() == b"v1"
    write_outputs([(doc, b"v3")])                # the old document is still known as ours
    assert doc.read_bytes() == b"v3"
    doc.write_bytes(b"edited")
    with pytest.raises(EditedFiles):
        write_outputs([(doc, b"v4")])
    assert doc.read_bytes() == b"edited"


def test_batch_render_keeps_an_edited_document_of_one_unit(tmp_path):
    units = tmp_path / "units"
    units.mkdir()
    for name in ("jinzhong-gongxin-2021.yaml", "jinzhong-huitong-2021.yaml"):
        (units / name).write_bytes((EXAMPLES / name).read_bytes())
    out = tmp_path / "out"
    assert run("render", units, "-t", "jinzhong", "-o", out).exit_code == 0
    (docx,) = (out / "jinzhong-gongxin-2021").glob("*.docx")
    docx.write_bytes(b"edited")
    r = run("render", units, "-t", "jinzhong", "-o", out)
    assert r.exit_code == 1 and "1 个失败" in r.output
    assert docx.read_bytes() == b"edited"


# -- over-long names ---------------------------------------------------------------

def test_a_very_long_project_name_is_shortened_not_refused(tmp_path):
    text = (EXAMPLES / "jinzhong-zhaoshang-2020.yaml").read_text(encoding="utf-8")
    long = "晋中市招商引资重点项目前期工作及项目谋划储备包装推介专项资金" * 3   # 87 汉字
    text = text.replace("name: 招商引资工作经费", f"name: {long}", 1)
    unit = tmp_path / "unit.yaml"
    unit.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    r = run("render", unit, "-t", "jinzhong", "-o", out)
    assert r.exit_code == 0, r.output
    names = [p.name for p in out.glob("*.docx")]
    assert len(names) == 3 and all(len(n.encode("utf-8")) <= 200 for n in names)
    shortened = [n for n in names if "…" in n]
    assert len(shortened) == 1 and shortened[0].startswith("晋中市招商引资服务中心_2020年度_晋中市招商引资重点项目")
    assert shortened[0].endswith("_财政支出项目绩效自评表.docx")


# -- habits: encodings and typing slips --------------------------------------------

def test_a_gbk_unit_file_is_read_with_a_warning(tmp_path):
    unit = tmp_path / "gbk.yaml"
    unit.write_bytes(GONGXIN.read_text(encoding="utf-8").encode("gb18030"))
    r = run("check", unit, "-t", "jinzhong")
    assert r.exit_code == 0, r.output
    assert "gbk.yaml:1: 警告：文件不是 UTF-8 编码，已按 GB18030（GBK）编码读取" in r.output
    plain = run("check", GONGXIN, "-t", "jinzhong").output
    warnings = int(plain.split("核对通过（")[1].split(" ")[0])
    assert f"核对通过（{warnings + 1} 个警告）" in r.output
    out = tmp_path / "out"
    assert run("render", unit, "-t", "jinzhong", "-o", out).exit_code == 0


@pytest.mark.parametrize("old, new, line, col, words", [
    ("year: 2021", "year：2021", 24, 5, "“year”后面是全角冒号“：”"),
    ("  head: 张建岗", "  head：张建岗", 28, 7, "全角冒号"),
    ("  head: 张建岗", "\thead: 张建岗", 28, 1, "制表符（Tab）"),
])
def test_fullwidth_colon_and_tab_get_a_chinese_hint_at_their_line(tmp_path, old, new, line, col, words):
    text = GONGXIN.read_text(encoding="utf-8")
    assert text.splitlines()[line - 1] == old
    unit = tmp_path / "unit.yaml"
    unit.write_text(text.replace(old, new, 1), encoding="utf-8")
    r = run("check", unit, "-t", "jinzhong")
    assert r.exit_code == 1
    assert f"unit.yaml:{line}:{col}: YAML 语法错误: " in r.output and words in r.output
    assert "could not find" not in r.output


@pytest.mark.parametrize("text, loc, path", [
    ("year：2021\n", "unit.yaml:1:1", ""),
    ("money_unit: 万元\nyear: 2021\nunit:\n  name：测试\n", "unit.yaml:4:3", "unit（单位信息）"),
    ("money_unit: 万元\nyear: 2021\nunit: {name: 测试}\nprojects:\n  - name：项目\n", "unit.yaml:5:5",
     "projects[0]（项目）"),
])
def test_a_fullwidth_colon_that_parses_as_text_still_gets_the_hint(tmp_path, text, loc, path):
    unit = tmp_path / "unit.yaml"
    unit.write_text(text, encoding="utf-8")
    r = run("check", unit, "-t", "jinzhong")
    assert r.exit_code == 1
    line = next(line for line in r.output.splitlines() if loc in line)
    assert path in line and "后面是全角冒号“：”，应为半角冒号加空格" in line


def test_chinese_numerals_in_indicator_values_score_like_digits(tmp_path):
    text = (EXAMPLES / "jinzhong-zhaoshang-2020.yaml").read_text(encoding="utf-8")
    chinese = text.replace("target: 不少于10场", "target: 不少于十场", 1).replace('actual: "13"', "actual: 十三场", 1)
    digits, words = tmp_path / "digits.yaml", tmp_path / "words.yaml"
    digits.write_text(text, encoding="utf-8")
    words.write_text(chinese, encoding="utf-8")
    a, b = run("check", digits, "-t", "jinzhong"), run("check", words, "-t", "jinzhong")
    assert a.exit_code == b.exit_code == 0, b.output
    scores = lambda out: [line for line in out.splitlines() if "综合得分" in line]  # noqa: E731
    assert scores(a.output) == scores(b.output)
