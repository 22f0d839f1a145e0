"""Moving running instances to a newly published version, and forms pinned to the instance.

An administrator first sees which running instances can move and which cannot (a step they are
at or have done is missing in the new version), then moves the chosen ones: all or none, audited,
inbox rows brought up to date. A running instance draws its steps with the forms it started with.
"""
from __future__ import annotations

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, HumanTask, ProcessInstance, TaskState

from .helpers import cycle_id_for, declaration, start_application, submit, task_id_in_inbox
from .test_definition_editor import publish, shipped

PROCESS = "workflows/self_application.bpmn"
REVIEW_FORM = "forms/self_application_school_review.schema.json"


def _at_school_review(app, login, teacher: str) -> int:
    """A teacher's application waiting for the school's review; its instance id."""
    session = login(teacher)
    task = start_application(session, cycle_id_for(app, "academic_leader", teacher))
    assert submit(session, task, declaration()).status_code == 302
    with app.app_context():
        return db.session.scalars(select(ProcessInstance.id).order_by(ProcessInstance.id.desc())).first()


def _instance(app, instance_id: int) -> tuple[int, str | None, list[tuple[str, str | None, str]]]:
    with app.app_context():
        instance = db.session.get(ProcessInstance, instance_id)
        rows = db.session.scalars(select(HumanTask).filter_by(instance_id=instance_id, state=TaskState.open)).all()
        return instance.version_id, instance.form_set, [(r.task_name, r.title_en, r.title) for r in rows]


def _renamed_step() -> str:
    """The process with its school review step under another id: a running review has nowhere to go."""
    return shipped(PROCESS).replace('"school_review"', '"school_check"').replace(
        ">school_review<", ">school_check<")


def test_a_running_instance_moves_when_its_step_exists_and_not_when_it_is_gone(app, login):
    moving = _at_school_review(app, login, "t001")
    version_before, _forms, rows = _instance(app, moving)
    assert rows == [("school_review", "School review of the application", "学校审核申报")]

    admin = login("admin")
    changed = shipped(PROCESS).replace('value="School review of the application"', 'value="School check"')
    assert publish(admin, PROCESS, changed, comment="clearer step name").status_code == 302
    page = admin.get("/admin/definitions/migrate?process=self_application&scope=default").get_data(as_text=True)
    assert f'<tr data-instance="{moving}" class="movable">' in page
    assert f'value="{moving}" id="move-{moving}"' in page

    # A reason is required; nothing moves without one.
    form = {"process": "self_application", "scope": "default", "instance": str(moving)}
    refused = admin.post("/admin/definitions/migrate", data={**form, "comment": ""})
    assert refused.status_code == 422 and 'id="comment-error"' in refused.get_data(as_text=True)
    assert _instance(app, moving)[0] == version_before

    response = admin.post("/admin/definitions/migrate", data={**form, "comment": "新名称"})
    assert response.status_code == 302, response.get_data(as_text=True)
    version_after, _forms, rows = _instance(app, moving)
    assert version_after != version_before
    assert rows == [("school_review", "School check", "学校审核申报")]  # the same open row, re-described
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).filter_by(instance_id=moving, action="migrated")).one()
        assert event.actor.username == "admin" and event.comment.startswith("新名称")
    # It is on the version in force now, and it runs on: the school accepts.
    page = admin.get("/admin/definitions/migrate?process=self_application&scope=default").get_data(as_text=True)
    assert f'data-instance="{moving}"' not in page
    school = login("s1admin")
    review = task_id_in_inbox(school, "学校审核申报")
    assert submit(school, review, {"review_decision": "accept"}).status_code == 302
    with app.app_context():
        assert db.session.get(HumanTask, review).state is TaskState.completed

    # A version without the step a running review waits at: shown as not movable, and refused.
    stuck = _at_school_review(app, login, "t004")
    assert publish(admin, PROCESS, _renamed_step(), comment="renamed the review").status_code == 302
    page = admin.get("/admin/definitions/migrate?process=self_application&scope=default").get_data(as_text=True)
    assert f'<tr data-instance="{stuck}" class="blocked">' in page
    assert "school_review" in page and f'id="move-{stuck}"' not in page
    before = _instance(app, stuck)
    response = admin.post("/admin/definitions/migrate", data={**form, "instance": str(stuck), "comment": "try"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="migrate-refused"' in body and "school_review" in body
    assert _instance(app, stuck) == before
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.id).filter_by(instance_id=stuck, action="migrated")) is None


