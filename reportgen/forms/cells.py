"""Cell helpers shared by every form context: paragraphs, merge flags, dates.

All text, already formatted; templates do no arithmetic.
"""

from __future__ import annotations


def paragraphs(text: str) -> str:
    """Line breaks in a text become real paragraphs in the .docx (docxtpl's
    ``\\a``), not soft breaks that stretch a justified line."""
    return "\a".join(line.strip() for line in text.split("\n") if line.strip())


def merge_flags(values: list[str]) -> list[str]:
    """Vertical-merge flags for a column: equal neighbours merge
    (``restart`` on the first of a run of 2+, ``continue`` after, "" alone)."""
    flags = []
    for i, v in enumerate(values):
        same_prev = i > 0 and values[i - 1] == v
        same_next = i + 1 < len(values) and values[i + 1] == v
        flags.append("continue" if same_prev else "restart" if same_next else "")
    return flags


def date_text(d) -> str:
    """A date as the forms print it: ``2021-03-05``; "" for none."""
    return f"{d.year}-{d.month:02d}-{d.day:02d}" if d else ""


def date_words(d) -> str:
    """A date as a signature line or form head writes it: ``2022年2月15日``;
    "" for none."""
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def paragraph_list(text: str) -> list[str]:
    """A text as the list of its non-empty lines: a narrative document's
    template loops over them, one body paragraph each."""
    return [line.strip() for line in text.split("\n") if line.strip()]
