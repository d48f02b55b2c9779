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

What a template compiles to is also kept on disk, in
``$XDG_CACHE_HOME/reportgen`` (default ``~/.cache/reportgen``; safe to
delete), so a single ``reportgen render`` in a new process skips the
compile too.  An entry is named by a hash of the template's bytes, of this
module, :mod:`render` and :mod:`reportgen.sandbox`, and of the versions of
Python, docxtpl, python-docx, Jinja2 and lxml, so a changed template or
library is never served from an old entry; a cache that cannot be read or
written is ignored.

An entry holds Python code (``marshal``), so it is loaded only when it is
provably one this user's reportgen wrote: each entry starts with an
HMAC-SHA256 of the rest, keyed by a random per-user secret (``secret.key``
in the cache folder, created mode 0600).  On POSIX the folder and the key
must belong to the user and be writable by no one else, as jinja2's own
bytecode cache requires of its folder; otherwise nothing is cached.  An
entry that fails the check, or cannot be read back, is silently compiled
again and replaced.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import marshal
import os
import re
import sys
import zipfile
from pathlib import Path

import jinja2
from lxml import etree

from reportgen import sandbox as _sandbox
from reportgen.output import render as _render
from reportgen.output.render import FormTemplate, _docx_env, normalize_zip, render_docx, write_atomic

_DOCUMENT = "word/document.xml"
_CORE = "docProps/core.xml"
_TAGS = (b"{{", b"{%", b"{#")


class CompiledTemplate:
    """One form template (.docx), compiled once for many renders.

    ``render(context) -> bytes`` gives the same .docx bytes as
    ``render.render_docx(path, context)``; raises :class:`errors.PackError`
    for a broken template, as that function does.  The first render in a
    process without a disk-cache entry is an ordinary one (it supplies the
    package members); the template is compiled then if the entry can be
    written, else at the second render.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        data = self.path.read_bytes()
        self._skeleton: list[tuple[str, bytes | None]] | None = None
        self._body: jinja2.Template | None = None
        self._code = None
        self._tpl = FormTemplate(io.BytesIO(data))
        self._entry = _entry(data)
        if self._load():
            return
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            self._fast = not any(tag in z.read(name) for name in z.namelist()
                                 if name != _DOCUMENT for tag in _TAGS)

    def render(self, context: dict, core: bytes | None = None) -> bytes:
        """The filled form as .docx bytes (deterministic), with ``core`` as
        its document properties when given (:func:`render.core_properties`)."""
        if self._fast and self._skeleton is not None:
            if self._body is None:
                self._compile()
        if not self._fast or self._skeleton is None:
            data = render_docx(self.path, context, core)
            if self._fast and self._skeleton is None:
                with zipfile.ZipFile(io.BytesIO(data)) as z, zipfile.ZipFile(self.path) as t:
                    # the template's own properties, not this unit's
                    self._skeleton = [(n, None if n == _DOCUMENT else t.read(n) if n == _CORE else z.read(n))
                                      for n in z.namelist()]
                if _writable(self._entry):
                    self._compile()
                    self._store()
            return data
        try:
            xml = self._body.render(context)
        except jinja2.TemplateError:
            return render_docx(self.path, context, core)  # raises PackError with the details
        return self._package(self._document_xml(xml), core)

    def _compile(self) -> None:
        """Compile the body as docxtpl's build_xml / render_xml_part prepare it,
        and keep the document element with an empty body."""
        tpl = self._tpl
        tpl.render_init()
        src = tpl.patch_xml(tpl.get_xml())
        src = re.sub(r"<w:p([ >])", r"\n<w:p\1", src)
        env = _docx_env()
        try:
            self._code = env.compile(src)
        except jinja2.TemplateError:
            self._fast = False  # render_docx reports it, with where it is
            return
        self._body = env.template_class.from_code(env, self._code, env.make_globals(None))
        root = etree.fromstring(etree.tostring(tpl.docx.element))
        self._w_body = tpl.docx.element.body.tag
        root.find(self._w_body).clear()
        self._root = etree.tostring(root)

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

    def _load(self) -> bool:
        """Take the compiled template from the disk cache, if it is there."""
        if self._entry is None:
            return False
        try:
            data = _verified(self._entry.read_bytes())
            if data is None:
                return False
            skeleton, root, w_body, code = marshal.loads(data)
            env = _docx_env()
            self._body = env.template_class.from_code(env, code, env.make_globals(None))
            skeleton = [(str(n), d) for n, d in skeleton]
        except Exception:  # noqa: BLE001 — an entry of another layout: compiled again
            self._body = None
            return False
        self._skeleton = skeleton
        self._root, self._w_body, self._fast = root, w_body, True
        return True

    def _store(self) -> None:
        if self._entry is None or self._code is None:
            return
        try:
            key = _secret()
            if key is None:
                return
            data = marshal.dumps((self._skeleton, self._root, self._w_body, self._code))
            write_atomic(self._entry, hmac.new(key, data, hashlib.sha256).digest() + data)
        except (OSError, ValueError):
            pass  # no cache: every process compiles, as without one

    def _package(self, document: bytes, core: bytes | None = None) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
            for name, data in self._skeleton:
                z.writestr(name, document if data is None else data)
        return normalize_zip(buf.getvalue(), core)


def cache_dir() -> Path:
    """Where compiled templates are kept: the user's cache folder as
    platformdirs gives it — ``$XDG_CACHE_HOME/reportgen`` (by default
    ``~/.cache/reportgen``) on Linux, ``%LOCALAPPDATA%\\reportgen\\Cache``
    on Windows, ``~/Library/Caches/reportgen`` on macOS."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("reportgen", appauthor=False))


