"""The unit file schema: every field, its official Chinese name, type and unit.

A unit file holds raw figures only — what a person reads off the ledger or
knows: amounts, head counts, dates, checklist answers, free text.  Nothing
here is a rate, score, subtotal or sentence the tool can derive.

Keys are English snake_case; each maps to one official Chinese term, shown in
every message beside the key.  Which fields a form *needs* is decided by the
pack (its rubric's computations and its form's own fields), so here nearly
every field is optional and only its type is checked.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from abc import ABC, abstractmethod
import re
from dataclasses import dataclass, replace
from decimal import Decimal

from reportgen.numbers import HUNDRED, WAN, read_decimal

# --------------------------------------------------------------------------
# Scalar types.  ``convert`` takes the scalar text as typed and the file's
# money unit; it returns (value, None) or (None, "what is wrong").


class ScalarType(ABC):
    zh = ""

    @abstractmethod
    def convert(self, text: str, money_unit: str) -> tuple[object, str | None]:
        """Convert scalar ``text``; return ``(value, None)`` or ``(None, problem)``."""


@dataclass(frozen=True)
class Text(ScalarType):
    zh = "文字"

    def convert(self, text, money_unit):
        return text.strip(), None


@dataclass(frozen=True)
class Money(ScalarType):
    """An amount in the file's money unit (万元 or 元); stored in 元."""

    signed: bool = False
    zh = "金额"

    def convert(self, text, money_unit):
        value, bound = read_decimal(text)
        if value is None:
            return None, bound or f"应为金额数字（{money_unit}），实为 '{text}'"
        if value < 0 and not self.signed:
            return None, f"金额不能为负数，实为 {text}"
        return (value * WAN if money_unit == "万元" else value), None


@dataclass(frozen=True)
class Count(ScalarType):
    """A whole number of people, items or events."""

    signed: bool = False
    zh = "整数"

    def convert(self, text, money_unit):
        value, bound = read_decimal(text)
        if value is None or value != value.to_integral_value():
            return None, bound or f"应为整数，实为 '{text}'"
        if value < 0 and not self.signed:
            return None, f"不能为负数，实为 {text}"
        return int(value), None


@dataclass(frozen=True)
class Number(ScalarType):
    zh = "数字"

    def convert(self, text, money_unit):
        value, bound = read_decimal(text)
        if value is None:
            return None, bound or f"应为数字，实为 '{text}'"
        return value, None


@dataclass(frozen=True)
class Percent(ScalarType):
    """A percentage as typed ("95%", "95", "6.8%"); stored as a ratio (0.95)."""

    zh = "百分比"

    def convert(self, text, money_unit):
        t = text.strip().rstrip("%％")
        value, bound = read_decimal(t)
        if value is None:
            return None, bound or f"应为百分比（如 95%），实为 '{text}'"
        if value < 0:
            return None, f"百分比不能为负数，实为 {text}"
        return value / HUNDRED, None


TRUE_WORDS = {"是", "true", "True", "TRUE", "符合", "达到"}
FALSE_WORDS = {"否", "false", "False", "FALSE", "不符合", "未达到"}


@dataclass(frozen=True)
class Bool(ScalarType):
    """是/否 (also true/false).  YAML 1.1's yes/no/on/off are refused."""

    zh = "是/否"

    def convert(self, text, money_unit):
        t = text.strip()
        if t in TRUE_WORDS:
            return True, None
        if t in FALSE_WORDS:
            return False, None
        return None, f"应为 是 或 否，实为 '{text}'"


@dataclass(frozen=True)
class Cases:
    """A checklist answer counting non-compliant cases: ``2例``."""

    count: int


@dataclass(frozen=True)
class Awarded:
    """A checklist answer giving the points awarded for a graded 要点: ``0.5分``."""

    points: Decimal


_CASES_RE = re.compile(r"^(\d{1,9})\s*例$")
_POINTS_RE = re.compile(r"^(\d{1,9}(?:\.\d{1,10})?)\s*分$")


