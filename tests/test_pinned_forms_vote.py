"""The school vote's own pages and the history read the forms the instances were pinned to.

A county publishes its own declaration and objection forms (version 1); applications and the
vote round start under them; then the county publishes version 2 (other labels, one more
required field). The ballot's candidate panel, the application's history and the round's
objection form keep showing and checking version 1; an application started afterwards shows 2.
"""
from __future__ import annotations

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Organisation, User
from webapp.processes.objection.models import Objection
from webapp.processes.self_application.models import Application

from .helpers import accepted_applications, cycle_id_for, start_application, task_id_in_inbox
from .test_definition_editor import publish, shipped
from .test_school_vote import APPLICANTS, _object, _open_round, _vote

DECLARATION = "forms/self_application_declaration.schema.json"
OBJECTION = "forms/objection_filing.schema.json"
STATEMENT = '"title": "申报理由与主要业绩"'
REASON = '"title": "异议事实和理由"'


def _declaration_form(version: int) -> str:
    return shipped(DECLARATION).replace(STATEMENT, f'"title": "申报理由（县版{version}）"')


def _objection_form(version: int) -> str:
    text = shipped(OBJECTION).replace(REASON, f'"title": "异议事实（县版{version}）"')
    if version == 2:  # one more required field: a post without it is refused under version 2
        text = text.replace('"required": ["candidate", "reason"]', '"required": ["candidate", "reason", "relation"]')
        text = text.replace('"properties": {', '"properties": {\n    "relation": {"type": "string", "title": "与候选人的关系",'
                            ' "x-title-en": "Relation to the candidate", "minLength": 2},', 1)
    return text


def _publish_county_forms(app, login, version: int) -> None:
    with app.app_context():
        county = db.session.scalar(select(Organisation.id).filter_by(name="汉阴县"))
    hypa = login("hypa")
    for name, text in ((DECLARATION, _declaration_form(version)), (OBJECTION, _objection_form(version))):
        response = publish(hypa, name, text, comment=f"县版{version}", scope=str(county))
        assert response.status_code == 302, response.get_data(as_text=True)


def _application_instance(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Application.instance_id).join(User, User.id == Application.teacher_id)
                                 .where(User.username == username).order_by(Application.id.desc()))


def test_the_vote_pages_and_the_history_keep_the_forms_the_instances_started_with(app, login):
    _publish_county_forms(app, login, 1)
    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    _publish_county_forms(app, login, 2)

    # The ballot lists the declarations with the labels of the form the teachers filled (version 1).
    member = login("s1c1")
    ballot = member.get(f"/tasks/{task_id_in_inbox(member, '投票')}").get_data(as_text=True)
    assert "申报理由（县版1）" in ballot
    assert "申报理由（县版2）" not in ballot and "申报理由与主要业绩" not in ballot

    # The application's history: the same labels, for the teacher and for the school.
    instance_id = _application_instance(app, "t001")
    for username in ("t001", "s1admin"):
        history = login(username).get(f"/instances/{instance_id}").get_data(as_text=True)
        assert "申报理由（县版1）" in history, username
        assert "申报理由（县版2）" not in history and "申报理由与主要业绩" not in history

    # An application started now is on version 2 (the control: the new form is in force).
    teacher = login("t002")
    task = start_application(teacher, cycle_id_for(app, "academic_leader", "t002"))
    assert "申报理由（县版2）" in teacher.get(f"/tasks/{task}").get_data(as_text=True)

    # The round reaches its notice; its objection form is version 1, drawn and checked.
    for voter, names in (("s1c1", ["t001", "t004"]), ("s1c2", ["t001", "t007"]), ("s1c3", ["t004", "t007"])):
        assert _vote(login, voter, ids, names).status_code == 302
    notice = login("t010").get(f"/vote/rounds/{ids['round']}").get_data(as_text=True)
    assert "异议事实（县版1）" in notice
    assert "异议事实（县版2）" not in notice and "与候选人的关系" not in notice and "异议事实和理由" not in notice
    refused = _object(login, "t010", ids, "t007", reason="短")
    assert refused.status_code == 422
    assert "异议事实（县版1）" in refused.get_data(as_text=True)
    assert _object(login, "t010", ids, "t007").status_code == 302  # no "relation": version 1 does not ask for it
    with app.app_context():
        assert db.session.scalar(select(Objection.id).filter_by(round_id=ids["round"])) is not None
    # English labels of the declaration (x-title-en) are unchanged; the page still answers in English.
    english = login("s1admin").get(f"/instances/{instance_id}?lang=en").get_data(as_text=True)
    assert "Reasons and main achievements" in english
