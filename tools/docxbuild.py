"""Shared building blocks of the Word form templates (python-docx + raw OOXML).

Used by ``tools/build_templates.py`` (晋中 部门整体) and
``tools/build_project_templates.py`` (晋中 项目, 忻州 项目).  A template is
built like this::

    doc = Document()
    setup_document(doc, title="…", builder="tools/xyz.py")
    add_font_table(doc)
    add_block(doc, para_xml("标题", FONT_TITLE, SZ_TITLE, bold=True))
    t = FormTable((COLS_A, COLS_B))          # each section's column widths
    t.row(COLS_A, [C("label"), C("{{ value }}")])
    t.tag_row("{%tr for r in rows %}")      # a row docxtpl removes
    add_block(doc, t.xml())
    add_footer(doc)
    data = save(doc)                        # reproducible bytes

Conventions every template follows
* The form is ONE table on a shared ("union") column grid, so Word and
  LibreOffice both draw it as one continuous ruled form.  Each section lists
  its own column widths; the grid is the union of all section column edges and
  every cell gets the matching ``gridSpan``.
* ``tblLayout fixed`` + ``tcW`` on every cell + ``tblGrid`` keep the widths
  identical in Word and LibreOffice.  Rows only have a minimum height
  (``hRule="atLeast"``) so long texts make them grow.
* Every Jinja tag is written as the text of a single run (no formatting change
  inside a tag) and uses ASCII punctuation only.
* Every run carries explicit ``w:rFonts`` ascii/hAnsi/eastAsia/cs; the
  document defaults are rewritten too, so no theme font leaks in.
* The output is byte-reproducible (no core-property dates, fixed zip
  timestamps), so rebuilding without changes gives no git diff.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from reportgen.output.render import normalize_zip  # noqa: E402  (same reproducible zip as rendered forms)

REPO = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------- page (twips)
PAGE_W, PAGE_H = 11906, 16838            # A4 portrait
MARGIN_TOP = MARGIN_BOTTOM = 1134        # 2 cm
MARGIN_LEFT = MARGIN_RIGHT = 1134        # 2 cm
HEADER_DIST = FOOTER_DIST = 567          # 1 cm
TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT   # 9638 = 17 cm, the form's width

# ---------------------------------------------------------------- fonts
FONT_TITLE = "宋体"          # bold; 方正小标宋简体 is not installed on most PCs
FONT_FANGSONG = "仿宋_GB2312"
FONT_TABLE = "宋体"
# sizes in half-points (w:sz)
SZ_TITLE = 36      # 18 pt (小二)
SZ_YEAR = 28       # 14 pt (四号)
SZ_UNIT = 24       # 12 pt (小四)
SZ_TABLE = 21      # 10.5 pt (五号)
SZ_NOTE = 18       # 9 pt (小五)

# ---------------------------------------------------------------- table look
BORDER_SZ = 4                  # eighths of a point: 0.5 pt lines
CELL_MAR_LR = 85               # 0.15 cm left/right cell padding
CELL_MAR_TB = 28               # 0.05 cm top/bottom cell padding
ROW_H = 454                    # 0.8 cm minimum height of ordinary rows
ROW_H_NARRATIVE = 1134         # 2 cm minimum height of the narrative rows
ROW_H_SCORE = 397              # 0.7 cm minimum height of scoring-table rows


#: Paragraph default ``w:overflowPunct`` on (允许标点溢出边界, Word's own default
#: for Chinese, so Word lays out as before).  LibreOffice reads the element
#: inverted — its DOCX import sets ParaIsHangingPunctuation = (overflowPunct
#: == 0), and hanging is its default when the element is absent — and its
#: hanging punctuation drops a line-end 、 or 。 from justified paragraphs
#: ("人事教育科、政策法规科" printed without its 、; issue 13 point 6).  Written
#: explicitly, LibreOffice keeps every punctuation mark inside the line.
OVERFLOW_PUNCT = "<w:overflowPunct/>"


# ================================================================ XML helpers

def rpr_xml(font: str, size: int, bold: bool = False) -> str:
    """Run properties with the font set for every script (incl. eastAsia)."""
    b = "<w:b/><w:bCs/>" if bold else ""
    return (f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" '
            f'w:cs="{font}" w:hint="eastAsia"/>{b}'
            f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>')


def run_xml(text: str, font: str, size: int, bold: bool = False) -> str:
    """One run; ``\\n`` in fixed texts becomes a line break, ``\\t`` a tab."""
    parts = []
    for i, line in enumerate(text.split("\n")):
        if i:
            parts.append("<w:br/>")
        for j, chunk in enumerate(line.split("\t")):
            if j:
                parts.append("<w:tab/>")
            if chunk:
                parts.append(f'<w:t xml:space="preserve">{escape(chunk)}</w:t>')
    return f"<w:r>{rpr_xml(font, size, bold)}{''.join(parts)}</w:r>"


def para_xml(text: str, font: str, size: int, *, bold: bool = False, jc: str = "center",
             indent: bool = False, before: int = 0, after: int = 0, tabs: str = "",
             keep_next: bool = False) -> str:
    """A paragraph with single line spacing.

    ``indent``: first line indented 2 characters.  ``keep_next``: keep with the
    next paragraph (in a table: keep this row on the page of the next row).
    """
    ind = f'<w:ind w:firstLineChars="200" w:firstLine="{size * 20}"/>' if indent else ""
    keep = "<w:keepNext/>" if keep_next else ""
    ppr = (f"<w:pPr>{keep}{tabs}<w:spacing w:before=\"{before}\" w:after=\"{after}\" "
           f"w:line=\"240\" w:lineRule=\"auto\"/>{ind}<w:jc w:val=\"{jc}\"/>"
           f"{rpr_xml(font, size, bold)}</w:pPr>")
    body = run_xml(text, font, size, bold) if text else ""
    return f"<w:p>{ppr}{body}</w:p>"


def add_block(doc, xml: str) -> None:
    """Append a body-level element (paragraph or table) before the sectPr.

    The fragments are written without namespace declarations; the ``w``
    namespace is declared once, on the root element, here.
    """
    root_end = xml.index(">")
    doc.element.body.sectPr.addprevious(
        parse_xml(f"{xml[:root_end]} {nsdecls('w')}{xml[root_end:]}"))


def add_para(doc, text: str, font: str, size: int, **kw) -> None:
    """``add_block(doc, para_xml(...))``: a body paragraph."""
    add_block(doc, para_xml(text, font, size, **kw))


# ================================================================ the form table

@dataclass
class C:
    """One cell of a row.

    ``span``: how many of the section's columns it covers.  ``vmerge``: a
    static vertical merge ("restart"/"continue"), written into the template.
    ``nil``: sides ("top", "bottom") drawn without a rule (two merged cells
    that read as one).
    """

    text: str = ""
    span: int = 1
    jc: str = "center"
    bold: bool = False
    vmerge: str | None = None
    indent: bool = False
    nil: tuple[str, ...] = ()


def loop_label(text: str) -> C:
    """The first-column label of the rows of a ``{%tr for %}`` loop, merged
    down the loop: the first row's cell holds ``text`` (bold) and restarts
    the merge, every later row continues it.  Its top has no rule: the
    header rows above end in a blank merge of their own (``nil=("bottom",)``),
    and the two read as one merged label column.  A label merged down from
    repeated header rows (tblHeader) is drawn by LibreOffice in every
    repeated copy, over whatever follows on that page."""
    return C('{% vmerge ("restart" if loop.first else "continue") %}'
             f"{{% if loop.first %}}{text}{{% endif %}}", bold=True, nil=("top",))


def grid_edges(sections, width: int = TEXT_W) -> list[int]:
    """The union of all sections' column edges (each section sums to ``width``)."""
    edges: set[int] = {0, width}
    for cols in sections:
        assert sum(cols) == width, (cols, sum(cols), width)
        x = 0
        for w in cols:
            edges.add(x)
            x += w
    return sorted(edges)


