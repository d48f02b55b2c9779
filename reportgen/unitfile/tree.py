"""Unit files as plain trees (原始数据树), and writing them back as YAML.

A *raw tree* is a unit file's content before validation: a ``dict`` for a
Group or MapOf, a ``list`` for a ListOf, the scalar text exactly as typed
(``str``) for a Field, ``None`` for an empty value.  The workbook is filled
from one and the importer builds one; :func:`dump_unit` writes one as a
commented YAML unit file in schema order, remembering which line holds which
field so diagnostics about the written text can be traced back.
"""

from __future__ import annotations

import json
import re

from reportgen.unitfile import schema as S
from reportgen.unitfile.load import Mapping, Node, Scalar, Sequence


def node_to_raw(node: Node | None):
    """A loaded node tree (:mod:`load`) → raw tree (texts as typed, nulls as None)."""
    if node is None:
        return None
    if isinstance(node, Scalar):
        return None if node.is_null else node.text
    if isinstance(node, Sequence):
        return [node_to_raw(n) for n in node.items]
    if isinstance(node, Mapping):
        return {k: node_to_raw(v) for k, v in node.items.items()}
    return None


def get_path(raw, path: str):
    """The raw value at a dotted path without list indices (``staffing.prior.retired``); None if absent."""
    for key in path.split(".") if path else ():
        if not isinstance(raw, dict):
            return None
        raw = raw.get(key)
    return raw


def container(raw: dict, path: str, kind: type):
    """The dict/list at ``path`` below ``raw``, created (with its parents) if absent."""
    keys = path.split(".")
    for key in keys[:-1]:
        raw = raw.setdefault(key, {})
    return raw.setdefault(keys[-1], kind())


def unit_label(field: S.Field, money_unit: str) -> str:
    """The unit a field is counted in, as shown beside it: 万元/元 for money
    (the file's money unit), else the schema's unit (人, %, 分 …) or 日期."""
    if field.unit == "money":
        return money_unit
    if field.unit:
        return field.unit
    return "日期" if isinstance(field.type, S.Date) else ""


_PLAIN = re.compile(r"^[\w\u3000-\u303f\uff08\uff09（）.%+\-/]+$")
_NULLS = {"", "~", "null", "Null", "NULL"}


def scalar_yaml(text: str) -> str:
    """``text`` as a YAML scalar: plain when it reads back as the same text
    (numbers, dates, words), else double-quoted with JSON escapes."""
    if (_PLAIN.match(text) and text not in _NULLS and not text.startswith(("-", "%", "."))
            or re.fullmatch(r"-\d[\d.]*", text)):
        return text
    return json.dumps(text, ensure_ascii=False)


def key_yaml(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z_][\w-]*", key) else json.dumps(key, ensure_ascii=False)


class _Emitter:
    def __init__(self, money_unit: str, comments: bool, keep_empty: bool, notes: dict[str, str]):
        self.money_unit = money_unit
        self.comments = comments
        self.keep_empty = keep_empty
        self.notes = notes
        self.lines: list[str] = []
        self.line_paths: list[str] = []

    def add(self, text: str, path: str) -> None:
        self.lines.append(text)
        self.line_paths.append(path)

    def comment(self, spec, path: str) -> str:
        if not self.comments:
            return ""
        zh = spec.zh
        if isinstance(spec, S.Field):
            unit = unit_label(spec, self.money_unit)
            if unit:
                zh += f"（{unit}）"
        note = self.notes.get(path, "")
        return f"  # {zh}" + (f"；{note}" if note else "")

    def empty(self, raw) -> bool:
        if raw is None:
            return not self.keep_empty
        if isinstance(raw, (dict, list)):
            return not raw and not self.keep_empty
        return False

    def value(self, spec, raw, path: str, indent: int, head: str) -> None:
        """Emit ``head`` (``key:`` or ``-``) and ``raw`` below it."""
        pad = " " * indent
        if isinstance(spec, S.Field) or not isinstance(raw, (dict, list)):
            text = "" if raw is None else " " + scalar_yaml(raw)
            self.add(f"{pad}{head}{text}{self.comment(spec, path)}".rstrip(), path)
            return
        if isinstance(raw, list):
            self.add(f"{pad}{head}{self.comment(spec, path)}", path)
            item = spec.item
            for i, sub in enumerate(raw):
                self.value(item, sub, f"{path}[{i}]", indent + 2, "-")
            return
        entries: list[tuple[str, object, object]] = []
        if isinstance(spec, S.MapOf):
            entries = [(k, spec.value, v) for k, v in raw.items()]
        else:
            entries = [(f.key, f, raw[f.key]) for f in spec.fields if f.key in raw]
        entries = [e for e in entries if not self.empty(e[2])]
        if head == "-":
            # the first entry goes on the dash's line
            if not entries:
                self.add(f"{pad}- {{}}", path)
                return
            first = len(self.lines)
            self.entries(entries, path, indent + 2)
            self.lines[first] = f"{pad}- " + self.lines[first][indent + 2:]
            return
        if head:
            self.add(f"{pad}{head}{self.comment(spec, path)}", path)
            indent += 2
        self.entries(entries, path, indent)

    def entries(self, entries, path: str, indent: int) -> None:
        for key, spec, sub in entries:
            sub_path = f"{path}.{key}" if path else key
            self.value(spec, sub, sub_path, indent, f"{key_yaml(key)}:")


def dump_unit(raw: dict, header: str, comments: bool = True, keep_empty: bool = False,
              notes: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """Write a raw tree as a unit file.

    ``header`` becomes the leading comment lines.  With ``comments`` each key
    gets its Chinese name (and unit) as a trailing comment; ``keep_empty``
    writes empty values as ``key:`` (a skeleton); ``notes`` maps a concrete
    path to extra comment text.  Returns ``(text, line_paths)``: for each
    line (index 0 = line 1) the concrete dotted path it writes, "" for a
    comment.  Keys are written in schema order, map keys in the tree's order.
    """
    money_unit = raw.get("money_unit") or "万元"
    e = _Emitter(money_unit if money_unit in ("万元", "元") else "万元", comments, keep_empty, notes or {})
    for line in header.splitlines():
        e.add(f"# {line}".rstrip(), "")
    e.value(S.active(), raw, "", 0, "")
    return "\n".join(e.lines) + "\n", e.line_paths
