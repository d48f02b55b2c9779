"""The shipped 政府收支分类科目 (reportgen/data/classification.yaml) covers the
2024 科目: every 类, every 款, the common 项 — not only the codes an example uses."""

import re
import subprocess
from pathlib import Path

import pytest

from reportgen.compute.final_accounts import classification

CASES = Path(__file__).resolve().parents[2] / "shared" / "cases"

#: Every 功能分类 code printed in three 上海 documents (上海市普陀区财政局 2024 部门决算,
#: 万里街道 2025 部门预算, 社会福利院 2024 单位预算), with the name they print.
SHANGHAI_CODES = {
    "201": "一般公共服务支出", "20105": "统计信息事务", "2010507": "专项普查活动", "20106": "财政事务",
    "2010601": "行政运行", "2010602": "一般行政管理事务", "2010607": "信息化建设", "2010608": "财政委托业务支出",
    "20129": "群众团体事务", "2012902": "一般行政管理事务", "20132": "组织事务", "2013202": "一般行政管理事务",
    "20133": "宣传事务", "2013302": "一般行政管理事务", "20134": "统战事务", "2013402": "一般行政管理事务",
    "20138": "市场监督管理事务", "2013802": "一般行政管理事务",
    "204": "公共安全支出", "20406": "司法", "2040607": "公共法律服务", "20499": "其他公共安全支出",
    "2049999": "其他公共安全支出", "205": "教育支出", "20599": "其他教育支出", "2059999": "其他教育支出",
    "206": "科学技术支出", "20607": "科学技术普及", "2060702": "科普活动",
    "207": "文化旅游体育与传媒支出", "20703": "体育", "2070308": "群众体育",
    "208": "社会保障和就业支出", "20805": "行政事业单位养老支出", "2080501": "行政单位离退休",
    "2080502": "事业单位离退休", "2080505": "机关事业单位基本养老保险缴费支出",
    "2080506": "机关事业单位职业年金缴费支出", "2080599": "其他行政事业单位养老支出", "20807": "就业补助",
    "2080705": "公益性岗位补贴", "20810": "社会福利", "2081005": "社会福利事业单位", "20816": "红十字事业",
    "2081602": "一般行政管理事务", "20825": "其他生活救助", "2082501": "其他城市生活救助",
    "20899": "其他社会保障和就业支出", "2089999": "其他社会保障和就业支出",
    "210": "卫生健康支出", "21007": "计划生育事务", "2100717": "计划生育服务", "21011": "行政事业单位医疗",
    "2101101": "行政单位医疗", "2101102": "事业单位医疗",
    "212": "城乡社区支出", "21201": "城乡社区管理事务", "2120101": "行政运行", "2120102": "一般行政管理事务",
    "2120104": "城管执法", "2120199": "其他城乡社区管理事务支出", "21203": "城乡社区公共设施",
    "2120399": "其他城乡社区公共设施支出", "21205": "城乡社区环境卫生", "2120501": "城乡社区环境卫生",
    "21299": "其他城乡社区支出", "2129999": "其他城乡社区支出",
    "221": "住房保障支出", "22102": "住房改革支出", "2210201": "住房公积金", "2210203": "购房补贴",
    "22103": "城乡社区住宅", "2210399": "其他城乡社区住宅支出",
}

#: The 类 of the 2024 支出功能分类 (财政部《2024年政府收支分类科目》).
CLASSES_2024 = ("201 202 203 204 205 206 207 208 210 211 212 213 214 215 216 217 219 220 221 222 223 224 227 "
                "229 230 231 232 233 234").split()


def test_every_shanghai_code_is_named_as_printed():
    functional = classification().functional
    missing = {c: n for c, n in SHANGHAI_CODES.items() if c not in functional}
    assert not missing
    assert {c: functional[c] for c in SHANGHAI_CODES} == SHANGHAI_CODES


def test_every_class_and_every_section_of_2024():
    functional = classification().functional
    assert [c for c in functional if len(c) == 3] == CLASSES_2024
    sections = [c for c in functional if len(c) == 5]
    assert len(sections) > 200                         # every 款, not only the examples' ones
    for c in functional:                               # a 项 or 款 never without its parents
        assert c[:3] in functional and (len(c) < 7 or c[:5] in functional), c
    # the administrative 项 of 一般公共服务 款
    for kuan in (c for c in sections if c.startswith("201") and c != "20199"):
        assert functional[kuan + "01"] == "行政运行" and functional[kuan + "02"] == "一般行政管理事务", kuan


def test_summary_rows_are_the_26_printed_classes():
    cls = classification()
    names = [n for _, n in cls.classes]
    assert len(names) == 26 and names[-3:] == ["债务还本支出", "债务付息支出", "抗疫特别国债安排的支出"]
    assert "预备费" not in names and "转移性支出" not in names


def test_every_economic_section_of_2024():
    economic = classification().economic
    for code in ("30101", "30113", "30199", "30239", "30299", "30309", "30310", "31002", "31007", "39909"):
        assert code in economic


@pytest.mark.skipif(not (CASES / "audit-negatives").is_dir(), reason="cases not present")
def test_no_code_of_the_shanghai_documents_is_unknown(tmp_path):
    texts = [(CASES / "shanghai" / "上海市普陀区财政局2024年度部门决算.txt").read_text(encoding="utf-8")]
    for pdf in sorted((CASES / "audit-negatives").glob("*.pdf")):
        out = tmp_path / (pdf.stem + ".txt")
        subprocess.run(["pdftotext", "-layout", str(pdf), str(out)], check=True, timeout=60)
        texts.append(out.read_text(encoding="utf-8"))
    functional = classification().functional
    found = set()
    for text in texts:
        for m in re.finditer(r"(?m)^\s*(2[0-3]\d)((?: {1,6}\d{2}){0,2}) +[^\s\d,.]{2,}", text):
            found.add(m.group(1) + "".join(m.group(2).split()))
    assert len(found) >= 47
    assert sorted(c for c in found if c not in functional) == []
