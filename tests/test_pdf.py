"""PDF output: LibreOffice conversion of a batch, the bound PDF per unit
(bookmarks, document information), failures when LibreOffice is missing,
produces nothing or hangs, and ``reportgen doctor``."""

import shutil
import stat

import pytest
from click.testing import CliRunner

from reportgen.cli import main
from conftest import EXAMPLES

NO_SOFFICE = shutil.which("soffice") is None


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def fake_tool(folder, name, script):
    """An executable ``name`` in ``folder`` running the shell ``script``."""
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


@pytest.fixture
def bare_path(tmp_path, monkeypatch):
    """PATH with only a folder of our own (no soffice, no fc-match)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


@pytest.mark.slow
@pytest.mark.skipif(NO_SOFFICE, reason="LibreOffice (soffice) is not installed; "
                    "CI installs libreoffice-writer-nogui and fonts-noto-cjk")
def test_batch_pdf_binds_each_unit_with_a_bookmark_per_form(tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "输出"
    r = run("render", EXAMPLES / "jinzhong-zhaoshang-2020.yaml", EXAMPLES / "jinzhong-gongxin-2021.yaml",
            "-t", "jinzhong", "-o", out, "--pdf", "--jobs", "2")
    assert r.exit_code == 0, r.output
    assert "共 2 个单位：2 个已生成，0 个失败" in r.output
    folder = out / "jinzhong-zhaoshang-2020"
    docx = sorted(folder.glob("*.docx"))
    assert len(docx) == 3
    for d in docx:
        assert PdfReader(str(d.with_suffix(".pdf"))).pages
    bound = folder / "晋中市招商引资服务中心_2020年度_晋中市部门整体支出绩效自评（合订本）.pdf"
    reader = PdfReader(str(bound))
    assert [o.title for o in reader.outline] == [
        "部门整体支出绩效自评表",                       # in the order of the unit file
        "财政支出项目绩效自评表 · 招商引资工作经费",
        "财政支出项目绩效自评表 · 招商引资专项经费",
    ]
    starts = [reader.get_destination_page_number(o) for o in reader.outline]
    sizes = [len(PdfReader(str(folder / (stem + ".pdf"))).pages) for stem in (
        "晋中市招商引资服务中心_2020年度_部门整体支出绩效自评表",
        "晋中市招商引资服务中心_2020年度_招商引资工作经费_财政支出项目绩效自评表",
        "晋中市招商引资服务中心_2020年度_招商引资专项经费_财政支出项目绩效自评表")]
    assert starts == [0, sizes[0], sizes[0] + sizes[1]] and len(reader.pages) == sum(sizes)
    meta = reader.metadata
    assert meta.title == "晋中市招商引资服务中心2020年度晋中市部门整体支出绩效自评"
    assert meta.author == "晋中市招商引资服务中心"
    assert "2020年度" in meta.subject
    text = "".join(reader.pages[sizes[0]].extract_text().split())
    assert "招商引资工作经费" in text
    assert len(list((out / "jinzhong-gongxin-2021").glob("*.pdf"))) == 2   # the form and the bound copy


def test_pdf_without_libreoffice_fails_with_the_advice_and_writes_nothing(tmp_path, bare_path):
    out = tmp_path / "out"
    r = run("render", EXAMPLES / "jinzhong-gongxin-2021.yaml", "-t", "jinzhong", "-o", out, "--pdf")
    assert r.exit_code == 1
    assert "未找到 LibreOffice（soffice）" in r.output
    assert "apt-get install -y --no-install-recommends libreoffice-writer-nogui fonts-noto-cjk" in r.output
    assert "fonts-lxgw-wenkai" in r.output
    assert "fonts-cjk.conf" in r.output and "reportgen doctor" in r.output
    assert not out.exists()
    # and the rest of the tool works without it
    r = run("render", EXAMPLES / "jinzhong-gongxin-2021.yaml", "-t", "jinzhong", "-o", out)
    assert r.exit_code == 0 and len(list(out.glob("*.docx"))) == 1


def test_a_missing_pdf_fails_its_unit(tmp_path, bare_path):
    fake_tool(bare_path, "soffice", "exit 0")           # "converts", writes nothing
    out = tmp_path / "out"
    r = run("render", EXAMPLES / "jinzhong-gongxin-2021.yaml", EXAMPLES / "jinzhong-huitong-2021.yaml",
            "-t", "jinzhong", "-o", out, "--pdf")
    assert r.exit_code == 1
    assert "共 2 个单位：0 个已生成，2 个失败" in r.output
    assert "部门整体支出绩效自评表.docx: 未能转换为 PDF（LibreOffice 未生成文件）" in r.output
    assert not list(out.rglob("*.pdf"))
    assert len(list(out.rglob("*.docx"))) == 2       # the Word files are complete and kept


@pytest.mark.slow
def test_a_hung_libreoffice_is_killed_after_the_timeout(tmp_path, monkeypatch):
    from reportgen.output import pdf

    soffice = fake_tool(tmp_path / "bin", "soffice", "sleep 30")
    docs = [tmp_path / "a.docx", tmp_path / "b.docx"]
    for d in docs:
        d.write_bytes(b"x")
    monkeypatch.setattr(pdf, "STARTUP_TIMEOUT", 0)
    result = pdf.convert(docs, tmp_path / "pdf", tmp_path / "profile", str(soffice), per_document=0.5)
    assert result.pdfs == {}
    assert result.problems == {d: "未能转换为 PDF（LibreOffice 转换超时（1 秒））" for d in docs}


def test_one_libreoffice_call_for_all_documents_of_a_worker(tmp_path, bare_path, monkeypatch):
    log = tmp_path / "calls.log"
    # a stand-in that records its arguments and "converts" by copying
    fake_tool(bare_path, "soffice", f"""
