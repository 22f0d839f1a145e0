"""The demo path in a real headless Chromium: a teacher applies, the school administrator sees it."""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from .helpers import PDF

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app, demo):
    """The app served on a free loopback port for the duration of a test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium driven through chromedriver (Debian's packages)."""
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium/chromedriver missing in CI")
        pytest.skip("chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1600", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # CSP violations land in the console
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def _wait_for_text(browser, text: str) -> None:
    """Wait until the page shows `text` (navigation after a click is asynchronous)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10).until(lambda b: text in b.page_source)


def _login(browser, base, username):
    from selenium.webdriver.common.by import By

    browser.get(f"{base}/login")
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys("demo1234")
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    _wait_for_text(browser, 'id="nav-inbox"')


def _csp_violations(browser) -> list[str]:
    """Console messages of the pages visited so far that report something the CSP blocked."""
    return [entry["message"] for entry in browser.get_log("browser") if "Content Security Policy" in entry["message"]]


def _logout(browser):
    from selenium.webdriver.common.by import By

    browser.find_element(By.XPATH, "//form[@action='/logout']//button").click()
    _wait_for_text(browser, 'id="password"')


def test_teacher_applies_and_the_school_sees_it(live_server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _login(browser, live_server, "t001")
    assert "待办事项" in browser.page_source  # Chinese by default
    browser.get(f"{live_server}/applications/")
    label = browser.find_element(By.XPATH, "//label[contains(., '县级学科带头人')]")
    browser.find_element(By.ID, label.get_attribute("for")).click()
    browser.find_element(By.CSS_SELECTOR, "form[action='/applications/'] button.primary").click()
    _wait_for_text(browser, "保存草稿")
    assert "填写申报表" in browser.find_element(By.TAG_NAME, "h1").text
    # static/app.js runs under the CSP: "Add row" appears and adds a numbered row.
    rows = browser.find_elements(By.CSS_SELECTOR, "#f-achievements--rows > fieldset")
    browser.find_element(By.CSS_SELECTOR, "button.form-repeat-add[data-repeat='f-achievements']").click()
    added = browser.find_elements(By.CSS_SELECTOR, "#f-achievements--rows > fieldset")
    assert len(added) == len(rows) + 1
    assert added[-1].find_element(By.CSS_SELECTOR, "input, select, textarea").get_attribute("name").startswith(
        f"achievements[{len(rows)}].")
    Select(browser.find_element(By.NAME, "subject")).select_by_visible_text("数学")
    browser.find_element(By.NAME, "statement").send_keys("十余年来坚持课堂教学改革，主持县级课题两项，指导青年教师五名。")
    evidence = tmp_path / "证书.pdf"
    evidence.write_bytes(PDF)
    browser.find_element(By.CSS_SELECTOR, "input[type=file][name=evidence]").send_keys(str(evidence))
    browser.find_element(By.NAME, "commitment").click()
    browser.find_element(By.CSS_SELECTOR, "button[value=submit]").click()
    _wait_for_text(browser, "办理进度")
    assert "已提交" in browser.page_source
    assert "学校审核申报" in browser.page_source  # the instance page shows where it stands
    browser.save_screenshot(str(tmp_path / "teacher.png"))
    _logout(browser)

    assert _csp_violations(browser) == []
    _login(browser, live_server, "s1admin")
    row = browser.find_element(By.CSS_SELECTOR, "#inbox-table tbody tr")
    assert "学校审核申报" in row.text
    assert browser.find_element(By.ID, "count-queue").text == "1"
    row.find_element(By.TAG_NAME, "a").click()
    _wait_for_text(browser, "同意受理")
    screenshot = os.environ.get("BROWSER_SCREENSHOT")
    if screenshot:
        browser.save_screenshot(screenshot)


def test_committee_member_votes_and_the_school_reads_the_notice(app, login, live_server, browser):
    """The ballot as a member sees it: candidates, ticks, a refusal for too many, then the notice."""
    from selenium.webdriver.common.by import By

    from webapp.extensions import db
    from webapp.processes.school_vote.models import VoteRound

    from .helpers import accepted_applications
    from .test_school_vote import APPLICANTS, _open_round, _vote

    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    for member in ("s1c2", "s1c3"):
        assert _vote(login, member, ids, ["t001", "t004"]).status_code == 302

    _login(browser, live_server, "s1c1")
    row = browser.find_element(By.CSS_SELECTOR, "#inbox-table tbody tr")
    assert "投票（不记名）" in row.text
    row.find_element(By.TAG_NAME, "a").click()
    _wait_for_text(browser, "投票不记名")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#candidates .candidate")) == 5
    assert not browser.find_elements(By.CSS_SELECTOR, "button[value=save]")  # no draft of a secret ballot
    boxes = browser.find_elements(By.CSS_SELECTOR, "input[type=checkbox][name=choices]")
    assert len(boxes) == 5
    for box in boxes[:3]:
        box.click()
    browser.find_element(By.CSS_SELECTOR, "button[value=submit]").click()
    _wait_for_text(browser, "最多只能有 2 项")
    boxes = browser.find_elements(By.CSS_SELECTOR, "input[type=checkbox][name=choices]")
    ticked = [box for box in boxes if box.is_selected()]
    assert len(ticked) == 3  # the member's ticks are kept to correct, nothing was counted
    ticked[2].click()
    browser.find_element(By.CSS_SELECTOR, "button[value=submit]").click()
    _wait_for_text(browser, "已提交")
    _logout(browser)

    with app.app_context():
        assert db.session.get(VoteRound, ids["round"]).status.value == "notice"
    _login(browser, live_server, "t010")
    browser.get(f"{live_server}/vote/")
    browser.find_element(By.XPATH, "//section//a[contains(@href, '/vote/rounds/')]").click()
    _wait_for_text(browser, "推荐人选公示")
    listed = browser.find_elements(By.CSS_SELECTOR, "#notice-list tbody tr")
    assert len(listed) == 2
    assert browser.find_element(By.CSS_SELECTOR, "button[data-print]").is_displayed()  # app.js showed it
    assert _csp_violations(browser) == []
    assert browser.find_element(By.ID, "objection-form").is_displayed()
