"""The sandbox for everything a template pack renders (模板包沙箱).

A template pack (模板包) often comes from elsewhere — a finance bureau's
folder, a colleague's e-mail — so what it says is evaluated as untrusted.
Its sentence patterns (句式), display patterns (显示模式) and Word templates
are Jinja templates, rendered in an environment made by :func:`environment`
and nowhere else (:mod:`output.render` builds its two environments from it;
:mod:`pack.packs`, :mod:`pack.packcheck` and :mod:`output.template_cache`
use those).  Pack formulas and 审核公式 are not Jinja: they are parsed by
:mod:`pack.expressions`, a whitelist of Python syntax over bounded Decimals.
:meth:`PackSandbox.compile_expression` gives a Jinja expression under the
same limits as a template, for any later caller that needs one.

What a pack may do: read the values it is given (attributes and items,
never ``_private`` ones), compare and compute with them, ``{% if %}``,
``{% for %}``, ``{% set %}``, ``{% filter %}``, ``{% macro %}``, the filters in
:data:`FILTERS` plus the caller's own (``change``), the read-only methods of
strings, dicts, lists and Decimals in :data:`METHODS`, and ``range``,
``dict``, ``namespace``, ``cycler``, ``joiner``.

What it may not do, each refused with a :class:`jinja2.TemplateError` that
carries the pattern's line (``lineno``), never a Python traceback:

* reach other files: ``{% include %}``, ``{% import %}``, ``{% from %}``,
  ``{% extends %}`` are syntax errors (the environment has no loader);
* reach Python internals (jinja2's :class:`ImmutableSandboxedEnvironment`:
  no ``__class__``, no ``str.format``, no mutation of lists and dicts);
* exhaust the machine.  Each render (and each expression evaluation) gets a
  budget (:class:`Limits`): loop iterations plus calls (``steps``), the
  characters and items it builds and prints (``size`` — ``'a' * n``,
  ``[1] * n``, ``a + a``, ``a ~ a``, ``'%s' % x``, ``join``, ``replace`` and
  printing are charged *before* they are built), integers of at most
  ``int_bits`` bits (``**`` and ``*`` on integers), ``range`` of at most
  ``range`` items, format widths of at most ``width``, and wall-clock
  ``seconds``.  Going over is a :class:`LimitError` naming the limit.
* fail with a Python exception: a ``TypeError`` (``{% if total > 90 %}``
  where ``total`` is display text), ``ValueError``, ``ArithmeticError``
  (``decimal.InvalidOperation``) or ``RecursionError`` while rendering
  becomes a :class:`PatternError` with the line.

The limits are at least ten times what the bundled examples need
(``tests/test_sandbox.py`` checks it).
"""

from __future__ import annotations

import functools
import re
import threading
import time
import types
import typing as t
from dataclasses import dataclass
from decimal import Decimal

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.environment import TemplateExpression
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Namespace


@dataclass(frozen=True)
class Limits:
    """What one render may use: ``steps`` loop iterations and calls,
    ``range`` of at most ``range`` items, ``size`` characters and items
    built or printed, integers of ``int_bits`` bits, format widths up to
    ``width``, ``seconds`` of wall-clock time."""

    steps: int = 200_000
    range: int = 100_000
    size: int = 2_000_000
    int_bits: int = 4096
    width: int = 1000
    seconds: float = 1.0


#: Sentence, display and file-name patterns: a few hundred characters each.
PATTERN_LIMITS = Limits()
#: A Word template's body: the largest bundled one, 部门决算公开, charges
#: about 2.5 million characters (its table rows' XML, once per row) and a
#: few hundred steps; a unit with many more 科目 rows or projects needs
#: several times that, so the size bound is twenty times it (some 50 MB of
#: text at most).
DOCX_LIMITS = Limits(steps=1_000_000, size=50_000_000, seconds=10.0)


class LimitError(SecurityError):
    """A pack expression went over a :class:`Limits` bound (超出计算限制)."""


class PatternError(jinja2.TemplateRuntimeError):
    """A pack pattern failed while rendering: a type error, a bad value, an
    arithmetic error.  ``lineno`` is the pattern's line (1-based) or None."""

    def __init__(self, message: str, lineno: int | None = None):
        super().__init__(message)
        self.lineno = lineno


