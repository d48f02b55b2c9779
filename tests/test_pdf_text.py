"""Every sentence of every rendered form is in its PDF (issue 13 point 6).

Each example is rendered with its pack, all forms are converted with one
LibreOffice run (:func:`reportgen.output.pdf.convert`, with the project's font
mapping), the PDF's text is extracted page by page with ``pdftotext -raw`` and
every sentence of every paragraph of the .docx (body and table cells, split
after 。；！？, whitespace removed) must occur in it.  LibreOffice's hanging
punctuation used to drop a line-end 、 or 。 of justified 仿宋 paragraphs
("人事教育科、政策法规科" came out as "人事教育科政策法规科"); a table row
split across pages tears its sentences apart.

The same PDFs show that no total row (合计、总计、总分、综合得分) stands alone
on a page under a repeated header: the row above it is printed on the same
page, immediately before it — on every form of every example and on the
宁乡 附件2-2 with more, fewer, longer and shorter criterion rows (issue 13
point 5; :func:`reportgen.output.render.keep_total_rows`).

Slow (about 25 s); skipped without LibreOffice or pdftotext (poppler-utils).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile

import pytest
from lxml import etree

from conftest import EXAMPLES
from reportgen.pack.packs import load_pack
from reportgen.pipeline import prepare, render_forms

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WS = re.compile(r"\s+")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                       reason="needs LibreOffice (soffice) and pdftotext (poppler-utils); "
                              "CI installs both"),
]


def docx_sentences(data: bytes) -> list[str]:
    """The sentences of every paragraph of the document body (tables
    included), whitespace removed, at least 2 characters.  A field's result
    (a 目录 entry's page number) is the renderer's to compute and left out."""
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    out = []
    for p in root.iter(W + "p"):
        parts, in_result = [], False
        for el in p.iter(W + "t", W + "fldChar"):
            if el.tag == W + "fldChar":
                kind = el.get(W + "fldCharType")
                in_result = kind == "separate" or (in_result and kind != "end")
            elif not in_result:
                parts.append(el.text or "")
        text = WS.sub("", "".join(parts))
        out += [s for s in re.split(r"(?<=[。；！？])", text) if len(s) >= 2]
    return out


def running_patterns(data: bytes) -> list[str]:
    """Regular expressions of the header/footer paragraphs ("第 1 页": a
    field's result may be any number), whitespace removed."""
    z = zipfile.ZipFile(io.BytesIO(data))
    pats = []
    for name in z.namelist():
        if not re.fullmatch(r"word/(footer|header)\d+\.xml", name):
            continue
        for p in etree.fromstring(z.read(name)).iter(W + "p"):
            parts, in_result = [], False
            for el in p.iter(W + "t", W + "fldChar"):
                if el.tag == W + "fldChar":
                    kind = el.get(W + "fldCharType")
                    if kind == "separate":
                        in_result = True
                        parts.append(r"\d*")
                    elif kind == "end":
                        in_result = False
                elif not in_result:
                    parts.append(re.escape(WS.sub("", el.text or "")))
            if "".join(parts):
                pats.append("".join(parts))
    return pats


def pdf_text(pdf, running: list[str]) -> str:
    """The PDF's text, page after page, whitespace removed, each page's
    footer (drawn after the body) cut off."""
    pages = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                           text=True, check=True, timeout=120).stdout.split("\f")
    out = []
    for page in pages:
        page = WS.sub("", page)
        for pat in running:
            page = re.sub(f"(?:{pat})$", "", page)
        out.append(page)
    return "".join(out)


def missing_sentences(data: bytes, pdf) -> list[str]:
    text = pdf_text(pdf, running_patterns(data))
    return [s for s in docx_sentences(data) if s not in text]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    from reportgen.output.pdf import convert

    folder = tmp_path_factory.mktemp("forms")
    docs = {}
    for example in sorted(EXAMPLES.glob("*.yaml")):
        pack = example.name.split("-")[0]
        for name, data in render_forms(prepare(example, load_pack(pack))):
            path = folder / f"{example.stem}__{name}"
            path.write_bytes(data)
            docs[path] = data
    result = convert(list(docs), folder / "pdf", tmp_path_factory.mktemp("profile") / "lo")
    assert not result.problems, result.problems
    return {path: (data, result.pdfs[path]) for path, data in docs.items()}


def test_every_sentence_of_every_form_is_in_its_pdf(converted):
    assert len(converted) >= 16
    lost = {path.name: missing for path, (data, pdf) in converted.items()
            if (missing := missing_sentences(data, pdf))}
    assert not lost, lost


def test_the_check_finds_a_dropped_mark(converted):
    """The comparison is strict: one 、 less is a missing sentence."""
    path, (data, pdf) = next((p, v) for p, v in converted.items() if "部门决算公开" in p.name)
    text = pdf_text(pdf, running_patterns(data))
    assert "办公室（党委办公室）、人事教育科、政策法规科（行政审批管理科）" in text
    assert "第6页" not in text and "第1页" not in text          # the footers are cut off
    sentences = docx_sentences(data)
    probe = next(s for s in sentences if "人事教育科、政策法规科" in s)
    assert probe in text and probe.replace("人事教育科、", "人事教育科") not in text


def test_the_disclosure_has_page_numbers_and_its_contents_show_them(converted):
    """决算公开: no page number on the cover, 第一部分 is page 1, and every
    目录 entry's number is the page its heading is printed on (issue 13
    point 5)."""
    path, (data, pdf) = next((p, v) for p, v in converted.items() if "部门决算公开" in p.name)
    pages = [WS.sub("", t) for t in subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
        check=True, timeout=120).stdout.split("\f")]
    numbers = [m.group(1) if (m := re.search(r"第(\d+)页$", p)) else None for p in pages]
    assert numbers[0] is None                                  # the cover
    assert numbers[1:len(pages) - 1] == [str(n) for n in range(1, len(pages) - 1)]
    cover = pages[0]
    entries = re.findall(r"((?:第[一二三四]部分|[一二三四五六七八九十]+、)[^.]+?)\.{3,}(\d+)", cover)
    assert len(entries) == 16, entries                       # 4 parts, 2 概况 headings, 10 tables
    for title, page in entries:
        body = pages[int(page)]                                # pdf page = printed page + 1
        if title in body:
            assert all(title not in p for p in pages[1:int(page)]), (title, page)   # and not earlier
        else:                                                  # a table's title has no 一、
            assert title.split("、", 1)[1] in body, (title, page)