def test_a_county_administrator_moves_only_its_own_county(app, login):
    from webapp.models import Organisation

    instance_id = _at_school_review(app, login, "t001")  # 汉阴县
    with app.app_context():
        county = db.session.scalar(select(Organisation.id).filter_by(name="汉阴县"))
    changed = shipped(PROCESS).replace('value="School review of the application"', 'value="County wording"')
    assert publish(login("hypa"), PROCESS, changed, scope=str(county)).status_code == 302
    hypa = login("hypa")
    page = hypa.get(f"/admin/definitions/migrate?process=self_application&scope={county}").get_data(as_text=True)
    assert 'class="movable"' in page
    # The default scope and an unknown process are out of reach: the same 404 as anything else.
    assert hypa.get("/admin/definitions/migrate?process=self_application&scope=default").status_code == 404
    assert hypa.get(f"/admin/definitions/migrate?process=nope&scope={county}").status_code == 404
    # An instance outside the scope (here: any id not running there) is answered 404, nothing moves.
    response = hypa.post("/admin/definitions/migrate", data={"process": "self_application", "scope": str(county),
                                                             "instance": "999999", "comment": "x"})
    assert response.status_code == 404
    response = hypa.post("/admin/definitions/migrate", data={"process": "self_application", "scope": str(county),
                                                             "instance": str(instance_id), "comment": "县级用语"})
    assert response.status_code == 302
    assert _instance(app, instance_id)[2][0][1] == "County wording"


