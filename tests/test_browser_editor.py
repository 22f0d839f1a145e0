"""The editors and the instance diagram in a real headless Chromium (bpmn-js, dmn-js served by the app)."""
from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import DefinitionDraft, DefinitionPublication, ProcessInstance

from .conftest import Session
from .helpers import cycle_id_for, declaration, start_application, submit
from .test_browser import _csp_violations, _login, _logout, browser, live_server  # noqa: F401  (fixtures)
from .test_definition_editor import VOTE, shipped
from .test_definition_variants import two_counties  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def _wait(browser, condition, seconds: int = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, seconds).until(condition)


def _loaded(browser, element_id: str = "editor-root"):
    _wait(browser, lambda b: b.find_element("id", element_id).get_attribute("data-state") in ("loaded", "failed"))
    assert browser.find_element("id", element_id).get_attribute("data-state") == "loaded"


def _screenshot(browser, name: str) -> None:
    """README pictures: EDITOR_SCREENSHOTS=docs/screenshots pytest tests/test_browser_editor.py."""
    folder = os.environ.get("EDITOR_SCREENSHOTS")
    if folder:
        browser.save_screenshot(os.path.join(folder, f"{name}.png"))


def _spec_hash(app, text: str) -> str:
    """The content hash of the school vote's parsed spec if `text` were its file."""
    import tempfile
    from pathlib import Path

    from webapp.engine.loader import load_library
    from webapp.engine.serialization import spec_to_json

    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "school_vote.bpmn").write_text(text, encoding="utf-8")
        (Path(scratch) / "vote_rules.dmn").write_text(shipped("workflows/vote_rules.dmn"), encoding="utf-8")
        library = load_library(Path(scratch), app.extensions["workflow_engine"].registry.handler_names())
        with app.app_context():
            return spec_to_json(*library.spec("school_vote"))[1]


def test_modeler_round_trip_properties_panel_and_error_highlight(app, live_server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    _login(browser, live_server, "admin")
    browser.get(f"{live_server}/admin/definitions/edit?file={VOTE}&scope=default")
    _loaded(browser)
    # Saved unchanged through bpmn-js: the engine reads exactly the same process (extension elements kept).
    browser.find_element(By.ID, "save-draft").click()
    _wait(browser, lambda b: b.find_element(By.ID, "editor-root").get_attribute("data-state") == "saved")
    with app.app_context():
        saved = db.session.scalar(select(DefinitionDraft.content).filter_by(filename=VOTE))
    assert _spec_hash(app, saved) == _spec_hash(app, shipped(VOTE))
    assert not browser.find_elements(By.CSS_SELECTOR, "#problems li")

    # Our properties in the panel: pick the ballot step, change its panel to one nobody registered.
    browser.find_element(By.CSS_SELECTOR, 'g.djs-element[data-element-id="cast_ballot"]').click()
    field = _wait(browser, lambda b: b.find_element(By.ID, "bio-properties-panel-spiff-panel"))
    assert field.get_attribute("value") == "vote_candidates"
    assert browser.find_element(By.ID, "bio-properties-panel-spiff-dueIn").get_attribute("value") == "ballot_deadline"
    header = browser.find_element(By.CSS_SELECTOR, '[data-group-id="group-spiffworkflow-user-task"] .bio-properties-panel-group-header')
    if "open" not in header.get_attribute("class"):
        header.click()
    _wait(browser, lambda b: field.is_displayed())
    field.clear()
    field.send_keys("everything")
    browser.find_element(By.ID, "save-draft").click()
    _wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#problems li"))
    problem = browser.find_element(By.CSS_SELECTOR, "#problems li")
    assert "panel 'everything' is not registered" in problem.text and problem.get_attribute("data-element") == "cast_ballot"
    assert browser.find_elements(By.CSS_SELECTOR, 'g.djs-element.has-problem[data-element-id="cast_ballot"]')
    _screenshot(browser, "editor-problem")

    # Publishing it is refused; the page comes back with the element highlighted again.
    from selenium.webdriver.support.expected_conditions import staleness_of

    old_root = browser.find_element(By.ID, "editor-root")
    browser.find_element(By.ID, "comment").send_keys("try")
    browser.find_element(By.ID, "publish").click()
    _wait(browser, staleness_of(old_root))
    _loaded(browser)
    assert "panel 'everything' is not registered" in browser.find_element(By.ID, "problems").text
    assert browser.find_elements(By.CSS_SELECTOR, 'g.djs-element.has-problem[data-element-id="cast_ballot"]')
    with app.app_context():
        assert db.session.scalar(select(DefinitionPublication.id)) is None
    assert _csp_violations(browser) == []  # bpmn-js works under the app's Content-Security-Policy


def test_county_administrator_changes_the_notice_length_in_the_table_editor(app, login, live_server, browser, two_counties):  # noqa: F811,E501
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from .helpers import accepted_applications
    from .test_definition_variants import _open_round, _rules

    accepted_applications(app, login, ["t001", "t004", "t007"])
    running = _open_round(app, login, "s1admin")  # a real round whose inputs the impact preview replays
    county = two_counties["汉阴县"]
    _login(browser, live_server, "hypa")
    browser.get(f"{live_server}/admin/definitions/")
    browser.find_element(By.CSS_SELECTOR, f'tr[data-file="workflows/vote_rules.dmn"] td[data-scope="{county}"] a').click()
    _loaded(browser)

    def cell_text(keys):
        cell = _wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, '[data-element-id="rule_default_notice_days"]'))
        cell.click()
        editable = cell.find_element(By.CSS_SELECTOR, "[contenteditable]") if not cell.get_attribute("contenteditable") else cell
        editable.send_keys(Keys.END, *keys)

    # A text where the column wants a whole number: the problem names the cell, and the cell is marked.
    cell_text([Keys.BACKSPACE, '"7"'])
    browser.find_element(By.ID, "save-draft").click()
    _wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, 'td.has-problem[data-element-id="rule_default_notice_days"]'))
    assert "declared integer" in browser.find_element(By.ID, "problems").text
    cell_text([Keys.BACKSPACE] * 3 + ["7"])
    browser.find_element(By.ID, "save-draft").click()
    _wait(browser, lambda b: not b.find_elements(By.CSS_SELECTOR, "#problems li"))
    assert not browser.find_elements(By.CSS_SELECTOR, "td.has-problem")
    _wait(browser, lambda b: b.find_element(By.ID, "impact").get_attribute("data-state") == "shown")
    assert "rules.notice_days: 5 → 7" in browser.find_element(By.ID, "impact-groups").text
    browser.execute_script("document.getElementById('impact').scrollIntoView()")
    _screenshot(browser, "editor-impact")
    browser.find_element(By.ID, "comment").send_keys("本县公示期为七个工作日")
    browser.set_window_size(390, 1600)  # the phone width: the form still works
    browser.find_element(By.ID, "publish").click()
    _wait(browser, lambda b: 'id="versions"' in b.page_source)
    browser.set_window_size(1280, 1000)
    browser.get(f"{live_server}/admin/definitions/")
    _screenshot(browser, "editor-list")
    with app.app_context():
        row = db.session.scalars(select(DefinitionPublication)).one()
        assert row.scope == str(county) and row.comment == "本县公示期为七个工作日"
        cell = re.search(r'<outputEntry id="rule_default_notice_days">\s*<text>([^<]*)</text>', row.content)
        assert cell.group(1) == "7"
    assert _csp_violations(browser) == []  # dmn-js too

    # A new round in the county uses 7 while the running one keeps 5; the second county still uses 5.
    accepted_applications(app, login, ["t001", "t004"], category="academic_leader")
    new = _open_round(app, login, "s1admin")
    accepted_applications(app, login, ["q001", "q002", "q003"], admin="q1admin")
    other = _open_round(app, login, "q1admin")
    assert [_rules(app, i)[0]["notice_days"] for i in (running, new, other)] == [5, 7, 5]


