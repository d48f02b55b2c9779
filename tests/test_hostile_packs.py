"""Hostile template packs: a pack must never reach outside itself or exhaust
the machine (issue 15, point 2).

Each case is a copy of the built-in jinzhong pack (its department form
only) with one hostile edit.  ``templates check``, ``check`` and ``render``
must each end in a located error (or a correct result), exit 1 (or 0), no
traceback, within a few seconds, with nothing written on error and no file
outside the pack opened (an audit hook watches every ``open``).  The tests
in child processes (memory bound, a damaged cache entry across processes)
are marked slow (``pytest -m slow``, run by .ci/run).
"""

from __future__ import annotations

import io
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import jinja2
import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, ROOT, edit
from reportgen.cli import main
from reportgen.pack.packs import builtin_dir

UNIT = EXAMPLES / "jinzhong-gongxin-2021.yaml"
DOCX = "部门整体支出绩效自评表.docx"
SECRET = "SECRET-FILE-CONTENT-7f3a"

_opened: list[str] | None = None


def _audit(event, args):
    if event == "open" and _opened is not None and isinstance(args[0], (str, bytes, os.PathLike)):
        _opened.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


def run(*args):
    """Run the CLI in-process; the files it opened, its result, its duration."""
    global _opened
    _opened = []
    start = time.monotonic()
    try:
        result = CliRunner().invoke(main, [str(a) for a in args])
    finally:
        opened, _opened = _opened, None
    return result, opened, time.monotonic() - start


def _pack(tmp_path: Path) -> Path:
    """jinzhong with only its department form, plus a secret file beside it."""
    dst = tmp_path / "pack"
    shutil.copytree(builtin_dir() / "jinzhong", dst)
    text = (dst / "pack.yaml").read_text(encoding="utf-8")
    (dst / "pack.yaml").write_text(text[: text.index("  - key: project")], encoding="utf-8")
    (tmp_path / "secret.yaml").write_text(f"x:\n  pattern: {SECRET}\n", encoding="utf-8")
    (tmp_path / "secret.docx").write_bytes((dst / DOCX).read_bytes())
    return dst


def _sentence(pack: Path, pattern: str) -> int:
    """Put ``pattern`` at the start of the 预算执行情况 sentence; return its line."""
    path = pack / "sentences.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  pattern: |-\n", text.index("\nbudget_execution:")) + len("  pattern: |-\n    ")
    path.write_text(text[:start] + pattern + text[start:], encoding="utf-8")
    return text[:start].count("\n") + 1


def _docx_body(pack: Path, old: str, new: str) -> None:
    path = pack / DOCX
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                assert old in text
                data = text.replace(old, new, 1).encode("utf-8")
            dst.writestr(info, data)
    path.write_bytes(out.getvalue())


def _assert_clean(result, opened, seconds, tmp_path, exit_code=1):
    out = result.output
    assert result.exit_code == exit_code, out
    assert isinstance(result.exception, (SystemExit, type(None))), repr(result.exception)
    assert "Traceback" not in out and SECRET not in out and "root:x:0" not in out
    assert seconds < 8, seconds
    outside = {str(tmp_path / "secret.yaml"), str(tmp_path / "secret.docx")}
    assert not [p for p in opened if p in outside or p.startswith("/etc/")], opened
    return out


# ---------------------------------------------------------------------------
# Files a pack names stay inside the pack


def _names_outside(pack: Path, tmp_path: Path, how: str) -> int:
    if how == "absolute":
        return edit(pack / "pack.yaml", "sentences: sentences.yaml", f"sentences: {tmp_path / 'secret.yaml'}")
    if how == "dotdot":
        return edit(pack / "pack.yaml", "sentences: sentences.yaml", "sentences: ../secret.yaml")
    if how == "symlink":
        (pack / "sentences.yaml").unlink()
        (pack / "sentences.yaml").symlink_to(tmp_path / "secret.yaml")
        return edit(pack / "pack.yaml", "sentences: sentences.yaml", "sentences: sentences.yaml")
    if how == "template":
        return edit(pack / "pack.yaml", f"template: {DOCX}", f"template: {tmp_path / 'secret.docx'}")
    if how == "symlinked_docx":
        (pack / DOCX).unlink()
        (pack / DOCX).symlink_to(tmp_path / "secret.docx")
        return edit(pack / "pack.yaml", f"template: {DOCX}", f"template: {DOCX}")
    raise AssertionError(how)


