"""Check a template pack (模板包核对) as a finance bureau edits it.

``reportgen templates check`` runs :func:`check_pack` and prints every
problem at once.  What is checked:

* ``pack.yaml``: well-formed, its forms complete, each form's ``context``
  a known layout (:data:`context.CONTEXTS`), its ``output`` file-name
  pattern valid, the fields it ``requires`` known to the unit schema;
* each rubric (评分规则): weights add up (三级 → 二级 → 一级 → 100),
  every formula a computation in :data:`derive.REGISTRY`, every rule a known
  scoring primitive with valid parameters, every display pattern compiles in
  the sandbox (all of this is :func:`packs.load_rubric`'s own checking);
* each sentences file (说明文字句式): every pattern compiles in the sandbox
  and the fields it ``requires`` are known;
* each Word template (.docx): no Jinja tag that Word's formatting runs broke
  beyond what docxtpl repairs, no tag left open inside a paragraph, block
  tags (for/if/…) balanced, the template parses, and every variable it uses
  is one the form's context builder provides (:data:`CONTEXT_VARIABLES`).

Problems are :class:`errors.Diagnostic` values: a YAML problem carries its
``file:line:col``; a template problem names the .docx file and the place in
it (``表2 第3行第4格``, ``第5段``, ``页眉1 第1段``) with the start of that
paragraph's text.
"""

from __future__ import annotations

import difflib
import html
import os
import re
import shutil
import string
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import jinja2
from docxtpl import DocxTemplate
from jinja2 import nodes
from lxml import etree

from reportgen.forms.context import CONTEXTS
from reportgen.forms.generic import generic_variables
from reportgen.errors import ERROR, WARNING, Diagnostic, Loc, PackError, ReportgenError, display_path
from reportgen.unitfile.load import Mapping, Scalar, Sequence, load_yaml_file
from reportgen.pack.packs import Pack, outside_problem, output_problems, read_pack
from reportgen.output.files import make_folder, remove_folder
from reportgen.output.render import _docx_env
from reportgen.unitfile import schema as S
from reportgen.unitfile.schema import spec_at

# --------------------------------------------------------------------------
# What each context builder provides