echo "$@" >> {log}
out=""; prev=""
for a in "$@"; do
  if [ "$prev" = "--outdir" ]; then out="$a"; fi
  case "$a" in *.docx) n="${{a##*/}}"; /bin/cp "$a" "$out/${{n%.docx}}.pdf";; esac
  prev="$a"
done""")
    from reportgen.output import pdf
    from reportgen.output.batch import UnitResult, _convert_share
    from reportgen.pack.packs import load_pack

    units = []
    for u in range(3):
        folder = tmp_path / f"u{u}"
        folder.mkdir()
        docs = []
        for k in range(2):
            d = folder / f"form{k}.docx"
            d.write_bytes(b"%PDF-1.4 not really")
            docs.append((f"表{k}", d))
        units.append(UnitResult(folder / "unit.yaml", folder, "单位", "2021", docs))
    binds = []
    monkeypatch.setattr(pdf, "bind", lambda parts, **meta: binds.append((parts, meta)) or b"%PDF bound")
    _convert_share(units, tmp_path / "work", load_pack("jinzhong"), str(bare_path / "soffice"))
    calls = log.read_text().splitlines()
    assert len(calls) == 1 and calls[0].count(".docx") == 6
    assert "-env:UserInstallation=file://" in calls[0] and "--headless" in calls[0]
    assert all(u.ok and len(u.pdfs) == 3 for u in units)
    assert [[t for t, _ in parts] for parts, _ in binds] == [["表0", "表1"]] * 3


def test_doctor_without_libreoffice_or_fontconfig(bare_path):
    r = run("doctor")
    assert r.exit_code == 1
    assert "✗ LibreOffice 未安装" in r.output
    assert "libreoffice-writer-nogui fonts-noto-cjk" in r.output
    assert "✗ fontconfig（fc-match） 未安装" in r.output


def test_doctor_reports_unmapped_chinese_fonts(bare_path):
    fake_tool(bare_path, "soffice", "exit 0")
    fake_tool(bare_path, "fc-list", 'echo "WenQuanYi Zen Hei,文泉驿正黑"')
    fake_tool(bare_path, "fc-match", """case "$1" in
  黑体) printf 'WenQuanYi Zen Hei\\nen|zh-cn|zh-tw' ;;
  仿宋) printf 'WenQuanYi Zen Hei\\nen|zh-cn' ;;
  *) printf 'DejaVu Sans\\nen|fr' ;;
