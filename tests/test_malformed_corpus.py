"""A corpus of malformed inputs of every kind, generated here (issue 15, point 1).

Each case builds its broken input in a fresh folder and runs one command
in-process (click's CliRunner) under a 20 s alarm.  Every case must end with
exit code 1 (``audit``: 1, or 3 when a file cannot be read), no traceback, a message that names the file (with the line
where the input is a text file), and nothing written where the output would
go.  Kinds: unit files (YAML), data-collection workbooks (.xlsx), template
packs (pack.yaml, rubric, sentences), the packs' .docx templates, and the
reports given to ``audit``.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from conftest import EXAMPLES, ROOT
from reportgen.cli import main

GONGXIN = EXAMPLES / "jinzhong-gongxin-2021.yaml"
ZHAOSHANG = EXAMPLES / "jinzhong-zhaoshang-2020.yaml"
PACK = ROOT / "templates" / "jinzhong"
HANG_GUARD = 20      # seconds: a case still running then fails instead of hanging the suite
LAUGHS = "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9) if p else ', '.join(['x'] * 9)}]\n"
                 for p, c in zip(["", *"abcdefgh"], "abcdefghi"))


@dataclass
class Built:
    """What a case runs: ``args`` of the command, ``loc`` a regex the
    output must contain (the file, with its line where it has lines), and
    ``outputs`` the paths that must not exist afterwards."""

    args: list
    loc: str
    outputs: list
    exit_codes: tuple = (1,)


# -- unit files -------------------------------------------------------------

def _unit(tmp: Path, text: str | bytes, name: str = "unit.yaml") -> Path:
    path = tmp / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    return path


def unit_edit(old: str, new: str, source: Path = GONGXIN, line_of: str | None = None, after: int = 0):
    """A case: ``source`` with ``old`` replaced by ``new``; the error must
    name the line of the change (or of ``line_of`` in the new text), or one
    of the ``after`` lines below it (an unclosed bracket is noticed there)."""
    def build(tmp: Path, command: str) -> Built:
        text = source.read_text(encoding="utf-8")
        assert old in text, old
        text = text.replace(old, new, 1)
        line = text[: text.index(line_of or new)].count("\n") + 1
        line += (line_of or new).count("\n") if line_of is None and new.startswith("\n") else 0
        path = _unit(tmp, text)
        lines = "|".join(str(n) for n in range(line, line + after + 1))
        return _unit_run(tmp, path, command, rf"unit\.yaml:({lines})\b")
    return build


def unit_text(text: str | bytes | Callable[[], str | bytes], loc: str = r"unit\.yaml:\d+"):
    """A case: a whole unit file; the error must match ``loc``."""
    def build(tmp: Path, command: str) -> Built:
        path = _unit(tmp, text() if callable(text) else text)
        return _unit_run(tmp, path, command, loc)
    return build


def unit_special(make: Callable[[Path], None], loc: str = r"unit\.yaml"):
    """A case: ``make(path)`` creates something at unit.yaml (a folder, FIFO…)."""
    def build(tmp: Path, command: str) -> Built:
        path = tmp / "unit.yaml"
        make(path)
        return _unit_run(tmp, path, command, loc)
    return build


def _unit_run(tmp: Path, path: Path, command: str, loc: str) -> Built:
    out = tmp / "out"
    if command == "render":
        return Built(["render", path, "-t", "jinzhong", "-o", out], loc, [out])
    if command == "workbook":
        return Built(["workbook", "-t", "jinzhong", "-o", out.with_suffix(".xlsx"), "--from", path],
                     loc, [out.with_suffix(".xlsx")])
    return Built(["check", path, "-t", "jinzhong"], loc, [])


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _sparse(size: int):
    def make(path: Path) -> None:
        with open(path, "wb") as f:
            f.truncate(size)
    return make


def _deep_block(depth: int) -> str:
    lines = ["money_unit: 万元", "year: 2021", "unit: {name: 测试}", "extra:"]
    lines += [" " * (2 * i) + f"k{i}:" for i in range(1, depth)] + [" " * (2 * depth) + "v: 1"]
    return "\n".join(lines) + "\n"


def unit_folder(make: Callable[[Path], None]):
    """A case: a folder of unit files for a batch render, with a good unit
    and ``make(folder)``'s bad entry; nothing of the batch is written."""
    def build(tmp: Path, command: str) -> Built:
        folder = tmp / "units"
        folder.mkdir()
        (folder / "good.yaml").write_bytes(GONGXIN.read_bytes())
        make(folder)
        out = tmp / "out"
        return Built(["render", folder, "-t", "jinzhong", "-o", out], r"units/bad\.(yaml|xlsx)", [out])
    return build


