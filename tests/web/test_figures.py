"""The unit's figures in a web form (在线填报) and comments at figures: the
form is generated from the round's pack, pre-filled, saved through the
upload's check (a new revision), shows each problem at its input with the
values as entered, round-trips every example exactly; bureau accounts read
it only; a reviewer's comment at a figure is seen there by the unit."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

pytest.importorskip("django")
pytest.importorskip("pytest_django")

from webhelpers import EXAMPLE, EXAMPLES, upload, year_round  # noqa: E402,F401


class _Inputs(HTMLParser):
    """The values a browser would post from a page's form ``form_id``:
    inputs, selects and text areas, not those inside a <template> or disabled."""

    def __init__(self, form_id: str = "figures-form"):
        super().__init__()
        self.form_id, self.in_form, self.template = form_id, False, 0
        self.values: dict[str, str] = {}
        self.disabled: list[str] = []
        self._select = self._textarea = None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.in_form = True
        if tag == "template":
            self.template += 1
        if not self.in_form or self.template:
            return
        name = a.get("name")
        if tag in ("input", "select", "textarea") and name and "disabled" in a:
            self.disabled.append(name)
            return
        if tag == "input" and name and a.get("type") in (None, "text", "hidden"):
            self.values[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select, self._first_option = name, True
            self.values[name] = ""
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", None) if "value" in a else "\0text"
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data
        if self._select and self.values.get(self._select) == "\0text":
            self.values[self._select] = data

    def handle_endtag(self, tag):
        if tag == "template":
            self.template -= 1
        elif tag == "form":
            self.in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _form_values(html: str) -> _Inputs:
    p = _Inputs()
    p.feed(html)
    return p


def _html_at(html: str, dom_id: str, after: int = 1500) -> str:
    """The page's text from the element ``id=dom_id`` on."""
    i = html.index(f'id="{dom_id}"')
    return html[i:i + after]


def _run_checks() -> None:
    """Run the queued checks (not the renders they queue: no LibreOffice in the fast tests)."""
    from reportgen.web import jobs
    from reportgen.web.models import Job

    for job in Job.objects.filter(kind="check", state=Job.State.QUEUED).order_by("id"):
        jobs.run(job)


def _with_example(client, unit, text: str | None = None):
    """Give ``unit`` the 晋中 example (or ``text``) as an uploaded unit file, checked."""
    client.force_login(unit.user)
    data = (text if text is not None else EXAMPLE.read_text(encoding="utf-8")).encode("utf-8")
    r = client.post(f"/units/{unit.pk}/upload/", {"data": upload("单位数据.yaml", data)})
    assert r.status_code == 302
    _run_checks()
    unit.refresh_from_db()


# -- the form structure, without Django ---------------------------------------------


def _post_of(form) -> dict[str, str]:
    post = {}

    def rows(block):
        for row in block.rows:
            if row.key is not None:
                post["k:" + row.rowpath] = row.key
            for c in row.cells:
                post[c.name] = c.value
            for child in row.children:
                rows(child)

    for s in form.sections:
        for i in s.inputs:
            if not i.heading:
                post[i.name] = i.value
        if s.block is not None:
            rows(s.block)
    return post


@pytest.mark.parametrize("example, pack", [
    ("jinzhong-gongxin-2021", "jinzhong"), ("jinzhong-zhaoshang-2020", "jinzhong"),
    ("xinzhou-gongxin-2021", "xinzhou"), ("ningxiang-gongxin-2022", "ningxiang"),
    ("shanghai-caizheng-2024", "shanghai")])
def test_every_example_round_trips_through_the_form_exactly(example, pack):
    """Every figure of a real unit file is shown by the form and comes back
    unchanged, as the same text (no float, no rounding), in the same order."""
    from reportgen.pack.packs import load_pack
    from reportgen.web import formspec
    from reportgen.web.engine import raw_of

    p = load_pack(pack)
    raw = raw_of((EXAMPLES / f"{example}.yaml").read_text(encoding="utf-8"))
    form = formspec.build(p, raw)
    assert form.leftovers == []
    assert formspec.raw_from_post(p, _post_of(form)) == raw
    # and the unit file written from it reads back as the same tree
    assert raw_of(formspec.unit_text(p, raw)) == raw