def test_a_running_instance_keeps_its_forms_until_it_moves(app, login):
    running = _at_school_review(app, login, "t001")
    admin = login("admin")
    changed = shipped(REVIEW_FORM).replace('"审核意见"', '"学校审核的详细意见"')
    assert publish(admin, REVIEW_FORM, changed, comment="wording").status_code == 302
    started_after = _at_school_review(app, login, "t004")
    _v, old_set, _rows = _instance(app, running)
    _v, new_set, _rows = _instance(app, started_after)
    assert old_set and new_set and old_set != new_set

    school = login("s1admin")
    with app.app_context():
        old_task, new_task = (db.session.scalar(select(HumanTask.id).filter_by(instance_id=i, state=TaskState.open))
                              for i in (running, started_after))
    assert "学校审核的详细意见" not in school.get(f"/tasks/{old_task}").get_data(as_text=True)
    assert "学校审核的详细意见" in school.get(f"/tasks/{new_task}").get_data(as_text=True)

    # A published form is part of the version in force: the instance can move to it.
    page = admin.get("/admin/definitions/migrate?process=self_application&scope=default").get_data(as_text=True)
    assert f'<tr data-instance="{running}" class="movable">' in page
    assert f'data-instance="{started_after}"' not in page
    response = admin.post("/admin/definitions/migrate", data={"process": "self_application", "scope": "default",
                                                              "instance": str(running), "comment": "新表单"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _instance(app, running)[1] == new_set
    assert "学校审核的详细意见" in school.get(f"/tasks/{old_task}").get_data(as_text=True)


def _ballots_and_deadline(app, instance_id: int) -> tuple[list, list]:
    """Who each open ballot is for, and the fire time of each waiting timer, as the engine holds them."""
    from SpiffWorkflow.util.task import TaskState as SpiffState

    with app.app_context():
        workflow = app.extensions["workflow_engine"].restore(db.session.get(ProcessInstance, instance_id))
        ballots = sorted(t.data.get("voter") for t in workflow.get_tasks(state=SpiffState.READY)
                         if t.task_spec.name == "cast_ballot [child]")
        timers = sorted(str(t.internal_data.get("event_value")) for t in workflow.get_tasks(state=SpiffState.WAITING))
        return ballots, timers


def test_a_running_vote_moves_after_a_rule_change_and_finishes(app, login):
    """Open ballots keep their member, the deadline timer is not started again, the round ends as usual."""
    from .helpers import accepted_applications
    from .test_definition_editor import RULES, rules_with
    from .test_school_vote import APPLICANTS, _open_round, _statuses, _vote

    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    assert _vote(login, "s1c1", ids, ["t001", "t004"]).status_code == 302
    before = _ballots_and_deadline(app, ids["instance"])
    assert len(before[0]) == 2 and len(set(before[0])) == 2 and before[1]
    admin = login("admin")
    assert publish(admin, RULES, rules_with("7")).status_code == 302
    response = admin.post("/admin/definitions/migrate", data={"process": "school_vote", "scope": "default",
                                                              "instance": str(ids["instance"]), "comment": "七天公示"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _ballots_and_deadline(app, ids["instance"]) == before
    assert _vote(login, "s1c2", ids, ["t001", "t007"]).status_code == 302
    assert _vote(login, "s1c3", ids, ["t004", "t007"]).status_code == 302
    statuses = _statuses(app, ids["round"])
    assert (statuses["t007"], statuses["t004"], statuses["t001"]) == \
        (("recommended", 2, 1), ("recommended", 2, 2), ("reserve", 2, 3))


def test_a_version_row_that_was_rolled_back_is_not_remembered(app):
    """The first start of a new version fails and rolls back: the next start must not use the lost row.

    (Bites on PostgreSQL; the SQLite driver's savepoint already keeps the row.)
    """
    from webapp.models import ProcessVersion

    with app.app_context():
        engine = app.extensions["workflow_engine"]
        engine.forget_versions()
        assert db.session.scalar(select(ProcessVersion.id).filter_by(process_id="objection")) is None
        engine.current_version_id("objection")
        db.session.rollback()
        second = engine.current_version_id("objection")
        assert db.session.get(ProcessVersion, second) is not None
        db.session.commit()
        assert engine.current_version_id("objection") == second
        assert engine._version_ids["objection"] == second  # cached once committed


def test_more_running_instances_than_examined_are_counted_and_move_all_waits_for_every_one(app, login):
    """With MIGRATION_EXAMINE_LIMIT=3 and four instances on the old version: the page says 3 of 4,
    offers no "move all" and refuses one; the three move; the fourth is examined on the next look
    (the moved ones no longer take its place) and "move all" moves it."""
    from .scheduling import configured

    moving = [_at_school_review(app, login, teacher) for teacher in ("t001", "t004", "t007", "t010")]
    versions_before = [_instance(app, i)[0] for i in moving]
    admin = login("admin")
    changed = shipped(PROCESS).replace('value="School review of the application"', 'value="School check"')
    assert publish(admin, PROCESS, changed, comment="clearer step name").status_code == 302
    url = "/admin/definitions/migrate?process=self_application&scope=default"
    form = {"process": "self_application", "scope": "default", "comment": "新名称"}
    with configured(app, MIGRATION_EXAMINE_LIMIT=3):
        page = admin.get(url).get_data(as_text=True)
        assert "使用旧版本的 4 个进行中流程已检查 3 个" in page and 'id="migrate-partial"' in page
        assert [f'data-instance="{i}"' in page for i in moving] == [True, True, True, False]
        assert 'id="migrate-all"' not in page
        english = admin.get(url + "&lang=en").get_data(as_text=True)
        assert "3 of the 4 running processes on an older version were examined" in english

        refused = admin.post("/admin/definitions/migrate", data={**form, "all": "1"})
        assert refused.status_code == 422
        assert 'id="migrate-refused"' in refused.get_data(as_text=True)
        too_many = admin.post("/admin/definitions/migrate", data={**form, "instance": [str(i) for i in moving]})
        assert too_many.status_code == 422 and "一次最多迁移 3 个流程" in too_many.get_data(as_text=True)
        assert [_instance(app, i)[0] for i in moving] == versions_before  # nothing moved

        response = admin.post("/admin/definitions/migrate", data={**form, "instance": [str(i) for i in moving[:3]]})
        assert response.status_code == 302, response.get_data(as_text=True)
        page = admin.get(url).get_data(as_text=True)
        assert "使用旧版本的 1 个进行中流程已检查 1 个" in page and 'id="migrate-partial"' not in page
        assert f'<tr data-instance="{moving[3]}" class="movable">' in page and 'id="migrate-all"' in page

        response = admin.post("/admin/definitions/migrate", data={**form, "all": "1"})
        assert response.status_code == 302, response.get_data(as_text=True)
    versions_after = [_instance(app, i)[0] for i in moving]
    assert len(set(versions_after)) == 1 and versions_after[0] != versions_before[0]
    assert 'id="migrate-none"' in admin.get(url).get_data(as_text=True)
