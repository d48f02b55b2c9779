"""The workbench's only door into reportgen's engine.

Every function here calls the engine's public API — :mod:`reportgen.pipeline`
(prepare), :mod:`reportgen.collect` (采集表 workbook, import, summary),
:mod:`reportgen.output` (render, PDF, bound PDF), :mod:`reportgen.pack`
(packs, ``templates check``), :mod:`reportgen.audit` — on files in the data
folder, and returns plain values the views and jobs store.  No Django here
except the data folder from settings, so the rules are the CLI's rules.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from reportgen import numbers as N
from reportgen.errors import Diagnostic, ReportgenError
from reportgen.pack.packs import Pack, builtin_dir, builtin_packs, load_pack
from reportgen.unitfile import schema as S

#: Bounds on an uploaded template pack (.zip): entries, bytes unpacked, ratio.
PACK_MAX_ENTRIES = 500
PACK_MAX_BYTES = 60 * 1024 * 1024


def data_dir() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR)


def scratch(prefix: str) -> tempfile.TemporaryDirectory:
    """A temporary folder inside ``<data>/tmp`` (removed when the ``with``
    ends), so what a user uploads is never written outside the data folder."""
    where = data_dir() / "tmp"
    where.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix=prefix, dir=where)


# -- template packs: freezing by content hash --------------------------------


def pack_hash(folder: Path) -> str:
    """SHA-256 over every file of a pack folder (relative path and bytes, in
    sorted order): two folders with the same rules have the same hash."""
    h = hashlib.sha256()
    for p in sorted(q for q in Path(folder).rglob("*") if q.is_file() and "__pycache__" not in q.parts):
        rel = p.relative_to(folder).as_posix()
        h.update(rel.encode("utf-8") + b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def frozen_dir(digest: str) -> Path:
    return data_dir() / "packs" / digest


@dataclass
class PackCheck:
    """The outcome of ``templates check`` on a pack offered for a round."""

    digest: str | None
    name: str = ""
    title: str = ""
    problems: list[str] = field(default_factory=list)   # formatted, errors and warnings
    errors: int = 0


def check_and_freeze(folder: Path, label: str) -> PackCheck:
    """Run ``templates check`` on ``folder``; when it has no error, copy it
    to ``<data>/packs/<hash>/`` (once per content) and return the hash."""
    from reportgen.pack.packcheck import check_pack, severity_counts

    pack, diags = check_pack(Path(folder))
    errors, _ = severity_counts(diags)
    problems = [_strip(d.format(), str(folder), label) for d in diags]
    if errors or pack is None:
        return PackCheck(None, problems=problems, errors=errors or 1)
    digest = pack_hash(folder)
    target = frozen_dir(digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
        shutil.copytree(folder, tmp / "pack", ignore=shutil.ignore_patterns("__pycache__"))
        try:
            os.rename(tmp / "pack", target)
        except OSError:            # another request froze the same content first
            pass
        shutil.rmtree(tmp, ignore_errors=True)
    return PackCheck(digest, pack.name, pack.title, problems, 0)


def _strip(text: str, folder: str, label: str) -> str:
    return text.replace(folder.rstrip("/") + "/", label + "/").replace(folder, label)


@functools.lru_cache(maxsize=1)
def builtin_choices() -> list[tuple[str, str]]:
    """[(name, "title（name）")] of the packs installed with reportgen, read
    once per process (loading them all took 0.3 s of each 评价轮次 page)."""
    out = []
    for name in builtin_packs():
        try:
            out.append((name, f"{load_pack(name).title}（{name}）"))
        except ReportgenError:
            continue
    return out


def builtin_folder(name: str) -> Path:
    if name not in builtin_packs():
        raise ReportgenError(f"没有名为 {name} 的内置模板包")
    return builtin_dir() / name


def unpack_zip(data_path: Path, dest: Path) -> Path:
    """Extract an uploaded pack .zip into ``dest`` safely and return the
    folder holding ``pack.yaml``.  Refuses (ReportgenError, in Chinese) a file
    that is not a zip, more than :data:`PACK_MAX_ENTRIES` entries or
    :data:`PACK_MAX_BYTES` unpacked, absolute or ``..`` paths, links, and a
    zip without ``pack.yaml``."""
    try:
        z = zipfile.ZipFile(data_path)
    except (zipfile.BadZipFile, OSError):
        raise ReportgenError("上传的文件不是 .zip 压缩包；请把模板包文件夹压缩为 .zip 后上传")
    with z:
        infos = z.infolist()
        if len(infos) > PACK_MAX_ENTRIES:
            raise ReportgenError(f"压缩包中有 {len(infos)} 个文件，超过上限 {PACK_MAX_ENTRIES} 个")
        if sum(i.file_size for i in infos) > PACK_MAX_BYTES:
            raise ReportgenError(f"压缩包解压后超过 {PACK_MAX_BYTES // 1024 // 1024} MB，不像模板包")
        for info in infos:
            name = _zip_name(info)
            parts = Path(name).parts
            if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                raise ReportgenError(f"压缩包中的路径“{name}”不安全（绝对路径或含 ..），已拒绝")
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise ReportgenError(f"压缩包中的“{name}”是符号链接，已拒绝")
        for info in infos:
            name = _zip_name(info)
            target = dest / name
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with z.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 16)
    candidates = sorted(p.parent for p in dest.rglob("pack.yaml"))
    if not candidates:
        raise ReportgenError("压缩包中没有 pack.yaml，不是模板包（请压缩整个模板包文件夹）")
    return min(candidates, key=lambda p: len(p.parts))


def _zip_name(info: zipfile.ZipInfo) -> str:
    """The entry's name; zips made on Chinese Windows store names in GBK without the UTF-8 flag."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name.replace("\\", "/")


