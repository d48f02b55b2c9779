"""Template packs: everything a city prescribes, as data.

A pack is a folder::

    pack.yaml        name, city, the forms it renders, the checks that apply
    identities.yaml  the pack's 审核公式: identity checks as data
                     (:mod:`reportgen.pack.identities`)
    formulas.yaml    the pack's formulas: named expressions over the unit's
                     fields (:mod:`reportgen.pack.formulas`)
    rubric.yaml      one per scored form: the indicator tree, weights,
                     formulas (the pack's own, or library computations
                     from derive.REGISTRY), scoring rules
                     (primitives with parameters), 计算分析情况 patterns
    sentences.yaml   narrative patterns (jinja2, rendered in the sandbox)
    *.docx           the Word templates

Built-in packs live in ``templates/<name>/``; ``--template PATH`` takes a
folder of a finance bureau's own.  A pack contains no Python and nothing in
it is evaluated with ``eval``.  Every problem in a pack is reported with its
file and line (:class:`errors.PackError`).
"""

from __future__ import annotations

import importlib.resources
import re
import string
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import jinja2

from reportgen.compute import derive
from reportgen.errors import Loc, PackError, display_path
from reportgen.unitfile.load import Mapping, Node, Scalar, Sequence, load_yaml_file
from reportgen.numbers import parse_decimal
from reportgen.compute.primitives import GradeBands, Rule, RuleError, make_rule
from reportgen.output.render import sandbox
from reportgen.pack.formulas import Formula, as_computation, read_formulas
from reportgen.forms.tables import read_tables
from reportgen.pack.fields import pack_schema
from reportgen.pack.identities import Identity, read_identities
from reportgen.unitfile import schema as S

# --------------------------------------------------------------------------
# Model


@dataclass
class Indicator:
    """A 三级指标: ``weight`` is its 参考分值 (points).  ``criteria`` (评价标准)
    and ``explanation`` (指标说明) are the official texts a form may print
    beside the score."""

    key: str
    name: str
    weight: Decimal
    computation: derive.Computation
    args: dict
    rule: Rule
    display: jinja2.Template
    inferred: tuple[str, ...]
    source: str
    loc: Loc
    criteria: str = ""
    explanation: str = ""

    def needed(self) -> list[str]:
        return self.computation.needed(self.args)


@dataclass
class Block:
    """A 二级指标 block."""

    name: str
    weight: Decimal
    indicators: list[Indicator]
    loc: Loc


@dataclass
class Section:
    """A 一级指标 (投入/过程/产出/效果)."""

    name: str
    weight: Decimal
    blocks: list[Block]
    loc: Loc


@dataclass
class Rubric:
    title: str
    source: str
    sections: list[Section]
    grades: GradeBands
    allow_weight_changes: bool
    file: str

    def indicators(self):
        for s in self.sections:
            for b in s.blocks:
                yield from b.indicators

    def find(self, key: str) -> Indicator | None:
        return next((i for i in self.indicators() if i.key == key), None)

    @property
    def total_weight(self) -> Decimal:
        return sum((s.weight for s in self.sections), Decimal(0))


@dataclass
class Form:
    """One form of a pack.  ``each`` names a list of the unit file
    (``projects``) when the form is filled once per item; ``scope`` a group
    of the unit file (a pack field such as ``whole_evaluation``) when the
    form is filled from that part only;
    ``rubric`` is a scoring tree, ``national`` the parameters of the national
    project form.  ``annexes`` are the keys of the forms whose scores this
    form cites (prepared first); ``outline`` the headings and sentence names
    of a narrative document, in order (``{heading, level}`` / ``{text}``)."""

    key: str
    title: str
    template: Path | None     # None only in a pack read with problems (its template unusable)
    rubric: Rubric | None
    sentences: dict[str, "Sentence"]
    output: str
    requires: tuple[str, ...]
    context: str
    each: str = ""
    national: object = None
    scope: str = ""
    annexes: tuple[str, ...] = ()
    outline: tuple[dict, ...] = ()
    formulas: dict[str, Formula] = field(default_factory=dict)   # the pack's, shared by its forms
    tables: dict = field(default_factory=dict)   # name → forms.tables.Table, declared in pack.yaml


