"""``reportgen audit --annotate DIR``: a copy of each audited document with
its findings at their place, for the filer to correct.

- .docx (and .doc/.wps, written as .docx): a Word comment (批注, python-docx)
  on the paragraph or table cell each finding points at (第N段 /
  表T第R行第C格), author “reportgen 审核”;
- .pdf: on the finding's page a highlight over the printed figure (found
  with PDFium's text search) and a note with the finding (pypdf
  annotations); a figure that cannot be found on the page gets the note at
  the top left of the page;
- .txt: a copy with each finding as a line ``【审核·级别】…`` after the line
  it points at.

The copy is named ``<原文件名>_审核批注.<ext>`` in DIR (created if missing);
the original is never touched, and the copy is written whole or not at all.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from reportgen.audit.findings import Finding
from reportgen.audit.read import Unreadable, converted_docx
from reportgen.output.render import write_atomic

AUTHOR = "reportgen 审核"


def note(f: Finding) -> str:
    """The text of a comment: level, check, message and the two values."""
    tail = f"（文中 {f.stated}，重算 {f.expected}）" if f.stated and f.expected else ""
    return f"【{f.severity}】{f.check}：{f.message}{tail}"


def annotate(path: Path, findings: list[Finding], out_dir: Path) -> Path:
    """Write the annotated copy of ``path`` into ``out_dir``; returns its path.
    Raises :class:`Unreadable` for a file type it cannot annotate."""
    ext = path.suffix.lower()
    out_dir.mkdir(parents=True, exist_ok=True)
    if ext in (".docx", ".doc", ".wps"):
        target = out_dir / f"{path.stem}_审核批注.docx"
        data = _docx(path, findings)
    elif ext == ".pdf":
        target = out_dir / f"{path.stem}_审核批注.pdf"
        data = _pdf(path, findings)
    elif ext == ".txt":
        target = out_dir / f"{path.stem}_审核批注.txt"
        data = _txt(path, findings)
    else:
        raise Unreadable(f"{path.name}: 不能为 {ext} 文件写批注")
    if target.resolve() == path.resolve():
        raise Unreadable(f"{path.name}: 批注版不能覆盖原文件")
    write_atomic(target, data)
    return target


def _docx_source(path: Path) -> bytes:
    if path.suffix.lower() == ".docx":
        return path.read_bytes()
    return converted_docx(path, path.name)


def _docx(path: Path, findings: list[Finding]) -> bytes:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(_docx_source(path)))
    paragraphs, tables = [], []
    body = document.element.body
    for el in body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraphs.append(Paragraph(el, document._body))
        elif tag == "tbl":
            tables.append(Table(el, document._body))
    for f in findings:
        target = None
        m = re.match(r"表(\d+)第(\d+)行(?:第(\d+)格)?", f.location)
        p = re.match(r"第(\d+)段", f.location)
        try:
            if m:
                row = tables[int(m.group(1)) - 1].rows[int(m.group(2)) - 1]
                cell = row.cells[int(m.group(3) or 1) - 1]
                target = cell.paragraphs[0]
            elif p:
                target = paragraphs[int(p.group(1)) - 1]
        except IndexError:
            target = None
        if target is None:
            target = paragraphs[0] if paragraphs else document.add_paragraph()
        runs = target.runs or [target.add_run("")]
        document.add_comment(runs, text=note(f), author=AUTHOR, initials="RG")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _pdf(path: Path, findings: list[Finding]) -> bytes:
    import pypdfium2 as pdfium
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Highlight, Text
    from pypdf.generic import ArrayObject, FloatObject

    writer = PdfWriter(clone_from=PdfReader(str(path)))
    pdf = pdfium.PdfDocument(str(path))
    try:
        placed: dict[int, int] = {}
        for f in findings:
            m = re.match(r"第(\d+)页", f.location)
            page_no = int(m.group(1)) - 1 if m else 0
            if not 0 <= page_no < len(pdf):
                page_no = 0
            page = pdf[page_no]
            width, height = page.get_size()
            box = _find(page, f)
            if box is not None:
                x0, y0, x1, y1 = box
                quad = ArrayObject([FloatObject(v) for v in (x0, y1, x1, y1, x0, y0, x1, y0)])
                writer.add_annotation(page_no, Highlight(rect=(x0, y0, x1, y1), quad_points=quad,
                                                         highlight_color="ffd966" if f.severity != "错误"
                                                         else "ff7f7f"))
                rect = (min(x1 + 2, width - 20), y0, min(x1 + 20, width), y0 + 18)
            else:
                k = placed.get(page_no, 0)
                placed[page_no] = k + 1
                rect = (10, height - 30 - 22 * k, 28, height - 12 - 22 * k)
            writer.add_annotation(page_no, Text(rect=rect, text=note(f), open=False))
    finally:
        pdf.close()
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _find(page, f: Finding) -> tuple[float, float, float, float] | None:
    """The box of the finding's printed figure on the page (the stated value
    without its unit, else a piece of the quote)."""
    textpage = page.get_textpage()
    try:
        wanted = [re.sub(r"(万元|元|%|％|人|辆|分|个百分点)$", "", f.stated)] if f.stated else []
        if wanted and re.fullmatch(r"\d+(?:\.\d+)?", wanted[0]) and len(wanted[0].split(".")[0]) > 3:
            whole, _, frac = wanted[0].partition(".")
            wanted.insert(0, f"{int(whole):,}" + (f".{frac}" if frac else ""))   # as a table prints it
        wanted += [q for q in re.split(r"[\s，。；：、]+", f.quote) if len(q) >= 6][:2]
        wanted += re.findall(r"\d[\d,]*\.\d+", f.quote)[:2]
        for w in wanted:
            if not w or len(w) < 2:
                continue
            searcher = textpage.search(w, match_case=False)
            hit = searcher.get_next()
            if hit:
                index, count = hit
                boxes = [textpage.get_charbox(i) for i in range(index, index + count)]
                return (min(b[0] for b in boxes), min(b[1] for b in boxes),
                        max(b[2] for b in boxes), max(b[3] for b in boxes))
        return None
    finally:
        textpage.close()


def _txt(path: Path, findings: list[Finding]) -> bytes:
    from reportgen.audit.read import _decode

    lines = _decode(path.read_bytes()).replace("\r\n", "\n").split("\n")
    notes: dict[int, list[str]] = {}
    for f in findings:
        m = re.match(r"第(\d+)行", f.location)
        notes.setdefault(int(m.group(1)) if m else 0, []).append(f"【审核·{note(f)[1:]}")
    out = [n for n in notes.get(0, [])]
    for i, line in enumerate(lines, 1):
        out.append(line)
        out += notes.get(i, [])
    return "\n".join(out).encode("utf-8")