def test_a_choice_is_shown_by_its_chinese_name_and_saved_as_its_code():
    """指标分值方式 is offered as 逐项设定 / 平均分配 / 按全国通用分值; the
    example's ``equal_split`` is shown as 平均分配 and saved back as the code."""
    from reportgen.pack.packs import load_pack
    from reportgen.web import formspec
    from reportgen.web.engine import raw_of

    p = load_pack("xinzhou")
    raw = raw_of((EXAMPLES / "xinzhou-gongxin-2021.yaml").read_text(encoding="utf-8"))
    post = _post_of(formspec.build(p, raw))
    chosen = {name: value for name, value in post.items() if name.endswith("|weighting")}
    assert chosen and set(chosen.values()) == {"平均分配"}
    assert "equal_split" not in post.values()
    assert formspec.raw_from_post(p, post)["projects"][0]["weighting"] == "equal_split"


def test_form_sections_are_the_workbooks_sheets_in_its_order():
    from openpyxl import load_workbook
    import io

    from reportgen.collect.workbook import write_workbook
    from reportgen.pack.needs import pack_needs
    from reportgen.pack.packs import load_pack
    from reportgen.unitfile import schema as S
    from reportgen.web import formspec

    pack = load_pack("jinzhong")
    form = formspec.build(pack, None)
    from reportgen.collect import layout as L

    with S.using(pack.schema):
        wb = load_workbook(io.BytesIO(write_workbook(pack_needs(pack), pack.title)))
        children = {t.title for s in L.build_layout() for t in s.tables if t.parent is not None}
    # child sheets (项目·绩效指标 …) are inside their parent's cards in the form
    assert "项目·绩效指标" in children
    sheets = [t for t in wb.sheetnames[1:] if t not in children]
    assert [s.title for s in form.sections] == sheets
    used = [s.title for s in form.used]
    assert used[:2] == ["基本信息", "单位信息"] and "预算收支" in used
    assert "部门决算" not in used and "部门决算" in [s.title for s in form.unused]   # 晋中 does not read it
    # a pack's own field is there with its Chinese name (晋中: 表头地区名)
    inputs = {i.path: i for s in form.sections for i in s.inputs}
    assert "unit.title_prefix" in inputs, sorted(inputs)[:20]
    money = inputs["budget.executed"]
    assert (money.label, money.unit, money.money, money.kind) == ("预算执行金额", "万元", True, "money")
    assert inputs["money_unit"].options == ("万元", "元")


def test_rows_added_removed_and_emptied_in_the_form():
    """A new indicator posted with a free slot is appended to its project; a
    row left empty is left out; a map row without a key keeps its values
    under a key the check will name; an unknown top-level key of the data
    is carried over."""
    from reportgen.pack.packs import load_pack
    from reportgen.web import formspec
    from reportgen.web.engine import raw_of

    pack = load_pack("jinzhong")
    raw = raw_of((EXAMPLES / "jinzhong-zhaoshang-2020.yaml").read_text(encoding="utf-8"))
    post = _post_of(formspec.build(pack, raw))
    n = len(raw["projects"][3]["indicators"])
    post["c:projects#3/indicators#57|name"] = "培训人次"
    post["c:projects#3/indicators#57|target"] = "≥100人次"
    post["c:projects#3/indicators#56|name"] = "   "          # an added row left empty
    post["c:overrides#9|score"] = "3"                      # an 人工评分 row whose 指标 was not chosen
    for k in [k for k in post if k.startswith("c:projects#1|")]:
        post[k] = ""                                       # the second project emptied: removed
    for k in [k for k in post if k.startswith(("c:projects#1/", "k:projects#1/"))]:
        del post[k]
    back = formspec.raw_from_post(pack, post, {**raw, "remark": "单位自己的备注"})
    indicators = back["projects"][2]["indicators"]       # 招商引资工作经费, now the third
    assert len(indicators) == n + 1 and indicators[-1] == {"name": "培训人次", "target": "≥100人次"}
    assert len(back["projects"]) == len(raw["projects"]) - 1
    assert back["overrides"][formspec.NO_KEY] == {"score": "3"}
    assert back["remark"] == "单位自己的备注"


