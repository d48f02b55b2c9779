"""Batch rendering (批量生成): the forms of many units with one pack.

A finance bureau renders the reports of all its units at once::

    reportgen render 各单位数据/ -t jinzhong -o 输出/ --jobs 2 --pdf

Output layout: each unit file gets its own folder ``OUTDIR/<file name
without .yaml>/`` (two units of the same name, or one unit's files of two
years, never collide; a second file with the same stem gets ``（2）``).  The
folder holds the unit's .docx forms, named as in a single ``render``; with
``--pdf`` also a .pdf beside each .docx and one bound PDF of all its forms,
``<单位>_<年度>年度_<模板包标题>（合订本）.pdf``, with a bookmark per form.
A single unit file with ``--pdf`` writes straight into OUTDIR, as a single
``render`` does.

A unit's files are written all or none (:func:`manifest.write_outputs`);
a unit with errors writes nothing, and a document edited since reportgen
wrote it is not replaced without ``--force``.  A bad unit never stops the batch: its
errors are in its :class:`UnitResult`.  Worker processes each load the pack
once and compile each Word template once (:mod:`template_cache`).  The
functions here return results; only the CLI prints.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from reportgen.errors import ReportgenError, display_path
from reportgen.pack.packs import Pack, load_pack
from reportgen.pipeline import prepare, render_forms, safe_filename
from reportgen.output.files import reason
from reportgen.output.manifest import write_outputs
from reportgen.output.template_cache import render_cached

#: Most documents given to one LibreOffice call (a crash loses at most these).
MAX_PER_CALL = 200

UNIT_SUFFIXES = (".yaml", ".yml", ".xlsx")     # .xlsx: a filled 数据采集表


@dataclass
class UnitResult:
    """What became of one unit file (单位数据文件) in a batch.

    ``documents`` lists ``(form title, written .docx path)``; ``pdfs`` the
    PDFs written (one per form, then the bound one); ``errors`` the problems,
    formatted ``file:line:col: field（中文名）: message`` (Chinese), in the
    order found; ``warnings`` how many warnings ``reportgen check`` would show.
    """

    source: Path
    folder: Path
    name: str = ""
    year: str = ""
    documents: list[tuple[str, Path]] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def label(self) -> str:
        """The unit file as the user typed it."""
        return display_path(self.source)

    @property
    def headline(self) -> str:
        """The unit file and its first error, in one line (Chinese)."""
        first = self.errors[0] if self.errors else ""
        return first if first.startswith(self.label + ":") else f"{self.label}: {first}"


def is_unit_file(f: Path) -> bool:
    """A file a folder of unit data holds: ``*.yaml``/``*.yml`` or a filled
    采集表 ``*.xlsx`` — not the ``~$…`` lock file Excel and WPS leave beside
    an open workbook."""
    return f.suffix.lower() in UNIT_SUFFIXES and not f.name.startswith("~$") and f.is_file()


def unit_files(args: Iterable[str]) -> tuple[list[Path], list[str]]:
    """The unit files named by ``args``: a folder means every ``*.yaml`` /
    ``*.yml`` / ``*.xlsx`` directly in it (sorted by name, :func:`is_unit_file`),
    a file means itself.  Returns
    ``(files, problems)``; a name that does not exist, a folder without
    unit files, or a ``*.yaml``/``*.xlsx`` in it that is no regular file
    (a FIFO, a link to a device) is a problem (Chinese text), each file is
    listed once."""
    files: list[Path] = []
    problems: list[str] = []
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            from reportgen.unitfile.load import file_problem

            entries = sorted(p.iterdir())
            found = [f for f in entries if is_unit_file(f)]
            problems += [f"{display_path(f)}: {file_problem(f) or '不是普通文件'}" for f in entries
                         if f.suffix.lower() in UNIT_SUFFIXES and not f.name.startswith("~$")
                         and not f.is_file()]          # a FIFO, a device, a dangling link
            if not found:
                problems.append(f"{arg}: 文件夹中没有单位数据文件（*.yaml / *.yml）或数据采集表（*.xlsx）")
            files += found
        elif p.is_file():
            files.append(p)
        else:
            from reportgen.unitfile.load import file_problem

            problem = file_problem(p) if p.exists() else None   # a FIFO, a device
            problems.append(f"{arg}: {problem or '文件或文件夹不存在'}")
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, problems


def unit_folders(files: list[Path], outdir: Path) -> list[Path]:
    """The output folder of each unit file: ``outdir/<stem>``, with
    ``（2）``, ``（3）``… for a stem already taken (Windows-safe names)."""
    taken: dict[str, int] = {}
    out = []
    for f in files:
        stem = safe_filename(f.stem)
        n = taken[stem.lower()] = taken.get(stem.lower(), 0) + 1
        out.append(outdir / (stem if n == 1 else f"{stem}（{n}）"))
    return out


_PACKS: dict[str, Pack] = {}


def cached_pack(template: str) -> Pack:
    """``packs.load_pack(template)``, loaded once per process (raises
    :class:`errors.PackError` for a broken pack)."""
    pack = _PACKS.get(template)
    if pack is None:
        pack = _PACKS[template] = load_pack(template)
    return pack


def render_unit(source: Path, folder: Path, template: str,
                forms: tuple[str, ...] = (), force: bool = False) -> UnitResult:
    """Prepare and render one unit file and write its forms into ``folder``
    (only when it has no errors; all of them or none, :func:`manifest.write_outputs`:
    a file edited since reportgen wrote it is replaced only with ``force``).
    ``forms`` limits the forms by key.  Never raises for a problem of the
    unit: the result carries it."""
    result = UnitResult(Path(source), Path(folder))
    try:
        pack = cached_pack(template)
        prepared = prepare(source, pack, tuple(forms))
        result.errors = [d.format() for d in prepared.errors]
        result.warnings = len(prepared.warnings)
        if prepared.unit is not None and not result.errors:
            result.name = str(prepared.unit.name)
            result.year = str(prepared.unit.year)
        if result.errors:
            return result
        docs = render_forms(prepared, render=render_cached)
        targets = [(Path(folder) / name, data) for name, data in docs]
        write_outputs(targets, force)
        result.documents = [(pf.title, path) for (path, _), pf in zip(targets, prepared.forms)]
    except ReportgenError as exc:
        result.errors.append(f"错误: {exc}")
    except OSError as exc:
        result.errors.append(f"错误: 无法写入 {exc.filename or folder}: {reason(exc)}")
    return result


def _render_unit_safely(source: Path, folder: Path, template: str,
                        forms: tuple[str, ...], force: bool = False) -> UnitResult:
    """:func:`render_unit`, with an unexpected failure reported as the unit's
    error so the batch goes on."""
    try:
        return render_unit(source, folder, template, forms, force)
    except Exception as exc:
        return UnitResult(Path(source), Path(folder),
                          errors=[f"错误: 处理失败（内部错误 {type(exc).__name__}: {exc}）"])


def _warm(template: str) -> None:
    """Worker initializer: the pack once per process (a forked worker
    already has it from the parent)."""
    try:
        cached_pack(template)
    except ReportgenError:
        pass  # every unit then reports the pack error itself


def render_batch(files: list[Path], template: str, outdir: Path, jobs: int = 1,
                 forms: tuple[str, ...] = (), flat: bool = False,
                 force: bool = False) -> Iterator[UnitResult]:
    """Render every unit file, yielding each :class:`UnitResult` as it is
    done (completion order).  ``jobs`` > 1 uses that many worker processes.
    ``flat`` writes into ``outdir`` itself (one unit), else one folder per
    unit (:func:`unit_folders`); ``force`` replaces edited files (:func:`render_unit`)."""
    folders = [Path(outdir)] * len(files) if flat else unit_folders(files, Path(outdir))
    if jobs <= 1 or len(files) <= 1:
        for f, d in zip(files, folders):
            yield _render_unit_safely(f, d, template, forms, force)
        return
    with ProcessPoolExecutor(max_workers=min(jobs, len(files)), initializer=_warm,
                             initargs=(template,)) as pool:
        pending = {pool.submit(_render_unit_safely, f, d, template, forms, force): (f, d)
                   for f, d in zip(files, folders)}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                f, d = pending.pop(fut)
                try:
                    result = fut.result()
                except Exception as exc:  # a worker died: the unit fails, the batch goes on
                    result = UnitResult(f, d, errors=[f"错误: 处理中断（{type(exc).__name__}: {exc}）"])
                yield result


def bound_name(result: UnitResult, pack: Pack) -> str:
    """File name of a unit's bound PDF: ``<单位>_<年度>年度_<包标题>（合订本）.pdf``."""
    return safe_filename(f"{result.name}_{result.year}年度_{pack.title}（合订本）.pdf")


