"""``reportgen audit`` on documents it was not built from: the two correct
上海 预算 PDFs stay silent, the filed 上海 决算 gives its known errors
(``../shared/cases/README.md``), every new check fires on constructed
sentences and stays quiet on their correct twins, and the ledger, exit codes,
--annotate and the .doc/GB18030 readers work."""

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
from reportgen.audit import ERROR, NOTE, SUSPECT, audit_file, audit_path
from reportgen.audit.ledger import APPLIED, NOT_APPLICABLE, NOT_APPLIED
from reportgen.audit.read import read
from reportgen.audit.tables import tables
from reportgen.cli import main

CASES = ROOT.parent / "shared" / "cases"
needs_cases = pytest.mark.skipif(not CASES.is_dir(), reason=f"test documents not found at {CASES} "
                                 "(CI keeps ../shared beside the clone)")
SHANGHAI = CASES / "shanghai" / "上海市普陀区财政局2024年度部门决算.pdf"
NEGATIVES = sorted((CASES / "audit-negatives").glob("*.pdf")) if CASES.is_dir() else []


def audit_text(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "doc.txt"
    path.write_bytes(text.encode(encoding))
    return audit_file(path)


def loud(findings):
    return [f for f in findings if f.severity in (ERROR, SUSPECT)]


# ---- real documents ------------------------------------------------------------------------

@needs_cases
@pytest.mark.parametrize("name", [p.name for p in NEGATIVES] or ["none"])
def test_correct_budget_documents_give_no_error_and_no_suspect(name):
    """Numbered 功能分类 items each with their own 比上年…增加P%, and
    支出预算A，其中：财政拨款支出预算A，比上年预算增加B (cases/README.md)."""
    got = audit_file(CASES / "audit-negatives" / name)
    assert not loud(got), [(f.location, f.check, f.message) for f in got]


def tails(done) -> str:
    """The 尾差 line of an audit's ledger ("" when none)."""
    return next((o.reason for o in done.ledger if o.check == "尾差"), "")


@needs_cases
def test_shanghai_final_accounts_known_errors():
    done = audit_path(SHANGHAI)
    got = {(f.check, f.stated, f.expected, f.severity) for f in done.findings}
    known = {
        ("占比", "71.73%", "71.65%", ERROR),                         # 2106.66 / 2940.05
        ("占比合计", "100.07%", "100%", ERROR),
        ("文表不符", "0.3万元", "2961.68万元", ERROR),                # its 财政拨款收入支出决算总表
        ("表间尾差", "326.71", "326.72", NOTE),                       # 社会保障和就业: one figure printed two ways
    }
    assert known <= got, known - got
    errors = {g for g in got if g[3] in (ERROR, SUSPECT)}
    assert errors == {k for k in known if k[3] == ERROR}
    # totals one cent from the sum of their rows: what rounding rows and total from unrounded 元
    # gives (rubrics.md §6.4 #56) — listed in the ledger, not findings
    listed = tails(done)
    for piece in ("2946.26", "2336.92", "251.26"):       # 收入 类 sum, 基本支出 by 类, 政府采购 4.79 + 0 + 246.47
        assert piece in listed
    assert not [f for f in done.findings if f.check in ("表内合计", "合计")]


@needs_cases
def test_shanghai_share_sum_names_the_wrong_share():
    f = next(f for f in audit_file(SHANGHAI) if f.check == "占比合计")
    assert "疑为“一般公共服务支出（类）”的占比71.73%有误，应为71.65%" in f.message


@needs_cases
def test_pdf_tables_are_read_as_tables():
    doc = read(SHANGHAI)
    by_title = {t.title: t for t in tables(doc)}
    t = by_title["财政拨款收入支出决算总表"]
    assert t.unit == "万元"
    totals = [e for ln in t.lines for e in ln.entries if e.key == "总计"]
    assert [e.amounts[0][2].text for e in totals][:1] == ["2,961.68"]
    spending = by_title["一般公共预算财政拨款支出决算表"]
    codes = {e.code: e for ln in spending.lines for e in ln.entries if e.code}
    assert codes["2010601"].label == "行政运行"
    assert [a[2].text for a in codes["2010601"].amounts] == ["1,511.89", "1,503.52", "8.37"]


@needs_cases
def test_blank_template_is_template_residue():
    blank = CASES / "shanghai" / "部门决算模板（空白）.pdf"
    checks = {f.check for f in audit_file(blank)}
    assert {"模板残留", "用词残留"} <= checks


# ---- constructed sentences: each check fires, and stays quiet on the correct twin ---------------

@pytest.mark.parametrize("wrong, right, check, expected", [
    # growth from zero
    ("上年支出0万元，本年支出50.00万元，比上年增加50.00万元，增长100.00%。",
     "上年支出25.00万元，本年支出50.00万元，比上年增加25.00万元，增长100.00%。", "同比", "新增"),
    ("机关运行经费支出50.00万元，比2023年度增加50.00万元，增长100.00%。",
     "机关运行经费支出50.00万元，比2023年度增加25.00万元，增长100.00%。", "同比", "新增"),
    ("2023年当年预算执行数为0.00万元，2024年预算安排50.37万元，比2023年预算执行数增加100.00%。",
     "2023年当年预算执行数为25.00万元，2024年预算安排50.00万元，比2023年预算执行数增加100.00%。", "同比", "新增"),
    # completion of a zero budget
    ("一般公共预算财政拨款支出年初预算为0万元，支出决算为12.00万元，完成年初预算的100%。",
     "一般公共预算财政拨款支出年初预算为12.00万元，支出决算为12.00万元，完成年初预算的100%。", "完成率", "无预算"),
    # the division as printed
    ("一般公共预算财政拨款支出年初预算为274.82万元，支出决算为245.53万元，完成年初预算的93.57%。",
     "一般公共预算财政拨款支出年初预算为274.82万元，支出决算为245.53万元，完成年初预算的89.34%。", "完成率", "89.34%"),
    # direction words against the numbers
    ("3、信息化建设（项）。年初预算为135.90万元，支出决算为135.25万元。决算数大于预算数的主要原因：调减。",
     "3、信息化建设（项）。年初预算为135.90万元，支出决算为135.25万元。决算数小于预算数的主要原因：调减。",
     "表述方向", "小于"),
    ("2023年当年预算执行数为54.60万元，2024年预算安排53.84万元，比2023年预算执行数增加1.39%。",
     "2023年当年预算执行数为54.60万元，2024年预算安排53.84万元，比2023年预算执行数减少1.39%。", "同比", "减少"),
    ("收入支出总计2995.39万元。与2023年度相比，收入支出总计增加56.95万元，下降1.87%。",
     "收入支出总计2995.39万元。与2023年度相比，收入支出总计减少56.95万元，下降1.87%。", "同比", "增长"),
    ("机关运行经费支出184.65万元，比2023年度减增加2.55万元。",
     "机关运行经费支出184.65万元，比2023年度增加2.55万元。", "用词残留", ""),
    ("决算数大于（小于）预算数的主要原因：调减。", "决算数小于预算数的主要原因：调减。", "用词残留", ""),
    # a rate whose amounts are in the sentence before
    ("4. 社会福利事业单位738.66万元。2023年当年预算执行数为711.34万元，2024年预算安排738.66万元，"
     "比2023年预算执行数增加4.84%。",
     "4. 社会福利事业单位738.66万元。2023年当年预算执行数为711.34万元，2024年预算安排738.66万元，"
     "比2023年预算执行数增加3.84%。", "同比", "3.84%"),
    # template and year residue
    ("XX部门2024年度部门决算\n一、收入支出决算总体情况说明\n收入支出总计2995.39万元。",
     "普陀区财政局2024年度部门决算\n一、收入支出决算总体情况说明\n收入支出总计2995.39万元。", "模板残留", ""),
    ("普陀区财政局2024年度部门决算\n一、说明\n202 年度收入支出总计2995.39万元。",
     "普陀区财政局2024年度部门决算\n一、说明\n2024年度收入支出总计2995.39万元。", "模板残留", ""),
    ("普陀区财政局2024年度部门决算\n第三部分 普陀区财政局2023年度部门决算情况说明\n收入支出总计2995.39万元。",
     "普陀区财政局2024年度部门决算\n第三部分 普陀区财政局2024年度部门决算情况说明\n收入支出总计2995.39万元。",
     "年份残留", "2024年"),
])
def test_new_checks_on_constructed_sentences(tmp_path, wrong, right, check, expected):
    got = [f for f in audit_text(tmp_path, wrong) if f.check == check and f.severity == ERROR]
    assert got and (not expected or any(f.expected == expected for f in got)), \
        [(f.check, f.expected, f.message) for f in audit_text(tmp_path, wrong)]
    assert not loud(audit_text(tmp_path, right))


def test_comparison_years_are_not_year_residue(tmp_path):
    text = ("普陀区财政局2024年度部门决算\n一、说明\n本年收入合计2946.25万元。与2023年度部门决算相比，"
            "收入减少。比2023年部门预算执行数减少。")
    assert not [f for f in audit_text(tmp_path, text) if f.check == "年份残留"]


def test_the_figure_that_reconciles_is_named(tmp_path):
    text = ("一、总体情况\n一般公共预算财政拨款支出年初预算为274.82万元，支出决算为245.53万元，完成年初预算的93.57%。\n"
            "二、其他\n本年一般公共预算财政拨款支出决算257.14万元。")
    f = next(f for f in audit_text(tmp_path, text) if f.check == "完成率")
    assert "245.53÷274.82" in f.message and "支出决算数疑为257.14万元" in f.message


def test_item_rates_and_changes_are_not_one_quantity(tmp_path):
    """Each numbered item has its own 比上年…增加P%; a 其中 list holds no change."""
    text = ("1. 行政运行53.84万元。2023年当年预算执行数为54.60万元，2024年预算安排53.84万元，比2023年预算执行数减少1.39%。\n"
            "2. 养老76.76万元。2023年当年预算执行数为70.70万元，2024年预算安排76.76万元，比2023年预算执行数增加8.57%。\n"
            "支出预算100.00万元，其中：财政拨款支出预算100.00万元，比上年预算增加20.00万元。\n"
            "收入预算100.00万元，其中：财政拨款收入60.00万元；事业收入40.00万元；合计100.00万元。")
    assert audit_text(tmp_path, text) == []


def test_parts_over_total_by_a_cent_is_a_tail(tmp_path):
    text = "政府采购金额为251.25万元，其\n中：货物采购金额4.79万元、工程采购金额0万元、服务采购金额246.47万元。"
    (tmp_path / "d.txt").write_text(text, encoding="utf-8")
    done = audit_path(tmp_path / "d.txt")
    assert done.findings == [] and "251.26万元" in tails(done)
    more = text.replace("246.47", "247.47")
    assert [f.severity for f in audit_text(tmp_path, more)] == [ERROR]


@pytest.mark.parametrize("wrong, right", [
    ("一般公共预算财政拨款支出2940.05万元，其中：基本支出2336.91万元；项目支出503.14万元。",
     "一般公共预算财政拨款支出2940.05万元，其中：基本支出2336.91万元；项目支出603.14万元。"),
    ("一般公共预算财政拨款基本支出2336.91万元。其中：人员经费2152.26万元，主要包括：基本工资、津贴补贴；"
     "公用经费174.65万元，主要包括：办公费、印刷费。",
     "一般公共预算财政拨款基本支出2336.91万元。其中：人员经费2152.26万元，主要包括：基本工资、津贴补贴；"
     "公用经费184.65万元，主要包括：办公费、印刷费。"),
    ("“三公”经费财政拨款支出决算为10.00万元，其中：因公出国（境）费2.00万元，公务用车购置及运行维护费5.00万元"
     "（其中：购置费2.00万元，运行费3.00万元），公务接待费2.00万元。",
     "“三公”经费财政拨款支出决算为9.00万元，其中：因公出国（境）费2.00万元，公务用车购置及运行维护费5.00万元"
     "（其中：购置费2.00万元，运行费3.00万元），公务接待费2.00万元。"),
])
def test_lists_that_are_their_whole_by_definition(tmp_path, wrong, right):
    """基本支出 = 人员经费 + 公用经费 and the like: parts short of the whole is 错误 too;
    a bracketed inner list is not part of the outer one."""
    got = [f for f in audit_text(tmp_path, wrong) if f.check == "合计"]
    assert [f.severity for f in got] == [ERROR]
    assert audit_text(tmp_path, right) == []


def test_spending_total_may_hold_more_than_basic_and_project(tmp_path):
    got = audit_text(tmp_path, "本年支出合计2940.05万元，其中：基本支出2336.91万元；项目支出503.14万元。")
    assert [(f.check, f.severity) for f in got] == [("合计", SUSPECT)]


SANGONG_BUDGET = ("上海市普陀区某街道2025年部门预算\n一、2025年“三公”经费预算情况说明\n"
                  "2025年“三公”经费预算数为37.91万元，比2024年预算减少10万元。其中：\n"
                  "（一）因公出国（境）费0万元，比2024年预算持平。\n"
                  "（二）公务用车购置及运行费36.56万元，比2024年预算减少10万元。其中：公务用车购置费15万元，"
                  "比2024年预算减少10万元；公务用车运行费21.56万元，比2024年预算持平。\n"
                  "（三）公务接待费1.35万元。比2024年预算持平。")


@pytest.mark.parametrize("old, new, expected", [
    (None, None, []),
    ("公务接待费1.35万元", "公务接待费2.35万元", ["38.91万元"]),
    ("公务用车运行费21.56万元", "公务用车运行费28.56万元", ["43.56万元"]),
])
def test_sangong_is_its_three_items(tmp_path, old, new, expected):
    """“三公”经费 = 因公出国（境）费 + 公务用车购置及运行费 + 公务接待费, across the (一)(二)(三) paragraphs."""
    text = SANGONG_BUDGET if old is None else SANGONG_BUDGET.replace(old, new)
    got = [f for f in audit_text(tmp_path, text) if f.check == "合计"]
    assert sorted(f.expected for f in got if f.severity == ERROR) == sorted(expected)


def test_budget_item_amount_and_its_planned_figure(tmp_path):
    text = ("2024年单位预算编制说明\n财政拨款支出主要内容如下：\n"
            "1. “社会保障和就业支出（类）行政事业单位养老支出（款）事业单位离退休（项）”53.84万元，主要用于退休人员。"
            "2023年当年预算执行数为54.60万元，2024年预算安排53.84万元，比2023年预算执行数减少1.39%。\n")
    assert audit_text(tmp_path, text) == []
    got = audit_text(tmp_path, text.replace("”53.84万元", "”58.34万元"))
    assert [(f.check, f.stated, f.expected, f.severity) for f in got] == \
        [("前后不一致", "53.84万元", "58.34万元", ERROR)]


def test_a_list_of_some_parts_may_fall_short(tmp_path):
    text = "2021年年末实有人数8人，其中在职人员6人；核定编制16人。收入预算100.00万元，其中：财政拨款收入60.00万元。"
    assert audit_text(tmp_path, text) == []


def test_exact_shares_may_sum_to_a_cent_off_100(tmp_path):
    """Each share exact and half-up; together 99.99% (rubrics.md §6.4 #56): no finding at all."""
    text = ("政府采购支出总额21.67万元，其中：政府采购货物支出6.65万元、占政府采购支出总额的30.69%；"
            "政府采购工程支出6.42万元、占政府采购支出总额的29.63%；政府采购服务支出8.60万元、占政府采购支出总额的39.69%。")
    assert audit_text(tmp_path, text) == []
    forced = text.replace("39.69%", "39.68%")
    assert [f.severity for f in audit_text(tmp_path, forced)] == [NOTE]


def test_blank_reason_is_a_note(tmp_path):
    got = audit_text(tmp_path, "公务用车购置及运行费6.40万元，与2023年预算持平，主要原因是。")
    assert [(f.check, f.severity) for f in got] == [("模板残留", NOTE)]


PATTERN = Path(__file__).parent / "data" / "audit_shanghai_pattern.txt"


def test_official_sentence_patterns_filled_correctly_are_silent():
    """Every sentence pattern of the 上海 部门决算 样张 第三部分 (../shared/cases/shanghai), filled
    with consistent figures (tests/data/audit_shanghai_pattern.txt)."""
    assert audit_file(PATTERN) == []


@pytest.mark.parametrize("old, new, check", [
    ("收入、支出总计各减少56.95万元，下降1.87%", "收入、支出总计各减少56.95万元，下降2.87%", "同比"),
    ("其他收入6.20万元，占0.21%", "其他收入6.20万元，占0.31%", "占比"),
    ("项目支出603.14万元，占20.51%", "项目支出613.14万元，占20.51%", "占比"),
    ("占本年支出合计的100.00%", "占本年支出合计的99.00%", "占比"),
    ("下降2.10%。主要原因", "下降3.10%。主要原因", "同比"),
    ("住房保障支出（类）445.69万元，占15.16%", "住房保障支出（类）445.69万元，占16.16%", "占比"),
    ("完成年初预算的98.20%", "完成年初预算的99.20%", "完成率"),
    ("支出决算为1511.89万元。决算数小于", "支出决算为1511.89万元。决算数大于", "表述方向"),
    ("公用经费184.65万元", "公用经费194.65万元", "合计"),
    ("完成预算的83.33%", "完成预算的88.33%", "完成率"),
    ("决算数比2023年度减少2.00万元，下降16.67%", "决算数比2023年度减少2.00万元，下降18.67%", "同比"),
    ("费支出决算减少1.00万元，下降33.33%", "费支出决算减少1.00万元，下降35.33%", "同比"),
    ("公务接待费支出决算减少0.50万元，下降14.29%", "公务接待费支出决算减少0.50万元，下降16.29%", "同比"),
    ("公务接待费支出决算3.00万元，占30.00%", "公务接待费支出决算3.00万元，占35.00%", "占比"),
    ("增加2.55万元，增长1.40%", "增加2.55万元，增长2.40%", "同比"),
    ("服务采购金额246.47万元", "服务采购金额256.47万元", "合计"),
    ("其他用车2辆", "其他用车3辆", "合计"),
])
def test_official_sentence_patterns_with_one_figure_wrong(tmp_path, old, new, check):
    text = PATTERN.read_text(encoding="utf-8")
    assert old in text
    got = [f for f in audit_text(tmp_path, text.replace(old, new, 1)) if f.severity in (ERROR, SUSPECT)]
    assert check in {f.check for f in got}, [(f.check, f.message) for f in got]


def test_gb18030_text(tmp_path):
    text = "一般公共预算财政拨款支出年初预算为274.82万元，支出决算为245.53万元，完成年初预算的93.57%。䶮"
    got = audit_text(tmp_path, text, "gb18030")
    assert [f.expected for f in got] == ["89.34%"]


# ---- tables in a .docx -------------------------------------------------------------------------

def _final_accounts_docx(path: Path, text_total: str, class_208: str = "326.72") -> Path:
    import docx
    d = docx.Document()
    d.add_paragraph(f"本单位2024年度财政拨款收入支出总计{text_total}万元。")
    d.add_paragraph("财政拨款收入支出决算总表")
    d.add_paragraph("单位：万元")
    rows = [("项目", "决算数"), ("一般公共预算财政拨款", "2940.05"), ("年初财政拨款结转和结余", "21.63"),
            ("总计", "2961.68")]
    t = d.add_table(rows=len(rows), cols=2)
    for r, cells in enumerate(rows):
        for c, v in enumerate(cells):
            t.cell(r, c).text = v
    d.add_paragraph("一般公共预算财政拨款支出决算表")
    d.add_paragraph("单位：万元")
    rows = [("科目编码", "科目名称", "合计"), ("201", "一般公共服务支出", "2106.66"),
            ("208", "社会保障和就业支出", class_208), ("210", "卫生健康支出", "60.99"),
            ("221", "住房保障支出", "445.69"), ("", "合计", "2940.05")]
    t = d.add_table(rows=len(rows), cols=3)
    for r, cells in enumerate(rows):
        for c, v in enumerate(cells):
            t.cell(r, c).text = v
    d.save(path)
    return path


def test_docx_text_against_its_table(tmp_path):
    bad = audit_file(_final_accounts_docx(tmp_path / "bad.docx", "0.3", "326.71"))
    f = next(f for f in bad if f.check == "文表不符")
    assert (f.stated, f.expected, f.severity) == ("0.3万元", "2961.68万元", ERROR)
    assert not [f for f in bad if f.check == "表内合计"]        # 326.71 closes the sum
    good = audit_file(_final_accounts_docx(tmp_path / "good.docx", "2961.68", "326.71"))
    assert good == []
    rounding = audit_path(_final_accounts_docx(tmp_path / "tail.docx", "2961.68", "326.72"))
    assert rounding.findings == [] and "2940.06" in tails(rounding)


def _budget_docx(path: Path, income: str) -> Path:
    import docx
    d = docx.Document()
    d.add_paragraph(f"2025年，某街道办事处收入预算{income}万元，其中：财政拨款收入18,976.76万元。")
    d.add_paragraph("2025年部门财务收支预算总表")
    d.add_paragraph("编制部门：某街道办事处 单位：元")
    rows = [("项目", "预算数", "项目", "预算数"), ("一、财政拨款收入", "189,767,551", "一、一般公共服务支出", "3,296,600"),
            ("", "", "二、城乡社区支出", "186,470,951"), ("收入总计", "189,767,551", "支出总计", "189,767,551")]
    t = d.add_table(rows=len(rows), cols=4)
    for r, cells in enumerate(rows):
        for c, v in enumerate(cells):
            t.cell(r, c).text = v
    d.save(path)
    return path


def test_budget_total_against_its_table_in_yuan(tmp_path):
    assert audit_file(_budget_docx(tmp_path / "good.docx", "18,976.76")) == []
    got = audit_file(_budget_docx(tmp_path / "bad.docx", "18,967.76"))
    assert [(f.check, f.stated, f.expected, f.severity) for f in got] == \
        [("文表不符", "18,967.76万元", "18976.76万元", ERROR)]


def _items_docx(path: Path, actual: str) -> Path:
    import docx
    d = docx.Document()
    d.add_paragraph("普陀区财政局2024年度部门决算")
    d.add_paragraph("（三）一般公共预算财政拨款支出决算具体情况")
    d.add_paragraph("1、一般公共服务支出（类）财政事务（款）行政运行（项）。主要用于：基本支出。"
                    f"年初预算为1560.05万元，支出决算为{actual}万元。决算数小于预算数的主要原因：人员变化。")
    d.add_paragraph("一般公共预算财政拨款支出决算表")
    d.add_paragraph("单位：万元")
    rows = [("类", "款", "项", "科目名称", "合计", "基本支出", "项目支出"),
            ("201", "", "", "一般公共服务支出", "2106.66", "1503.52", "603.14"),
            ("201", "06", "", "财政事务", "2106.66", "1503.52", "603.14"),
            ("201", "06", "01", "行政运行", "1511.89", "1503.52", "8.37"),
            ("201", "06", "02", "一般行政管理事务", "594.77", "", "594.77")]
    t = d.add_table(rows=len(rows), cols=7)
    for r, cells in enumerate(rows):
        for c, v in enumerate(cells):
            t.cell(r, c).text = v
    d.save(path)
    return path


def _classified_docx(path: Path, cells: dict) -> Path:
    import docx
    d = docx.Document()
    d.add_paragraph("某局2024年度部门决算")
    d.add_paragraph("支出决算表")
    d.add_paragraph("单位：元")
    rows = [("科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出"),
            ("", "合计", "3,000,000", "2,000,000", "1,000,000"),
            ("201", "一般公共服务支出", "2,000,000", "1,500,000", "500,000"),
            ("20106", "财政事务", "2,000,000", "1,500,000", "500,000"),
            ("2010601", "行政运行", "1,500,000", "1,500,000", ""),
            ("2010602", "一般行政管理事务", "500,000", "", "500,000"),
            ("208", "社会保障和就业支出", "1,000,000", "500,000", "500,000"),
            ("20805", "行政事业单位养老支出", "1,000,000", "500,000", "500,000")]
    rows = [tuple(cells.get((r, c), v) for c, v in enumerate(row)) for r, row in enumerate(rows)]
    t = d.add_table(rows=len(rows), cols=5)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    d.save(path)
    return path


@pytest.mark.parametrize("cells, expected", [
    ({}, []),
    ({(4, 3): "1,400,000"}, [("表内合计", ERROR, "1,500,000", "1400000")]),        # 行政运行: 合计 ≠ 基本 + 项目
    ({(4, 2): "1,400,000", (4, 3): "1,400,000"},                                     # 财政事务 ≠ its 项
     [("表内合计", ERROR, "2,000,000", "1900000")]),
])
def test_rows_and_classes_add_up(tmp_path, cells, expected):
    got = audit_file(_classified_docx(tmp_path / "t.docx", cells))
    assert [(f.check, f.severity, f.stated, f.expected) for f in got] == expected


def test_a_yuan_off_in_whole_yuan_tables_is_a_tail(tmp_path):
    done = audit_path(_classified_docx(tmp_path / "t.docx", {(4, 2): "1,500,001", (4, 3): "1,500,001"}))
    assert done.findings == [] and "2000001" in tails(done)


def test_item_actual_against_its_table_row(tmp_path):
    """1、…（类）…（款）…（项）…支出决算为X against the 项 row of the table its section names."""
    got = audit_file(_items_docx(tmp_path / "bad.docx", "1521.89"))
    assert [(f.check, f.stated, f.expected, f.severity) for f in got] == \
        [("文表不符", "1521.89万元", "1511.89万元", ERROR)]
    assert audit_file(_items_docx(tmp_path / "good.docx", "1511.89")) == []
    tail = audit_file(_items_docx(tmp_path / "tail.docx", "1511.90"))
    assert [(f.check, f.severity) for f in tail] == [("文表不符", NOTE)]


# ---- ledger, exit codes, outputs -------------------------------------------------------------------

def _blank_pdf(path: Path) -> Path:
    from pypdf import PdfWriter
    w = PdfWriter()
    w.add_blank_page(595, 842)
    with open(path, "wb") as fh:
        w.write(fh)
    return path


def test_scanned_pdf_says_so_and_nothing_else(tmp_path):
    scan = _blank_pdf(tmp_path / "扫描件.pdf")
    done = audit_path(scan)
    assert done.findings == [] and "扫描件" in done.unreadable
    assert {o.status for o in done.ledger} == {NOT_APPLIED}
    result = CliRunner().invoke(main, ["audit", "--json", str(scan)])
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["files"][0]["status"] == "无法读取" and data["files"][0]["findings"] == []
    assert all(o["status"] == "无法检查" for o in data["files"][0]["ledger"])
    result = CliRunner().invoke(main, ["audit", str(scan)])
    assert "无法读取，未审核" in result.output and "未发现问题" not in result.output


@pytest.mark.slow
def test_a_page_without_text_is_in_the_ledger(tmp_path):
    import docx
    from pypdf import PdfReader, PdfWriter
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) not installed")
    d = docx.Document()
    d.add_paragraph("一般公共预算财政拨款支出年初预算为274.82万元，支出决算为245.53万元，完成年初预算的89.34%。")
    d.save(tmp_path / "t.docx")
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "t.docx")],
                   capture_output=True, timeout=180, check=True)
    w = PdfWriter(clone_from=PdfReader(str(tmp_path / "t.pdf")))
    w.add_blank_page(595, 842)
    with open(tmp_path / "mixed.pdf", "wb") as fh:
        w.write(fh)
    done = audit_path(tmp_path / "mixed.pdf")
    assert done.unreadable is None and done.findings == []
    scanned = [o for o in done.ledger if o.check == "扫描页"]
    assert scanned and scanned[0].status == NOT_APPLIED and "第2页" in scanned[0].reason


