"""Reviewers' comments (审核意见) at the figures they concern.

A comment names a field path (``budget.executed``,
``projects[0].indicators[2].target``, ``overrides.staff_control_rate``) or
none (a general comment).  Here: the figures a reviewer may pick
(:func:`comment_targets`), each comment with its place in the unit's web
form (:func:`placed_comments`), and the problems of the check with the
comments at their fields (:func:`annotate`).  The unit page, the review page
and the web form (:mod:`figures`) show them from these.
"""

from __future__ import annotations

from reportgen.web import engine, formspec
from reportgen.web.models import Unit


def comment_targets(unit: Unit, picked: str = "") -> list[tuple[str, list[tuple[str, str]]]]:
    """The figures a reviewer may comment on, for a select: ``[(group,
    [(field path, label)])]`` — the figure ``picked`` (from 批注 beside it in
    the form) when it is not listed, the fields of the check's problems and
    of the 人工评分, then every input of the unit's form by sheet that is
    filled in (or on a sheet the pack uses)."""
    pack = engine.round_pack(unit.round.pack_hash)
    form = formspec.build(pack, engine.raw_of(unit.data_yaml) if unit.data_yaml else None)
    seen: set[str] = set()

    def label(path: str) -> str:
        return f"{form.place(path).removeprefix(formspec.SOURCE + ' › ')}（{path}）"

    found = []
    for p in unit.problems:
        if p["field"] and p["field"] not in seen:
            seen.add(p["field"])
            found.append((p["field"], f"{p['severity']}：{label(p['field'])}"))
    for o in unit.overrides:
        path = f"overrides.{o['key']}"
        if path not in seen:
            seen.add(path)
            found.append((path, f"人工评分：{o['form']} · {o['name']}（{path}）"))
    out = [("核对结果和人工评分涉及的数据", found)] if found else []

    def rows(block, acc):
        for row in block.rows:
            for c in row.cells:
                if c.value:
                    acc.append((c.path, c.place))
            for ch in row.children:
                rows(ch, acc)

    for s in form.sections:
        acc = [(i.path, i.place) for i in s.inputs if not i.heading and (s.in_use or i.value)]
        if s.block is not None:
            rows(s.block, acc)
        acc = [(p, f"{where}（{p}）") for p, where in acc if p not in seen]
        if acc:
            out.append((s.title, acc))
    if picked and not any(picked == p for _, opts in out for p, _ in opts):
        out.insert(0, ("所选数据", [(picked, label(picked))]))
    return out


def placed_comments(unit: Unit) -> list[dict]:
    """The unit's comments (审核意见), newest first, as ``{c: Comment, zh:
    中文名 of its field, where: the place of a problem of that field, place:
    where the field is in the web form, in words, anchor: the id of its
    input there}`` (all "" for a general comment)."""
    comments = list(unit.comments.select_related("author"))
    form = None
    if any(c.field for c in comments):
        form = formspec.build(engine.round_pack(unit.round.pack_hash),
                              engine.raw_of(unit.data_yaml) if unit.data_yaml else None)
    out = []
    for c in comments:
        x = {"c": c, "zh": "", "where": "", "place": "", "anchor": ""}
        if c.field and form is not None:
            x["place"] = form.place(c.field).removeprefix(formspec.SOURCE + " › ")
            x["anchor"] = form.anchor(c.field)
            x["zh"] = engine.field_name(unit.round.pack_hash, c.field) or x["place"].rpartition(" › ")[2]
            x["where"] = next((p["where"] for p in unit.problems if p["field"] == c.field), "")
        out.append(x)
    return out


def annotate(problems: list[dict], comments: list[dict]) -> list[dict]:
    """``problems`` each with the comments at its field (``comments``: :func:`placed_comments`)."""
    out = []
    for p in problems:
        at = [x for x in comments if x["c"].field and p["field"] and (
            p["field"] == x["c"].field or p["field"].startswith((x["c"].field + ".", x["c"].field + "[")))]
        out.append({**p, "comments": at})
    return out