# -- the pages ----------------------------------------------------------------------



@pytest.mark.django_db
def test_empty_form_is_prefilled_with_name_and_year(client, year_round):
    admin, reviewer, rnd, a, b = year_round
    client.force_login(a.user)
    r = client.get(f"/units/{a.pk}/figures/")
    assert r.status_code == 200
    page = r.content.decode()
    v = _form_values(page).values
    assert v["f:unit.name"] == "晋中市工业和信息化局" and v["f:year"] == "2021" and v["f:money_unit"] == "万元"
    assert "空白表" in page and 'id="btn-save"' in page
    # the unit page offers the form
    assert f'/units/{a.pk}/figures/' in client.get(f"/units/{a.pk}/").content.decode()


@pytest.mark.django_db
def test_saving_the_form_is_a_checked_revision_with_problems_at_their_inputs(client, year_round):
    from reportgen.web.models import Event, Status

    admin, reviewer, rnd, a, b = year_round
    _with_example(client, a)
    assert a.revision == 1 and a.n_errors == 0
    page = client.get(f"/units/{a.pk}/figures/").content.decode()
    form = _form_values(page)
    assert form.values["f:budget.executed"] == "8701.72" and not form.disabled
    # the unit mistypes two figures: a sum that no longer balances and a word in an amount
    form.values["f:budget.executed"] = "8701.73"
    form.values["f:budget.year_end_balance"] = "一百"
    form.values["f:fixed_assets.total"] = "12345678901234567.891"    # more digits than a float holds
    r = client.post(f"/units/{a.pk}/figures/save/", form.values)
    assert r.status_code == 302 and r["Location"] == f"/units/{a.pk}/figures/"
    # while the check runs, the form shows what was just saved, read-only
    page = client.get(f"/units/{a.pk}/figures/").content.decode()
    assert "正在核对" in page and _form_values(page).disabled
    assert 'value="8701.73"' in page
    _run_checks()
    a.refresh_from_db()
    assert (a.revision, a.source_name, a.status) == (2, "在线填报", Status.ERRORS)
    assert "executed: 8701.73" in a.data_yaml and "12345678901234567.891" in a.data_yaml
    event = Event.objects.get(unit=a, action="在线填报")
    assert "改动 3 项" in event.detail and "预算收支 › 预算执行金额：8701.72 → 8701.73" in event.detail
    assert event.username == a.user.username
    by_field = {p["field"]: p for p in a.problems}
    assert "应为金额数字（万元），实为 '一百'" in by_field["budget.year_end_balance"]["message"]
    assert by_field["budget.year_end_balance"]["where"] == "在线填报 › 预算收支 › 年末结余金额"
    page = client.get(f"/units/{a.pk}/figures/").content.decode()
    at = _html_at(page, "f-budget.year_end_balance", 600)
    assert 'value="一百"' in at and "n-err" in at and "实为 &#x27;一百&#x27;" in at
    assert 'href="#f-budget.year_end_balance"' in page       # the list at the top leads to the input
    # the values stay as entered; fixing one and saving again makes revision 3
    form = _form_values(page)
    assert form.values["f:budget.year_end_balance"] == "一百"
    form.values["f:budget.year_end_balance"] = EXAMPLE.read_text(encoding="utf-8").split(
        "year_end_balance:")[1].split()[0]
    form.values["f:budget.executed"] = "8701.72"
    form.values["f:fixed_assets.total"] = ""
    client.post(f"/units/{a.pk}/figures/save/", form.values)
    _run_checks()
    a.refresh_from_db()
    assert (a.revision, a.n_errors, a.status) == (3, 0, Status.READY), a.problems[:3]
    # the unit's page names the source
    assert "在线填报" in client.get(f"/units/{a.pk}/").content.decode()