def test_ledger_lists_every_check(tmp_path):
    path = _final_accounts_docx(tmp_path / "a.docx", "2961.68", "326.71")
    done = audit_path(path)
    status = {o.check: o.status for o in done.ledger}
    assert status["正文与表格总计"] == APPLIED and status["评分表"] == NOT_APPLICABLE
    assert len(done.ledger) == len(set(status))
    result = CliRunner().invoke(main, ["audit", str(path), "--xlsx", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0 and "检查清单" in result.output and "已检查：" in result.output
    from openpyxl import load_workbook
    wb = load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == ["审核结果", "检查清单"]
    assert wb["检查清单"].max_row == len(done.ledger) + 1


def test_exit_codes_errors_beat_unreadable(tmp_path):
    bad = _final_accounts_docx(tmp_path / "bad.docx", "0.3")
    scan = _blank_pdf(tmp_path / "scan.pdf")
    assert CliRunner().invoke(main, ["audit", str(bad), str(scan)]).exit_code == 1
    assert CliRunner().invoke(main, ["audit", str(scan)]).exit_code == 3


def test_annotate_docx_writes_word_comments(tmp_path):
    bad = _final_accounts_docx(tmp_path / "bad.docx", "0.3")
    before = bad.read_bytes()
    out = tmp_path / "批注"
    result = CliRunner().invoke(main, ["audit", str(bad), "--annotate", str(out)])
    assert result.exit_code == 1
    copy = out / "bad_审核批注.docx"
    comments = zipfile.ZipFile(copy).read("word/comments.xml").decode("utf-8")
    assert "文表不符" in comments and "2961.68" in comments
    assert bad.read_bytes() == before
    body = zipfile.ZipFile(copy).read("word/document.xml").decode("utf-8")
    assert "commentRangeStart" in body


@needs_cases
def test_annotate_pdf_puts_notes_on_the_page(tmp_path):
    from pypdf import PdfReader
    CliRunner().invoke(main, ["audit", str(SHANGHAI), "--annotate", str(tmp_path)])
    reader = PdfReader(str(tmp_path / f"{SHANGHAI.stem}_审核批注.pdf"))
    annots = [a.get_object() for a in reader.pages[20].get("/Annots", [])]
    notes = [a["/Contents"] for a in annots if a["/Subtype"] == "/Text"]
    assert any("71.65%" in n for n in notes) and any("2961.68" in n for n in notes)
    assert any(a["/Subtype"] == "/Highlight" for a in annots)


def test_annotate_txt(tmp_path):
    path = tmp_path / "d.txt"
    path.write_text("一般公共预算财政拨款支出年初预算为0万元，支出决算为12.00万元，完成年初预算的100%。\n下一行\n",
                    encoding="utf-8")
    CliRunner().invoke(main, ["audit", str(path), "--annotate", str(tmp_path / "o")])
    lines = (tmp_path / "o" / "d_审核批注.txt").read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("【审核·错误】完成率") and lines[2] == "下一行"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_doc_is_read_through_libreoffice(tmp_path):
    src = _final_accounts_docx(tmp_path / "bad.docx", "0.3")
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(tmp_path / "doc"), str(src)],
                   capture_output=True, timeout=180, check=True)
    doc = tmp_path / "doc" / "bad.doc"
    got = {(f.check, f.stated, f.expected) for f in audit_file(doc)}
    assert ("文表不符", "0.3万元", "2961.68万元") in got


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_our_own_final_accounts_pdf_audits_clean(tmp_path):
    """The rendered 决算公开 as LibreOffice prints it (amounts wrapping in narrow cells, 行次
    columns): nothing but the 占比 notes of shares forced to 100% (see test_audit.py)."""
    from conftest import EXAMPLES
    from reportgen.pack.packs import load_pack
    from reportgen.pipeline import prepare, render_forms
    forms = render_forms(prepare(EXAMPLES / "xinzhou-gongxin-2021.yaml", load_pack("xinzhou")))
    name, data = next((n, d) for n, d in forms if "决算公开" in n)
    (tmp_path / "f.docx").write_bytes(data)
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "f.docx")],
                   capture_output=True, timeout=300, check=True)
    found = [f for f in audit_file(tmp_path / "f.pdf") if not (f.check == "占比" and f.severity == NOTE)]
    assert not found, [(f.location, f.check, f.message) for f in found]
