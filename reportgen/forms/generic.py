"""The generic part of every form's context: what any template may print without code.

Every template receives, besides its layout's own variables
(:data:`reportgen.forms.context.CONTEXTS`):

* ``fields`` — every raw field the unit gives, as printed: amounts in 万元
  (2 decimals, half-up), ratios in %, counts as whole numbers, dates as
  2021-06-29, 是/否; nested as in the unit file (``fields.budget.initial``,
  ``fields.projects[0].name`` as ``fields.projects`` items);
* ``f`` — every formula of the pack (:mod:`reportgen.pack.formulas`), as
  printed (不适用 for a zero denominator; empty when its fields are missing);
* ``sentences`` — the form's generated sentences by name;
* ``tables`` — the tables the form declares in ``pack.yaml``
  (:mod:`reportgen.forms.tables`);
* ``rubric`` — the scored indicator tree (一级 ``sections`` → 二级 ``blocks``
  → 三级 ``indicators``, each with ``name``, ``ref_weight``, ``weight``,
  ``score``; indicators also ``key`` and ``analysis``), ``total`` and
  ``grade``, when the form is scored by a rubric.

:func:`generic_variables` lists the same paths from the pack alone, so
``templates check`` knows what a template may use before any unit exists.
"""

from __future__ import annotations

import re

from reportgen import numbers as N
from reportgen.compute.score import Scorecard
from reportgen.forms.cells import date_text
from reportgen.forms.tables import build_tables
from reportgen.pack.expressions import Quantity
from reportgen.pack.formulas import displays, kind_of_field
from reportgen.unitfile import schema as S

_INDEX = re.compile(r"^(.*)\[(\d+)\]$")


def _map_paths() -> tuple[str, ...]:
    """The generic paths of keyed maps (评价要点, 设定分值, 人工评分 …): their
    keys are the unit's, so their answers reach a form through the rubric,
    not through ``fields``."""
    return tuple(p + "." for p, spec in S.walk() if isinstance(spec, S.MapOf))


def field_texts(u) -> dict:
    """Every value of unit ``u`` as printed, nested by path (keyed maps left out)."""
    out: dict = {}
    maps = _map_paths()
    for path, value in u.values.items():
        if re.sub(r"\[\d+\]", "[]", u.full_path(path)).startswith(maps):
            continue
        kind = kind_of_field(u.full_path(path))
        if kind == "date":
            text = date_text(value)
        elif kind in ("amount", "ratio", "count", "number", "bool"):
            text = Quantity(value if kind == "bool" else N.ZERO + value, kind).display()
        else:
            text = str(value)
        node = out
        parts = path.split(".")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            m = _INDEX.match(part)
            if m:
                items = node.setdefault(m[1], [])
                index = int(m[2])
                while len(items) <= index:
                    items.append({})
                if last:
                    items[index] = text
                else:
                    node = items[index] if isinstance(items[index], dict) else {}
                continue
            if last:
                node[part] = text
            else:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    break
    return out


def rubric_tree(card) -> dict | None:
    """A scored rubric as the template reads it (see the module docstring)."""
    if not isinstance(card, Scorecard):
        return None
    return {
        "total": N.score(card.total), "total_weight": N.plain(card.total_weight), "grade": card.grade,
        "sections": [{
            "name": s.name, "ref_weight": N.plain(s.ref_weight), "weight": N.plain(s.weight),
            "score": N.score(s.score),
            "blocks": [{
                "name": b.name, "ref_weight": N.plain(b.ref_weight), "weight": N.plain(b.weight),
                "score": N.score(b.score),
                "indicators": [{"key": i.indicator.key, "name": i.indicator.name,
                                "ref_weight": N.plain(i.ref_weight), "weight": N.plain(i.weight),
                                "score": N.score(i.score), "analysis": i.analysis} for i in b.indicators],
            } for b in s.blocks],
        } for s in card.sections],
    }


def generic_context(u, card, texts: dict, form) -> dict:
    """The generic part of a form's context (see the module docstring)."""
    formulas = form.formulas if form is not None else {}
    scope = "project" if u.prefix.startswith("projects[") else "unit"
    return {"fields": field_texts(u), "f": displays(u, formulas, scope), "sentences": dict(texts),
            "tables": build_tables(u, form.tables if form is not None else {}, formulas),
            "rubric": rubric_tree(card)}


RUBRIC_VARIABLES = frozenset({
    "rubric", "rubric.total", "rubric.total_weight", "rubric.grade", "rubric.sections", "rubric.sections[]",
    *(f"rubric.sections[].{k}" for k in ("name", "ref_weight", "weight", "score", "blocks")),
    "rubric.sections[].blocks[]",
    *(f"rubric.sections[].blocks[].{k}" for k in ("name", "ref_weight", "weight", "score", "indicators")),
    "rubric.sections[].blocks[].indicators[]",
    *(f"rubric.sections[].blocks[].indicators[].{k}"
      for k in ("key", "name", "ref_weight", "weight", "score", "analysis")),
})


def generic_variables(form, schema: S.Group) -> frozenset[str]:
    """Every variable path the generic context of ``form`` may hold, from
    the pack alone: its schema's fields (for a per-item form, the item's
    fields and the inherited ``year``/``unit``), formulas, sentences,
    tables and, for a rubric form, the rubric tree."""
    out = {"fields", "f", "sentences", "tables", "rubric"}
    prefix = f"{form.each}[]." if form.each else (f"{form.scope}." if form.scope else "")
    maps = tuple(p + "." for p, spec in S.walk(schema) if isinstance(spec, S.MapOf))
    for path, spec in S.walk(schema):
        if path.startswith(maps) or isinstance(spec, S.MapOf):
            continue
        if prefix and not path.startswith(prefix):
            # what a per-item view inherits from the file (validate.Unit.scoped)
            if not (path in ("year", "money_unit") or path.startswith(("unit.", "evaluators"))):
                continue
        rel = path[len(prefix):] if prefix and path.startswith(prefix) else path
        out.add("fields." + rel)
        if isinstance(spec, S.ListOf):
            out.add("fields." + rel + "[]")
    out.add("fields.unit")
    scope = "project" if form.each else "unit"
    out |= {f"f.{k}" for k, f in form.formulas.items() if f.scope == scope and not f.parts}
    out |= {f"sentences.{k}" for k in form.sentences}
    for t in form.tables.values():
        out |= t.variables()
    if form.rubric is not None:
        out |= RUBRIC_VARIABLES
    return frozenset(out)