esac""")
    r = run("doctor")
    assert r.exit_code == 1, r.output
    lines = r.output.splitlines()
    assert "✓ LibreOffice " + str(bare_path / "soffice") in lines
    assert "✓ 中文字体 1 种（WenQuanYi Zen Hei）" in lines
    assert "✗ 宋体 → DejaVu Sans" in lines and "✗ 楷体 → DejaVu Sans" in lines
    assert "✗ 仿宋 → WenQuanYi Zen Hei" in lines                 # a 黑体 look for 仿宋
    assert "✓ 黑体 → WenQuanYi Zen Hei" in lines
    # the packages of the faces the mapping names; the mapping itself comes with reportgen
    assert r.output.count("fonts-lxgw-wenkai fonts-arphic-gkai00mp fonts-arphic-ukai") == 3
    assert "有 3 项需要处理" in r.output


def test_doctor_warns_when_two_form_fonts_share_a_face(bare_path):
    """Only fonts-noto-cjk installed: 仿宋 and 楷体 fall back to the 宋体 face."""
    fake_tool(bare_path, "soffice", "exit 0")
    fake_tool(bare_path, "fc-list", 'echo "Noto Serif CJK SC"; echo "Noto Sans CJK SC"')
    fake_tool(bare_path, "fc-match", """case "$1" in
  黑体) printf 'Noto Sans CJK SC\\nen|zh-cn' ;;
  *) printf 'Noto Serif CJK SC\\nen|zh-cn' ;;
esac""")
    r = run("doctor")
    assert r.exit_code == 1, r.output
    lines = r.output.splitlines()
    assert "✓ 仿宋 → Noto Serif CJK SC" in lines and "✓ 黑体 → Noto Sans CJK SC" in lines
    assert "✗ 字体区分 宋体、仿宋、楷体 都显示为 Noto Serif CJK SC" in lines
    assert "fonts-lxgw-wenkai" in r.output and "有 1 项需要处理" in r.output


def test_libreoffice_gets_the_font_mapping(tmp_path, monkeypatch):
    """The fontconfig file LibreOffice runs with loads the system's
    configuration and then reportgen's aliases (仿宋 → LXGW WenKai …)."""
    from reportgen.output import pdf

    system = tmp_path / "fonts.conf"
    system.write_text("<fontconfig/>")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("FONTCONFIG_FILE", str(system))
    env = pdf.font_environment()
    conf = env["FONTCONFIG_FILE"]
    assert conf == str(tmp_path / "cache" / "reportgen" / "fonts.conf")
    text = open(conf, encoding="utf-8").read()
    assert text.index(str(system)) < text.index(str(pdf.FONTS_CONF))
    assert "<family>仿宋_GB2312</family><accept><family>LXGW WenKai</family>" in pdf.FONTS_CONF.read_text("utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(tmp_path / "missing.conf"))   # no fontconfig here
    assert pdf.font_environment()["FONTCONFIG_FILE"] == str(tmp_path / "missing.conf")


def test_doctor_on_this_machine_agrees_with_its_exit_code():
    from reportgen.output.pdf import doctor

    checks = doctor()
    r = run("doctor")
    assert r.exit_code == (0 if all(c.ok for c in checks) else 1)
    for c in checks:
        assert f"{'✓' if c.ok else '✗'} {c.name} {c.found}" in r.output
    if shutil.which("soffice") and shutil.which("fc-match"):
        assert [c.name for c in checks][2:] == ["宋体 →", "仿宋 →", "黑体 →", "楷体 →"]


def test_single_unit_with_pdf_writes_beside_its_forms(tmp_path, bare_path):
    """A stand-in converter that "converts" each document to a one-page PDF:
    the flow after LibreOffice (PDF beside each .docx, bound copy with a
    bookmark per form and the document information) runs anywhere."""
    from pypdf import PdfReader, PdfWriter

    page = tmp_path / "page.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(str(page))
    fake_tool(bare_path, "soffice", f"""
out=""; prev=""
for a in "$@"; do
  if [ "$prev" = "--outdir" ]; then out="$a"; fi
  case "$a" in *.docx) n="${{a##*/}}"; /bin/cp {page} "$out/${{n%.docx}}.pdf";; esac
  prev="$a"
done""")
    out = tmp_path / "out"
    r = run("render", EXAMPLES / "jinzhong-zhaoshang-2020.yaml", "-t", "jinzhong", "-o", out, "--pdf")
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in out.iterdir() if p.name != ".reportgen.json")
    assert len(names) == 7 and sum(n.endswith(".docx") for n in names) == 3
    for n in names:
        if n.endswith(".docx"):
            assert n.removesuffix(".docx") + ".pdf" in names
    reader = PdfReader(str(out / "晋中市招商引资服务中心_2020年度_晋中市部门整体支出绩效自评（合订本）.pdf"))
    assert len(reader.pages) == 3
    assert [(o.title, reader.get_destination_page_number(o)) for o in reader.outline] == [
        ("部门整体支出绩效自评表", 0),
        ("财政支出项目绩效自评表 · 招商引资工作经费", 1),
        ("财政支出项目绩效自评表 · 招商引资专项经费", 2)]
    assert reader.metadata.author == "晋中市招商引资服务中心"
    assert reader.metadata.subject == "2020年度 晋中市部门整体支出绩效自评"
    # rendering again replaces them; a PDF edited since is kept unless --force
    assert run("render", EXAMPLES / "jinzhong-zhaoshang-2020.yaml", "-t", "jinzhong", "-o", out,
               "--pdf").exit_code == 0
    edited = out / names[-1]
    assert edited.suffix == ".pdf"
    edited.write_bytes(b"%PDF-1.4 signed copy")
    r = run("render", EXAMPLES / "jinzhong-zhaoshang-2020.yaml", "-t", "jinzhong", "-o", out, "--pdf")
    assert r.exit_code == 1 and edited.name in r.output and "--force" in r.output
    assert edited.read_bytes() == b"%PDF-1.4 signed copy"
    assert run("render", EXAMPLES / "jinzhong-zhaoshang-2020.yaml", "-t", "jinzhong", "-o", out,
               "--pdf", "--force").exit_code == 0
    assert edited.read_bytes() != b"%PDF-1.4 signed copy"