@dataclass(frozen=True)
class ChecklistAnswer(ScalarType):
    """A 要点 answer: 是 / 否, a count of non-compliant cases (``2例``, for
    rules that deduct per case), or the points awarded (``0.5分``, for a
    要点 graded in steps).  Which forms a 要点 accepts is the rule's business."""

    zh = "是/否、N例或N分"

    def convert(self, text, money_unit):
        met, problem = Bool().convert(text, money_unit)
        if problem is None:
            return met, None
        t = text.strip()
        if m := _CASES_RE.match(t):
            return Cases(int(m[1])), None
        if m := _POINTS_RE.match(t):
            return Awarded(Decimal(m[1])), None
        return None, f"应为 是、否、不符合的例数（如 1例）或得分（如 0.5分），实为 '{text}'"


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass(frozen=True)
class Date(ScalarType):
    """A date: 2021-06-29, 2021/6/29, 2021.6.29 or 2021年6月29日."""

    zh = "日期"

    def convert(self, text, money_unit):
        m = _DATE_RE.match(text.strip())
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3])), None
            except ValueError:
                pass
        return None, f"应为日期（如 2021-12-31），实为 '{text}'"


@dataclass(frozen=True)
class Choice(ScalarType):
    """One of ``options`` (the codes a unit file keeps).  ``labels``, when
    given, are their Chinese names, one per option, in the same order: the
    workbook's drop-down, the web form and messages show them, and a unit
    file may give either ("平均分配" is read as ``equal_split``)."""

    options: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    zh = "选项"

    @property
    def shown(self) -> tuple[str, ...]:
        """What a person picks from: the labels, else the codes."""
        return self.labels or self.options

    def label(self, code: str) -> str:
        """The Chinese name of ``code`` (the code itself when unlabelled or unknown)."""
        return dict(zip(self.options, self.labels)).get(code, code)

    def code(self, text: str) -> str:
        """The code a Chinese label names ("平均分配" → ``equal_split``); any other text as it is."""
        return self.options[self.labels.index(text)] if text in self.labels else text

    def convert(self, text, money_unit):
        t = self.code(text.strip())
        if t in self.options:
            return t, None
        return None, f"应为 {' / '.join(self.shown)} 之一，实为 '{text}'"


@dataclass(frozen=True)
class Code(ScalarType):
    """A 政府收支分类科目 code: ``digits`` long (功能分类 项 7, 经济分类 款 5,
    类 3), digits only."""

    digits: int = 7
    zh = "科目编码"

    def convert(self, text, money_unit):
        t = text.strip()
        if re.fullmatch(r"\d{%d}" % self.digits, t):
            return t, None
        return None, f"应为 {self.digits} 位数字的科目编码，实为 '{text}'"


@dataclass(frozen=True)
class Year(ScalarType):
    zh = "年度"

    def convert(self, text, money_unit):
        t = text.strip().rstrip("年")
        if re.fullmatch(r"(19|20|21)\d\d", t):
            return int(t), None
        return None, f"应为四位年份（如 2021），实为 '{text}'"


# --------------------------------------------------------------------------
# Structure.


@dataclass(frozen=True)
class Field:
    """A scalar field.  ``unit`` is what the value is counted in (万元/元 for
    money means "the file's money unit"), shown in messages and skeletons."""

    key: str
    zh: str
    type: ScalarType
    required: bool = False
    unit: str = ""
    doc: str = ""


@dataclass(frozen=True)
class Group:
    """A mapping with fixed keys."""

    key: str
    zh: str
    fields: tuple = ()
    required: bool = False
    doc: str = ""


@dataclass(frozen=True)
class ListOf:
    """A sequence whose items all follow ``item`` (a Group or a Field)."""

    key: str
    zh: str
    item: object
    doc: str = ""


@dataclass(frozen=True)
class MapOf:
    """A mapping with keys chosen elsewhere (e.g. a pack's indicator keys);
    every value follows ``value``.  The keys are checked by the stage that
    knows them."""

    key: str
    zh: str
    value: object
    key_zh: str = "键"
    doc: str = ""


def _money(key, zh, signed=False, **kw):
    return Field(key, zh, Money(signed=signed), unit="money", **kw)


def _budget_actual(key, zh, doc="", extra=()):
    return Group(key, zh, (
        _money("budget", "预算数"),
        _money("actual", "实际支出数"),
        _money("prior_actual", "上年决算数"),
    ) + tuple(extra), doc=doc)


