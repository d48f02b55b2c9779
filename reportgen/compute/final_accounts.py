"""部门决算 (final accounts): the ten 公开表 derived from the ledger's leaves.

A unit file gives income per 功能分类 项 code and source, spending per 项
code, 资金来源 and kind, the 一般公共预算 spending per 经济分类 款, and
the counts of 公开10 (schema ``final_accounts``).  Everything a 部门决算公开
prints is computed here, once, in 元 and unrounded:

* 类 (3 digits) and 款 (5) rows are sums of their 项 (7), named from the
  政府收支分类科目 shipped in ``reportgen/data/classification.yaml`` (or the
  unit's ``final_accounts.code_names``);
* 公开01 收入支出决算总表, 02 收入决算表, 03 支出决算表, 04 财政拨款收入支出决算总表,
  05 一般公共预算财政拨款支出决算表, 06 ……基本支出决算表 (经济分类),
  07 “三公”经费, 08 政府性基金, 09 国有资本经营, 10 相关信息统计表.

Sources: table layout and identities per seed 002 and rubrics.md §6.1
(Shanxi 2021 部门决算公开, 10 tables).  Amounts are Decimal 元 throughout;
display rounding happens in :mod:`reportgen.forms.context` and :mod:`reportgen.compute.narrate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml

from reportgen.errors import Diagnostic
from reportgen.numbers import ZERO
from reportgen.unitfile.schema import FISCAL_TYPES, INCOME_SOURCES, SPENDING_KINDS, SPENDING_SOURCES, VEHICLE_TYPES, zh_name
from reportgen.unitfile.validate import Unit

FA = "final_accounts"


#: 公开01 收入 rows 1–8: (label, income columns summed).
SUMMARY_INCOME_ROWS = (
    ("一般公共预算财政拨款收入", ("general_budget",)),
    ("政府性基金预算财政拨款收入", ("government_fund",)),
    ("国有资本经营预算财政拨款收入", ("state_capital",)),
    ("上级补助收入", ("superior_subsidy",)),
    ("事业收入", ("operating",)),
    ("经营收入", ("business",)),
    ("附属单位上缴收入", ("affiliated",)),
    ("其他收入", ("other",)),
)

#: 情况说明 二 收入 items: the 财政拨款 types count as one.
NARRATIVE_INCOME_ITEMS = (
    ("财政拨款收入", ("general_budget", "government_fund", "state_capital")),
    ("上级补助收入", ("superior_subsidy",)),
    ("事业收入", ("operating",)),
    ("经营收入", ("business",)),
    ("附属单位上缴收入", ("affiliated",)),
    ("其他收入", ("other",)),
)

INCOME_KEYS = tuple(k for k, _ in INCOME_SOURCES)
SPENDING_KEYS = tuple(k for k, _ in SPENDING_KINDS)
DEFAULT_SOURCE = SPENDING_SOURCES[0]


# --------------------------------------------------------------------------
# 政府收支分类科目


@dataclass(frozen=True)
class Classification:
    """The shipped code tables: 功能分类 and 经济分类 names by code, the
    经济分类 类 under 人员经费 / 公用经费, and the 类 rows of 公开01/04."""

    functional: dict[str, str]
    economic: dict[str, str]
    economic_groups: dict[str, tuple[str, ...]]
    summary_classes: tuple[str, ...] = ()

    @property
    def classes(self) -> list[tuple[str, str]]:
        """The 功能分类 类 rows of 公开01/04 (``summary_classes``), in print order."""
        return [(c, self.functional[c]) for c in self.summary_classes]


@lru_cache(maxsize=1)
def classification() -> Classification:
    """Load ``reportgen/data/classification.yaml`` (once)."""
    data = yaml.safe_load((Path(__file__).parent.parent / "data" / "classification.yaml").read_text("utf-8"))
    return Classification({str(k): v for k, v in data["functional"].items()},
                          {str(k): v for k, v in data["economic"].items()},
                          {g: tuple(str(c) for c in cs) for g, cs in data["economic_groups"].items()},
                          tuple(str(c) for c in data["summary_classes"]))


# --------------------------------------------------------------------------
# Rows


@dataclass
class CodeRow:
    """One row of a table by 功能分类 or 经济分类: ``level`` 1 类, 2 款, 3 项
    (功能分类) or 1 类, 2 款 (经济分类); ``values`` in 元 by column key."""

    code: str
    name: str
    level: int
    values: dict[str, Decimal] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Decimal:
        return self.values.get(key, ZERO)

    @property
    def empty(self) -> bool:
        return not any(self.values.values())


def _add(into: dict[str, Decimal], values: dict[str, Decimal]) -> None:
    for k, v in values.items():
        into[k] = into.get(k, ZERO) + v


def rollup(lines: list[tuple[str, dict[str, Decimal]]], names: dict[str, str]) -> tuple[CodeRow, list[CodeRow]]:
    """Sum 项 lines (7-digit code, values) into 合计 and 类/款/项 rows.

    Returns ``(total_row, rows)`` with rows in code order, each 类 followed by
    its 款 and each 款 by its 项; lines of one 项 code are added together.
    ``names`` maps codes to names (unknown codes get an empty name; the
    caller reports them).
    """
    total = CodeRow("", "合计", 0)
    by_code: dict[str, CodeRow] = {}
    for code, values in lines:
        for level, cut in ((1, 3), (2, 5), (3, 7)):
            c = code[:cut]
            row = by_code.setdefault(c, CodeRow(c, names.get(c, ""), level))
            _add(row.values, values)
        _add(total.values, values)
    return total, [by_code[c] for c in sorted(by_code)]


# --------------------------------------------------------------------------
# The accounts


@dataclass
class FinalAccounts:
    """Every figure of the ten 公开表, in 元 (Decimal, unrounded).

    ``income`` (公开02), ``spending`` (03, all sources), ``general_budget``
    (05), ``government_fund`` (08: spending and, as ``income``, 本年收入),
    ``state_capital`` (09, likewise) are ``(合计, rows)`` pairs from :func:`rollup`; ``economic``
    (06) is a list of 经济分类 rows with ``amount``/``basic``; balances and
    the 公开10 counts are plain values.
    """

    income: tuple[CodeRow, list[CodeRow]]
    spending: tuple[CodeRow, list[CodeRow]]
    general_budget: tuple[CodeRow, list[CodeRow]]
    government_fund: tuple[CodeRow, list[CodeRow]]
    state_capital: tuple[CodeRow, list[CodeRow]]
    economic: list[CodeRow]
    non_fiscal_balance_used: Decimal
    opening_balance: Decimal
    distribution: Decimal
    closing_balance: Decimal
    fiscal_opening: dict[str, Decimal]
    fiscal_closing: dict[str, Decimal]
    procurement: dict[str, Decimal]
    operating_costs: dict[str, Decimal]
    vehicles: dict[str, int]
    general_equipment: int
    special_equipment: int

    # -- 公开01 -------------------------------------------------------------
    @property
    def income_total(self) -> Decimal:
        """本年收入合计 (公开01 row 27 = 公开02 合计)."""
        return sum((self.income[0][k] for k in INCOME_KEYS), ZERO)

    @property
    def spending_total(self) -> Decimal:
        """本年支出合计 (公开01 row 58 = 公开03 合计)."""
        return sum((self.spending[0][k] for k in SPENDING_KEYS), ZERO)

    @property
    def grand_total_income_side(self) -> Decimal:
        """总计, 收入 side: 本年收入合计 + 使用非财政拨款结余 + 年初结转和结余."""
        return self.income_total + self.non_fiscal_balance_used + self.opening_balance

    @property
    def grand_total_spending_side(self) -> Decimal:
        """总计, 支出 side: 本年支出合计 + 结余分配 + 年末结转和结余."""
        return self.spending_total + self.distribution + self.closing_balance

    def class_spending(self, table: str = "spending") -> dict[str, Decimal]:
        """本年支出 per 功能分类 类 (3-digit code → 元) of a table."""
        _, rows = getattr(self, table)
        return {r.code: sum((r[k] for k in SPENDING_KEYS), ZERO) for r in rows if r.level == 1}

    # -- 公开04 -------------------------------------------------------------
    def fiscal_income(self, key: str) -> Decimal:
        """本年财政拨款收入 of one type (元)."""
        return self.income[0][key]

    def fiscal_spending(self, key: str) -> Decimal:
        """本年财政拨款支出 of one type (元)."""
        table = {"general_budget": self.general_budget, "government_fund": self.government_fund,
                 "state_capital": self.state_capital}[key]
        return sum((table[0][k] for k in SPENDING_KEYS), ZERO)

    @property
    def fiscal_total(self) -> Decimal:
        """公开04 总计 (收入 side): 本年财政拨款收入 + 年初财政拨款结转和结余."""
        return sum((self.fiscal_income(k) + self.fiscal_opening[k] for k, _ in FISCAL_TYPES), ZERO)

    @property
    def fiscal_total_spending_side(self) -> Decimal:
        """公开04 总计 (支出 side): 本年财政拨款支出 + 年末财政拨款结转和结余."""
        return sum((self.fiscal_spending(k) + self.fiscal_closing[k] for k, _ in FISCAL_TYPES), ZERO)

    # -- 公开06 -------------------------------------------------------------
    def economic_total(self, group: str, column: str = "basic") -> Decimal:
        """人员经费 or 公用经费 total of 公开06 (``column`` amount or basic)."""
        classes = classification().economic_groups[group]
        return sum((r[column] for r in self.economic if r.level == 1 and r.code in classes), ZERO)

    def economic_class(self, code: str, column: str = "basic") -> Decimal:
        return next((r[column] for r in self.economic if r.code == code), ZERO)

    # -- 公开10 -------------------------------------------------------------
    @property
    def procurement_total(self) -> Decimal:
        return sum(self.procurement.values(), ZERO)

    @property
    def operating_costs_total(self) -> Decimal:
        """机关运行经费: 行政单位 + 参照公务员法管理事业单位 (公开10 rows 5 + 6)."""
        return sum(self.operating_costs.values(), ZERO)

    @property
    def vehicles_total(self) -> int:
        """车辆数合计 (公开10 row 7) = Σ rows 8–15."""
        return sum(self.vehicles.values())


def _income_of(income_lines: list, key: str) -> list[tuple[str, dict[str, Decimal]]]:
    """The 本年收入 of one 财政拨款 type per 项, as lines with an ``income``
    value, so 政府性基金/国有资本经营 tables show each row's 本年收入 beside its
    支出 (a 项 with income and no spending is a row too)."""
    return [(code, {"income": values[key]}) for code, values in income_lines if values.get(key)]


def _money(u: Unit, path: str) -> Decimal:
    return u.get(path) or ZERO


def build(u: Unit) -> tuple[FinalAccounts | None, list[Diagnostic]]:
    """Derive the ten tables from ``final_accounts``; ``(None, [])`` when the
    unit file has no such section.

    Reports (as errors at the line): a 功能分类 or 经济分类 code that neither
    the shipped 科目 nor ``final_accounts.code_names`` names; a 项 line given
    twice for the same 资金来源; an 经济分类 款 given twice; a 基本支出 part
    larger than its 金额.
    """
    if not u.given(FA):
        return None, []
    cls = classification()
    diags: list[Diagnostic] = []
    own = {k: u.get(f"{FA}.code_names.{k}") for k in u.keys(f"{FA}.code_names")}
    fnames = {**cls.functional, **own}
    enames = {**cls.economic, **own}

    def known(path: str, code: str, names: dict[str, str], cuts: tuple[int, ...], kind: str) -> None:
        for cut in cuts:
            c = code[:cut]
            if c not in names:
                diags.append(Diagnostic(
                    f"未知的{kind}科目编码 {c}（{code}）：请核对，或在 final_accounts.code_names 中写明其科目名称",
                    u.loc(path), u.full_path(path), zh_name(path)))
                return

    income_lines, seen = [], set()
    for item in u.items(f"{FA}.income"):
        code = u.get(f"{item}.code")
        if code is None:
            continue
        known(f"{item}.code", code, fnames, (3, 5, 7), "功能分类")
        if code in seen:
            diags.append(Diagnostic(f"科目 {code} 的收入重复填写（每个科目一行）", u.loc(item),
                                    u.full_path(f"{item}.code"), zh_name(f"{item}.code")))
        seen.add(code)
        income_lines.append((code, {k: _money(u, f"{item}.{k}") for k in INCOME_KEYS}))

    by_source: dict[str, list] = {s: [] for s in SPENDING_SOURCES}
    seen = set()
    for item in u.items(f"{FA}.spending"):
        code = u.get(f"{item}.code")
        if code is None:
            continue
        source = u.get(f"{item}.source") or DEFAULT_SOURCE
        known(f"{item}.code", code, fnames, (3, 5, 7), "功能分类")
        if (code, source) in seen:
            diags.append(Diagnostic(f"科目 {code}（{source}）的支出重复填写（每个科目、每种资金来源一行）",
                                    u.loc(item), u.full_path(f"{item}.code"), zh_name(f"{item}.code")))
        seen.add((code, source))
        by_source[source].append((code, {k: _money(u, f"{item}.{k}") for k in SPENDING_KEYS}))

    economic: dict[str, CodeRow] = {}
    for item in u.items(f"{FA}.economic"):
        code = u.get(f"{item}.code")
        if code is None:
            continue
        known(f"{item}.code", code, enames, (3, 5), "经济分类")
        basic = _money(u, f"{item}.basic")
        # a 基本支出-only table (上海 基本支出决算表) gives basic alone: its amount is the basic part
        amount = _money(u, f"{item}.amount") if u.has(f"{item}.amount") else basic
        if code in economic:
            diags.append(Diagnostic(f"经济分类科目 {code} 重复填写（每个科目一行）", u.loc(item),
                                    u.full_path(f"{item}.code"), zh_name(f"{item}.code")))
        if basic > amount:
            diags.append(Diagnostic("“其中：基本支出”不能大于金额", u.loc(f"{item}.basic"),
                                    u.full_path(f"{item}.basic"), zh_name(f"{item}.basic"),
                                    expected=f"≤ {amount}", found=str(basic), difference=str(basic - amount)))
        for cut in (3, 5):
            row = economic.setdefault(code[:cut], CodeRow(code[:cut], enames.get(code[:cut], ""),
                                                          1 if cut == 3 else 2))
            _add(row.values, {"amount": amount, "basic": basic})

    all_lines = [line for lines in by_source.values() for line in lines]
    fa = FinalAccounts(
        income=rollup(income_lines, fnames),
        spending=rollup(all_lines, fnames),
        general_budget=rollup(by_source["一般公共预算财政拨款"], fnames),
        government_fund=rollup(by_source["政府性基金预算财政拨款"] + _income_of(income_lines, "government_fund"),
                               fnames),
        state_capital=rollup(by_source["国有资本经营预算财政拨款"] + _income_of(income_lines, "state_capital"),
                             fnames),
        economic=[economic[c] for c in sorted(economic)],
        non_fiscal_balance_used=_money(u, f"{FA}.non_fiscal_balance_used"),
        opening_balance=_money(u, f"{FA}.opening_balance"),
        distribution=_money(u, f"{FA}.distribution"),
        closing_balance=_money(u, f"{FA}.closing_balance"),
        fiscal_opening={k: _money(u, f"{FA}.fiscal_opening.{k}") for k, _ in FISCAL_TYPES},
        fiscal_closing={k: _money(u, f"{FA}.fiscal_closing.{k}") for k, _ in FISCAL_TYPES},
        procurement={k: _money(u, f"{FA}.procurement.{k}") for k in ("goods", "works", "services")},
        operating_costs={k: _money(u, f"{FA}.operating_costs.{k}")
                         for k in ("administrative", "civil_service_managed")},
        vehicles={k: u.get(f"{FA}.vehicles.{k}") or 0 for k, _ in VEHICLE_TYPES},
        general_equipment=u.get(f"{FA}.general_equipment") or 0,
        special_equipment=u.get(f"{FA}.special_equipment") or 0,
    )
    return fa, diags
