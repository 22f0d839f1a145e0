"""SQL statements per request of the county review, at two pool sizes: they must not grow with it.

A review is driven over HTTP from its opening to its result twice, on the demo's reported lists
with one more recommended teacher per school (12 candidates) and with five more (24 candidates);
the statements of every request — each step's page, each submission — are counted with
SQLAlchemy's `before_cursor_execute` event (as in `tests/test_statement_counts.py`). A closing request (the last sheet of a parallel step) runs the
service tasks behind it: the panels after the last opinion, the score sheets after the
confirmation, the ranking after the last score sheet. Before issue 26's work these counts grew
with the pool (`bench/bench_review.py`, 405 candidates: the last score sheet 1,378 statements, the
last opinion 456, the confirmation 316).
"""
from __future__ import annotations

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import ApplicationCycle, HumanTask, Organisation, TaskState, User
from webapp.processes.county_review.models import (
    ExpertAssignment, ReviewCandidate, ReviewCandidateStatus, ReviewRound, ReviewStatus,
)
from webapp.processes.county_review.pools import pool_size
from webapp.workflow.task_forms import task_context

from .conftest import Session, empty_database
from .helpers import counting, reach_timers

SMALL, LARGE = 1, 5  # extra recommended teachers per school (the demo's three schools): pools of 12 and 24

# Statements per request (COMMIT not counted), measured on this branch (SQLite and PostgreSQL): never
# more with the larger pool, never more than the pin.
PINS = {
    "decide_materials": 8,
    "materials_check (closing)": 25,     # + one opinion step per subject (4 here): two statements each
    "research_opinion": 10,
    "research_opinion (closing)": 20,    # + the panels: delete, candidates, experts (3), one INSERT
    "confirm_assignment (closing)": 27,  # + one score sheet per expert (6 here): two statements each
    "expert_scoring": 11,
    "expert_scoring (closing)": 20,      # + the ranking: candidates, totals, facts, two UPDATEs
    "propose_list (closing)": 16,
    "approve_list (closing)": 11,
    "notice timer": 11,
    # The pages that list candidates (declarations, teachers, schools, panels read set-based).
    "page · materials_check": 16,
    "page · research_opinion": 14,
    "page · confirm_assignment": 18,
    "page · expert_scoring": 14,
    "page · propose_list": 15,
    "page · approve_list": 17,
    "page · review": 11,
    "page · notice": 17,
    "open_review": 22,  # the pool in two queries whatever its size (pools.school_lists)
}
QUEUE_HOLDERS = {"approve_list": "leader"}  # who answers a step of a role rather than a person (else the office)


def _seed(app, extra_per_school: int) -> None:
    from webapp.demo import build_demo
    from webapp.demo_review import seed_reported_lists

    with app.test_request_context():
        build_demo()
        db.session.commit()
        seed_reported_lists(app.extensions["workflow_engine"], app.extensions["form_library"], extra_per_school)
        db.session.commit()


