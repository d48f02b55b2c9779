"""The whole pipeline for one unit file and one pack, without printing.

``prepare`` runs load → validate → check → derive/score → narrate for every
form of the pack and returns the results with every diagnostic found on the
way; ``render_forms`` turns prepared forms into .docx bytes.  The CLI is a
thin layer over these two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from reportgen.compute.check import requirements, run_checks
from reportgen.pack.identities import run_identities
from reportgen.forms.context import CONTEXTS
from reportgen.forms.generic import generic_context
from reportgen.errors import WARNING, Diagnostic, PackError
from reportgen.compute.narrate import narrate
from reportgen.pack.needs import cached_needs, resolve_names
from reportgen.pack.packs import Form, Pack, fill_output
from reportgen.output.render import core_properties, render_docx
from reportgen.compute.project_score import indicator_problems, score_project
from reportgen.unitfile import schema as S
from reportgen.unitfile.schema import zh_name
from reportgen.compute.score import score_unit
from reportgen.unitfile.validate import Unit, load_unit


@dataclass
class PreparedForm:
    """One filled form, scored and narrated, ready to render.  For a
    per-project form ``unit`` is the project's scoped view."""

    form: Form
    unit: Unit
    card: object  # Scorecard (rubric tree) | ProjectScore (national) | None
    texts: dict[str, str]
    annexes: list = field(default_factory=list)  # the PreparedForms it cites

    @property
    def project(self) -> str:
        return self.unit.get("name", "") if self.form.each else ""

    @property
    def title(self) -> str:
        """The form's title, with the project for a per-project form."""
        return self.form.title + (f" · {self.project}" if self.project else "")

    @property
    def score_key(self) -> tuple[str, str]:
        """Forms scored under the same rubric for the same item share a key
        (a report and its scoring appendix)."""
        return (self.form.rubric.file if self.form.rubric else self.form.key, self.project)

    def context(self) -> dict:
        build = CONTEXTS.get(self.form.context)
        if build is None:
            raise PackError(f"表单 '{self.form.key}' 的 context '{self.form.context}' 未知"
                            f"（known: {', '.join(CONTEXTS)}）")
        return {**generic_context(self.unit, self.card, self.texts, self.form),
                **build(self.unit, self.card, self.texts, self.form)}


