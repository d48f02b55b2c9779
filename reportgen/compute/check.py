"""Stage 3, check: the identities a unit's raw figures must satisfy.

Identities that are arithmetic (收支平衡, 合计, 其中项 …) are a pack's
审核公式, declared as data (:mod:`reportgen.pack.identities`).  The checks
here are the library ones that take more than arithmetic (filtered sums with
per-item warnings, the 部门决算 tables); a pack's ``pack.yaml`` lists which
apply to its forms (``checks:``).
A failure is a diagnostic with expected, found and difference, located at
the figures it concerns.  Checks only run on figures that are present —
a missing figure is the validate/score stages' business.  Control totals
typed from the ledger are compared with the derived sums, never used.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Callable

from reportgen import numbers as N
from reportgen.compute.derive import itemised_spent
from reportgen.errors import Diagnostic, WARNING
from reportgen.unitfile.schema import Group, ListOf, spec_at, zh_name
from reportgen.unitfile.validate import Unit

CHECKS: dict[str, tuple[str, Callable[[Unit], list[Diagnostic]]]] = {}
#: The unit paths (groups, lists) each check reads when they are given — the
#: data-collection workbook keeps their sheets in use (:mod:`pack.needs`).
CHECK_READS: dict[str, tuple[str, ...]] = {}


def check(key: str, zh: str, reads: tuple[str, ...] = ()):
    def register(fn):
        CHECKS[key] = (zh, fn)
        CHECK_READS[key] = reads
        return fn

    return register


def _money_diff(unit: Unit, message: str, path: str, expected: Decimal, found: Decimal) -> Diagnostic:
    """A mismatch of amounts, shown in the file's money unit."""
    show = N.wan if unit.get("money_unit") == "万元" else N.yuan
    unit_name = unit.get("money_unit", "")
    return Diagnostic(message, unit.loc(path), path, zh_name(path),
                      expected=f"{show(expected)}{unit_name}", found=f"{show(found)}{unit_name}",
                      difference=f"{show(found - expected)}{unit_name}")


def _count_diff(unit: Unit, message: str, path: str, expected: int, found: int) -> Diagnostic:
    return Diagnostic(message, unit.loc(path), path, zh_name(path),
                      expected=str(expected), found=str(found), difference=str(found - expected))


@check("project_totals", "项目合计", reads=("project_totals", "projects[].budget", "projects[].spent",
                                             "projects[].parts", "projects[].implemented"))
def project_totals(u: Unit) -> list[Diagnostic]:
    """Itemised projects against the stated subtotals (项目合计 control totals),
    and a project's 实际支出 against its 分项 when both are given."""
    out = []
    items = u.items("projects")
    budget = {f"{p}.budget": u.get(f"{p}.budget") for p in items}
    spent = {f"{p}.spent": itemised_spent(u, p) for p in items}     # a project in parts: their sum
    sums = {
        "project_totals.budget": budget,
        "project_totals.spent": spent,
        "project_totals.implemented_spent": {k: v for (k, v), p in zip(spent.items(), items)
                                             if u.get(f"{p}.implemented", True)},
    }
    for total_path, amounts in sums.items():
        if not u.has(total_path):
            continue
        missing = [p for p, v in amounts.items() if v is None]
        if missing:
            out.append(Diagnostic("给出了合计数，但有项目缺少该金额，无法核对", u.loc(missing[0]),
                                  missing[0], zh_name(missing[0]), severity=WARNING))
            continue
        found = sum(amounts.values(), N.ZERO)
        if found != u[total_path]:
            out.append(_money_diff(u, f"{zh_name(total_path)}与逐项之和不符（应为逐项之和，实为填报的合计）",
                                   total_path, found, u[total_path]))
    for p in items:               # a project spent in parts: its 实际支出 is their sum
        parts = u.items(f"{p}.parts")
        if parts and u.has(f"{p}.spent"):
            found = sum((u[f"{part}.spent"] for part in parts if u.has(f"{part}.spent")), N.ZERO)
            if found != u[f"{p}.spent"]:
                out.append(_money_diff(u, "项目实际支出与分项之和不符（应为分项之和，实为填报的实际支出）",
                                       f"{p}.spent", found, u[f"{p}.spent"]))
    if u.has("project_totals.count") and u["project_totals.count"] != len(items):
        out.append(_count_diff(u, "项目个数与列出的项目数不符（应为列出的项目数）",
                               "project_totals.count", len(items), u["project_totals.count"]))
    return out