@dataclass
class Pack:
    name: str
    title: str
    city: str
    path: Path
    forms: list[Form]
    checks: tuple[str, ...] = field(default_factory=tuple)
    formulas: dict[str, Formula] = field(default_factory=dict)
    identities: list[Identity] = field(default_factory=list)   # the pack's 审核公式
    schema: S.Group = S.CORE_SCHEMA        # the unit schema: core + the pack's fields
    field_forms: dict[str, tuple[str, ...]] = field(default_factory=dict)   # pack field → forms needing it

    def form(self, key: str) -> Form:
        return next(f for f in self.forms if f.key == key)


# --------------------------------------------------------------------------
# Reading pack files: node trees → Python, with every problem located.


class _Reader:
    def __init__(self, path: Path):
        self.path = path
        self.file = display_path(path)
        self.problems: list[str] = []
        root, diags = load_yaml_file(path)
        self.problems += [d.format() for d in diags if d.is_error]   # a GB18030 file is read
        self.root = root

    def fail(self, loc: Loc, message: str) -> None:
        self.problems.append(f"{loc}: {message}")

    def plain(self, node: Node):
        """Node → str / list / dict of the same (scalars stay text)."""
        if isinstance(node, Scalar):
            return None if node.is_null else node.text
        if isinstance(node, Sequence):
            return [self.plain(n) for n in node.items]
        return {k: self.plain(v) for k, v in node.items.items()}

    def get(self, node: Node, key: str, kind=Scalar, required=True):
        if not isinstance(node, Mapping):
            self.fail(node.loc, "应为一组“键: 值”")
            return None
        child = node.items.get(key)
        if child is None:
            if required:
                self.fail(node.loc, f"缺少 '{key}'")
            return None
        if not isinstance(child, kind):
            self.fail(child.loc, f"'{key}' 的格式不对（应为{ {Scalar: '单个值', Sequence: '列表', Mapping: '一组键值'}[kind] }）")
            return None
        return child

    def text(self, node: Node, key: str, required=True, default="") -> str:
        n = self.get(node, key, Scalar, required)
        return n.text if n is not None else default

    def number(self, node: Node, key: str) -> Decimal:
        n = self.get(node, key)
        if n is None:
            return Decimal(0)
        value = parse_decimal(n.text)
        if value is None:
            self.fail(n.loc, f"'{key}' 应为数字，实为 '{n.text}'")
            return Decimal(0)
        return value


def pattern_loc(template: jinja2.Template, lineno: int | None = None) -> Loc | None:
    """Where line ``lineno`` of a pack pattern is in its YAML file: the
    pattern's own line, or for a block scalar (``|-``) the line below it
    plus ``lineno`` - 1.  ``lineno`` is that of a TemplateError (the sandbox
    sets it on every failure)."""
    loc = getattr(template, "pack_loc", None)
    if loc is None or not lineno or not getattr(template, "pack_block", False):
        return loc
    return Loc(loc.file, loc.line + lineno)


def _compile(reader: _Reader, loc: Loc, pattern: str) -> jinja2.Template:
    try:
        template = sandbox().from_string(pattern)
    except jinja2.TemplateSyntaxError as exc:
        if "\n" in pattern and exc.lineno:   # a block scalar (|-): its text starts on the next line
            loc = Loc(loc.file, loc.line + exc.lineno)
        reader.fail(loc, f"模式语法错误（pattern syntax）: {exc.message}")
        template = sandbox().from_string("")
    template.pack_loc, template.pack_block, template.pack_source = loc, "\n" in pattern, pattern
    return template