#: Context name → every variable path its builder provides: ``unit.name``
#: for a key of a mapping, ``rows[]`` for the items of a list and
#: ``rows[].score`` for a key of those items.  Leaves are display text.
#: tests/test_templates_cmd.py builds each context from the bundled examples
#: and checks that this list is exactly what the builders return, so a key
#: added to a builder without being listed here fails a test.
CONTEXT_VARIABLES: dict[str, frozenset[str]] = {
    "scored_department_form": frozenset({
        "year", "unit", "unit.name", "unit.head", "unit.phone", "unit.filled_on", "unit.title_prefix",
        "header", "header.carried_over", "header.initial", "header.adjustment",
        "header.other_adjustment", "header.executed", "header.year_end_balance",
        "text", "text.functions", "text.staffing", "text.budget_execution",
        "text.performance_analysis", "text.other",
        "rows", "rows[]", "rows[].kind", "rows[].level2", "rows[].level2_merge", "rows[].name",
        "rows[].ref_weight", "rows[].weight", "rows[].analysis", "rows[].score",
        "total", "total_ref_weight", "total_weight", "grade",
        "evaluators", "evaluators[]", "evaluators[].name", "evaluators[].title",
        "evaluators[].office", "evaluators[].phone",
    }),
    "scored_project_form": frozenset({
        "year", "unit", "unit.name", "unit.title_prefix",
        "project", "project.name", "project.department", "project.implementer",
        "project.attribute", "project.period",
        "funds", "funds.city_budget", "funds.other_budget", "funds.allotted", "funds.city_spent",
        "funds.carried_over_spent", "funds.upper_spent", "funds.other_spent",
        "texts", "texts.overview", "texts.funds_usage", "texts.implementation",
        "texts.performance", "texts.other",
        "indicators", "indicators[]", "indicators[].level1", "indicators[].level2",
        "indicators[].name", "indicators[].target", "indicators[].adjusted_target",
        "indicators[].actual", "indicators[].progress", "indicators[].deviation",
        "indicators[].level1_merge", "indicators[].level2_merge",
        "score_rows", "score_rows[]", "score_rows[].kind", "score_rows[].level2",
        "score_rows[].level2_merge", "score_rows[].name", "score_rows[].ref_weight",
        "score_rows[].weight", "score_rows[].analysis", "score_rows[].score",
        "total", "total_weight", "grade",
        "evaluators", "evaluators[]", "evaluators[].name", "evaluators[].title",
        "evaluators[].office", "evaluators[].phone",
        "contact", "contact.head", "contact.handler", "contact.phone", "contact.filled_on",
    }),
    "national_project_form": frozenset({
        "year", "unit", "unit.name",
        "project", "project.name", "project.department", "project.implementer",
        "project.attribute", "project.period",
        "funds", "funds[]", "funds[].key", "funds[].label", "funds[].budget",
        "funds[].adjusted_budget", "funds[].spent", "funds[].rate", "funds[].weight",
        "funds[].score",
        "goals", "goals.expected", "goals.actual",
        "indicators", "indicators[]", "indicators[].level1", "indicators[].level2",
        "indicators[].name", "indicators[].target", "indicators[].adjusted_target",
        "indicators[].actual", "indicators[].progress", "indicators[].deviation",
        "indicators[].weight", "indicators[].score",
        "indicators[].level1_merge", "indicators[].level2_merge",
        "total", "total_weight", "grade",
        "texts", "texts.implementation", "texts.output_analysis", "texts.benefit_analysis",
        "texts.satisfaction_analysis", "texts.experience", "texts.problems", "texts.improvements",
    }),
    "narrative_report": frozenset({
        "year", "unit", "unit.name", "unit.filled_on",
        *(f"{k}{s}" for k in ("functions", "priorities", "implementation", "assets", "problems",
                              "improvements", "organization", "spending_scope", "basic_spending",
                              "project_spending", "performance") for s in ("", "[]")),
    }),
    "basic_data_table": frozenset({
        "year", "prior_year", "unit", "unit.name",
        "staffing", "staffing.authorized", "staffing.in_service", "staffing.control_rate",
        "spending_rows", "spending_rows[]", "spending_rows[].label", "spending_rows[].level",
        "spending_rows[].prior", "spending_rows[].budget", "spending_rows[].actual",
        "budget_adjustment_rate",
        "buildings", "buildings[]", "buildings[].name", "buildings[].approved_area",
        "buildings[].actual_area", "buildings[].area_rate", "buildings[].budget_investment",
        "buildings[].actual_investment", "buildings[].investment_rate",
        "austerity",
    }),
    "scoring_appendix": frozenset({
        "year", "unit", "unit.name",
        "rows", "rows[]", "rows[].level1", "rows[].level1_weight", "rows[].level1_merge",
        "rows[].level2", "rows[].level2_weight", "rows[].level2_merge", "rows[].name",
        "rows[].weight", "rows[].criteria", "rows[].explanation", "rows[].score",
        "total_weight", "total", "grade",
    }),
    "final_accounts_disclosure": frozenset({
        "composition", "composition[]", "functions", "functions[]", "glossary", "glossary[]", "prepared_on",
        "units", "units[]", "units[].number", "units[].name", "units[].note",
        "t02.rows[].codes", "t02.rows[].codes[]", "t03.rows[].codes", "t03.rows[].codes[]",
        "t05.rows[].codes", "t05.rows[].codes[]", "t08.rows[].codes", "t08.rows[].codes[]",
        "t09.rows[].codes", "t09.rows[].codes[]", "t06.rows[].groups[].codes", "t06.rows[].groups[].codes[]",
        "t09.income", "t09.opening", "t09.closing",
        "t02.rows[].income", "t03.rows[].income", "t05.rows[].income", "t08.rows[].income", "t09.rows[].income",
        "sections", "sections[]", "sections[].kind", "sections[].level", "sections[].text", "t01", "t01.rows",
        "t01.rows[]", "t01.rows[].bold", "t01.rows[].in_amount", "t01.rows[].in_label", "t01.rows[].in_line",
        "t01.rows[].out_amount", "t01.rows[].out_label", "t01.rows[].out_line", "t02", "t02.empty",
        "t02.rows", "t02.rows[]", "t02.rows[].cells", "t02.rows[].cells[]", "t02.rows[].code",
        "t02.rows[].level", "t02.rows[].name", "t02.total", "t02.total[]", "t03", "t03.empty", "t03.rows",
        "t03.rows[]", "t03.rows[].cells", "t03.rows[].cells[]", "t03.rows[].code", "t03.rows[].level",
        "t03.rows[].name", "t03.total", "t03.total[]", "t04", "t04.rows", "t04.rows[]", "t04.rows[].bold",
        "t04.rows[].in_amount", "t04.rows[].in_label", "t04.rows[].in_line", "t04.rows[].out",
        "t04.rows[].out[]", "t04.rows[].out_label", "t04.rows[].out_line", "t05", "t05.empty", "t05.rows",
        "t05.rows[]", "t05.rows[].cells", "t05.rows[].cells[]", "t05.rows[].code", "t05.rows[].level",
        "t05.rows[].name", "t05.total", "t05.total[]", "t06", "t06.personnel", "t06.personnel.amount",
        "t06.personnel.basic", "t06.public", "t06.public.amount", "t06.public.basic", "t06.rows",
        "t06.rows[]", "t06.rows[].groups", "t06.rows[].groups[]", "t06.rows[].groups[].amount",
        "t06.rows[].groups[].basic", "t06.rows[].groups[].code", "t06.rows[].groups[].level",
        "t06.rows[].groups[].name", "t07", "t07.actual", "t07.actual[]", "t07.budget", "t07.budget[]", "t08",
        "t08.closing", "t08.empty", "t08.income", "t08.opening", "t08.rows", "t08.rows[]", "t08.rows[].cells",
        "t08.rows[].cells[]", "t08.rows[].code", "t08.rows[].level", "t08.rows[].name", "t08.total",
        "t08.total[]", "t09", "t09.empty", "t09.rows", "t09.rows[]", "t09.rows[].cells", "t09.rows[].cells[]",
        "t09.rows[].code", "t09.rows[].level", "t09.rows[].name", "t09.total", "t09.total[]", "t10",
        "t10.general_equipment", "t10.operating", "t10.operating[]", "t10.procurement", "t10.procurement[]",
        "t10.special_equipment", "t10.vehicles", "t10.vehicles[]", "t10.vehicles[].count",
        "t10.vehicles[].line", "t10.vehicles[].name", "t10.vehicles_total", "unit_name", "year",
    }),
    "whole_evaluation_form": frozenset({
        "authorized", "contact", "finished", "grade", "in_service", "indicators", "indicators[]",
        "indicators[].actual", "indicators[].level1", "indicators[].level1_merge", "indicators[].level2",
        "indicators[].level2_merge", "indicators[].name", "indicators[].score", "indicators[].target",
        "indicators[].weight", "internal_departments", "on_payroll", "phone", "score", "started",
        "subordinate_units", "tasks", "tasks[]", "tasks[].budget", "tasks[].budget_fiscal",
        "tasks[].function", "tasks[].spent", "tasks[].spent_fiscal", "tasks[].status", "tasks[].task",
        "unit_name", "year",
    }),
}