@check("staff_categories", "编制类别合计", reads=("staffing.categories", "staffing.authorized",
                                             "staffing.in_service"))
def staff_categories(u: Unit) -> list[Diagnostic]:
    """Σ 编制类别 (those counted in the 控制率) = 编制数 and = 在职人员数
    (seed 001: 23 + 6 + 15 = 44 and 20 + 6 + 15 = 41; the 自收自支 centre is
    outside the 部门决算 basis)."""
    items = [c for c in u.items("staffing.categories")
             if u.has(f"{c}.authorized") and u.has(f"{c}.in_service") and not u.get(f"{c}.excluded")]
    if not items:
        return []
    out = []
    for field, zh in (("authorized", "核定编制数"), ("in_service", "实有人数")):
        total = f"staffing.{field}"
        if not u.has(total):
            continue
        found = sum(u[f"{c}.{field}"] for c in items)
        if found != u[total]:
            out.append(_count_diff(u, f"计入控制率的各编制类别{zh}之和 应等于 {zh_name(total)}"
                                      "（应为填报的总数，实为各类别之和）", total, u[total], found))
    return out


@check("project_spending_split", "项目支出构成", reads=("budget.project_spending",
                                                    "project_categories[].actual", "projects[].spent"))
def project_spending_split(u: Unit) -> list[Diagnostic]:
    """项目支出 (预算执行) = Σ 项目支出类别 本年决算数 = Σ 项目实际支出, each
    when every item has its amount (seed 001: 85 + 100 + 53 = 238)."""
    if not u.has("budget.project_spending"):
        return []
    out = []
    for list_path, field, what in (("project_categories", "actual", "各项目支出类别本年决算数之和"),
                                   ("projects", "spent", "各项目实际支出之和")):
        paths = [f"{i}.{field}" for i in u.items(list_path)]
        if not paths or not all(u.has(p) for p in paths):
            continue
        found = sum((u[p] for p in paths), N.ZERO)
        if found != u["budget.project_spending"]:
            out.append(_money_diff(u, f"{what} 应等于 项目支出（应为项目支出，实为{what}）", list_path,
                                   u["budget.project_spending"], found))
    return out


def run_checks(unit: Unit, names: tuple[str, ...]) -> list[Diagnostic]:
    """Run the named checks; unknown names are a pack problem (KeyError)."""
    out: list[Diagnostic] = []
    for name in names:
        out += CHECKS[name][1](unit)
    return out


def _missing_leaves(unit: Unit, path: str) -> list[str]:
    """The fields of ``path`` the unit lacks: the path itself when it is not
    written at all; else, for a group, each of its amounts/counts/texts
    (recursively) that is missing; a list needs at least one item."""
    spec = spec_at(path)
    if isinstance(spec, Group):
        if not unit.given(path):
            return [path]
        return [m for child in spec.fields for m in _missing_leaves(unit, f"{path}.{child.key}")]
    if isinstance(spec, ListOf):
        return [] if unit.count(path) else [path]
    return [] if unit.has(path) else [path]


def requirements(unit: Unit, paths: tuple[str, ...], form_title: str) -> list[Diagnostic]:
    """One error per field a form prints that the unit file lacks; a group
    that is not written at all is one error, not one per field."""
    return [Diagnostic(f"缺少数据：《{form_title}》需要此项", unit.loc(m), m, zh_name(m))
            for p in paths for m in _missing_leaves(unit, p)]