def control_row(key, zh):
    """A row of a 经费控制情况 table (宁乡 附件2-1): 上年决算数 / 本年预算数 / 本年决算数."""
    return Group(key, zh, (
        _money("prior_actual", "上年决算数"),
        _money("budget", "本年预算数"),
        _money("actual", "本年决算数"),
    ))


CHECKLIST_ANSWER = Group("checklist", "评价要点", (
    MapOf("points", "要点", Field("met", "是否符合", ChecklistAnswer()), key_zh="要点"),
    Field("note", "说明", Text(), doc="shown in 计算分析情况"),
))

TIER_ANSWER = Group("benefit", "效益", (
    Field("result", "实现程度", Choice(("达成", "部分达成", "未达成"))),
    Field("degree", "达成度", Percent(), unit="%",
          doc="optional; must lie within the result's tier (达成 80–100%)"),
    Field("note", "说明", Text()),
))

OVERRIDE = Group("override", "人工评分", (
    Field("score", "评价得分", Number(), required=True, unit="分"),
    Field("reason", "理由", Text(), required=True,
          doc="why the score is hand-entered; listed by `check`, never printed on a form"),
    Field("analysis", "计算分析情况", Text(),
          doc="the unit's own analysis, printed in 计算分析情况 and in the 扣分 sentence"),
))

FUND_ROW = (
    _money("budget", "年初预算数"),
    _money("adjusted_budget", "全年预算数", doc="after adjustments; defaults to 年初预算数"),
    _money("spent", "全年执行数", doc="实际支出资金"),
)

#: Funding sources of a project, in the order the forms print them.
FUND_SOURCES = (
    ("central", "中央财政资金"),
    ("provincial", "省级财政资金"),
    ("city_county", "市县（区）财政资金"),
    ("carried_over", "上年结转资金"),
    ("other", "其他资金"),
)

INDICATOR = Group("indicator", "绩效指标", (
    Field("level1", "一级指标", Choice(("产出指标", "效益指标", "满意度指标")), required=True),
    Field("level2", "二级指标", Text(), required=True,
          doc="数量指标/质量指标/时效指标/成本指标/经济效益指标/社会效益指标/生态效益指标/"
              "可持续影响指标/服务对象满意度指标"),
    Field("name", "三级指标", Text(), required=True),
    Field("target", "年度指标值", Text(), required=True,
          doc='as written on the form: ">=20次", "≤5%", "=100%", "不超4.67万"'),
    Field("adjusted_target", "调整后指标值", Text()),
    Field("actual", "实际完成值", Text(), doc="a number with its unit, or text for a 定性 indicator"),
    Field("qualitative", "定性指标", Bool(), doc="是 for a target that is a phrase, not a number"),
    Field("result", "完成情况", Choice(("达成", "部分达成", "未达成")), doc="定性 indicators"),
    Field("degree", "达成度", Percent(), unit="%", doc="定性 indicators: within the result's tier"),
    Field("weight", "分值", Number(), unit="分", doc="with weighting: explicit"),
    Field("deviation", "偏差原因分析及改进措施", Text()),
))