def load_rubric(path: Path, formulas: dict[str, Formula] | None = None) -> Rubric:
    """Read and check a rubric file.

    Checks: weights add up (三级 → 二级 → 一级 → total), each formula is a
    known computation, each rule a known primitive whose parameters are valid
    and whose best score is the indicator's weight, every ``inferred`` marker
    names a real parameter, display patterns compile.  Raises PackError
    listing every problem with file:line.  ``formulas`` are the pack's own
    formulas, which a rubric names like library computations (by default
    those of the pack the rubric file sits in).
    """
    if formulas is None:
        formulas, problems = pack_formulas(path.parent)
        if problems:
            raise PackError("\n".join(problems))
    r = _Reader(path)
    root = r.root
    if root is None:
        raise PackError("\n".join(r.problems))
    sections: list[Section] = []
    seen_keys: dict[str, Loc] = {}
    tree = r.get(root, "tree", Sequence)
    for s_node in (tree.items if tree else []):
        blocks = []
        children = r.get(s_node, "children", Sequence)
        for b_node in (children.items if children else []):
            indicators = []
            got = Decimal(0)   # counts an indicator with a broken rule too: one problem, not three
            inds = r.get(b_node, "indicators", Sequence)
            for i_node in (inds.items if inds else []):
                ind = _indicator(r, i_node, formulas or {})
                if ind is None:
                    weight = i_node.items.get("weight") if isinstance(i_node, Mapping) else None
                    got += (parse_decimal(weight.text) if isinstance(weight, Scalar) else None) or 0
                    continue
                got += ind.weight
                if ind.key in seen_keys:
                    r.fail(ind.loc, f"指标 key '{ind.key}' 重复（first at line {seen_keys[ind.key].line}）")
                seen_keys[ind.key] = ind.loc
                indicators.append(ind)
            block = Block(r.text(b_node, "name"), r.number(b_node, "weight"), indicators, b_node.loc)
            if inds and inds.items and got != block.weight:
                r.fail(b_node.loc, f"二级指标“{block.name}”分值为 {block.weight}，其三级指标合计 {got}")
            blocks.append(block)
        section = Section(r.text(s_node, "name"), r.number(s_node, "weight"), blocks, s_node.loc)
        got = sum((b.weight for b in blocks), Decimal(0))
        if blocks and got != section.weight:
            r.fail(s_node.loc, f"一级指标“{section.name}”分值为 {section.weight}，其二级指标合计 {got}")
        sections.append(section)
    total = r.number(root, "total") if r.get(root, "total", required=False) else Decimal(100)
    got = sum((s.weight for s in sections), Decimal(0))
    if sections and got != total:
        r.fail(root.loc, f"一级指标合计 {got}，应为 {total}")
    grades = _grades(r, root)
    allow = r.text(root, "allow_weight_changes", required=False, default="false") in ("true", "是")
    if r.problems:
        raise PackError("\n".join(r.problems))
    return Rubric(r.text(root, "title"), r.text(root, "source", required=False),
                  sections, grades, allow, r.file)


def _grades(r: _Reader, root: Node) -> GradeBands:
    node = r.get(root, "grades", Sequence)
    bands = []
    for g in (node.items if node else []):
        bands.append((r.number(g, "min"), r.text(g, "grade")))
    if node and [b[0] for b in bands] != sorted((b[0] for b in bands), reverse=True):
        r.fail(node.loc, "等次区间应按 min 从高到低排列")
    return GradeBands(tuple(bands) or ((Decimal(0), ""),))


def _pack_file(r: _Reader, folder: Path, key: str, what: str, read, problems: list[str]):
    """Read the pack file named by pack.yaml's ``key`` with ``read(reader)``;
    None when pack.yaml names none."""
    name = r.text(r.root, key, required=False) if isinstance(r.root, Mapping) else ""
    if not name:
        return None
    problem = outside_problem(folder, name)
    if problem:
        problems.append(f"{r.root.items[key].loc}: {key}（{what}文件）: {problem}")
        return None
    fr = _Reader(folder / name)
    result = read(fr)
    problems += fr.problems
    return result