# --------------------------------------------------------------------------
# 部门决算 (final accounts): the identities of the ten 公开表 (rubrics.md §6.1)

#: 06表 经济分类 款 that carry each “三公经费” item (公开07 ↔ 公开06).
THREE_PUBLIC_ECONOMIC = (("overseas", ("30212",)), ("reception", ("30217",)),
                         ("vehicle_operation", ("30231",)), ("vehicle_purchase", ("30913", "31013")))


@check("final_accounts", "部门决算公开表间关系", reads=("final_accounts", "projects[].indicators"))
def final_accounts(u: Unit) -> list[Diagnostic]:
    """The identities of the 部门决算 tables that the leaves can break:

    * 公开01 总计: 本年收入合计 + 使用非财政拨款结余 + 年初结转和结余 =
      本年支出合计 + 结余分配 + 年末结转和结余;
    * 公开04 per 财政拨款 type: 本年收入 + 年初结转和结余 = 本年支出 + 年末结转和结余;
    * 公开06 = 公开05: Σ 经济分类 金额 = 一般公共预算财政拨款支出 小计 (when
      the unit gives 金额: a form whose 经济分类 table shows 基本支出 only, as
      the 上海 一般公共预算财政拨款基本支出决算表, gives ``basic`` alone), and
      Σ 其中：基本支出 = its 基本支出;
    * 公开10 机关运行经费 ≤ 公开06 公用经费 (基本支出); equal when every unit
      is 行政 or 参公 (a warning otherwise);
    * 公开07 “三公经费” 决算数 against the 06表 款 that carry them (a warning:
      07 also counts spending from earlier years' carry-over);
    * 预算绩效: 自评项目个数 ≥ the annexed 项目自评表; 涉及资金 ≤ 项目支出;
    * every control total (``final_accounts.control_totals``) against the
      derived sum.

    Unknown 科目 codes and repeated lines are reported by the derivation.
    """
    from reportgen.compute.final_accounts import FA, FISCAL_TYPES, build

    fa, diags = build(u)
    if fa is None:
        return diags
    if u.has(f"{FA}.closing_balance") or u.has(f"{FA}.opening_balance"):
        expected = fa.grand_total_income_side - fa.spending_total - fa.distribution
        if expected != fa.closing_balance:
            diags.append(_money_diff(u, "公开01 收支总计不平：年末结转和结余应等于 本年收入合计 + 使用非财政拨款结余 + "
                                        "年初结转和结余 − 本年支出合计 − 结余分配", f"{FA}.closing_balance",
                                     expected, fa.closing_balance))
    for key, name in FISCAL_TYPES:
        expected = fa.fiscal_income(key) + fa.fiscal_opening[key] - fa.fiscal_spending(key)
        if expected != fa.fiscal_closing[key]:
            path = f"{FA}.fiscal_closing.{key}"
            diags.append(_money_diff(u, f"公开04 {name}收支不平：年末结转和结余应等于 本年收入 + 年初结转和结余 − 本年支出",
                                     path if u.has(path) else f"{FA}.spending", expected, fa.fiscal_closing[key]))
    if u.count(f"{FA}.economic"):
        gb = fa.general_budget[0]
        gb_amount = fa.fiscal_spending("general_budget")
        econ_amount = sum((r["amount"] for r in fa.economic if r.level == 1), N.ZERO)
        econ_basic = sum((r["basic"] for r in fa.economic if r.level == 1), N.ZERO)
        amounts_given = any(u.has(f"{item}.amount") for item in u.items(f"{FA}.economic"))
        if amounts_given and econ_amount != gb_amount:
            diags.append(_money_diff(u, "公开06 按经济分类的金额合计应等于 公开05 一般公共预算财政拨款支出合计",
                                     f"{FA}.economic", gb_amount, econ_amount))
        if econ_basic != gb["basic"]:
            diags.append(_money_diff(u, "公开06 “其中：基本支出”合计应等于 公开05 基本支出",
                                     f"{FA}.economic", gb["basic"], econ_basic))
        public = fa.economic_total("公用经费")
        if u.given(f"{FA}.operating_costs") and fa.operating_costs_total != public:
            over = fa.operating_costs_total > public
            d = _money_diff(u, "公开10 机关运行经费" + ("不能大于" if over else "小于") + " 公开06 公用经费（基本支出）"
                               + ("" if over else "：仅当有非参公事业单位时才会如此，请核对"),
                            f"{FA}.operating_costs", public, fa.operating_costs_total)
            diags.append(d if over else _as_warning(d))
        for item, codes in THREE_PUBLIC_ECONOMIC:
            path = f"three_public.items.{item}.actual"
            if not u.has(path):
                continue
            carried = sum((fa.economic_class(c, "amount" if amounts_given else "basic") for c in codes), N.ZERO)
            if carried != u[path]:
                diags.append(_as_warning(_money_diff(
                    u, f"公开07 {zh_name(path.rsplit('.', 1)[0])}决算数与公开06 对应经济科目（{'/'.join(codes)}）不一致"
                       "（07表含以前年度结转资金时可能如此，请核对）", path, carried, u[path])))
    diags += _performance_bounds(u, fa)
    diags += _control_totals(u, fa)
    return diags