_KEY = "secret.key"


def _private(path: Path) -> bool:
    """On POSIX: ``path`` belongs to this user and no one else may write it."""
    if os.name != "posix":
        return True
    st = path.stat()
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def _secret() -> bytes | None:
    """This user's cache key (32 random bytes), made on first use; None when
    the cache folder or key is not private to the user."""
    folder = cache_dir()
    path = folder / _KEY
    try:
        if not _private(folder):
            return None
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(os.urandom(32))
        if not _private(path) or path.stat().st_mode & 0o077 and os.name == "posix":
            return None
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == 32 else None


def _verified(entry: bytes) -> bytes | None:
    """The payload of a cache entry whose HMAC checks out, else None."""
    key = _secret()
    if key is None or len(entry) < 32:
        return None
    mac, data = entry[:32], entry[32:]
    return data if hmac.compare_digest(mac, hmac.new(key, data, hashlib.sha256).digest()) else None


def _writable(entry: Path | None) -> bool:
    if entry is None:
        return False
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(entry.parent, os.W_OK)


def _entry(template: bytes) -> Path | None:
    """The cache file for a template's bytes under this code and these libraries."""
    import docx
    import docxtpl

    h = hashlib.sha256(template)
    try:
        for module in (_render, _sandbox, sys.modules[__name__]):
            h.update(Path(module.__file__).read_bytes())
    except OSError:
        return None
    h.update(repr((sys.version, docxtpl.__version__, docx.__version__, jinja2.__version__,
                   etree.LXML_VERSION)).encode())
    return cache_dir() / f"{h.hexdigest()[:32]}.docx-template"


_CACHE: dict[Path, CompiledTemplate] = {}


def render_cached(template_path: Path, context: dict, core: bytes | None = None) -> bytes:
    """Like :func:`render.render_docx`, with the template compiled once per
    process (a drop-in ``render`` for :func:`pipeline.render_forms`)."""
    key = Path(template_path).resolve()
    compiled = _CACHE.get(key)
    if compiled is None:
        compiled = _CACHE[key] = CompiledTemplate(key)
    return compiled.render(context, core)
