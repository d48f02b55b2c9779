"""A pack's 审核公式: identity checks declared as data.

Like the 审核公式 of 部门决算 reporting software, each check is a left and a
right expression (:mod:`reportgen.pack.expressions`) with a relation, a
tolerance, a severity and the field a failure points to.  A pack names the
file in ``pack.yaml`` (``identities: identities.yaml``)::

    budget_identity:
      zh: 预算收支平衡
      left: budget.executed + budget.year_end_balance          # 填报数
      op: "="
      right: budget.carried_over + budget.initial + budget.adjustment + budget.other_adjustment
      field: budget.executed
      message: 上年结转 + 年初预算 + 预算调整 + 其他调整 应等于 预算执行 + 年末结余
      tolerance: 0          # in 元 for amounts (default 0)
      severity: 错误         # 错误 / 警告 (default 错误)
      when: count_of(staffing.changes) > 0     # optional: only then

``left op right`` must hold (``=``, ``<=`` or ``>=``); when it does not,
the diagnostic reads ``file:line: field（中文名）: message：应为 <right>，实为
<left>，差额 <left − right>`` with amounts in the file's money unit.  A check
runs only on figures the unit gives: a missing field skips it (missing data
is the forms' business), as does a false ``when``.  Checks may use the pack's
formulas by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from reportgen import numbers as N
from reportgen.errors import ERROR, WARNING, Diagnostic, Loc
from reportgen.pack.expressions import ExpressionError, Missing, Parsed, Quantity
from reportgen.pack.formulas import FormulaEvaluator, closest, field_known, field_paths, parse_node
from reportgen.unitfile.load import Mapping
from reportgen.unitfile.schema import zh_name

OPS = ("=", "<=", ">=")
SEVERITIES = {"错误": ERROR, "error": ERROR, "警告": WARNING, "warning": WARNING}


@dataclass
class Identity:
    """One declared 审核公式 (see the module docstring)."""

    key: str
    zh: str
    left: Parsed
    op: str
    right: Parsed
    field: str
    message: str
    tolerance: Decimal
    severity: str
    when: Parsed | None
    loc: Loc


def read_identities(r, formulas: dict) -> list[Identity]:
    """Read an identities file through the pack reader ``r``; every problem
    (syntax, unknown field or formula, bad relation or severity) is reported
    at its line."""
    out: list[Identity] = []
    if r.root is None:
        return out
    if not isinstance(r.root, Mapping):
        r.fail(r.root.loc, "审核公式文件应为“名称: {zh, left, op, right, field, …}”")
        return out
    allowed = {"zh", "left", "op", "right", "field", "message", "tolerance", "severity", "when", "source"}
    for key, node in r.root.items.items():
        if not isinstance(node, Mapping):
            r.fail(node.loc, f"审核公式 '{key}' 应为 {{zh, left, op, right, field, …}}")
            continue
        for k in sorted(set(node.items) - allowed):
            r.fail(node.items[k].loc, f"审核公式 '{key}' 中有未知的键 '{k}'（可用: {', '.join(sorted(allowed))}）")
        exprs = {name: parse_node(r, r.get(node, name, required=name != "when")) for name in ("left", "right", "when")}
        op = r.text(node, "op", required=False, default="=")
        if op not in OPS:
            r.fail(node.items["op"].loc, f"op 应为 {' / '.join(OPS)} 之一，实为 '{op}'")
        severity_text = r.text(node, "severity", required=False, default="错误")
        severity = SEVERITIES.get(severity_text)
        if severity is None:
            r.fail(node.items["severity"].loc, f"severity 应为 错误 或 警告，实为 '{severity_text}'")
        field = r.text(node, "field")
        if field and not field_known(field, "unit"):
            hint = closest(field, field_paths("unit"))
            r.fail(node.items["field"].loc, f"field '{field}' 不是单位文件的字段" + (f"（是否应为 {hint}？）" if hint else ""))
        tolerance = r.number(node, "tolerance") if "tolerance" in node.items else Decimal(0)
        for name, parsed in exprs.items():
            for ref in (parsed.names if parsed else ()):
                if ref not in formulas and not field_known(ref, "unit"):
                    hint = closest(ref, list(formulas) + field_paths("unit"))
                    r.fail(node.items[name].loc, f"审核公式 '{key}' 引用了未知的字段或公式 '{ref}'"
                                                 + (f"（是否应为 {hint}？）" if hint else ""))
        if exprs["left"] is None or exprs["right"] is None or op not in OPS or severity is None:
            continue
        out.append(Identity(key, r.text(node, "zh"), exprs["left"], op, exprs["right"], field,
                            r.text(node, "message", required=False) or r.text(node, "zh"), tolerance,
                            severity, exprs["when"], node.loc))
    return out


def run_identities(u, identities: list[Identity], formulas: dict) -> list[Diagnostic]:
    """Every declared check that fails for unit ``u``, as diagnostics with
    expected (the right side), found (the left side) and their difference."""
    out: list[Diagnostic] = []
    ev = FormulaEvaluator(u, formulas)
    for ident in identities:
        try:
            if ident.when is not None and not ev.truth(ev.evaluate(ident.when, ident.zh)):
                continue
            left = ev.evaluate(ident.left, ident.zh)
            right = ev.evaluate(ident.right, ident.zh)
        except Missing:
            continue
        except ExpressionError as exc:
            out.append(Diagnostic(f"审核公式“{ident.zh}”无法计算: {exc.message}", ident.loc))
            continue
        if left.value is None or right.value is None or _holds(ident, left.value, right.value):
            continue
        show = _shower(u, left)
        out.append(Diagnostic(ident.message, u.loc(ident.field), ident.field, zh_name(ident.field),
                              severity=ident.severity, expected=show(right.value), found=show(left.value),
                              difference=show(left.value - right.value)))
    return out


def _holds(ident: Identity, left: Decimal, right: Decimal) -> bool:
    if ident.op == "=":
        return abs(left - right) <= ident.tolerance
    if ident.op == "<=":
        return left <= right + ident.tolerance
    return left >= right - ident.tolerance


def _shower(u, q: Quantity):
    """How a side of a failed check is printed: amounts in the file's money
    unit (万元 or 元, 2 decimals), ratios in %, counts as whole numbers."""
    if q.kind == "amount":
        unit = u.get("money_unit", "")
        fmt = N.wan if unit == "万元" else N.yuan
        return lambda v: f"{fmt(v)}{unit}"
    if q.kind == "ratio":
        return N.percent
    return lambda v: str(int(v)) if v == v.to_integral_value() else N.plain(v)