PROJECT = Group("project", "项目", (
    Field("name", "项目名称", Text(), required=True),
    Field("department", "主管部门及代码", Text()),
    Field("implementer", "实施单位", Text()),
    Field("attribute", "项目属性", Choice(("经常性项目", "一次性项目"))),
    Field("period", "项目期", Text()),
    _money("budget", "预算金额", doc="for a project only itemised, without funds by source"),
    _money("spent", "实际支出金额", doc="for a project only itemised, without funds by source"),
    ListOf("parts", "项目分项", Group("part", "分项", (
        Field("name", "分项名称", Text(), required=True),
        _money("spent", "分项实际支出", required=True),
    )), doc="a project spent in parts (seed 000: 技改引导资金 463 + 100 + 997.7万元); "
            "its 实际支出 is their sum"),
    Field("key", "是否重点项目", Bool()),
    Field("implemented", "是否实施", Bool()),
    Field("summary", "项目说明", Text()),
    Group("funds", "项目资金", tuple(Group(k, zh, FUND_ROW) for k, zh in FUND_SOURCES)),
    _money("allotted", "预算下达资金", doc="实际到位资金"),
    _money("allotted_on_time", "及时到位资金"),
    Group("goals", "年度总体目标", (
        Field("expected", "预期目标", Text()),
        Field("actual", "实际完成情况", Text()),
    )),
    Field("weighting", "指标分值方式", Choice(("explicit", "equal_split", "national"),
                                               ("逐项设定", "平均分配", "按全国通用分值")),
          doc="how the 90 indicator points are split (national form); default: the pack's"),
    ListOf("indicators", "绩效指标", INDICATOR),
    Group("texts", "项目绩效分析", (
        Field("overview", "项目概况", Text()),
        Field("funds_usage", "项目资金使用情况", Text()),
        Field("implementation", "项目组织实施情况", Text(),
              doc="also the national form's 项目实施和预算执行情况及分析"),
        Field("performance", "项目绩效情况", Text()),
        Field("output_analysis", "产出情况及分析", Text()),
        Field("benefit_analysis", "效益情况及分析", Text()),
        Field("satisfaction_analysis", "满意度情况及分析", Text()),
        Field("experience", "主要经验做法", Text()),
        Field("problems", "存在的问题", Text()),
        Field("improvements", "改进措施", Text()),
        Field("other", "其他需说明的问题", Text()),
    )),
    MapOf("checklists", "定性指标评价要点", CHECKLIST_ANSWER, key_zh="指标"),
    MapOf("weights", "设定分值", Field("weight", "设定分值", Number(), unit="分"), key_zh="指标"),
    MapOf("overrides", "人工评分", OVERRIDE, key_zh="指标"),
    Group("contact", "填报信息", (
        Field("head", "负责人", Text()),
        Field("handler", "经办人", Text()),
        Field("phone", "联系电话", Text()),
        Field("filled_on", "填报日期", Date()),
    )),
))


#: 资金来源 of a spending line of the final accounts (部门决算).
SPENDING_SOURCES = ("一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款", "其他资金")

#: 本年收入 columns of 公开02, in print order: (key, 中文名).
INCOME_SOURCES = (
    ("general_budget", "一般公共预算财政拨款收入"),
    ("government_fund", "政府性基金预算财政拨款收入"),
    ("state_capital", "国有资本经营预算财政拨款收入"),
    ("superior_subsidy", "上级补助收入"),
    ("operating", "事业收入"),
    ("business", "经营收入"),
    ("affiliated", "附属单位上缴收入"),
    ("other", "其他收入"),
)

#: 本年支出 columns of 公开03, in print order: (key, 中文名).
SPENDING_KINDS = (
    ("basic", "基本支出"),
    ("project", "项目支出"),
    ("to_superior", "上缴上级支出"),
    ("business", "经营支出"),
    ("affiliated", "对附属单位补助支出"),
)

#: 车辆数 of 公开10 by type, in print order: (key, 中文名).
VEHICLE_TYPES = (
    ("ministerial", "副部（省）级及以上领导用车"),
    ("leaders", "主要领导干部用车"),
    ("confidential", "机要通信用车"),
    ("emergency", "应急保障用车"),
    ("law_enforcement", "执法执勤用车"),
    ("special", "特种专业技术用车"),
    ("retirees", "离退休干部用车"),
    ("other", "其他用车"),
)

#: 财政拨款 types: key of the income columns and balances / name of the spending source.
FISCAL_TYPES = (("general_budget", "一般公共预算财政拨款"), ("government_fund", "政府性基金预算财政拨款"),
                ("state_capital", "国有资本经营预算财政拨款"))

