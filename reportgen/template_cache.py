"""Render one form template many times at a fraction of the cost.

:func:`render.render_docx` opens the .docx with python-docx, cleans its XML
for Jinja, compiles it, renders, and saves: about 0.1 s per form, of which
the render proper is a few milliseconds.  A batch (批量生成) renders the same
few templates for hundreds of units, so :class:`CompiledTemplate` does the
per-template work once per process:

* the cleaned body XML (docxtpl's ``patch_xml`` plus reportgen's
  ``{% vmerge %}``) is compiled to a Jinja template once;
* the other members of the package (styles, numbering, settings…), which do
  not depend on the context, are taken from the first document rendered the
  ordinary way, and reused.

Each later render fills the compiled body, applies docxtpl's own
post-processing (``resolve_listing``, ``fix_tables``, ``fix_docpr_ids``) and
writes the package through :func:`render.normalize_zip`, so the bytes are
those :func:`render.render_docx` gives for the same context (a test checks
this for every bundled example).  A template with Jinja tags outside
``word/document.xml`` (headers, footers, footnotes, document properties) is
always rendered the ordinary way, and any template error is re-raised by
the ordinary path, with its :class:`errors.PackError` message.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import jinja2
from lxml import etree

from .render import FormTemplate, _docx_env, normalize_zip, render_docx

_DOCUMENT = "word/document.xml"
_TAGS = (b"{{", b"{%", b"{#")


class CompiledTemplate:
    """One form template (.docx), compiled once for many renders.

    ``render(context) -> bytes`` gives the same .docx bytes as
    ``render.render_docx(path, context)``; raises :class:`errors.PackError`
    for a broken template, as that function does.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        data = self.path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            self._fast = not any(tag in z.read(name) for name in z.namelist()
                                 if name != _DOCUMENT for tag in _TAGS)
        self._skeleton: list[tuple[str, bytes | None]] | None = None
        self._body: jinja2.Template | None = None
        if not self._fast:
            return
        self._tpl = FormTemplate(io.BytesIO(data))
        self._tpl.render_init()
        # as docxtpl's build_xml / render_xml_part prepare the body
        src = self._tpl.patch_xml(self._tpl.get_xml())
        src = re.sub(r"<w:p([ >])", r"\n<w:p\1", src)
        try:
            self._body = _docx_env().from_string(src)
        except jinja2.TemplateError:
            self._fast = False  # render_docx reports it, with where it is
        # the document element with an empty body, to receive each rendered body
        root = etree.fromstring(etree.tostring(self._tpl.docx.element))
        self._w_body = self._tpl.docx.element.body.tag
        root.find(self._w_body).clear()
        self._root = etree.tostring(root)

    def render(self, context: dict) -> bytes:
        """The filled form as .docx bytes (deterministic)."""
        if not self._fast or self._skeleton is None:
            data = render_docx(self.path, context)
            if self._fast:
                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    self._skeleton = [(n, None if n == _DOCUMENT else z.read(n))
                                      for n in z.namelist()]
            return data
        try:
            xml = self._body.render(context)
        except jinja2.TemplateError:
            return render_docx(self.path, context)  # raises PackError with the details
        return self._package(self._document_xml(xml))

    def _document_xml(self, xml: str) -> bytes:
        # docxtpl's render_xml_part, render and map_tree, after the Jinja step
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        tpl = self._tpl
        tree = tpl.fix_tables(tpl.resolve_listing(xml))
        tpl.docx_ids_index = 1000
        tpl.fix_docpr_ids(tree)
        root = etree.fromstring(self._root)
        root.replace(root.find(self._w_body), tree)
        return etree.tostring(root, encoding="UTF-8", standalone=True)

    def _package(self, document: bytes) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
            for name, data in self._skeleton:
                z.writestr(name, document if data is None else data)
        return normalize_zip(buf.getvalue())


_CACHE: dict[Path, CompiledTemplate] = {}


def render_cached(template_path: Path, context: dict) -> bytes:
    """Like :func:`render.render_docx`, with the template compiled once per
    process (a drop-in ``render`` for :func:`pipeline.render_forms`)."""
    key = Path(template_path).resolve()
    compiled = _CACHE.get(key)
    if compiled is None:
        compiled = _CACHE[key] = CompiledTemplate(key)
    return compiled.render(context)
