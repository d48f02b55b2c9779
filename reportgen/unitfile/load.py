"""Stage 1, load: read a YAML file into a tree of nodes that remember their place.

Only the YAML *structure* is used here; no scalar is converted.  The text of
every scalar is kept as typed, so the validate stage turns it into a Decimal,
a date or a string according to the field's declared type — a float never
exists, and YAML 1.1 surprises (``no`` → False, ``1_000`` → 1000, ``0o17``)
cannot slip through.  Duplicate keys are reported, not silently overwritten.

Every input is bounded before it can hurt (issue 15): only regular files are
opened (a FIFO, a device such as ``/dev/zero`` or a folder is refused without
being read), at most :data:`MAX_BYTES`; the tree is built from the parser's
events without recursion, at most :data:`MAX_DEPTH` deep and
:data:`MAX_NODES` values with every alias counted at its expanded size (an
alias bomb stops early; a recursive alias is an error); characters no Word
document can hold are reported.  A file that is not UTF-8 is read as
GB18030 (GBK) with a warning.  Each limit is named in its message.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from reportgen.errors import WARNING, Diagnostic, Loc, display_path
from reportgen.unitfile.hints import syntax_hints


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


#: Largest file read, in bytes (a unit file is typically 10–60 KB).
MAX_BYTES = 5 * 1024 * 1024
#: Deepest nesting of mappings and lists (a unit file needs about 6).
MAX_DEPTH = 32
#: Most values in a file, counting each use of an alias (``*name``) at the
#: full size of what it repeats, so an alias bomb stops here.
MAX_NODES = 200_000

# Characters a Word document cannot hold: lone surrogates and the C0
# controls other than tab and line breaks.
_UNWRITABLE = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _loc(file: str, mark) -> Loc:
    return Loc(file, mark.line + 1, mark.column + 1)


class _TooMuch(Exception):
    """The document passes a bound (depth, size); carries the diagnostic."""

    def __init__(self, diag: Diagnostic):
        self.diag = diag


class _Frame:
    __slots__ = ("node", "key", "key_loc", "anchor", "size", "path")

    def __init__(self, node: Node, anchor: str | None, path: str):
        self.node = node
        self.key: Node | None = None      # a mapping's key waiting for its value
        self.key_loc: Loc | None = None
        self.anchor = anchor
        self.size = 1
        self.path = path


class _Builder:
    """Build the node tree from the parser's event stream, without recursion.

    Bounds are checked as the events come: nesting depth, the number of
    values (aliases counted at the size of what they repeat) and aliases
    that refer to a node still being built (a loop).
    """

    def __init__(self, file: str):
        self.file = file
        self.diags: list[Diagnostic] = []
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Node, int]] = {}
        self.open_anchors: set[str] = set()
        self.total = 0
        self.root: Node | None = None
        self.documents = 0

    def text(self, value: str, loc: Loc) -> str:
        """``value`` with characters a document cannot hold reported and replaced."""
        bad = _UNWRITABLE.search(value)
        if bad is None:
            return value
        where = self.child_path()
        self.diags.append(Diagnostic(
            f"含有无法写入文档的字符 U+{ord(bad.group()):04X}（孤立的代理字符或控制字符，"
            "通常来自复制粘贴或 \\u 转义），请删除", loc, path=where))
        return _UNWRITABLE.sub("\ufffd", value)

    def count(self, n: int, loc: Loc) -> None:
        self.total += n
        if self.total > MAX_NODES:
            raise _TooMuch(Diagnostic(
                f"文件内容过多：超过 {MAX_NODES} 个值（别名 *name 按其重复的内容计）"
                f"（too many values; limit {MAX_NODES}）", loc))

    def child_path(self) -> str:
        if not self.stack:
            return ""
        top = self.stack[-1]
        if isinstance(top.node, Sequence):
            return f"{top.path}[{len(top.node.items)}]"
        if isinstance(top.key, Scalar):
            return f"{top.path}.{top.key.text}" if top.path else top.key.text
        return top.path

    def add(self, node: Node, size: int) -> None:
        """Attach a finished ``node`` (``size`` values) to the open container."""
        if not self.stack:
            self.root = node
            return
        top = self.stack[-1]
        top.size += size
        if isinstance(top.node, Sequence):
            top.node.items.append(node)
            return
        mapping = top.node
        if top.key is None:
            top.key, top.key_loc = node, node.loc
            return
        key_node, key_loc = top.key, top.key_loc
        top.key = top.key_loc = None
        if not isinstance(key_node, Scalar):
            self.diags.append(Diagnostic("键必须是简单文字（key must be a plain name）", key_loc))
            return
        key = key_node.text
        key_path = f"{top.path}.{key}" if top.path else key
        if key in mapping.items:
            first = mapping.key_locs[key]
            self.diags.append(Diagnostic(
                f"重复的键 '{key}'（duplicate key; first given at line {first.line}）",
                key_loc, path=key_path))
            return
        mapping.items[key] = node
        mapping.key_locs[key] = key_loc

    def event(self, ev) -> None:
        loc = _loc(self.file, ev.start_mark)
        if isinstance(ev, yaml.ScalarEvent):
            self.count(1, loc)
            node = Scalar(loc, self.text(ev.value, loc), quoted=ev.style in ("'", '"', "|", ">"))
            if ev.anchor:
                self.anchors[ev.anchor] = (node, 1)
            self.add(node, 1)
        elif isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            self.count(1, loc)
            if len(self.stack) >= MAX_DEPTH:
                raise _TooMuch(Diagnostic(
                    f"嵌套过深：超过 {MAX_DEPTH} 层（nesting deeper than {MAX_DEPTH}）", loc))
            node = Sequence(loc) if isinstance(ev, yaml.SequenceStartEvent) else Mapping(loc)
            if ev.anchor:
                self.open_anchors.add(ev.anchor)
            self.stack.append(_Frame(node, ev.anchor, self.child_path()))
        elif isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            frame = self.stack.pop()
            if frame.anchor:
                self.open_anchors.discard(frame.anchor)
                self.anchors[frame.anchor] = (frame.node, frame.size)
            self.add(frame.node, frame.size)
        elif isinstance(ev, yaml.AliasEvent):
            if ev.anchor in self.open_anchors:
                raise _TooMuch(Diagnostic(
                    f"别名 *{ev.anchor} 引用了包含它自己的内容（循环引用）"
                    f"（recursive alias）", loc))
            target = self.anchors.get(ev.anchor)
            if target is None:
                raise _TooMuch(Diagnostic(
                    f"别名 *{ev.anchor} 没有对应的 &{ev.anchor}（undefined alias）", loc))
            node, size = target
            self.count(size, loc)
            self.add(node, size)
        elif isinstance(ev, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise _TooMuch(Diagnostic(
                    "文件中只能有一份数据：这里开始了第二个 YAML 文档（'---'）"
                    "（only one document per file）", loc))



def _build(text: str, file: str, loader) -> tuple[Node | None, list[Diagnostic]]:
    builder = _Builder(file)
    parser = loader(text)
    try:
        while parser.check_event():
            builder.event(parser.get_event())
    except _TooMuch as exc:
        return None, builder.diags + [exc.diag]
    finally:
        parser.dispose()
    return builder.root, builder.diags


def _compose(text: str, file: str) -> tuple[Node | None, list[Diagnostic]]:
    """Build the tree with libyaml's parser when PyYAML has it (several times
    faster), else in Python.  A document libyaml rejects is parsed again in
    Python, so syntax errors carry PyYAML's messages and marks whichever
    parser is installed."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return _build(text, file, fast)
        except yaml.YAMLError:
            pass
    return _build(text, file, yaml.SafeLoader)


