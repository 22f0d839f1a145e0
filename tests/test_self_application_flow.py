"""The self-application process over HTTP, as teachers and school administrators use it."""
from __future__ import annotations

import io
import re

from webapp.extensions import db
from webapp.models import AuditEvent, HumanTask, TaskState
from webapp.processes.self_application.models import Application, ApplicationStatus

from .helpers import PDF, cycle_id_for, declaration, start_application, submit, task_id_in_inbox


def _application(app, teacher_username: str) -> Application:
    """The (only) application of a teacher, detached from the session."""
    from webapp.models import User

    with app.app_context():
        user = db.session.query(User).filter_by(username=teacher_username).one()
        application = db.session.query(Application).filter_by(teacher_id=user.id).order_by(Application.id.desc()).first()
        db.session.expunge(application)
        return application


def test_draft_submit_return_correct_accept(app, login):
    teacher, admin = login("t001"), login("s1admin")
    task_id = start_application(teacher, cycle_id_for(app, "academic_leader"))

    # A draft keeps what was typed without submitting.
    response = submit(teacher, task_id, {"statement": "草稿：还没写完的申报理由", "_action": "save"})
    assert response.status_code == 302
    page = teacher.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "草稿：还没写完的申报理由" in page
    assert _application(app, "t001").status is ApplicationStatus.draft
    assert admin.task_ids() == []

    response = submit(teacher, task_id, declaration())
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _application(app, "t001").status is ApplicationStatus.submitted

    # The school administrator sees it in the inbox and returns it with a comment.
    review_id = task_id_in_inbox(admin, "学校审核申报")
    review_page = admin.get(f"/tasks/{review_id}").get_data(as_text=True)
    assert "十余年来坚持课堂教学改革" in review_page and "/evidence/sha256-" in review_page
    response = submit(admin, review_id, {"review_decision": "return", "review_comment": "请补充公开课证明材料。"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _application(app, "t001").status is ApplicationStatus.returned

    correct_id = task_id_in_inbox(teacher, "修改并重新提交申报")
    page = teacher.get(f"/tasks/{correct_id}").get_data(as_text=True)
    assert "请补充公开课证明材料。" in page
    assert "十余年来坚持课堂教学改革" in page  # prefilled with the earlier answers
    response = submit(teacher, correct_id, declaration(statement="已补充公开课证明材料，另附县级课题结题证书。"))
    assert response.status_code == 302, response.get_data(as_text=True)

    review_id = task_id_in_inbox(admin, "学校审核申报")
    response = submit(admin, review_id, {"review_decision": "accept"})
    assert response.status_code == 302
    application = _application(app, "t001")
    assert application.status is ApplicationStatus.accepted

    # The instance page tells the story in order, with the answers given at each step.
    page = teacher.get(f"/instances/{application.instance_id}").get_data(as_text=True)
    assert "已补充公开课证明材料" in page and "请补充公开课证明材料。" in page
    history = page[page.index('<ol class="history">'):]
    assert history.index("填写申报表") < history.index("修改并重新提交申报") < history.index("同意受理")
    with app.app_context():
        actions = [e.action for e in db.session.query(AuditEvent).filter_by(instance_id=application.instance_id).order_by(AuditEvent.id)]
        assert actions.count("completed") == 4
        assert db.session.query(HumanTask).filter_by(instance_id=application.instance_id, state=TaskState.open).count() == 0


def test_ineligible_application_is_told_which_rule_failed(app, login):
    teacher = login("t002")  # 50 years old: too old for academic leader (≤ 45)
    task_id = start_application(teacher, cycle_id_for(app, "academic_leader"))
    response = submit(teacher, task_id, declaration(subject="chinese"))
    assert response.status_code == 302
    assert _application(app, "t002").status is ApplicationStatus.ineligible
    task_id = task_id_in_inbox(teacher, "填写申报表")
    page = teacher.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "申报学科带头人年龄须在45周岁以下" in page and "50周岁" in page
    english = teacher.get(f"/tasks/{task_id}?lang=en").get_data(as_text=True)
    assert "Academic leaders must be 45 or younger on the deadline (you are 50)." in english
    # Nothing reached the school.
    assert login("s2admin").task_ids() == []


def test_invalid_form_is_refused_with_messages_and_changes_nothing(app, login):
    teacher = login("t001")
    task_id = start_application(teacher, cycle_id_for(app, "academic_leader"))
    response = submit(teacher, task_id, declaration(statement="太短", commitment=None, evidence=None))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    assert "申报理由与主要业绩" in page
    assert _application(app, "t001").status is ApplicationStatus.draft
    with app.app_context():
        assert db.session.get(HumanTask, task_id).state is TaskState.open


def test_wrong_file_type_is_refused(app, login):
    teacher = login("t001")
    task_id = start_application(teacher, cycle_id_for(app, "academic_leader"))
    response = submit(teacher, task_id, declaration(evidence=(io.BytesIO(b"MZ\x90\x00not a pdf"), "virus.pdf")))
    assert response.status_code == 422
    assert _application(app, "t001").status is ApplicationStatus.draft


def test_withdraw_before_the_school_acts(app, login):
    teacher = login("t001")
    task_id = start_application(teacher, cycle_id_for(app, "academic_leader"))
    submit(teacher, task_id, declaration())
    application = _application(app, "t001")
    response = teacher.post(f"/applications/{application.id}/withdraw", data={"reason": "改为明年申报"})
    assert response.status_code == 302
    assert _application(app, "t001").status is ApplicationStatus.withdrawn
    assert login("s1admin").task_ids() == []


def test_no_withdrawal_once_the_school_claimed_the_review(app, login):
    teacher, admin = login("t001"), login("s1admin")
    submit(teacher, start_application(teacher, cycle_id_for(app, "academic_leader")), declaration())
    review_id = task_id_in_inbox(admin, "学校审核申报")
    assert admin.post(f"/tasks/{review_id}/claim").status_code == 302
    application = _application(app, "t001")
    response = teacher.post(f"/applications/{application.id}/withdraw")
    assert response.status_code == 409
    assert _application(app, "t001").status is ApplicationStatus.submitted


def test_evidence_download_is_scoped(app, login):
    teacher = login("t001")
    submit(teacher, start_application(teacher, cycle_id_for(app, "academic_leader")), declaration())
    application = _application(app, "t001")
    page = teacher.get(f"/instances/{application.instance_id}").get_data(as_text=True)
    link = re.search(rf'href="(/instances/{application.instance_id}/evidence/sha256-[0-9a-f]{{64}})"', page).group(1)
    assert teacher.get(link).data == PDF
    assert login("s1admin").get(link).data == PDF
    assert login("s2admin").get(link).status_code == 404
    assert login("t004").get(link).status_code == 404


def test_a_second_application_in_the_same_call_is_refused(app, login):
    teacher = login("t001")
    start_application(teacher, cycle_id_for(app, "academic_leader"))
    response = teacher.post("/applications/", data={"cycle_id": cycle_id_for(app, "academic_leader")})
    assert response.status_code == 409