FINAL_ACCOUNTS = Group("final_accounts", "部门决算", (
    Field("prepared_on", "编制日期", Text(), doc="as 公开10 prints it, e.g. 2022年9月"),
    Field("composition", "部门决算单位构成", Text()),
    ListOf("units", "部门决算单位构成（单位列表）", Group("unit", "纳入决算的单位", (
        Field("name", "单位名称", Text(), required=True),
        Field("note", "备注", Text(), doc="e.g. 预算不单列，并入本级"),
    )), doc="the 序号/单位名称/备注 table of 第一部分 二、部门决算单位构成, in order"),
    ListOf("income", "本年收入（按功能分类科目）", Group("line", "收入科目", (
        Field("code", "功能分类科目编码", Code(7), required=True, doc="项 (7 digits)"),
    ) + tuple(_money(k, zh) for k, zh in INCOME_SOURCES)),
        doc="one line per 功能分类 项 with its income by source; 类/款 rows and every total are derived"),
    ListOf("spending", "本年支出（按功能分类科目）", Group("line", "支出科目", (
        Field("code", "功能分类科目编码", Code(7), required=True, doc="项 (7 digits)"),
        Field("source", "资金来源", Choice(SPENDING_SOURCES),
              doc="default 一般公共预算财政拨款; one line per 科目 and 资金来源"),
    ) + tuple(_money(k, zh) for k, zh in SPENDING_KINDS)),
        doc="one line per 功能分类 项 and 资金来源, split by kind; 公开03/04/05/08/09 are derived"),
    _money("non_fiscal_balance_used", "使用非财政拨款结余"),
    _money("opening_balance", "年初结转和结余"),
    _money("distribution", "结余分配"),
    _money("closing_balance", "年末结转和结余",
           doc="checked: 本年收入合计 + 使用非财政拨款结余 + 年初结转和结余 = 本年支出合计 + 结余分配 + 年末结转和结余"),
    Group("fiscal_opening", "年初财政拨款结转和结余", tuple(_money(k, zh) for k, zh in FISCAL_TYPES)),
    Group("fiscal_closing", "年末财政拨款结转和结余", tuple(_money(k, zh) for k, zh in FISCAL_TYPES)),
    ListOf("economic", "一般公共预算财政拨款支出（按经济分类科目）", Group("line", "经济分类科目", (
        Field("code", "经济分类科目编码", Code(5), required=True, doc="款 (5 digits)"),
        _money("amount", "金额"),
        _money("basic", "其中：基本支出"),
    )), doc="公开06: each 款 with its amount and the 基本支出 part"),
    Group("procurement", "政府采购支出", (
        _money("goods", "政府采购货物支出"),
        _money("works", "政府采购工程支出"),
        _money("services", "政府采购服务支出"),
    )),
    Group("operating_costs", "机关运行经费", (
        _money("administrative", "行政单位机关运行经费"),
        _money("civil_service_managed", "参照公务员法管理事业单位机关运行经费"),
    )),
    Group("vehicles", "车辆数", tuple(Field(k, zh, Count(), unit="辆") for k, zh in VEHICLE_TYPES)),
    Field("vehicle_notes", "车辆情况说明", Text(), doc="appended to the 国有资产占用 sentence"),
    Field("general_equipment", "单价50万元以上通用设备", Count(), unit="台（套）"),
    Field("special_equipment", "单价100万元以上专用设备", Count(), unit="台（套）"),
    Group("prior_year", "上年决算数", (
        _money("total", "上年收入支出总计"),
        _money("income", "上年本年收入合计"),
        _money("spending", "上年本年支出合计"),
        _money("fiscal", "上年财政拨款收入支出总计"),
        _money("general_budget", "上年一般公共预算财政拨款支出"),
        _money("government_fund", "上年政府性基金预算财政拨款支出"),
        _money("operating_costs", "上年机关运行经费"),
    ), doc="for the 与上年相比 sentences; “三公经费” prior figures are three_public.*.prior_actual"),
    Group("reasons", "变动原因", (
        Field("totals", "收入支出总体变动原因", Text()),
        Field("fiscal", "财政拨款收支变动原因", Text()),
        Field("general_budget", "一般公共预算财政拨款支出变动原因", Text()),
        Field("three_public", "“三公经费”变动原因", Text()),
        Field("reception", "公务接待费说明", Text()),
        Field("vehicles", "公务用车购置及运行维护费说明", Text()),
        Field("government_fund", "政府性基金变动原因", Text()),
        Field("operating_costs", "机关运行经费变动原因", Text()),
    )),
    MapOf("class_notes", "支出用途说明", Field("note", "用途说明", Text()), key_zh="功能分类类级科目编码",
          doc="a sentence per 类 (e.g. 201: 主要是奖金10万元。) for the 支出结构 section"),
    MapOf("code_names", "科目名称补充", Field("name", "科目名称", Text()), key_zh="科目编码",
          doc="names of codes the shipped 政府收支分类科目 does not list"),
    Group("performance", "预算绩效管理情况", (
        Field("provincial_projects", "省级项目自评个数", Count(), unit="个"),
        Field("city_projects", "市级项目自评个数", Count(), unit="个"),
        _money("funds", "自评项目涉及预算资金"),
        Field("summary", "自评工作情况", Text()),
    )),
    Field("other_matters", "其他需要说明的事项", Text()),
    Group("control_totals", "决算控制数", (
        _money("income_total", "本年收入合计"),
        _money("spending_total", "本年支出合计"),
        _money("grand_total", "收入支出总计"),
        _money("basic_total", "基本支出合计"),
        _money("project_total", "项目支出合计"),
        _money("general_budget_total", "一般公共预算财政拨款支出合计"),
        _money("personnel_total", "人员经费合计"),
        _money("public_total", "公用经费合计"),
        _money("procurement_total", "政府采购支出合计"),
        Field("vehicles_total", "车辆数合计", Count(), unit="辆"),
        MapOf("classes", "功能分类类级支出合计", _money("amount", "本年支出"), key_zh="类级科目编码"),
    ), doc="合计 rows typed from the ledger: checked against the derived sums, never used"),
), doc="部门决算公开: leaf figures from the ledger (公开01–10 and the 情况说明 are derived)")