@pytest.mark.parametrize("how, message", [
    ("absolute", "是绝对路径"), ("dotdot", "含有 ..，指向模板包文件夹以外"),
    ("symlink", "是指向模板包文件夹以外的链接"), ("template", "是绝对路径"),
    ("symlinked_docx", "是指向模板包文件夹以外的链接"),
])
def test_a_pack_reads_no_file_outside_itself(tmp_path, how, message):
    pack = _pack(tmp_path)
    line = _names_outside(pack, tmp_path, how)
    where = f"{pack / 'pack.yaml'}:{line}:"
    for args in (("templates", "check", pack), ("check", UNIT, "-t", pack),
                 ("render", UNIT, "-t", pack, "-o", tmp_path / "out")):
        result, opened, seconds = run(*args)
        out = _assert_clean(result, opened, seconds, tmp_path)
        assert any(ln.startswith(where) or f"错误: {where}" in ln for ln in out.splitlines()
                   if message in ln), out
    assert not (tmp_path / "out").exists()


def test_a_link_inside_the_pack_is_fine(tmp_path):
    pack = _pack(tmp_path)
    (pack / "句式.yaml").symlink_to(pack / "sentences.yaml")
    edit(pack / "pack.yaml", "sentences: sentences.yaml", "sentences: 句式.yaml")
    result, opened, seconds = run("templates", "check", pack)
    _assert_clean(result, opened, seconds, tmp_path, exit_code=0)


def test_a_fifo_in_the_pack_is_refused_without_waiting(tmp_path):
    pack = _pack(tmp_path)
    os.mkfifo(pack / "fifo.yaml")
    line = edit(pack / "pack.yaml", "sentences: sentences.yaml", "sentences: fifo.yaml")
    result, opened, seconds = run("templates", "check", pack)
    out = _assert_clean(result, opened, seconds, tmp_path)
    assert f"pack.yaml:{line}:" in out and "'fifo.yaml' 不是普通文件" in out


def test_a_pack_yaml_linked_out_is_refused(tmp_path):
    pack = _pack(tmp_path)
    (tmp_path / "secret.yaml").write_text((pack / "pack.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (pack / "pack.yaml").unlink()
    (pack / "pack.yaml").symlink_to(tmp_path / "secret.yaml")
    result, opened, seconds = run("templates", "check", pack)
    out = _assert_clean(result, opened, seconds, tmp_path)
    assert "pack.yaml: 'pack.yaml' 是指向模板包文件夹以外的链接" in out


# ---------------------------------------------------------------------------
# Output file names: named fields only


@pytest.mark.parametrize("pattern", ["{unit.__class__}.docx", "{unit!r}.docx", "{year:>1000000000}.docx",
                                     "{unit[0]}.docx", "{title.__init__.__globals__}.docx"])
def test_output_names_accept_only_the_named_fields(tmp_path, pattern):
    pack = _pack(tmp_path)
    line = edit(pack / "pack.yaml", 'output: "{unit}_{year}年度_部门整体支出绩效自评表.docx"',
                f'output: "{pattern}"')
    for args in (("templates", "check", pack), ("render", UNIT, "-t", pack, "-o", tmp_path / "out")):
        result, opened, seconds = run(*args)
        out = _assert_clean(result, opened, seconds, tmp_path)
        assert f"pack.yaml:{line}:" in out and "文件名模式 output 中的" in out and "不可用" in out, out
        assert "class" not in "".join(os.listdir(tmp_path))
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------
# Expressions that would build or loop without end


BOMBS = {
    "string": ("{{ 'a' * 10**9 }}", "超出计算限制"),
    "list": ("{{ [1] * 10**8 }}", "超出计算限制"),
    "doubling": ("{% set ns = namespace(x=[1]) %}{% for i in range(64) %}{% set ns.x = ns.x + ns.x %}"
                 "{% endfor %}{{ ns.x|length }}", "超出计算限制"),
    "concat": ("{% set ns = namespace(x='ab') %}{% for i in range(64) %}{% set ns.x = ns.x ~ ns.x %}"
               "{% endfor %}{{ ns.x|length }}", "超出计算限制"),
    "nested_loops": ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
                     "超出计算限制：循环和调用合计超过"),
    "power_tower": ("{{ 2**(2**(2**(2**(2**2)))) }}", "超出计算限制：乘方"),
    "squaring": ("{% set ns = namespace(x=3) %}{% for i in range(64) %}{% set ns.x = ns.x * ns.x %}"
                 "{% endfor %}", "超出计算限制：整数"),
    "range": ("{{ range(10**9)|list }}", "超出计算限制：range"),
    "macro_fork": ("{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(40) }}",
                   "超出计算限制"),
    "recursion": ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "嵌套或递归过深"),
    "shared_print": ("{% set a = ['x' * 1000] * 1000 %}{{ [a] * 1000 }}", "超出计算限制"),
    "replace": ("{{ ('a' * 100000).replace('a', 'a' * 100000) }}", "超出计算限制"),
    "format_width": ("{{ '%999999999d' % 1 }}", "超出计算限制：格式宽度"),
    "join": ("{{ ([['x' * 1000] * 1000] * 1000)|join }}", "超出计算限制"),
    "include": ("{% include '/etc/passwd' %}", "模板包不能使用 {% include %}"),
    "import": ("{% import '/etc/passwd' as p %}", "模板包不能使用 {% import %}"),
    "extends": ("{% extends '/etc/passwd' %}", "模板包不能使用 {% extends %}"),
    "internals": ("{{ b.__class__.__mro__ }}", "unsafe"),
    "str_format": ("{{ '{0.__class__}'.format(b) }}", "模板包不能调用 str.format()"),
    "type_error": ("{% if b.total_budget > 90 %}高{% endif %}", "类型错误"),
}


