"""The duty log and the career record in a real headless Chromium: a holder records a demonstration
class with its evidence, sees the progress change, and opens the printable career record."""
from __future__ import annotations

from datetime import date

import pytest

from .helpers import PDF
from .test_browser import _csp_violations, _login, _wait_for_text, browser, live_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_a_holder_logs_an_activity_and_reads_the_career_record(app, live_server, browser, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    from sqlalchemy import select

    from webapp import register
    from webapp.calendar.editing import today
    from webapp.extensions import db
    from webapp.models import User

    with app.test_request_context():
        holder = db.session.scalar(select(User).filter_by(username="t001"))
        register.confer(user_id=holder.id, level="county", category="backbone", conferred_on=date(2024, 9, 1),
                        term_years=5, subject="mathematics", org_id=holder.profile.school_id,
                        county_id=holder.profile.school.parent_id, allowance_monthly=300, source="demo")
        db.session.commit()
        holder_id, day = holder.id, today()
    _login(browser, live_server, "t001")
    browser.find_element(By.ID, "nav-duty-log").click()
    _wait_for_text(browser, "记录履职活动")
    row = browser.find_element(By.CSS_SELECTOR, "tr[data-duty='demo_class']")
    assert "short" in row.get_attribute("class")
    Select(browser.find_element(By.NAME, "duty")).select_by_value("demo_class")
    browser.execute_script("arguments[0].value = arguments[1]", browser.find_element(By.NAME, "on_date"), day.isoformat())
    browser.find_element(By.NAME, "quantity").send_keys("1")
    browser.find_element(By.NAME, "description").send_keys("校级示范课《函数的单调性》")
    evidence = tmp_path / "示范课.pdf"
    evidence.write_bytes(PDF)
    browser.find_element(By.CSS_SELECTOR, "input[type=file][name=evidence]").send_keys(str(evidence))
    browser.find_element(By.CSS_SELECTOR, "form.duty-form button.primary").click()
    _wait_for_text(browser, "履职活动已记录")
    semester = "1" if day.month >= 9 or day.month == 1 else "2"
    cell = browser.find_element(By.CSS_SELECTOR, f"tr[data-duty='demo_class'] td[data-semester='{semester}']")
    assert "1 / 1" in cell.text
    assert "函数的单调性" in browser.find_element(By.CSS_SELECTOR, "ul.duty-records").text
    browser.find_element(By.ID, "nav-career").click()
    _wait_for_text(browser, "career-timeline")
    assert browser.current_url.endswith(f"/annual/career/{holder_id}")
    assert browser.find_element(By.CSS_SELECTOR, "button[data-print]").is_displayed()  # app.js shows it
    assert _csp_violations(browser) == []
