"""Two people acting on the same task at the same moment: exactly one wins, the other is told."""
from __future__ import annotations

import threading

from webapp.engine.runtime import WorkflowEngine
from webapp.extensions import db
from webapp.models import AuditEvent, HumanTask, TaskState
from webapp.processes.self_application.models import Application, ApplicationStatus

from .helpers import cycle_id_for, declaration, start_application, submit, task_id_in_inbox


def _race(monkeypatch, actions):
    """Run the actions in threads that all load the workflow before any of them saves."""
    barrier = threading.Barrier(len(actions), timeout=20)
    original = WorkflowEngine.restore
    local = threading.local()

    def restore_then_wait(self, instance):
        workflow = original(self, instance)
        if not getattr(local, "waited", False):  # a retry after losing runs freely
            local.waited = True
            barrier.wait()  # everyone holds the same (soon stale) state now
        return workflow

    monkeypatch.setattr(WorkflowEngine, "restore", restore_then_wait)
    results = [None] * len(actions)

    def run(index, action):
        results[index] = action()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    monkeypatch.setattr(WorkflowEngine, "restore", original)
    return results


def test_two_reviewers_accept_at_once(app, login, monkeypatch):
    teacher = login("t001")
    submit(teacher, start_application(teacher, cycle_id_for(app, "academic_leader")), declaration())
    first, second = login("s1admin"), login("s1admin")
    review_id = task_id_in_inbox(first, "学校审核申报")
    responses = _race(
        monkeypatch,
        [
            lambda: first.post(f"/tasks/{review_id}", data={"review_decision": "accept"}),
            lambda: second.post(f"/tasks/{review_id}", data={"review_decision": "return", "review_comment": "请重新上传证书"}),
        ],
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [302, 409], codes
    loser = next(r for r in responses if r.status_code == 409)
    # The loser's submission was retried on the new state and found the step done by the winner.
    assert "该环节已由汉阴县第一中学校长完成" in loser.get_data(as_text=True)
    with app.app_context():
        application = db.session.query(Application).one()
        winner_accepted = next(r for r in responses if r.status_code == 302) is responses[0]
        expected = ApplicationStatus.accepted if winner_accepted else ApplicationStatus.returned
        assert application.status is expected
        completed = db.session.query(AuditEvent).filter_by(instance_id=application.instance_id, action="completed").count()
        assert completed == 2  # the teacher's declaration and exactly one review
        assert db.session.get(HumanTask, review_id).state is TaskState.completed


def test_double_submission_of_the_declaration(app, login, monkeypatch):
    teacher = login("t001")
    task_id = start_application(teacher, cycle_id_for(app, "academic_leader"))
    # The file is uploaded with a draft first: on SQLite a request that already wrote holds the
    # database lock, so two uploads inside the forced race would wait on each other.
    assert submit(teacher, task_id, declaration(_action="save")).status_code == 302
    with app.app_context():
        from webapp.models import Evidence

        evidence_id = db.session.query(Evidence.digest).scalar()
    other_tab = login("t001")
    responses = _race(
        monkeypatch,
        [
            lambda: submit(teacher, task_id, declaration(evidence=evidence_id)),
            lambda: submit(other_tab, task_id, declaration(evidence=evidence_id)),
        ],
    )
    assert sorted(r.status_code for r in responses) == [302, 409]
    with app.app_context():
        application = db.session.query(Application).one()
        assert application.status is ApplicationStatus.submitted
        reviews = db.session.query(HumanTask).filter_by(instance_id=application.instance_id, task_name="school_review").count()
        assert reviews == 1


def test_completing_an_already_completed_task_is_a_conflict(app, login):
    teacher = login("t001")
    task_id = start_application(teacher, cycle_id_for(app, "academic_leader"))
    assert submit(teacher, task_id, declaration()).status_code == 302
    response = submit(teacher, task_id, declaration())
    assert response.status_code == 409


def test_two_committee_members_vote_at_once(app, login, monkeypatch):
    """Parallel ballots share one instance: both count; the later one is replayed on the new state."""
    from .helpers import accepted_applications
    from .test_school_vote import APPLICANTS, _open_round, _round

    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    first, second = login("s1c1"), login("s1c2")
    ballots = [task_id_in_inbox(first, "投票"), task_id_in_inbox(second, "投票")]
    responses = _race(
        monkeypatch,
        [
            lambda: submit(first, ballots[0], {"choices": [str(ids["t001"])]}),
            lambda: submit(second, ballots[1], {"choices": [str(ids["t001"]), str(ids["t004"])]}),
        ],
    )
    assert sorted(r.status_code for r in responses) == [302, 302]
    round_ = _round(app, ids["round"])
    assert round_.ballots_cast == 2
    votes = {c.id: c.votes for c in round_.candidates}
    assert votes[ids["t001"]] == 2 and votes[ids["t004"]] == 1
    with app.app_context():
        open_ballots = db.session.query(HumanTask).filter_by(instance_id=ids["instance"], state=TaskState.open).count()
        assert open_ballots == 1  # only the third member's
