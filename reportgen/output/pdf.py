"""PDF output (PDF 版报表): .docx → PDF with LibreOffice, one bound PDF per unit.

* :func:`convert` runs **one** ``soffice --headless --convert-to pdf`` for
  many documents (LibreOffice starts once, about 1–1.5 s, then about 0.1 s
  per document; ecosystem.md §4.3), with its own user profile
  (``-env:UserInstallation``: two LibreOffice processes sharing a profile
  silently fail), a timeout that grows with the number of documents, and a
  check that every expected PDF exists afterwards.  A new profile folder is
  filled from a kept copy of one that worked (``~/.cache/reportgen``), which
  saves LibreOffice about 0.5 s of first-start set-up.
* :func:`bind` assembles the PDFs of one unit's forms into one file with a
  bookmark (书签) per form and the document information (标题、单位、年度) —
  with pypdf.
* :func:`font_environment` gives LibreOffice the project's font mapping
  (``reportgen/data/fonts-cjk.conf``) on top of the system's fontconfig
  setup, so a PDF shows 仿宋 and 楷体 in faces of their own.
* :func:`doctor` reports whether LibreOffice and CJK fonts are installed and
  what the fonts of the forms (宋体/仿宋/黑体/楷体) resolve to.

Only this module and the batch runner touch LibreOffice; nothing here prints.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

#: Seconds allowed for LibreOffice to start, plus per document converted.
STARTUP_TIMEOUT = 60
PER_DOCUMENT_TIMEOUT = 30

#: The fontconfig file of the project that maps the Windows CJK font names.
FONTS_CONF = Path(__file__).resolve().parent.parent / "data" / "fonts-cjk.conf"

def _windows() -> bool:
    return os.name == "nt"


#: What to run when LibreOffice or the fonts are missing: Debian/Ubuntu, and
#: on Windows a PowerShell line (winget ships with Windows 10 1809+ and 11).
#: The Debian packages of the faces fonts-cjk.conf maps to: Noto Serif/Sans
#: CJK SC (宋体, 黑体), LXGW WenKai (仿宋: Debian has no simplified-Chinese
#: 仿宋 face), AR PL KaitiM GB and AR PL UKai (楷体).
FONT_PACKAGES = "fonts-noto-cjk fonts-lxgw-wenkai fonts-arphic-gkai00mp fonts-arphic-ukai"
INSTALL_LIBREOFFICE = ("sudo apt-get install -y --no-install-recommends "
                       f"libreoffice-writer-nogui {FONT_PACKAGES}")
INSTALL_FONTS = f"sudo apt-get install -y {FONT_PACKAGES}"

#: The system's fontconfig configuration (Linux, BSD).
SYSTEM_FONTCONFIG = Path("/etc/fonts/fonts.conf")
INSTALL_LIBREOFFICE_WINDOWS = ("winget install --id TheDocumentFoundation.LibreOffice -e"
                               "（或从 https://zh-cn.libreoffice.org 下载安装程序）")


def install_libreoffice() -> str:
    """The install command for this system (PowerShell on Windows)."""
    return INSTALL_LIBREOFFICE_WINDOWS if _windows() else INSTALL_LIBREOFFICE


def fonts_conf_advice() -> str:
    """How to install the font aliases (宋体/仿宋/黑体/楷体 → free CJK fonts),
    pointing at the fontconfig file installed with the package (Linux; on
    Windows the real fonts are used and nothing is needed)."""
    conf = str(FONTS_CONF) if FONTS_CONF.is_file() else "reportgen/data/fonts-cjk.conf（源代码中）"
    return (f"mkdir -p ~/.config/fontconfig && cp {conf} ~/.config/fontconfig/fonts.conf && fc-cache -f"
            f"（或 sudo cp {conf} /etc/fonts/local.conf，对全部用户生效）")


def fontconfig_file() -> Path | None:
    """A fontconfig file that loads the system's configuration
    (``$FONTCONFIG_FILE`` or /etc/fonts/fonts.conf) and then
    :data:`FONTS_CONF`, kept in the cache folder (``~/.cache/reportgen``).
    None where there is no system fontconfig file (Windows and macOS, whose
    LibreOffice does not use fontconfig) or the cache folder is not
    writable."""
    from xml.sax.saxutils import escape

    from reportgen.output.template_cache import cache_dir

    system = Path(os.environ.get("FONTCONFIG_FILE") or SYSTEM_FONTCONFIG)
    if _windows() or not system.is_file() or not FONTS_CONF.is_file():
        return None
    text = ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
            "<!-- written by reportgen: the system's configuration, then the form font aliases -->\n"
            f'<fontconfig>\n  <include ignore_missing="yes">{escape(str(system.resolve()))}</include>\n'
            f"  <include>{escape(str(FONTS_CONF))}</include>\n</fontconfig>\n")
    path = cache_dir() / "fonts.conf"
    try:
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"fonts.conf.{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
    except OSError:
        return None
    return path


def font_environment() -> dict[str, str]:
    """The environment for LibreOffice and the fontconfig tools: this
    process's, with ``FONTCONFIG_FILE`` set to :func:`fontconfig_file` when
    there is one — so a PDF shows 宋体/仿宋/楷体/黑体 in faces of their own
    without any system-wide change."""
    env = dict(os.environ)
    conf = fontconfig_file()
    if conf is not None:
        env["FONTCONFIG_FILE"] = str(conf)
    return env


def no_soffice_message() -> str:
    """The message for ``--pdf`` without LibreOffice (Chinese, for the CLI)."""
    text = f"未找到 LibreOffice（soffice），无法生成 PDF。请安装：\n  {install_libreoffice()}\n"
    if not _windows():
        text += (f"宋体/仿宋/楷体/黑体所用的字体对应关系见 {FONTS_CONF.name}，生成 PDF 时自动使用；"
                 f"手动转换时可安装为系统配置：\n  {fonts_conf_advice()}\n")
    return text + "可运行 reportgen doctor 检查。不加 --pdf 仍可生成 Word 文件。"


NO_SOFFICE = no_soffice_message()


def find_soffice() -> str | None:
    """The LibreOffice executable: ``soffice`` / ``libreoffice`` on PATH; on
    Windows, where its installer puts it (the registry key
    ``HKLM\\SOFTWARE\\LibreOffice\\UNO\\InstallPath``, then
    ``%ProgramFiles%`` and ``%ProgramFiles(x86)%\\LibreOffice\\program\\soffice.exe``,
    which the installer does not add to PATH); on macOS the application
    bundle.  None when not found."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    for candidate in _install_locations():
        if candidate.is_file():
            return str(candidate)
    return None