_PACKS: dict[str, Pack] = {}
_PACKS_LOCK = threading.Lock()


def round_pack(digest: str) -> Pack:
    """The frozen pack of a round, loaded once per process.  Raises
    ReportgenError when the frozen folder is missing or was changed."""
    with _PACKS_LOCK:
        pack = _PACKS.get(digest)
        if pack is None:
            folder = frozen_dir(digest)
            if not (folder / "pack.yaml").is_file():
                raise ReportgenError(f"本轮次的模板包（{digest[:12]}）不在数据文件夹中，请从备份恢复 packs/ 文件夹")
            if pack_hash(folder) != digest:
                raise ReportgenError(f"本轮次的模板包（{digest[:12]}）已被改动，与创建轮次时不一致；"
                                     "请从备份恢复，或新建轮次")
            pack = _PACKS[digest] = load_pack(str(folder))
        return pack


# -- a unit's data: workbook, upload, check ------------------------------------


def raw_of(yaml_text: str):
    """The raw tree of unit-file text (None when it does not parse)."""
    from reportgen.unitfile.load import parse_yaml
    from reportgen.unitfile.tree import node_to_raw

    root, diags = parse_yaml(yaml_text, "单位数据.yaml")
    if root is None or any(d.is_error for d in diags):
        return None
    return node_to_raw(root)


def workbook_bytes(digest: str, yaml_text: str = "") -> bytes:
    """The 数据采集表 of the round's pack, pre-filled from ``yaml_text`` when given."""
    from reportgen.collect.workbook import write_workbook
    from reportgen.pack.needs import pack_needs

    pack = round_pack(digest)
    raw = raw_of(yaml_text) if yaml_text else None
    with S.using(pack.schema):
        return write_workbook(pack_needs(pack), pack.title, raw)


@dataclass
class Checked:
    """An uploaded file, checked: the unit-file text (None when unreadable),
    every problem as a dict (``where``: file:line or 工作表!单元格; ``field``;
    ``zh``; ``message``; ``severity`` 错误/警告), the 人工评分 (overrides) and
    the scores."""

    yaml_text: str | None
    problems: list[dict]
    overrides: list[dict] = field(default_factory=list)
    scores: list[dict] = field(default_factory=list)

    @property
    def n_errors(self) -> int:
        return sum(1 for p in self.problems if p["severity"] == "错误")

    @property
    def n_warnings(self) -> int:
        return sum(1 for p in self.problems if p["severity"] != "错误")


def _problem(d: Diagnostic, where: str) -> dict:
    message = Diagnostic(d.message, None, "", "", "error", d.expected, d.found, d.difference).format()
    return {"where": where, "field": d.path, "zh": d.zh, "message": message,
            "severity": "错误" if d.is_error else "警告"}