#: The cases of the issue, end to end; every bomb is also tried on the sandbox alone below.
END_TO_END = ("string", "list", "doubling", "nested_loops", "power_tower", "range", "include", "internals",
              "type_error")


@pytest.mark.parametrize("name", BOMBS)
def test_the_sandbox_stops_each_bomb_quickly(name):
    from reportgen.output.render import sandbox

    pattern, message = BOMBS[name]
    start = time.monotonic()
    with pytest.raises(jinja2.TemplateError) as info:
        sandbox().from_string(pattern).render(b={"total_budget": "100.00"})
    assert message in str(info.value) and time.monotonic() - start < 3
    assert info.value.lineno == 1


@pytest.mark.parametrize("name", END_TO_END)
def test_a_sentence_cannot_exhaust_the_machine(tmp_path, name):
    pattern, message = BOMBS[name]
    pack = _pack(tmp_path)
    where = f"{pack / 'sentences.yaml'}:{_sentence(pack, pattern)}: "
    commands = [("templates", "check", pack), ("render", UNIT, "-t", pack, "-o", tmp_path / "out")]
    if name in ("string", "include", "type_error"):        # check runs what render runs before writing
        commands.append(("check", UNIT, "-t", pack))
    for args in commands:
        result, opened, seconds = run(*args)
        out = _assert_clean(result, opened, seconds, tmp_path)
        assert any(where in ln and message in ln for ln in out.splitlines()), (args[0], out)
    assert not (tmp_path / "out").exists()


def test_a_display_pattern_cannot_exhaust_the_machine(tmp_path):
    pack = _pack(tmp_path)
    line = edit(pack / "rubric.yaml", 'display: "（预算执行{{ executed }}', 'display: "{{ \'a\' * 10**9 }}（预算执行{{ executed }}')
    for args in (("templates", "check", pack), ("check", UNIT, "-t", pack)):
        result, opened, seconds = run(*args)
        out = _assert_clean(result, opened, seconds, tmp_path)
        assert f"rubric.yaml:{line}:" in out and "超出计算限制" in out, out


@pytest.mark.parametrize("tag, message", [
    ("{% include '/etc/passwd' %}", "模板包不能使用 {% include %}"),
    ("{{ 'a' * 10**9 }}", "超出计算限制"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "超出计算限制"),
])
def test_a_word_template_cannot_exhaust_the_machine(tmp_path, tag, message):
    pack = _pack(tmp_path)
    _docx_body(pack, "{{ unit.name }}", "{{ unit.name }}" + tag.replace("'", "&apos;"))
    for args in (("templates", "check", pack), ("render", UNIT, "-t", pack, "-o", tmp_path / "out")):
        result, opened, seconds = run(*args)
        out = _assert_clean(result, opened, seconds, tmp_path)
        assert DOCX in out and message in out, (args[0], out)
    assert not (tmp_path / "out").exists()