def test_instance_page_draws_done_and_open_steps(app, live_server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    teacher = Session(app, "t001")
    task = start_application(teacher, cycle_id_for(app, "academic_leader"))
    assert submit(teacher, task, declaration()).status_code == 302
    with app.app_context():
        instance_id = db.session.scalars(select(ProcessInstance.id)).one()
    _login(browser, live_server, "t001")
    browser.get(f"{live_server}/instances/{instance_id}")
    _loaded(browser, "instance-diagram")
    assert browser.find_elements(By.CSS_SELECTOR, 'g.djs-element.step-completed[data-element-id="fill_declaration"]')
    assert browser.find_elements(By.CSS_SELECTOR, 'g.djs-element.step-current[data-element-id="school_review"]')
    assert not browser.find_elements(By.ID, "show-times")  # a teacher oversees nothing

    _logout(browser)
    _login(browser, live_server, "county")
    browser.get(f"{live_server}/instances/{instance_id}")
    _loaded(browser, "instance-diagram")
    browser.find_element(By.ID, "show-times").click()
    _wait(browser, lambda b: b.find_element(By.ID, "instance-diagram").get_attribute("data-times") == "shown")
    badges = browser.find_elements(By.CSS_SELECTOR, ".time-badge")
    browser.execute_script("document.getElementById('instance-diagram').scrollIntoView()")
    _screenshot(browser, "instance-diagram")
    assert any("n=1" in badge.text for badge in badges)  # the completed declaration step
    assert _csp_violations(browser) == []


def test_administrator_moves_a_running_process_to_the_new_version(app, login, live_server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    from webapp.models import AuditEvent

    from .test_definition_editor import publish
    from .test_instance_migration import PROCESS, _at_school_review, _renamed_step

    movable = _at_school_review(app, login, "t001")
    admin = login("admin")
    changed = shipped(PROCESS).replace('value="School review of the application"', 'value="School check"')
    assert publish(admin, PROCESS, changed, comment="clearer step name").status_code == 302
    # The second one waits at a step the newest version renamed: it cannot move.
    assert publish(admin, PROCESS, _renamed_step(), comment="renamed the review").status_code == 302
    blocked = _at_school_review(app, login, "t004")  # started on the renamed version
    assert publish(admin, PROCESS, changed, comment="back to the review step").status_code == 302
    _login(browser, live_server, "admin")
    browser.get(f"{live_server}/admin/definitions/")
    browser.find_element(By.CSS_SELECTOR, "#migrate-processes a[href*='process=self_application']").click()
    _wait(browser, lambda b: b.find_elements(By.ID, "migrate-candidates"))
    assert browser.find_elements(By.CSS_SELECTOR, f'tr.movable[data-instance="{movable}"]')
    row = browser.find_element(By.CSS_SELECTOR, f'tr.blocked[data-instance="{blocked}"]')
    assert "school_check" in row.text
    _screenshot(browser, "editor-migrate")
    browser.find_element(By.ID, f"move-{movable}").click()
    browser.find_element(By.ID, "comment").send_keys("采用新的环节名称")
    browser.find_element(By.ID, "migrate-submit").click()
    _wait(browser, lambda b: not b.find_elements(By.CSS_SELECTOR, f'tr[data-instance="{movable}"]'))
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.comment).filter_by(instance_id=movable, action="migrated"))
    assert _csp_violations(browser) == []
