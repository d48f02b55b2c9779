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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reportgen.unitfile import schema as S
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
        """Whether any needed path lies in the top-level section ``key``."""
        return any(p == key or p.startswith(key + ".") or p.startswith(key + "[") for p in self.paths)


def resolve(path: str) -> tuple[str, object]:
    """``(pattern, spec)`` of a path: the generic pattern with every map key
    replaced by ``{}`` (``projects[].checklists.goal_fit.points.x`` →
    ``projects[].checklists.{}.points.{}``) and the schema entry there
    (None for a path the schema does not have)."""
    out: list[str] = []
    spec = S.active()
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


def pattern_of(path: str) -> str:
    """The generic pattern of a path (see :func:`resolve`)."""
    return resolve(path)[0]


def pack_needs(pack: Pack) -> Needs:
    """The generic paths ``pack``'s forms need, and the map keys its rubrics
    know — the pack's own fields included (:mod:`reportgen.pack.fields`)."""
    with S.using(pack.schema):
        return _pack_needs(pack)


def _pack_needs(pack: Pack) -> Needs:
    needs = Needs(pack.name)
    for form in pack.forms:
        prefix = f"{form.each}[]." if form.each else ""
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