#: Filters a pack may use (jinja2's own, minus those that build unbounded
#: text from a small argument — center, indent, wordwrap, format, urlize —
#: or read outside the values given — tojson/pprint of huge nests, random).
FILTERS = frozenset({
    "abs", "attr", "batch", "capitalize", "count", "d", "default", "dictsort", "e", "escape",
    "first", "float", "forceescape", "groupby", "int", "items", "join", "last", "length",
    "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace", "round", "safe",
    "select", "selectattr", "slice", "sort", "string", "striptags", "sum", "title", "trim",
    "truncate", "unique", "upper", "wordcount",
})

#: Methods a pack may call on built-in values: read-only ones whose result
#: is no bigger than the value (``replace`` and ``join`` are charged first).
METHODS: dict[type, frozenset[str]] = {
    str: frozenset({
        "capitalize", "casefold", "count", "endswith", "find", "index", "isalnum", "isalpha",
        "isdecimal", "isdigit", "isnumeric", "isspace", "join", "lower", "lstrip", "partition",
        "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rpartition", "rsplit",
        "rstrip", "split", "splitlines", "startswith", "strip", "title", "upper"}),
    dict: frozenset({"get", "items", "keys", "values"}),
    list: frozenset({"count", "index"}),
    tuple: frozenset({"count", "index"}),
    Decimal: frozenset({"copy_abs", "copy_negate", "is_signed", "is_zero", "normalize",
                        "quantize", "to_integral_value"}),
}

_VALUES = (str, bytes, int, float, Decimal, list, tuple, dict, set, frozenset)

#: Tags that reach other templates.
_FORBIDDEN = {
    nodes.Include: "{% include %}", nodes.Import: "{% import %}", nodes.FromImport: "{% from %}",
    nodes.Extends: "{% extends %}",
}

_FORMAT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


# --------------------------------------------------------------------------
# The budget of the render in progress


class _Budget:
    __slots__ = ("limits", "steps", "size", "deadline")

    def __init__(self, limits: Limits):
        self.limits = limits
        self.steps = 0
        self.size = 0
        self.deadline = time.monotonic() + limits.seconds

    def step(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > self.limits.steps:
            raise LimitError(f"超出计算限制：循环和调用合计超过 {self.limits.steps} 次"
                             f"（more than {self.limits.steps} loop steps and calls）")
        if time.monotonic() > self.deadline:
            raise LimitError(f"超出计算限制：渲染超过 {self.limits.seconds:g} 秒"
                             f"（render took more than {self.limits.seconds:g} s）")

    def build(self, n: int) -> None:
        self.size += n
        if self.size > self.limits.size:
            raise LimitError(f"超出计算限制：生成的文字和列表合计超过 {self.limits.size} 个字符/项"
                             f"（more than {self.limits.size} characters and items built）")

    @property
    def room(self) -> int:
        return self.limits.size - self.size


_state = threading.local()


def _budget(env) -> _Budget:
    """The budget of the render in progress; outside a render (Jinja folds
    constants while compiling) a fresh one, so the per-value bounds hold."""
    budget = getattr(_state, "budget", None)
    return budget if budget is not None else _Budget(env.limits)


def size_of(value, cap: int) -> int:
    """Characters and items ``value`` prints as (strings, nested lists and
    dicts counted every time a shared item recurs), counting stops past
    ``cap``.  Linear in the result, so the count itself is bounded."""
    total = 0
    stack = [value]
    while stack and total <= cap:
        v = stack.pop()
        if isinstance(v, (str, bytes)):
            total += len(v)
        elif isinstance(v, (list, tuple, set, frozenset)):
            total += len(v) + 2
            stack.extend(v)
        elif isinstance(v, dict):
            total += 2 * len(v) + 2
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, Namespace):
            total += 12
            stack.append(object.__getattribute__(v, "_Namespace__attrs"))
        elif isinstance(v, int):
            total += v.bit_length() // 3 + 1
        else:
            total += 8
    return total


