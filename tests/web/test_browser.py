"""The whole year in a real browser (Debian's chromium + chromium-driver,
driven by selenium): the administrator creates a round and two units; a unit
uploads a workbook with a mistake, sees it at its cell, fixes it in the web
form (在线填报, the error beside the input), previews and submits; the
reviewer comments at two figures and returns it; the unit sees each comment
beside its figure and resubmits; the reviewer approves; the administrator
gets the zip and the summary.

Screenshots of each page go to ``$REPORTGEN_SCREENSHOTS`` (default: a
temporary folder printed at the end).  Skipped when selenium, chromium or
chromedriver is missing.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("django")
pytest.importorskip("pytest_django")
pytest.importorskip("selenium")

from webhelpers import executed_cell, filled_workbook  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
    pytest.skip("chromium / chromedriver not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,  # noqa: E402
                                        WebDriverException)
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@pytest.fixture
def browser(tmp_path):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--lang=zh-CN", "--window-size=1280,1000", f"--user-data-dir={tmp_path / 'profile'}"):
        opts.add_argument(flag)
    service = webdriver.ChromeService(executable_path=DRIVER)
    drv = webdriver.Chrome(options=opts, service=service)
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


@pytest.fixture
def worker(transactional_db):
    from reportgen.web import jobs

    stop = jobs.start_worker()
    yield
    stop.set()
    jobs.wake()
    time.sleep(1.5)          # the workers close their connections, so the test database can be dropped


class Walk:
    """The browser with the live server's address and a screenshot folder."""

    def __init__(self, drv, base: str, shots: Path):
        self.drv, self.base, self.shots, self.n = drv, base, shots, 0

    def go(self, path: str):
        self.drv.get(self.base + path)

    def shot(self, name: str):
        self.n += 1
        height = self.drv.execute_script("return document.documentElement.scrollHeight")
        self.drv.set_window_size(1280, min(max(height, 800), 4000))
        self.drv.save_screenshot(str(self.shots / f"{self.n:02d}-{name}.png"))

    def shot_at(self, css: str, name: str):
        """A screenshot of the page from the element ``css`` down (for a part below the first 4000 pixels)."""
        self.n += 1
        self.drv.set_window_size(1280, 2400)
        self.drv.execute_script("document.querySelector(arguments[0]).scrollIntoView()", css)
        self.drv.save_screenshot(str(self.shots / f"{self.n:02d}-{name}.png"))

    def login(self, username: str, password: str):
        self.drv.delete_all_cookies()
        self.go("/login/")
        self.drv.find_element(By.ID, "id_username").send_keys(username)
        self.drv.find_element(By.ID, "id_password").send_keys(password)
        self.click("button[type=submit]")   # wait for the logged-in page: a next go() must not race the login

    def first_login(self, username: str, initial: str, new: str):
        """Sign in with an initial password, which the workbench asks to change first."""
        self.login(username, initial)
        self.wait_text("首次登录，请先修改初始密码")
        self.drv.find_element(By.ID, "id_old_password").send_keys(initial)
        self.drv.find_element(By.ID, "id_new_password1").send_keys(new)
        self.drv.find_element(By.ID, "id_new_password2").send_keys(new)
        self.click("main button[type=submit]")

    def click(self, css: str):
        """Click ``css`` and wait until the page it leads to has loaded."""
        old = self.drv.find_element(By.TAG_NAME, "html")
        try:
            self.drv.find_element(By.CSS_SELECTOR, css).click()
        except WebDriverException:    # chromedriver lost the node (a busy machine): once more, if still there
            time.sleep(0.5)
            if not EC.staleness_of(old)(self.drv):
                self.drv.find_element(By.CSS_SELECTOR, css).click()
        # chromedriver may answer "unhandled inspector error" while the page is being replaced: ask again
        WebDriverWait(self.drv, 120, ignored_exceptions=(WebDriverException,)).until(EC.staleness_of(old))

    def text(self) -> str:
        return self.drv.find_element(By.TAG_NAME, "body").text

    def wait_text(self, needle: str, timeout: float = 180):
        WebDriverWait(self.drv, timeout, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)
                      ).until(lambda d: needle in d.find_element(By.TAG_NAME, "body").text)

    def upload(self, path: Path):
        self.drv.find_element(By.ID, "id_data").send_keys(str(path))
        self.click("#btn-upload")

    def get_bytes(self, path: str) -> bytes:
        """Fetch ``path`` with the browser's session (downloads in headless Chromium are awkward)."""
        import urllib.request

        cookie = "; ".join(f"{c['name']}={c['value']}" for c in self.drv.get_cookies())
        req = urllib.request.Request(self.base + path, headers={"Cookie": cookie})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.read()