def pack_schema_of(folder: Path) -> tuple[S.Group, dict, list[str]]:
    """The unit schema of the pack in ``folder`` (core + its ``fields:``
    file), each pack field's forms, and the problems found reading them."""
    problems: list[str] = []
    r = _Reader(folder / "pack.yaml") if not outside_problem(folder, "pack.yaml") else None
    if r is None or r.root is None:
        return S.CORE_SCHEMA, {}, []
    found = _pack_file(r, folder, "fields", "字段", pack_schema, problems)
    schema, forms = found if found is not None else (S.CORE_SCHEMA, {})
    return schema, forms, problems


def pack_formulas(folder: Path) -> tuple[dict[str, Formula], list[str]]:
    """The formulas of the pack in ``folder`` (named by its pack.yaml's
    ``formulas:``), and the problems found reading them."""
    schema, _, problems = pack_schema_of(folder)
    r = _Reader(folder / "pack.yaml") if not outside_problem(folder, "pack.yaml") else None
    if r is None or r.root is None:
        return {}, problems
    with S.using(schema):
        formulas = _pack_file(r, folder, "formulas", "公式", read_formulas, problems)
    return formulas or {}, problems


def computation_named(name: str, formulas: dict[str, Formula]) -> derive.Computation | None:
    """A rubric's ``formula:`` name: the pack's own formula, else a library computation."""
    if name in formulas:
        return as_computation(formulas, name)
    return derive.REGISTRY.get(name)


def _indicator(r: _Reader, node: Node, formulas: dict[str, Formula]) -> Indicator | None:
    key = r.text(node, "key")
    name = r.text(node, "name")
    weight = r.number(node, "weight")
    formula_node = r.get(node, "formula")
    comp = None
    if formula_node is not None:
        comp = computation_named(formula_node.text, formulas)
        if comp is None:
            r.fail(formula_node.loc, f"未知的计算 '{formula_node.text}'（模板包的公式: {', '.join(formulas) or '无'}；"
                                     f"程序库: {', '.join(derive.REGISTRY)}）")
    args_node = r.get(node, "args", Mapping, required=False)
    args = {"key": key, **(r.plain(args_node) if args_node else {})}
    if comp is not None:
        try:
            comp.needed(args)
        except KeyError as exc:
            r.fail(node.loc, f"计算 '{comp.key}' 需要参数 args.{exc.args[0]}")
            comp = None
    rule_node = r.get(node, "rule", Mapping)
    rule, inferred, source = None, (), ""
    if rule_node is not None:
        params = r.plain(rule_node)
        try:
            rule = make_rule(params)
        except RuleError as exc:
            r.fail(rule_node.loc, f"指标“{name}”的评分规则: {exc}")
        inferred = tuple(params.get("inferred") or ())
        source = params.get("source") or ""
        if rule is not None:
            bad = [p for p in inferred if p not in rule.params]
            if bad:
                r.fail(rule_node.loc, f"inferred 列出了规则没有的参数: {', '.join(bad)}")
            if comp is not None and rule.accepts != comp.kind:
                r.fail(rule_node.loc, f"规则 {rule.primitive} 不能评 '{comp.key}' 的结果")
            if weight and rule.max_score(weight) != weight:
                r.fail(rule_node.loc, f"指标“{name}”的规则最高只能得 {rule.max_score(weight)} 分，分值为 {weight}")
            total = getattr(rule, "total_points", None)
            if total is not None and total() != weight:
                r.fail(rule_node.loc, f"指标“{name}”各要点/时点分值合计 {total()}，分值为 {weight}")
            if comp is not None and comp.parts and set(getattr(rule, "keys", ())) - set(comp.parts):
                r.fail(rule_node.loc, f"指标“{name}”的部分应为 {', '.join(comp.parts)}（计算 '{comp.key}' 给出的）")
    display_node = r.get(node, "display", required=False)
    display = _compile(r, display_node.loc if display_node is not None else node.loc,
                       display_node.text if display_node is not None else "{{ rate }}")
    if comp is None or rule is None:
        return None
    return Indicator(key, name, weight, comp, args, rule, display, inferred, source, node.loc,
                     criteria=r.text(node, "criteria", required=False).strip(),
                     explanation=r.text(node, "explanation", required=False).strip())