#: The national core of the unit file: what every city's forms share.  A
#: pack adds its own fields (:mod:`reportgen.pack.fields`); the schema in
#: force for a unit is :func:`active`.
CORE_SCHEMA = Group("", "单位文件", (
    Field("money_unit", "金额单位", Choice(("万元", "元")), required=True,
          doc="unit of every amount in this file"),
    Field("year", "年度", Year(), required=True),
    Group("unit", "单位信息", (
        Field("name", "单位名称", Text(), required=True),
        Field("head", "单位负责人", Text()),
        Field("phone", "单位联系电话", Text()),
        Field("filled_on", "填报日期", Date()),
        Field("kind", "单位性质", Text(), doc="e.g. 全额拨款行政单位"),
        ListOf("departments", "内设机构", Field("department", "内设机构", Text())),
    ), required=True),
    Group("budget", "预算收支", (
        _money("carried_over", "上年结转金额"),
        _money("initial", "年初预算金额"),
        _money("adjustment", "预算调整金额", signed=True, doc="追加为正，追减为负"),
        _money("other_adjustment", "其他调整资金", signed=True),
        _money("executed", "预算执行金额"),
        _money("year_end_balance", "年末结余金额"),
        _money("basic_spending", "基本支出", doc="part of 预算执行金额"),
        _money("project_spending", "项目支出", doc="part of 预算执行金额"),
        _money("initial_basic", "年初预算基本支出", doc="part of 年初预算金额"),
        _money("initial_project", "年初预算项目支出", doc="part of 年初预算金额"),
    )),
    Group("staffing", "人员情况", (
        Field("authorized", "编制数", Count(), unit="人"),
        Field("in_service", "在职人员数", Count(), unit="人"),
        Field("retired_cadres", "离休人员数", Count(), unit="人"),
        Field("retired", "退休人员数", Count(), unit="人"),
        Field("total", "年末实有人数", Count(), unit="人",
              doc="control total: checked against 在职 + 离休 + 退休"),
        Group("prior", "上年末人数", (
            Field("in_service", "上年在职人员数", Count(), unit="人"),
            Field("retired_cadres", "上年离休人员数", Count(), unit="人"),
            Field("retired", "上年退休人员数", Count(), unit="人"),
        )),
        ListOf("changes", "在职人员增减变动", Group("change", "变动", (
            Field("reason", "原因", Text(), required=True,
                  doc="the change as the sentence names it, with its direction: 调入, 调离, 在职转退休"),
            Field("count", "人数", Count(signed=True), required=True, unit="人",
                  doc="增加为正，减少为负"),
        ))),
        ListOf("categories", "编制类别", Group("category", "编制类别", (
            Field("name", "类别", Text(), required=True, doc="e.g. 行政编制, 机关工勤编制, 事业编制"),
            Field("authorized", "核定编制数", Count(), required=True, unit="人"),
            Field("in_service", "实有人数", Count(), required=True, unit="人"),
            Field("excluded", "不计入在职人员控制率", Bool(),
                  doc="是 for a unit outside the 部门决算 basis (e.g. 自收自支单位)"),
        )), doc="itemised 编制数 and 实有人数; checked against 编制数 / 在职人员数"),
        Field("notes", "人员情况补充说明", Text()),
    )),
    Group("three_public", "“三公经费”", (
        _money("budget", "本年“三公经费”预算数", doc="年初预算数; compared with 上年预算数"),
        _money("adjusted_budget", "本年“三公经费”调整后预算数",
               doc="if the budget was adjusted in the year; the 控制率 uses it"),
        _money("actual", "本年“三公经费”实际支出数"),
        _money("prior_budget", "上年“三公经费”预算数"),
        _money("prior_actual", "上年“三公经费”实际支出数"),
        Group("items", "“三公经费”分项", (
            control_row("vehicle_purchase", "公务用车购置费"),
            control_row("vehicle_operation", "公务用车运行维护费"),
            control_row("overseas", "因公出国（境）费"),
            control_row("reception", "公务接待费"),
        ), doc="上年决算数 / 本年预算数 / 本年决算数 of each item; checked against the totals"),
        Field("reception_batches", "国内公务接待批次", Count(), unit="批"),
        Field("reception_visitors", "国内公务接待人次", Count(), unit="人次"),
        Field("overseas_groups", "因公出国（境）团组数", Count(), unit="个"),
        Field("overseas_visitors", "因公出国（境）人次", Count(), unit="人次"),
        Field("vehicles_purchased", "公务用车购置数", Count(), unit="辆"),
    )),
    _budget_actual("public_funds", "公用经费", doc="基本支出中的一般商品和服务支出"),
    _budget_actual("procurement", "政府采购"),
    Group("fixed_assets", "固定资产", (
        _money("total", "固定资产总额"),
        _money("in_use", "在用固定资产总额"),
    )),
    ListOf("payment_progress", "支付进度", Group("checkpoint", "支付时点", (
        Field("date", "时点", Date(), required=True),
        Field("rate", "累计支付进度", Percent(), unit="%",
              doc="as read off the 国库集中支付 system"),
        _money("paid", "累计支付金额"),
        Field("planned", "既定支付进度", Percent(), unit="%",
              doc="the scheduled cumulative progress at this date (支付进度率 = 实际/既定)"),
    ))),
    Group("key_spending", "重点支出", (
        _money("project_total", "项目总支出", doc="年度预算安排的项目支出总额"),
        _money("key_projects", "重点项目支出"),
    )),
    ListOf("projects", "项目", PROJECT),
    FINAL_ACCOUNTS,
    Group("project_totals", "项目合计（控制数）", (
        _money("budget", "项目预算合计"),
        _money("spent", "项目实际支出合计"),
        _money("implemented_spent", "已实施项目支出合计"),
        Field("count", "项目个数", Count(), unit="个"),
    ), doc="control totals typed from the ledger: checked, never used"),
    Group("work_plan", "工作计划完成情况", (
        Field("planned", "计划工作数", Count(), unit="项"),
        Field("completed", "实际完成工作数", Count(), unit="项"),
        Field("quality_met", "质量达标工作数", Count(), unit="项"),
        Field("key_assigned", "重点工作交办数", Count(), unit="项"),
        Field("key_completed", "重点工作完成数", Count(), unit="项"),
        Field("note", "完成情况说明", Text()),
    )),
    MapOf("checklists", "定性指标评价要点", CHECKLIST_ANSWER, key_zh="指标"),
    Group("benefits", "履职效益", (
        Group("economic", "经济效益", TIER_ANSWER.fields),
        Group("social", "社会效益", TIER_ANSWER.fields),
        Group("ecological", "生态效益", TIER_ANSWER.fields),
    )),
    Group("satisfaction", "社会公众或服务对象满意度", (
        Field("rate", "满意度", Percent(), unit="%"),
        Field("method", "调查方式", Text()),
        Field("note", "说明", Text()),
    )),
    Group("text", "文字说明", (
        Field("functions", "单位职能概况", Text()),
        Field("staffing", "单位人员情况", Text(), doc="replaces the generated sentence"),
        Field("budget_execution", "预算执行情况", Text(), doc="replaces the generated sentence"),
        Field("performance_analysis", "部门整体支出绩效评价分析", Text(),
              doc="replaces the generated analysis"),
        Field("performance_notes", "绩效评价补充说明", Text(),
              doc="appended to the generated analysis"),
        Field("other", "其他", Text()),
        Field("organization", "机构设置", Text(), doc="replaces the generated sentence"),
        Field("work_priorities", "年度工作重点", Text()),
        Field("spending_scope", "部门整体支出规模", Text(), doc="replaces the generated sentence"),
        Field("spending_notes", "支出规模补充说明", Text(), doc="appended to 部门整体支出规模"),
        Field("basic_spending", "基本支出情况", Text(), doc="replaces the generated sentence"),
        Field("basic_spending_notes", "基本支出补充说明", Text(), doc="appended to 基本支出情况"),
        Field("project_spending", "项目支出情况", Text(), doc="replaces the generated sentence"),
        Field("project_management", "项目资金管理", Text(), doc="appended to 项目支出情况"),
        Field("project_implementation", "部门项目组织实施情况", Text()),
        Field("asset_management", "资产管理情况", Text()),
        Field("problems", "存在的主要问题", Text()),
        Field("improvements", "改进措施和有关建议", Text()),
        Field("austerity_measures", "厉行节约保障措施", Text()),
    )),
    ListOf("evaluators", "评价人员", Group("evaluator", "评价人员", (
        Field("name", "姓名", Text(), required=True),
        Field("title", "职称/职务", Text()),
        Field("office", "科室", Text()),
        Field("phone", "联系电话", Text()),
    ))),
    MapOf("weights", "设定分值", Field("weight", "设定分值", Number(), unit="分"),
          key_zh="指标", doc="per-unit weights; each 二级 block must keep its sum"),
    MapOf("overrides", "人工评分", OVERRIDE, key_zh="指标",
          doc="a hand-entered score with its reason; must be attainable"),
))