@pytest.mark.slow      # keeps the fast suite under a minute; .ci/run runs it
@pytest.mark.django_db
def test_form_prefilled_from_the_previous_round(client, year_round):
    from reportgen.web import accounts
    from reportgen.web.models import Profile, Round

    admin, reviewer, rnd, a, b = year_round
    _with_example(client, a)
    nxt = Round.objects.create(year=2022, title="2022年度", pack_name="jinzhong", pack_hash=rnd.pack_hash)
    (a2,), _ = accounts.add_units(nxt, [{"name": a.name}])
    Profile.objects.filter(user=a2.user).update(must_change_password=False)
    client.force_login(a2.user)
    page = client.get(f"/units/{a2.pk}/figures/").content.decode()
    v = _form_values(page).values
    assert v["f:year"] == "2022" and v["f:budget.executed"] == "8701.72"
    assert "本单位 2021 年度的数据" in page


@pytest.mark.django_db
def test_bureau_reads_the_form_and_cannot_save(client, year_round):

    admin, reviewer, rnd, a, b = year_round
    _with_example(client, a)
    client.force_login(reviewer)
    r = client.get(f"/units/{a.pk}/figures/")
    assert r.status_code == 200
    form = _form_values(r.content.decode())
    assert form.disabled and not [n for n in form.values if n.startswith("f:")]
    assert 'id="btn-save"' not in r.content.decode()
    assert client.post(f"/units/{a.pk}/figures/save/", {"f:budget.executed": "1"}).status_code == 403
    _run_checks()
    a.refresh_from_db()
    assert a.revision == 1


@pytest.mark.slow      # keeps the fast suite under a minute; .ci/run runs it
@pytest.mark.django_db
def test_submitted_data_cannot_be_changed_in_the_form(client, year_round):

    admin, reviewer, rnd, a, b = year_round
    _with_example(client, a)
    client.post(f"/units/{a.pk}/submit/", {"note": "11 项人工评分依据原表"})
    a.refresh_from_db()
    assert a.status == "submitted"
    page = client.get(f"/units/{a.pk}/figures/").content.decode()
    assert "数据不能修改" in page and 'id="btn-save"' not in page
    r = client.post(f"/units/{a.pk}/figures/save/", {"f:budget.executed": "1"}, follow=True)
    assert "已提交的数据不能再修改" in r.content.decode()
    _run_checks()
    a.refresh_from_db()
    assert a.revision == 1


@pytest.mark.django_db
def test_reviewer_comments_at_a_figure_and_the_unit_sees_it_there(client, year_round):
    from reportgen.web.models import Comment, Event

    admin, reviewer, rnd, a, b = year_round
    _with_example(client, a)
    client.post(f"/units/{a.pk}/submit/", {"note": "11 项人工评分依据原表"})
    client.force_login(reviewer)
    page = client.get(f"/units/{a.pk}/review/?field=staffing.in_service").content.decode()
    # the select offers the figures by sheet, with the one picked beside the figure selected
    assert re.search(r'<option value="staffing.in_service" selected>人员情况 › 在职人员数', page)
    assert '<option value="overrides.' in page and 'class="pz btn light"' in page
    # the form offers 批注 beside each figure to the reviewer
    form_page = client.get(f"/units/{a.pk}/figures/").content.decode()
    assert f'/units/{a.pk}/review/?field=budget.executed#decide' in form_page
    r = client.post(f"/units/{a.pk}/review/comment/", {"field": "budget.executed",
                                                        "comment": "预算执行金额与决算报表不一致"})
    assert r.status_code == 302
    client.post(f"/units/{a.pk}/review/return/", {"field": "", "comment": "请按批注修改后重新提交"})
    assert Comment.objects.filter(unit=a).count() == 2
    assert Event.objects.filter(unit=a, action="批注").exists()

    client.force_login(a.user)
    page = client.get(f"/units/{a.pk}/figures/").content.decode()
    at = _html_at(page, "f-budget.executed", 700)
    assert "n-comment" in at and "预算执行金额与决算报表不一致" in at
    general = _html_at(page, "general-comments", 800)
    assert "请按批注修改后重新提交" in general and "预算执行金额与决算报表不一致" not in general
    unit_page = client.get(f"/units/{a.pk}/").content.decode()
    comments = _html_at(unit_page, "comments", 2000)
    assert f'/units/{a.pk}/figures/#f-budget.executed' in comments and "预算收支 › 预算执行金额" in comments