def variable_paths(value, prefix: str = "", out: set[str] | None = None) -> set[str]:
    """Every variable path of a built context (the notation of
    :data:`CONTEXT_VARIABLES`): mapping keys joined by ``.``, list items as ``[]``."""
    out = set() if out is None else out
    if isinstance(value, dict):
        for key, child in value.items():
            path = f"{prefix}.{key}" if prefix else key
            out.add(path)
            variable_paths(child, path, out)
    elif isinstance(value, list):
        out.add(prefix + "[]")
        for item in value:
            variable_paths(item, prefix + "[]", out)
    return out


# --------------------------------------------------------------------------
# A new pack from an existing one

_PACK_NAME = re.compile(r"^\w[\w\-]*$")


def _why(exc: OSError) -> str:
    """An OSError in Chinese: the common causes by name, else its own text."""
    import errno

    known = {errno.EACCES: "没有写入权限（permission denied）", errno.EPERM: "没有写入权限（permission denied）",
             errno.EROFS: "文件夹只读（read-only）", errno.ENOSPC: "磁盘已满（disk full）",
             errno.ENOTDIR: "路径中有一段不是文件夹（not a folder）",
             errno.EEXIST: "路径中有一段是文件而不是文件夹（a file is in the way）",
             errno.ENOENT: "上级文件夹不存在（no such folder）", errno.ENAMETOOLONG: "文件名过长（name too long）"}
    return known.get(exc.errno, exc.strerror or str(exc))