_ACTIVE: contextvars.ContextVar[Group] = contextvars.ContextVar("unit_schema", default=CORE_SCHEMA)


def active() -> Group:
    """The unit schema in force: the core plus the fields of the pack being
    used (set with :func:`using`); the core alone outside any pack."""
    return _ACTIVE.get()


@contextlib.contextmanager
def using(schema: Group):
    """Make ``schema`` (a pack's: core + its fields) the one :func:`active`
    returns — for validation, messages and every walk of the schema —
    within the ``with`` block."""
    token = _ACTIVE.set(schema)
    try:
        yield schema
    finally:
        _ACTIVE.reset(token)


def activate(schema: Group) -> contextvars.Token:
    """Make ``schema`` the active one until :func:`deactivate` with the token
    returned — for a command-line run, which works with one pack (use
    :func:`using` where a ``with`` block fits)."""
    return _ACTIVE.set(schema)


def deactivate(token: contextvars.Token) -> None:
    _ACTIVE.reset(token)


def with_field(schema: Group, parent: str, field) -> Group:
    """``schema`` with ``field`` added to the group at dotted path ``parent``
    ("" for the top level); the original is unchanged."""
    if not parent:
        return replace(schema, fields=schema.fields + (field,))
    head, _, rest = parent.partition(".")
    return replace(schema, fields=tuple(with_field(f, rest, field) if f.key == head and isinstance(f, Group) else f
                                        for f in schema.fields))


