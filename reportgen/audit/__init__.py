"""``reportgen audit``: the arithmetic inconsistencies a filed report proves
against itself.

``audit_document(doc)`` runs every check on a read document and returns its
findings, most severe first; ``audit_file(path)`` reads and audits one file
(raises :class:`reportgen.errors.ReportgenError` for a file it cannot read).
Stages: :mod:`.read` (documents → text units), :mod:`.text` and
:mod:`.figures` (statements and exact arithmetic), :mod:`.checks`,
:mod:`.consistency`, :mod:`.scoring`, :mod:`.public` (the checks),
:mod:`.report` (text / JSON / xlsx) and :mod:`.against` (a filed document
against what reportgen derives from the unit file).
"""

from __future__ import annotations

from pathlib import Path

from reportgen.audit import checks, consistency, public, scoring, tables, wording
from reportgen.audit.findings import ERROR, NOTE, SEVERITIES, SUSPECT, Finding
from reportgen.audit.read import Document, read

CHECKS = (
    checks.check_formulas, checks.check_shares, checks.check_changes, checks.check_rates,
    consistency.check_fields, consistency.check_repeats, consistency.check_negations,
    consistency.check_parts, consistency.check_item_lists, consistency.check_headcount,
    scoring.check_score_tables, scoring.check_fund_rows, scoring.check_progress,
    scoring.check_staff_table, scoring.check_fund_lines, public.check_public_tables,
    tables.check_text_vs_tables, tables.check_table_sums, tables.check_cross_tables,
    wording.check_direction, wording.check_rate_from_before, wording.check_residue, wording.check_year_residue,
)

__all__ = ["audit_document", "audit_file", "Finding", "ERROR", "SUSPECT", "NOTE", "SEVERITIES"]


def audit_document(doc: Document) -> list[Finding]:
    """Every finding of every check, de-duplicated, in document order."""
    seen = set()
    out = []
    for check in CHECKS:
        for f in check(doc):
            key = (f.location, f.check, f.stated, f.expected)
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


def audit_file(path: str | Path, display: str | None = None) -> list[Finding]:
    """Read ``path`` (.docx/.pdf/.txt) and audit it."""
    return audit_document(read(path, display))
