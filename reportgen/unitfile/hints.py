"""Chinese explanations of YAML syntax errors (YAML 语法错误提示).

PyYAML reports a syntax error in English and, for the two slips a Chinese
typist makes most — a full-width colon ``year：2023`` typed with the IME on,
and a Tab pressed for indentation — often at the line *after* the mistake.
:func:`syntax_hints` turns a parser error into one located Chinese
diagnostic: at the offending line when it can name the slip, else PyYAML's
problem translated, with the original English kept in brackets.
"""

from __future__ import annotations

import re

import yaml

from reportgen.errors import Diagnostic, Loc

#: A full-width colon where a key ends: ``year：2023``, ``- name：x``; the
#: text before it has no half-width colon, quote or comment mark.
_FULLWIDTH_KEY = re.compile(r"^(\s*(?:-\s+)?)([^\s\"'#:：-][^:：#\"']*?)\s*：")

_TRANSLATIONS = [
    ("could not find expected ':'", "找不到半角冒号“:”：每行应为“键: 值”"),
    ("mapping values are not allowed here",
     "此处不能出现“键: 值”：缩进不对，或值中含有“: ”（含冒号的文字请加引号）"),
    ("found character '\\t' that cannot start any token", "含有制表符（Tab）：YAML 只能用空格缩进"),
    ("found unexpected end of stream", "文件在引号或括号闭合之前结束：缺少结尾的引号或括号"),
    ("expected <block end>", "缩进不一致：同一层的各行应对齐"),
    ("did not find expected key", "缩进不一致或缺少“键:”：同一层的各行应对齐"),
    ("did not find expected '-' indicator", "列表缩进不一致：同一列表的各项“- ”应对齐"),
    ("expected ',' or ']'", "方括号 [ ] 未闭合，或其中缺少逗号"),
    ("expected ',' or '}'", "花括号 { } 未闭合，或其中缺少逗号"),
    ("found undefined alias", "别名 *name 没有对应的 &name"),
    ("found unknown escape character", "双引号中有无效的转义（\\ 后的字符）：如需反斜杠请写两个 \\\\ 或改用单引号"),
    ("found duplicate anchor", "锚点 &name 重复"),
    ("found unexpected ':'", "冒号“:”的位置不对：含冒号的文字请加引号"),
    ("special characters are not allowed", "含有不可见的控制字符：请删除（常由复制粘贴带入）"),
    ("while scanning a block scalar", "块文字（| 或 >）的写法不对"),
]


def _translate(problem: str) -> str:
    for english, chinese in _TRANSLATIONS:
        if english in problem:
            return chinese
    return "写法不符合 YAML 格式"


def _slip(lines: list[str], index: int) -> tuple[int, int, str] | None:
    """The Tab or full-width colon on line ``index`` (0-based): ``(line, col, hint)``."""
    if index < 0 or index >= len(lines):
        return None
    text = lines[index]
    indent = len(text) - len(text.lstrip(" \t"))
    if "\t" in text[:indent]:
        return (index + 1, text.index("\t") + 1,
                "行首有制表符（Tab）：YAML 只能用空格缩进，请把 Tab 换成空格（同一层对齐）")
    m = _FULLWIDTH_KEY.match(text)
    if m:
        key = m.group(2)
        return (index + 1, m.end(),
                f"“{key}”后面是全角冒号“：”：YAML 要用半角冒号加空格，如 {key}: 值"
                "（请切换到英文输入法输入冒号）")
    tab = text.find("\t")
    if tab >= 0 and not re.search(r"[\"'#]", text[:tab]):
        return (index + 1, tab + 1, "含有制表符（Tab）：YAML 中请用空格代替 Tab")
    return None


def syntax_hints(text: str, file: str, exc: yaml.YAMLError) -> list[Diagnostic]:
    """One located Chinese diagnostic for a YAML syntax error ``exc`` in ``text``.

    A Tab in the indentation or a full-width colon ending a key on the error
    line or the two lines above it is named at its own line and column;
    otherwise PyYAML's problem is translated (the English kept in brackets)
    at its mark.  A character the reader refuses is located by its position.
    """
    lines = text.splitlines()
    if isinstance(exc, yaml.reader.ReaderError):
        before = text[: exc.position]
        line = before.count("\n") + 1
        col = exc.position - (before.rfind("\n") + 1) + 1
        return [Diagnostic(f"YAML 语法错误: 含有不可见的控制字符 U+{exc.character:04X}：请删除"
                           "（常由复制粘贴带入）", Loc(file, line, col))]
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc)
    if mark is None:
        return [Diagnostic(f"YAML 语法错误: {_translate(problem)}（{problem}）", Loc(file))]
    for index in (mark.line, mark.line - 1, mark.line - 2):
        slip = _slip(lines, index)
        if slip:
            line, col, hint = slip
            return [Diagnostic(f"YAML 语法错误: {hint}", Loc(file, line, col))]
    return [Diagnostic(f"YAML 语法错误: {_translate(problem)}（{problem}）",
                       Loc(file, mark.line + 1, mark.column + 1))]


def colon_hint(text: str) -> str:
    """A hint when a scalar's ``text`` looks like a "key: value" typed with a
    full-width colon (``name：张三`` read as one piece of text), else ""."""
    m = _FULLWIDTH_KEY.match(text)
    if m and re.fullmatch(r"[A-Za-z_][\w.]*", m.group(2)):
        return f"（“{m.group(2)}”后面是全角冒号“：”，应为半角冒号加空格：{m.group(2)}: …）"
    return ""