# ---------------------------------------------------------------- total rows

def _cell_texts(tr) -> str:
    """A table row's text, paragraph after paragraph, whitespace removed."""
    return "".join(WS.sub("", "".join(t.text or "" for t in p.iter(W + "t"))) for p in tr.iter(W + "p"))


def total_rows(data: bytes) -> list[tuple[str, str]]:
    """(row above, total row) texts of every table of the .docx that ends in
    a total row (:func:`keep_total_rows`'s rule)."""
    from reportgen.output.render import _TOTAL_LABEL, _first_text

    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    return [(_cell_texts(rows[-2]), _cell_texts(rows[-1])) for tbl in root.iter(W + "tbl")
            if len(rows := tbl.findall(W + "tr")) > 1 and _TOTAL_LABEL.match(_first_text(rows[-1]))]


def lone_totals(data: bytes, pdf) -> list[str]:
    """The total rows of the .docx whose page does not also print the row
    above, immediately before the total."""
    pages = [WS.sub("", t) for t in subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
        check=True, timeout=120).stdout.split("\f")]
    out = []
    for above, total in total_rows(data):
        assert any(total in page for page in pages), total       # the total is printed at all
        if not any(above + total in page for page in pages):
            out.append(total[:40])
    return out


def test_no_total_row_stands_alone_on_a_page(converted):
    lone = {path.name: found for path, (data, pdf) in converted.items() if (found := lone_totals(data, pdf))}
    assert not lone, lone
    checked = {path.name: len(total_rows(data)) for path, (data, _) in converted.items()}
    assert sum(checked.values()) >= 18, checked           # 附件2-2, 晋中 blocks, 忻州/上海 决算 tables


