"""reportgen command line: ``reportgen render`` / ``reportgen check`` / ``reportgen audit``.

A thin click layer over :mod:`reportgen.pipeline`.  Problems in the user's
files are printed all at once as ``file:line:col: field（中文名）: message``
with exit code 1 and no traceback; nothing is written when there are errors.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reportgen import __version__
from reportgen.compute import explain
from reportgen import numbers as N
from reportgen.errors import ReportgenError, display_path
from reportgen.pack.packs import load_pack
from reportgen.unitfile import schema as unit_schema
from reportgen.pipeline import Prepared, is_workbook, prepare, render_forms
from reportgen.output.render import write_atomic

PACK_HELP = "模板包：内置名称（reportgen templates list 列出）或模板包文件夹路径 / built-in pack name or pack folder"


class _Voice:
    """How much the commands say (global ``--quiet`` / ``--verbose``):
    quiet prints errors only; verbose adds where the pack was found and how
    long each stage took."""

    quiet = False
    verbose = False


def _info(message: str, err: bool = False) -> None:
    """A progress or result line; not printed under ``--quiet``."""
    if not _Voice.quiet:
        click.echo(message, err=err)


def _detail(message: str) -> None:
    """A line for ``--verbose`` only (stderr)."""
    if _Voice.verbose:
        click.echo(message, err=True)


class _Timer:
    """``with _Timer("读取并核对"):`` reports the stage's time under --verbose."""

    def __init__(self, what: str):
        self.what = what

    def __enter__(self):
        import time

        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        import time

        _detail(f"{self.what}：{time.perf_counter() - self.start:.2f} 秒")


def _echo_diagnostics(prepared: Prepared) -> None:
    for d in prepared.diagnostics:
        if d.is_error or not _Voice.quiet:
            click.echo(d.format(), err=True)


def _fail_if_errors(prepared: Prepared) -> None:
    errors = prepared.errors
    if errors:
        click.echo(f"共 {len(errors)} 个错误，未生成任何文件（{len(errors)} error(s); nothing written）",
                   err=True)
        sys.exit(1)


def _write_or_exit(path: Path, data: bytes, force: bool = True) -> None:
    """Write ``path`` atomically and say so; a write error exits 1.  Unless
    ``force``, an existing ``path`` is an error (nothing is replaced)."""
    _refuse_existing(str(path), force)
    _or_exit(write_atomic, path, data)
    _info(f"已生成 {path}")
    _detail(f"    {len(data):,} 字节")


def _refuse_existing(output: str, force: bool) -> None:
    """Exit 1 before any work when ``output`` exists and ``force`` is not given."""
    if not force and Path(output).exists():
        click.echo(f"错误: {display_path(output)} 已存在，未覆盖；确认要替换请加 --force，或换一个文件名"
                   f"（exists; use --force to replace）", err=True)
        sys.exit(1)


def _not_an_input(output: str, *inputs: str | None) -> None:
    """Exit 1 when ``output`` is one of the command's own input files."""
    for given in inputs:
        if given and Path(given).resolve() == Path(output).resolve():
            click.echo(f"错误: 输出文件 {display_path(output)} 就是输入文件，不能覆盖自己的输入"
                       f"（the output is an input）", err=True)
            sys.exit(1)


def _collect_quietly() -> None:
    import gc

    hook, sys.unraisablehook = sys.unraisablehook, lambda unraisable: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _built_or_exit(what: str, build, *args, **kwargs):
    """``build(*args, **kwargs)`` for an .xlsx made in memory; openpyxl spills
    to temporary files, so a full disk or a file-size limit can fail it:
    that is an error naming ``what``, exit 1."""
    from lxml import etree

    from reportgen.output.files import reason

    try:
        return build(*args, **kwargs)
    except OSError as exc:
        problem = reason(exc)
    except etree.SerialisationError as exc:
        problem = f"临时文件写入失败，磁盘空间或文件大小受限（{exc}）"
    _collect_quietly()   # openpyxl's half-written streams complain when collected
    click.echo(f"错误: 无法写入 {what}：{problem}（未写入任何文件）", err=True)
    sys.exit(1)


def _or_exit(action, *args, **kwargs):
    """``action(*args, **kwargs)``; a ReportgenError is printed as ``错误: …`` and exits 1."""
    try:
        return action(*args, **kwargs)
    except ReportgenError as exc:
        click.echo(f"错误: {exc}", err=True)
        sys.exit(1)


