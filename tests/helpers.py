"""Shared steps for HTTP-level tests: apply, fill the declaration, review."""
from __future__ import annotations

import io
import re
from contextlib import contextmanager

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def open_cycle_ids(session) -> list[int]:
    """Ids of the calls a teacher can apply to, read from the page."""
    html = session.get("/applications/").get_data(as_text=True)
    return [int(x) for x in re.findall(r'name="cycle_id" id="cycle-(\d+)"', html)]


def cycle_id_for(app, category: str, username: str | None = None) -> int:
    """The open county cycle of a category (of the teacher's county, when there are several)."""
    from webapp.extensions import db
    from webapp.models import ApplicationCycle, Organisation, TeacherProfile, User

    with app.app_context():
        query = db.session.query(ApplicationCycle.id).filter_by(category=category)
        if username is not None:
            school = db.session.query(Organisation).join(TeacherProfile, TeacherProfile.school_id == Organisation.id) \
                .join(User, User.id == TeacherProfile.user_id).filter(User.username == username).one()
            query = query.filter_by(county_id=school.parent_id)
        return query.scalar()


def start_application(session, cycle_id: int) -> int:
    """Open an application; return the id of its first task (the declaration form)."""
    response = session.post("/applications/", data={"cycle_id": cycle_id})
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/tasks/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def declaration(**overrides) -> dict:
    """A complete, valid declaration form post with one PDF attached."""
    data = {
        "subject": "mathematics",
        "statement": "十余年来坚持课堂教学改革，主持县级课题两项，指导青年教师五名。",
        "honours": ["excellent_teacher"],
        "achievements[0].year": "2024",
        "achievements[0].kind": "open_class",
        "achievements[0].description": "县级数学公开课《函数的单调性》",
        "commitment": "true",
        "evidence": (io.BytesIO(PDF), "证书.pdf"),
        "_action": "submit",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submit(session, task_id: int, data: dict):
    """POST a task form as multipart."""
    return session.post(f"/tasks/{task_id}", data=data, content_type="multipart/form-data")


def task_id_in_inbox(session, step_title: str) -> int:
    """The id of the first inbox row whose step title contains `step_title`."""
    html = session.get("/inbox").get_data(as_text=True)
    rows = re.findall(r'data-task-id="(\d+)">\s*<td><a href="/tasks/\d+">([^<]+)</a>', html)
    for task_id, title in rows:
        if step_title in title:
            return int(task_id)
    raise AssertionError(f"no inbox row for {step_title!r} in {rows}")


def accepted_applications(app, login, usernames, category="backbone", admin="s1admin") -> None:
    """Teachers apply over HTTP and the school administrator accepts each application."""
    cycle = cycle_id_for(app, category, usernames[0])
    for username in usernames:
        teacher = login(username)
        response = submit(teacher, start_application(teacher, cycle), declaration())
        assert response.status_code == 302, response.get_data(as_text=True)
    reviewer = login(admin)
    for _ in usernames:
        response = submit(reviewer, task_id_in_inbox(reviewer, "学校审核申报"), {"review_decision": "accept"})
        assert response.status_code == 302, response.get_data(as_text=True)


def reach_timers(app, instance_id: int) -> int:
    """Let the instance's waiting timers fall due (as if the clock had reached them) and fire them.

    SpiffWorkflow compares timers with the real clock, so the stored fire times are moved instead;
    then the operation the scheduler runs advances the instance. Returns how many instances advanced.
    """
    from webapp.extensions import db
    from webapp.models import ProcessInstance
    from webapp.workflow.fast_forward import make_timers_due
    from webapp.workflow.timer_jobs import advance_due_timers

    with app.test_request_context():
        make_timers_due(db.session.get(ProcessInstance, instance_id))
        db.session.commit()
        return advance_due_timers(app.extensions["workflow_engine"])


@contextmanager
def counting(app):
    """`with counting(app) as seen:` — the SQL statements sent inside the block, in order (COMMIT not
    counted: it does not pass `before_cursor_execute`)."""
    from sqlalchemy import event

    from webapp.extensions import db

    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)
