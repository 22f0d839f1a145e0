"""Rotation in the permission matrix's world (`permission_world.build_world` calls `add_rotation` last).

Built cheaply on top of the world: the rotation demo's schools and service histories, its plan with
nominations submitted and matched (status: matching), a previewed service-history import of the
county office, and the demo's pairing of t004 (county backbone teacher of school 1) with two teachers
of the weak school 汉阴县涧池镇中心学校 (530101-03), given one more activity with a file.
"""
from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from webapp.extensions import db
from webapp.models import Organisation, Posting, PostingKind, User

from .helpers import PDF

ACTIVITY_PDF = PDF.replace(b"1 0 obj", b"3 0 obj")  # bytes of its own


def add_rotation(world) -> None:
    """The rotation plan at the matching step, an import preview and a pairing with an activity."""
    from webapp.demo import DemoLogins
    from webapp.demo_rotation import build_rotation_demo
    from webapp.evidence.operations import store_upload
    from webapp.processes.rotation_plan import importing, placing
    from webapp.processes.rotation_plan.excel.template import build_template
    from webapp.processes.rotation_plan.models import (Nomination, Pairing, PairingActivity, PlanStatus, Rotation,
                                                       RotationPlan)

    app, ids = world.app, world.ids
    with app.test_request_context():
        build_rotation_demo(DemoLogins(), with_plan=True)
        plan = db.session.scalar(select(RotationPlan))
        office = db.session.scalar(select(User).filter_by(username="county"))
        placed, _unplaced = placing.run_matching(plan, office)
        assert placed > 0 and plan.status is PlanStatus.matching
        county = plan.county
        upload, checked = importing.preview(office, county, "service-history.xlsx", build_template(county))
        assert upload is not None, checked.problems
        by_name = dict(db.session.execute(select(User.username, User.id)).all())
        pairing = db.session.scalar(select(Pairing).filter_by(mentor_id=by_name["t004"]))  # the demo's
        members = sorted(pairing.member_ids())
        today = date.today()
        mentor = db.session.get(User, by_name["t004"])
        evidence = store_upload(mentor, FileStorage(io.BytesIO(ACTIVITY_PDF), "示范课教案.pdf"), {})
        activity = PairingActivity(pairing_id=pairing.id, kind="demonstration_class", on_date=today - timedelta(days=2),
                                   topic="示范课《一元一次方程》", participants=members, evidence=[evidence],
                                   recorded_by_id=mentor.id)
        db.session.add(activity)
        db.session.flush()
        rotation = db.session.scalars(select(Rotation).where(Rotation.plan_id == plan.id,
                                                             Rotation.receiving_school_id.is_not(None))
                                      .order_by(Rotation.id)).first()
        nomination = db.session.scalar(select(Nomination).filter_by(plan_id=plan.id, school_id=ids["school1"])
                                       .order_by(Nomination.id).limit(1))
        ids.update(plan=plan.id, upload=upload.id, pairing=pairing.id, activity=activity.id, rotation=rotation.id,
                   rotation_sending=rotation.sending_school_id, nomination=nomination.id, t001=by_name["t001"])
        world.digests["activity"] = evidence
        db.session.commit()


def county_serving(world) -> frozenset[str]:
    """Usernames with an appointment today at a school of 汉阴县: the people its plans concern."""
    today = date.today()
    with world.app.app_context():
        county = db.session.get(Organisation, world.ids["county1"])
        return frozenset(db.session.scalars(
            select(User.username).join(Posting, Posting.user_id == User.id)
            .join(Organisation, Organisation.id == Posting.school_id)
            .where(Posting.kind == PostingKind.appointment, Posting.start_date <= today,
                   Posting.end_date.is_(None) | (Posting.end_date > today),
                   Organisation.path.startswith(county.path))))
