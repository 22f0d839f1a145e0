"""One school's work at every stage, built once over HTTP for the permission matrix.

School 1 (汉阴县第一中学) holds, with the people below:
- applications: a draft (t007, with a file saved), returned for correction (t013), submitted and
  waiting in the school administrators' queue (t010), under review by s1admin who claimed it
  (t004), accepted and in the vote (t001);
- vote rounds: one in voting (s1c1 has voted, s1c2 and s1c3 hold open ballots), one on notice
  with an open objection by t001 (a confidential instance), one reported to the county.
Outsiders: school 2's people, and an office at each level of another province (province2, city2,
county2, its system administrator admin2 and its county's process administrator pa2). s1deputy is a second school administrator of school 1, so a claimed review has a
colleague in the same role.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Evidence, HumanTask, Notification, NotificationKind, Organisation, OrgKind, User
from webapp.processes.objection.models import Objection
from webapp.processes.school_vote.models import RoundStatus, VoteRound
from webapp.processes.self_application.models import Application, ApplicationStatus
from webapp.roles import Role

from .conftest import Session
from .permission_world_review import add_review
from .helpers import PDF, accepted_applications, cycle_id_for, declaration, reach_timers, start_application, submit, task_id_in_inbox

OBJECTION_PDF = PDF.replace(b"1 0 obj", b"2 0 obj")  # other bytes: another digest
MEMBERS = ("s1c1", "s1c2", "s1c3")


@dataclass
class World:
    """Ids of everything the matrix requests, by name, and a logged-in client per user."""

    app: object
    ids: dict[str, int] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)

    def session(self, username: str) -> Session:
        """The user's logged-in session, logged in once."""
        if username not in self.sessions:
            self.sessions[username] = Session(self.app, username)
        return self.sessions[username]

    def client(self, username: str | None):
        """The user's logged-in test client; a fresh anonymous one for None."""
        return self.app.test_client() if username is None else self.session(username).client


def _add_people(app) -> None:
    """s1deputy at school 1; an office at each level of another province."""
    from webapp.demo import _user
    from webapp.models.org import assign_path

    from sqlalchemy import update
    from werkzeug.security import generate_password_hash

    with app.app_context():
        # Some 30 people log in here: a one-round hash keeps that from dominating the module's time.
        password = generate_password_hash("demo1234", method="pbkdf2:sha256:1")
        db.session.execute(update(User).values(password_hash=password))
        school = db.session.scalar(select(Organisation).filter_by(code="530101-01"))
        _user("s1deputy", "副校长", Role.school_admin, school, password)
        parent = None
        for kind, code, username, role in [
            (OrgKind.province, "52", "province2", Role.province_office),
            (OrgKind.city, "5201", "city2", Role.city_office),
            (OrgKind.county, "520101", "county2", Role.county_office),
        ]:
            org = Organisation(kind=kind, name=f"外省{code}", code=code, parent=parent)
            db.session.add(org)
            db.session.flush()
            assign_path(org)
            _user(username, f"外省{username}", role, org, password)
            if kind is OrgKind.province:
                _user("admin2", "外省系统管理员", Role.sysadmin, org, password)
            if kind is OrgKind.county:
                _user("pa2", "外省县流程管理员", Role.process_admin, org, password)
            parent = org
        db.session.commit()


def _open_round(world: World, category: str) -> tuple[int, int]:
    """s1admin opens the vote of a call; returns (round id, instance id)."""
    admin = world.session("s1admin")
    cycle = cycle_id_for(world.app, category)
    deadline = (date.today() + timedelta(days=5)).isoformat()
    response = admin.post(f"/vote/schools/{world.ids['school1']}/rounds", data={"cycle_id": cycle, "deadline": deadline})
    assert response.status_code == 302, response.get_data(as_text=True)
    with world.app.app_context():
        round_ = db.session.scalars(select(VoteRound).order_by(VoteRound.id.desc())).first()
        return round_.id, round_.instance_id


def _candidate(world: World, round_id: int, username: str) -> int:
    with world.app.app_context():
        round_ = db.session.get(VoteRound, round_id)
        return next(c.id for c in round_.candidates if c.teacher.username == username)


def _vote_all(world: World, round_id: int, members=MEMBERS) -> None:
    """The members vote for every candidate of the round (members hold ballots of several rounds)."""
    with world.app.app_context():
        round_ = db.session.get(VoteRound, round_id)
        choices = [str(c.id) for c in round_.candidates]
        ballots = dict(db.session.execute(
            select(User.username, HumanTask.id).join(User, User.id == HumanTask.assignee_id)
            .where(HumanTask.instance_id == round_.instance_id, HumanTask.task_name == "cast_ballot")
        ).all())
    for member in members:
        response = submit(world.session(member), ballots[member], {"choices": choices})
        assert response.status_code == 302, response.get_data(as_text=True)