@pytest.mark.slow
def test_the_whole_year_in_chromium(browser, live_server, worker, tmp_path):
    from django.contrib.auth import get_user_model

    from reportgen.web.models import Profile, Role, Round

    User = get_user_model()
    admin = User.objects.create_superuser("admin", password="Admin-pass-2024")
    Profile.objects.create(user=admin, role=Role.ADMIN)
    reviewer = User.objects.create_user("shenhe", password="Review-pass-2024", first_name="审核员")
    Profile.objects.create(user=reviewer, role=Role.REVIEWER)
    shots = Path(os.environ.get("REPORTGEN_SCREENSHOTS") or tempfile.mkdtemp(prefix="reportgen-shots-"))
    shots.mkdir(parents=True, exist_ok=True)
    w = Walk(browser, live_server.url, shots)

    # the administrator creates a round and two units
    w.login("admin", "Admin-pass-2024")
    w.wait_text("新建轮次")
    browser.find_element(By.ID, "id_year").send_keys("2021")
    browser.find_element(By.ID, "id_title").send_keys("2021年度部门整体支出绩效自评")
    w.shot("rounds")
    w.click("form[action='/rounds/new/'] button")
    w.wait_text("模板包内容已固定")
    accounts = {}
    for name in ("晋中市工业和信息化局", "晋中市招商引资服务中心"):
        browser.find_element(By.ID, "id_unit_name").send_keys(name)
        w.click("#btn-add-unit")
        w.wait_text(f"已添加单位“{name}”")
        m = re.search(r"账号 (\S+)，初始密码 (\S+)", w.text())
        accounts[name] = m.groups()
    w.shot("round-board")
    rnd = Round.objects.get()
    unit_a = rnd.units.get(name="晋中市工业和信息化局")

    # the unit logs in, changes its initial password, uploads a workbook with a mistake
    user, initial = accounts["晋中市工业和信息化局"]
    w.first_login(user, initial, "Gongxin-2021-ok")
    w.wait_text("第一步：下载数据采集表")
    w.shot("unit-start")
    assert w.get_bytes(f"/units/{unit_a.pk}/workbook.xlsx")[:2] == b"PK"

    bad = tmp_path / "采集表-有错.xlsx"
    cell = {}

    def typo(wb):
        c = executed_cell(wb)
        cell["ref"] = c.coordinate
        c.value = 8701.73
    bad.write_bytes(filled_workbook(rnd.pack_hash, typo))
    w.upload(bad)
    w.wait_text("个错误，请按下面的提示修改")   # the page reloads itself when the check is done
    errors = browser.find_element(By.ID, "errors").text
    assert f"预算收支!{cell['ref']}" in errors and "预算执行金额" in errors
    assert browser.find_element(By.ID, "status").text == "有错误"
    w.shot("unit-error-at-cell")

    # the unit fixes the mistake in the web form (在线填报), where the error sits at the input
    w.click("#btn-figures")
    w.wait_text("在线填报/修改数据")
    box = browser.find_element(By.ID, "f-budget.executed")
    assert box.get_attribute("value") == "8701.73"
    row = box.find_element(By.XPATH, "./ancestor::tr[1]")
    assert "预算执行金额" in row.text and row.find_elements(By.CSS_SELECTOR, ".note.n-err")
    assert "万元" in row.find_element(By.CSS_SELECTOR, ".mu").text
    w.shot("form-error-at-input")
    # a row added and removed again in a table of records (the page's own script, no asset from outside)
    table = browser.find_element(By.ID, "t-staffing.changes")
    before = len(table.find_elements(By.CSS_SELECTOR, "tbody tr"))
    table.find_element(By.CSS_SELECTOR, "button.add").click()
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == before + 1
    assert rows[-1].find_element(By.TAG_NAME, "input").get_attribute("name").startswith(f"c:staffing.changes#{before}|")
    rows[-1].find_element(By.CSS_SELECTOR, "button.del").click()
    assert len(table.find_elements(By.CSS_SELECTOR, "tbody tr")) == before
    box.clear()
    box.send_keys("8701.72")
    w.click("#btn-save")
    w.wait_text("第 2 版数据（在线填报）")       # the page reloads itself when the check is done
    assert not browser.find_elements(By.CSS_SELECTOR, ".note.n-err")
    assert browser.find_element(By.ID, "f-budget.executed").get_attribute("value") == "8701.72"
    w.go(f"/units/{unit_a.pk}/")
    w.wait_text("当前数据第 2 版")
    w.wait_text("数据核对通过")
    w.wait_text("合订本 PDF") if shutil.which("soffice") else w.wait_text("（.docx）")
    imgs = browser.find_elements(By.CSS_SELECTOR, ".pages img")
    if shutil.which("soffice") and shutil.which("pdftoppm"):
        assert imgs and browser.execute_script("return arguments[0].naturalWidth", imgs[0]) > 100
    w.shot("unit-preview")
    browser.find_element(By.ID, "id_note").send_keys("11 项人工评分依据原表说明")
    w.click("#btn-submit")
    w.wait_text("已提交，等待财政局审核")
    w.shot("unit-submitted")

    # the reviewer returns it with a comment at the figure
    w.login("shenhe", "Review-pass-2024")
    w.wait_text("评价轮次")
    w.go(f"/rounds/{rnd.pk}/?status=submitted")
    assert "晋中市工业和信息化局" in w.text() and "晋中市招商引资服务中心" not in w.text()
    w.click("#units a.btn")
    w.wait_text("人工评分 11 项")
    w.shot("review")
    # a comment at an 人工评分 figure by its 批注 button, one at 预算执行金额 picked in the list, then return
    browser.find_element(By.CSS_SELECTOR, "#overrides button.pz").click()
    picked = Select(browser.find_element(By.ID, "id_field")).first_selected_option.get_attribute("value")
    assert picked.startswith("overrides.")
    browser.find_element(By.ID, "id_comment").send_keys("此项人工评分的理由请附依据")
    w.click("#btn-comment")
    w.wait_text("已添加批注")
    Select(browser.find_element(By.ID, "id_field")).select_by_value("budget.executed")
    browser.find_element(By.ID, "id_comment").send_keys("预算执行金额请与决算报表核对后再提交")
    w.shot("review-comment-at-figure")
    w.click("#btn-return")
    w.wait_text("已退回")

    # the unit sees the comments at the figures and resubmits
    w.login(user, "Gongxin-2021-ok")
    w.wait_text("财政局审核意见")
    comments = browser.find_element(By.ID, "comments").text
    assert "预算执行金额请与决算报表核对" in comments and "预算收支 › 预算执行金额" in comments
    w.shot("unit-returned")
    w.click("#btn-figures")
    w.wait_text("在线填报/修改数据")
    row = browser.find_element(By.ID, "f-budget.executed").find_element(By.XPATH, "./ancestor::tr[1]")
    note = row.find_element(By.CSS_SELECTOR, ".note.n-comment")
    assert "预算执行金额请与决算报表核对后再提交" in note.text and "财政局批注" in note.text
    notes = [n.text for n in browser.find_elements(By.CSS_SELECTOR, "#figures-form .note.n-comment")]
    assert any("此项人工评分的理由请附依据" in n for n in notes), notes
    browser.execute_script("arguments[0].scrollIntoView({block:'center'})", row)
    w.shot("form-comment-at-figure")
    w.shot_at("#t-projects", "form-projects")
    good = tmp_path / "采集表.xlsx"
    good.write_bytes(filled_workbook(rnd.pack_hash))
    w.go(f"/units/{unit_a.pk}/")
    w.upload(good)
    w.wait_text("当前数据第 3 版")
    w.wait_text("合订本 PDF") if shutil.which("soffice") else w.wait_text("（.docx）")
    browser.find_element(By.ID, "id_note").send_keys("已与决算报表核对，数字无误")
    w.click("#btn-submit")
    w.wait_text("已提交，等待财政局审核")

    # the reviewer approves
    w.login("shenhe", "Review-pass-2024")
    w.go(f"/units/{unit_a.pk}/review/")
    w.click("#btn-approve")
    w.wait_text("已审核通过")

    # the administrator downloads the zip and the summary
    w.login("admin", "Admin-pass-2024")
    w.go(f"/rounds/{rnd.pk}/")
    assert browser.find_element(By.ID, "count-approved").text.startswith("1")
    w.click("#btn-bundle")
    w.wait_text("已加入后台任务")
    w.click("#btn-summary")
    WebDriverWait(browser, 240, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#jobs a.btn.green")) == 2)
    w.shot("outputs")
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#jobs a.btn.green")]
    blobs = [w.get_bytes(h.replace(live_server.url, "")) for h in links]
    zips = [zipfile.ZipFile(io.BytesIO(b)) for b in blobs]
    names = [n for z in zips for n in z.namelist()]
    assert any(n.startswith("晋中市工业和信息化局/") and n.endswith(".docx") for n in names), names
    assert "xl/workbook.xml" in names          # the summary is an .xlsx (a zip too)
    w.go(f"/rounds/{rnd.pk}/log/")
    log = w.text()
    for act in ("创建轮次", "添加单位", "上传数据", "提交", "退回", "审核通过", "请求打包已通过报表"):
        assert act in log, act
    w.shot("log")
    print(f"\nscreenshots: {shots}")


@pytest.mark.slow
def test_reviewers_managed_in_chromium(browser, live_server):
    """审核人员: the administrator adds a reviewer from the header link, the
    password shown once lets the reviewer in (who must change it first);
    disabled, the reviewer cannot sign in; enabled again, can."""
    from django.contrib.auth import get_user_model

    from reportgen.web.models import Profile, Role

    admin = get_user_model().objects.create_superuser("admin", password="Admin-pass-2024")
    Profile.objects.create(user=admin, role=Role.ADMIN)
    shots = Path(os.environ.get("REPORTGEN_SCREENSHOTS") or tempfile.mkdtemp(prefix="reportgen-shots-"))
    shots.mkdir(parents=True, exist_ok=True)
    w = Walk(browser, live_server.url, shots)
    w.n = 20                    # after the year's screenshots

    w.login("admin", "Admin-pass-2024")
    w.click("header a[href='/staff/']")
    w.wait_text("还没有审核人员")
    browser.find_element(By.ID, "id_staff_name").send_keys("王审核")
    browser.find_element(By.ID, "id_staff_username").send_keys("wang shenhe")      # a space: refused
    w.click("#btn-add-staff")
    w.wait_text("不能有空格")
    assert browser.find_element(By.ID, "id_staff_name").get_attribute("value") == "王审核"
    w.shot("staff-refused")
    username = browser.find_element(By.ID, "id_staff_username")
    username.clear()
    username.send_keys("wangsh")
    w.click("#btn-add-staff")
    w.wait_text("离开此页后不再显示")
    password = browser.find_element(By.ID, "new-password").text
    w.shot("staff-added")

    w.first_login("wangsh", password, "Shenhe-2024-ok")
    w.wait_text("评价轮次")
    assert "审核人员" not in browser.find_element(By.TAG_NAME, "header").text   # not the reviewer's page

    w.login("admin", "Admin-pass-2024")
    w.go("/staff/")
    browser.execute_script("window.confirm = function(){return true;}")
    w.click("#reviewer-wangsh button.red")
    w.wait_text("已停用“王审核”的账号")
    w.shot("staff-disabled")
    w.drv.delete_all_cookies()
    w.go("/login/")
    browser.find_element(By.ID, "id_username").send_keys("wangsh")
    browser.find_element(By.ID, "id_password").send_keys("Shenhe-2024-ok")
    w.click("button[type=submit]")
    assert "/login/" in browser.current_url
    w.shot("staff-disabled-login")

    w.login("admin", "Admin-pass-2024")
    w.go("/staff/")
    w.click("#reviewer-wangsh button.green")
    w.wait_text("已启用“王审核”的账号")
    w.shot("staff-enabled")
    print(f"\nscreenshots: {shots}")
