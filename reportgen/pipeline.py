"""The whole pipeline for one unit file and one pack, without printing.

``prepare`` runs load → validate → check → derive/score → narrate for every
form of the pack and returns the results with every diagnostic found on the
way; ``render_forms`` turns prepared forms into .docx bytes.  The CLI is a
thin layer over these two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .check import requirements, run_checks
from .context import CONTEXTS
from .errors import Diagnostic, PackError
from .narrate import narrate
from .packs import Form, Pack
from .render import render_docx
from .score import Scorecard, score_unit
from .validate import Unit, load_unit


@dataclass
class PreparedForm:
    """One form of a pack, scored and narrated, ready to render."""

    form: Form
    card: Scorecard | None
    texts: dict[str, str]

    def context(self, unit: Unit) -> dict:
        build = CONTEXTS.get(self.form.context)
        if build is None:
            raise PackError(f"表单 '{self.form.key}' 的 context '{self.form.context}' 未知"
                            f"（known: {', '.join(CONTEXTS)}）")
        return build(unit, self.card, self.texts)


@dataclass
class Prepared:
    unit: Unit | None
    forms: list[PreparedForm]
    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Drop repeats, and later complaints about a field that already has an
    error (a value with a type error is also "missing" to later stages)."""
    out: list[Diagnostic] = []
    seen: set[str] = set()
    bad_paths: set[str] = set()
    for d in diags:
        text = d.format()
        if text in seen:
            continue
        if d.path and d.message.startswith("缺少数据") and d.path in bad_paths:
            continue
        seen.add(text)
        if d.is_error and d.path:
            bad_paths.add(d.path)
        out.append(d)
    return out


def prepare(unit_path: str | Path, pack: Pack) -> Prepared:
    """Load, validate, check, score and narrate ``unit_path`` for every form of ``pack``."""
    unit, diags = load_unit(unit_path)
    if unit is None:
        return Prepared(None, [], diags)
    diags += run_checks(unit, pack.checks)
    forms = []
    for form in pack.forms:
        diags += requirements(unit, form.requires, form.title)
        card = None
        if form.rubric is not None:
            card, more = score_unit(unit, form.rubric)
            diags += more
        texts: dict[str, str] = {}
        if unit.has("year") and unit.has("unit.name"):  # sentences need them; already reported
            texts, more = narrate(unit, card, form.sentences)
            diags += more
        forms.append(PreparedForm(form, card, texts))
    return Prepared(unit, forms, _dedupe(diags))


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_filename(name: str, limit: int = 120) -> str:
    """A file name that Windows, WPS and every archive tool accept:
    no ``\\/:*?"<>|`` or control characters, no trailing dot or space."""
    name = _UNSAFE.sub("_", name).strip().rstrip(". ")
    return name[:limit] or "report"


def output_name(unit: Unit, form: Form) -> str:
    return safe_filename(form.output.format(unit=unit.name, year=unit.year, title=form.title))


def render_forms(prepared: Prepared) -> list[tuple[str, bytes]]:
    """Render every prepared form: ``[(file name, .docx bytes), …]``."""
    out = []
    for pf in prepared.forms:
        data = render_docx(pf.form.template, pf.context(prepared.unit))
        out.append((output_name(prepared.unit, pf.form), data))
    return out