class FormTable:
    """One table on the union grid of all sections' column edges.

    ``sections``: every column tuple that rows will use (each sums to
    ``width``).  ``size``: font size (half-points) of every cell.
    """

    def __init__(self, sections, *, size: int = SZ_TABLE, font: str = FONT_TABLE,
                 width: int = TEXT_W, bottom: bool = True, nested: bool = False) -> None:
        self.width = width
        self.size = size
        self.font = font
        self.edges = grid_edges(sections, width)
        self.rows: list[str] = []
        self.bottom = bottom          # False: no bottom rule (the next table continues the form)
        # A table inside a padding-free cell (block_row): Word (compatibility
        # mode 14) and LibreOffice put a table's edge one cell padding left of
        # its indent, so an indent of one padding puts it on the cell's edge.
        self.indent = CELL_MAR_LR if nested else 0

    def _grid_span(self, x0: int, x1: int) -> int:
        return self.edges.index(x1) - self.edges.index(x0)

    def row(self, cols: tuple[int, ...], cells: list[C], *, height: int = ROW_H,
            cant_split: bool = True, keep_next: bool = False, header: bool = False) -> None:
        """Add a row.  ``cols`` is the section's column tuple; cells must cover it.

        ``cant_split``: the row may not break across pages.  ``keep_next``: keep
        the row on the same page as the next one (keepNext on its paragraphs).
        ``header``: repeat the row at the top of every page (tblHeader).
        """
        assert sum(c.span for c in cells) == len(cols), (cols, cells)
        tcs = []
        i = x = 0
        for c in cells:
            w = sum(cols[i:i + c.span])
            span = self._grid_span(x, x + w)
            tcpr = f'<w:tcW w:w="{w}" w:type="dxa"/>'
            if span > 1:
                tcpr += f'<w:gridSpan w:val="{span}"/>'
            if c.vmerge:
                tcpr += f'<w:vMerge w:val="{c.vmerge}"/>'
            if c.nil:
                sides = "".join(f'<w:{side} w:val="nil"/>' for side in c.nil)
                tcpr += f"<w:tcBorders>{sides}</w:tcBorders>"
            tcpr += '<w:vAlign w:val="center"/>'
            tcs.append(f"<w:tc><w:tcPr>{tcpr}</w:tcPr>{self.cell_para(c, keep_next)}</w:tc>")
            i += c.span
            x += w
        trpr = "<w:cantSplit/>" if cant_split else ""
        trpr += f'<w:trHeight w:val="{height}" w:hRule="atLeast"/>'
        if header:
            trpr += "<w:tblHeader/>"
        self.rows.append(f"<w:tr><w:trPr>{trpr}</w:trPr>{''.join(tcs)}</w:tr>")

    def cell_para(self, c: C, keep_next: bool) -> str:
        """The paragraph of one cell (a subclass may size or style it per cell)."""
        return para_xml(c.text, self.font, self.size, bold=c.bold, jc=c.jc, indent=c.indent,
                        keep_next=keep_next)

    def block_row(self, inner: "FormTable", after: list[str] = ()) -> None:
        """One row across the whole width that cannot break across pages,
        holding the table ``inner`` and then the paragraphs ``after`` (XML):
        what must stay on one page — 综合得分 with 评价结果等次, the
        evaluators, the signature and stamp lines — stays together in Word
        and in LibreOffice (which keeps no table row with the next one and no
        table with the paragraph after it).  The cell has no padding and no
        side or bottom rules: ``inner`` draws its own, on the form's edges,
        and the paragraphs read as lines under the form."""
        nil = "".join(f'<w:{side} w:val="nil"/>' for side in ("left", "bottom", "right"))
        mar = "".join(f'<w:{side} w:w="0" w:type="dxa"/>' for side in ("top", "left", "bottom", "right"))
        span = len(self.edges) - 1
        tcpr = (f'<w:tcW w:w="{self.width}" w:type="dxa"/>'
                + (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "")
                + f"<w:tcBorders>{nil}</w:tcBorders><w:tcMar>{mar}</w:tcMar>")
        body = inner.xml() + ("".join(after) or para_xml("", self.font, 2))
        self.rows.append(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>"
                         f"<w:tc><w:tcPr>{tcpr}</w:tcPr>{body}</w:tc></w:tr>")

    def tag_row(self, tag: str) -> None:
        """A row holding only a ``{%tr ...%}`` tag; docxtpl removes the whole row."""
        self.row((self.width,), [C(tag, jc="left")], height=0)

    def xml(self) -> str:
        grid = "".join(f'<w:gridCol w:w="{b - a}"/>' for a, b in zip(self.edges, self.edges[1:]))
        line = f'w:val="single" w:sz="{BORDER_SZ}" w:space="0" w:color="000000"'
        borders = "".join(f"<w:{side} {line}/>" if side != "bottom" or self.bottom
                          else f'<w:{side} w:val="nil"/>'
                          for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
        tblpr = (f'<w:tblPr><w:tblW w:w="{self.width}" w:type="dxa"/><w:jc w:val="center"/>'
                 f'<w:tblInd w:w="{self.indent}" w:type="dxa"/>'
                 f"<w:tblBorders>{borders}</w:tblBorders>"
                 f'<w:tblLayout w:type="fixed"/>'
                 f'<w:tblCellMar><w:top w:w="{CELL_MAR_TB}" w:type="dxa"/>'
                 f'<w:left w:w="{CELL_MAR_LR}" w:type="dxa"/>'
                 f'<w:bottom w:w="{CELL_MAR_TB}" w:type="dxa"/>'
                 f'<w:right w:w="{CELL_MAR_LR}" w:type="dxa"/></w:tblCellMar>'
                 f'<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" '
                 f'w:lastColumn="0" w:noHBand="0" w:noVBand="0"/></w:tblPr>')
        return (f"<w:tbl>{tblpr}<w:tblGrid>{grid}</w:tblGrid>"
                f"{''.join(self.rows)}</w:tbl>")


# ================================================================ document parts

def evaluator_rows(t: FormTable, cols: tuple[int, ...]) -> None:
    """评价人员 label merged over the header row and one row per evaluator.

    Meant for the table of a :meth:`FormTable.block_row`, which keeps them
    together with the signature line below, so the stacked label 评价人员
    never splits across a page break.
    """
    t.row(cols, [C("评价人员", bold=True, vmerge="restart"), C("姓名", bold=True),
                 C("职称/职务", bold=True), C("科室", bold=True), C("联系电话", bold=True)],
          keep_next=True)
    t.tag_row("{%tr for e in evaluators %}")
    t.row(cols, [C(vmerge="continue"), C("{{ e.name }}"), C("{{ e.title }}"),
                 C("{{ e.office }}"), C("{{ e.phone }}")], keep_next=True)
    t.tag_row("{%tr endfor %}")


def setup_document(doc, *, title: str, builder: str) -> None:
    """A4, 2 cm margins, 宋体 五号 defaults with no spacing, zh-CN language.

    ``title``: core-property title.  ``builder``: the script named in the
    core-property comment ("Generated by <builder>; do not edit by hand.").
    """
    sect = doc.sections[0]
    sp = sect._sectPr
    sp.remove(sp.find(qn("w:pgSz")))
    sp.remove(sp.find(qn("w:pgMar")))
    sp.insert(0, parse_xml(f'<w:pgSz {nsdecls("w")} w:w="{PAGE_W}" w:h="{PAGE_H}"/>'))
    sp.insert(1, parse_xml(
        f'<w:pgMar {nsdecls("w")} w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" '
        f'w:bottom="{MARGIN_BOTTOM}" w:left="{MARGIN_LEFT}" w:header="{HEADER_DIST}" '
        f'w:footer="{FOOTER_DIST}" w:gutter="0"/>'))

    # Document defaults: explicit fonts (no theme fonts), 五号, no paragraph spacing.
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    styles.remove(defaults)
    styles.insert(0, parse_xml(
        f'<w:docDefaults {nsdecls("w")}><w:rPrDefault>'
        f'<w:rPr><w:rFonts w:ascii="{FONT_TABLE}" w:hAnsi="{FONT_TABLE}" '
        f'w:eastAsia="{FONT_TABLE}" w:cs="{FONT_TABLE}"/>'
        f'<w:kern w:val="2"/><w:sz w:val="{SZ_TABLE}"/><w:szCs w:val="{SZ_TABLE}"/>'
        f'<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
        f'<w:pPrDefault><w:pPr>{OVERFLOW_PUNCT}<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
        f'</w:pPr></w:pPrDefault></w:docDefaults>'))

    # East-Asian theme language (python-docx's default template says ja-JP).
    settings = doc.settings.element
    tfl = settings.find(qn("w:themeFontLang"))
    if tfl is not None:
        tfl.set(qn("w:eastAsia"), "zh-CN")

    cp = doc.core_properties
    cp.title = title
    cp.author = cp.last_modified_by = "reportgen"
    cp.comments = f"Generated by {builder}; do not edit by hand."
    cp.revision = 1
    # no dates: a fixed one would be false, the build time not reproducible
    # (a rendered form gets the unit's 填报日期: render.core_properties)
    for tag in ("created", "modified", "lastPrinted"):
        for el in cp._element.findall(f"{{http://purl.org/dc/terms/}}{tag}"):
            cp._element.remove(el)

    # python-docx's default package carries a thumbnail of an unrelated page.
    rels = doc.part.package.rels
    for rid, rel in list(rels.items()):
        if rel.reltype.endswith("/metadata/thumbnail"):
            rels.pop(rid)


#: CJK fonts declared in every template: name → (altName, w:family, w:pitch)
BASE_FONTS = {
    "宋体": ("SimSun", "auto", "variable"),
    "仿宋_GB2312": ("仿宋", "modern", "fixed"),
}


def add_font_table(doc, extra: dict | None = None) -> None:
    """Declare the CJK fonts (:data:`BASE_FONTS` plus ``extra``, same shape) in
    word/fontTable.xml with GB2312 charset and an alternative name, so Word on
    a PC without 仿宋_GB2312 (Windows 10/11 ship only 仿宋) substitutes 仿宋
    rather than a Latin default font.

    python-docx has no API for the font table; it is a plain part whose bytes
    we rewrite.
    """
    fonts = {**BASE_FONTS, **(extra or {})}
    part = next(r.target_part for r in doc.part.rels.values()
                if r.reltype.endswith("/fontTable"))
    root = parse_xml(part.blob)
    for name, (alt, family, pitch) in fonts.items():
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                root.remove(old)
        root.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/>'
            f'<w:charset w:val="86"/><w:family w:val="{family}"/>'
            f'<w:pitch w:val="{pitch}"/></w:font>'))
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def signature_xml(text: str = "单位负责人（签章）：\t年　　月　　日", *,
                  before: int = 240, after: int = 120) -> str:
    """单位负责人（签章） left, 年 月 日 right (a right tab stop near the edge)."""
    tabs = f'<w:tabs><w:tab w:val="right" w:pos="{TEXT_W - 240}"/></w:tabs>'
    return para_xml(text, FONT_FANGSONG, SZ_UNIT, jc="left", before=before, after=after, tabs=tabs)


