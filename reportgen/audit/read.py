"""Read a filed report (.docx, .pdf, .txt) into text units with locations.

A :class:`Document` is an ordered list of :class:`Unit` — a paragraph, a
line of PDF/plain text, or one table cell — plus the table rows as lists of
cells, so that checks can read both running text and table grids.  Every
unit knows where it is (段 / 行 / 页 / 表·行·格) so a finding can point at it.

Plain text follows the seed dumps (``../shared/seeds``): a line with tabs
between cells is one table row; lines that start with a tab are one cell
each and a blank line ends the row; UTF-8, else GB18030 (a superset of GBK).
PDF text is read page by page with pypdfium2 (PDFium; measured in
``bench/audit_bench.py`` against pypdf, pdfplumber and poppler's pdftotext:
the fastest, a wheel on every platform, and it gives each text segment's
position).  Its lines are running text (wrapped sentences are joined by the
checks, which allow line breaks between the parts of a statement); its
positioned segments, grouped into lines, are :attr:`Document.grid` — the
tables, read by :mod:`.tables`.  A .doc or .wps file is converted to .docx
by LibreOffice first.

Raises :class:`Unreadable` (a :class:`reportgen.errors.ReportgenError`) with
a Chinese message for a missing file, an unknown extension or a document
whose text cannot be read (a scanned PDF without a text layer, a broken or
encrypted file).
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
_ITEM = re.compile(r"^\s*\d{1,2}\s*(?:[、．]|\.(?!\d))")
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
    item: int = 0                 # numbered item (1、 2. …) of its section the unit belongs to


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
class GridLine:
    """One printed line of a PDF page as positioned segments: ``cells`` are
    ``(x0, x1, text)`` left to right (points from the page's left edge)."""

    page: int
    top: float
    bottom: float
    cells: list[tuple[float, float, str]]

    @property
    def texts(self) -> list[str]:
        return [t for _, _, t in self.cells]


class Unreadable(ReportgenError):
    """A document whose text could not be read (no audit is possible)."""


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
    grid: list[GridLine] = field(default_factory=list)
    cache: dict = field(default_factory=dict, repr=False)   # what the checks read once (mentions, tables)
    blank_pages: list[int] = field(default_factory=list)    # PDF pages without a text layer (scanned)

    def finish(self) -> "Document":
        """Number sections and forms, build the stream."""
        section = form = item = 0
        for u in self.units:
            first = u.text.strip()
            if u.col in (None, 0) and first and len(first) <= 60:
                if _FORM_TITLE.search(first) and not re.search(r"[，。；]", first):
                    form += 1
                    section += 1
                    item = 0
                elif _LEVEL1.match(first) or _LEVEL2.match(first):
                    section += 1
                    item = 0
                    u.soft = False          # a heading never runs into the next line
            if u.col in (None, 0) and _ITEM.match(first):
                item += 1
            u.section, u.form = section, form
            u.item = item if u.col is None else 0      # a table cell is not part of a numbered item
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
        raise Unreadable(f"{name}: {problem}")
    ext = p.suffix.lower()
    readers = {".docx": _read_docx, ".pdf": _read_pdf, ".txt": _read_txt, ".doc": _read_converted,
               ".wps": _read_converted}
    if ext not in readers:
        raise Unreadable(f"{name}: 不支持的文件类型“{p.suffix or '无扩展名'}”，"
                         f"只能审核 .docx、.doc、.wps、.pdf、.txt（unsupported file type）")
    if ext == ".docx" and (problem := zip_problem(p)):
        raise Unreadable(f"{name}: 无法读取 Word 文件：{problem}")
    try:
        doc = readers[ext](p, name).finish()
    except ReportgenError:
        raise
    except (zipfile.BadZipFile, KeyError) as exc:
        raise Unreadable(f"{name}: 无法读取 Word 文件，文件已损坏或不是 .docx（{exc}）") from exc
    except UnicodeDecodeError as exc:
        raise Unreadable(f"{name}: 文本文件不是 UTF-8 或 GB18030/GBK 编码（cannot decode）") from exc
    except Exception as exc:  # the PDF and docx libraries raise many types for a broken file
        raise Unreadable(f"{name}: 无法读取文件：{type(exc).__name__}: {exc}") from exc
    if not re.search(r"[\u4e00-\u9fff]", doc.stream) and not re.search(r"\d", doc.stream):
        raise Unreadable(f"{name}: 文件中没有可读的文字（empty document）")
    return doc


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
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise Unreadable(f"{name}: PDF 已加密，无法读取文字（encrypted PDF）") from exc
        raise Unreadable(f"{name}: 无法读取 PDF，文件已损坏或不是 PDF（{exc}）") from exc
    doc = Document(name)
    try:
        for p in range(len(pdf)):
            page = pdf[p]
            textpage = page.get_textpage()
            text = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            if not text.strip():
                doc.blank_pages.append(p + 1)
            for n, line in enumerate(text.split("\n"), 1):
                if line.strip():
                    doc.units.append(Unit(line, f"第{p + 1}页第{n}行", soft=True))
            if _tabular(text):
                doc.grid += _grid_lines(textpage, p + 1)
            textpage.close()
            page.close()
    finally:
        pdf.close()
    if not any(u.text.strip() for u in doc.units):
        raise Unreadable(f"{name}: PDF 中没有可提取的文字，可能是扫描件，无法审核"
                         f"（no text layer; run OCR first）")
    return doc


_BARE = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)(?![\d.,]|\s*(?:万|亿|元|%|％))")