def _charge(env, value) -> None:
    budget = _budget(env)
    budget.build(size_of(value, budget.room))


def _int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _sequence(value) -> bool:
    return isinstance(value, (str, list, tuple))


# --------------------------------------------------------------------------
# Compiling: forbidden tags refused, loops and ``~`` metered


class _Generator(CodeGenerator):
    """Jinja's code generator after one pass over the tree: forbidden tags
    are a syntax error at their line; the body of each loop, macro and
    ``{% call %}`` starts with ``environment.sandbox_tick(N)`` (one step,
    and the body's N characters of text charged, each time it runs); each ``~`` operand goes through
    ``environment.sandbox_text`` (charged before it is joined)."""

    def visit_Template(self, node, frame=None):
        for kind, tag in _FORBIDDEN.items():
            for found in node.find_all(kind):
                self.fail(f"模板包不能使用 {tag}（只能使用本句式或本模板自身的内容） / {tag} is not allowed "
                          "in a template pack", found.lineno)
        for body in list(node.find_all((nodes.For, nodes.Macro, nodes.CallBlock))):
            text = sum(len(d.data) for n in body.body for d in n.find_all(nodes.TemplateData))
            tick = self._wrap("sandbox_tick", nodes.Const(text, lineno=body.lineno))
            body.body.insert(0, nodes.ExprStmt(tick, lineno=body.lineno).set_environment(self.environment))
        for concat in list(node.find_all(nodes.Concat)):
            concat.nodes = [self._wrap("sandbox_text", n) for n in concat.nodes]
        super().visit_Template(node, frame)

    def visit_Call(self, node, frame, **kwargs):
        if isinstance(node.node, nodes.EnvironmentAttribute) and node.node.name.startswith("sandbox_"):
            self.write(f"environment.{node.node.name}(")      # our own meter: no sandbox call
            for i, arg in enumerate(node.args):
                self.write(", " if i else "")
                self.visit(arg, frame)
            self.write(")")
            return
        super().visit_Call(node, frame, **kwargs)

    def _wrap(self, method: str, *args: nodes.Expr) -> nodes.Call:
        call = nodes.Call(nodes.EnvironmentAttribute(method), list(args), [], None, None,
                          lineno=args[0].lineno)
        return call.set_environment(self.environment)


# --------------------------------------------------------------------------
# Rendering: one budget per render, every failure a located TemplateError


_FAILURES = (TypeError, ValueError, ArithmeticError, LookupError, AttributeError,
             RecursionError, MemoryError)


def _describe(exc: BaseException) -> str:
    kind = {TypeError: "类型错误（type error）", ValueError: "取值错误（value error）",
            RecursionError: "嵌套或递归过深（recursion too deep）",
            MemoryError: "内存不足（out of memory）"}
    for cls, label in kind.items():
        if isinstance(exc, cls):
            return f"{label}: {exc}"
    if isinstance(exc, ArithmeticError):
        return f"算术错误（arithmetic error）: {type(exc).__name__} {exc}".rstrip()
    return f"{type(exc).__name__}: {exc}"


def _template_line(tb) -> int | None:
    """The template line of the innermost template frame of a traceback
    jinja2 has rewritten (its fake frames carry ``__jinja_exception__``)."""
    line = None
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _guarded(env, run):
    """``run()`` under a fresh budget; any failure re-raised as a
    TemplateError with ``lineno`` set (None when unknown)."""
    previous = getattr(_state, "budget", None)
    _state.budget = _Budget(env.limits)
    try:
        return run()
    except jinja2.TemplateSyntaxError:
        raise
    except jinja2.TemplateError as exc:
        if getattr(exc, "lineno", None) is None:
            exc.lineno = _template_line(exc.__traceback__)
        raise
    except _FAILURES as exc:
        raise PatternError(_describe(exc), _template_line(exc.__traceback__)) from None
    finally:
        _state.budget = previous