def _application(world: World, username: str, category: str) -> Application:
    with world.app.app_context():
        row = db.session.scalar(
            select(Application).join(User, User.id == Application.teacher_id)
            .where(User.username == username, Application.cycle_id == cycle_id_for(world.app, category))
        )
        db.session.expunge(row)
        return row


def _task(world: World, instance_id: int, task_name: str, **filters) -> int:
    with world.app.app_context():
        query = select(HumanTask.id).filter_by(instance_id=instance_id, task_name=task_name, **filters)
        return db.session.scalars(query.order_by(HumanTask.id)).first()


def build_world(app) -> World:
    """Everything at its stage; asserts each stage was reached."""
    from webapp.demo import build_demo

    with app.app_context():
        build_demo()
        db.session.commit()
    _add_people(app)
    world = World(app)
    login = world.session
    with app.app_context():
        world.ids["school1"], world.ids["school2"], world.ids["county1"], world.ids["county2"] = (
            db.session.scalar(select(Organisation.id).filter_by(code=code))
            for code in ("530101-01", "530101-02", "530101", "520101")
        )
    world.ids["cycle_backbone"] = cycle_id_for(app, "backbone")

    # Accepted applications, then the three rounds: voting, on notice, reported.
    accepted_applications(app, login, ["t001", "t004"], category="backbone")
    accepted_applications(app, login, ["t010", "t013"], category="academic_leader")
    accepted_applications(app, login, ["t007"], category="famous_teacher")
    world.ids["vote_voting_round"], world.ids["vote_voting"] = _open_round(world, "backbone")
    _vote_all(world, world.ids["vote_voting_round"], members=("s1c1",))
    world.ids["vote_notice_round"], world.ids["vote_notice"] = _open_round(world, "academic_leader")
    _vote_all(world, world.ids["vote_notice_round"])
    world.ids["vote_reported_round"], world.ids["vote_reported"] = _open_round(world, "famous_teacher")
    _vote_all(world, world.ids["vote_reported_round"])
    assert reach_timers(app, world.ids["vote_reported"]) == 1
    admin = login("s1admin")
    assert submit(admin, task_id_in_inbox(admin, "报送"), {"report_confirmed": "true"}).status_code == 302

    # An objection on the notice, with a file of its own.
    objection = login("t001").post(
        f"/vote/rounds/{world.ids['vote_notice_round']}/objections", content_type="multipart/form-data",
        data={"candidate": str(_candidate(world, world.ids["vote_notice_round"], "t010")),
              "reason": "该教师的公开课证明与实际情况不符，请核实。", "evidence": (io.BytesIO(OBJECTION_PDF), "异议材料.pdf")},
    )
    assert objection.status_code == 302, objection.get_data(as_text=True)

    # Applications at the earlier stages.
    teacher = login("t010")
    assert submit(teacher, start_application(teacher, world.ids["cycle_backbone"]), declaration()).status_code == 302
    teacher = login("t013")
    assert submit(teacher, start_application(teacher, world.ids["cycle_backbone"]), declaration()).status_code == 302
    returned = {"review_decision": "return", "review_comment": "请补充近三年公开课的证明材料。"}
    review = _task(world, _application(world, "t013", "backbone").instance_id, "school_review")
    assert submit(admin, review, returned).status_code == 302
    teacher = login("t004")
    assert submit(teacher, start_application(teacher, cycle_id_for(app, "academic_leader")), declaration()).status_code == 302
    claimed = _task(world, _application(world, "t004", "academic_leader").instance_id, "school_review")
    assert admin.post(f"/tasks/{claimed}/claim").status_code == 302
    teacher = login("t007")
    draft = start_application(teacher, world.ids["cycle_backbone"])
    assert submit(teacher, draft, declaration(_action="save")).status_code == 302

    _annual_review(world)
    _name_everything(world)
    _check_stages(world)
    add_review(world)  # the county review of the reported call, at its notice (permission_world_review.py)
    from .permission_world_rotation import add_rotation

    add_rotation(world)
    from .permission_world_training import add_training

    add_training(world)  # a cohort mid-training, a conferred one (permission_world_training.py)
    return world