def _activated(pack):
    """The pack, its unit fields (core + its own) in force until the command ends."""
    token = unit_schema.activate(pack.schema)
    click.get_current_context().call_on_close(lambda: unit_schema.deactivate(token))
    return pack


def _load(unit_file: str, template: str):
    with _Timer("读取模板包"):
        pack = _activated(_or_exit(load_pack, template))
    _pack_detail(pack)
    with _Timer(f"读取并核对 {display_path(unit_file)}"):
        prepared = _or_exit(prepare, unit_file, pack)
    return pack, prepared


def _pack_detail(pack) -> None:
    _detail(f"模板包 {pack.name}（{pack.title}）: {display_path(pack.path)}；"
            f"表单 {', '.join(f.key for f in pack.forms)}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reportgen")
@click.option("--quiet", "-q", is_flag=True, help="只显示错误 / print errors only")
@click.option("--verbose", "-v", is_flag=True,
              help="另外显示模板包位置、各步骤用时和文件大小 / also print where and how long")
def main(quiet: bool, verbose: bool):
    """reportgen：由一份单位原始数据（YAML）生成预算绩效自评表等报表。

    Fills each city's official Word forms from one YAML file of raw figures,
    deriving every rate, score, grade and summary sentence.

    \b
    例 / example:
      reportgen --quiet render 单位数据.yaml -t jinzhong -o 输出/
      reportgen -v check 单位数据.yaml -t jinzhong
    """
    if quiet and verbose:
        raise click.UsageError("--quiet 与 --verbose 不能同时使用")
    _Voice.quiet, _Voice.verbose = quiet, verbose
    _console_never_fails()


@main.command()
@click.argument("units", nargs=-1, required=True, type=click.Path())
@click.option("--template", "-t", required=True, help=PACK_HELP)
@click.option("--output", "-o", type=click.Path(), default=None,
              help="输出文件夹，或单个表单时的 .docx 文件名（默认当前文件夹） / output folder or .docx file")
@click.option("--form", "forms", multiple=True,
              help="只生成指定表单（模板包中的 key，如 department、project），可重复 / only these forms")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="批量生成时同时处理的进程数 / worker processes for a batch")
@click.option("--pdf", is_flag=True,
              help="同时用 LibreOffice 转换为 PDF，每个单位另有一份带书签的合订本 / also PDF (LibreOffice)")
@click.option("--force", is_flag=True,
              help="替换生成后被修改过的文件（默认不替换，见 README“生成记录”） / replace edited outputs")
def render(units: tuple[str, ...], template: str, output: str | None, forms: tuple[str, ...],
           jobs: int, pdf: bool, force: bool):
    """生成报表（.docx）。 Render the pack's forms for each unit file.

    UNITS 为一个单位数据文件（或填好的数据采集表 .xlsx，问题注明工作表和单元格），或多个文件、文件夹（其中全部 *.yaml/*.yml）：
    批量生成时每个单位一个子文件夹，出错的单位不影响其他单位，最后列出汇总。
    一个单位的全部表单要么全部写出，要么一个也不写；生成后被手工修改过的文件不会被替换（除非加 --force）。

    \b
    例 / example:
      reportgen render examples/jinzhong-gongxin-2021.yaml --template jinzhong
      reportgen render unit.yaml -t jinzhong -o 输出/
      reportgen render unit.yaml -t jinzhong --form department -o 自评表.docx
      reportgen render 各单位数据/ -t jinzhong -o 输出/ --jobs 2 --pdf
    """
    if pdf or len(units) > 1 or Path(units[0]).is_dir():
        _render_batch(units, template, output, forms, jobs, pdf, force)
        return
    unit_file = units[0]
    with _Timer("读取模板包"):
        pack = _activated(_or_exit(load_pack, template))
    _pack_detail(pack)
    unknown = set(forms) - {f.key for f in pack.forms}
    if unknown:
        click.echo(f"错误: 模板包 {pack.name} 没有表单 {', '.join(sorted(unknown))}"
                   f"（可用: {', '.join(f.key for f in pack.forms)}）", err=True)
        sys.exit(1)
    with _Timer(f"读取并核对 {display_path(unit_file)}"):
        prepared = _or_exit(prepare, unit_file, pack, tuple(forms))
    _echo_diagnostics(prepared)
    _fail_if_errors(prepared)
    if prepared.unit is not None and not prepared.forms:
        click.echo("错误: 没有可生成的表单（见上方提示） / nothing to render", err=True)
        sys.exit(1)
    from reportgen.output.template_cache import render_cached

    with _Timer(f"填写 {len(prepared.forms)} 个表单"):
        docs = _or_exit(render_forms, prepared, render=render_cached)
    out = Path(output) if output else Path.cwd()
    if out.suffix.lower() == ".docx":
        if len(docs) != 1:
            click.echo(f"错误: 将生成 {len(docs)} 个表单，-o 请给出文件夹（或用 --form 只生成一个）", err=True)
            sys.exit(1)
        targets = [(out, docs[0][1])]
    else:
        targets = [(out / name, data) for name, data in docs]
    from reportgen.output.manifest import write_outputs

    _or_exit(write_outputs, targets, force)
    for path, data in targets:
        _info(f"已生成 {path}")
        _detail(f"    {len(data):,} 字节")


