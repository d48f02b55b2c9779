"""What a template pack needs from a unit file (填报要求).

The same sources :func:`pipeline.prepare` reports missing data from: each
form's ``requires`` (:func:`check.requirements`), the inputs of its rubric's
computations (``Indicator.needed``), the fields its sentences need, and, for
a per-project form, the project list with 绩效指标 (``evaluated_projects``)
plus the national form's 项目资金.  Paths are *generic*: a list index is
``[]`` (``projects[].funds``), a per-project form's paths are prefixed with
``projects[].``; map keys chosen by the pack stay concrete
(``checklists.goal_fit``).  The keys a pack gives its maps (要点 of each
checklist, indicators one may weight or score by hand) come with their
Chinese names, for the workbook and the skeleton to list.

Besides what a pack *needs* (必填), :attr:`Needs.used` lists what its forms
and checks read when given (选填 but in use: 评价人员, 设定分值, 人工评分,
控制数): the workbook greys a sheet only when neither touches it.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from dataclasses import dataclass, field

from reportgen.unitfile import schema as S
from reportgen.errors import Diagnostic
from reportgen.unitfile.validate import Unit, inherited
from reportgen.compute.check import CHECK_READS
from reportgen.compute.derive import REGISTRY
from reportgen.collect.layout import uniform_groups
from reportgen.pack.packs import Pack


@dataclass
class Needs:
    """``paths``: generic paths the pack needs (a Group or list path means
    the whole group / at least one item).  ``map_keys``: generic map path
    (``checklists``, ``checklists.goal_fit.points``, ``projects[].weights``)
    → ``[(key, Chinese name), …]`` the pack knows, in rubric order."""

    pack: str
    paths: set[str] = field(default_factory=set)
    map_keys: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def _add_key(self, map_path: str, key: str, zh: str) -> None:
        keys = self.map_keys.setdefault(map_path, [])
        if key not in (k for k, _ in keys):
            keys.append((key, zh))

    def needs(self, generic_path: str) -> bool:
        """Whether the pack needs ``generic_path`` (``projects[].funds.{}.budget``
        style, ``{}`` for any map key): the path itself, or a group that
        contains it, is needed (a needed list needs an item, not each of
        its items' fields; a group of same-shaped groups, like 项目资金 by
        source, needs the rows that apply, not every one)."""
        pattern = pattern_of(generic_path)
        for p in self.paths:
            q, spec = resolve(p)
            if pattern == q or (isinstance(spec, S.Group) and not uniform_groups(spec)
                                and pattern.startswith(q + ".")):
                return True
        return False

    def uses_section(self, key: str) -> bool:
        """Whether any needed or used path lies in the top-level section ``key``."""
        return any(p == key or p.startswith(key + ".") or p.startswith(key + "[")
                   for p in self.paths | self.used)

    def uses(self, pattern: str) -> bool:
        """Whether a form or check of the pack reads anything at ``pattern``
        (a generic path, ``projects[].weights``): a needed or used path
        lies inside it, or it lies inside a used path, or inside a needed
        one without a list between (a needed ``projects`` needs a project,
        not each part of one)."""
        for p in self.used:
            q = pattern_of(p)
            if _inside(q, pattern) or _inside(pattern, q):
                return True
        for p in self.paths:
            q = pattern_of(p)
            if _inside(q, pattern) or (_inside(pattern, q) and "[]" not in pattern[len(q):]):
                return True
        return False


#: (id of the schema, path) → (the schema, resolved): the workbook asks
#: about the same paths thousands of times.  The schema is kept, so its id
#: stays its own.
_RESOLVED: dict[tuple[int, str], tuple[object, tuple[str, object]]] = {}


def resolve(path: str) -> tuple[str, object]:
    """``(pattern, spec)`` of a path: the generic pattern with every map key
    replaced by ``{}`` (``projects[].checklists.goal_fit.points.x`` →
    ``projects[].checklists.{}.points.{}``) and the schema entry there
    (None for a path the schema does not have), under the schema in force
    (:func:`schema.active`)."""
    schema = S.active()
    hit = _RESOLVED.get((id(schema), path))
    if hit is not None and hit[0] is schema:
        return hit[1]
    result = _resolve(path, schema)
    if len(_RESOLVED) < 100_000:
        _RESOLVED[(id(schema), path)] = (schema, result)
    return result


def _resolve(path: str, schema) -> tuple[str, object]:
    out: list[str] = []
    spec = schema
    segments = path.split(".")
    for seg in segments:
        name, brackets = re.fullmatch(r"(.*?)((?:\[\d*\])*)", seg).groups()
        if isinstance(spec, S.MapOf):
            out.append("{}" + brackets)
            spec = spec.value
        else:
            out.append(name + re.sub(r"\d+", "", brackets))
            spec = next((f for f in getattr(spec, "fields", ()) if f.key == name), None)
        if isinstance(spec, S.ListOf) and brackets:
            spec = spec.item
        if spec is None:
            return ".".join(out + segments[len(out):]), None
    return ".".join(out), spec


def _inside(path: str, outer: str) -> bool:
    """``path`` is ``outer`` or lies below it (``a.b`` / ``a.b.c`` / ``a.b[]``)."""
    return (path == outer or not outer or path.startswith(outer + ".")
            or path.startswith(outer + "[") or path.startswith(outer + "{"))


def pattern_of(path: str) -> str:
    """The generic pattern of a path (see :func:`resolve`)."""
    return resolve(path)[0]


def pack_needs(pack: Pack) -> Needs:
    """The generic paths ``pack``'s forms need, and the map keys its rubrics
    know — the pack's own fields included (:mod:`reportgen.pack.fields`)."""
    with S.using(pack.schema):
        return _pack_needs(pack)


