"""The import in headless Chromium: upload, the progress bar while rows are checked in the background,
leaving the page and coming back, the preview, applying (with the confirmation), the result."""
from __future__ import annotations

import threading
import time

import pytest
from werkzeug.serving import make_server

from webapp.extensions import db

from .conftest import empty_database
from .people_support import teacher_rows, workbook
from .test_browser import _login, browser  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def served(app):
    from webapp.demo import build_demo

    with app.app_context():
        build_demo()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    empty_database(app)


def _attribute(browser, element_id: str, name: str):
    """An attribute of an element, read again if the page reloaded itself meanwhile (it refreshes every 2 s)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By

    for _attempt in range(20):
        try:
            return browser.find_element(By.ID, element_id).get_attribute(name)
        except (StaleElementReferenceException, NoSuchElementException):
            time.sleep(0.2)
    raise AssertionError(f"#{element_id} never settled")


def _status(browser) -> str:
    return _attribute(browser, "job-status", "data-status")


def _wait_for_status(browser, wanted: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if _status(browser) == wanted:
                return
        except Exception:  # the page is reloading itself
            pass
        time.sleep(0.3)
    raise AssertionError(f"import did not reach {wanted!r}; it is {_status(browser)!r}")


def test_import_with_progress_bar(app, served, browser, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By

    path = tmp_path / "教师.xlsx"
    path.write_bytes(workbook(teacher_rows(8_000)))  # large enough that the check takes a while
    _login(browser, served, "county")
    browser.get(f"{served}/admin/people/imports")
    browser.find_element(By.ID, "file").send_keys(str(path))
    browser.find_element(By.ID, "initial_password").send_keys("Start-2026-hy")
    browser.find_element(By.CSS_SELECTOR, "#import-form button.primary").click()
    assert _status(browser) == "checking"
    # Indeterminate until the rows are counted, then the share of rows checked.
    first = _attribute(browser, "job-progress", "value")
    assert first in (None, "") or 0 <= float(first) < 100
    job_url = browser.current_url
    seen = set()
    for _ in range(40):
        browser.refresh()
        if _status(browser) != "checking":
            break
        value = _attribute(browser, "job-progress", "value") if _status(browser) == "checking" else None
        if value not in (None, ""):
            seen.add(float(value))
        time.sleep(0.2)
    assert any(0 < value < 100 for value in seen), seen  # the bar moved while the rows were checked
    browser.get(f"{served}/inbox")  # leave, and come back
    browser.get(job_url)
    _wait_for_status(browser, "checked")
    assert "8000" in browser.find_element(By.ID, "job-summary").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "#preview tbody tr")) == 50
    browser.find_element(By.CSS_SELECTOR, "#apply-form button").click()
    browser.switch_to.alert.accept()
    _wait_for_status(browser, "applied")
    assert "8000" in browser.find_element(By.ID, "job-summary").text
    from webapp.models import User

    with app.app_context():
        assert db.session.query(User).filter(User.username.like("imp%")).count() == 8_000