def _not_pack_files(folder: str, names: list[str]) -> set[str]:
    """What copy_pack leaves out: caches, ``__init__.py`` of the built-in
    packs, and anything that is not a folder, regular file or link."""
    import stat

    skip = set()
    for n in names:
        mode = os.lstat(os.path.join(folder, n)).st_mode
        if n in ("__pycache__", "__init__.py") or n.endswith(".pyc") or not (
                stat.S_ISDIR(mode) or stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            skip.add(n)
    return skip


def copy_pack(source: Path, name: str, target: Path) -> Path:
    """Copy the pack folder ``source`` to the new folder ``target`` and set
    ``name:`` in its pack.yaml (comments and layout kept).

    ``name`` is letters (汉字 included), digits, ``_`` and ``-``.  Raises
    ReportgenError for a bad name, when ``target`` already exists, or when
    the copy cannot be written (read-only folder, disk full); the copy is
    made beside ``target`` and renamed into place, so a failed copy leaves
    nothing behind.  Files and folders get
    the permissions of newly created ones (the umask), not the source's.
    """
    if not _PACK_NAME.match(name):
        raise ReportgenError(f"模板包名称 '{name}' 只能由文字、数字、_ 和 - 组成")
    if target.exists() or target.is_symlink():
        raise ReportgenError(f"{display_path(target)} 已存在，不会覆盖（choose another folder）")
    try:
        tmp = make_folder(target)          # 0o777 less the umask, not mkdtemp's 0o700
    except OSError as exc:
        raise ReportgenError(f"无法在 {display_path(target.parent)} 中新建模板包文件夹: {_why(exc)}"
                             f"（cannot create the folder; choose another place with -o）") from None
    try:
        staged = tmp / "pack"
        # links are copied as links (never followed out of the pack), FIFOs and devices not at all;
        # files get the permissions of new files (the umask), not the source's
        shutil.copytree(source, staged, symlinks=True, ignore=_not_pack_files,
                        copy_function=shutil.copyfile)
        pack_yaml = staged / "pack.yaml"
        text = pack_yaml.read_text(encoding="utf-8")
        text, n = re.subn(r"(?m)^name:[^\n#]*", f"name: {name}", text, count=1)
        if not n:
            raise ReportgenError(f"{display_path(source / 'pack.yaml')}: 缺少 'name'")
        pack_yaml.write_text(text, encoding="utf-8")
        folder_mode = tmp.stat().st_mode & 0o777          # 0o777 less the umask
        for folder, _, _ in os.walk(staged):
            os.chmod(folder, folder_mode)                  # copytree copied the source's
        staged.rename(target)
    except OSError as exc:
        raise ReportgenError(f"无法复制模板包到 {display_path(target)}: {_why(exc)}（cannot copy the pack）") from None
    finally:
        remove_folder(tmp)
    return target


# --------------------------------------------------------------------------
# The whole pack


def check_pack(path: Path) -> tuple[Pack | None, list[Diagnostic]]:
    """Check the pack folder ``path``; return the pack as far as it could be
    read and every problem found (errors and warnings), in file order."""
    pack, problems = read_pack(path)
    diags = [Diagnostic(line) for p in problems for line in p.split("\n") if line.strip()]
    with S.using(pack.schema if pack is not None else S.CORE_SCHEMA):
        diags += _check_pack_yaml(path)
    clean: set[Path] = set()        # Word templates without static problems: tried on the sample
    if pack is not None:
        for form in pack.forms:
            if form.rubric is not None and form.rubric.total_weight != 100:
                diags.append(Diagnostic(f"《{form.rubric.title}》一级指标合计 "
                                        f"{form.rubric.total_weight} 分，应为 100 分",
                                        Loc(form.rubric.file)))
            if form.template is not None and form.context in CONTEXTS:
                found = check_docx(form.template, form.context, generic_variables(form, pack.schema))
                diags += found
                if not any(d.is_error for d in found):
                    clean.add(form.template)
        with S.using(pack.schema):
            diags += check_patterns(pack, clean)
    return pack, _unique(diags)


# --------------------------------------------------------------------------
# Sentence and display patterns, tried on sample values


def check_patterns(pack: Pack, templates: set[Path] = frozenset()) -> list[Diagnostic]:
    """Try every display pattern (显示模式) and sentence pattern (句式) of
    ``pack`` on :func:`samples.sample_unit`, as :func:`pipeline.prepare`
    would for a real unit.  Reports, at the pattern's file:line, each name
    the pattern uses that its values do not have (in any branch, e.g.
    ``{{ b.completion_rat }}``), and each failure of the trial render (a
    type error such as ``{% if total > 90 %}`` where ``total`` is display
    text, a sandbox limit).  A form whose scores cannot be computed for the
    sample has only its display patterns tried.  Each Word template in
    ``templates`` (those :func:`check_docx` found clean) is then rendered
    with the sample form's context, and a failure reported at the template."""
    from reportgen.pack.samples import sample_unit

    templates = set(templates)
    unit = sample_unit(pack)
    if unit is None:
        return [Diagnostic("无法生成样例数据，未试算句式和显示模式（could not build sample values）",
                           Loc(display_path(pack.path / "pack.yaml")), severity=WARNING)]
    diags: list[Diagnostic] = []
    tried: set[int] = set()
    scored = _scored_forms(pack.path)
    for form in pack.forms:
        if form.key in scored and form.rubric is None and form.national is None:
            continue                        # its rubric did not load (reported): no scores to try with
        try:
            diags += _try_form(pack, form, unit, tried, templates)
        except Exception as exc:  # noqa: BLE001 — our stages on sample data: say so, never a traceback
            diags.append(Diagnostic(f"表单 '{form.key}' 用样例数据试算时程序出错，未能试算全部句式"
                                    f"（{type(exc).__name__}: {exc}）", Loc(display_path(pack.path / "pack.yaml")),
                                    severity=WARNING))
    return diags


def _scored_forms(path: Path) -> set[str]:
    """Keys of the forms pack.yaml gives a ``rubric`` or ``national_rules``."""
    root, _ = load_yaml_file(path / "pack.yaml")
    forms = root.items.get("forms") if isinstance(root, Mapping) else None
    return {f.items["key"].text for f in (forms.items if isinstance(forms, Sequence) else [])
            if isinstance(f, Mapping) and isinstance(f.items.get("key"), Scalar)
            and ("rubric" in f.items or "national_rules" in f.items)}


def _try_form(pack: Pack, form, unit, tried: set[int], templates: set[Path]) -> list[Diagnostic]:
    """:func:`check_patterns` for one form."""
    from reportgen.compute.narrate import sentence_context
    from reportgen.compute.project_score import score_project
    from reportgen.compute.score import score_unit
    from reportgen.pipeline import PreparedForm, evaluated_projects

    diags: list[Diagnostic] = []
    if form.each:
        views = [unit.scoped(p) for p in evaluated_projects(unit)][:1]
    else:
        views = [unit.scoped(form.scope)] if form.scope else [unit]
    for view in views:
        card = None
        try:
            if form.national is not None:
                card, _ = score_project(view, form.national)
            elif form.rubric is not None:
                for ind in form.rubric.indicators():
                    if id(ind.display) not in tried:
                        tried.add(id(ind.display))
                        diags += _try_display(ind, view)
                card, _ = score_unit(view, _without_displays(form.rubric))
        except ReportgenError:
            card = None
        if (form.rubric is not None or form.national is not None) and card is None:
            continue                    # scores unknown: the sentences cannot be tried
        context = sentence_context(view, card, (), pack.formulas)
        texts = {}
        for name, sentence in form.sentences.items():
            found, texts[name] = _try_pattern(sentence.pattern, {**context, "notes": "示例说明"},
                                              f"句式“{name}”")
            if id(sentence.pattern) not in tried:
                tried.add(id(sentence.pattern))
                diags += found
        if form.template in templates:
            templates.discard(form.template)
            diags += _try_docx(PreparedForm(form, view, card, texts))
    return diags


def _try_docx(pf) -> list[Diagnostic]:
    """Render a form's Word template with the sample context."""
    from reportgen.output.render import render_docx

    try:
        context = pf.context()
    except Exception:  # noqa: BLE001 — our builders on sample data, not the pack: nothing to report
        return []
    try:
        render_docx(pf.form.template, context)
    except PackError as exc:
        return [Diagnostic(f"用样例数据试算出错: {exc}", Loc(display_path(pf.form.template)))]
    return []


def _without_displays(rubric):
    """``rubric`` with every display pattern blank (they are tried one by
    one), so that one broken pattern does not keep the sentences untried."""
    from dataclasses import replace

    from reportgen.output.render import sandbox

    blank = sandbox().from_string("")
    return replace(rubric, sections=[
        replace(s, blocks=[replace(b, indicators=[replace(i, display=blank) for i in b.indicators])
                           for b in s.blocks]) for s in rubric.sections])


def _try_display(ind, view) -> list[Diagnostic]:
    try:
        measure = ind.computation.fn(view, ind.args)
    except (ArithmeticError, KeyError, TypeError, ValueError):
        return []                           # the sample does not fit this computation
    return _try_pattern(ind.display, measure.vars, f"指标“{ind.name}”的 display 模式")[0]


def _none_paths(value, prefix: str = "") -> set[str]:
    """Paths whose sample says nothing of their shape: None values and the
    items of empty lists."""
    out = set()
    if isinstance(value, dict):
        for key, child in value.items():
            out |= _none_paths(child, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list):
        if not value:
            out.add(prefix + "[]")
        for item in value:
            out |= _none_paths(item, prefix + "[]")
    elif value is None and prefix:
        out.add(prefix)
    return out


def _try_pattern(template, values: dict, label: str) -> tuple[list[Diagnostic], str]:
    """Names ``template`` uses that ``values`` lacks, then a trial render:
    ``(problems, rendered text or "")``."""
    from reportgen.output.render import sandbox
    from reportgen.pack.packs import pattern_loc

    source = getattr(template, "pack_source", None)
    diags = []
    if source is not None:
        env = sandbox()
        known = frozenset(variable_paths(values))
        walker = _Variables(known, set(env.globals), opaque=frozenset(_none_paths(values)))
        walker.visit(env.parse(source), {})
        for lineno, path in walker.unknown:
            diags.append(Diagnostic(f"{label}中的变量 {path} 不存在（{_suggest(path, known)}）",
                                    pattern_loc(template, lineno)))
    try:
        return diags, template.render(**values)
    except jinja2.UndefinedError as exc:
        if not diags:
            diags.append(Diagnostic(f"{label}用样例数据试算出错: {exc}",
                                    pattern_loc(template, getattr(exc, "lineno", None))))
    except jinja2.TemplateError as exc:
        diags.append(Diagnostic(f"{label}用样例数据试算出错: {exc}",
                                pattern_loc(template, getattr(exc, "lineno", None))))
    return diags, ""


def _unique(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[str] = set()
    out = []
    for d in diags:
        if d.format() not in seen:
            seen.add(d.format())
            out.append(d)
    return out


def _check_pack_yaml(path: Path) -> list[Diagnostic]:
    """What :func:`packs.read_pack` leaves to render time: contexts, output
    patterns, duplicate form keys, unknown ``requires`` fields."""
    if outside_problem(path, "pack.yaml"):
        return []                                   # read_pack reports it
    root, _ = load_yaml_file(path / "pack.yaml")   # its YAML problems come from read_pack
    diags: list[Diagnostic] = []
    forms = root.items.get("forms") if isinstance(root, Mapping) else None
    if not isinstance(forms, Sequence):
        return diags
    keys: dict[str, Loc] = {}
    sentence_files: set[str] = set()
    for f in forms.items:
        if not isinstance(f, Mapping):
            diags.append(Diagnostic("表单应为一组“键: 值”（key, title, template, context …）", f.loc))
            continue
        items = f.items
        key = items.get("key")
        if isinstance(key, Scalar):
            if key.text in keys:
                diags.append(Diagnostic(f"表单 key '{key.text}' 重复（first at line {keys[key.text].line}）",
                                        key.loc))
            keys.setdefault(key.text, key.loc)
        context = items.get("context")
        if isinstance(context, Scalar) and context.text not in CONTEXTS:
            diags.append(Diagnostic(f"未知的表单样式 context '{context.text}'"
                                    f"（known: {', '.join(CONTEXTS)}）", context.loc))
        elif isinstance(context, Scalar) and context.text not in CONTEXT_VARIABLES:
            diags.append(Diagnostic(f"表单样式 '{context.text}' 没有登记变量清单"
                                    f"（packcheck.CONTEXT_VARIABLES），未核对 Word 模板中的变量",
                                    context.loc, severity=WARNING))
        each = isinstance(items.get("each"), Scalar) and items["each"].text
        output = items.get("output")
        if isinstance(output, Scalar):
            diags += _check_output(output, bool(each))
        requires = items.get("requires")
        if isinstance(requires, Sequence):
            diags += _unknown_fields(requires, "each" if each else "")
        sentences = items.get("sentences")
        if (isinstance(sentences, Scalar) and sentences.text not in sentence_files
                and not outside_problem(path, sentences.text)):   # else read_pack reports it
            sentence_files.add(sentences.text)
            diags += _check_sentence_requires(path / sentences.text)
    return diags


def _check_output(node: Scalar, each: bool) -> list[Diagnostic]:
    """An output file-name pattern (:func:`packs.output_problems`, also
    checked at load), and a per-project form whose files would share a name."""
    diags = [Diagnostic(p, node.loc) for p in output_problems(node.text, each)]
    try:
        names = [n for _, n, _, _ in string.Formatter().parse(node.text)]
    except ValueError:
        names = []
    if each and "project" not in names:
        diags.append(Diagnostic("每个项目一份的表单，文件名模式 output 应含 {project}，"
                                "否则各项目的文件名相同（只能加序号区分）", node.loc, severity=WARNING))
    return diags


def _unknown_fields(requires: Sequence, scope: str) -> list[Diagnostic]:
    """``requires`` entries that name no field of the unit schema; a
    per-project form's fields are below ``projects[]``."""
    diags = []
    for item in requires.items:
        if not isinstance(item, Scalar):
            continue
        path = f"projects[].{item.text}" if scope else item.text
        if spec_at(path) is None:
            diags.append(Diagnostic(f"requires 中的 '{item.text}' 不是单位数据文件的字段", item.loc))
    return diags


def _check_sentence_requires(path: Path) -> list[Diagnostic]:
    root, _ = load_yaml_file(path)        # YAML and pattern problems come from read_pack
    diags = []
    if isinstance(root, Mapping):
        for node in root.items.values():
            req = node.items.get("requires") if isinstance(node, Mapping) else None
            if isinstance(req, Sequence):
                diags += _unknown_fields(req, "")
    return diags


# --------------------------------------------------------------------------
# Word templates

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_PREFIX = re.compile(r"^(\{\{|\{%|\{#)(tr|tc|p|r) ")
#: docxtpl cell tags, consumed when the XML is patched: {% vm %}, {% hm %},
#: {% colspan X %}, {% cellbg X %}, and reportgen's {% vmerge X %}
_CELL_TAG = re.compile(r"^\{%-?\s*(vm|hm|colspan|cellbg|vmerge)\b\s*(.*?)-?%\}$", re.DOTALL)
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_BLOCKS = ("for", "if", "with", "macro", "call", "filter", "raw", "autoescape", "block")


@dataclass
class _Paragraph:
    """One paragraph of a template part: where it is and the text Word shows."""

    where: str
    text: str

    @property
    def label(self) -> str:
        snippet = " ".join(self.text.split())
        snippet = snippet if len(snippet) <= 24 else snippet[:24] + "…"
        return f"{self.where}（“{snippet}”）" if snippet else self.where


def _visible(p) -> str:
    return "".join(t.text or "" for t in p.iter(W + "t"))


def _paragraphs(root, part: str) -> list[_Paragraph]:
    """Paragraphs in document order, each labelled ``第N段`` or ``表T 第R行第C格``
    (``…第K段`` when a cell holds several paragraphs); ``part`` prefixes the
    labels of headers and footers."""
    body = root if root.tag == W + "body" else root
    out: list[_Paragraph] = []
    n_para = n_table = 0
    for el in body:
        if el.tag == W + "p":
            n_para += 1
            out.append(_Paragraph(f"{part}第{n_para}段", _visible(el)))
        elif el.tag == W + "tbl":
            n_table += 1
            for r, tr in enumerate(el.findall(W + "tr"), 1):
                for c, tc in enumerate(tr.findall(W + "tc"), 1):
                    paras = list(tc.iter(W + "p"))
                    for k, p in enumerate(paras, 1):
                        where = f"{part}表{n_table} 第{r}行第{c}格" + (f"第{k}段" if len(paras) > 1 else "")
                        out.append(_Paragraph(where, _visible(p)))
        elif el.tag == W + "sdt":          # a content control around paragraphs
            for p in el.iter(W + "p"):
                n_para += 1
                out.append(_Paragraph(f"{part}第{n_para}段", _visible(p)))
    return out


def _core(tag: str) -> str:
    """A tag's content as jinja sees it after docxtpl's patching: the
    ``tr``/``tc``/``p``/``r`` prefix, whitespace-control dashes, Word's
    curly quotes and spacing normalised."""
    tag = _PREFIX.sub(r"\1", tag)
    inner = html.unescape(tag[2:-2]).translate(_QUOTES).strip().strip("-+").strip()
    return " ".join(inner.split())


def _template_parts(path: Path) -> tuple[DocxTemplate, list[tuple[str, str]]]:
    """The template and ``[(label prefix, part XML)]``: the body, then each
    header and footer, read as docxtpl reads them."""
    tpl = DocxTemplate(str(path))
    tpl.init_docx()
    parts = [("", tpl.get_xml())]
    for kind, uri in (("页眉", tpl.HEADER_URI), ("页脚", tpl.FOOTER_URI)):
        for i, (_, part) in enumerate(tpl.get_headers_footers(uri), 1):
            parts.append((f"{kind}{i} ", tpl.get_part_xml(part)))
    return tpl, parts


def check_docx(path: Path, context: str, generic: frozenset[str] = frozenset()) -> list[Diagnostic]:
    """Check one Word template for the form layout ``context``.

    Reports, each at its paragraph or table cell: a tag left open (or closed
    without being opened) inside a paragraph; a tag that Word's formatting
    split in a way docxtpl's patching cannot rejoin (jinja would see broken
    text or print the braces); unbalanced ``{% for %}``/``{% if %}`` blocks;
    jinja syntax errors and unknown filters; variables the context builder
    does not provide — its layout's own (:data:`CONTEXT_VARIABLES`) and the
    ``generic`` ones every form has, derived from the pack
    (:func:`reportgen.forms.generic.generic_variables`).  A file python-docx
    cannot open is one error.
    """
    file = display_path(path)
    from reportgen.unitfile.load import file_problem, zip_problem

    problem = file_problem(path) or zip_problem(path)
    if problem:
        return [Diagnostic(f"无法作为 Word 文档读取（cannot read the .docx）: {problem}", Loc(file))]
    try:
        tpl, parts = _template_parts(path)
    except Exception as exc:  # python-docx raises many kinds for a damaged .docx
        return [Diagnostic(f"无法作为 Word 文档读取（cannot read the .docx）: {exc}", Loc(file))]
    diags: list[Diagnostic] = []
    lines: list[str] = []
    where: list[_Paragraph] = []
    for prefix, xml in parts:
        paragraphs = _paragraphs(etree.fromstring(xml.encode("utf-8")), prefix)
        repaired = Counter(_core(t) for t in _TAG.findall(DocxTemplate.patch_xml(tpl, xml)))
        for p in paragraphs:
            problems = _paragraph_problems(p, repaired)
            diags += [Diagnostic(f"{p.label}: {m}", Loc(file)) for m in problems]
            lines.append("" if problems else _skeleton_line(p.text))
            where.append(p)
    block_problems = _block_problems(lines, where)
    diags += [Diagnostic(m, Loc(file)) for m in block_problems]
    if not block_problems:
        diags += _parse_problems("\n".join(lines), where, file, context, generic)
    return diags


def _paragraph_problems(p: _Paragraph, repaired: Counter) -> list[str]:
    problems = []
    text = p.text
    rest = _TAG.sub("", text)
    for opener, closer in (("{{", "}}"), ("{%", "%}"), ("{#", "#}")):
        if opener in rest:
            problems.append(f"标签 {opener} 在本段内没有闭合（缺少 {closer}；Jinja 标签不能跨段落、跨单元格）")
        elif closer in rest:
            problems.append(f"多余的 {closer}（本段内没有对应的 {opener}）")
    for tag in _TAG.findall(text):
        cell = _CELL_TAG.match(_PREFIX.sub(r"\1", tag))
        if tag.startswith("{#") or (cell and cell.group(1) != "vmerge"):
            continue            # comments and the cell tags docxtpl consumes
        core = _core(tag)
        if repaired[core] > 0:
            repaired[core] -= 1
        else:
            problems.append(f"标签 {tag} 被 Word 的格式拆开，docxtpl 无法还原（例如中间夹有修订删除的文字或域代码）"
                            "：请在 Word 中删除后一次性重新输入（或先接受全部修订）")
    return problems


def _skeleton_line(text: str) -> str:
    """A paragraph's text as plain jinja: docxtpl's prefixes removed, cell
    tags turned into the expressions they evaluate, curly quotes in tags
    made straight."""
    def tag(m: re.Match) -> str:
        t = _PREFIX.sub(r"\1 ", m.group(0))
        cell = _CELL_TAG.match(t)
        if cell:
            return "{{ %s }}" % cell.group(2) if cell.group(2) else ""
        return t.translate(_QUOTES)

    return _TAG.sub(tag, text)


_BLOCK_TAG = re.compile(r"\{%-?\s*(end)?(\w+)(.*?)-?%\}", re.DOTALL)


def _block_problems(lines: list[str], where: list[_Paragraph]) -> list[str]:
    """Unmatched ``{% endX %}`` and unclosed ``{% X %}`` blocks, each at its paragraph."""
    stack: list[tuple[str, int]] = []
    problems = []
    for i, line in enumerate(lines):
        for m in _BLOCK_TAG.finditer(line):
            end, name, rest = m.group(1), m.group(2), m.group(3)
            block = name in _BLOCKS or (name == "set" and "=" not in rest)
            if not end and block:
                stack.append((name, i))
            elif end and (name in _BLOCKS or name == "set"):
                if stack and stack[-1][0] == name:
                    stack.pop()
                else:
                    expected = f"（此处应为 {{% end{stack[-1][0]} %}}）" if stack else ""
                    problems.append(f"{where[i].label}: {{% end{name} %}} 没有对应的 {{% {name} %}}{expected}")
    for name, i in stack:
        problems.append(f"{where[i].label}: {{% {name} %}} 没有闭合（缺少 {{% end{name} %}}）")
    return problems


def _parse_problems(source: str, where: list[_Paragraph], file: str, context: str, generic: frozenset[str] = frozenset()) -> list[Diagnostic]:
    env = _docx_env()
    try:
        ast = env.parse(source)
        env.from_string(source)          # unknown filters and tests show at compile time
    except jinja2.TemplateSyntaxError as exc:
        label = where[exc.lineno - 1].label if 0 < (exc.lineno or 0) <= len(where) else ""
        return [Diagnostic(f"{label + ': ' if label else ''}模板语法错误（template syntax）: {exc.message}",
                           Loc(file))]
    known = CONTEXT_VARIABLES.get(context)
    if known is None:
        return []
    known = known | generic
    walker = _Variables(known, set(env.globals))
    walker.visit(ast, {})
    diags = []
    for lineno, path in walker.unknown:
        label = where[lineno - 1].label if 0 < lineno <= len(where) else ""
        diags.append(Diagnostic(f"{label}: 模板变量 {path} 不是表单样式 '{context}' 提供的"
                                f"（{_suggest(path, known)}）", Loc(file)))
    return diags


def _suggest(path: str, known: frozenset[str]) -> str:
    parent = path.rpartition(".")[0] if "." in path else ""
    siblings = sorted(k.rpartition(".")[2] for k in known
                      if (k.rpartition(".")[0] if "." in k else "") == parent)
    where = f"{parent} 下" if parent else "顶层"
    close = difflib.get_close_matches(path.rpartition(".")[2], siblings, n=1, cutoff=0.75)
    guess = f"是否应为 {parent + '.' if parent else ''}{close[0]}？" if close else ""
    return f"{guess}{where}可用: {', '.join(siblings)}"


class _Variables:
    """Walks a parsed template with the loop variables in scope and collects
    ``(line, path)`` for each variable path the context does not provide.

    A name bound by ``for`` stands for the items of its list (``r`` in
    ``for r in rows`` is ``rows[]``); names bound by ``set``/``with``/macro
    arguments, filter results and method calls are not followed.
    """

    def __init__(self, known: frozenset[str], builtins: set[str], opaque: frozenset[str] = frozenset()):
        self.known = known
        self.opaque = opaque          # paths whose shape is unknown (None in a sample): not followed
        self.builtins = builtins | {"loop"}
        self.unknown: list[tuple[int, str]] = []
        self._seen: set[tuple[int, str]] = set()

    def _report(self, node: nodes.Node, path: str) -> None:
        key = (node.lineno, path)
        if key not in self._seen:
            self._seen.add(key)
            self.unknown.append(key)

    def _is_container(self, path: str) -> bool:
        return any(k.startswith(path + ".") or k.startswith(path + "[]") for k in self.known)

    def resolve(self, node: nodes.Node, scope: dict) -> str | None:
        """The variable path of an expression, after checking it; None when
        it is not a context variable (a literal, a filter result, a method)."""
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            if node.name in self.builtins:
                return None
            if node.name not in self.known:
                self._report(node, node.name)
                return None
            return node.name
        if isinstance(node, (nodes.Getattr, nodes.Getitem)):
            base = self.resolve(node.node, scope)
            if isinstance(node, nodes.Getitem):
                self.visit(node.arg, scope)
            if base is None or base in self.opaque:
                return None
            if isinstance(node, nodes.Getattr) or (isinstance(node.arg, nodes.Const)
                                                   and isinstance(node.arg.value, str)):
                attr = node.attr if isinstance(node, nodes.Getattr) else node.arg.value
                path = f"{base}.{attr}"
                if path in self.known:
                    return path
                if base + "[]" in self.known:
                    kind = list
                elif self._is_container(base):
                    kind = dict
                else:
                    kind = str
                if isinstance(node, nodes.Getattr) and hasattr(kind, attr):
                    return None            # a method: items(), split(), …
                self._report(node, path)
                return None
            if base + "[]" in self.known:  # rows[0], rows[i]
                return base + "[]"
            return None
        self.visit(node, scope)
        return None

    def visit(self, node: nodes.Node, scope: dict) -> None:
        if isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)):
            self.resolve(node, scope)
        elif isinstance(node, nodes.For):
            items = self.resolve(node.iter, scope)
            inner = dict(scope)
            self._bind(node.target, inner, items + "[]" if items and items + "[]" in self.known else None)
            for child in node.body:
                self.visit(child, inner)
            if node.test is not None:
                self.visit(node.test, inner)
            for child in node.else_:
                self.visit(child, scope)
        elif isinstance(node, (nodes.Assign, nodes.AssignBlock)):
            if isinstance(node, nodes.Assign):
                self.visit(node.node, scope)
            else:
                for child in node.body:
                    self.visit(child, scope)
            self._bind(node.target, scope, None)
        elif isinstance(node, nodes.With):
            for value in node.values:
                self.visit(value, scope)
            inner = dict(scope)
            for target in node.targets:
                self._bind(target, inner, None)
            for child in node.body:
                self.visit(child, inner)
        elif isinstance(node, nodes.Macro):
            inner = dict(scope)
            for arg in node.args:
                self._bind(arg, inner, None)
            inner.update({"varargs": None, "kwargs": None, "caller": None})
            for child in node.body:
                self.visit(child, inner)
            scope[node.name] = None
        else:
            for child in node.iter_child_nodes():
                self.visit(child, scope)

    def _bind(self, target: nodes.Node, scope: dict, path: str | None) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = path
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self._bind(item, scope, None)


def severity_counts(diags: list[Diagnostic]) -> tuple[int, int]:
    """``(errors, warnings)`` among ``diags``."""
    errors = sum(1 for d in diags if d.severity == ERROR)
    return errors, len(diags) - errors
