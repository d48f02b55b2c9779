"""A commented skeleton unit file for a template pack (单位数据文件模板).

Every field the pack needs (:mod:`needs`) and every field the schema
requires, with its Chinese name and unit in a comment, and an empty value.
An empty value is no value: the file loads, and ``reportgen check`` lists
each one still empty as missing (``缺少数据``, or ``必填字段不能为空`` for
金额单位/年度/单位名称), so nothing left unfilled can slip into a form.
Lists get one item to copy; checklists list the pack's 要点 with their text.
"""

from __future__ import annotations

from reportgen.unitfile import schema as S
from reportgen.collect.layout import uniform_groups
from reportgen.pack.needs import Needs


class _Skeleton:
    def __init__(self, needs: Needs):
        self.needs = needs
        self.notes: dict[str, str] = {}

    def below(self, generic: str) -> bool:
        """Whether something at or below ``generic`` is needed."""
        return any(p == generic or p.startswith(generic + ".") or p.startswith(generic + "[")
                   for p in self.needs.paths)

    def wanted(self, spec, generic: str, whole: bool) -> bool:
        if getattr(spec, "required", False) or self.needs.needs(generic) or self.below(generic):
            return True
        return whole and isinstance(spec, (S.Field, S.Group))

    def group(self, spec: S.Group, generic: str, concrete: str, whole: bool) -> dict:
        whole = whole or (bool(generic) and self.needs.needs(generic))
        out: dict = {}
        for child in spec.fields:
            g = f"{generic}.{child.key}" if generic else child.key
            c = f"{concrete}.{child.key}" if concrete else child.key
            if self.wanted(child, g, whole):
                out[child.key] = self.value(child, g, c, whole)
        return out

    def value(self, spec, generic: str, concrete: str, whole: bool):
        if isinstance(spec, S.Field):
            need = spec.required or self.needs.needs(generic)
            self.notes[concrete] = "必填" if need else "选填"
            if isinstance(spec.type, S.Choice):
                self.notes[concrete] += "，" + " / ".join(spec.type.shown)
            elif isinstance(spec.type, (S.Bool, S.ChecklistAnswer)):
                self.notes[concrete] += "，是 / 否"
            return None
        if isinstance(spec, S.Group):
            if uniform_groups(spec) and self.needs.needs(generic):
                self.notes[concrete] = "必填：按实际填写其中的一项或几项，不适用的可删去"
            return self.group(spec, generic, concrete, whole)
        if isinstance(spec, S.ListOf):
            item_generic, item_concrete = generic + "[]", concrete + "[0]"
            self.notes[concrete] = "每项以 - 开头，可复制增加"
            if isinstance(spec.item, S.Field):
                return [self.value(spec.item, item_generic, item_concrete, whole)]
            inner = any(p.startswith(item_generic + ".") for p in self.needs.paths)
            return [self.group(spec.item, item_generic, item_concrete, whole or not inner)]
        keys = self.needs.map_keys.get(generic.replace("[0]", "[]"), [])
        out = {}
        for key, zh in keys:
            g, c = f"{generic}.{key}", f"{concrete}.{key}"
            if not (self.needs.needs(g) or self.below(g) or self.needs.needs(generic)):
                continue
            out[key] = self.value(spec.value, g, c, True)
            if isinstance(spec.value, S.Field):
                self.notes[c] = f"{zh}；" + self.notes.get(c, "")
            else:
                self.notes[c] = zh
        return out


def skeleton(needs: Needs, pack_title: str) -> tuple[dict, dict[str, str], str]:
    """``(raw tree, notes, header)`` of a skeleton unit file for the pack:
    empty values (None) for every field it needs, notes (必填/选填, options,
    要点 text) per concrete path for :func:`unitfile.dump_unit`."""
    s = _Skeleton(needs)
    raw = s.group(S.active(), "", "", False)
    header = (f"单位数据文件模板：{pack_title}（模板包 {needs.pack}）\n"
              "在每个冒号后填写原始数据；注释中是中文名、单位和 必填/选填。金额按 money_unit 填写。\n"
              "留空的项目不算填写：reportgen check 会逐项列出仍缺少的数据。\n"
              f"填好后运行：reportgen check 本文件 --template {needs.pack}")
    return raw, s.notes, header
