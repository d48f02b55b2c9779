"""A sample unit for checking a pack's patterns (样例数据).

``reportgen templates check`` renders every sentence and display pattern of
a pack before any unit does.  The values come from a unit file made here:
every field of the pack's unit schema (``pack.schema``: the core fields and
the pack's own) filled with a sample of its
declared type (金额 100, 人数 10, 百分比 95%, 日期, the first of a choice's
options, a real 科目编码 of the right length, 是 for 是/否, text for text;
each list with one item, each map with the keys the pack's rubrics give it),
read by the ordinary loader and validator.  So the patterns receive what
they receive for a real unit — the same builders, the same types (display
text, ``int`` years and head counts, lists of rows) — without a bundled
example having to fit the pack.
"""

from __future__ import annotations

from reportgen.compute.final_accounts import classification
from reportgen.pack.needs import Needs, pack_needs
from reportgen.pack.packs import Pack
from reportgen.unitfile import schema as S
from reportgen.unitfile.load import parse_yaml
from reportgen.unitfile.tree import dump_unit
from reportgen.unitfile.validate import Unit, validate

SAMPLE_YEAR = 2021
SAMPLE_FILE = "样例数据"

#: Text fields whose text is parsed: 绩效指标 targets and results.
_TEXT = {"target": "≥10次", "adjusted_target": "≥10次", "actual": "12次"}

#: Maps left empty: a hand score or a changed weight would change the scores.
_SKIPPED_MAPS = ("weights", "overrides")


def _code(digits: int) -> str:
    cls = classification()
    table = cls.economic if digits == 5 else cls.functional
    return next((c for c in table if len(c) == digits), "1" * digits)


def _scalar(field: S.Field) -> str:
    t = field.type
    if isinstance(t, S.Choice):
        return t.options[0]
    if isinstance(t, (S.Bool, S.ChecklistAnswer)):
        return "是"
    if isinstance(t, S.Money):
        return "100"
    if isinstance(t, (S.Count, S.Number)):
        return "10"
    if isinstance(t, S.Percent):
        return "95%"
    if isinstance(t, S.Date):
        return f"{SAMPLE_YEAR}-06-30"
    if isinstance(t, S.Year):
        return str(SAMPLE_YEAR)
    if isinstance(t, S.Code):
        return _code(t.digits)
    return _TEXT.get(field.key, f"示例{field.zh}")


def _value(spec, generic: str, needs: Needs):
    if isinstance(spec, S.Field):
        return _scalar(spec)
    if isinstance(spec, S.Group):
        return {c.key: _value(c, f"{generic}.{c.key}" if generic else c.key, needs) for c in spec.fields}
    if isinstance(spec, S.ListOf):
        return [_value(spec.item, generic + "[]", needs)]
    if generic.rpartition(".")[2] in _SKIPPED_MAPS:
        return {}
    return {key: _value(spec.value, f"{generic}.{key}", needs) for key, _ in needs.map_keys.get(generic, [])}


def _fit(raw: dict, pack: Pack) -> None:
    """What the pack's rules require of the data beyond its types: one
    支付进度 row per checkpoint date of a ``checkpoints`` rule; under
    ``explicit`` national weighting, 绩效指标 weights adding up to the
    indicators' total."""
    for form in pack.forms:
        base = raw["projects"][0] if form.each else raw.get(form.scope, raw) if form.scope else raw
        if form.national is not None and isinstance(base.get("indicators"), list):
            for item in base["indicators"]:
                item["weight"] = str(form.national.indicator_weight)
        for ind in form.rubric.indicators() if form.rubric is not None else ():
            checkpoints = getattr(ind.rule, "checkpoints", None)
            rows = base.get(ind.needed()[0]) if checkpoints and ind.needed() else None
            if isinstance(rows, list) and rows and isinstance(rows[0], dict):
                base[ind.needed()[0]] = [dict(rows[0], date=f"{SAMPLE_YEAR}-{c.month:02d}-{c.day:02d}")
                                         for c in checkpoints]


def sample_unit(pack: Pack) -> Unit | None:
    """A unit with every field of the schema given a sample value, the
    pack's checklists answered 是 and its rules' own needs met
    (:func:`_fit`); None if the sample does not load."""
    with S.using(pack.schema):
        raw = _value(pack.schema, "", pack_needs(pack))
        _fit(raw, pack)
        text, _ = dump_unit(raw, "", comments=False)
        root, _ = parse_yaml(text, SAMPLE_FILE)
        unit, _ = validate(root, SAMPLE_FILE)
    return unit
