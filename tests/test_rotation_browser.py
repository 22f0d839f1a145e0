"""The county office's main rotation page (the matching) in headless Chromium, on a phone (390 px)."""
from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from webapp.extensions import db
from webapp.processes.rotation_plan.models import RotationPlan

from .rotation_support import build, empty_database
from .test_browser import _login, browser  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def served(app):
    """The demo with its plan, served on a free loopback port."""
    build(app, with_plan=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    empty_database(app)


def test_the_matching_page_fits_a_phone(app, served, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    with app.app_context():
        plan_id = db.session.scalar(select(RotationPlan.id))
    browser.set_window_size(390, 844)
    _login(browser, served, "county")
    browser.get(f"{served}/rotation/plans/{plan_id}/matching")
    browser.find_element(By.ID, "run-matching").click()
    rows = browser.find_elements(By.CSS_SELECTOR, "#matching-table tbody tr")
    assert len(rows) == 8
    assert "符合该形式的规则" in rows[0].text
    if os.environ.get("ROTATION_SCREENSHOT"):
        browser.save_screenshot(os.environ["ROTATION_SCREENSHOT"])
    width = browser.execute_script("return document.documentElement.clientWidth")
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390 and scroll <= width, (width, scroll)
    for url in (f"/rotation/plans/{plan_id}/quotas", f"/rotation/plans/{plan_id}/due", "/rotation/history"):
        browser.get(f"{served}{url}")
        wide = browser.execute_script(
            "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
            "document.documentElement.clientWidth && !e.closest('.table-scroll')).map(e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 8)")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width, (url, wide)


def test_the_editor_shows_and_checks_a_steps_scope(app, served, browser):  # noqa: F811
    """scopeOrg (the organisation whose role holders get a step: each nominating school) in the properties panel."""
    from selenium.webdriver.support.ui import WebDriverWait

    from selenium.webdriver.common.by import By

    wait = WebDriverWait(browser, 20).until
    _login(browser, served, "admin")
    browser.get(f"{served}/admin/definitions/edit?file=workflows/rotation_plan.bpmn&scope=default")
    wait(lambda b: b.find_element(By.ID, "editor-root").get_attribute("data-state") in ("loaded", "failed"))
    assert browser.find_element(By.ID, "editor-root").get_attribute("data-state") == "loaded"
    browser.find_element(By.CSS_SELECTOR, 'g.djs-element[data-element-id="nominate"]').click()
    field = wait(lambda b: b.find_element(By.ID, "bio-properties-panel-spiff-scopeOrg"))
    assert field.get_attribute("value") == "nominating_school"
    header = browser.find_element(By.CSS_SELECTOR, '[data-group-id="group-spiffworkflow-user-task"] .bio-properties-panel-group-header')
    if "open" not in header.get_attribute("class"):
        header.click()
    wait(lambda b: field.is_displayed())
    field.clear()
    field.send_keys("nominating_school +")
    browser.find_element(By.ID, "save-draft").click()
    wait(lambda b: b.find_elements(By.CSS_SELECTOR, "#problems li"))
    problem = browser.find_element(By.CSS_SELECTOR, "#problems li")
    assert problem.get_attribute("data-element") == "nominate" and "scopeOrg" in problem.text, problem.text