def _install_locations() -> list[Path]:
    """Where LibreOffice's installer puts ``soffice`` on this system."""
    if sys.platform == "darwin":
        return [Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")]
    if not _windows():
        return []
    out = [Path(folder) / "soffice.exe" for folder in _registry_install_paths()]
    for var in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)"):
        base = os.environ.get(var)
        if base:
            out.append(Path(base) / "LibreOffice" / "program" / "soffice.exe")
    out.append(Path(r"C:\Program Files\LibreOffice\program\soffice.exe"))
    return out


def _registry_install_paths() -> list[str]:
    """LibreOffice's ``program`` folders from the Windows registry (64- and
    32-bit views, machine and user installs); [] without ``winreg``."""
    try:
        import winreg
    except ImportError:
        return []
    found = []
    for root in (winreg.HKEY_LOCAL_MACHINE, winreg.HKEY_CURRENT_USER):
        for key in (r"SOFTWARE\LibreOffice\UNO\InstallPath",
                    r"SOFTWARE\WOW6432Node\LibreOffice\UNO\InstallPath"):
            try:
                with winreg.OpenKey(root, key) as handle:
                    value, _ = winreg.QueryValueEx(handle, "")
            except OSError:
                continue
            if isinstance(value, str) and value:
                found.append(value)
    return found


def _start(cmd: list[str]) -> subprocess.Popen:
    """Start LibreOffice in a process group of its own, so that it and the
    helper processes it starts can be stopped together (:func:`_stop`)."""
    if _windows():
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0))
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            start_new_session=True, env=font_environment())


def _stop(proc: subprocess.Popen) -> None:
    """Stop ``proc`` and every process it started: the process group on
    POSIX (``killpg`` SIGKILL), ``taskkill /T /F`` on Windows (soffice.exe
    starts soffice.bin)."""
    if _windows():
        try:
            subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            pass
        if proc.poll() is None:
            proc.kill()
        return
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@dataclass
class Conversion:
    """The result of one :func:`convert` call: ``pdfs`` maps each .docx
    given to its PDF; ``problems`` maps each .docx without a PDF to why
    (Chinese text)."""

    pdfs: dict[Path, Path] = field(default_factory=dict)
    problems: dict[Path, str] = field(default_factory=dict)