def add_signature_line(doc, text: str = "单位负责人（签章）：\t年　　月　　日", *,
                       before: int = 240, after: int = 120) -> None:
    """:func:`signature_xml` as a body paragraph."""
    add_block(doc, signature_xml(text, before=before, after=after))


def add_table_break(doc) -> None:
    """A 1-point paragraph between two tables of one form: Word merges
    tables that touch, and a table's header rows (tblHeader) repeat on every
    page only when they are the table's first rows.  The table above is
    built with ``bottom=False`` so the two read as one ruled form."""
    add_block(doc, '<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
                   '<w:rPr><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr></w:pPr></w:p>')


def add_footer(doc) -> None:
    """Centered "第 X 页" with a PAGE field."""
    footer = doc.sections[0].footer
    p = footer.paragraphs[0]._p
    rpr = rpr_xml(FONT_TABLE, SZ_NOTE)
    new_p = parse_xml(
        f'<w:p {nsdecls("w")}><w:pPr><w:jc w:val="center"/>{rpr}</w:pPr>'
        f'<w:r>{rpr}<w:t xml:space="preserve">第 </w:t></w:r>'
        f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r>{rpr}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
        f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
        f'<w:r>{rpr}<w:t>1</w:t></w:r>'
        f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>'
        f'<w:r>{rpr}<w:t xml:space="preserve"> 页</w:t></w:r></w:p>')
    p.addprevious(new_p)
    p.getparent().remove(p)


def save(doc) -> bytes:
    """The document as reproducible .docx bytes (fixed zip timestamps)."""
    buf = io.BytesIO()
    doc.save(buf)
    return normalize_zip(buf.getvalue())


def write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def build_all(description: str, builders: dict, default_out: Path) -> None:
    """A builder script's command line: ``-o FOLDER`` (default
    ``default_out``); writes ``builders`` (relative path → build function)
    below it and prints each path."""
    import argparse

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("-o", "--out", type=Path, default=default_out,
                    help=f"output folder (default: {default_out.relative_to(REPO)} in the repo)")
    args = ap.parse_args()
    for rel, build in builders.items():
        write(args.out / rel, build())
        print(args.out / rel)