def _pack_needs(pack: Pack) -> Needs:
    from reportgen.forms.context import CONTEXT_READS

    needs = Needs(pack.name)
    for name in pack.checks:
        needs.used.update(CHECK_READS.get(name, ()))
    for f in pack.formulas.values():        # the forms print every formula (f.<name>)
        prefix = "projects[]." if f.scope == "project" else ""
        for parsed in [f.value, *f.show.values()]:
            needs.used.update(prefix + n for n in parsed.names if n not in pack.formulas)
    for identity in pack.identities:        # 审核公式 check what is given
        for parsed in (identity.left, identity.right, identity.when):
            if parsed is not None:
                needs.used.update(n for n in parsed.names if n not in pack.formulas)
    for form in pack.forms:
        needs.used.update(("unit.name", "year"))    # every form's file name and heading
        prefix = f"{form.each}[]." if form.each else ""
        base = f"{form.each}[]" if form.each else (form.scope or "")
        for p in CONTEXT_READS.get(form.context, ()):
            needs.used.add(p if inherited(p) or not base else f"{base}.{p}" if p else base)
        if form.rubric is not None:
            needs.used.update({prefix + "weights", prefix + "overrides"})
        paths = list(form.requires) + [k for k, forms in pack.field_forms.items() if form.key in forms]
        for sentence in form.sentences.values():
            paths += sentence.requires
        if form.each:
            needs.paths.add(form.each)
            paths.append("indicators")  # pipeline.evaluated_projects: a form per project with 绩效指标
        if form.national is not None:
            paths += REGISTRY["project_execution_rate"].needed({})
        if form.rubric is not None:
            for ind in form.rubric.indicators():
                paths += ind.needed()
                needs._add_key(prefix + "weights", ind.key, ind.name)
                needs._add_key(prefix + "overrides", ind.key, ind.name)
                if ind.computation.key == "checklist":
                    needs._add_key(prefix + "checklists", ind.key, ind.name)
                    for item in getattr(ind.rule, "items", ()):
                        needs._add_key(f"{prefix}checklists.{ind.key}.points", item.key, item.text)
        needs.paths.update(prefix + p for p in paths)
    return needs


# --------------------------------------------------------------------------
# Keys typed as Chinese names, and unknown keys


#: Maps whose unknown keys are errors: a 要点 answer or an indicator's
#: 评价要点 the rubric does not have would silently score nothing.  (An
#: unknown 设定分值 or 人工评分 key is a warning of the scoring stage: a file
#: may carry them for another pack.)
STRICT_MAPS = {"checklists": ("指标", "定性指标评价要点"), "points": ("要点", "要点")}


def _norm(name: str) -> str:
    """A name compared loosely: NFKC (full-width letters and digits), no
    spaces, quotes or final punctuation."""
    text = unicodedata.normalize("NFKC", str(name))
    return re.sub(r"[\s“”‘’\"'「」『』]|[。．.;；，,]+$", "", text)


def _concrete(unit: Unit, generic: str) -> list[str]:
    """The concrete paths of a generic map path in ``unit``:
    ``projects[].checklists`` → ``projects[0].checklists``, …"""
    if "[]" not in generic:
        return [generic]
    head, _, tail = generic.partition("[]")
    return [p for item in unit.items(head) for p in _concrete(unit, item + tail)]