UNIT_CASES: dict[str, Callable] = {
    # syntax, with the slips a Chinese typist makes
    "fullwidth-colon": unit_edit("year: 2021", "year：2021"),
    "fullwidth-colon-nested": unit_edit("  head: 张建岗", "  head：张建岗"),
    "tab-indent": unit_edit("  head: 张建岗", "\thead: 张建岗"),
    "tab-after-spaces": unit_edit("  head: 张建岗", "  \thead: 张建岗"),
    "unclosed-bracket": unit_edit("  head: 张建岗", "  head: [张建岗", line_of="  head: [张建岗", after=1),
    "unclosed-brace": unit_text("money_unit: 万元\nyear: 2021\nunit: {name: 测试\n"),
    "unclosed-quote": unit_text('money_unit: 万元\nyear: 2021\nunit:\n  name: "测试\n'),
    "bad-indent": unit_edit("  head: 张建岗", "     head: 张建岗"),
    "mapping-in-value": unit_edit("  head: 张建岗", "  head: 张: 建岗"),
    "list-then-key": unit_text("money_unit: 万元\nyear: 2021\nunit:\n  name: 测试\nnotes:\n  - a\n  b: 1\n"),
    "duplicate-key": unit_edit("year: 2021", "year: 2021\nyear: 2022", line_of="year: 2022"),
    "second-document": unit_text("money_unit: 万元\nyear: 2021\nunit: {name: 测试}\n---\nyear: 2022\n",
                                 r"unit\.yaml:4\b"),
    "complex-key": unit_text("money_unit: 万元\nyear: 2021\nunit: {name: 测试}\n? [a, b]\n: 1\n",
                             r"unit\.yaml:4\b"),
    "undefined-alias": unit_text("money_unit: 万元\nyear: *y\nunit: {name: 测试}\n", r"unit\.yaml:2\b"),
    "recursive-alias": unit_text("money_unit: 万元\nyear: 2021\nunit: {name: 测试}\nx: &a\n  - *a\n",
                                 r"unit\.yaml:5\b"),
    "billion-laughs": unit_text(LAUGHS),
    "alias-bomb-into-field": unit_text("money_unit: 万元\nyear: 2021\nunit: {name: 测试}\n" + LAUGHS.replace(
        "i: &i", "projects: &i")),
    "deep-flow-1000": unit_text("money_unit: 万元\nyear: 2021\nunit: {name: 测试}\nx: "
                                + "[" * 1000 + "]" * 1000 + "\n", r"unit\.yaml:4\b"),
    "deep-flow-maps": unit_text("money_unit: 万元\nx: " + "{a: " * 200 + "1" + "}" * 200 + "\n",
                                r"unit\.yaml:2\b"),
    "deep-block-100": unit_text(lambda: _deep_block(100)),
    "control-char-raw": unit_edit("  head: 张建岗", "  head: 张\x01建岗"),
    "nul-byte": unit_edit("  head: 张建岗", "  head: 张\x00建岗"),
    "escaped-control": unit_edit("  head: 张建岗", '  head: "张\\x01建岗"'),
    "lone-surrogate": unit_edit("  head: 张建岗", '  head: "张\\ud800建岗"'),
    "surrogate-in-key": unit_edit("  head: 张建岗", '  "he\\udfffad": 张建岗'),
    "unknown-escape": unit_edit("  head: 张建岗", '  head: "张\\q建岗"'),
    "not-utf8-nor-gbk": unit_text(b"money_unit: \xe4\xb8\nyear: 2021\x80\xff\n", r"unit\.yaml:1\b"),
    "utf16": unit_text("money_unit: 万元\nyear: 2021\n".encode("utf-16"), r"unit\.yaml"),
    "empty": unit_text("", r"unit\.yaml"),
    "only-comments": unit_text("# 只有注释\n# nothing\n", r"unit\.yaml"),
    "top-level-list": unit_text("- money_unit: 万元\n- year: 2021\n", r"unit\.yaml:1\b"),
    "top-level-scalar": unit_text("就是一句话\n", r"unit\.yaml:1\b"),
    "folder": unit_special(lambda p: p.mkdir()),
    "fifo": unit_special(_fifo),
    "dev-zero-symlink": unit_special(_zero),
    "dangling-symlink": unit_special(lambda p: p.symlink_to(p.parent / "nowhere.yaml")),
    "missing": unit_special(lambda p: None),
    "sparse-50MB": unit_special(_sparse(50 * 1024 * 1024)),
    "just-over-5MB": unit_special(lambda p: p.write_bytes(b"# " + b"x" * (5 * 1024 * 1024) + b"\n")),
    "batch-folder-with-fifo": unit_folder(lambda f: os.mkfifo(f / "bad.yaml")),
    "batch-folder-with-dev-zero": unit_folder(lambda f: (f / "bad.yaml").symlink_to("/dev/zero")),
    "batch-folder-with-fifo-xlsx": unit_folder(lambda f: os.mkfifo(f / "bad.xlsx")),
    # values
    "money-word": unit_edit("initial: 23310.11", "initial: 两万"),
    "money-1e400": unit_edit("initial: 23310.11", "initial: 1e400"),
    "money-tiny-exponent": unit_edit("initial: 23310.11", "initial: 1e-400"),
    "money-5000-digits": unit_edit("initial: 23310.11", "initial: " + "9" * 5000),
    "money-19-digits": unit_edit("initial: 23310.11", "initial: 1234567890123456789"),
    "money-11-decimals": unit_edit("initial: 23310.11", "initial: 0.12345678901"),
    "money-inf": unit_edit("initial: 23310.11", "initial: .inf"),
    "money-nan": unit_edit("initial: 23310.11", "initial: nan"),
    "money-hex": unit_edit("initial: 23310.11", "initial: 0x1F"),
    "money-negative": unit_edit("executed: 8701.72", "executed: -8701.72"),
    "money-two-dots": unit_edit("initial: 23310.11", "initial: 23.310.11"),
    "money-is-list": unit_edit("initial: 23310.11", "initial: [1, 2]"),
    "money-is-map": unit_edit("initial: 23310.11", "initial: {a: 1}"),
    "percent-huge": unit_edit("  rate: 100%", "  rate: " + "9" * 40 + "%"),
    "percent-exponent": unit_edit("  rate: 100%", "  rate: 1e30%"),
    "percent-negative": unit_edit("  rate: 100%", "  rate: -5%"),
    "percent-word": unit_edit("  rate: 100%", "  rate: 百分百"),
    "year-chinese": unit_edit("year: 2021", "year: 二〇二一"),
    "year-5-digits": unit_edit("year: 2021", "year: 20211"),
    "year-5000-digits": unit_edit("year: 2021", "year: " + "2" * 5000),
    "year-empty": unit_edit("year: 2021", "year:"),
    "money-unit-dollar": unit_edit("money_unit: 万元", "money_unit: 美元"),
    "unit-is-scalar": unit_edit("unit:\n  name: 晋中市工业和信息化局", "unit: 工信局\nxunit:\n  name: 晋中市工业和信息化局",
                                line_of="unit: 工信局"),
    "name-empty": unit_edit("  name: 晋中市工业和信息化局", "  name:"),
    "unknown-field": unit_edit("  head: 张建岗", "  haed: 张建岗"),
    "budget-is-list": unit_edit("budget:\n", "budget:\n  - 1\nbudget_old:\n", line_of="budget:\n  - 1",
                                after=1),
    "checklist-word": unit_edit("true_data: 是", "true_data: 也许"),
    "checklist-huge-cases": unit_edit("true_data: 是", "true_data: " + "9" * 5000 + "例"),
    "checklist-huge-points": unit_edit("true_data: 是", "true_data: " + "9" * 40 + "分"),
    "target-5000-digits": unit_edit("target: 不少于10场", "target: 不少于" + "9" * 5000 + "场",
                                    source=ZHAOSHANG, line_of="target: 不少于9"),
    "target-phrase": unit_edit("target: 不少于10场", "target: 越多越好", source=ZHAOSHANG),
    "actual-5000-digits": unit_edit('actual: "13"', 'actual: "' + "1" * 5000 + '"', source=ZHAOSHANG,
                                    line_of='actual: "111'),
    "actual-unit-mismatch": unit_edit('actual: "13"', 'actual: "13万元"', source=ZHAOSHANG),
    "indicator-is-scalar": unit_edit("      - level1: 产出指标\n        level2: 数量指标\n        name: 组织",
                                     "      - 产出指标\n      - level1: 产出指标\n        level2: 数量指标\n        name: 组织",
                                     source=ZHAOSHANG, line_of="      - 产出指标\n"),
}