def walk(spec=None, prefix: str = ""):
    """Yield ``(path, spec)`` for every Field/Group/ListOf/MapOf below ``spec``
    (the :func:`active` schema by default)."""
    spec = active() if spec is None else spec
    for child in spec.fields:
        path = f"{prefix}.{child.key}" if prefix else child.key
        yield path, child
        if isinstance(child, Group):
            yield from walk(child, path)
        elif isinstance(child, ListOf) and isinstance(child.item, Group):
            yield from walk(child.item, path + "[]")


_SPECS: dict[int, tuple[Group, dict]] = {}


def spec_at(path: str, schema: Group | None = None):
    """The schema entry (Field/Group/ListOf/MapOf) of a dotted path, or None
    (in ``schema``, by default the :func:`active` one).  Each schema's paths
    are indexed once."""
    schema = active() if schema is None else schema
    cached = _SPECS.get(id(schema))
    if cached is None or cached[0] is not schema:
        index: dict = {}
        for p, spec in walk(schema):
            index.setdefault(p, spec)
        cached = _SPECS[id(schema)] = (schema, index)
    return cached[1].get(re.sub(r"\[\d+\]", "[]", path))


def zh_name(path: str) -> str:
    """The Chinese name of a dotted field path (list indices ignored)."""
    spec = spec_at(path)
    return spec.zh if spec is not None else ""