# --- batch rendering, PDF, doctor (reportgen.output.batch, reportgen.output.pdf) ---------


def _stream(items, length: int, label: str, line):
    """Yield ``items``; on a terminal under a progress bar, otherwise
    printing ``line(i, length, item)`` for each item as it comes (nothing
    under --quiet)."""
    if _Voice.quiet:
        yield from items
        return
    if sys.stdout.isatty():
        with click.progressbar(length=length, label=label) as bar:
            for item in items:
                bar.update(1)
                yield item
        return
    for i, item in enumerate(items, 1):
        click.echo(line(i, length, item))
        yield item


def _docx_line(i: int, n: int, r) -> str:
    if r.ok:
        warn = f"，{r.warnings} 个警告" if r.warnings else ""
        return f"[{i}/{n}] 已生成 {r.label} → {r.folder}（{len(r.documents)} 个文件{warn}）"
    return f"[{i}/{n}] 失败 {r.headline}"


def _pdf_line(i: int, n: int, r) -> str:
    if r.ok:
        return f"[{i}/{n}] 已转换 PDF {r.label} → {r.pdfs[-1]}"
    return f"[{i}/{n}] PDF 失败 {r.label}: {r.errors[-1].removeprefix(r.label + ': ')}"


def _render_batch(units: tuple[str, ...], template: str, output: str | None,
                  forms: tuple[str, ...], jobs: int, pdf: bool, force: bool = False) -> None:
    from reportgen.output import batch
    from reportgen.output.pdf import find_soffice, no_soffice_message

    if pdf and find_soffice() is None:
        click.echo(f"错误: {no_soffice_message()}", err=True)
        sys.exit(1)
    out = Path(output) if output else Path.cwd()
    if out.suffix.lower() == ".docx":
        click.echo("错误: 批量生成或加 --pdf 时，-o 请给出文件夹", err=True)
        sys.exit(1)
    files, problems = batch.unit_files(units)
    for problem in problems:
        click.echo(f"错误: {problem}", err=True)
    if problems:
        click.echo("未生成任何文件", err=True)
        sys.exit(1)
    pack = _or_exit(batch.cached_pack, template)
    unknown = set(forms) - {f.key for f in pack.forms}
    if unknown:
        click.echo(f"错误: 模板包 {pack.name} 没有表单 {', '.join(sorted(unknown))}"
                   f"（可用: {', '.join(f.key for f in pack.forms)}）", err=True)
        sys.exit(1)
    flat = len(units) == 1 and not Path(units[0]).is_dir()
    results = list(_stream(batch.render_batch(files, template, out, jobs, forms, flat, force),
                           len(files), "生成 Word", _docx_line))
    if pdf:
        rendered = sum(1 for r in results if r.ok and r.documents)
        list(_stream(batch.convert_batch(results, pack, jobs, force=force), rendered, "转换 PDF", _pdf_line))
    order = {f: i for i, f in enumerate(files)}
    results.sort(key=lambda r: order[r.source])
    if _Voice.quiet:
        for r in results:
            for message in r.errors:
                click.echo(message, err=True)
    else:
        for line in batch.summary(results):
            click.echo(line)
        click.echo(f"输出文件夹: {out}")
    sys.exit(0 if all(r.ok for r in results) else 1)


