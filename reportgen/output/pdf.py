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
* :func:`doctor` reports whether LibreOffice and CJK fonts are installed,
  what the fonts of the forms (宋体/仿宋/黑体/楷体) resolve to, and whether
  two of them end on the same face.
* :func:`font_environment` gives LibreOffice the project's font mapping
  (``reportgen/data/fonts-cjk.conf``) on top of the system's fontconfig
  setup, so a PDF shows 仿宋 and 楷体 in faces of their own without any
  system-wide change.

Only this module and the batch runner touch LibreOffice; nothing here prints.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

#: Seconds allowed for LibreOffice to start, plus per document converted.
STARTUP_TIMEOUT = 60
PER_DOCUMENT_TIMEOUT = 30

#: The fontconfig file of the project that maps the Windows CJK font names.
FONTS_CONF = Path(__file__).resolve().parent.parent / "data" / "fonts-cjk.conf"

#: The Debian packages of the faces fonts-cjk.conf maps to: Noto Serif/Sans
#: CJK SC (宋体, 黑体), LXGW WenKai (仿宋: Debian has no simplified-Chinese
#: 仿宋 face), AR PL KaitiM GB and AR PL UKai (楷体).
FONT_PACKAGES = "fonts-noto-cjk fonts-lxgw-wenkai fonts-arphic-gkai00mp fonts-arphic-ukai"

#: What to run when LibreOffice or the fonts are missing (Debian/Ubuntu).
INSTALL_LIBREOFFICE = ("sudo apt-get install -y --no-install-recommends "
                       f"libreoffice-writer-nogui {FONT_PACKAGES}")
INSTALL_FONTS = f"sudo apt-get install -y {FONT_PACKAGES}"

#: The system's fontconfig configuration (Linux, BSD).
SYSTEM_FONTCONFIG = Path("/etc/fonts/fonts.conf")


def fonts_conf_advice() -> str:
    """How to install the font aliases system-wide (宋体/仿宋/黑体/楷体 →
    free CJK fonts), for converting by hand; ``render --pdf`` and ``doctor``
    use them without it (:func:`font_environment`)."""
    conf = str(FONTS_CONF) if FONTS_CONF.is_file() else "reportgen/data/fonts-cjk.conf（源代码中）"
    return (f"sudo cp {conf} /etc/fonts/local.conf && fc-cache -f"
            f"（或复制到 ~/.config/fontconfig/fonts.conf）")


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
    if not system.is_file() or not FONTS_CONF.is_file():
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
    there is one."""
    env = dict(os.environ)
    conf = fontconfig_file()
    if conf is not None:
        env["FONTCONFIG_FILE"] = str(conf)
    return env


#: The message for ``--pdf`` without LibreOffice (Chinese, for the CLI).
NO_SOFFICE = ("未找到 LibreOffice（soffice），无法生成 PDF。请安装（含宋体/仿宋/楷体/黑体所用的中文字体）：\n"
              f"  {INSTALL_LIBREOFFICE}\n"
              f"字体对应关系见 {FONTS_CONF.name}，生成 PDF 时自动使用；手动转换时可安装为系统配置：\n"
              f"  {fonts_conf_advice()}\n"
              "可运行 reportgen doctor 检查。不加 --pdf 仍可生成 Word 文件。")


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH (``soffice`` or ``libreoffice``), or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


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
    on timeout the LibreOffice process group is killed.  Every document is
    checked afterwards: a missing PDF is a problem for that document, never an
    exception.  Raises :class:`errors.ReportgenError` only when LibreOffice is
    not installed.
    """
    from reportgen.errors import ReportgenError

    soffice = soffice or find_soffice()
    if soffice is None:
        raise ReportgenError(NO_SOFFICE)
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
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True, env=font_environment())
    try:
        _, err = proc.communicate(timeout=timeout)
        if proc.returncode:
            tail = err.decode("utf-8", "replace").strip().splitlines()[-1:]
            failure = f"LibreOffice 退出码 {proc.returncode}" + (f"：{tail[0]}" if tail else "")
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        failure = f"LibreOffice 转换超时（{timeout:g} 秒）"
    except BaseException:  # Ctrl-C: LibreOffice runs in its own session, stop it too
        os.killpg(proc.pid, signal.SIGKILL)
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


def doctor() -> list[Check]:
    """Check what PDF output needs: LibreOffice on PATH, fontconfig, CJK
    fonts (``fc-list :lang=zh-cn``), and for each of 宋体/仿宋/黑体/楷体 the
    font ``fc-match`` picks — with the font mapping LibreOffice gets
    (:func:`font_environment`) — and whether it has Chinese glyphs.  宋体/仿宋
    resolving to a sans (黑体-like) face is reported, and so are two of the
    four ending on the same face (仿宋 printed as 宋体: a font package is
    missing)."""
    checks = []
    soffice = find_soffice()
    checks.append(Check("LibreOffice", soffice or "未安装", soffice is not None,
                        "" if soffice else INSTALL_LIBREOFFICE))
    if shutil.which("fc-match") is None:
        checks.append(Check("fontconfig（fc-match）", "未安装", False,
                            f"sudo apt-get install -y fontconfig {FONT_PACKAGES}"))
        return checks
    env = font_environment()
    mapped = "FONTCONFIG_FILE" in env and env["FONTCONFIG_FILE"] != os.environ.get("FONTCONFIG_FILE")
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
        checks.append(Check(f"{name} →", family or "无", ok, advice))
    for family, names in faces.items():
        if len(names) > 1:
            checks.append(Check("字体区分", f"{'、'.join(names)} 都显示为 {family}", False,
                                f"{'、'.join(names)} 应各有字形（仿宋、楷体不应显示为宋体）：{INSTALL_FONTS}"
                                + ("" if mapped else "；" + fonts_conf_advice())))
    return checks
