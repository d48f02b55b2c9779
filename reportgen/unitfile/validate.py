"""Stage 2, validate: check a loaded node tree against the unit schema.

The result is a :class:`Unit`: plain Python values (Decimal amounts in 元,
ints, ratios, dates, text) addressed by dotted path, each remembering the
line it came from so later stages can point at it.  Every problem in the file
is collected; nothing stops at the first.
"""

from __future__ import annotations

import re

from dataclasses import replace
from pathlib import Path

from reportgen.unitfile import schema as S
from reportgen.errors import Diagnostic, Loc, display_path
from reportgen.unitfile.hints import colon_hint
from reportgen.unitfile.load import Mapping, Node, Scalar, Sequence, load_yaml_file


def inherited(path: str) -> bool:
    """Whether a scoped view (:meth:`Unit.scoped`) reads ``path`` from the
    whole file: ``year``, ``money_unit``, ``unit.*`` and the 评价人员."""
    return (path in ("year", "money_unit", "unit") or path.startswith("unit.")
            or path.startswith("evaluators"))


class Unit:
    """A validated unit file.

    ``values`` maps each dotted path (``budget.initial``,
    ``projects[0].name``) to its value; amounts are Decimal 元, percentages
    Decimal ratios.  ``locs`` maps the same paths (and every group/list path)
    to where they stand in the file.
    """

    def __init__(self, file: str, values: dict[str, object], locs: dict[str, Loc]):
        self.file = file
        self.values = values
        self.locs = locs
        self.prefix = ""                    # set on a scoped view: "projects[1]"
        self.base_loc: Loc | None = None    # where a scoped view's item stands
        self._keys: dict[str, list[str]] | None = None   # map path → its keys, built on first use

    # -- lookup ------------------------------------------------------------
    def get(self, path: str, default=None):
        return self.values.get(path, default)

    def __getitem__(self, path: str):
        return self.values[path]

    def has(self, path: str) -> bool:
        """Whether the scalar field ``path`` has a value."""
        return path in self.values

    def given(self, path: str) -> bool:
        """Whether ``path`` — a value, group or list — is written in the file."""
        return path in self.values or path in self.locs

    def loc(self, path: str) -> Loc:
        """Where ``path`` (or its nearest given parent) stands in the file."""
        while path:
            if path in self.locs:
                return self.locs[path]
            path = path.rpartition(".")[0]
        return self.base_loc or Loc(self.file)

    def count(self, list_path: str) -> int:
        """Number of items in a list field."""
        n = 0
        while f"{list_path}[{n}]" in self.locs:
            n += 1
        return n

    def items(self, list_path: str) -> list[str]:
        """The item paths of a list field: ``["projects[0]", …]``."""
        return [f"{list_path}[{i}]" for i in range(self.count(list_path))]

    def keys(self, map_path: str) -> list[str]:
        """The keys given under a MapOf field, in file order."""
        if self._keys is None:
            # one pass over the paths, so a file with many maps stays linear
            index: dict[str, dict[str, None]] = {}
            for p in self.locs:
                parts = p.split(".")
                for i in range(1, len(parts)):
                    index.setdefault(".".join(parts[:i]), {})[parts[i]] = None
            self._keys = {k: list(v) for k, v in index.items()}
        return list(self._keys.get(map_path, ()))

    def tree(self) -> dict:
        """Every value of the unit as nested dicts and lists (``{"final_accounts":
        {"units": [{"name": …}, …]}}``): amounts Decimal 元, rates Decimal
        ratios, as :attr:`values`.  What a pack's sentences read as ``d``."""
        root: dict = {}
        for path, value in self.values.items():
            node = root
            parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
            for part, following in zip(parts, parts[1:] + [None]):
                if following is None:
                    break
                key = int(part[1:-1]) if part.startswith("[") else part
                fresh = [] if following.startswith("[") else {}
                if isinstance(node, list):
                    while len(node) <= key:
                        node.append(None)
                    node[key] = node[key] if node[key] is not None else fresh
                    node = node[key]
                else:
                    node = node.setdefault(key, fresh)
            last = parts[-1]
            if last.startswith("["):
                i = int(last[1:-1])
                while len(node) <= i:
                    node.append(None)
                node[i] = value
            else:
                node[last] = value
        return root

    def scoped(self, prefix: str) -> "Unit":
        """A view of one item (``projects[1]``) as a unit of its own: its
        fields under their own names, plus the file's ``year``,
        ``money_unit`` and ``unit.*`` — so a rubric written for a project
        reads ``funds.city_county.budget``; the unit's 评价人员 sign the
        project forms too.  ``prefix`` is kept so
        diagnostics can be given their full path again."""
        head = prefix + "."
        groups = self._groups()
        if "." in prefix or "[" in prefix.partition("[")[2]:   # a nested prefix: scan everything
            values = {k[len(head):]: v for k, v in self.values.items() if k.startswith(head)}
            locs = {k[len(head):]: v for k, v in self.locs.items() if k.startswith(head)}
        else:                                                  # one group: no scan of the file
            own_values, own_locs = groups.get(prefix, ({}, {}))
            values = {k[len(head):]: v for k, v in own_values.items() if k.startswith(head)}
            locs = {k[len(head):]: v for k, v in own_locs.items() if k.startswith(head)}
        for name, (group_values, group_locs) in groups.items():
            if name in ("year", "money_unit", "unit") or name.startswith("evaluators"):
                for k, v in group_values.items():
                    if inherited(k) and k not in values:
                        values[k] = v
            if name.startswith("evaluators"):
                for k, v in group_locs.items():
                    if k not in locs:
                        locs[k] = v
        view = Unit(self.file, values, locs)
        view.prefix = prefix
        view.base_loc = self.loc(prefix)
        return view

    def _groups(self) -> dict[str, tuple[dict, dict]]:
        """Values and locs grouped by the first part of their path
        (``projects[3]``, ``unit``, ``year``), built once, so scoping every
        project of a long file is linear, not quadratic."""
        cached = getattr(self, "_group_cache", None)
        if cached is None or cached[0] != (len(self.values), len(self.locs)):
            groups: dict[str, tuple[dict, dict]] = {}
            for k, v in self.values.items():
                groups.setdefault(k.split(".", 1)[0], ({}, {}))[0][k] = v
            for k, v in self.locs.items():
                groups.setdefault(k.split(".", 1)[0], ({}, {}))[1][k] = v
            cached = self._group_cache = ((len(self.values), len(self.locs)), groups)
        return cached[1]

    def full_path(self, path: str) -> str:
        """A path of this (possibly scoped) unit as written in the file."""
        return f"{self.prefix}.{path}" if self.prefix and path else (path or self.prefix)

    @property
    def year(self) -> int:
        return self.values["year"]

    @property
    def name(self) -> str:
        return self.values["unit.name"]