def test_a_profile_that_worked_seeds_the_next_ones(tmp_path, monkeypatch):
    from reportgen.output import pdf

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    soffice = fake_tool(tmp_path / "bin", "soffice", """
out=""; prev=""
for a in "$@"; do
  case "$a" in -env:UserInstallation=file://*) p="${a#-env:UserInstallation=file://}";; esac
  if [ "$prev" = "--outdir" ]; then out="$a"; fi
  case "$a" in *.docx) n="${a##*/}"; /bin/cp "$a" "$out/${n%.docx}.pdf";; esac
  prev="$a"
done
/bin/mkdir -p "$p/user"
[ -f "$p/user/marker" ] || echo fresh > "$p/user/marker"
""")
    doc = tmp_path / "a.docx"
    doc.write_bytes(b"x")
    assert pdf.convert([doc], tmp_path / "o1", tmp_path / "p1", str(soffice)).pdfs
    seeds = list((tmp_path / "cache" / "reportgen").glob("libreoffice-profile-*"))
    assert len(seeds) == 1 and (seeds[0] / "user" / "marker").read_text() == "fresh\n"
    (seeds[0] / "user" / "marker").write_text("from the seed\n")
    assert pdf.convert([doc], tmp_path / "o2", tmp_path / "p2", str(soffice)).pdfs
    assert (tmp_path / "p2" / "user" / "marker").read_text() == "from the seed\n"


# ---- Windows semantics (pure Python parts; run here with the platform test patched) ------

@pytest.fixture
def windows(monkeypatch, bare_path, tmp_path):
    """``pdf._windows()`` true, no LibreOffice on PATH, Program Files and the
    Windows folder inside tmp_path.  os.name itself is not patched: pathlib
    would then refuse to make paths on this (POSIX) machine."""
    from reportgen.output import pdf

    monkeypatch.setattr(pdf, "_windows", lambda: True)
    monkeypatch.setattr(pdf.sys, "platform", "win32")
    for var in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)", "LOCALAPPDATA"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ProgramFiles", str(tmp_path / "Program Files"))
    monkeypatch.setenv("WINDIR", str(tmp_path / "Windows"))
    monkeypatch.setitem(__import__("sys").modules, "winreg", None)      # no registry unless a test adds one
    return pdf


def test_windows_finds_libreoffice_where_its_installer_puts_it(windows, tmp_path):
    assert windows.find_soffice() is None
    exe = tmp_path / "Program Files" / "LibreOffice" / "program" / "soffice.exe"
    exe.parent.mkdir(parents=True)
    exe.write_bytes(b"MZ")
    assert windows.find_soffice() == str(exe)