def _open_tasks(app, instance_id: int) -> list[tuple[int, str, str | None]]:
    """(task id, step, assignee's username) of the review's open steps, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            select(HumanTask.id, HumanTask.task_name, User.username).outerjoin(User, User.id == HumanTask.assignee_id)
            .where(HumanTask.instance_id == instance_id, HumanTask.state == TaskState.open).order_by(HumanTask.id)
        ).all()
        return [tuple(row) for row in rows]


class Drive:
    """One review driven over HTTP; `counts` holds each kind of request's largest statement count."""

    def __init__(self, app) -> None:
        self.app = app
        self.sessions: dict[str, Session] = {}
        self.counts: dict[str, int] = {}
        self.listings: dict[str, list[str]] = {}

    def session(self, username: str) -> Session:
        if username not in self.sessions:
            self.sessions[username] = Session(self.app, username)
        return self.sessions[username]

    def post(self, kind: str, username: str, url: str, data: dict | None = None, expect: int = 302):
        """POST as the user; record the statements under `kind` (the largest of its requests)."""
        session = self.session(username)
        with counting(self.app) as seen:
            response = session.post(url, data=data or {})
        assert response.status_code == expect, (kind, response.status_code, response.get_data(as_text=True)[:2000])
        if len(seen) >= self.counts.get(kind, 0):
            self.counts[kind] = len(seen)
            self.listings[kind] = seen
        return response

    def get(self, kind: str, username: str, url: str):
        """GET a page as the user; record its statements under `kind` (the largest of its requests)."""
        session = self.session(username)
        with counting(self.app) as seen:
            response = session.get(url)
        assert response.status_code == 200, (kind, response.status_code)
        if len(seen) >= self.counts.get(kind, 0):
            self.counts[kind], self.listings[kind] = len(seen), seen
        return response

    def candidates(self, review_id: int) -> list[ReviewCandidate]:
        with self.app.app_context():
            rows = db.session.scalars(select(ReviewCandidate).filter_by(review_id=review_id)
                                      .order_by(ReviewCandidate.id)).all()
            for row in rows:
                db.session.expunge(row)
            return rows

    def run(self) -> ReviewRound:
        """Open the review, answer each open step in turn (its page first), end the notice; the review."""
        with self.app.app_context():
            office = db.session.scalar(select(Organisation).filter_by(name="汉阴县"))
            cycle = db.session.scalar(select(ApplicationCycle).filter_by(county_id=office.id, category="backbone"))
            office_id, cycle_id, pool = office.id, cycle.id, pool_size(cycle, office)
        places = max(1, int((pool - 1) / 1.2) - 1)
        self.post("open_review", "county", f"/review/offices/{office_id}/cycles/{cycle_id}",
                  {"places_mode": "absolute", "places_value": str(places)})
        with self.app.app_context():
            review = db.session.scalar(select(ReviewRound))
            review_id, instance_id = review.id, review.instance_id
        while True:
            tasks = _open_tasks(self.app, instance_id)
            if not tasks:
                break
            task_id, step, assignee = tasks[0]
            closing = sum(1 for _id, name, _who in tasks if name == step) == 1
            kind = f"{step} (closing)" if closing else step
            self.get(f"page · {step}", assignee or QUEUE_HOLDERS.get(step, "county"), f"/tasks/{task_id}")
            getattr(self, f"_{step}")(kind, task_id, assignee or QUEUE_HOLDERS.get(step, "county"), review_id)
        with self.app.app_context():
            review = db.session.get(ReviewRound, review_id)
            assert review.status is ReviewStatus.notice, review.status
        self.get("page · review", "county", f"/review/{review_id}")
        self.get("page · notice", "t001", f"/review/{review_id}/notice")
        with counting(self.app) as seen:
            assert reach_timers(self.app, instance_id) == 1
        self.counts["notice timer"], self.listings["notice timer"] = len(seen), seen
        with self.app.app_context():
            review = db.session.get(ReviewRound, review_id)
            db.session.expunge(review)
        return review

    # -- one method per step: the answer the page would post ------------------------------------

    def _materials_check(self, kind, task_id, username, review_id):
        for candidate in self.candidates(review_id):
            if candidate.status is ReviewCandidateStatus.pending:
                data = {"decision": "accept", "fast_track": "true" if candidate.claims_fast_track else ""}
                self.post("decide_materials", username, f"/review/tasks/{task_id}/candidates/{candidate.id}/materials",
                          data)
        self.post(kind, username, f"/review/tasks/{task_id}/finish-materials")

    def _research_opinion(self, kind, task_id, username, review_id):
        with self.app.test_request_context():
            task = db.session.get(HumanTask, task_id)
            subject = task_context(self.app.extensions["workflow_engine"], task)["opinion_task"]["subject_code"]
        data = {}
        for candidate in self.candidates(review_id):
            if candidate.subject == subject and candidate.status is ReviewCandidateStatus.accepted:
                data |= {f"opinion-{candidate.id}": "recommend", f"comment-{candidate.id}": "教学扎实，有示范作用。"}
        self.post(kind, username, f"/review/tasks/{task_id}/opinions", data)

    def _confirm_assignment(self, kind, task_id, username, review_id):
        self.post(kind, username, f"/review/tasks/{task_id}/confirm-assignment")

    def _expert_scoring(self, kind, task_id, username, review_id):
        order = {c.id: index for index, c in enumerate(self.candidates(review_id))}
        with self.app.app_context():
            expert_id = db.session.scalar(select(User.id).filter_by(username=username))
            candidate_ids = db.session.scalars(select(ExpertAssignment.candidate_id).filter_by(
                review_id=review_id, expert_id=expert_id)).all()
        data = {}
        # Distinct totals per candidate (no tie), not in the candidates' order: rank and status then
        # change differently from one candidate to the next, as with real scores.
        for candidate_id in candidate_ids:
            data |= {f"score-{candidate_id}-teaching": 16 + (order[candidate_id] * 7) % 25, f"score-{candidate_id}-research": 25,
                     f"score-{candidate_id}-growth": 25}
        self.post(kind, username, f"/review/tasks/{task_id}/scores", data)

    def _margin_decision(self, kind, task_id, username, review_id):
        raise AssertionError("the places are set so that the 差额 margin holds")

    def _decide_tie(self, kind, task_id, username, review_id):
        raise AssertionError("the totals are distinct: no tie")

    def _propose_list(self, kind, task_id, username, review_id):
        self.post(kind, username, f"/tasks/{task_id}", {"proposal_note": "按得分排序。"})

    def _approve_list(self, kind, task_id, username, review_id):
        self.post(kind, username, f"/tasks/{task_id}", {"approval_decision": "approve", "approval_comment": "同意公示。"})


def _drive(app, extra_per_school: int) -> tuple[dict[str, int], dict[str, list[str]], ReviewRound, int]:
    _seed(app, extra_per_school)
    drive = Drive(app)
    review = drive.run()
    with app.app_context():
        pool = db.session.scalar(select(db.func.count()).select_from(ReviewCandidate))
    return drive.counts, drive.listings, review, pool


def test_review_statements_do_not_grow_with_the_pool(app, monkeypatch):
    # Published definitions are re-read every few seconds: a slow run would count one more read
    # in whichever request came after the interval. Kept for the whole test, so both sizes compare.
    monkeypatch.setitem(app.config, "DEFINITIONS_CACHE_SECONDS", 3600)
    small, small_listings, small_review, small_pool = _drive(app, SMALL)
    empty_database(app)
    large, large_listings, large_review, large_pool = _drive(app, LARGE)
    assert (small_pool, large_pool) == (12, 24)
    assert small_review.status is large_review.status is ReviewStatus.done
    assert set(small) == set(large) == set(PINS), (sorted(small), sorted(large))
    for kind, pin in PINS.items():
        listing = "\n".join(f"  {i + 1}. {text.split(chr(10))[0][:160]}" for i, text in enumerate(large_listings[kind]))
        assert large[kind] <= small[kind], f"{kind}: {small[kind]} statements with {small_pool} candidates, " \
                                           f"{large[kind]} with {large_pool}:\n{listing}"
        assert large[kind] <= pin, f"{kind}: {large[kind]} statements, pinned at {pin}:\n{listing}"