class SandboxTemplate(jinja2.Template):
    """A template whose every render runs under its environment's limits
    (``generate``/``stream`` render whole first; ``module`` runs guarded)."""

    def render(self, *args, **kwargs) -> str:
        return _guarded(self.environment, lambda: jinja2.Template.render(self, *args, **kwargs))

    def generate(self, *args, **kwargs):
        yield self.render(*args, **kwargs)

    def make_module(self, vars=None, shared=False, locals=None):
        return _guarded(self.environment, lambda: jinja2.Template.make_module(self, vars, shared, locals))


class _Expression(TemplateExpression):
    def __call__(self, *args, **kwargs):
        return _guarded(self._template.environment,
                        lambda: TemplateExpression.__call__(self, *args, **kwargs))


# --------------------------------------------------------------------------
# The environment


class PackSandbox(ImmutableSandboxedEnvironment):
    """jinja2's immutable sandbox, bounded (see the module docstring).

    Each distinct source is compiled once per process: a pack repeats a few
    patterns (``{{ note }}``) dozens of times, and compiling is most of the
    time it takes to load a pack.
    """

    code_generator_class = _Generator
    template_class = SandboxTemplate
    intercepted_binops = frozenset({"*", "**", "+", "%"})
    _code: dict = {}

    def __init__(self, limits: Limits = PATTERN_LIMITS, **options):
        super().__init__(finalize=self._finalize, **options)
        self.limits = limits
        self.globals.pop("lipsum", None)
        self.globals["range"] = self.sandbox_range

    # -- compiling
    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        if not isinstance(source, str) or raw:
            return super().compile(source, name, filename, raw, defer_init)
        key = (source, name, filename, defer_init, self.autoescape, self.limits, frozenset(self.filters))
        code = self._code.get(key)
        if code is None:
            try:
                code = super().compile(source, name, filename, raw, defer_init)
            except (RecursionError, MemoryError):
                raise jinja2.TemplateSyntaxError("模式嵌套过深（pattern nested too deeply）", 1,
                                                 name, filename) from None
            self._code[key] = code
        return code

    def compile_expression(self, source: str, undefined_to_none: bool = True):
        """An expression (a formula) evaluated under the same limits:
        calling it returns the value or raises a TemplateError."""
        expr = super().compile_expression(source, undefined_to_none)
        return _Expression(expr._template, undefined_to_none)

    # -- what templates reach
    def wrap_str_format(self, value):
        return None          # str.format / format_map are not in METHODS: calling them is refused

    def sandbox_range(self, *args):
        """``range`` of at most ``limits.range`` items."""
        for a in args:
            if not _int(a):
                raise PatternError(f"range 的参数应为整数，实为 {a!r}"[:200])
        rng = range(*args)
        if len(rng) > self.limits.range:
            raise LimitError(f"超出计算限制：range 有 {len(rng)} 项，最多 {self.limits.range} 项"
                             f"（range too long）")
        return rng

    def sandbox_tick(self, text: int) -> None:
        """Run at the start of each loop iteration and macro call: one step,
        and the body's text charged."""
        budget = _budget(self)
        budget.step()
        budget.build(text)

    def sandbox_text(self, value):
        """An operand of ``~``, charged before it is joined."""
        _charge(self, value)
        return value

    def _finalize(self, value):
        """Every printed value, charged before it is made text."""
        _charge(self, value)
        return value

    def call_binop(self, context, operator, left, right):
        budget = _budget(self)
        limits = self.limits
        if operator == "*":
            if _sequence(left) and _int(right) or _sequence(right) and _int(left):
                seq, n = (left, right) if _sequence(left) else (right, left)
                budget.build(len(seq) * max(n, 0))
            elif _int(left) and _int(right) and left.bit_length() + right.bit_length() > limits.int_bits:
                raise LimitError(f"超出计算限制：整数超过 {limits.int_bits} 位（integer too large）")
        elif operator == "**":
            if (_int(left) and _int(right) and right > 0 and abs(left) > 1
                    and left.bit_length() * right > limits.int_bits):
                raise LimitError(f"超出计算限制：乘方结果超过 {limits.int_bits} 位（power too large）")
        elif operator == "+":
            if _sequence(left) and _sequence(right):
                budget.build(len(left) + len(right))
        elif operator == "%" and isinstance(left, str):
            self._check_format(left)
            _charge(self, right)
            budget.build(len(left))
        return super().call_binop(context, operator, left, right)

    def _check_format(self, fmt: str) -> None:
        for m in _FORMAT_SPEC.finditer(fmt):
            for part in m.groups():
                if part == "*" or (part and int(part) > self.limits.width):
                    raise LimitError(f"超出计算限制：格式宽度 {part} 超过 {self.limits.width}"
                                     f"（format width too large）")

    def call(__self, __context, __obj, *args, **kwargs):
        budget = _budget(__self)
        budget.step()
        owner = getattr(__obj, "__self__", None)
        if isinstance(__obj, (types.BuiltinMethodType, types.MethodWrapperType, types.MethodType)) \
                and isinstance(owner, _VALUES):
            name = __obj.__name__
            allowed = next((m for cls, m in METHODS.items() if isinstance(owner, cls)), frozenset())
            if name not in allowed:
                raise SecurityError(f"模板包不能调用 {type(owner).__name__}.{name}()"
                                    f"（可用: {', '.join(sorted(allowed)) or '无'}）")
            if isinstance(owner, str) and name == "replace" and len(args) >= 2:
                __self._charge_replace(owner, *args[:2])
            elif isinstance(owner, str) and name == "join" and args:
                __self._charge_join(owner, args[0])
        result = super().call(__context, __obj, *args, **kwargs)
        _charge(__self, result)
        return result

    def _charge_replace(self, s, old, new) -> None:
        if isinstance(old, str) and isinstance(new, str):
            hits = len(s) + 1 if not old else s.count(old)
            _budget(self).build(len(s) + hits * len(new))

    def _charge_join(self, sep, items) -> None:
        budget = _budget(self)
        if isinstance(items, (list, tuple, set, dict)):
            budget.build(len(sep) * len(items))
        budget.build(size_of(items, budget.room))