@dataclass
class Sentence:
    """A narrative pattern: the fields it needs (a unit may instead type the
    whole text as ``text.<name>``), the jinja2 pattern itself, and ``notes``:
    the unit-file text the pattern may append as ``{{ notes }}``."""

    name: str
    requires: tuple[str, ...]
    pattern: jinja2.Template
    loc: Loc
    notes: str = ""


def load_sentences(path: Path) -> dict[str, Sentence]:
    """Read a sentences file: name → {requires, pattern}, compiled in the sandbox."""
    r = _Reader(path)
    out = {}
    if isinstance(r.root, Mapping):
        for key, node in r.root.items.items():
            pattern = r.get(node, "pattern")
            req = r.get(node, "requires", Sequence, required=False)
            if pattern is None:
                continue
            out[key] = Sentence(key, tuple(r.plain(req) if req else ()),
                                _compile(r, pattern.loc, pattern.text), node.loc,
                                r.text(node, "notes", required=False))
    elif r.root is not None:
        r.fail(r.root.loc, "句式文件应为“名称: 句式”")
    if r.problems:
        raise PackError("\n".join(r.problems))
    return out


def load_national_rules(path: Path):
    """Read the parameters of the national 项目支出绩效自评表 (10号)::

        budget_execution: {weight: 10}
        indicators: {weight: 90, weighting: equal_split,
                     national_split: {产出指标: 50, 效益指标: 30, 满意度指标: 10}}
        grades: [{min: 90, grade: 优}, …]
    """
    from reportgen.compute.project_score import NationalRules

    r = _Reader(path)
    root = r.root
    if root is None:
        raise PackError("\n".join(r.problems))
    execution = r.get(root, "budget_execution", Mapping)
    indicators = r.get(root, "indicators", Mapping)
    weighting = r.text(indicators, "weighting") if indicators else "equal_split"
    if weighting not in ("explicit", "equal_split", "national"):
        r.fail(indicators.loc, f"weighting 应为 explicit / equal_split / national，实为 '{weighting}'")
    split_node = r.get(indicators, "national_split", Mapping, required=False) if indicators else None
    split = tuple((k, r.number(split_node, k)) for k in split_node.items) if split_node else None
    tiers_node = r.get(root, "tiers", Sequence, required=False)
    tiers = tuple((r.text(t, "result"), r.number(t, "from") / 100, r.number(t, "to") / 100)
                  for t in tiers_node.items) if tiers_node else None
    rules = NationalRules(
        execution_weight=r.number(execution, "weight") if execution else Decimal(10),
        indicator_weight=r.number(indicators, "weight") if indicators else Decimal(90),
        weighting=weighting, grades=_grades(r, root),
        source=r.text(root, "source", required=False),
        **({"level1_weights": split} if split else {}), **({"tiers": tiers} if tiers else {}))
    if rules.execution_weight + rules.indicator_weight != Decimal(100):
        r.fail(root.loc, "预算执行率分值与指标分值之和应为 100")
    if r.problems:
        raise PackError("\n".join(r.problems))
    return rules


# --------------------------------------------------------------------------
# Finding and loading packs