@dataclass
class Prepared:
    unit: Unit | None
    forms: list[PreparedForm]
    diagnostics: list[Diagnostic]
    schema: S.Group = S.CORE_SCHEMA     # the pack's unit schema, in force again when rendering

    def scored_forms(self) -> list[PreparedForm]:
        """The forms with a score, each rubric and item once (the first form
        that uses it)."""
        seen: set = set()
        out = []
        for pf in self.forms:
            if pf.card is not None and pf.score_key not in seen:
                seen.add(pf.score_key)
                out.append(pf)
        return out

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Drop repeats, and later complaints about a field that already has an
    error (a value with a type error is also "missing" to later stages)."""
    out: list[Diagnostic] = []
    seen: set[str] = set()
    bad_paths: set[str] = set()
    for d in diags:
        text = d.format()
        if text in seen:
            continue
        if d.path and d.message.startswith("缺少数据") and d.path in bad_paths:
            continue
        seen.add(text)
        if d.is_error and d.path:
            bad_paths.add(d.path)
        out.append(d)
    return out


def prepare(unit_path: str | Path, pack: Pack, only: tuple[str, ...] = ()) -> Prepared:
    """Load, validate, check, score and narrate ``unit_path`` for every form
    of ``pack`` — or only the forms keyed in ``only`` (and the forms they
    cite), so a unit is asked only for the data those forms need — with the
    pack's fields (core + its own) in force.  A form asked for by name that
    has nothing to fill (a per-project form without a project that has
    绩效指标) is reported as a warning."""
    with S.using(pack.schema):
        prepared = _prepare(unit_path, pack, only)
    prepared.schema = pack.schema
    return prepared


def _wanted(pack: Pack, only: tuple[str, ...]) -> set[str]:
    """The keys of the forms to prepare: those asked for and, transitively, the forms they cite."""
    keys = set(only or (f.key for f in pack.forms))
    todo = list(keys)
    while todo:
        for a in pack.form(todo.pop()).annexes:
            if a not in keys:
                keys.add(a)
                todo.append(a)
    return keys


def _prepare(unit_path: str | Path, pack: Pack, only: tuple[str, ...] = ()) -> Prepared:
    relocate = None
    if is_workbook(unit_path):                      # a filled 采集表: errors at its cells
        from reportgen.collect.importer import load_workbook_unit

        unit, diags, relocate = load_workbook_unit(unit_path)
    else:
        unit, diags = load_unit(unit_path)
    if unit is None:
        return Prepared(None, [], diags)
    unit, more = resolve_names(unit, cached_needs(pack))
    diags += more
    diags += run_checks(unit, pack.checks)
    diags += run_identities(unit, pack.identities, pack.formulas)
    wanted = _wanted(pack, only)
    # a form that cites other forms' scores (its ``annexes``) is prepared after them
    done: dict[str, list[PreparedForm]] = {}
    for form in sorted((f for f in pack.forms if f.key in wanted), key=lambda f: bool(f.annexes)):
        annexes = [pf for key in form.annexes for pf in done.get(key, [])]
        prepared = done.setdefault(form.key, [])
        if form.each:                       # one form per project
            views = [unit.scoped(item) for item in evaluated_projects(unit)]
        elif form.scope:                    # one form for a part of the file
            if not unit.given(form.scope):
                diags += requirements(unit, (form.scope,), form.title)
                continue
            views = [unit.scoped(form.scope)]
        else:
            views = [unit]
        if not views and form.each and form.key in only:   # asked for by name: say why nothing comes
            what = zh_name(form.each)
            diags.append(Diagnostic(f"没有填写了绩效指标（indicators）的{what}，未生成《{form.title}》",
                                    unit.loc(form.each), form.each, what, severity=WARNING))
        for view in views:
            pf, more = _prepare_form(view, form, annexes)
            diags += [_rebase(d, view) for d in more]
            prepared.append(pf)
    shown = set(only) if only else wanted
    forms = [pf for form in pack.forms if form.key in shown for pf in done.get(form.key, [])]
    if relocate is not None:
        diags = [relocate(d) for d in diags]
    return Prepared(unit, forms, _dedupe(diags))


def is_workbook(path: str | Path) -> bool:
    """Whether ``path`` names an Excel 采集表 (.xlsx/.xlsm) rather than a unit file."""
    return Path(path).suffix.lower() in (".xlsx", ".xlsm")


def evaluated_projects(unit: Unit) -> list[str]:
    """The projects that get a self-evaluation form: those with 绩效指标."""
    return [p for p in unit.items("projects") if unit.count(f"{p}.indicators")]


def _prepare_form(unit: Unit, form: Form, annexes: list[PreparedForm] = ()
                  ) -> tuple[PreparedForm, list[Diagnostic]]:
    diags = requirements(unit, form.requires, form.title)
    card = None
    if form.national is not None:
        card, more = score_project(unit, form.national)
        diags += more
    elif form.rubric is not None:
        card, more = score_unit(unit, form.rubric)
        diags += more
        if form.each:
            diags += indicator_problems(unit)
    texts: dict[str, str] = {}
    if unit.has("year") and unit.has("unit.name"):  # sentences need them; already reported
        texts, more = narrate(unit, card, form.sentences, annexes, form.formulas)
        diags += more
    return PreparedForm(form, unit, card, texts, list(annexes)), diags


def _rebase(d: Diagnostic, view: Unit) -> Diagnostic:
    """A diagnostic from a scoped view, with the path as written in the file."""
    if not view.prefix or not d.path or d.path.startswith(view.prefix + "."):
        return d
    full = view.full_path(d.path)
    return replace(d, path=full, zh=zh_name(full) or d.zh)


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


#: Longest file name reportgen makes, in bytes of UTF-8: file systems allow
#: 255, and the margin leaves room for a "（2）" numbering and a .pdf beside it.
MAX_NAME_BYTES = 200


def _fits(name: str) -> bool:
    return len(name.encode("utf-8")) <= MAX_NAME_BYTES


def safe_filename(name: str, limit: int = 120) -> str:
    """A file name that Windows, WPS and every archive tool accept:
    no ``\\/:*?"<>|`` or control characters, no trailing dot or space, at
    most ``limit`` characters and :data:`MAX_NAME_BYTES` bytes (the end of
    the stem is cut, the extension kept)."""
    name = _UNSAFE.sub("_", name).strip().rstrip(". ")
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 5 or not stem:
        stem, ext = name, ""
    ext = f".{ext}" if ext else ""
    stem = stem[: max(1, limit - len(ext))]
    while stem and not _fits(stem + ext):
        stem = stem[:-1]
    stem = stem.rstrip(". ")
    return (stem + ext) if stem else "report"


def output_name(pf: PreparedForm) -> str:
    """The file name of a filled form, from the pack's pattern: unit, year,
    project (per-project forms) and form title; safe for Windows and WPS.
    A name too long for the file system (a project name of 60 汉字) is made
    to fit by shortening the project name, then the unit name, each marked
    with "…", before anything else is cut."""
    u = pf.unit
    fields = {"unit": str(u.name), "year": u.year, "title": pf.form.title, "project": pf.project}

    def name() -> str:
        return _UNSAFE.sub("_", fill_output(pf.form.output, fields)).strip().rstrip(". ")

    for key in ("project", "unit"):
        full = fields[key]
        keep = len(full)
        while not _fits(name()) and keep > 1:
            keep -= 1
            fields[key] = full[:keep] + "…"
    return safe_filename(name(), limit=MAX_NAME_BYTES)


def render_forms(prepared: Prepared, render=render_docx) -> list[tuple[str, bytes]]:
    """Render every prepared form: ``[(file name, .docx bytes), …]``.

    ``render(template path, context, core) -> bytes`` (``core``: the document properties,
    :func:`properties`) is :func:`render.render_docx`
    unless a batch passes :func:`template_cache.render_cached`.

    Two forms that would get the same name (two projects of the same name)
    are numbered rather than overwriting each other.
    """
    with S.using(prepared.schema):
        return _render_forms(prepared, render)


def _render_forms(prepared: Prepared, render) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    seen: dict[str, int] = {}
    for pf in prepared.forms:
        name = output_name(pf)
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            stem, dot, ext = name.rpartition(".")
            name = f"{stem}（{seen[name]}）.{ext}"
        context = pf.context()
        out.append((name, _render_template(render, pf.form.template, context,
                                           core_properties(**properties(pf)))))
    return out


def _render_template(render, template: Path, context: dict, core) -> bytes:
    """``render(template, context, core)``; a Word template that cannot be read
    (not a .docx, damaged, a folder, a zip bomb) is a :class:`PackError`
    naming it, never a traceback."""
    import zipfile

    from lxml import etree

    from reportgen.unitfile.load import file_problem, zip_problem

    problem = file_problem(template) or zip_problem(template)
    if problem is None:
        with zipfile.ZipFile(template) as z:
            missing = {"word/document.xml", "[Content_Types].xml"} - set(z.namelist())
        if missing:
            problem = f"缺少必需的部件 {', '.join(sorted(missing))}"
    if problem:
        raise PackError(f"{template}: Word 模板无法读取：{problem}")
    try:
        return render(template, context, core)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, OSError, EOFError, KeyError,
            AttributeError, ValueError) as exc:   # python-docx fails in many ways on a damaged .docx
        raise PackError(f"{template}: Word 模板无法读取，文件已损坏或不是 .docx"
                        f"（cannot read template: {type(exc).__name__}: {exc}）") from None


def properties(pf: PreparedForm) -> dict:
    """The document properties of a filled form (:func:`render.core_properties`):
    标题 "单位 年度 表名（· 项目）", 作者 the unit, 主题 the year and the pack,
    日期 the 填报日期 given (a project's own, else the unit's), else none."""
    u = pf.unit
    date = u.get("contact.filled_on") if pf.form.each else None
    return {"title": f"{u.name}{u.year}年度{pf.title}", "author": u.name,
            "subject": f"{u.year}年度 {pf.form.title}", "keywords": pf.project,
            "date": date or u.get("unit.filled_on")}
