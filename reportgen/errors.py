"""Diagnostics: problems the user can fix in a file, carried as values.

A stage never stops at the first problem: it returns a list of
:class:`Diagnostic` and the CLI prints them all, as
``file:line:col: path（中文名）: message``.  Exceptions are kept for what the
user cannot fix in the unit file (:class:`PackError` for a broken template
pack, :class:`ReportgenError` for everything else the CLI reports).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ERROR = "error"
WARNING = "warning"

@dataclass(frozen=True)
class Loc:
    """A place in a text file: 1-based line and column."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.col}" if self.col else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a unit file or pack.

    ``path`` is the dotted field path (``budget.initial``), ``zh`` its
    official Chinese name (年初预算金额); ``expected``/``found``/``difference``
    are filled in by checks that compare two figures.
    """

    message: str
    loc: Loc | None = None
    path: str = ""
    zh: str = ""
    severity: str = ERROR
    expected: str = ""
    found: str = ""
    difference: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def format(self) -> str:
        head = str(self.loc) if self.loc else ""
        field = self.path
        if self.zh:
            field = f"{field}（{self.zh}）" if field else self.zh
        parts = [p for p in (head, field) if p]
        text = self.message
        if self.expected or self.found:
            text += f"：应为 {self.expected}，实为 {self.found}"
            if self.difference:
                text += f"，差额 {self.difference}"
        if self.severity == WARNING:
            text = "警告：" + text
        return ": ".join(parts + [text])


class ReportgenError(Exception):
    """A failure the CLI reports as one line and exit code 1."""


class PackError(ReportgenError):
    """A template pack is broken: a file is missing or says something unknown."""

    def __init__(self, message: str, loc: Loc | None = None):
        self.loc = loc
        super().__init__(f"{loc}: {message}" if loc else message)


def display_path(path: str | Path) -> str:
    """A file path as the user typed it, relative when below the cwd."""
    p = Path(path)
    try:   # symbolic links are not followed: the name shown is the one given
        return str(p.absolute().relative_to(Path.cwd()))
    except ValueError:
        pass
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):
        return str(p)