def builtin_dir() -> Path:
    """Where the built-in packs are: the installed ``reportgen.templates``
    package, or ``templates/`` beside the source package in a checkout."""
    try:
        return Path(str(importlib.resources.files("reportgen.templates")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "templates"


def builtin_packs() -> list[str]:
    root = builtin_dir()
    return sorted(p.name for p in root.iterdir() if (p / "pack.yaml").is_file())


def find_pack(name_or_path: str) -> Path:
    """A built-in pack name (``jinzhong``) or the path of a pack folder."""
    p = Path(name_or_path)
    if (p / "pack.yaml").is_file():
        return p
    builtin = builtin_dir() / name_or_path
    if "/" not in name_or_path and (builtin / "pack.yaml").is_file():
        return builtin
    known = ", ".join(builtin_packs())
    raise PackError(f"找不到模板包 '{name_or_path}'（no such pack; built-in: {known}; "
                    f"or give the path of a folder with pack.yaml）")


def load_pack(name_or_path: str) -> Pack:
    """Load a pack and everything its forms name; PackError lists all problems."""
    pack, problems = read_pack(find_pack(name_or_path))
    if problems:
        raise PackError("\n".join(problems))
    return pack


#: The settings a form of pack.yaml may have (any other key is a typo).
FORM_KEYS = ("key", "title", "template", "context", "output", "rubric", "sentences", "national_rules",
             "each", "scope", "annexes", "outline", "requires", "tables")


#: The fields an output file-name pattern (``output:``) may name; ``project``
#: only for a per-project form.
OUTPUT_FIELDS = ("unit", "year", "title", "project")


def output_problems(pattern: str, each: bool) -> list[str]:
    """What is wrong with an output file-name pattern: only ``{unit}``,
    ``{year}``, ``{title}`` (and ``{project}`` when ``each``), as plain names
    — no ``.attr``, ``[i]``, ``!r`` or ``:spec`` — and a name ending in .docx."""
    allowed = OUTPUT_FIELDS if each else OUTPUT_FIELDS[:3]
    try:
        fields = [(n, spec, conv) for _, n, spec, conv in string.Formatter().parse(pattern) if n is not None]
    except ValueError as exc:
        return [f"文件名模式 output 有不成对的花括号（{exc}）"]
    problems = []
    for name, spec, conv in fields:
        if name not in allowed or spec or conv:
            problems.append(f"文件名模式 output 中的 {{{name}{'!' + conv if conv else ''}"
                            f"{':' + spec if spec else ''}}} 不可用"
                            f"（可用: {', '.join('{' + a + '}' for a in allowed)}）")
    if not pattern.lower().endswith(".docx"):
        problems.append("文件名模式 output 应以 .docx 结尾")
    return problems


def fill_output(pattern: str, values: dict[str, object]) -> str:
    """An output file name: ``pattern`` (checked by :func:`output_problems`)
    with each ``{field}`` replaced by ``str(values[field])``; nothing in the
    pattern is evaluated (no ``str.format``)."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(pattern):
        parts.append(literal)
        if name is not None:
            parts.append(str(values[name]))
    return "".join(parts)


_DRIVE = re.compile(r"^[A-Za-z]:")


def outside_problem(folder: Path, name: str) -> str:
    """Why the file ``name`` (as written in a pack file) is not a file of
    the pack folder ``folder``, or "" when it is: an absolute path, a
    ``..`` step, a link (or anything else) that resolves outside the
    folder, or something other than a regular file.  A pack may read only
    its own files (rule of :mod:`reportgen.sandbox`; README 模板包能做什么)."""
    parts = re.split(r"[\\/]", name)
    if not name.strip():
        return "文件名为空"
    if name.startswith(("/", "\\")) or _DRIVE.match(name) or Path(name).is_absolute():
        return (f"'{name}' 是绝对路径：模板包只能使用自身文件夹中的文件，请写相对于模板包文件夹的文件名"
                "（absolute paths are not allowed）")
    if ".." in parts:
        return (f"'{name}' 含有 ..，指向模板包文件夹以外：模板包只能使用自身文件夹中的文件"
                "（.. is not allowed）")
    target = folder / name
    try:
        inside = target.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):        # a link loop
        inside = False
    if not inside:
        return (f"'{name}' 是指向模板包文件夹以外的链接：模板包只能使用自身文件夹中的文件"
                "（links out of the pack are not allowed）")
    if not target.exists():
        return f"文件不存在: {name}"
    if not target.is_file():
        return f"'{name}' 不是普通文件（not a regular file）"
    return ""


_EXTERNAL = re.compile(rb'<Relationship\b[^>]*\bTargetMode="External"[^>]*>')
_REL_TYPE = re.compile(rb'\bType="[^"]*/([A-Za-z]+)"')
_REL_TARGET = re.compile(rb'\bTarget="([^"]*)"')


def external_links(docx: Path) -> list[str]:
    """What a Word file would fetch from outside itself: each relationship
    with ``TargetMode="External"`` other than a hyperlink (a linked image or
    OLE object, an attached template, a subdocument…), as ``type → target``.
    Word and LibreOffice load such targets when they open the document (a
    PDF conversion included), so a pack's template may have none.  An
    unreadable file gives [] (its own check reports it)."""
    import zipfile

    found = []
    try:
        with zipfile.ZipFile(docx) as z:
            for name in z.namelist():
                if not name.endswith(".rels") or z.getinfo(name).file_size > 1 << 20:
                    continue
                for rel in _EXTERNAL.findall(z.read(name)):
                    kind = _REL_TYPE.search(rel)
                    kind = kind.group(1).decode() if kind else "?"
                    if kind != "hyperlink":
                        target = _REL_TARGET.search(rel)
                        found.append(f"{kind} → {target.group(1).decode(errors='replace') if target else '?'}")
    except (OSError, zipfile.BadZipFile, KeyError):
        return []
    return found


def pack_file(r: _Reader, node: Node, key: str, folder: Path, required: bool = True) -> Path | None:
    """The file that ``key`` of ``node`` names inside the pack ``folder``,
    or None (the problem recorded at the key's line) when it is missing,
    not a regular file, or outside the folder (:func:`outside_problem`)."""
    value = r.get(node, key, required=required)
    if value is None:
        return None
    problem = outside_problem(folder, value.text)
    if problem:
        r.fail(value.loc, f"{key}: {problem}")
        return None
    return folder / value.text


def read_pack(path: Path) -> tuple[Pack | None, list[str]]:
    """Read the pack folder ``path`` without stopping at a problem (see
    :func:`_read_pack`), with the pack's own fields in force while its
    formulas, checks and rubrics are checked against them."""
    schema, field_forms, problems = pack_schema_of(path)
    with S.using(schema):
        pack, more = _read_pack(path)
    if pack is not None:
        pack.schema, pack.field_forms = schema, field_forms
    return pack, problems + more


def _read_pack(path: Path) -> tuple[Pack | None, list[str]]:
    """Read the pack folder ``path`` without stopping at a problem.

    Returns the pack as far as it could be read (None when pack.yaml itself
    cannot be read; a form whose rubric is broken has ``rubric=None``) and
    every problem as a ``file:line:col: message`` line.
    """
    problem = outside_problem(path, "pack.yaml")
    if problem:
        return None, [f"{display_path(path / 'pack.yaml')}: {problem}"]
    r = _Reader(path / "pack.yaml")
    if r.root is None:
        return None, r.problems
    forms = []
    forms_node = r.get(r.root, "forms", Sequence)
    problems: list[str] = []
    formulas = _pack_file(r, path, "formulas", "公式", read_formulas, problems) or {}
    for f_node in (forms_node.items if forms_node else []):
        for key in (f_node.items if isinstance(f_node, Mapping) else ()):
            if key not in FORM_KEYS:
                import difflib

                hint = difflib.get_close_matches(key, FORM_KEYS, n=1)
                r.fail(f_node.key_locs[key], f"未知的表单设置 '{key}'（unknown key）"
                       + (f"，是否应为 '{hint[0]}'？" if hint else f"；可用: {', '.join(FORM_KEYS)}"))
        template = pack_file(r, f_node, "template", path)
        links = external_links(template) if template is not None else []
        if links:
            r.fail(f_node.items["template"].loc, f"template: Word 模板引用了模板包以外的文件或网址，打开或转换为 PDF 时会读取它们"
                   f"（external links: {'; '.join(links[:3])}）：请在 Word 中取消链接（嵌入图片/对象）后再保存")
            template = None
        rubric = sentences = None
        try:
            rub = pack_file(r, f_node, "rubric", path, required=False)
            rubric = load_rubric(rub, formulas) if rub else None
        except PackError as exc:
            problems.append(str(exc))
        try:
            sen = pack_file(r, f_node, "sentences", path, required=False)
            sentences = load_sentences(sen) if sen else {}
        except PackError as exc:
            problems.append(str(exc))
        national = None
        rules = pack_file(r, f_node, "national_rules", path, required=False)
        if rules:
            try:
                national = load_national_rules(rules)
            except PackError as exc:
                problems.append(str(exc))
        each = r.text(f_node, "each", required=False)
        if each and each != "projects":
            r.fail(f_node.loc, f"each 只能是 projects，实为 '{each}'")
        scope = r.text(f_node, "scope", required=False, default="")
        if scope and not isinstance(S.spec_at(scope), S.Group):
            groups = [p for p, spec in S.walk() if isinstance(spec, S.Group) and "." not in p and "[" not in p]
            r.fail(f_node.loc, f"scope 应为单位文件中的一个组（如 {' / '.join(groups[-3:])}），实为 '{scope}'")
        annexes = r.get(f_node, "annexes", Sequence, required=False)
        outline = r.get(f_node, "outline", Sequence, required=False)
        outline_items = tuple(r.plain(outline) if outline else ())
        for i, entry in enumerate(outline_items):
            if not isinstance(entry, dict) or not set(entry) <= {"heading", "level", "text"}:
                r.fail(outline.items[i].loc, "outline 的每一项应为 {heading, level} 或 {text: 句式名}")
            elif entry.get("text") and entry["text"] not in (sentences or {}):
                r.fail(outline.items[i].loc, f"outline 引用了不存在的句式 '{entry['text']}'")
        req = r.get(f_node, "requires", Sequence, required=False)
        output_node = r.get(f_node, "output", required=False)
        if output_node is not None:
            for problem in output_problems(output_node.text, bool(each)):
                r.fail(output_node.loc, problem)
        default_name = "{unit}_{year}年度_{project}_{title}.docx" if each else "{unit}_{year}年度_{title}.docx"
        forms.append(Form(
            key=r.text(f_node, "key"), title=r.text(f_node, "title"),
            template=template,
            rubric=rubric, sentences=sentences or {},
            output=r.text(f_node, "output", required=False, default=default_name),
            requires=tuple(r.plain(req) if req else ()),
            context=r.text(f_node, "context"), each=each, national=national, scope=scope,
            annexes=tuple(r.plain(annexes) if annexes else ()), outline=outline_items, formulas=formulas,
            tables=read_tables(r, r.get(f_node, "tables", Mapping, required=False))))
    keys = [f.key for f in forms]
    for f_node, f in zip(forms_node.items if forms_node else [], forms):
        for a in f.annexes:
            if a not in keys or a == f.key:
                r.fail(f_node.loc, f"annexes 引用了不存在的表单 '{a}'（forms: {', '.join(keys)}）")
    checks = r.get(r.root, "checks", Sequence, required=False)
    from reportgen.compute.check import CHECKS

    for c in (checks.items if checks else []):
        if isinstance(c, Scalar) and c.text not in CHECKS:
            r.fail(c.loc, f"未知的核对规则 '{c.text}'（known: {', '.join(CHECKS)}）")
    identities = _pack_file(r, path, "identities", "审核公式", lambda ir: read_identities(ir, formulas),
                            problems) or []
    pack = Pack(r.text(r.root, "name"), r.text(r.root, "title"), r.text(r.root, "city"),
                path, forms, tuple(r.plain(checks) if checks else ()), formulas, identities)
    return pack, r.problems + problems