def _as_warning(d: Diagnostic) -> Diagnostic:
    return replace(d, severity=WARNING)


def _performance_bounds(u: Unit, fa) -> list[Diagnostic]:
    base = "final_accounts.performance"
    out: list[Diagnostic] = []
    annexed = sum(1 for p in u.items("projects") if u.count(f"{p}.indicators"))
    counts = [u.get(f"{base}.provincial_projects"), u.get(f"{base}.city_projects")]
    if any(c is not None for c in counts) and sum(c or 0 for c in counts) < annexed:
        out.append(_count_diff(u, "自评项目个数少于附后的项目支出绩效自评表个数", f"{base}.city_projects",
                               annexed, sum(c or 0 for c in counts)))
    funds = u.get(f"{base}.funds")
    project = fa.general_budget[0]["project"]
    if funds is not None and funds > project:
        out.append(_money_diff(u, "自评项目涉及预算资金不能大于 一般公共预算财政拨款项目支出", f"{base}.funds",
                               project, funds))
    return out


def _control_totals(u: Unit, fa) -> list[Diagnostic]:
    base = "final_accounts.control_totals"
    derived = {
        "income_total": fa.income_total,
        "spending_total": fa.spending_total,
        "grand_total": fa.grand_total_income_side,
        "basic_total": fa.spending[0]["basic"],
        "project_total": fa.spending[0]["project"],
        "general_budget_total": fa.fiscal_spending("general_budget"),
        "personnel_total": fa.economic_total("人员经费"),
        "public_total": fa.economic_total("公用经费"),
        "procurement_total": fa.procurement_total,
    }
    out: list[Diagnostic] = []
    for key, value in derived.items():
        path = f"{base}.{key}"
        if u.has(path) and u[path] != value:
            out.append(_money_diff(u, f"控制数与逐项之和不符（{zh_name(path)}）", path, value, u[path]))
    path = f"{base}.vehicles_total"
    if u.has(path) and u[path] != fa.vehicles_total:
        out.append(_count_diff(u, "控制数与逐项之和不符（车辆数合计）", path, fa.vehicles_total, u[path]))
    classes = fa.class_spending()
    for code in u.keys(f"{base}.classes"):
        path = f"{base}.classes.{code}"
        if u.has(path) and u[path] != classes.get(code, N.ZERO):
            out.append(_money_diff(u, f"控制数与逐项之和不符（{code} 类本年支出）", path,
                                   classes.get(code, N.ZERO), u[path]))
    return out