def _tabular(text: str) -> bool:
    """A page that may hold a table: a 单位 line, or four amounts with
    decimals or thousands separators and no unit after them (narrative
    pages are not laid out, which saves most of the reading time)."""
    if re.search(r"单位\s*[:：]\s*(万元|元)", text):
        return True
    return len(_BARE.findall(text)) >= 4 or bool(re.search(r"(合计|总计)\s*[\d,.]+\s+[\d,.]", text))


def _grid_lines(textpage, page: int) -> list[GridLine]:
    """The page's text segments grouped into printed lines (segments whose
    vertical extents overlap by half), each line's segments left to right;
    segments closer than one character are joined (a phrase PDFium split at
    punctuation)."""
    segs = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        t = textpage.get_text_bounded(left, bottom, right, top)
        t = re.sub(r"\s+", " ", t).strip()
        if t:
            segs.append((top, bottom, left, right, t))
    segs.sort(key=lambda g: -(g[0] + g[1]) / 2)
    lines: list[list] = []
    for g in segs:
        top, bottom = g[0], g[1]
        if lines:
            cur = lines[-1]
            ctop, cbot = cur[0], cur[1]
            overlap = min(top, ctop) - max(bottom, cbot)
            if overlap >= 0.5 * min(top - bottom, ctop - cbot):
                cur[2].append(g)
                cur[0], cur[1] = max(top, ctop), min(bottom, cbot)
                continue
        lines.append([top, bottom, [g]])
    out = []
    for top, bottom, gs in lines:
        gs.sort(key=lambda g: g[2])
        height = max(g[0] - g[1] for g in gs)
        cells: list[list] = []
        for g in gs:
            if cells and g[2] - cells[-1][1] < 0.8 * height and \
                    _is_amount(cells[-1][2]) == _is_amount(g[4]):
                cells[-1][1] = max(cells[-1][1], g[3])
                cells[-1][2] += g[4]
            else:
                cells.append([g[2], g[3], g[4]])
        out.append(GridLine(page, top, bottom, [(a, b, t) for a, b, t in cells]))
    return _join_wrapped_numbers(out)


#: the first half of a wrapped amount: ends in "." or ",", or one decimal short ("94,117,688.5")
_WRAPPED = re.compile(r"^[-−]?\d[\d,]*(?:[.,]|\.\d)$")


def _is_amount(text: str) -> bool:
    return bool(re.fullmatch(r"[-−]?[\d,.]+", text.strip()))


def _join_wrapped_numbers(lines: list[GridLine]) -> list[GridLine]:
    """An amount too wide for its cell wraps ("104,692,235." over "55"; the
    row's label may sit on a line between the two halves): the piece under
    it, within two lines, is joined back, so that neither half is read as an
    amount of its own."""
    for i, line in enumerate(lines):
        for k, (x0, x1, t) in enumerate(line.cells):
            if not _WRAPPED.match(t):
                continue
            rest = r"\d" if t[-2] == "." else r"\d[\d,]*(?:\.\d+)?"
            done = False
            for nxt in lines[i + 1:i + 3]:
                if nxt.page != line.page or line.bottom - nxt.top > 3 * (line.top - line.bottom):
                    break
                for j, (y0, y1, u) in enumerate(nxt.cells):
                    if re.fullmatch(rest, u) and y0 <= x1 and x0 <= y1:
                        line.cells[k] = (min(x0, y0), max(x1, y1), t + u)
                        del nxt.cells[j]
                        done = True
                        break
                if done:
                    break
    return [ln for ln in lines if ln.cells]


def _read_converted(path: Path, name: str) -> Document:
    """A .doc / .wps file: converted to .docx by LibreOffice, then read as a .docx."""
    return docx_document(converted_docx(path, name), name, finish=False)


def converted_docx(path: Path, name: str) -> bytes:
    """The .docx LibreOffice (``soffice``) makes of a .doc / .wps file, in a
    temporary folder with its own profile (so it runs beside an open
    LibreOffice).  Raises :class:`Unreadable` when LibreOffice is missing,
    times out (180 s) or cannot convert the file."""
    import subprocess
    import tempfile

    from reportgen.output.pdf import find_soffice

    soffice = find_soffice()
    if soffice is None:
        raise Unreadable(f"{name}: 读取 {path.suffix} 文件需要 LibreOffice（soffice），未找到；"
                         f"请安装 LibreOffice，或在 WPS/Word 中另存为 .docx 后再审核")
    with tempfile.TemporaryDirectory(prefix="reportgen-audit-") as tmp:
        profile = Path(tmp, "profile").as_uri()
        src = Path(tmp, "in" + path.suffix.lower())
        src.write_bytes(path.read_bytes())
        try:
            subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                            "docx", "--outdir", tmp, str(src)], capture_output=True, timeout=180, check=False)
        except subprocess.TimeoutExpired as exc:
            raise Unreadable(f"{name}: LibreOffice 转换超时（180 秒），无法读取") from exc
        out = Path(tmp, "in.docx")
        if not out.exists():
            raise Unreadable(f"{name}: LibreOffice 无法转换此文件，文件可能已损坏（conversion failed）")
        return out.read_bytes()


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("utf-8", data, 0, 1, "neither UTF-8 nor GB18030")


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