# -- data-collection workbooks ----------------------------------------------

_WORKBOOK: dict[str, bytes] = {}


def _workbook_bytes(tmp: Path) -> bytes:
    """A reportgen workbook for the jinzhong pack, pre-filled (made once)."""
    if "wb" not in _WORKBOOK:
        out = tmp / "base.xlsx"
        r = CliRunner().invoke(main, ["workbook", "-t", "jinzhong", "-o", str(out), "--from", str(GONGXIN)])
        assert r.exit_code == 0, r.output
        _WORKBOOK["wb"] = out.read_bytes()
        out.unlink()
    return _WORKBOOK["wb"]


def xlsx_case(make: Callable[[Path, Path], None], loc: str = r"采集表\.xlsx"):
    """A case: ``make(tmp, path)`` writes a broken 采集表.xlsx; ``import`` it,
    or give it straight to ``check`` or ``render``."""
    def build(tmp: Path, command: str) -> Built:
        path = tmp / "采集表.xlsx"
        make(tmp, path)
        out = tmp / "unit.yaml"
        if command == "check":
            return Built(["check", path, "-t", "jinzhong"], loc, [])
        if command == "render":
            return Built(["render", path, "-t", "jinzhong", "-o", tmp / "out"], loc, [tmp / "out"])
        return Built(["import", path, "-o", out], loc, [out])
    return build