@main.command()
def doctor():
    """检查生成 PDF 所需的 LibreOffice 与中文字体。 Check what --pdf needs.

    列出 LibreOffice（soffice）是否安装、是否有中文字体，以及表单所用的
    宋体/仿宋/黑体/楷体 实际用哪种字体显示；缺少的给出安装方法。全部就绪时退出码为 0，否则为 1。

    \b
    例 / example:
      reportgen doctor
    """
    from reportgen.output.pdf import doctor as run_checks

    checks = run_checks()
    good, bad_mark = _marks()
    for c in checks:
        click.echo(f"{good if c.ok else bad_mark} {c.name} {c.found}")
        if c.advice:
            click.echo(f"    解决方法: {c.advice}")
    bad = sum(1 for c in checks if not c.ok)
    if bad:
        click.echo(f"有 {bad} 项需要处理，处理前 --pdf 可能无法使用或字体显示不正确")
        sys.exit(1)
    click.echo("全部就绪，可以使用 render --pdf")


def _console_encoding() -> str:
    return getattr(sys.stdout, "encoding", None) or "utf-8"


def _marks() -> tuple[str, str]:
    """The ok / not-ok marks the console can show: ✓ ✗ (UTF-8), √ × (a GBK
    console on Windows), else [OK] [!!]."""
    for good, bad in (("✓", "✗"), ("√", "×")):
        try:
            (good + bad).encode(_console_encoding())
            return good, bad
        except (UnicodeEncodeError, LookupError):
            continue
    return "[OK]", "[!!]"


