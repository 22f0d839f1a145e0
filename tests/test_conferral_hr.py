"""The HR bureau's second approval of a conferral: off by default (the leading group's approval confers),
on where the county's rule table says so (`hr_approval` in workflows/conferral_rules.dmn): then the
bureau (`hrb`, role hr_bureau of 汉阴县) approves after the leading group, or returns the list."""
from __future__ import annotations

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import HumanTask, Organisation, TaskState, TitleHolding, User
from webapp.processes.conferral.models import Conferral, ConferralStatus

from .conftest import Session
from .test_conferral_race import _passed_cohort
from .test_definition_editor import publish, shipped

RULES = "workflows/conferral_rules.dmn"
APPROVE = {"approval_decision": "approve", "approval_comment": "同意授予", "_action": "submit"}


def _open_steps(app, conferral_id: int) -> dict[str, int]:
    with app.app_context():
        instance = db.session.get(Conferral, conferral_id).instance_id
        return {name: task_id for name, task_id in db.session.execute(
            select(HumanTask.task_name, HumanTask.id).filter_by(instance_id=instance, state=TaskState.open))}


def _conferral(app, group: list[str]) -> int:
    from webapp.processes.conferral import operations

    with app.test_request_context():
        county = db.session.scalar(select(Organisation).filter_by(name="汉阴县"))
        office = db.session.scalar(select(User).filter_by(username="county"))
        conferral = operations.open_conferral(app.extensions["workflow_engine"], office, county,
                                              _passed_cohort(county, group).id)
        db.session.commit()
        return conferral.id


def _propose_and_approve(app, conferral_id: int) -> None:
    steps = _open_steps(app, conferral_id)
    response = Session(app, "county").post(f"/tasks/{steps['propose']}", data={"proposal_confirmed": "true",
                                                                              "_action": "submit"})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    steps = _open_steps(app, conferral_id)
    assert Session(app, "leader").post(f"/tasks/{steps['approve']}", data=APPROVE).status_code == 302


def _status(app, conferral_id: int) -> tuple[ConferralStatus, int]:
    with app.app_context():
        conferral = db.session.get(Conferral, conferral_id)
        titles = sum(1 for entry in conferral.entries if entry.title_id is not None)
        return conferral.status, titles


def test_the_default_rule_asks_no_second_approval(app, demo):
    conferral = _conferral(app, ["t016", "t017"])
    _propose_and_approve(app, conferral)
    assert _status(app, conferral) == (ConferralStatus.conferred, 2)
    assert _open_steps(app, conferral) == {}


def test_where_the_rule_says_so_the_hr_bureau_approves_or_returns(app, demo):
    with app.app_context():
        county_id = db.session.scalar(select(Organisation.id).filter_by(name="汉阴县"))
    table = shipped(RULES).replace("<text>False</text>", "<text>True</text>")
    assert table.count("<text>True</text>") == 5
    assert publish(Session(app, "hypa"), RULES, table, comment="人社局复核", scope=str(county_id)).status_code == 302
    conferral = _conferral(app, ["t018", "t019"])
    _propose_and_approve(app, conferral)
    steps = _open_steps(app, conferral)
    assert set(steps) == {"hr_approve"} and _status(app, conferral) == (ConferralStatus.proposing, 0)
    # Only the bureau may decide: the leading group and the office are told the step does not exist.
    for outsider in ("leader", "county"):
        assert Session(app, outsider).post(f"/tasks/{steps['hr_approve']}", data=APPROVE).status_code == 404
    bureau = Session(app, "hrb")
    page = bureau.get(f"/tasks/{steps['hr_approve']}").get_data(as_text=True)
    assert "人社局复核授予" in page
    # Returned: back to the office's proposal, with the bureau's comment; nothing conferred.
    returned = {"approval_decision": "return", "approval_comment": "津贴标准待核。", "_action": "submit"}
    assert bureau.post(f"/tasks/{steps['hr_approve']}", data=returned).status_code == 302
    assert set(_open_steps(app, conferral)) == {"propose"}
    with app.app_context():
        row = db.session.get(Conferral, conferral)
        assert row.return_comment == "津贴标准待核。" and row.rules["hr_approval"] is True
    # Proposed and approved again: the bureau approves, the titles are numbered.
    _propose_and_approve(app, conferral)
    steps = _open_steps(app, conferral)
    assert bureau.post(f"/tasks/{steps['hr_approve']}", data=APPROVE).status_code == 302
    assert _status(app, conferral) == (ConferralStatus.conferred, 2)
    with app.app_context():
        numbers = db.session.scalars(select(TitleHolding.certificate_no).where(
            TitleHolding.certificate_no.is_not(None))).all()
        assert len(numbers) == len(set(numbers)) == 2