def _annual_review(world: World) -> None:
    """t016 of school 1 holds a county title; the county office opens this school year's annual review."""
    from webapp import register
    from webapp.calendar.editing import today
    from webapp.processes.annual_review.models import AnnualReview, AnnualReviewRound
    from webapp.processes.annual_review.schoolyear import school_year_of

    with world.app.app_context():
        holder = db.session.scalar(select(User).filter_by(username="t016"))
        title = register.confer(user_id=holder.id, level="county", category="backbone", conferred_on=date(2024, 9, 1),
                                term_years=5, subject="music", org_id=world.ids["school1"],
                                county_id=world.ids["county1"], allowance_monthly=300, source="demo")
        db.session.commit()
        world.ids["annual_title"], world.ids["t016"] = title.id, holder.id
        year = school_year_of(today()).start_year
    response = world.session("county").post(f"/annual/counties/{world.ids['county1']}/open", data={"school_year": str(year)})
    assert response.status_code == 302, response.get_data(as_text=True)
    with world.app.app_context():
        world.ids["annual_round"] = db.session.scalar(select(AnnualReviewRound.id))
        world.ids["annual_review"] = db.session.scalar(select(AnnualReview.instance_id))
    world.ids["annual_summary"] = _task(world, world.ids["annual_review"], "submit_summary")


def _name_everything(world: World) -> None:
    """The ids the matrix fills into URLs."""
    ids = world.ids
    for name, username, category in [
        ("app_draft", "t007", "backbone"), ("app_returned", "t013", "backbone"), ("app_submitted", "t010", "backbone"),
        ("app_claimed", "t004", "academic_leader"), ("app_in_vote", "t001", "backbone"),
        ("app_reported", "t007", "famous_teacher"),
    ]:
        application = _application(world, username, category)
        ids[name], ids[f"{name}_application"] = application.instance_id, application.id
    with world.app.app_context():
        objection = db.session.scalar(select(Objection))
        ids["objection"] = objection.instance_id
        ids["notification"] = _notify(world, "t001", _task(world, ids["app_in_vote"], "fill_declaration"))
        world.digests["application"] = db.session.scalar(
            select(Evidence.digest).where(Evidence.original_name == "证书.pdf").limit(1))
        world.digests["objection"] = db.session.scalar(
            select(Evidence.digest).where(Evidence.original_name == "异议材料.pdf"))
    ids["draft_declaration"] = _task(world, ids["app_draft"], "fill_declaration")
    ids["completed_declaration"] = _task(world, ids["app_returned"], "fill_declaration")
    ids["correction"] = _task(world, ids["app_returned"], "correct_application")
    ids["returned_review"] = _task(world, ids["app_returned"], "school_review")
    ids["submitted_review"] = _task(world, ids["app_submitted"], "school_review")
    ids["claimed_review"] = _task(world, ids["app_claimed"], "school_review")
    with world.app.app_context():
        by_name = dict(db.session.execute(select(User.username, User.id)).all())
    ids["cast_ballot"] = _task(world, ids["vote_voting"], "cast_ballot", completed_by_id=by_name["s1c1"])
    ids["open_ballot"] = _task(world, ids["vote_voting"], "cast_ballot", assignee_id=by_name["s1c2"])
    ids["investigation"] = _task(world, ids["objection"], "investigate")
    ids["report"] = _task(world, ids["vote_reported"], "report_to_county")
    ids["candidate_voting"] = _candidate(world, ids["vote_voting_round"], "t001")
    ids["candidate_notice"] = _candidate(world, ids["vote_notice_round"], "t013")
    ids["candidate_reported"] = _candidate(world, ids["vote_reported_round"], "t007")


def _notify(world: World, username: str, task_id: int) -> int:
    """A reminder for the user (the flows above send none)."""
    user_id = db.session.scalar(select(User.id).filter_by(username=username))
    note = Notification(task_id=task_id, user_id=user_id, kind=NotificationKind.due_soon, sequence=1)
    db.session.add(note)
    db.session.commit()
    return note.id


def _check_stages(world: World) -> None:
    """Every stage the matrix claims to cover is really there."""
    with world.app.app_context():
        status = {name: db.session.get(Application, world.ids[f"{name}_application"]).status
                  for name in ("app_draft", "app_returned", "app_submitted", "app_claimed", "app_in_vote")}
        assert status == {"app_draft": ApplicationStatus.draft, "app_returned": ApplicationStatus.returned,
                          "app_submitted": ApplicationStatus.submitted, "app_claimed": ApplicationStatus.submitted,
                          "app_in_vote": ApplicationStatus.accepted}, status
        rounds = {name: db.session.get(VoteRound, world.ids[f"{name}_round"]).status
                  for name in ("vote_voting", "vote_notice", "vote_reported")}
        assert rounds == {"vote_voting": RoundStatus.voting, "vote_notice": RoundStatus.notice,
                          "vote_reported": RoundStatus.reported}, rounds
        tasks = {name: db.session.get(HumanTask, world.ids[name]) for name in
                 ("draft_declaration", "correction", "submitted_review", "claimed_review", "open_ballot", "investigation")}
        assert all(task.state.value == "open" for task in tasks.values()), tasks
        assert all(world.digests.values()) and len(set(world.digests.values())) == 2
    assert re.fullmatch(r"sha256-[0-9a-f]{64}", world.digests["application"])