class _Validator:
    def __init__(self, file: str, money_unit: str):
        self.file = file
        self.money_unit = money_unit
        self.values: dict[str, object] = {}
        self.locs: dict[str, Loc] = {}
        self.diags: list[Diagnostic] = []

    def error(self, message: str, loc: Loc, path: str, zh: str) -> None:
        self.diags.append(Diagnostic(message, loc, path=path, zh=zh))

    def group(self, spec, node: Node, path: str, key_loc: Loc | None = None) -> None:
        if not isinstance(node, Mapping):
            if isinstance(node, Scalar) and node.is_null:
                return
            hint = colon_hint(node.text) if isinstance(node, Scalar) else ""
            self.error("应为一组字段（mapping），实为单个值或列表" + hint, node.loc, path, spec.zh)
            return
        self.locs[path] = key_loc or node.loc
        known = {f.key: f for f in spec.fields}
        for key, child in node.items.items():
            child_path = f"{path}.{key}" if path else key
            f = known.get(key)
            if f is None:
                hint = _closest(key, known)
                msg = f"未知字段 '{key}'（unknown field）"
                if hint:
                    msg += f"，是否应为 '{hint}'（{known[hint].zh}）？"
                self.error(msg, node.key_locs[key], child_path, "")
                continue
            self.any(f, child, child_path, node.key_locs[key])
        for f in spec.fields:
            if getattr(f, "required", False) and f.key not in node.items:
                child_path = f"{path}.{f.key}" if path else f.key
                self.error("缺少必填字段（missing required field）", node.loc, child_path, f.zh)

    def any(self, spec, node: Node, path: str, key_loc: Loc) -> None:
        if isinstance(spec, S.Field):
            self.field(spec, node, path, key_loc)
        elif isinstance(spec, S.Group):
            self.group(spec, node, path, key_loc)
        elif isinstance(spec, S.ListOf):
            self.list(spec, node, path, key_loc)
        else:
            self.map(spec, node, path, key_loc)

    def field(self, spec: S.Field, node: Node, path: str, key_loc: Loc) -> None:
        if isinstance(node, Scalar):
            if node.is_null:
                if spec.required:
                    self.error("必填字段不能为空（must not be empty）", node.loc, path, spec.zh)
                return
            value, problem = spec.type.convert(node.text, self.money_unit)
            if problem:
                self.error(problem, node.loc, path, spec.zh)
                return
            self.values[path] = value
            self.locs[path] = node.loc
            return
        kind = "列表" if isinstance(node, Sequence) else "一组字段"
        self.error(f"应为单个{spec.type.zh}，实为{kind}", node.loc, path, spec.zh)

    def list(self, spec: S.ListOf, node: Node, path: str, key_loc: Loc) -> None:
        if isinstance(node, Scalar) and node.is_null:
            return
        if not isinstance(node, Sequence):
            self.error("应为列表（每项以 - 开头）", node.loc, path, spec.zh)
            return
        self.locs[path] = key_loc
        for i, item in enumerate(node.items):
            item_path = f"{path}[{i}]"
            self.locs[item_path] = item.loc
            self.any(spec.item, item, item_path, item.loc)

    def map(self, spec: S.MapOf, node: Node, path: str, key_loc: Loc) -> None:
        if isinstance(node, Scalar) and node.is_null:
            return
        if not isinstance(node, Mapping):
            self.error("应为一组“键: 值”", node.loc, path, spec.zh)
            return
        self.locs[path] = key_loc
        for key, child in node.items.items():
            child_path = f"{path}.{key}"
            self.locs[child_path] = node.key_locs[key]
            self.any(spec.value, child, child_path, node.key_locs[key])