def _bytes(data: bytes):
    return lambda tmp, path: path.write_bytes(data)


def _edited_workbook(change: Callable):
    def make(tmp: Path, path: Path) -> None:
        wb = load_workbook(io.BytesIO(_workbook_bytes(tmp)))
        change(wb)
        wb.save(path)
    return make


def _set_field(sheet_key: str, value):
    """Type ``value`` into the value cell of field ``sheet_key`` wherever it is."""
    def change(wb) -> None:
        from reportgen.collect import layout as L
        for ws in wb.worksheets:
            for r in range(1, ws.max_row + 1):
                if ws.cell(r, L.F_KEY).value == sheet_key:
                    ws.cell(r, L.F_VALUE).value = value
                    return
        raise KeyError(sheet_key)
    return change


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _many_members(n: int) -> bytes:
    return _zip({f"x/{i}.xml": b"" for i in range(n)})


XLSX_CASES: dict[str, Callable] = {
    "xlsx-text": xlsx_case(_bytes(b"not a workbook")),
    "xlsx-empty": xlsx_case(_bytes(b"")),
    "xlsx-zip-of-text": xlsx_case(_bytes(_zip({"a.txt": b"hello"}))),
    "xlsx-many-members": xlsx_case(_bytes(_many_members(10_001))),
    "xlsx-truncated": xlsx_case(lambda tmp, p: p.write_bytes(_workbook_bytes(tmp)[:3000])),
    "xlsx-folder": xlsx_case(lambda tmp, p: p.mkdir()),
    "xlsx-fifo": xlsx_case(lambda tmp, p: os.mkfifo(p)),
    "xlsx-dev-zero": xlsx_case(lambda tmp, p: p.symlink_to("/dev/zero")),
    "xlsx-missing": xlsx_case(lambda tmp, p: None),
    "xlsx-sparse-200MB": xlsx_case(lambda tmp, p: _sparse(200 * 1024 * 1024)(p)),
    "xlsx-foreign-workbook": xlsx_case(lambda tmp, p: Workbook().save(p)),
    "xlsx-money-word": xlsx_case(_edited_workbook(_set_field("budget.initial", "两万三")), r"(采集表\.xlsx|unit\.yaml)"),
    "xlsx-money-5000-digits": xlsx_case(_edited_workbook(_set_field("budget.initial", "9" * 5000)),
                                        r"(采集表\.xlsx|unit\.yaml)"),
    "xlsx-year-word": xlsx_case(_edited_workbook(_set_field("year", "明年")), r"(采集表\.xlsx|unit\.yaml)"),
    "xlsx-formula": xlsx_case(_edited_workbook(_set_field("budget.initial", "=1+1")), r"采集表\.xlsx"),
    "xlsx-name-empty": xlsx_case(_edited_workbook(_set_field("unit.name", None)), r"(采集表\.xlsx|unit\.yaml)"),
    "xlsx-sheets-removed": xlsx_case(_edited_workbook(
        lambda wb: [wb.remove(ws) for ws in wb.worksheets[1:]])),
}

