"""Stage 1, load: read a YAML file into a tree of nodes that remember their place.

Only the YAML *structure* is used here; no scalar is converted.  The text of
every scalar is kept as typed, so the validate stage turns it into a Decimal,
a date or a string according to the field's declared type — a float never
exists, and YAML 1.1 surprises (``no`` → False, ``1_000`` → 1000, ``0o17``)
cannot slip through.  Duplicate keys are reported, not silently overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from reportgen.errors import Diagnostic, Loc, display_path


@dataclass
class Node:
    loc: Loc


@dataclass
class Scalar(Node):
    """A scalar exactly as typed. ``quoted`` scalars are always text."""

    text: str
    quoted: bool = False

    @property
    def is_null(self) -> bool:
        return not self.quoted and self.text in ("", "~", "null", "Null", "NULL")


@dataclass
class Mapping(Node):
    """Key → node, in file order; ``key_locs`` holds where each key stands."""

    items: dict[str, Node] = field(default_factory=dict)
    key_locs: dict[str, Loc] = field(default_factory=dict)


@dataclass
class Sequence(Node):
    items: list[Node] = field(default_factory=list)


def _loc(file: str, mark) -> Loc:
    return Loc(file, mark.line + 1, mark.column + 1)


def _convert(node: yaml.Node, file: str, diags: list[Diagnostic], path: str = "") -> Node:
    loc = _loc(file, node.start_mark)
    if isinstance(node, yaml.ScalarNode):
        return Scalar(loc, node.value, quoted=node.style in ("'", '"', "|", ">"))
    if isinstance(node, yaml.SequenceNode):
        return Sequence(loc, [_convert(n, file, diags, f"{path}[{i}]")
                              for i, n in enumerate(node.value)])
    mapping = Mapping(loc)
    for key_node, value_node in node.value:
        key_loc = _loc(file, key_node.start_mark)
        if not isinstance(key_node, yaml.ScalarNode):
            diags.append(Diagnostic("键必须是简单文字（key must be a plain name）", key_loc))
            continue
        key = key_node.value
        key_path = f"{path}.{key}" if path else key
        if key in mapping.items:
            first = mapping.key_locs[key]
            diags.append(Diagnostic(
                f"重复的键 '{key}'（duplicate key; first given at line {first.line}）",
                key_loc, path=key_path))
            continue
        mapping.items[key] = _convert(value_node, file, diags, key_path)
        mapping.key_locs[key] = key_loc
    return mapping


def _compose(text: str) -> yaml.Node | None:
    """Compose ``text`` with libyaml when PyYAML has it (about ten times
    faster; a large part of a single ``reportgen render``), else in Python.
    A document libyaml rejects is composed again in Python, so syntax errors
    carry PyYAML's messages and marks whichever parser is installed."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def parse_yaml(text: str, file: str) -> tuple[Node | None, list[Diagnostic]]:
    """Parse YAML ``text``; ``file`` names it in diagnostics.

    Returns the root node (None for an empty or unreadable document) and the
    problems found: YAML syntax errors (with line and column), duplicate keys,
    non-scalar keys.
    """
    diags: list[Diagnostic] = []
    text = text.lstrip("\ufeff")
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = _loc(file, mark) if mark else Loc(file)
        problem = exc.problem or exc.context or "YAML 语法错误"
        return None, [Diagnostic(f"YAML 语法错误（syntax error）: {problem}", loc)]
    except yaml.YAMLError as exc:  # e.g. more than one document
        return None, [Diagnostic(f"YAML 语法错误（syntax error）: {exc}", Loc(file))]
    if root is None:
        return None, [Diagnostic("文件为空（the file is empty）", Loc(file))]
    return _convert(root, file, diags), diags


def load_yaml_file(path: str | Path) -> tuple[Node | None, list[Diagnostic]]:
    """Read a UTF-8 YAML file (a BOM is accepted) into a node tree.

    Returns ``(root, diagnostics)``; a missing file or one that is not UTF-8
    (e.g. saved as GBK) is a diagnostic, not an exception.
    """
    name = display_path(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return None, [Diagnostic(f"无法读取文件（cannot read）: {exc.strerror}", Loc(name))]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Diagnostic(
            "文件不是 UTF-8 编码（not UTF-8; save it as UTF-8, e.g. in WPS/记事本 另存为 UTF-8）",
            Loc(name, line))]
    return parse_yaml(text, name)
