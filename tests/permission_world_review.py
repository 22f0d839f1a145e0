"""The county review in the permission matrix's shared world (`permission_world.build_world` calls
`add_review` at its end).

School 1 reported the famous-teacher call's list with t007 on it; the county office (`county`)
opens that call's review with one place and it is driven over HTTP to its public notice: t007's
materials accepted, the mathematics research staff (`research`) giving an opinion, the five
conflict-free experts (`expert`, `expert3` … `expert6`; `expert2` teaches at school 1) scoring,
the office proceeding with too few candidates per place, the leading group (`leader`) approving.
Every step of it is completed, so the matrix probes the review's pages at the notice stage and
its sheets after they were submitted. The academic-leader call has no review (it may be set to
open itself).
"""
from __future__ import annotations

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import HumanTask, TaskState, User
from webapp.processes.county_review.models import ReviewCandidate, ReviewRound, ReviewStatus

from .helpers import cycle_id_for, submit


def _tasks(world, instance_id: int, step: str, state=TaskState.open) -> list[tuple[int, str]]:
    """(task id, assignee's username) of the review's steps named `step`."""
    with world.app.app_context():
        rows = db.session.execute(
            select(HumanTask.id, User.username).outerjoin(User, User.id == HumanTask.assignee_id)
            .where(HumanTask.instance_id == instance_id, HumanTask.task_name == step, HumanTask.state == state)
            .order_by(HumanTask.id)).all()
        return [(task_id, username) for task_id, username in rows]


def _ok(response) -> None:
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]


def add_review(world) -> None:
    """Drive the famous-teacher call's review to its notice; name its ids in `world.ids`."""
    ids, office = world.ids, world.session("county")
    ids["cycle_famous"], ids["cycle_leader"] = cycle_id_for(world.app, "famous_teacher"), cycle_id_for(world.app, "academic_leader")
    _ok(office.post(f"/review/offices/{ids['county1']}/cycles/{ids['cycle_famous']}",
                    data={"places_mode": "absolute", "places_value": "1"}))
    with world.app.app_context():
        review = db.session.scalar(select(ReviewRound).filter_by(cycle_id=ids["cycle_famous"]))
        ids["review"], instance = review.id, review.instance_id
        candidate = db.session.scalar(select(ReviewCandidate).filter_by(review_id=review.id))
        ids["review_candidate"] = candidate.id
    cid = ids["review_candidate"]
    ids["review_instance"] = instance

    [(materials, _who)] = _tasks(world, instance, "materials_check")
    _ok(office.post(f"/review/tasks/{materials}/candidates/{cid}/materials", data={"decision": "accept"}))
    _ok(office.post(f"/review/tasks/{materials}/finish-materials"))
    ids["review_materials"] = materials

    [(opinion, staff)] = _tasks(world, instance, "research_opinion")
    assert staff == "research"
    _ok(world.session("research").post(f"/review/tasks/{opinion}/opinions",
                                       data={f"opinion-{cid}": "recommend", f"comment-{cid}": "教学扎实。"}))
    ids["review_opinion"] = opinion

    [(confirm, _who)] = _tasks(world, instance, "confirm_assignment")
    _ok(office.post(f"/review/tasks/{confirm}/confirm-assignment"))
    ids["review_confirm"] = confirm

    sheets = _tasks(world, instance, "expert_scoring")
    assert sorted(who for _task, who in sheets) == ["expert", "expert3", "expert4", "expert5", "expert6"]
    for task_id, expert in sheets:
        _ok(world.session(expert).post(f"/review/tasks/{task_id}/scores", data={
            f"score-{cid}-teaching": "30", f"score-{cid}-research": "20", f"score-{cid}-growth": "20"}))
    ids["review_sheet"] = next(task_id for task_id, who in sheets if who == "expert")

    [(margin, _who)] = _tasks(world, instance, "margin_decision")
    _ok(submit(office, margin, {"margin_choice": "proceed", "margin_places": "1",
                                "margin_note": "本类别仅一名推荐人选，按程序继续评审。"}))
    [(propose, _who)] = _tasks(world, instance, "propose_list")
    _ok(submit(office, propose, {}))
    [(approve, _who)] = _tasks(world, instance, "approve_list")
    _ok(submit(world.session("leader"), approve, {"approval_decision": "approve", "approval_comment": "同意公示。"}))
    with world.app.app_context():
        review = db.session.get(ReviewRound, ids["review"])
        assert review.status is ReviewStatus.notice and review.candidates[0].status.value == "formal", review.status