def test_a_harmless_power_tower_gives_the_correct_result(tmp_path):
    """Jinja's ``**`` groups to the left: 2**2**2**2**2 is ((2²)²)²)² = 65536."""
    pack = _pack(tmp_path)
    _sentence(pack, "{{ 2**2**2**2**2 }}；")
    out = tmp_path / "out"
    result, opened, seconds = run("render", UNIT, "-t", pack, "-o", out)
    _assert_clean(result, opened, seconds, tmp_path, exit_code=0)
    from reportgen.output.docxtext import dump

    (docx,) = out.glob("*.docx")
    assert "65536；2021年度" in dump(docx.read_bytes())


# ---------------------------------------------------------------------------
# templates check finds wrong names and type errors at their line


def test_check_reports_wrong_names_and_type_errors_at_their_line(tmp_path):
    pack = _pack(tmp_path)
    typo = edit(pack / "sentences.yaml", "预算完成率{{ b.completion_rate }}", "预算完成率{{ b.completion_rat }}")
    compare = edit(pack / "sentences.yaml", "经自评，本单位", "{% if total > 90 %}成绩优异，{% endif %}经自评，本单位")
    display = edit(pack / "rubric.yaml", "（在职人员{{ in_service }}人", "（在职人员{{ in_servic }}人")
    result, opened, seconds = run("templates", "check", pack)
    out = _assert_clean(result, opened, seconds, tmp_path)
    sentences, rubric = pack / "sentences.yaml", pack / "rubric.yaml"
    assert (f"{sentences}:{typo}: 句式“budget_execution”中的变量 b.completion_rat 不存在"
            "（是否应为 b.completion_rate？b 下可用:") in out
    assert f"{sentences}:{compare}: 句式“performance_analysis”用样例数据试算出错: 类型错误" in out
    assert re.search(rf"{re.escape(str(rubric))}:{display}:\d+: 指标“在职人员控制率”的 display 模式中的变量 "
                     r"in_servic 不存在（是否应为 in_service？", out)
    assert "共 3 个错误" in out
    result, opened, seconds = run("check", UNIT, "-t", pack)        # and they fail there without a traceback
    _assert_clean(result, opened, seconds, tmp_path)


def test_check_sees_a_wrong_name_in_a_branch_not_taken(tmp_path):
    pack = _pack(tmp_path)
    line = edit(pack / "sentences.yaml", "{%- if notes %}{{ notes }}{% endif %}",
                "{%- if notes %}{{ notes }}{% else %}{{ s.totl }}{% endif %}")
    result, opened, seconds = run("templates", "check", pack)
    out = _assert_clean(result, opened, seconds, tmp_path)
    assert f"sentences.yaml:{line}: 句式“staffing”中的变量 s.totl 不存在（是否应为 s.total？" in out


# ---------------------------------------------------------------------------
# The compiled-template cache