@pytest.mark.django_db
def test_a_comment_is_shown_beside_the_problem_of_its_field(client, year_round):
    from reportgen.web.models import Comment

    admin, reviewer, rnd, a, b = year_round
    text = EXAMPLE.read_text(encoding="utf-8").replace("executed: 8701.72", "executed: 8701.73")
    _with_example(client, a, text)
    assert any(p["field"] == "budget.executed" for p in a.problems)
    Comment.objects.create(unit=a, author=reviewer, field="budget.executed", text="请核对决算报表", revision=1)
    page = client.get(f"/units/{a.pk}/").content.decode()
    errors = _html_at(page, "errors", 3000)
    assert "财政局批注" in errors and "请核对决算报表" in errors


@pytest.mark.django_db
def test_only_a_reviewer_comments_and_only_on_a_submission(client, year_round):
    from reportgen.web.models import Comment

    admin, reviewer, rnd, a, b = year_round
    _with_example(client, a)
    assert client.post(f"/units/{a.pk}/review/comment/", {"comment": "x"}).status_code == 403
    client.force_login(reviewer)
    r = client.post(f"/units/{a.pk}/review/comment/", {"field": "budget.executed", "comment": "x"}, follow=True)
    assert "只能对已提交的数据批注" in r.content.decode()
    assert not Comment.objects.exists()


@pytest.mark.django_db
def test_data_that_do_not_parse_are_not_overwritten_from_an_empty_form(client, year_round):
    """A YAML upload with a syntax error is refused and the unit's data stay
    (tests/web/test_hostile.py); data that do not parse all the same (kept
    from an earlier version of the workbench, restored from a backup) cannot
    be shown by the form, so it is not offered for saving either."""
    from reportgen.web.models import Unit

    admin, reviewer, rnd, a, b = year_round
    broken = EXAMPLE.read_text(encoding="utf-8").replace("year: 2021", "year：2021")
    _with_example(client, a, broken)
    assert a.revision == 0 and a.data_yaml == ""                      # refused at upload
    Unit.objects.filter(pk=a.pk).update(data_yaml=broken, revision=1, n_errors=1, status="errors")
    a.refresh_from_db()
    page = client.get(f"/units/{a.pk}/figures/").content.decode()
    assert 'id="unreadable"' in page and "无法在表中显示" in page and 'id="btn-save"' not in page
    r = client.post(f"/units/{a.pk}/figures/save/", {"f:year": "2021"}, follow=True)
    assert "无法在表中显示" in r.content.decode()
    _run_checks()
    a.refresh_from_db()
    assert a.revision == 1 and a.data_yaml == broken


@pytest.mark.django_db
def test_return_after_comments_at_figures_needs_no_more_text(client, year_round):
    from reportgen.web.models import Comment, Status

    admin, reviewer, rnd, a, b = year_round
    _with_example(client, a)
    client.post(f"/units/{a.pk}/submit/", {"note": "11 项人工评分依据原表"})
    client.force_login(reviewer)
    r = client.post(f"/units/{a.pk}/review/return/", {"field": "", "comment": ""}, follow=True)
    assert "退回时请填写审核意见" in r.content.decode()
    a.refresh_from_db()
    assert a.status == Status.SUBMITTED
    client.post(f"/units/{a.pk}/review/comment/", {"field": "staffing.in_service", "comment": "在职人数与编制核对"})
    client.post(f"/units/{a.pk}/review/return/", {"field": "", "comment": ""})
    a.refresh_from_db()
    assert a.status == Status.RETURNED and Comment.objects.filter(unit=a).count() == 1

