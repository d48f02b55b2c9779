"""Read a filed report (.docx, .pdf, .txt) into text units with locations.

A :class:`Document` is an ordered list of :class:`Unit` — a paragraph, a
line of PDF/plain text, or one table cell — plus the table rows as lists of
cells, so that checks can read both running text and table grids.  Every
unit knows where it is (段 / 行 / 页 / 表·行·格) so a finding can point at it.

Plain text follows the seed dumps (``../shared/seeds``): a line with tabs
between cells is one table row; lines that start with a tab are one cell
each and a blank line ends the row.  PDF text is read page by page with
pypdf; its lines are running text (wrapped sentences are joined by the
checks, which allow line breaks between the parts of a statement).

Raises :class:`reportgen.errors.ReportgenError` with a Chinese message for a
missing file, an unknown extension or an unreadable document.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from reportgen.output.docxtext import read_document
from reportgen.errors import ReportgenError

#: Separator between units that ends a sentence (a table cell, a docx
#: paragraph); wrapped lines of PDF/plain text are joined by "\n" instead.
HARD = "\u2029"

_MARKUP = re.compile(r"</?p>|\[bookmark:[^\]]*\]")
_LEVEL1 = re.compile(r"^\s*(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+\s*[、.．]|附件)")
_LEVEL2 = re.compile(r"^\s*[（(][一二三四五六七八九十]+[）)]")
_FORM_TITLE = re.compile(r"(自评表|自评报告|决算公开|决算表|统计表)\s*[（(]?[^（(]{0,8}[)）]?\s*$")


@dataclass
class Unit:
    """One piece of text: a paragraph, a line, or a table cell."""

    text: str
    loc: str                      # 第3段 / 第12行 / 第2页第5行 / 表1第3行第4格
    table: int | None = None      # 1-based table number (docx) or row group (txt)
    row: int | None = None
    col: int | None = None
    section: int = 0              # heading-delimited part of the document
    form: int = 0                 # form (自评表 …) the unit belongs to
    soft: bool = False            # a wrapped line: joins the next unit mid-sentence


@dataclass
class Row:
    """A table row: its cells in grid order (empty cells kept)."""

    cells: list[Unit]
    loc: str
    table: int

    @property
    def texts(self) -> list[str]:
        return [c.text.strip() for c in self.cells]


@dataclass
class Document:
    """A read document: ``units`` in reading order, ``rows`` of its tables,
    and ``stream`` — all unit texts joined, with ``offsets`` mapping each
    unit to its start in the stream."""

    path: str
    units: list[Unit] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    stream: str = ""
    starts: list[int] = field(default_factory=list)

    def finish(self) -> "Document":
        """Number sections and forms, build the stream."""
        section = form = 0
        for u in self.units:
            first = u.text.strip()
            if u.col in (None, 0) and first and len(first) <= 60:
                if _FORM_TITLE.search(first) and not re.search(r"[，。；]", first):
                    form += 1
                    section += 1
                elif _LEVEL1.match(first) or _LEVEL2.match(first):
                    section += 1
                    u.soft = False          # a heading never runs into the next line
            u.section, u.form = section, form
        for u in self.units:
            u.text = _MARKUP.sub("", u.text)
        parts, pos = [], 0
        for u in self.units:
            self.starts.append(pos)
            parts.append(u.text)
            pos += len(u.text)
            sep = "\n" if u.soft else HARD
            parts.append(sep)
            pos += 1
        self.stream = "".join(parts)
        return self

    def unit_at(self, offset: int) -> Unit:
        """The unit containing stream position ``offset``."""
        import bisect
        i = bisect.bisect_right(self.starts, offset) - 1
        return self.units[max(i, 0)]

    def quote(self, start: int, end: int, pad: int = 0) -> str:
        """The stream text between two offsets, on one line."""
        text = self.stream[max(0, start - pad):end + pad]
        return re.sub(r"[\u2029\n]+", " ", text).strip()


#: Largest .txt report read (a 300-page report is about 1 MB of text).
MAX_TEXT_BYTES = 20 * 1024 * 1024


def read(path: str | Path, display: str | None = None) -> Document:
    """Read ``path`` by its extension (.docx, .pdf, .txt)."""
    from reportgen.unitfile.load import MAX_DOCUMENT_BYTES, file_problem, zip_problem

    p = Path(path)
    name = display or str(path)
    problem = file_problem(p, MAX_TEXT_BYTES if p.suffix.lower() == ".txt" else MAX_DOCUMENT_BYTES)
    if problem:
        raise ReportgenError(f"{name}: {problem}")
    ext = p.suffix.lower()
    readers = {".docx": _read_docx, ".pdf": _read_pdf, ".txt": _read_txt}
    if ext not in readers:
        raise ReportgenError(f"{name}: 不支持的文件类型“{p.suffix or '无扩展名'}”，"
                             f"只能审核 .docx、.pdf、.txt（unsupported file type）")
    if ext == ".docx" and (problem := zip_problem(p)):
        raise ReportgenError(f"{name}: 无法读取 Word 文件：{problem}")
    try:
        return readers[ext](p, name).finish()
    except ReportgenError:
        raise
    except (zipfile.BadZipFile, KeyError) as exc:
        raise ReportgenError(f"{name}: 无法读取 Word 文件，文件已损坏或不是 .docx（{exc}）") from exc
    except UnicodeDecodeError as exc:
        raise ReportgenError(f"{name}: 文本文件不是 UTF-8 或 GBK 编码（cannot decode）") from exc
    except Exception as exc:  # pypdf raises many types for a broken PDF
        raise ReportgenError(f"{name}: 无法读取文件：{type(exc).__name__}: {exc}") from exc


def _read_docx(path: Path, name: str) -> Document:
    return docx_document(path.read_bytes(), name, finish=False)


def docx_document(data: bytes, name: str, finish: bool = True) -> Document:
    """A .docx held in memory (e.g. one reportgen just rendered)."""
    doc = Document(name)
    n_par = n_table = 0
    for kind, content in read_document(data):
        if kind == "p":
            n_par += 1
            if content.strip():
                doc.units.append(Unit(content, f"第{n_par}段"))
            continue
        n_table += 1
        for r, cells in enumerate(content, 1):
            row_units: list[Unit] = []
            col = 0
            for text, span, merge in cells:
                col += 1
                unit = Unit("" if merge == "continue" else text, f"表{n_table}第{r}行第{col}格",
                            table=n_table, row=r, col=col)
                row_units.append(unit)
                doc.units.append(unit)
                for _ in range(span - 1):   # keep grid columns aligned
                    col += 1
                    row_units.append(Unit("", unit.loc, table=n_table, row=r, col=col))
            doc.rows.append(Row(row_units, f"表{n_table}第{r}行", n_table))
    return doc.finish() if finish else doc


def _read_pdf(path: Path, name: str) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise ReportgenError(f"{name}: PDF 已加密，无法读取文字（encrypted PDF）")
        pages = [page.extract_text() or "" for page in reader.pages]
    except PdfReadError as exc:
        raise ReportgenError(f"{name}: 无法读取 PDF（{exc}）") from exc
    if not any(p.strip() for p in pages):
        raise ReportgenError(f"{name}: PDF 中没有可提取的文字（可能是扫描件）（no text layer）")
    doc = Document(name)
    for p, text in enumerate(pages, 1):
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                doc.units.append(Unit(line, f"第{p}页第{n}行", soft=True))
    return doc


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("utf-8", data, 0, 1, "neither UTF-8 nor GBK")


def _is_cell_line(line: str) -> bool:
    """A line of a cell-per-line table dump: it starts with a tab."""
    return bool(re.match(r"^[ \u3000]*\t", line)) and "\t" not in line.lstrip(" \u3000\t")


def _read_txt(path: Path, name: str) -> Document:
    doc = Document(name)
    lines = _decode(path.read_bytes()).replace("\r\n", "\n").split("\n")
    table = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        n = i + 1
        if not line.strip() and "\t" not in line:
            i += 1
            continue
        if _is_cell_line(line):
            # cell-per-line row: until a blank line
            table += 1
            cells: list[Unit] = []
            while i < len(lines) and (lines[i].strip() or "\t" in lines[i]):
                cur = lines[i]
                if _is_cell_line(cur) or not cells:
                    cells.append(Unit(cur.strip(" \u3000\t"), f"第{i + 1}行", table=table, row=1,
                                      col=len(cells) + 1))
                else:
                    cells[-1].text += "\n" + cur.strip()
                i += 1
            doc.rows.append(Row(cells, f"第{n}行", table))
            doc.units.extend(cells)
            continue
        stripped = line.strip(" \u3000")
        if "\t" in stripped.strip("\t"):
            table += 1
            cells = [Unit(t.strip(), f"第{n}行", table=table, row=1, col=k)
                     for k, t in enumerate(line.split("\t"), 1)]
            doc.rows.append(Row(cells, f"第{n}行", table))
            doc.units.extend(cells)
        else:
            doc.units.append(Unit(line.strip(), f"第{n}行", soft=True))
        i += 1
    return doc
