"""In headless Chromium: an inline error with the input kept, confirmation before withdrawing, and every
main page usable on a 390 px phone (nothing wider than the screen; the menu folds away)."""
from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from .helpers import accepted_applications, cycle_id_for, declaration, start_application, submit
from .test_browser import _login, _logout, _wait_for_text, browser, live_server  # noqa: F401  (fixtures)
from .test_school_vote import APPLICANTS, _open_round, _vote

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}


def _phone(browser) -> None:
    """Emulate a 390 px wide phone screen (window sizes below ~500 px are not honoured)."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)


def _fits(browser, name: str, shots: Path) -> None:
    """Nothing on the page is wider than the screen; keep a screenshot of it."""
    shots.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(shots / f"{name}.png"))
    inner = browser.execute_script("return window.innerWidth")
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    assert inner == 390, inner
    assert scroll <= inner, f"{name}: the page is {scroll} px wide on a {inner} px screen"


def _shots(tmp_path) -> Path:
    """Where screenshots go: BROWSER_SCREENSHOT_DIR if set (to look at them), else the test's tmp dir."""
    return Path(os.environ.get("BROWSER_SCREENSHOT_DIR") or tmp_path / "phone")


def test_main_pages_fit_a_phone(app, login, live_server, browser, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By

    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    for member, names in (("s1c1", ["t001", "t004"]), ("s1c2", ["t004", "t007"]), ("s1c3", ["t001", "t007"])):
        assert _vote(login, member, ids, names).status_code == 302
    teacher = login("t001")  # a second application, so that the school has a review waiting
    submit(teacher, start_application(teacher, cycle_id_for(app, "academic_leader")), declaration())
    shots = _shots(tmp_path)

    _phone(browser)
    _login(browser, live_server, "s1admin")
    nav = browser.find_element(By.ID, "main-nav")
    toggle = browser.find_element(By.ID, "nav-toggle")
    assert toggle.is_displayed() and not nav.is_displayed()  # the menu folds behind a button
    toggle.click()
    assert nav.is_displayed() and toggle.get_attribute("aria-expanded") == "true"
    _fits(browser, "inbox", shots)
    browser.find_element(By.CSS_SELECTOR, "#inbox-table tbody tr a").click()
    _wait_for_text(browser, 'id="applicant-facts"')
    _fits(browser, "task", shots)
    browser.get(f"{live_server}/vote/rounds/{ids['round']}")
    _wait_for_text(browser, 'id="notice-list"')
    _fits(browser, "notice-admin", shots)
    _logout(browser)

    _login(browser, live_server, "t001")
    browser.get(f"{live_server}/applications/")
    _wait_for_text(browser, 'id="applications-table"')
    _fits(browser, "my-applications", shots)
    browser.get(f"{live_server}/vote/rounds/{ids['round']}")
    _wait_for_text(browser, 'id="objection-form"')
    _fits(browser, "notice", shots)
    browser.get(f"{live_server}/inbox")
    _fits(browser, "teacher-inbox", shots)
    _logout(browser)

    # The other pages too, as the people who use them.
    for username, paths in (("s1admin", ["/vote/", f"/instances/{ids['instance']}", "/notifications/"]),
                            ("county", ["/vote/county", "/vote/quotas", "/admin/calendar"]),
                            ("admin", ["/admin/processes", "/admin/scheduler"])):
        _login(browser, live_server, username)
        for path in paths:
            browser.get(f"{live_server}{path}")
            _wait_for_text(browser, "</main>")
            _fits(browser, f"{username}{path.replace('/', '-')}", shots)
        _logout(browser)


def test_a_bad_deadline_is_shown_by_its_field_and_withdrawal_asks_first(app, login, live_server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    accepted_applications(app, login, ["t001", "t004"])
    _login(browser, live_server, "s1admin")
    browser.get(f"{live_server}/vote/")
    deadline = browser.find_element(By.CSS_SELECTOR, "input[type=date][name=deadline]")
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    browser.execute_script("arguments[0].value = arguments[1]", deadline, yesterday)
    deadline.find_element(By.XPATH, "ancestor::form//button[@type='submit']").click()
    WebDriverWait(browser, 5).until(expected_conditions.alert_is_present()).accept()  # opening asks first
    _wait_for_text(browser, "投票截止日期必须晚于今天")
    field = browser.find_element(By.CSS_SELECTOR, "input[type=date][name=deadline]")
    assert field.get_attribute("value") == yesterday and field.get_attribute("aria-invalid") == "true"
    error = browser.find_element(By.ID, f"{field.get_attribute('id')}-error")
    assert error.is_displayed() and "晚于今天" in error.text
    assert browser.find_element(By.TAG_NAME, "h1").text == "评议与公示"  # the same page, no bare "422"
    _logout(browser)

    teacher = login("t002")
    start_application(teacher, cycle_id_for(app, "backbone"))  # a draft, which may be withdrawn
    _login(browser, live_server, "t002")
    browser.get(f"{live_server}/applications/")
    withdraw = browser.find_element(By.CSS_SELECTOR, "#applications-table form[data-confirm] button")
    withdraw.click()
    WebDriverWait(browser, 5).until(expected_conditions.alert_is_present()).dismiss()
    assert "撤回" not in browser.find_element(By.CSS_SELECTOR, "#applications-table .status").text  # kept
    browser.find_element(By.CSS_SELECTOR, "#applications-table form[data-confirm] button").click()
    WebDriverWait(browser, 5).until(expected_conditions.alert_is_present()).accept()
    _wait_for_text(browser, "已撤回")
    assert "已撤回" in browser.find_element(By.CSS_SELECTOR, "#applications-table .status").text
