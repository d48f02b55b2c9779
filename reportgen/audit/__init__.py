"""``reportgen audit``: the arithmetic inconsistencies a filed report proves
against itself.

``audit_document(doc)`` runs every check on a read document and returns its
findings, most severe first; ``audit_file(path)`` reads and audits one file
(raises :class:`reportgen.audit.read.Unreadable`, a
:class:`reportgen.errors.ReportgenError`, for a file it cannot read);
``audit_path(path)`` never raises for an unreadable file and returns an
:class:`Audit` with the findings and the obligation ledger (检查清单).
Stages: :mod:`.read` (documents → text units and table lines),
:mod:`.text` and :mod:`.figures` (statements and exact arithmetic),
:mod:`.checks`, :mod:`.consistency`, :mod:`.scoring`, :mod:`.public`,
:mod:`.tables`, :mod:`.wording` (the checks), :mod:`.ledger` (what was
checked), :mod:`.report` (text / JSON / xlsx), :mod:`.annotate` (a
commented copy of the document) and :mod:`.against` (a filed document
against what reportgen derives from the unit file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reportgen.audit.findings import ERROR, NOTE, SEVERITIES, SUSPECT, TAIL, Finding
from reportgen.audit.ledger import CHECKS as _LEDGER, Obligation, ledger, unreadable
from reportgen.audit.read import Document, Unreadable, read

CHECKS = tuple(check for _, check, _ in _LEDGER)

__all__ = ["audit_document", "audit_file", "audit_path", "Audit", "Finding", "Obligation", "ERROR", "SUSPECT",
           "NOTE", "SEVERITIES"]


@dataclass
class Audit:
    """One document's audit: ``findings``, the ``ledger`` of every check, and
    ``unreadable`` — the reason when the document could not be read (then
    there are no findings and every check is 无法检查)."""

    findings: list[Finding] = field(default_factory=list)
    ledger: list[Obligation] = field(default_factory=list)
    unreadable: str | None = None


def _run(doc: Document) -> Audit:
    seen = set()
    out = []
    tails = []
    failed = {}
    for name, check, _ in _LEDGER:
        try:
            found = check(doc)
        except Exception as exc:        # one check failing on an unforeseen layout loses no other
            failed[name] = f"{type(exc).__name__}: {exc}"
            continue
        for f in found:
            key = (f.location, f.check, f.stated, f.expected)
            if key not in seen:
                seen.add(key)
                (tails if f.check == TAIL else out).append(f)
    return Audit(out, ledger(doc, failed, tails))


def audit_document(doc: Document) -> list[Finding]:
    """Every finding of every check, de-duplicated, in document order."""
    return _run(doc).findings


def audit_file(path: str | Path, display: str | None = None) -> list[Finding]:
    """Read ``path`` (.docx/.doc/.wps/.pdf/.txt) and audit it."""
    return audit_document(read(path, display))


def audit_path(path: str | Path, display: str | None = None) -> Audit:
    """Read and audit ``path``; an unreadable file gives an :class:`Audit`
    with ``unreadable`` set instead of raising."""
    name = display or str(path)
    try:
        doc = read(path, display)
    except Unreadable as exc:
        reason = str(exc).removeprefix(f"{name}: ")
        return Audit([], unreadable(reason), reason)
    return _run(doc)