def parse_yaml(text: str, file: str) -> tuple[Node | None, list[Diagnostic]]:
    """Parse YAML ``text``; ``file`` names it in diagnostics.

    Returns the root node (None for an empty or unreadable document) and the
    problems found: YAML syntax errors (with line and column and a Chinese
    explanation; a full-width colon or a tab gets a hint at its own line),
    duplicate keys, non-scalar keys, characters a document cannot hold, and
    the bounds :data:`MAX_DEPTH` and :data:`MAX_NODES`.
    """
    text = text.lstrip("\ufeff")
    try:
        root, diags = _compose(text, file)
    except yaml.YAMLError as exc:
        return None, syntax_hints(text, file, exc)
    if root is None and not diags:
        return None, [Diagnostic("文件为空（the file is empty）", Loc(file))]
    return root, diags


#: Largest workbook, Word or PDF file read (bytes), and the most a
#: workbook or .docx may unpack to (a "zip bomb" is refused unopened).
MAX_DOCUMENT_BYTES = 100 * 1024 * 1024
MAX_UNPACKED_BYTES = 300 * 1024 * 1024


def file_problem(path: str | Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> str | None:
    """Why ``path`` cannot be read as an input file (Chinese), or None: it
    does not exist, is a folder, a FIFO or device (never opened, so never
    blocks), or is larger than ``max_bytes``."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "文件不存在（file not found）"
    except OSError as exc:
        return f"无法读取文件（cannot read）: {_reason(exc)}"
    if stat.S_ISDIR(info.st_mode):
        return "这是一个文件夹，不是文件（a folder, not a file）"
    if not stat.S_ISREG(info.st_mode):
        return "不是普通文件（设备、管道等），不能读取（not a regular file）"
    if info.st_size > max_bytes:
        return (f"文件过大：{info.st_size} 字节，最多 {max_bytes // (1024 * 1024)} MB"
                f"（file too large）")
    return None


#: Largest XML part of a .docx read (a 300-page report's document.xml is about 10 MB).
MAX_XML_PART_BYTES = 40 * 1024 * 1024


def zip_problem(path: str | Path, max_unpacked: int = MAX_UNPACKED_BYTES) -> str | None:
    """Why the .xlsx/.docx ``path`` must not be opened (Chinese), or None:
    not a zip file, its members unpack to more than ``max_unpacked`` bytes
    or number over 10,000, or one XML part unpacks to more than
    :data:`MAX_XML_PART_BYTES` (parsing it would need gigabytes)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return f"文件已损坏，或不是 Office 文件（not a valid zip package: {exc}）"
    total = sum(i.file_size for i in infos)
    if len(infos) > 10_000 or total > max_unpacked:
        return (f"文件解压后过大（{total} 字节、{len(infos)} 个部件；最多 "
                f"{max_unpacked // (1024 * 1024)} MB、10000 个部件）（zip bomb?）")
    big = next((i for i in infos if i.filename.endswith((".xml", ".rels"))
                and i.file_size > MAX_XML_PART_BYTES), None)
    if big is not None:
        return (f"文件中的 {big.filename} 解压后 {big.file_size} 字节，最多 "
                f"{MAX_XML_PART_BYTES // (1024 * 1024)} MB（part too large）")
    return None


def read_text_file(path: str | Path, max_bytes: int = MAX_BYTES) -> tuple[str | None, list[Diagnostic]]:
    """Read a text file the user gave: a regular file (not a folder, FIFO or
    device) of at most ``max_bytes``, in UTF-8 (a BOM is accepted) or, when it
    is not UTF-8, in GB18030 (which includes GBK/GB2312, what 记事本 and WPS
    save as "ANSI" on a Chinese Windows) with a warning saying so.

    Returns ``(text, diagnostics)``; ``text`` is None when the file cannot be
    read, with the reason as an error diagnostic.  Never blocks on a FIFO and
    never reads more than ``max_bytes`` + 1 bytes.
    """
    name = display_path(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        return None, [Diagnostic(f"无法读取文件（cannot read）: {_reason(exc)}", Loc(name))]
    if stat.S_ISDIR(info.st_mode):
        return None, [Diagnostic("这是一个文件夹，不是文件（a folder, not a file）", Loc(name))]
    if not stat.S_ISREG(info.st_mode):
        return None, [Diagnostic("不是普通文件（设备、管道等），不能读取（not a regular file）", Loc(name))]
    limit = f"{max_bytes // (1024 * 1024)} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes} 字节"
    if info.st_size > max_bytes:
        return None, [Diagnostic(f"文件过大：{info.st_size} 字节，最多 {limit}（file too large）", Loc(name))]
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return None, [Diagnostic("不是普通文件（设备、管道等），不能读取（not a regular file）", Loc(name))]
            data = f.read(max_bytes + 1)
    except OSError as exc:
        return None, [Diagnostic(f"无法读取文件（cannot read）: {_reason(exc)}", Loc(name))]
    if len(data) > max_bytes:
        return None, [Diagnostic(f"文件过大：超过 {limit}（file too large）", Loc(name))]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None, [Diagnostic(
            "文件不是 UTF-8 编码，也不是 GB18030/GBK 编码（not UTF-8 or GB18030; save it as UTF-8, "
            "e.g. in WPS/记事本 另存为 UTF-8）", Loc(name, line))]
    return text, [Diagnostic(
        "文件不是 UTF-8 编码，已按 GB18030（GBK）编码读取；建议另存为 UTF-8"
        "（read as GB18030/GBK）", Loc(name, line), severity=WARNING)]


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def load_yaml_file(path: str | Path) -> tuple[Node | None, list[Diagnostic]]:
    """Read a YAML file (:func:`read_text_file`: regular file, at most
    :data:`MAX_BYTES`, UTF-8 or GB18030) into a node tree.

    Returns ``(root, diagnostics)``; every problem is a diagnostic, not an
    exception.
    """
    text, diags = read_text_file(path)
    if text is None:
        return None, diags
    root, more = parse_yaml(text, display_path(path))
    return root, diags + more