def check_upload(digest: str, filename: str, data: bytes, form: bool = False) -> Checked:
    """Check an uploaded 采集表 (.xlsx) or unit file (.yaml/.yml) against the
    round's pack: import (cell by cell), validate, the pack's checks and
    审核公式, scoring — every problem at its sheet and cell for a workbook,
    at its line for a YAML file.  With ``form`` the data are a unit file
    saved from the web form (:mod:`reportgen.web.formspec`), checked as a
    YAML file, and each problem is placed at its input
    (``在线填报 › 预算收支 › 预算执行金额``)."""
    pack = round_pack(digest)
    suffix = ".yaml" if form else Path(filename).suffix.lower()
    with scratch("check-") as tmp:
        src = Path(tmp) / ("upload" + suffix)
        src.write_bytes(data)
        unit_path = Path(tmp) / "单位数据.yaml"
        origins: dict[str, str] = {}
        if suffix == ".xlsx":
            from reportgen.collect.importer import import_workbook

            text, diags = import_workbook(src, "单位数据.yaml", pack=str(frozen_dir(digest)), origins=origins)
            problems = [_problem(d, _where(d, str(src), filename)) for d in diags]
            if text is not None:
                problems = _workbook_parts(src, filename) + problems
            if text is None or any(d.is_error for d in diags):
                return Checked(text, problems)
        elif suffix in (".yaml", ".yml"):
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                return Checked(None, [{"where": filename, "field": "", "zh": "", "severity": "错误",
                                       "message": "文件不是 UTF-8 编码的文本；请用 reportgen 生成的采集表或 UTF-8 的 YAML 文件"}])
            from reportgen.unitfile.load import parse_yaml

            # a file that is not YAML at all (a syntax error, an alias bomb, a recursive alias) is
            # refused, so the unit's previous data stay; readable YAML with wrong figures is checked
            root, diags = parse_yaml(text, unit_path.name)
            if root is None or any(d.is_error for d in diags):
                return Checked(None, [_problem(d, _where(d, unit_path.name, filename)) for d in diags if d.is_error]
                               or [{"where": filename, "field": "", "zh": "", "severity": "错误",
                                    "message": "文件不是单位数据文件（YAML 无法读取）"}])
            problems = []
        else:
            return Checked(None, [{"where": filename, "field": "", "zh": "", "severity": "错误",
                                   "message": "只能上传数据采集表（.xlsx）或单位数据文件（.yaml）"}])
        unit_path.write_text(text, encoding="utf-8")
        from reportgen.pipeline import prepare

        prepared = prepare(unit_path, pack)
        where_in_form = None
        if form:
            from reportgen.web import formspec

            where_in_form = formspec.build(pack, raw_of(text)).place
        for d in prepared.diagnostics:
            if where_in_form is not None:
                where = where_in_form(d.path) if d.path else formspec.SOURCE
            elif origins:
                from reportgen.collect.importer import cell_of

                ref = cell_of(d.path, origins) if d.path else None
                where = f"{filename} {ref}" if ref else filename
            else:
                where = _where(d, str(unit_path), filename)
            p = _problem(d, where)
            if p not in problems:
                problems.append(p)
        overrides, scores = [], []
        if not prepared.errors:
            for pf in prepared.scored_forms():
                for i in getattr(pf.card, "overrides", []):
                    overrides.append({"form": pf.title, "name": i.name, "key": i.key,
                                      "score": N.score(i.score), "weight": N.score(i.weight),
                                      "reason": str(i.override or ""), "analysis": str(i.analysis or "")})
                scores.append({"form": pf.title, "total": N.score(pf.card.total), "grade": str(pf.card.grade)})
        return Checked(text, problems, overrides, scores)


def _workbook_parts(path: Path, filename: str) -> list[dict]:
    """Warnings (警告) about parts of an uploaded workbook the workbench never
    uses: macros (an .xlsm renamed .xlsx: ``vbaProject.bin``) and links to
    other files (``xl/externalLinks/``).  Only cell values are read."""
    try:
        with zipfile.ZipFile(path) as z:
            names = [n.lower() for n in z.namelist()]
    except (zipfile.BadZipFile, OSError):
        return []
    out = []
    if any(n.endswith("vbaproject.bin") for n in names):
        out.append({"where": filename, "field": "", "zh": "", "severity": "警告",
                    "message": "文件中含有宏（VBA 代码）：工作台从不运行宏，只读取单元格中填写的数值；"
                               "请确认上传的是财政局下发的数据采集表"})
    if any(n.startswith("xl/externallinks/") for n in names):
        out.append({"where": filename, "field": "", "zh": "", "severity": "警告",
                    "message": "文件中含有指向其他文件的外部链接：工作台不打开其他文件，只读取本文件单元格中填写的数值"})
    return out


def _where(d: Diagnostic, tmp_name: str, filename: str) -> str:
    if d.loc is None:
        return filename
    loc = str(d.loc)
    for prefix in (tmp_name, os.path.relpath(tmp_name)):
        if loc.startswith(prefix):
            return filename + loc[len(prefix):]
    return loc