# -- template packs and their .docx templates --------------------------------


def pack_case(change: Callable[[Path], None], loc: str):
    """A case: a copy of the jinzhong pack changed by ``change(folder)``;
    ``templates check`` it, or render the example with it."""
    def build(tmp: Path, command: str) -> Built:
        folder = tmp / "mypack"
        shutil.copytree(PACK, folder, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
        change(folder)
        out = tmp / "out"
        if command == "render":
            return Built(["render", GONGXIN, "-t", folder, "-o", out], loc, [out])
        if command == "init":
            return Built(["init", "-t", folder, "-o", out.with_suffix(".yaml")], loc, [out.with_suffix(".yaml")])
        return Built(["templates", "check", folder], loc, [])
    return build


def _edit_file(name: str, old: str | None, new: str):
    def change(folder: Path) -> None:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        path.write_text(new if old is None else text.replace(old, new, 1), encoding="utf-8")
    return change


def _replace_file(name: str, data: bytes | None):
    def change(folder: Path) -> None:
        path = folder / name
        path.unlink()
        if data is not None:
            path.write_bytes(data)
    return change


def _docx_edit(name: str, fn: Callable[[str], str]):
    """Rewrite word/document.xml of the pack's template ``name`` with ``fn``."""
    def change(folder: Path) -> None:
        path = folder / name
        src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == "word/document.xml":
                    data = fn(data.decode("utf-8")).encode("utf-8")
                dst.writestr(info, data)
        path.write_bytes(buf.getvalue())
    return change


def _append_paragraph(text: str):
    return lambda xml: xml.replace("</w:body>", f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body>", 1)


DEPT = "部门整体支出绩效自评表.docx"

PACK_CASES: dict[str, Callable] = {
    "pack-yaml-syntax": pack_case(_edit_file("pack.yaml", "forms:", "forms: [\n"), r"pack\.yaml:\d+"),
    "pack-yaml-fullwidth": pack_case(_edit_file("pack.yaml", "forms:", "forms："), r"pack\.yaml:\d+"),
    "pack-yaml-tab": pack_case(_edit_file("pack.yaml", "forms:", "forms:\n\t- x"), r"pack\.yaml:\d+"),
    "pack-yaml-missing": pack_case(_replace_file("pack.yaml", None), r"mypack"),
    "pack-yaml-empty": pack_case(_replace_file("pack.yaml", b""), r"pack\.yaml"),
    "pack-yaml-list": pack_case(_replace_file("pack.yaml", b"- a\n- b\n"), r"pack\.yaml"),
    "pack-yaml-laughs": pack_case(_replace_file("pack.yaml", LAUGHS.encode()), r"pack\.yaml:\d+"),
    "pack-yaml-deep": pack_case(_replace_file("pack.yaml", b"name: x\nf: " + b"[" * 500 + b"]" * 500 + b"\n"),
                                r"pack\.yaml:\d+"),
    "pack-yaml-fifo": pack_case(lambda f: ((f / "pack.yaml").unlink(), os.mkfifo(f / "pack.yaml")), r"pack\.yaml"),
    "pack-yaml-not-utf8": pack_case(_replace_file("pack.yaml", b"name: \xff\xfe\x80\n"), r"pack\.yaml"),
    "pack-yaml-surrogate": pack_case(_edit_file("pack.yaml", "forms:", 'bad: "\\ud800"\nforms:'), r"pack\.yaml:\d+"),
    "pack-template-missing": pack_case(_replace_file(DEPT, None), re.escape(DEPT)),
    "pack-form-unknown-key": pack_case(_edit_file("pack.yaml", "    template: 部门",
                                                  "    tempalte: x\n    template: 部门"), r"pack\.yaml"),
    "rubric-syntax": pack_case(_edit_file("rubric.yaml", "tree:", "tree: {\n"), r"rubric\.yaml:\d+"),
    "rubric-weight-word": pack_case(_edit_file("rubric.yaml", "    weight: 16", "    weight: 十六"), r"rubric\.yaml:\d+"),
    "rubric-weight-1e400": pack_case(_edit_file("rubric.yaml", "    weight: 16", "    weight: 1e400"),
                                     r"rubric\.yaml:\d+"),
    "rubric-weight-5000-digits": pack_case(_edit_file("rubric.yaml", "    weight: 16", "    weight: " + "9" * 5000),
                                           r"rubric\.yaml:\d+"),
    "rubric-empty": pack_case(_replace_file("rubric.yaml", b""), r"rubric\.yaml"),
    "rubric-dev-zero": pack_case(lambda f: ((f / "rubric.yaml").unlink(), (f / "rubric.yaml").symlink_to("/dev/zero")),
                                 r"rubric\.yaml"),
    "rubric-unknown-primitive": pack_case(_edit_file("rubric.yaml", "primitive: checklist",
                                                     "primitive: no_such_rule"), r"rubric\.yaml:\d+"),
    "rubric-unknown-formula": pack_case(_edit_file("rubric.yaml", "formula: checklist",
                                                   "formula: no_such_formula"), r"rubric\.yaml:\d+"),
    "rubric-grades-word": pack_case(_edit_file("rubric.yaml", "{min: 90, grade: 优}", "{min: 九十, grade: 优}"),
                                    r"rubric\.yaml:\d+"),
    "sentences-syntax": pack_case(_edit_file("sentences.yaml", "staffing:", "staffing: [\n"), r"sentences\.yaml:\d+"),
    "sentences-jinja-syntax": pack_case(_edit_file("sentences.yaml", "{{ year }}年年末", "{{ year 年年末"),
                                        r"sentences\.yaml:\d+"),
    "sentences-unclosed-if": pack_case(_edit_file("sentences.yaml", "{{ year }}年年末", "{% if year %}{{ year }}年年末"),
                                       r"sentences\.yaml:\d+"),
    "sentences-laughs": pack_case(_replace_file("sentences.yaml", LAUGHS.encode()), r"sentences\.yaml:\d+"),
    # the .docx templates
    "docx-not-zip": pack_case(_replace_file(DEPT, b"not a word file"), re.escape(DEPT)),
    "docx-empty": pack_case(_replace_file(DEPT, b""), re.escape(DEPT)),
    "docx-no-document-xml": pack_case(_replace_file(DEPT, _zip({"[Content_Types].xml": b"<x/>"})), re.escape(DEPT)),
    "docx-folder": pack_case(lambda f: ((f / DEPT).unlink(), (f / DEPT).mkdir()), re.escape(DEPT)),
    "docx-unclosed-tag": pack_case(_docx_edit(DEPT, _append_paragraph("{{ unit_name ")), re.escape(DEPT)),
    "docx-unknown-variable": pack_case(_docx_edit(DEPT, _append_paragraph("{{ no_such_variable_x }}")),
                                       r"(部门整体支出绩效自评表|no_such_variable_x)"),
    "docx-unbalanced-for": pack_case(_docx_edit(DEPT, _append_paragraph("{% for x in y %}")), re.escape(DEPT)),
    "docx-huge-xml-part": pack_case(lambda f: _huge_part(f / DEPT, "word/document.xml"), re.escape(DEPT)),
    "docx-fifo": pack_case(lambda f: ((f / DEPT).unlink(), os.mkfifo(f / DEPT)), re.escape(DEPT)),
    "docx-bad-xml": pack_case(_docx_edit(DEPT, lambda xml: xml.replace("</w:body>", "<w:p>", 1)), re.escape(DEPT)),
}

# -- reports given to audit --------------------------------------------------


def audit_case(name: str, make: Callable[[Path], None], loc: str | None = None, extra=()):
    """A case: ``audit`` the file ``name`` made by ``make(path)``, asking for
    an .xlsx of the findings (which must not be written)."""
    def build(tmp: Path, command: str) -> Built:
        path = tmp / name
        make(path)
        out = tmp / "审核结果.xlsx"
        # audit's documented code for "a file could not be read, nothing audited" is 3 (README 退出码)
        return Built(["audit", path, "--xlsx", out, *extra], loc or re.escape(name), [out], (1, 3))
    return build


def _huge_part(path: Path, part: str) -> None:
    """A small zip whose ``part`` unpacks to 50 MB (of spaces)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open(part, "w") as f:
            block = b" " * (1024 * 1024)
            for _ in range(50):
                f.write(block)


def _write(data: bytes):
    return lambda p: p.write_bytes(data)


AUDIT_CASES: dict[str, Callable] = {
    "audit-docx-text": audit_case("报告.docx", _write(b"plain text")),
    "audit-docx-empty": audit_case("报告.docx", _write(b"")),
    "audit-docx-zip-no-document": audit_case("报告.docx", _write(_zip({"a.txt": b"x"}))),
    "audit-docx-many-members": audit_case("报告.docx", _write(_many_members(10_001))),
    "audit-docx-bad-xml": audit_case("报告.docx", _write(_zip({"word/document.xml": b"<w:document><w:body>"}))),
    "audit-pdf-garbage": audit_case("报告.pdf", _write(b"%PDF-1.4\ngarbage")),
    "audit-pdf-empty": audit_case("报告.pdf", _write(b"")),
    "audit-txt-bad-bytes": audit_case("报告.txt", _write(b"\x80\x80\xff\xff\xfe")),
    "audit-txt-fifo": audit_case("报告.txt", lambda p: os.mkfifo(p)),
    "audit-txt-dev-zero": audit_case("报告.txt", lambda p: p.symlink_to("/dev/zero")),
    "audit-docx-dev-zero": audit_case("报告.docx", lambda p: p.symlink_to("/dev/zero")),
    "audit-txt-sparse-200MB": audit_case("报告.txt", _sparse(200 * 1024 * 1024)),
    "audit-txt-sparse-25MB": audit_case("报告.txt", _sparse(25 * 1024 * 1024)),
    "audit-docx-huge-xml-part": audit_case("报告.docx", lambda p: _huge_part(p, "word/document.xml")),
    "audit-folder": audit_case("报告.docx", lambda p: p.mkdir()),
    "audit-missing": audit_case("报告.docx", lambda p: None),
    "audit-doc-extension": audit_case("报告.doc", _write(b"old word")),
    "audit-against-broken-unit": audit_case(
        "报告.txt", _write("本年支出8701.72万元。\n".encode()),
        r"unit\.yaml:1\b", extra=["--against", "__UNIT__", "-t", "jinzhong"]),
}


#: Cases whose problem only scoring finds (``workbook --from`` rightly takes them).
_SCORING = ("target-", "actual-", "checklist-", "indicator-")


def _cases():
    commands = ["check", "render", "workbook"]
    for i, (name, build) in enumerate(UNIT_CASES.items()):
        command = commands[i % 3]
        if command == "workbook" and name.startswith(_SCORING):
            command = "render"
        yield pytest.param(build, command, id=f"unit-{name}")
    # workbooks take openpyxl a second or two each: the first few run by default, all with -m slow
    for i, (name, build) in enumerate(XLSX_CASES.items()):
        marks = () if i < 4 else (pytest.mark.slow,)
        yield pytest.param(build, "import", id=name, marks=marks)
        yield pytest.param(build, "check" if len(name) % 2 else "render", id=f"{name}-direct",
                           marks=marks)
    commands = ["check", "render", "init"]
    for i, (name, build) in enumerate(PACK_CASES.items()):
        command = commands[i % 3]
        if command == "init" and name.startswith("docx-"):   # init reads no Word template
            command = "check"
        yield pytest.param(build, command, id=name)
    for name, build in AUDIT_CASES.items():
        yield pytest.param(build, "audit", id=name)


def test_every_form_setting_read_is_a_known_one():
    """A form setting the reader uses but FORM_KEYS lacks would be refused as a typo."""
    import inspect

    from reportgen.pack import packs

    read = set(re.findall(r'\bf_node, "(\w+)"', inspect.getsource(packs)))
    assert read and read <= set(packs.FORM_KEYS)


def test_the_corpus_is_large_enough():
    assert len(list(_cases())) >= 100


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang(f"still running after {HANG_GUARD} s")


@pytest.mark.parametrize("build, command", list(_cases()))
def test_malformed_input_fails_cleanly(build, command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    built = build(tmp_path, command)
    args = [str(a) for a in built.args]
    if "__UNIT__" in args:
        (tmp_path / "unit.yaml").write_text("year：2021\n", encoding="utf-8")
        args[args.index("__UNIT__")] = str(tmp_path / "unit.yaml")
    before = {p for p in tmp_path.rglob("*") if not p.is_symlink()}
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_GUARD)
    start = time.perf_counter()
    try:
        result = CliRunner().invoke(main, args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    elapsed = time.perf_counter() - start
    output = result.output
    assert not isinstance(result.exception, _Hang), f"hung: {args}"
    assert result.exit_code in built.exit_codes, output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output
    assert re.search(built.loc, output), f"no location /{built.loc}/ in:\n{output}"
    assert re.search("[\u4e00-\u9fff]", output), output          # the message is Chinese
    for path in built.outputs:
        assert not path.exists(), f"{path} was written"
    after = {p for p in tmp_path.rglob("*") if not p.is_symlink()}
    assert not [p for p in after - before if p.name.startswith(".reportgen-")]
    assert elapsed < HANG_GUARD