def convert_batch(results: list[UnitResult], pack: Pack, jobs: int = 1,
                  soffice: str | None = None, force: bool = False) -> Iterator[UnitResult]:
    """Add PDFs to the rendered units of ``results``: ``jobs`` LibreOffice
    processes at once, each with its own profile, each converting its share
    of the documents in one call (at most :data:`MAX_PER_CALL` per call);
    then per unit a PDF beside each .docx and the bound PDF
    (:func:`pdf.bind`), written all or none (an edited PDF is replaced only
    with ``force``).  A missing PDF is an error of its unit.  Yields each
    unit when its share is done.  Raises :class:`errors.ReportgenError` when
    LibreOffice is not installed."""
    from reportgen.output import pdf

    soffice = soffice or pdf.find_soffice()
    if soffice is None:
        raise ReportgenError(pdf.NO_SOFFICE)
    units = [r for r in results if r.ok and r.documents]
    if not units:
        return
    shares = [units[i::jobs] for i in range(max(1, min(jobs, len(units))))]
    with tempfile.TemporaryDirectory(prefix="reportgen-pdf-") as tmp, \
            ThreadPoolExecutor(max_workers=len(shares)) as pool:
        futures = [pool.submit(_convert_share, share, Path(tmp) / f"w{i}", pack, soffice, force)
                   for i, share in enumerate(shares)]
        for fut in futures:
            yield from fut.result()