def _console_never_fails() -> None:
    """Let stdout/stderr replace what their encoding cannot show (``?``)
    instead of raising UnicodeEncodeError: output redirected to a file on a
    Chinese Windows is GBK (cp936), which lacks ✓ and rare characters a unit
    or project name may hold."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):
                pass


# --- end of batch rendering, PDF, doctor ----------------------------------


@main.command()
@click.argument("unit_file", type=click.Path())
@click.option("--template", "-t", required=True, help=PACK_HELP)
@click.option("--figures", is_flag=True,
              help="同时列出全部计算结果（各指标数值、得分、扣分原因） / also print every derived figure")
@click.option("--json", "as_json", is_flag=True,
              help="以 JSON 输出问题、人工评分和得分 / print the result as JSON")
def check(unit_file: str, template: str, figures: bool, as_json: bool):
    """核对单位数据，列出全部问题与人工评分。 Check UNIT_FILE against the pack.

    UNIT_FILE 为单位数据文件（.yaml），或填好的数据采集表（.xlsx，问题注明工作表和单元格）。

    \b
    例 / example:
      reportgen check examples/jinzhong-zhaoshang-2020.yaml --template jinzhong
      reportgen check unit.yaml -t jinzhong --figures
      reportgen check 采集表.xlsx -t jinzhong
      reportgen check unit.yaml -t jinzhong --json
    """
    pack, prepared = _load(unit_file, template)
    if as_json:
        click.echo(_check_json(unit_file, pack, prepared))
        sys.exit(1 if prepared.errors else 0)
    _echo_diagnostics(prepared)
    if figures and not prepared.errors:
        click.echo(explain.figures(prepared))
    for pf in prepared.scored_forms():
        for i in getattr(pf.card, "overrides", []):
            _info(f"人工评分: {pf.title} · {i.name}（{i.key}）{N.score(i.score)}分"
                  f"（满分{N.score(i.weight)}）理由：{i.override}；"
                  f"计算分析情况：{i.analysis or '未填写（overrides.' + i.key + '.analysis）'}")
        _info(f"{pf.title}: 综合得分 {N.score(pf.card.total)}，等次 {pf.card.grade}")
    _fail_if_errors(prepared)
    n = len(prepared.warnings)
    _info(f"核对通过（{n} 个警告） / check passed ({n} warning(s))")


def _check_json(unit_file: str, pack, prepared: Prepared) -> str:
    """``check --json``: ``{file, template, ok, errors, warnings,
    diagnostics: [{severity, location, file, line, column, path, name,
    message, expected, found, difference, text}], scores: [{form, total,
    grade, overrides: [{key, name, score, weight, reason, analysis}]}]}`` — numbers as
    the forms print them (text, 2 dp)."""
    import json

    diagnostics = [{
        "severity": d.severity, "location": str(d.loc) if d.loc else "",
        "file": d.loc.file if d.loc else "", "line": d.loc.line if d.loc else 0,
        "column": d.loc.col if d.loc else 0, "path": d.path, "name": d.zh, "message": d.message,
        "expected": d.expected, "found": d.found, "difference": d.difference, "text": d.format(),
    } for d in prepared.diagnostics]
    scores = [] if prepared.errors else [{
        "form": pf.title, "total": N.score(pf.card.total), "grade": pf.card.grade,
        "overrides": [{"key": i.key, "name": i.name, "score": N.score(i.score), "weight": N.score(i.weight),
                       "reason": i.override, "analysis": i.analysis}
                      for i in getattr(pf.card, "overrides", [])],
    } for pf in prepared.scored_forms()]
    return json.dumps({"file": display_path(unit_file), "template": pack.name, "ok": not prepared.errors,
                       "errors": len(prepared.errors), "warnings": len(prepared.warnings),
                       "diagnostics": diagnostics, "scores": scores}, ensure_ascii=False, indent=2)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 / print JSON")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False), default=None,
              help="另存为 Excel 表格（每条问题一行，另附检查清单） / also write an .xlsx, one row per finding")
@click.option("--annotate", "annotate_dir", type=click.Path(file_okay=False), default=None,
              help="在此文件夹写出带批注的副本（Word 批注 / PDF 注释） / write annotated copies into DIR")
@click.option("--against", "unit_file", type=click.Path(dir_okay=False), default=None,
              help="与单位数据文件生成的报表逐数核对（需同时给出 --template） / compare with UNIT.yaml")
@click.option("--template", "-t", default=None, help=PACK_HELP)
def audit(files: tuple[str, ...], as_json: bool, xlsx_path: str | None, annotate_dir: str | None,
          unit_file: str | None, template: str | None):
    """审核已填报的报告（.docx/.doc/.wps/.pdf/.txt）中的算术错误与前后矛盾。
    Audit filed reports for arithmetic inconsistencies.

    逐条列出：写出的算式、占比、同比增减、完成预算百分比、正文与表格、表内合计、
    评分表小计/总分/等次、同一数字前后不一致、方向词与模板/年份残留；每条给出
    位置、原文、文中数值、重算数值、差异和级别（错误 / 疑似 / 提示），并列出
    检查清单（已检查 / 不适用 / 无法检查及原因）。

    \b
    退出码 / exit codes:
      0  全部文件已读取，未发现“错误”
      1  发现“错误”
      2  命令用法错误
      3  未发现“错误”，但有文件无法读取（扫描件、已加密、已损坏…），未审核

    \b
    例 / example:
      reportgen audit 自评表.docx 决算公开.pdf
      reportgen audit 报告/*.docx --xlsx 审核结果.xlsx
      reportgen audit 报告/*.pdf --annotate 批注版
      reportgen audit --json 自评表.docx
      reportgen audit --against examples/jinzhong-zhaoshang-2020.yaml -t jinzhong 自评表.docx
    """
    from reportgen.audit import ERROR as AUDIT_ERROR, audit_path
    from reportgen.audit import report
    from reportgen.audit.against import audit_against
    from reportgen.audit.ledger import unreadable

    if unit_file and not template:
        click.echo("错误: --against 需要同时给出 --template（模板包）", err=True)
        sys.exit(1)
    if xlsx_path:
        _not_an_input(xlsx_path, unit_file, *files)
    results, problems, ledgers = {}, {}, {}
    for f in files:
        name = display_path(f)
        try:
            if unit_file:
                results[name] = audit_against(f, unit_file, template, name)
            else:
                done = audit_path(f, name)
                results[name], ledgers[name] = done.findings, done.ledger
                if done.unreadable:
                    problems[name] = done.unreadable
        except ReportgenError as exc:
            message = str(exc)
            problems[name] = message.removeprefix(f"{name}: ")
            results[name], ledgers[name] = [], unreadable(problems[name])
    if as_json:
        click.echo(report.as_json(results, problems, ledgers))
    else:
        for name, findings in results.items():
            click.echo(report.text(name, findings, ledgers.get(name), problems.get(name)))
    if as_json:
        for name, message in problems.items():
            click.echo(f"{name}: 无法读取，未审核：{message}", err=True)
    if xlsx_path and len(problems) == len(files):
        click.echo(f"没有可以审核的文件，未生成 {xlsx_path}", err=True)
    elif xlsx_path:
        try:
            write_atomic(Path(xlsx_path), _built_or_exit(xlsx_path, report.xlsx, results, ledgers))
        except OSError as exc:
            click.echo(f"错误: 无法写入 {xlsx_path}: {exc.strerror}", err=True)
            sys.exit(1)
        _info(f"已生成 {xlsx_path}", err=as_json)
    if annotate_dir:
        from reportgen.audit.annotate import annotate

        for f in files:
            name = display_path(f)
            if name in problems or not results.get(name):
                continue
            try:
                written = annotate(Path(f), results[name], Path(annotate_dir))
            except (ReportgenError, OSError) as exc:
                click.echo(f"错误: {name}: 无法写出批注版：{exc}", err=True)
                continue
            _info(f"已生成 {display_path(str(written))}", err=as_json)
    errors = any(f.severity == AUDIT_ERROR for fs in results.values() for f in fs)
    sys.exit(1 if errors else 3 if problems else 0)


# --------------------------------------------------------------------------
# Template packs (templates list/new/check) and the summary workbook


@main.group()
def templates():
    """模板包：列出、复制、核对。 Template packs: list, copy, check.

    \b
    例 / example:
      reportgen templates list
      reportgen templates new yuci --from jinzhong
      reportgen templates check yuci/
    """


def _pack_or_exit(name_or_path: str):
    from reportgen.pack.packs import find_pack

    return _or_exit(find_pack, name_or_path)


@templates.command("list")
@click.argument("paths", nargs=-1, type=click.Path(file_okay=False))
def templates_list(paths: tuple[str, ...]):
    """列出内置模板包及给出的模板包文件夹。 List built-in packs and the packs at PATHS.

    \b
    例 / example:
      reportgen templates list
      reportgen templates list 我的模板包/
    """
    from reportgen.pack.packs import builtin_dir, builtin_packs

    failed = False
    for folder in [builtin_dir() / n for n in builtin_packs()] + [Path(p) for p in paths]:
        try:
            pack = load_pack(str(folder))
        except ReportgenError as exc:
            failed = True
            click.echo(f"{display_path(folder)}: 无法读取模板包（用 reportgen templates check 查看全部问题）", err=True)
            click.echo("    " + str(exc).split("\n")[0], err=True)
            continue
        click.echo(f"{pack.name}  {pack.title}（{pack.city}）")
        click.echo(f"    位置: {display_path(pack.path)}")
        for form in pack.forms:
            click.echo(f"    表单 {form.key}: {form.title}" + ("（每个项目一份）" if form.each else ""))
    sys.exit(1 if failed else 0)


@templates.command("new")
@click.argument("name")
@click.option("--from", "source", required=True, help=PACK_HELP)
@click.option("--output", "-o", type=click.Path(), default=None,
              help="新模板包文件夹（默认当前文件夹下的 NAME） / the new pack folder (default ./NAME)")
def templates_new(name: str, source: str, output: str | None):
    """复制一个模板包以便修改。 Copy a pack to a new folder to edit.

    \b
    例 / example:
      reportgen templates new yuci --from jinzhong
      reportgen templates new yuci --from jinzhong -o 模板包/榆次
    """
    from reportgen.pack.packcheck import copy_pack

    target = _or_exit(copy_pack, _pack_or_exit(source), name, Path(output) if output else Path.cwd() / name)
    _info(f"已生成模板包 {name}: {display_path(target)}")
    _info(f"修改后请运行 reportgen templates check {display_path(target)}")


@templates.command("check")
@click.argument("pack")
def templates_check(pack: str):
    """核对模板包，一次列出全部问题。 Check a pack; list every problem.

    核对 pack.yaml、评分规则（分值合计、计算名称、评分规则及参数）、句式，以及 Word 模板中
    被拆开或未闭合的标签和表单不提供的变量。有错误时退出码为 1。

    \b
    例 / example:
      reportgen templates check jinzhong
      reportgen templates check 我的模板包/
    """
    from reportgen.pack.packcheck import check_pack, severity_counts

    folder = _pack_or_exit(pack)
    loaded, diags = check_pack(folder)
    for d in diags:
        if d.is_error or not _Voice.quiet:
            click.echo(d.format(), err=True)
    errors, warnings = severity_counts(diags)
    name = loaded.name if loaded is not None else pack
    if errors:
        click.echo(f"模板包 {name}: 共 {errors} 个错误，{warnings} 个警告"
                   f"（{errors} error(s), {warnings} warning(s)）", err=True)
        sys.exit(1)
    _info(f"模板包 {name}（{display_path(folder)}）核对通过（{warnings} 个警告） / pack OK")


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--template", "-t", required=True, help=PACK_HELP)
@click.option("--output", "-o", type=click.Path(dir_okay=False), default="汇总.xlsx", show_default=True,
              help="输出的 Excel 文件 / the .xlsx to write")
@click.option("--strict", is_flag=True,
              help="同一单位同一年度有多个文件、或单位属于不同年度时报错，不生成汇总表 / refuse duplicates and mixed years")
def summary(inputs: tuple[str, ...], template: str, output: str, strict: bool):
    """汇总多个单位的得分、等次和排名（Excel）。 Summary workbook across units.

    每个单位一行（各指标数值与得分、一级指标小计、综合得分、等次、排名、问题数），
    另有可打印的排名表（A4）、等次分布（含柱状图）和问题清单；数据有错误或无法评分的单位、
    同一单位同一年度的第二个文件不参加排名；不同年度的单位按年度分别排名（有警告，--strict 时为错误）。

    \b
    例 / example:
      reportgen summary 单位数据/ --template jinzhong -o 汇总.xlsx
      reportgen summary examples/jinzhong-*.yaml -t jinzhong
      reportgen summary 单位数据/ -t jinzhong --strict
    """
    from reportgen.collect import summary as S

    try:
        pack = _activated(load_pack(template))
        S.scored_form(pack)
        results = S.summarize(S.unit_files(list(inputs), output), pack)
        data = _built_or_exit(output, S.workbook, results, pack)
    except ReportgenError as exc:
        click.echo(f"错误: {exc}", err=True)
        sys.exit(1)
    warnings = S.problems(results)
    for line in warnings:
        if strict:
            click.echo(line.replace("警告：", "错误："), err=True)
        else:
            _info(line, err=True)
    if strict and warnings:
        click.echo(f"共 {len(warnings)} 个错误（--strict），未生成汇总表", err=True)
        sys.exit(1)
    try:
        write_atomic(Path(output), data)
    except OSError as exc:
        click.echo(f"错误: 无法写入 {output}: {exc.strerror}", err=True)
        sys.exit(1)
    for r in results:
        if r.reason and not r.duplicate_of:
            click.echo(f"{r.file}: {r.reason}（见“问题清单”）", err=True)
    ranked = sum(1 for r in results if r.ranked)
    _info(f"已生成 {output}：{ranked} 个单位参加排名，{len(results) - ranked} 个不参加排名")




# -- data collection: workbook / import / init ------------------------------


def _load_pack_or_exit(template: str):
    return _activated(_or_exit(load_pack, template))


def _fail_with(diags: list) -> None:
    """Print every diagnostic; exit 1 (nothing written) when one is an error."""
    for d in diags:
        if d.is_error or not _Voice.quiet:
            click.echo(d.format(), err=True)
    errors = [d for d in diags if d.is_error]
    if errors:
        click.echo(f"共 {len(errors)} 个错误，未生成任何文件（{len(errors)} error(s); nothing written）", err=True)
        sys.exit(1)


@main.command()
@click.option("--template", "-t", required=True, help=PACK_HELP)
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="采集表文件名（.xlsx） / output .xlsx")
@click.option("--from", "from_file", type=click.Path(), default=None,
              help="用已有的单位数据文件（或填好的采集表 .xlsx）预先填好 / pre-fill from this unit file or workbook")
@click.option("--force", is_flag=True, help="输出文件已存在时替换它（默认不覆盖） / replace an existing output file")
def workbook(template: str, output: str, from_file: str | None, force: bool):
    """生成数据采集表（Excel），供单位填写后导入。 Write a data-collection workbook.

    \b
    例 / example:
      reportgen workbook --template jinzhong -o 采集表.xlsx
      reportgen workbook -t jinzhong -o 采集表.xlsx --from examples/jinzhong-gongxin-2021.yaml
    """
    from reportgen.unitfile.load import load_yaml_file
    from reportgen.pack.needs import pack_needs
    from reportgen.unitfile.tree import node_to_raw
    from reportgen.unitfile.validate import load_unit
    from reportgen.collect.workbook import write_workbook

    _not_an_input(output, from_file)
    _refuse_existing(output, force)
    pack = _load_pack_or_exit(template)
    raw = None
    if from_file and is_workbook(from_file):        # a filled 采集表 carried into a new one
        from reportgen.collect.importer import import_workbook, read_workbook

        _, diags = import_workbook(from_file, display_path(from_file))
        _fail_with(diags)
        raw = read_workbook(from_file)[0]
    elif from_file:
        _, diags = load_unit(from_file)
        _fail_with(diags)
        root, _ = load_yaml_file(from_file)
        raw = node_to_raw(root)
    data = _built_or_exit(output, write_workbook, pack_needs(pack), pack.title, raw)
    _write_or_exit(Path(output), data, force)


@main.command("import")
@click.argument("xlsx_file", type=click.Path())
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="单位数据文件名（.yaml） / output unit file")
@click.option("--force", is_flag=True, help="输出文件已存在时替换它（默认不覆盖） / replace an existing output file")
def import_(xlsx_file: str, output: str, force: bool):
    """把填好的数据采集表转换为单位数据文件（YAML）。 Import a filled workbook.

    \b
    例 / example:
      reportgen import 采集表.xlsx -o 单位数据.yaml
    """
    from reportgen.collect.importer import import_workbook

    _not_an_input(output, xlsx_file)
    _refuse_existing(output, force)
    text, diags = import_workbook(xlsx_file, display_path(output))
    _fail_with(diags)
    _write_or_exit(Path(output), text.encode("utf-8"), force)


@main.command()
@click.option("--template", "-t", required=True, help=PACK_HELP)
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="单位数据文件名（.yaml） / output unit file")
@click.option("--force", is_flag=True, help="输出文件已存在时替换它（默认不覆盖） / replace an existing output file")
def init(template: str, output: str, force: bool):
    """生成带注释的单位数据文件模板（列出模板包需要的全部数据）。 Write a skeleton unit file.

    \b
    例 / example:
      reportgen init --template jinzhong -o 单位数据.yaml
    """
    from reportgen.pack.needs import pack_needs
    from reportgen.collect.skeleton import skeleton
    from reportgen.unitfile.tree import dump_unit

    pack = _load_pack_or_exit(template)
    raw, notes, header = skeleton(pack_needs(pack), pack.title)
    _refuse_existing(output, force)
    text, _ = dump_unit(raw, header, keep_empty=True, notes=notes)
    _write_or_exit(Path(output), text.encode("utf-8"), force)


# -- the web workbench ---------------------------------------------------------------


@main.command()
@click.option("--data", "data", type=click.Path(file_okay=False), default="reportgen-data", show_default=True,
              help="数据文件夹：SQLite 数据库、模板包、上传和生成的文件 / data folder")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址；局域网内访问用 0.0.0.0 / address to listen on")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="端口 / port")
@click.option("--database", "database_url", default=None, envvar="REPORTGEN_DATABASE_URL",
              help="数据库地址，如 postgres://用户:密码@主机:5432/库名；不填用数据文件夹中的 SQLite / database URL")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="处理请求的线程数 / threads")
@click.option("--reset-admin-password", is_flag=True, help="为 admin 账号生成新密码 / new password for admin")
def serve(data: str, host: str, port: int, database_url: str | None, threads: int, reset_admin_password: bool):
    """启动绩效自评工作台（网页）。 Start the web workbench.

    需要先安装网页组件：pip install "reportgen[web]"。

    \b
    例 / example:
      reportgen serve                              # http://127.0.0.1:8000，数据在 ./reportgen-data
      reportgen serve --data D:\\绩效工作台 --host 0.0.0.0 --port 8080
      reportgen serve --database postgres://reportgen:密码@127.0.0.1:5432/reportgen
    """
    try:
        import django  # noqa: F401
        import waitress  # noqa: F401
    except ImportError:
        click.echo('错误: 未安装网页工作台组件。请运行 pip install "reportgen[web]"（在 reportgen 源码文件夹中为 '
                   'pip install ".[web]"）后再试。', err=True)
        sys.exit(1)
    from reportgen.web import serve as S

    try:
        S.setup(data, database_url)
    except Exception as exc:  # a wrong database URL, an unreachable server, a read-only folder
        click.echo(f"错误: 无法打开数据库（{type(exc).__name__}: {exc}）", err=True)
        sys.exit(1)
    made = S.ensure_admin(reset=reset_admin_password)
    click.echo(f"数据文件夹：{Path(data).resolve()}")
    if made:
        click.echo(f"管理员账号：{made[0]}    密码：{made[1]}    （请登录后立即修改密码）")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    try:
        S.run(host, port, threads, on_ready=lambda: click.echo(
            f"工作台已启动：http://{shown}:{port}/    按 Ctrl+C 停止", nl=True))
    except OSError as exc:
        click.echo(f"错误: 无法在 {host}:{port} 上启动（{exc.strerror or exc}）；端口可能已被占用，可用 --port 换一个", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