@pytest.mark.slow
def test_a_damaged_cache_entry_is_rebuilt_silently(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    pack = _pack(tmp_path)
    first, second = tmp_path / "a", tmp_path / "b"
    subprocess.run([sys.executable, "-m", "reportgen", "render", str(UNIT), "-t", str(pack), "-o", str(first)],
                   check=True, capture_output=True, cwd=ROOT)
    (entry,) = (tmp_path / "cache" / "reportgen").glob("*.docx-template")
    good = entry.read_bytes()
    for damaged in (good[:-1000], b"\x00" * 64, good[:40] + b"\xff" + good[41:]):
        entry.write_bytes(damaged)
        shutil.rmtree(second, ignore_errors=True)
        done = subprocess.run([sys.executable, "-m", "reportgen", "render", str(UNIT), "-t", str(pack),
                               "-o", str(second)], capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        (a,), (b,) = first.glob("*.docx"), second.glob("*.docx")
        assert a.read_bytes() == b.read_bytes()
        assert entry.read_bytes() == good


def test_an_entry_in_a_shared_cache_folder_is_not_used(tmp_path, monkeypatch):
    """A cache folder others may write (mode 0777) is not trusted: nothing is cached."""
    from reportgen.output.template_cache import CompiledTemplate, cache_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cache_dir().mkdir(parents=True)
    cache_dir().chmod(0o777)
    compiled = CompiledTemplate(builtin_dir() / "jinzhong" / DOCX)
    from reportgen.pack.packs import load_pack
    from reportgen.pipeline import prepare

    pf = prepare(UNIT, load_pack("jinzhong")).forms[0]
    compiled.render(pf.context())
    assert not list(cache_dir().iterdir())


# ---------------------------------------------------------------------------
# Memory, in child processes


@pytest.mark.slow
@pytest.mark.parametrize("name", ["doubling", "join"])
def test_bombs_stay_within_memory_in_a_child_process(tmp_path, name):
    pack = _pack(tmp_path)
    _sentence(pack, BOMBS[name][0])

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    for args in (["templates", "check", str(pack)], ["render", str(UNIT), "-t", str(pack), "-o", str(tmp_path / "o")]):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        done = subprocess.run([sys.executable, "-m", "reportgen", *args], capture_output=True, text=True,
                              timeout=30, preexec_fn=limit, cwd=ROOT)
        assert done.returncode == 1 and "Traceback" not in done.stderr and BOMBS[name][1] in done.stderr
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        assert peak < 400 * 1024 or peak == before, peak        # KiB: under 400 MB


def test_a_word_template_linking_outside_files_is_refused(tmp_path):
    """A linked image or attached template is fetched by Word and LibreOffice (PDF) on opening."""
    pack = _pack(tmp_path)
    path = pack / DOCX
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", (
                    b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/image" Target="file:///etc/passwd" TargetMode="External"/>'
                    b'<Relationship Id="rId98" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/hyperlink" Target="https://example.org/" TargetMode="External"/>'
                    b"</Relationships>"))
            dst.writestr(info, data)
    path.write_bytes(out.getvalue())
    line = edit(pack / "pack.yaml", f"template: {DOCX}", f"template: {DOCX}")
    for args in (("templates", "check", pack), ("render", UNIT, "-t", pack, "-o", tmp_path / "out")):
        result, opened, seconds = run(*args)
        out_text = _assert_clean(result, opened, seconds, tmp_path)
        assert f"pack.yaml:{line}:" in out_text and "image → file:///etc/passwd" in out_text, out_text
        assert "hyperlink" not in out_text
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------
# templates new


def test_new_into_a_folder_that_cannot_be_made_is_a_chinese_error(tmp_path):
    blocker = tmp_path / "文件"
    blocker.write_text("x", encoding="utf-8")
    result, opened, seconds = run("templates", "new", "榆次", "--from", "jinzhong", "-o", blocker / "榆次")
    out = _assert_clean(result, opened, seconds, tmp_path)
    assert f"错误: 无法在 {blocker} 中新建模板包文件夹: 路径中有一段是文件而不是文件夹" in out
    result, opened, seconds = run("templates", "new", "榆次", "--from", "jinzhong", "-o", blocker)
    out = _assert_clean(result, opened, seconds, tmp_path)
    assert f"错误: {blocker} 已存在，不会覆盖" in out and blocker.read_text(encoding="utf-8") == "x"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes a read-only folder")
def test_new_into_a_read_only_folder_is_a_chinese_error(tmp_path):
    folder = tmp_path / "只读"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result, opened, seconds = run("templates", "new", "榆次", "--from", "jinzhong", "-o", folder / "榆次")
    finally:
        folder.chmod(0o755)
    out = _assert_clean(result, opened, seconds, tmp_path)
    assert "没有写入权限" in out and not list(folder.iterdir())


def test_new_copies_links_as_links_and_skips_fifos(tmp_path):
    pack = _pack(tmp_path)
    (pack / "外部.yaml").symlink_to(tmp_path / "secret.yaml")
    os.mkfifo(pack / "管道")
    result, opened, seconds = run("templates", "new", "榆次", "--from", pack, "-o", tmp_path / "new")
    _assert_clean(result, opened, seconds, tmp_path, exit_code=0)
    assert (tmp_path / "new" / "外部.yaml").is_symlink() and not (tmp_path / "new" / "管道").exists()


def test_new_where_writing_is_refused_is_a_chinese_error(tmp_path, monkeypatch):
    """As root cannot be refused a write, the refusal is simulated where the copy starts."""
    import errno

    from reportgen.pack import packcheck

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(packcheck, "make_folder", refuse)    # where the copy's folder is made
    result, opened, seconds = run("templates", "new", "榆次", "--from", "jinzhong", "-o", tmp_path / "榆次")
    out = _assert_clean(result, opened, seconds, tmp_path)
    assert f"错误: 无法在 {tmp_path} 中新建模板包文件夹: 没有写入权限（permission denied）" in out
    assert not (tmp_path / "榆次").exists()