def convert(docs: list[Path], outdir: Path, profile: Path, soffice: str | None = None,
            per_document: float = PER_DOCUMENT_TIMEOUT) -> Conversion:
    """Convert ``docs`` (.docx files with distinct names) to PDF in ``outdir``
    with one LibreOffice process using the user profile folder ``profile``.

    The timeout is ``STARTUP_TIMEOUT + per_document × len(docs)`` seconds;
    on timeout LibreOffice and its helper processes are killed (:func:`_stop`).  Every document is
    checked afterwards: a missing PDF is a problem for that document, never an
    exception.  Raises :class:`errors.ReportgenError` only when LibreOffice is
    not installed.
    """
    from reportgen.errors import ReportgenError

    soffice = soffice or find_soffice()
    if soffice is None:
        raise ReportgenError(no_soffice_message())
    outdir.mkdir(parents=True, exist_ok=True)
    result = Conversion()
    if not docs:
        return result
    timeout = STARTUP_TIMEOUT + per_document * len(docs)
    seeded = _seed_profile(Path(profile), soffice)
    cmd = [soffice, "--headless", "--norestore", "--nolockcheck",
           f"-env:UserInstallation={Path(profile).resolve().as_uri()}",
           "--convert-to", "pdf", "--outdir", str(outdir), *map(str, docs)]
    failure = ""
    proc = _start(cmd)
    try:
        _, err = proc.communicate(timeout=timeout)
        if proc.returncode:
            tail = err.decode("utf-8", "replace").strip().splitlines()[-1:]
            failure = f"LibreOffice 退出码 {proc.returncode}" + (f"：{tail[0]}" if tail else "")
    except subprocess.TimeoutExpired:
        _stop(proc)
        proc.communicate()
        failure = f"LibreOffice 转换超时（{timeout:g} 秒）"
    except BaseException:  # Ctrl-C: LibreOffice runs in its own session, stop it too
        _stop(proc)
        proc.wait()
        raise
    for doc in docs:
        pdf = outdir / (Path(doc).stem + ".pdf")
        if pdf.is_file() and pdf.stat().st_size > 0:
            result.pdfs[doc] = pdf
        else:
            result.problems[doc] = "未能转换为 PDF" + (f"（{failure}）" if failure else "（LibreOffice 未生成文件）")
    if not seeded and not failure and result.pdfs:
        _keep_seed(Path(profile), soffice)
    return result


# A LibreOffice profile made by a first run takes about 0.5 s to create; a
# copy of one that worked is kept beside the compiled templates and copied
# into each new profile folder (each worker still has a profile of its own).

def _seed_path(soffice: str) -> Path | None:
    from reportgen.output.template_cache import cache_dir

    try:
        st = os.stat(os.path.realpath(soffice))
    except OSError:
        return None
    return cache_dir() / f"libreoffice-profile-{st.st_size}-{st.st_mtime_ns}"


def _seed_profile(profile: Path, soffice: str) -> bool:
    """Fill a new ``profile`` folder from the kept one; whether it was."""
    seed = _seed_path(soffice)
    if profile.exists() or seed is None or not seed.is_dir():
        return profile.exists()
    try:
        shutil.copytree(seed, profile, symlinks=True)
    except OSError:
        shutil.rmtree(profile, ignore_errors=True)
        return False
    return True


def _keep_seed(profile: Path, soffice: str) -> None:
    """Keep a copy of a profile that converted documents (first one wins)."""
    seed = _seed_path(soffice)
    if seed is None or seed.exists() or not profile.is_dir():
        return
    tmp = seed.with_name(f"{seed.name}.{os.getpid()}.tmp")
    try:
        shutil.copytree(profile, tmp, symlinks=True)
        os.rename(tmp, seed)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