def _closest(key: str, known: dict) -> str | None:
    import difflib

    match = difflib.get_close_matches(key, list(known), n=1, cutoff=0.75)
    return match[0] if match else None


def validate(root: Node | None, file: str) -> tuple[Unit | None, list[Diagnostic]]:
    """Check ``root`` against the active unit schema (:func:`schema.active`: the core plus the pack's fields).

    Returns the Unit (None if the file's money unit cannot be read) and every
    problem found, each with file:line:col, the dotted path and the Chinese
    name of the field.
    """
    if root is None:
        return None, []
    if not isinstance(root, Mapping):
        hint = colon_hint(root.text) if isinstance(root, Scalar) else ""
        return None, [Diagnostic("单位文件应为一组“键: 值”（a mapping at top level）" + hint, root.loc)]
    money_node = root.items.get("money_unit")
    money_unit = "万元"
    if isinstance(money_node, Scalar):
        money_unit = money_node.text.strip()
    v = _Validator(file, money_unit if money_unit in ("万元", "元") else "万元")
    v.group(S.active(), root, "")
    return Unit(file, v.values, v.locs), v.diags


def load_unit(path: str | Path, schema: S.Group | None = None) -> tuple[Unit | None, list[Diagnostic]]:
    """Load and validate a unit file: ``(unit, diagnostics)``, against
    ``schema`` (a pack's: core + its fields; by default the active one)."""
    if schema is not None:
        with S.using(schema):
            return load_unit(path)
    root, diags = load_yaml_file(path)
    # the loader knows paths but not the schema: add the Chinese names here
    diags = [d if d.zh or not d.path else replace(d, zh=S.zh_name(d.path)) for d in diags]
    unit, more = validate(root, display_path(path))
    return unit, diags + more