def test_windows_finds_libreoffice_through_the_registry(windows, tmp_path, monkeypatch):
    import sys
    import types

    folder = tmp_path / "D" / "LibreOffice 7" / "program"
    folder.mkdir(parents=True)
    (folder / "soffice.exe").write_bytes(b"MZ")
    opened = []

    class Key:
        def __init__(self, root, path):
            if path != r"SOFTWARE\LibreOffice\UNO\InstallPath" or root != "HKLM":
                raise OSError("no such key")
            opened.append(path)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    fake = types.SimpleNamespace(HKEY_LOCAL_MACHINE="HKLM", HKEY_CURRENT_USER="HKCU", OpenKey=Key,
                                 QueryValueEx=lambda handle, name: (str(folder), 1))
    monkeypatch.setitem(sys.modules, "winreg", fake)
    assert windows.find_soffice() == str(folder / "soffice.exe") and opened


def test_windows_stops_libreoffice_with_its_process_tree(windows, monkeypatch):
    calls = []
    monkeypatch.setattr(windows.subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    monkeypatch.setattr(windows.os, "killpg", lambda *a: pytest.fail("killpg on Windows"), raising=False)

    class Proc:
        pid, killed = 4242, False

        def poll(self):
            return None

        def kill(self):
            self.killed = True

    proc = Proc()
    windows._stop(proc)
    assert calls == [["taskkill", "/F", "/T", "/PID", "4242"]] and proc.killed


def test_windows_doctor_checks_the_system_fonts_and_gives_powershell_advice(windows, tmp_path):
    fonts = tmp_path / "Windows" / "Fonts"
    fonts.mkdir(parents=True)
    for f in ("simsun.ttc", "simhei.ttf", "simkai.ttf"):
        (fonts / f).write_bytes(b"font")
    checks = {c.name: c for c in windows.doctor()}
    assert not checks["LibreOffice"].ok and checks["LibreOffice"].advice.startswith("winget install")
    assert "fontconfig（fc-match）" not in checks                    # no fc-match on Windows
    assert checks["宋体 →"].ok and checks["宋体 →"].found.endswith("simsun.ttc")
    assert not checks["仿宋 →"].ok and "simfang.ttf" in checks["仿宋 →"].advice
    assert "apt-get" not in windows.no_soffice_message() and "fonts.conf" not in windows.no_soffice_message()


def test_doctor_under_a_gbk_console_prints_marks_it_can_encode(windows, tmp_path):
    result = CliRunner(charset="gbk").invoke(main, ["doctor"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    text = result.stdout_bytes.decode("gbk")
    assert "× LibreOffice 未安装" in text and "✓" not in text and "✗" not in text


def test_the_font_advice_points_at_the_installed_fontconfig_file():
    from reportgen.output import pdf

    assert pdf.FONTS_CONF.is_file() and pdf.FONTS_CONF.parent.name == "data"
    assert str(pdf.FONTS_CONF) in pdf.fonts_conf_advice()


def test_the_cache_folder_comes_from_platformdirs(monkeypatch, tmp_path):
    import platformdirs
    from reportgen.output.template_cache import cache_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "reportgen"
    assert cache_dir() == __import__("pathlib").Path(platformdirs.user_cache_dir("reportgen", appauthor=False))


def test_doctor_names_the_stand_in_for_fangsong(bare_path):
    """仿宋 resolving to LXGW WenKai (the face fonts-cjk.conf maps it to, for
    want of a simplified-Chinese 仿宋 in Debian) is fine and says so."""
    fake_tool(bare_path, "soffice", "exit 0")
    fake_tool(bare_path, "fc-list", 'echo "Noto Serif CJK SC"; echo "LXGW WenKai"')
    fake_tool(bare_path, "fc-match", """case "$1" in
  黑体) printf 'Noto Sans CJK SC\\nen|zh-cn' ;;
  仿宋) printf 'LXGW WenKai\\nen|zh-cn' ;;
  楷体) printf 'AR PL KaitiM GB\\nen|zh-cn' ;;
  *) printf 'Noto Serif CJK SC\\nen|zh-cn' ;;
esac""")
    r = run("doctor")
    assert r.exit_code == 0, r.output
    assert "✓ 仿宋 → LXGW WenKai（近似仿宋的字体：Debian 没有简体仿宋字体；Windows 上使用系统的仿宋）" in r.output
    assert "✓ 宋体 → Noto Serif CJK SC\n" in r.output                  # a real face: no note