def bind(parts: list[tuple[str, Path]], title: str, author: str, subject: str,
         keywords: str = "") -> bytes:
    """One PDF of ``parts`` (``[(form title, pdf path), …]`` in order): a
    bookmark per form at its first page, the outline shown on opening, and
    the document information ``/Title`` (标题), ``/Author`` (填报单位),
    ``/Subject`` (年度与模板包), ``/Keywords``.  Returns the PDF bytes."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for name, path in parts:
        writer.append(str(path), outline_item=name, import_outline=False)
    writer.add_metadata({"/Title": title, "/Author": author, "/Subject": subject,
                         "/Keywords": keywords, "/Creator": "reportgen"})
    writer.page_mode = "/UseOutlines"
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------
# reportgen doctor

#: The font names the forms use, as Word writes them.
FORM_FONTS = ("宋体", "仿宋", "黑体", "楷体")

#: Faces fonts-cjk.conf maps a form font to for want of the real face, and
#: what ``doctor`` says beside them.  Debian packages no 仿宋 face covering
#: simplified Chinese: ``apt-cache search fangsong`` finds only
#: fonts-cwtex-fs (cwTeX 仿宋體, Big5), which lacks 365 of the 1,024 distinct
#: characters of the rendered example forms (专、业、两…; fc-query charset).
STAND_INS = {"LXGW WenKai": "近似仿宋的字体：Debian 没有简体仿宋字体；Windows 上使用系统的仿宋"}


@dataclass
class Check:
    """One line of ``reportgen doctor``: what was checked, what was found,
    whether it is fine, and how to fix it (Chinese)."""

    name: str
    found: str
    ok: bool
    advice: str = ""


def _run(cmd: list[str], env: dict[str, str] | None = None) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=env).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


#: The files of the forms' fonts in a Windows Fonts folder.
WINDOWS_FONT_FILES = {"宋体": ("simsun.ttc",), "仿宋": ("simfang.ttf",), "黑体": ("simhei.ttf",),
                      "楷体": ("simkai.ttf",)}


def _windows_font_folders() -> list[Path]:
    folders = [Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"]
    local = os.environ.get("LOCALAPPDATA")
    if local:
        folders.append(Path(local) / "Microsoft" / "Windows" / "Fonts")   # fonts installed for one user
    return folders


def _windows_fonts() -> list[Check]:
    """On Windows LibreOffice uses the system's own 宋体/仿宋/黑体/楷体: check
    their files are in the Fonts folder (no fontconfig needed)."""
    checks = []
    for name, files in WINDOWS_FONT_FILES.items():
        found = next((folder / f for folder in _windows_font_folders() for f in files
                      if (folder / f).is_file()), None)
        checks.append(Check(f"{name} →", str(found) if found else "未找到", found is not None,
                            "" if found else f"在“设置 → 个性化 → 字体”中安装 {name}（{files[0]}），"
                                             "或从另一台 Windows 电脑的 C:\\Windows\\Fonts 复制"))
    return checks


def doctor() -> list[Check]:
    """Check what PDF output needs: LibreOffice (:func:`find_soffice`),
    fontconfig, CJK fonts (``fc-list :lang=zh-cn``), and for each of
    宋体/仿宋/黑体/楷体 the font ``fc-match`` picks — with the font mapping
    LibreOffice gets (:func:`font_environment`) — and whether it has Chinese
    glyphs.  宋体/仿宋 resolving to a sans (黑体-like) face is reported, and
    so are two of the four ending on the same face (仿宋 printed as 宋体: a
    font package is missing).  On Windows the fonts are the system's own
    files (:func:`_windows_fonts`) and the advice is PowerShell."""
    checks = []
    soffice = find_soffice()
    checks.append(Check("LibreOffice", soffice or "未安装", soffice is not None,
                        "" if soffice else install_libreoffice()))
    if _windows():
        return checks + _windows_fonts()
    if shutil.which("fc-match") is None:
        checks.append(Check("fontconfig（fc-match）", "未安装", False,
                            f"sudo apt-get install -y fontconfig {FONT_PACKAGES}"))
        return checks
    env = font_environment()
    mapped = env.get("FONTCONFIG_FILE") != os.environ.get("FONTCONFIG_FILE")
    cjk = sorted({f.split(",")[0] for f in _run(["fc-list", ":lang=zh-cn", "family"], env).splitlines() if f})
    checks.append(Check("中文字体", f"{len(cjk)} 种（{'、'.join(cjk[:4])}{'…' if len(cjk) > 4 else ''}）"
                        if cjk else "未安装", bool(cjk), "" if cjk else INSTALL_FONTS))
    faces: dict[str, list[str]] = {}
    for name in FORM_FONTS:
        out = _run(["fc-match", name, "--format", "%{family[0]}\n%{lang}"], env).splitlines()
        family = out[0] if out else ""
        langs = out[1].split("|") if len(out) > 1 else []
        ok = "zh-cn" in langs
        advice = ""
        if not ok:
            advice = INSTALL_FONTS + ("" if mapped else "；" + fonts_conf_advice())
        elif name in ("宋体", "仿宋") and any(w in family for w in ("Sans", "Hei", "Gothic")):
            ok = False
            advice = f"{name} 将显示为黑体字形：" + (INSTALL_FONTS if mapped else fonts_conf_advice())
        if ok:
            faces.setdefault(family, []).append(name)
        shown = f"{family}（{STAND_INS[family]}）" if ok and family in STAND_INS else family
        checks.append(Check(f"{name} →", shown or "无", ok, advice))
    for family, names in faces.items():
        if len(names) > 1:
            checks.append(Check("字体区分", f"{'、'.join(names)} 都显示为 {family}", False,
                                f"{'、'.join(names)} 应各有字形（仿宋、楷体不应显示为宋体）：{INSTALL_FONTS}"
                                + ("" if mapped else "；" + fonts_conf_advice())))
    return checks
