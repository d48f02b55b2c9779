#!/usr/bin/env python3
"""Figure recall: how many of a seed's correct figures our forms print.

A seed (``../shared/seeds/NNN_*.txt``) is a real filing; the bundled example
built from it (``examples/*.yaml``) should reproduce every figure of it that
is right.  This tool lists the seed's *specific* figures — those that cannot
turn up in our output by chance — replaces the ones rubrics.md lists as the
seed's errors by their correct values (``tools/seed_errata.yaml``), and
looks for each in the text of every form rendered from the example.  Table
cells the seed's extracted text splits over lines ("378,6" / "66.22") are
joined back first (:func:`rejoin`).

A figure is specific when it is (rules in :func:`specific`):

* a percentage other than 0% and 100% (61.68%, −10.14%, 129.5%);
* a number written with a decimal point, except a whole number below 10
  (23310.11, 19.8, 0.21 count; 3.00, 0.00 — scores and empty amounts any
  form prints — do not);
* a whole number of 10 or more followed by a unit of measure (515万元,
  262人, 239个, 12分); bare whole numbers (years, dates, phone numbers,
  codes, 行次, table weights) do not count.

A seed figure is found when a rendered form prints a number of the same
kind (percentage or not, and no conflicting unit: 12分 is not 12月) whose
absolute value, at the seed's precision, is the seed's: 19.8 is 19.80,
79.1% is 79.11%, −14608.39 is 预算调减14608.39; a whole amount or count must
be printed exactly.  Amounts are compared as printed, so a seed's 元 figure
is found only where we print it in 元.

Run::

    python tools/figure_recall.py                 # all five seeds
    python tools/figure_recall.py --missing       # and every figure not found
    python tools/figure_recall.py 001 002         # some seeds only
    python tools/figure_recall.py --shared PATH   # ../shared elsewhere (or $REPORTGEN_SHARED)
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen import numbers as N  # noqa: E402
from reportgen.audit.figures import NUM, parse_number  # noqa: E402
from reportgen.output.docxtext import dump  # noqa: E402

ERRATA = Path(__file__).resolve().parent / "seed_errata.yaml"
#: ../shared beside the clone (as CI keeps it), or $REPORTGEN_SHARED.
DEFAULT_SHARED = Path(os.environ.get("REPORTGEN_SHARED") or ROOT.parent / "shared")

#: Units after a whole number that make it a figure, by kind: a seed's
#: "12分" is not found in our "12月".
UNIT_KINDS = (("money", ("万元", "亿元", "元", "亿", "万")),
              ("count", ("人次", "人", "个", "家", "次", "项", "篇", "户", "名", "份", "种", "场", "天",
                         "批", "辆", "台")),
              ("score", ("分",)),
              ("date", ("年", "月", "日", "号")))
_TOKEN = re.compile(rf"(?<![\d.,])({NUM})(?!\.?\d)([ \t]*[%％])?")

#: seed number → (example file, pack).  The examples say which seed they come from.
PAIRS = {
    "000": ("jinzhong-gongxin-2021.yaml", "jinzhong"),
    "001": ("ningxiang-gongxin-2022.yaml", "ningxiang"),
    "002": ("xinzhou-gongxin-2021.yaml", "xinzhou"),
    "003": ("jinzhong-huitong-2021.yaml", "jinzhong"),
    "004": ("jinzhong-zhaoshang-2020.yaml", "jinzhong"),
}


@dataclass(frozen=True, order=True)
class Figure:
    """A printed number: absolute ``value``, ``places`` decimals shown,
    ``percent`` or not, and the kind of unit written after it ("" if none).
    Two figures are the same figure when value, percent and unit agree."""

    value: Decimal
    percent: bool
    unit: str = ""
    places: int = field(compare=False, default=0)
    text: str = field(compare=False, default="")

    def __str__(self) -> str:
        return self.text or (f"{self.value}%" if self.percent else str(self.value))

    def found_as(self, printed: "Figure") -> bool:
        """Whether ``printed`` (a number in our output) shows this seed figure:
        same kind, compatible unit, and the same value at the seed's
        precision (19.8 is 19.80; 79.1% is 79.11%) — a whole amount or count
        must be printed exactly (10万元 is not 10.40万元)."""
        if printed.percent != self.percent or (self.unit and printed.unit and self.unit != printed.unit):
            return False
        if printed.places < self.places:
            return printed.value == self.value
        if not self.places and not self.percent:
            return printed.value == self.value
        return N.quantize(printed.value, self.places) == self.value


def unit_of(after: str) -> tuple[str, str]:
    """The kind and the word of the unit that starts ``after`` (the text
    after a number): ("money", "万元"), or ("", "")."""
    t = after.lstrip(" ")
    return next(((kind, word) for kind, units in UNIT_KINDS for word in units if t.startswith(word)),
                ("", ""))


def tokens(text: str):
    """Every printed number of ``text`` as a :class:`Figure`."""
    for m in _TOKEN.finditer(text):
        stated = parse_number(m[1])
        if stated is None:
            continue
        percent = bool(m[2])
        kind, word = ("", "") if percent else unit_of(text[m.end():m.end() + 4])
        yield Figure(abs(stated.value), percent, kind, stated.places, m[0].strip() + word)


def specific(figure: Figure) -> bool:
    """Whether a printed number cannot match by chance (see the module doc)."""
    v = figure.value
    if figure.percent:
        return v not in (0, 100)
    whole = v == v.to_integral_value()
    if figure.places:
        return not (whole and v < 10)
    return v >= 10 and figure.unit in ("money", "count", "score")


#: The pieces of a table cell the extracted text of a seed splits over
#: lines (seed 002's 公开表): a first piece that cannot end a printed amount,
#: and the next line that continues it.  ``(first, next)`` patterns:
_SPLIT = (
    (re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+\.$"), re.compile(r"\d{1,2}")),        # 24,099,844. / 55
    (re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})*,\d{1,2}$"),                           # 378,6 / 66.22
     re.compile(r"\d[\d,]*(?:\.\d*)?")),
    (re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+$"), re.compile(r"\.\d{1,2}")),        # 10,043,883 / .86
    (re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+\.\d$"), re.compile(r"\d")),          # 9,628,490.6 / 8
    (re.compile(r"^\d{1,2}\.$"), re.compile(r"\d{1,2}")),                               # score 10. / 49
)
#: a cell printed one character a line (a narrow 得分 column: 8 / 8 / . / 2)
_VERTICAL = re.compile(r"\d+\.\d+")


def rejoin(text: str) -> str:
    """``text`` with every amount its extraction split over lines joined
    back ("4,05" / "7,78" / "8.98" → "4,057,788.98"), so that neither piece
    is read as a figure of its own.  Only pieces no whole amount can be are
    joined: an unfinished thousands group, a trailing point, one decimal of
    a grouped amount followed by a lone digit, a score's "10." before its
    decimals, a decimal number printed one character a line ("8" / "8" /
    "." / "2").  Blank lines between the pieces are dropped."""
    lines: list[str] = []
    column: list[str] = []
    for line in [line.strip() for line in text.split("\n") if line.strip()] + [""]:
        if len(line) == 1 and line in "0123456789.":
            column.append(line)
            continue
        run = "".join(column)
        lines.extend([run] if _VERTICAL.fullmatch(run) else column)
        column.clear()
        if line:
            lines.append(line)
    out: list[str] = []
    for line in lines:
        if out and any(first.search(out[-1]) and rest.fullmatch(line) for first, rest in _SPLIT):
            out[-1] += line
        else:
            out.append(line)
    return "\n".join(out)


def seed_figures(text: str) -> set[Figure]:
    """The specific figures of a seed's text, each once: a number printed
    both bare (a table cell) and with a unit counts as the one with the unit."""
    found = {f for f in tokens(text) if specific(f)}
    with_unit = {(f.value, f.percent) for f in found if f.unit}
    return {f for f in found if f.unit or (f.value, f.percent) not in with_unit}


def _figure(text) -> Figure:
    """An errata entry ("1824.1062", "41.8%", "60人") as a Figure."""
    found = list(tokens(str(text)))
    if len(found) != 1:
        raise ValueError(f"seed_errata.yaml: '{text}' is not one number")
    return found[0]


def load_errata(path: Path = ERRATA) -> dict[str, list[dict]]:
    """seed number → its errata: ``{seed, correct (or None), ref}`` each."""
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def corrected(figures: set[Figure], errata: list[dict]) -> tuple[set[Figure], list[str]]:
    """``figures`` with each erratum's seed figure replaced by its correct
    value (dropped when there is none, or when the correct value is not
    specific).  An erratum without a unit stands for the figure with any
    unit, and its correct value takes that unit.  An erratum with
    ``right_elsewhere`` (where the same number is right: seed 002 prints
    0.03% wrongly for 农林水 and rightly for 灾害防治) keeps the seed's
    figure and adds the correct one.  Also returns the errata whose seed
    figure is not among ``figures`` (a stale entry)."""
    out = set(figures)
    stale = []
    for e in errata:
        wrong = _figure(e["seed"])
        hits = [f for f in out if f.value == wrong.value and f.percent == wrong.percent
                and (not wrong.unit or f.unit == wrong.unit)]
        if not hits:
            stale.append(str(e["seed"]))
            continue
        for hit in hits:
            if not e.get("right_elsewhere"):
                out.discard(hit)
            if e.get("correct") is None:
                continue
            right = _figure(e["correct"])
            if not right.unit and not right.percent:
                right = Figure(right.value, False, hit.unit, right.places, right.text)
            if specific(right):
                out.add(right)
    return out, stale


@dataclass
class Recall:
    seed: str
    example: str
    expected: set[Figure]
    found: set[Figure]
    stale: list[str]

    @property
    def missing(self) -> list[Figure]:
        return sorted(self.expected - self.found)

    @property
    def ratio(self) -> Decimal:
        return Decimal(len(self.found)) / Decimal(len(self.expected)) if self.expected else Decimal(1)

    def line(self) -> str:
        return (f"{self.seed} ↔ {self.example}: {len(self.found)}/{len(self.expected)} "
                f"({(self.ratio * 100).quantize(Decimal('0.1'))}%)")


def seed_file(shared: Path, seed: str) -> Path:
    found = sorted((shared / "seeds").glob(f"{seed}_*.txt"))
    if not found:
        raise FileNotFoundError(f"no seed {seed} in {shared / 'seeds'}")
    return found[0]


def rendered_text(example: Path, pack: str) -> str:
    """The text of every form the pack renders from ``example``."""
    from reportgen.pack.packs import load_pack
    from reportgen.pipeline import prepare, render_forms

    p = prepare(example, load_pack(pack))
    if p.errors:
        raise ValueError("; ".join(d.format() for d in p.errors))
    return "\n".join(dump(data) for _, data in render_forms(p))


def measure(seed: str, shared: Path = DEFAULT_SHARED, errata: dict | None = None,
            output: str | None = None) -> Recall:
    """Figure recall of seed ``seed`` ("000") in the forms of its example;
    ``output`` replaces the rendered text (for testing the measure itself)."""
    example, pack = PAIRS[seed]
    errata = load_errata() if errata is None else errata
    expected, stale = corrected(seed_figures(rejoin(seed_file(shared, seed).read_text(encoding="utf-8"))),
                                errata.get(seed) or [])
    if output is None:
        output = rendered_text(ROOT / "examples" / example, pack)
    printed = set(tokens(output))
    found = {f for f in expected if any(f.found_as(p) for p in printed)}
    return Recall(seed, example, expected, found, stale)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("seeds", nargs="*", default=sorted(PAIRS), help="seed numbers (default: all)")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared folder (seeds/)")
    ap.add_argument("--missing", action="store_true", help="list the figures not found")
    args = ap.parse_args(argv)
    for seed in args.seeds:
        r = measure(seed, args.shared)
        print(r.line())
        if args.missing and r.missing:
            print("  missing: " + "  ".join(str(f) for f in r.missing))
        if r.stale:
            print("  errata not in the seed: " + ", ".join(r.stale))
    return 0


if __name__ == "__main__":
    sys.exit(main())