def _calls(units: list[UnitResult]) -> Iterator[list[UnitResult]]:
    """Units grouped into LibreOffice calls of at most MAX_PER_CALL documents
    (a unit is never split)."""
    call: list[UnitResult] = []
    count = 0
    for r in units:
        if call and count + len(r.documents) > MAX_PER_CALL:
            yield call
            call, count = [], 0
        call.append(r)
        count += len(r.documents)
    if call:
        yield call


def _convert_share(units: list[UnitResult], work: Path, pack: Pack, soffice: str,
                   force: bool = False) -> list[UnitResult]:
    from reportgen.output import pdf

    profile = work / "profile"
    for n, call in enumerate(_calls(units)):
        staged: dict[tuple[int, int], Path] = {}
        inbox = work / f"in{n}"
        inbox.mkdir(parents=True)
        for u, r in enumerate(call):
            for k, (_, docx) in enumerate(r.documents):
                staged[u, k] = inbox / f"{u:04d}-{k:02d}.docx"
                _link_or_copy(docx, staged[u, k])
        conv = pdf.convert(list(staged.values()), work / f"out{n}", profile, soffice)
        for u, r in enumerate(call):
            _finish_unit(r, [(title, docx, staged[u, k]) for k, (title, docx) in enumerate(r.documents)],
                         conv, pack, force)
    return units


def _finish_unit(r: UnitResult, docs: list[tuple[str, Path, Path]], conv, pack: Pack,
                 force: bool = False) -> None:
    """Write a unit's PDFs — one beside each .docx and the bound one — all or
    none (:func:`manifest.write_outputs`: a PDF edited since reportgen wrote
    it is kept unless ``force``); a missing or unreadable PDF is an error of
    the unit."""
    from reportgen.output import pdf

    parts = []
    for title, docx, staged in docs:
        problem = conv.problems.get(staged)
        if problem:
            r.errors.append(f"{display_path(docx)}: {problem}")
            continue
        parts.append((title, docx.with_suffix(".pdf"), conv.pdfs[staged]))
    if not r.ok:
        return
    bound = r.folder / bound_name(r, pack)
    try:
        targets = [(target, converted.read_bytes()) for _, target, converted in parts]
        data = pdf.bind([(title, converted) for title, _, converted in parts],
                        title=f"{r.name}{r.year}年度{pack.title}", author=r.name,
                        subject=f"{r.year}年度 {pack.title}", keywords=f"{r.name} {r.year}年度")
        write_outputs(targets + [(bound, data)], force)
    except ReportgenError as exc:
        r.errors.append(f"错误: {exc}")
        return
    except OSError as exc:
        r.errors.append(f"错误: 无法写入 {exc.filename or r.folder}: {reason(exc)}")
        return
    except Exception as exc:  # pypdf cannot read what LibreOffice wrote
        r.errors.append(f"错误: 合订 PDF 失败（{type(exc).__name__}: {exc}）")
        return
    r.pdfs = [target for target, _ in targets] + [bound]


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def summary(results: list[UnitResult]) -> list[str]:
    """The closing lines of a batch (Chinese): counts, then each failed unit
    with its first error (and how many more)."""
    failed = [r for r in results if not r.ok]
    lines = [f"共 {len(results)} 个单位：{len(results) - len(failed)} 个已生成，{len(failed)} 个失败"]
    if failed:
        lines.append("失败的单位（各列第一个错误）：")
        for r in failed:
            more = f"（另有 {len(r.errors) - 1} 个问题，可用 reportgen check 查看）" if len(r.errors) > 1 else ""
            lines.append(f"  {r.headline}{more}")
    return lines