def _scoring_variants():
    """The 宁乡 附件2-2 rows of the example, then with fewer rows (the first
    两个一级指标), twice the rows, longer texts (each 指标说明 a sentence
    longer, twice) and shorter texts (each 评价标准/指标说明 cut to 12
    characters): the page breaks fall elsewhere in each."""
    def fewer(rows):
        starts = [i for i, r in enumerate(rows) if r["level1_merge"] in ("restart", "")]
        return rows[:starts[2]]

    def longer(n):
        return lambda rows: [{**r, "explanation": r["explanation"] + "按部门决算数据计算。" * n} for r in rows]

    return {
        "example": lambda rows: rows,
        "fewer": fewer,
        "twice": lambda rows: rows + rows,
        "longer1": longer(1),
        "longer2": longer(2),
        "longer4": longer(4),
        "shorter": lambda rows: [{**r, "criteria": r["criteria"][:12], "explanation": r["explanation"][:12]}
                                 for r in rows],
    }


@pytest.fixture(scope="module")
def scoring_variants(tmp_path_factory):
    """(variant name, kept) → (docx bytes, pdf); ``kept`` False: rendered
    without :func:`keep_total_rows`."""
    from unittest import mock

    from reportgen.output import render as R
    from reportgen.output.pdf import convert

    folder = tmp_path_factory.mktemp("scoring")
    prepared = prepare(EXAMPLES / "ningxiang-gongxin-2022.yaml", load_pack("ningxiang"), only=("scoring",))
    docs = {}

    def render_with(change):
        def render(template, context, core):
            return R.render_docx(template, {**context, "rows": change(list(context["rows"]))}, core)
        return render

    for name, change in _scoring_variants().items():
        [(_, docs[name, True])] = render_forms(prepared, render=render_with(change))
        with mock.patch.object(R, "keep_total_rows", lambda body: 0):
            [(_, docs[name, False])] = render_forms(prepared, render=render_with(change))
    paths = {}
    for (name, kept), data in docs.items():
        paths[name, kept] = folder / f"{name}-{'kept' if kept else 'unkept'}.docx"
        paths[name, kept].write_bytes(data)
    result = convert(list(paths.values()), folder / "pdf", tmp_path_factory.mktemp("profile") / "lo")
    assert not result.problems, result.problems
    return {key: (docs[key], result.pdfs[paths[key]]) for key in docs}


def test_the_scoring_appendix_total_keeps_a_criterion_row_however_long(scoring_variants):
    pages, lone = {}, {}
    for (name, kept), (data, pdf) in scoring_variants.items():
        text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                              text=True, check=True, timeout=120).stdout.split("\f")
        pages[name] = len([t for t in text if t.strip()])
        lone[name, kept] = lone_totals(data, pdf)
    assert all(not found for (name, kept), found in lone.items() if kept), lone
    # the variants break on different pages, and without the rule at least one
    # 合计 row stood alone under the repeated header (the example's did, on its
    # last page, before the rule): the check can fail
    assert len(set(pages.values())) >= 3, pages
    assert any(found for (name, kept), found in lone.items() if not kept), lone


#: A number torn from its % or across its decimal point at a line end
#: ("180.00" / "%", "100." / "00"): its column is too narrow for it.
TORN_NUMBER = re.compile(r"\d[ \t]*\n[ \t]*[%％]|\d\.[ \t]*\n[ \t]*\d")


def torn_in(text: str) -> list[str]:
    """Every number ``text`` (pdftotext -raw) prints over two lines, with its neighbours."""
    return [text[max(0, m.start() - 12):m.end() + 4].replace("\n", "⏎") for m in TORN_NUMBER.finditer(text)]


def torn_numbers(pdf) -> list[str]:
    return torn_in(subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                                  text=True, check=True, timeout=120).stdout)


def test_the_torn_number_check_finds_them():
    """As pdftotext printed the 完成进度 column before it was widened:
    "180.00" / "%"; or a number broken at its point."""
    assert torn_in("18 家 180.00\n%\n第 1 页") and torn_in("得分 100.\n00") and torn_in("90.\n00%")
    assert not torn_in("2021 年\n100.00%\n第 1 页") and not torn_in("共 3 项\n12 家")


def test_no_number_is_torn_over_two_lines(converted):
    """A score or a rate fits its column: seed 004's 完成进度 180.00% and a
    得分 of 100.00 are printed on one line (issue 13 point 5)."""
    torn = {path.name: found for path, (data, pdf) in converted.items() if (found := torn_numbers(pdf))}
    assert not torn, torn