def _bounded_filter(env: PackSandbox, name: str, fn):
    """``fn`` with its arguments and result charged to the render's budget."""
    passes = getattr(fn, "jinja_pass_arg", None)

    @functools.wraps(fn)
    def bounded(*args, **kwargs):
        budget = _budget(env)
        budget.step()
        value = args[1] if passes is not None else args[0]
        rest = list(args[2:] if passes is not None else args[1:]) + list(kwargs.values())
        if name in ("batch", "slice", "truncate", "round"):
            for a in rest:
                if _int(a) and abs(a) > env.limits.width:
                    raise LimitError(f"超出计算限制：{name} 的参数 {a} 超过 {env.limits.width}")
        if name == "sum":
            start = kwargs.get("start", rest[1] if len(rest) >= 2 else 0)
            if not isinstance(start, (int, float, Decimal)):
                raise SecurityError("sum 只能对数字求和（sum adds numbers only）")
        if name == "join":
            if not isinstance(value, (str, list, tuple)):
                value = list(value)
                args = args[:1] + (value,) + args[2:] if passes is not None else (value,) + args[1:]
            sep = rest[0] if rest and isinstance(rest[0], str) else ""
            env._charge_join(sep, value)
        elif name == "replace" and len(rest) >= 2 and isinstance(value, str):
            env._charge_replace(value, rest[0], rest[1])
        elif name == "string":
            _charge(env, value)
        result = fn(*args, **kwargs)
        _charge(env, result)
        return result

    return bounded


def environment(autoescape: bool = False, filters: t.Mapping[str, t.Callable] | None = None,
                limits: Limits = PATTERN_LIMITS) -> PackSandbox:
    """A new sandbox for pack text: StrictUndefined (a missing value is an
    error, never a blank), ``autoescape`` for XML (Word templates), the
    filters of :data:`FILTERS` plus ``filters`` (the caller's own, e.g.
    ``change``), all bounded by ``limits``."""
    env = PackSandbox(limits=limits, autoescape=autoescape, undefined=jinja2.StrictUndefined,
                      keep_trailing_newline=False)
    allowed = {k: v for k, v in env.filters.items() if k in FILTERS}
    allowed.update(filters or {})
    env.filters = {k: _bounded_filter(env, k, v) for k, v in allowed.items()}
    return env