def field_name(digest: str, path: str) -> str:
    """The Chinese name (中文名) of a field path under the round's pack, or ''."""
    pack = round_pack(digest)
    with S.using(pack.schema):
        return S.zh_name(path) or ""


# -- rendering: .docx, PDF, bound PDF, page images, audit -------------------------


def _no_progress(pct: int, message: str) -> None:
    return None


def render_unit_files(digest: str, yaml_text: str, folder: Path, progress=_no_progress) -> dict:
    """Render every form of the unit into ``folder`` (.docx), convert them to
    PDF and bind them (when LibreOffice is installed), make page images
    (pdftoppm) and audit each rendered .docx.  Returns what was made, names
    relative to ``folder``: ``docx`` [[title, name]], ``pdf`` [name], ``bound``,
    ``pages`` [name], ``audit`` [finding dicts], ``notes`` [Chinese text].
    Raises ReportgenError when the unit's data has errors."""
    from reportgen.output.batch import convert_batch, render_unit
    from reportgen.output import pdf as P

    pack = round_pack(digest)
    folder.mkdir(parents=True, exist_ok=True)
    src = folder / "单位数据.yaml"
    src.write_text(yaml_text, encoding="utf-8")
    progress(10, "正在生成 Word 文件")
    result = render_unit(src, folder, str(frozen_dir(digest)))
    if not result.ok:
        raise ReportgenError("数据有错误，未生成报表：" + result.errors[0])
    out = {"docx": [[t, p.name] for t, p in result.documents], "pdf": [], "bound": "", "pages": [],
           "audit": [], "notes": []}
    progress(40, "正在转换为 PDF")
    if P.find_soffice() is None:
        out["notes"].append("服务器未安装 LibreOffice，无法生成 PDF 和预览图（见部署说明）")
    else:
        for r in convert_batch([result], pack):
            if r.errors:
                out["notes"] += r.errors
            out["pdf"] = [p.name for p in r.pdfs if p.name.endswith(".pdf")]
        bound = [n for n in out["pdf"] if n.endswith("（合订本）.pdf")]
        if bound:
            out["bound"] = bound[0]
            progress(75, "正在生成预览图")
            out["pages"] = page_images(folder / bound[0], folder / "pages")
            if not out["pages"]:
                out["notes"].append("服务器未安装 pdftoppm（poppler-utils），无法生成预览图")
    progress(90, "正在审核生成的报表")
    from reportgen.audit import audit_file

    for title, name in out["docx"]:
        for f in audit_file(folder / name, name):
            out["audit"].append(f.as_dict())
    return out


def page_images(pdf: Path, outdir: Path, dpi: int = 60) -> list[str]:
    """PNG images of every page of ``pdf`` (names relative to its folder)."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        return []
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run([exe, "-png", "-r", str(dpi), str(pdf), str(outdir / "page")],
                   check=False, timeout=300, stdin=subprocess.DEVNULL, capture_output=True)
    return [f"pages/{p.name}" for p in sorted(outdir.glob("page*.png"))]


def summary_workbook(digest: str, units: list[tuple[str, str]]) -> bytes:
    """The ``reportgen summary`` workbook of ``units`` ([(name, yaml text)])."""
    from reportgen.collect import summary as Sm
    from reportgen.pipeline import safe_filename

    pack = round_pack(digest)
    with scratch("summary-") as tmp:
        files = []
        for i, (name, text) in enumerate(units, 1):
            p = Path(tmp) / f"{i:04d}_{safe_filename(name, 80)}.yaml"
            p.write_text(text, encoding="utf-8")
            files.append(p)
        with S.using(pack.schema):
            Sm.scored_form(pack)
            results = Sm.summarize(files, pack)
            return Sm.workbook(results, pack)


def audit_documents(paths: list[tuple[str, Path]]) -> tuple[bytes, dict[str, list[dict]], dict[str, str]]:
    """``reportgen audit`` on uploaded documents ([(name, path)]): the
    findings workbook, the findings per file, and the files that could not
    be read (name → reason)."""
    from reportgen.audit import audit_file
    from reportgen.audit import report

    results, problems = {}, {}
    for name, path in paths:
        try:
            results[name] = audit_file(path, name)
        except ReportgenError as exc:
            problems[name] = str(exc)
    return report.xlsx(results), {k: [f.as_dict() for f in v] for k, v in results.items()}, problems