def _moved(unit: Unit, moves: dict[str, str | None]) -> Unit:
    """``unit`` with the paths below each key of ``moves`` moved to its value
    (None: dropped)."""
    def move(path: str):
        for old, new in moves.items():
            if path == old or path.startswith(old + "."):
                return None if new is None else new + path[len(old):]
        return path

    values = {q: v for p, v in unit.values.items() if (q := move(p)) is not None}
    locs = {q: v for p, v in unit.locs.items() if (q := move(p)) is not None}
    out = Unit(unit.file, values, locs)
    out.prefix, out.base_loc = unit.prefix, unit.base_loc
    return out


def _below(unit: Unit, old: str, new: str) -> list[str]:
    """The value paths under ``old``, as they read when moved to ``new``."""
    return [new + p[len(old):] for p in unit.values if p == old or p.startswith(old + ".")]


_CACHED: dict[int, tuple[weakref.ref, Needs]] = {}


def cached_needs(pack: Pack) -> Needs:
    """:func:`pack_needs` computed once per loaded pack (a batch prepares
    every unit with the same pack); do not change what it returns."""
    entry = _CACHED.get(id(pack))
    if entry is not None and entry[0]() is pack:
        return entry[1]
    needs = pack_needs(pack)
    _CACHED[id(pack)] = (weakref.ref(pack, lambda _, key=id(pack): _CACHED.pop(key, None)), needs)
    return needs


def resolve_names(unit: Unit, needs: Needs) -> tuple[Unit, list[Diagnostic]]:
    """Accept a map key typed as its Chinese name wherever a key is expected
    (评价要点 ``checklists``, their 要点 ``points``, 设定分值 ``weights``,
    人工评分 ``overrides``; the names of the pack's rubrics, compared without
    spaces, quotes and width differences): ``checklists.工作规划合理性`` reads
    as ``checklists.work_plan_soundness``.  A key of ``checklists`` or
    ``points`` that is neither a key nor a name of the pack is an error with
    the closest key or name ("是否应为 …？") and is left out, so it is
    reported once; a key given both ways is an error.

    Returns ``(unit with keys, diagnostics)``.  Outer maps first, so the 要点
    of an indicator typed by name are found under its key.
    """
    diags: list[Diagnostic] = []
    for generic in sorted(needs.map_keys, key=lambda g: g.count(".")):
        known = needs.map_keys[generic]
        kind = generic.rpartition(".")[2].removeprefix("[]")
        keys = {k for k, _ in known}
        by_name = {_norm(zh): k for k, zh in known}
        by_name.update({_norm(k): k for k in keys})
        moves: dict[str, str | None] = {}
        for concrete in _concrete(unit, generic):
            given = unit.keys(concrete)
            for k in given:
                if k in keys:
                    continue
                path = f"{concrete}.{k}"
                target = by_name.get(_norm(k))
                if target is not None:
                    new = f"{concrete}.{target}"
                    taken = set(unit.values) | {p for old, to in moves.items() if to == new
                                                for p in _below(unit, old, new)}
                    if any(q in taken for q in _below(unit, path, new)):
                        diags.append(Diagnostic(f"'{k}' 即 '{target}'（{dict(known)[target]}），"
                                                "同一项填写了两次（只保留一处）",
                                                unit.loc(path), path, dict(known)[target]))
                        moves[path] = None
                    else:       # merged with what is given under the key (a workbook's other rows)
                        moves[path] = new
                    continue
                if kind not in STRICT_MAPS:
                    continue
                what, zh = STRICT_MAPS[kind]
                diags.append(Diagnostic(f"未知{what} '{k}'：模板包 {needs.pack} 没有这个{what}"
                                        + _hint(k, known), unit.loc(path), path, zh))
                moves[path] = None
        if moves:
            unit = _moved(unit, moves)
    return unit, diags


def _hint(typed: str, known: list[tuple[str, str]]) -> str:
    """"，是否应为 'key'（名称）？" for the closest key or name, else the list."""
    import difflib

    names = {k: k for k, _ in known} | {zh: k for k, zh in known}
    match = difflib.get_close_matches(typed, list(names), n=1, cutoff=0.5)
    if match:
        key = names[match[0]]
        return f"，是否应为 '{key}'（{dict(known)[key]}）？"
    listed = "、".join(f"{k}（{zh}）" for k, zh in known[:8])
    return f"（可填: {listed}{' 等' if len(known) > 8 else ''}，键或中文名称均可）"
