"""Step overhead: one user task completed (a) by SpiffWorkflow as the app runs it, (b) by our service
layer with its commit, (c) through an HTTP POST to the app — against an honest floor.

The floor is what any implementation must pay for a completion:
- (a) the engine round trip as the app runs it: restore the instance on the version's cached
  spec, run the task and the engine steps, serialise the state and find the next timer. The
  diagram's service tasks get the very results the real handlers returned for this instance
  (recorded in a rolled-back probe first), so (a) holds no database work;
- the write floor (w): the rows the completion really writes, as Core statements, and one
  durable commit — the instance's state (version-checked), the completed task row, the audit
  row, each new inbox row, the handlers' row (the application), the evidence link. The floor
  writes rows of the same sizes that never disturb (b): the same state again, the task row
  with its own values, inbox rows that are already cancelled.
(b) is `complete_task` + `link_to_instance` + commit (what the form post does after validation);
(c) the whole request. For every sample the order of (a, w, b) and (c) is shuffled so drift
(other people's load on this machine) hits all alike. Targets: b ≤ 2 × (a + w), c ≤ 3 × (a + w).

Steps (STEPS): the declaration (eligibility service tasks + DMN), the school review, a
committee member's secret ballot in the school vote that does not close its round (`ballot`: a
round of three members; the first member's ballot for (a, w, b), the second's for (c)), and the
closing ballot (`closing_ballot`: the third member's, which counts the round and publishes the
list through the service tasks `close_round` and `publish_notice`; twin rounds for (c)). A
secret ballot's answers never enter the task's data: `complete_task` hands them to the secret
handler (`record_ballot`) and runs the task without them. That handler is no service task, so
the probe cannot replay it; it is treated as the other handlers are: (a) runs the task as
`complete_task` does with the handler stubbed (not called: its Python is in neither (a) nor
(w), as the other handlers' Python is not); its rows — the ballot receipt, one vote more to
each chosen candidate, the round's ballots cast — are in (w), in place of the application row
of the other steps; the audit row carries no data. The closing ballot's service tasks are
replayed in (a) like any other; their rows (the candidates' ranks, the published list's
notifications, the round's status and notice dates) are in (w), as the probe saw them sent.
The issue's targets name the declaration, the review and the ballot; the closing ballot is
measured against the same targets for information.

Kept beside it for one release: the old ratio b/(a_old + empty commit), where (a_old) restored
the spec from JSON on every step and ran the real handlers (their reads included) — an inflated
floor that made the service layer look 1.3–1.9× the engine when it was 4–5×.
SQL statements per completion, (b) and (c), are printed per step.
"""
from __future__ import annotations

import hashlib
import io
import json
import random
import shutil
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

import common
from drive import PDF, local_today, submit_form

from sqlalchemy import bindparam, event, func, insert, select, text, update
from sqlalchemy import inspect as sa_inspect
from SpiffWorkflow.util.task import TaskState as SpiffState

from webapp.processes.school_vote import operations as vote
from webapp.processes.school_vote.models import BallotReceipt, CandidateStatus, RoundCandidate, VoteRound
from webapp.processes.self_application.operations import start_application
from webapp.processes.self_application.models import Application
from webapp.core.durable import write_durably
from webapp.engine.sandbox import ScriptEngine
from webapp.engine.serialization import SERIALIZER, workflow_from_json, workflow_state_to_json
from webapp.engine.timers import next_timer_fire_time
from webapp.evidence.operations import link_to_instance, store_upload
from webapp.extensions import db
from webapp.generator import PopulationSize, generate_population
from webapp.models import (
    AuditEvent, Evidence, EvidenceLink, HumanTask, Notification, ProcessInstance, TaskState, User, utcnow,
)
from webapp.workflow.advance import rows_kept_for_the_advance
from webapp.workflow.operations import complete_task

TODAY = date.today()
# Facts that pass every rule for 县级学科带头人, so every sample takes the same path.
ELIGIBLE = dict(
    birth_date=TODAY - timedelta(days=38 * 366), teaching_start_date=TODAY - timedelta(days=14 * 366),
    professional_title="intermediate", education="bachelor", subject="mathematics", open_classes_5y=5,
    papers_awarded_5y=3, research_projects_5y=1, has_it_certificate=True,
)
STEPS = ("fill_declaration", "school_review", "ballot", "closing_ballot")
# A ballot's round: this many accepted applications (the call's default quota is 2 places).
CANDIDATES_PER_ROUND = 3
# Issue 19: SQL statements per completion (b), at most.
STATEMENT_TARGETS = {"fill_declaration": 10, "school_review": 6, "closing_ballot": 12}


def declaration(evidence_id: str) -> dict:
    """The declaration form's data as the service layer receives it."""
    return {
        "subject": "mathematics",
        "statement": "十余年来坚持课堂教学改革，主持县级课题两项，指导青年教师五名。",
        "honours": ["excellent_teacher"],
        "achievements": [{"year": TODAY.year - 1, "kind": "open_class", "description": "县级数学公开课《函数的单调性》"}],
        "evidence": [evidence_id],
        "commitment": True,
    }


def declaration_post(user_id: int) -> dict:
    """The same declaration as a browser posts it (multipart, with the PDF)."""
    return {
        "subject": "mathematics",
        "statement": "十余年来坚持课堂教学改革，主持县级课题两项，指导青年教师五名。",
        "honours": ["excellent_teacher"],
        "achievements[0].year": str(TODAY.year - 1),
        "achievements[0].kind": "open_class",
        "achievements[0].description": "县级数学公开课《函数的单调性》",
        "commitment": "true",
        "evidence": (io.BytesIO(PDF + f"% certificate of {user_id}\n".encode()), "证书.pdf"),
        "_action": "submit",
    }


REVIEW = {"review_decision": "accept"}


class Setup:
    """Instances waiting at each step, with the people, files and forms to complete them.

    `tasks[step]` holds 2 × `samples` (task id, actor id): sample i takes (a, w, b) on entry i
    and (c) on entry samples + i. For the ballot both are ballots of round i — the first and
    the second committee member's — so neither closes the round (three members), whichever of
    the two runs first; a round costs three applications taken through start, declaration and
    review, and its opening, so one round per sample keeps the setup at half the cost of twins.
    The closing ballot is the third member's, of round i and of round samples + i (twins): the
    two ballots before it are cast by `prepare` (untimed) unless the ballot step cast them.
    """

    def __init__(self, app, samples: int, prefix: str = "g", steps: tuple[str, ...] = STEPS) -> None:
        self.app = app
        self.engine = app.extensions["workflow_engine"]
        self.evidence: dict[int, str] = {}
        self.choices: dict[int, list[str]] = {}  # a ballot task's answer: the round's first candidates, up to the quota
        self.tasks: dict[str, list[tuple[int, int]]] = {}
        if "fill_declaration" in steps or "school_review" in steps:
            self._applications(samples, prefix)
        self.earlier_ballots: list[tuple[int, int]] = []  # cast before the closing ballots (`prepare`)
        if "ballot" in steps or "closing_ballot" in steps:
            rounds = self._rounds(2 * samples if "closing_ballot" in steps else samples, prefix)
            if "ballot" in steps:
                self.tasks["ballot"] = [r[0] for r in rounds[:samples]] + [r[1] for r in rounds[:samples]]
            if "closing_ballot" in steps:
                self.tasks["closing_ballot"] = [r[2] for r in rounds]
                self.earlier_ballots = [ballot for r in rounds for ballot in r[:2]]

    def prepare(self, step: str) -> None:
        """Untimed, before a step is measured: the closing ballots' rounds get their first two ballots."""
        if step != "closing_ballot":
            return
        for task_id, actor_id in self.earlier_ballots:
            with self.app.test_request_context():
                still_open = db.session.get(HumanTask, task_id).state is TaskState.open
            if still_open:
                service_complete(self, task_id, actor_id, {"choices": self.choices[task_id]})

    def _applications(self, samples: int, prefix: str) -> None:
        """Applications waiting at the declaration and at the school review."""
        app = self.app
        per_step = 2 * samples  # (a, b) share an instance; (c) needs a twin
        with app.test_request_context():
            population = generate_population(
                PopulationSize(cities=1, counties=1, schools=4, teachers=2 * per_step),
                prefix=prefix, assessments=True, profile=ELIGIBLE,
            )
            db.session.commit()
        teachers = population.teacher_ids
        self.tasks["fill_declaration"] = self._open(population, teachers[:per_step], declare=False)
        self.tasks["school_review"] = self._open(population, teachers[per_step:], declare=True)

    def _open(self, population, teacher_ids: list[int], declare: bool, accept: bool = False) -> list[tuple[int, int]]:
        """Start an application per teacher (and submit it if `declare`, and have the school accept
        it if `accept`); return (open task id, actor id) — after `accept`, (instance id, school admin)."""
        cycle_id = population.cycle_ids[(population.county_ids[0], "academic_leader")]
        forms = self.app.extensions["form_library"]
        result = []
        for teacher_id in teacher_ids:
            with self.app.test_request_context():
                teacher = db.session.get(User, teacher_id)
                application = start_application(self.engine, teacher, cycle_id)
                self.evidence[teacher_id] = store_upload(
                    teacher, _file(PDF + f"% own file of {teacher_id}\n".encode()), {})
                task = _open_task(application.instance_id)
                if declare:
                    submit_form(self.engine, forms, teacher, task, declaration(self.evidence[teacher_id]))
                    task = _open_task(application.instance_id)
                    actor = population.school_admin[task.org_id]
                    if accept:
                        submit_form(self.engine, forms, db.session.get(User, actor), task, REVIEW)
                        result.append((application.instance_id, actor))
                        db.session.commit()
                        continue
                else:
                    actor = teacher_id
                result.append((task.id, actor))
                db.session.commit()
        return result

    def _rounds(self, count: int, prefix: str) -> list[list[tuple[int, int]]]:
        """`count` school vote rounds, each in a school of its own with three committee members and
        three accepted applications; each round's three ballots (task id, member id), by member.

        The rounds are opened as the vote page does (`open_round`, deadline a week ahead, the
        call's default quota of 2). Each ballot names the round's first two candidates: the
        closing ballot then recommends them, with no tie (the third gets no vote, not passed).
        """
        app = self.app
        with app.test_request_context():
            population = generate_population(
                PopulationSize(cities=1, counties=1, schools=count, teachers=8 * count),
                prefix=f"{prefix}v", assessments=True, profile=ELIGIBLE,
            )
            db.session.commit()
        cycle_id = population.cycle_ids[(population.county_ids[0], "academic_leader")]
        by_school: dict[int, list[int]] = {}
        for teacher_id in population.teacher_ids:
            by_school.setdefault(population.teacher_school[teacher_id], []).append(teacher_id)
        rounds = []
        for school_id in population.school_ids:
            teachers = by_school[school_id][:CANDIDATES_PER_ROUND]
            assert len(teachers) == CANDIDATES_PER_ROUND, f"school {school_id} has too few teachers"
            admin_id = population.school_admin[school_id]
            self._open(population, teachers, declare=True, accept=True)
            with app.test_request_context():
                admin = db.session.get(User, admin_id)
                school = vote.school_of_admin(admin, school_id)
                round_ = vote.open_round(self.engine, admin, school, cycle_id, (local_today() + timedelta(days=7)).isoformat())
                candidates = [str(candidate.id) for candidate in round_.candidates][:round_.quota]
                ballots = db.session.scalars(
                    select(HumanTask).filter_by(instance_id=round_.instance_id, state=TaskState.open)
                    .order_by(HumanTask.assignee_id)
                ).all()
                assert len(ballots) == 3 and all(t.secret_handler for t in ballots), "three members, three secret ballots"
                for task in ballots:
                    self.choices[task.id] = candidates
                rounds.append([(task.id, task.assignee_id) for task in ballots])
                db.session.commit()
        return rounds


def _file(content: bytes):
    """An upload as Werkzeug hands it to the app."""
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(content), "证书.pdf")


def _open_task(instance_id: int) -> HumanTask:
    """The instance's open human task."""
    return db.session.scalar(select(HumanTask).filter_by(instance_id=instance_id, state=TaskState.open))


def step_data(setup: Setup, step: str, task_id: int, actor_id: int) -> dict:
    """What the service layer completes the step with."""
    if step == "fill_declaration":
        return declaration(setup.evidence[actor_id])
    if step in ("ballot", "closing_ballot"):
        return {"choices": setup.choices[task_id]}
    return REVIEW


class RecordingScriptEngine(ScriptEngine):
    """The app's script engine, noting what each service task's handler returned (in call order)."""

    def __init__(self, engine) -> None:
        super().__init__(engine.registry, engine.limits)
        self.results: list[str] = []

    def call_service(self, task, operation_name=None, operation_params=None, **kwargs):
        result = super().call_service(task, operation_name, operation_params, **kwargs)
        self.results.append(result)
        return result


class ReplayScriptEngine(ScriptEngine):
    """The app's script engine with the handlers stubbed: each returns what the real one returned."""

    def __init__(self, engine, results: list[str]) -> None:
        super().__init__(engine.registry, engine.limits)
        self.results = list(results)

    def call_service(self, task, operation_name=None, operation_params=None, **kwargs):
        return self.results.pop(0)


class Probe:
    """What the engine does at one sample's step: the handlers' results, the new state, the new inbox
    rows, the audit row's data (None for a secret ballot: its answers are kept nowhere), the answers,
    and for a ballot what its handlers wrote to the vote's tables (`VoteWrites`)."""

    def __init__(self, handler_results, state_json, new_ready, audit_data, answers, vote=None) -> None:
        self.handler_results = handler_results
        self.state_json = state_json
        self.new_ready = new_ready
        self.audit_data = audit_data
        self.answers = answers
        self.vote = vote


class VoteWrites:
    """The rows a ballot's handlers wrote in the probe: the round's UPDATEs (the columns of each: an
    autoflush inside the step, and the final flush), how many candidates the count ranked (one
    executemany UPDATE), the notifications inserted (the published list tells each candidate)."""

    def __init__(self, round_id: int, round_updates: list[list[str]], ranked: int, notifications: list[dict]) -> None:
        self.round_id = round_id
        self.round_updates = round_updates
        self.ranked = ranked
        self.notifications = notifications


class _Statements:
    """The statements sent on the session's connection inside the block (text, parameters, executemany)."""

    def __enter__(self):
        self.seen = []
        self.connection = db.session.connection()
        event.listen(self.connection, "before_cursor_execute", self._seen)
        return self

    def _seen(self, _conn, _cursor, statement, parameters, _context, executemany) -> None:
        self.seen.append((statement, parameters, executemany))

    def __exit__(self, *_exc) -> None:
        event.remove(self.connection, "before_cursor_execute", self._seen)


def _vote_writes(instance_id: int, notifications_before: int, statements: list) -> VoteWrites:
    """After the probe's run, before its rollback: what the vote's handlers changed (see `VoteWrites`)."""
    round_ = next(row for row in db.session.identity_map.values()
                  if isinstance(row, VoteRound) and row.instance_id == instance_id)
    # The round's UPDATEs sent inside the step (autoflushes), then what the final flush would send.
    updates = [[assignment.split("=")[0].strip() for assignment in statement.split(" SET ", 1)[1].split(" WHERE ")[0].split(", ")]
               for statement, _parameters, _many in statements if statement.startswith("UPDATE vote_round SET")]
    state = sa_inspect(round_)
    pending = [attr.key for attr in state.mapper.column_attrs if state.attrs[attr.key].history.has_changes()]
    if pending:
        updates.append(pending)
    ranked = sum(len(parameters) if executemany else 1 for statement, parameters, executemany in statements
                 if statement.startswith("UPDATE round_candidate SET") and " rank=" in statement)
    table = Notification.__table__
    notifications = [  # the columns the handler's INSERT names (those it leaves empty are not)
        {key: value for key, value in row.items() if key != "id" and value is not None}
        for row in db.session.execute(select(table).where(table.c.id > notifications_before)).mappings()
    ]
    return VoteWrites(round_.id, updates, ranked, notifications)


def _run_step(setup: Setup, instance: ProcessInstance, task: HumanTask, data: dict, script_engine, secret=None):
    """Restore on the cached spec (as `WorkflowEngine.restore`), run the task and the engine steps.

    A secret ballot's answers do not enter the task's data: `complete_task` hands them to the
    secret handler instead, and runs the task without them. `secret(spiff_task)` stands for that
    call (the probe and a_old call the real handler; (a) passes nothing: the handler stubbed).
    """
    spec_json = setup.engine._spec_json.get(instance.version_id) or instance.version.spec_json
    setup.engine._spec_json[instance.version_id] = spec_json
    workflow = workflow_from_json(instance.state_json, spec_json, script_engine)
    spiff_task = workflow.get_task_from_id(UUID(task.bpmn_task_id))
    if task.secret_handler:
        if secret is not None:
            secret(spiff_task)
    else:
        spiff_task.task_spec.add_data_from_form(spiff_task, data)
    spiff_task.run()
    workflow.do_engine_steps()
    return workflow


def _real_secret_handler(setup: "Setup", task: HumanTask, data: dict):
    """The call `complete_task` makes for a secret ballot, with the real handler (rolled back by the caller)."""
    handler = setup.engine.registry.handler(task.secret_handler).func
    return lambda spiff_task: handler(context=spiff_task.data, user_id=task.assignee_id, answers=data)


def probe_step(setup: "Setup", task_id: int, data: dict) -> Probe:
    """Run the step once with the real handlers and roll back: what (a) replays and (w) writes.

    A secret ballot's handler runs first, as in `complete_task`, so that any service task after
    it (the closing ballot's count) returns what it would return in (b).
    """
    with setup.app.test_request_context():
        task = db.session.get(HumanTask, task_id)
        instance = db.session.get(ProcessInstance, task.instance_id)
        before = {str(t.id) for t in _restore(setup, instance).get_tasks(state=SpiffState.READY, manual=True)}
        recorder = RecordingScriptEngine(setup.engine)
        secret = _real_secret_handler(setup, task, data) if task.secret_handler else None
        ballot = task.secret_handler == "record_ballot"
        notifications_before = db.session.scalar(select(func.max(Notification.id))) or 0
        # As in `complete_task`: the rows the handlers load stay in the session for the whole step.
        with rows_kept_for_the_advance():
            with _Statements() as statements:
                workflow = _run_step(setup, instance, task, data, recorder, secret=secret)
            vote = _vote_writes(instance.id, notifications_before, statements.seen) if ballot else None
        new_ready = [t for t in workflow.get_tasks(state=SpiffState.READY, manual=True) if str(t.id) not in before]
        probe = Probe(recorder.results, workflow_state_to_json(workflow), len(new_ready),
                      None if task.secret_handler else data, data, vote)
        db.session.rollback()  # the handlers' row updates
    return probe


def _restore(setup, instance):
    return setup.engine.restore(instance)


def engine_round_trip(setup: Setup, task_id: int, data: dict, probe: Probe) -> float:
    """(a) The engine as the app runs it, handlers stubbed with their recorded results: restore on the
    cached spec, run the task, engine steps, serialise the state, find the next timer.

    A secret ballot's handler is stubbed too (it is no service task: `complete_task` calls it
    before running the task): its Python is in neither (a) nor (w), its rows are in (w).
    """
    with setup.app.test_request_context():
        task = db.session.get(HumanTask, task_id)
        instance = db.session.get(ProcessInstance, task.instance_id)
        replay = ReplayScriptEngine(setup.engine, probe.handler_results)
        started = time.perf_counter()
        workflow = _run_step(setup, instance, task, data, replay)
        workflow_state_to_json(workflow)
        next_timer_fire_time(workflow)
        elapsed = time.perf_counter() - started
        db.session.rollback()
    return elapsed


def write_floor(setup: Setup, task_id: int, probe: Probe, evidence_id: str | None) -> float:
    """(w) The completion's rows written with Core statements, one durable commit.

    Rows of the real sizes that leave (b) undisturbed: the instance gets its state again (its
    version bumped and checked, as the real save does), the task row its own values, the audit
    row the form data, each new inbox row is written already cancelled, the application row its
    status, the evidence link a scratch row that is deleted again outside the clock.

    A secret ballot writes no application row and no form data (the audit row's data is empty):
    its handler writes the ballot receipt (a scratch row with the real round and voter, deleted
    again outside the clock, so (b) can write its own), one vote more to each chosen candidate
    (here the same UPDATE leaving the counts as they are) and the round's count of ballots cast
    (the round's own value again). The closing ballot's service tasks add, as the probe saw them:
    the ranked candidates' rank, pass and status (one executemany UPDATE, their own values), the
    notifications of the published list (scratch rows with the probe's values, deleted outside
    the clock), and the round's closing, status and notice columns (own values, the same UPDATE).
    """
    with setup.app.test_request_context():
        task = db.session.get(HumanTask, task_id)
        instance_id, version = task.instance_id, task.instance.lock_version
        state_json, next_timer = task.instance.state_json, task.instance.next_timer_dt
        vote_writes = probe.vote
        ballot_round = vote_writes.round_id if vote_writes else None
        chosen = [int(value) for value in (probe.answers.get("choices") or [])] if vote_writes else []
        ranked = list(db.session.scalars(
            select(RoundCandidate.id).filter_by(round_id=ballot_round, status=CandidateStatus.candidate)
            .order_by(RoundCandidate.id)
        ))[:vote_writes.ranked] if vote_writes and vote_writes.ranked else []
        assert not vote_writes or len(ranked) == vote_writes.ranked
        notifications = vote_writes.notifications if vote_writes else []
        scratch_notifications: list[int] = []
        actor = task.assignee_id
        own_values = dict(assignee_id=actor, state=task.state, completed_dt=task.completed_dt,
                          completed_by_id=task.completed_by_id, draft_json=task.draft_json)
        audit = dict(instance_id=instance_id, actor_id=actor, action="bench_floor", task_name=task.task_name,
                     task_title=task.title, task_title_en=task.title_en, form_file=task.form_file, data=probe.audit_data)
        inbox_rows = [dict(
            instance_id=instance_id, process_id=task.process_id, bpmn_task_id=str(uuid.uuid4()),
            task_name="bench_floor", title=task.title, title_en=task.title_en, role=task.role,
            org_id=task.org_id, subject_user_id=task.subject_user_id, subject_name=task.subject_name,
            form_file=task.form_file, ui_form_file=task.ui_form_file, instructions=task.instructions,
            state=TaskState.cancelled, personal=False,
        ) for _ in range(probe.new_ready)]
        evidence_row = db.session.scalar(select(Evidence.id).filter_by(digest=evidence_id).limit(1)) if evidence_id else None
        db.session.commit()
        connection = db.session.connection()
        application, receipt = Application.__table__, BallotReceipt.__table__
        candidate, round_table, notification = RoundCandidate.__table__, VoteRound.__table__, Notification.__table__
        started = time.perf_counter()
        now = utcnow()
        # The audit row first, as `enter_instance` writes it.
        connection.execute(insert(AuditEvent.__table__).values(created_dt=now, **audit))
        if ballot_round is not None:
            # `record_ballot`: the receipt, the chosen candidates' counts, the round's ballots cast.
            connection.execute(insert(receipt).values(round_id=ballot_round, voter_id=actor))
            if chosen:
                connection.execute(update(candidate).where(
                    candidate.c.round_id == ballot_round, candidate.c.id.in_(chosen), candidate.c.status == CandidateStatus.candidate,
                ).values(votes=candidate.c.votes))
            if ranked:  # `close_round`'s executemany
                connection.execute(
                    update(candidate).where(candidate.c.id == bindparam("candidate_id"))
                    .values(rank=candidate.c.rank, passed=candidate.c.passed, status=candidate.c.status),
                    [{"candidate_id": candidate_id} for candidate_id in ranked],
                )
            if notifications:  # `publish_notice`: the list's events, one INSERT
                scratch_notifications = connection.execute(
                    insert(notification).returning(notification.c.id),
                    [dict(row, created_dt=now, email_next_dt=now) for row in notifications],
                ).scalars().all()
            for columns in vote_writes.round_updates:
                connection.execute(update(round_table).where(round_table.c.id == ballot_round)
                                   .values(**{column: round_table.c[column] for column in columns}))
        else:
            connection.execute(update(application).where(application.c.instance_id == instance_id)
                               .values(status=application.c.status))
        changed = connection.execute(
            update(ProcessInstance.__table__)
            .where(ProcessInstance.__table__.c.id == instance_id, ProcessInstance.__table__.c.lock_version == version)
            .values(state_json=state_json, updated_dt=now, next_timer_dt=next_timer, lock_version=version + 1)
        ).rowcount
        assert changed == 1
        connection.execute(update(HumanTask.__table__).where(HumanTask.__table__.c.id == task_id).values(**own_values))
        if inbox_rows:
            connection.execute(insert(HumanTask.__table__), [dict(row, created_dt=now) for row in inbox_rows])
        if evidence_row is not None:
            connection.execute(insert(EvidenceLink.__table__).values(evidence_id=evidence_row, instance_id=instance_id))
        db.session.commit()
        elapsed = time.perf_counter() - started
        db.session.execute(update(ProcessInstance.__table__).where(ProcessInstance.__table__.c.id == instance_id)
                           .values(lock_version=version))
        if evidence_row is not None:
            db.session.execute(EvidenceLink.__table__.delete().where(
                EvidenceLink.evidence_id == evidence_row, EvidenceLink.instance_id == instance_id))
        if ballot_round is not None:
            db.session.execute(receipt.delete().where(receipt.c.round_id == ballot_round, receipt.c.voter_id == actor))
        if scratch_notifications:
            db.session.execute(notification.delete().where(notification.c.id.in_(scratch_notifications)))
        db.session.commit()
    return elapsed


def upload_floor(setup: Setup, user_id: int) -> float:
    """(u), the declaration only: what storing its PDF costs any implementation — the bytes
    written durably (fsynced under a scratch name, renamed, the directory fsynced:
    `core.durable.write_durably`) and the evidence row as one Core INSERT. The row is rolled
    back and the file removed outside the clock. Not part of (w), which the issue defines as
    the completion's rows; printed beside it for information: the form's upload is in (c) only.
    """
    content = PDF + f"% upload floor {uuid.uuid4()}\n".encode()
    directory = Path(tempfile.mkdtemp(prefix="upload-floor-"))
    with setup.app.test_request_context():
        db.session.execute(text("SELECT 1"))  # the transaction is open, as in the request
        started = time.perf_counter()
        digest = hashlib.sha256(content).hexdigest()
        write_durably(directory / digest[:2] / digest, content)
        db.session.connection().execute(insert(Evidence.__table__).values(
            digest="sha256-" + digest, uploaded_by_id=user_id, original_name="证书.pdf",
            content_type="application/pdf", size=len(content), uploaded_dt=utcnow()))
        elapsed = time.perf_counter() - started
        db.session.rollback()
    shutil.rmtree(directory)
    return elapsed


def old_bare_round_trip(setup: Setup, task_id: int, data: dict) -> float:
    """(a_old) The previous reference: the spec deserialised from JSON on every step, the real handlers
    (their database reads) inside, rolled back. For a secret ballot the real secret handler counts
    the answers instead of the form data entering the task (its flushed rows rolled back too)."""
    with setup.app.test_request_context():
        task = db.session.get(HumanTask, task_id)
        instance = db.session.get(ProcessInstance, task.instance_id)
        full_json = json.dumps({**json.loads(instance.state_json), **json.loads(instance.version.spec_json)})
        secret = _real_secret_handler(setup, task, data) if task.secret_handler else None
        started = time.perf_counter()
        workflow = SERIALIZER.deserialize_json(full_json)
        workflow.script_engine = setup.engine.script_engine
        spiff_task = workflow.get_task_from_id(UUID(task.bpmn_task_id))
        if secret is not None:
            secret(spiff_task)
        else:
            spiff_task.task_spec.add_data_from_form(spiff_task, data)
        spiff_task.run()
        workflow.do_engine_steps()
        SERIALIZER.serialize_json(workflow)
        elapsed = time.perf_counter() - started
        db.session.rollback()  # the handlers' row updates
    return elapsed


class StatementCounter:
    """Counts the SQL statements the app sends (COMMIT is not a statement here)."""

    def __init__(self, app) -> None:
        self.count = 0
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1


def service_complete(setup: Setup, task_id: int, actor_id: int, data: dict, counter: StatementCounter | None = None,
                     statements: list | None = None) -> float:
    """(b) `complete_task(engine, user, task, …)`, the evidence links, and the commit.

    The user (with roles) and the task row are its arguments: they are loaded before the clock
    starts, as the request's login and route load them before the operation runs (that is in (c)).
    """
    form_keys = tuple(data)
    with setup.app.test_request_context():
        task = db.session.get(HumanTask, task_id)
        user = db.session.get(User, actor_id)
        user.role_scopes()
        before = counter.count if counter else 0
        started = time.perf_counter()
        instance = complete_task(setup.engine, user, task, data, form_keys)
        link_to_instance(instance, set(data.get("evidence") or ()), uploaded_by=user)
        db.session.commit()
        elapsed = time.perf_counter() - started
        if statements is not None:
            statements.append(counter.count - before)
        assert db.session.get(HumanTask, task_id).state is TaskState.completed
    return elapsed


def http_complete(setup: Setup, step: str, task_id: int, actor_id: int, counter: StatementCounter | None = None,
                  statements: list | None = None, profiler=None) -> float:
    """(c) POST the task's form as a logged-in browser would; the server's time for the request.

    Timed around the app's WSGI call: the test client's own work (encoding the multipart body,
    its cookie jar, reading the response) is the browser's, not the server's. The task page is
    fetched first, untimed, as a person opens the form before posting it: the process has then
    seen the user (its user cache, `webapp/auth/cache.py`, holds them), as it has for a real post.
    """
    client = setup.app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(actor_id)
        session["_fresh"] = True
    page = client.get(f"/tasks/{task_id}")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    if step == "fill_declaration":
        post = dict(data=declaration_post(actor_id), content_type="multipart/form-data")
    elif step in ("ballot", "closing_ballot"):
        # As the task page posts it: a plain form (no file field, so not multipart since 57cf884), one
        # checkbox per chosen candidate and the submit button.
        post = dict(data={"choices": setup.choices[task_id], "_action": "submit"})
    else:
        post = dict(data=REVIEW)
    served: list[float] = []
    wsgi_app = setup.app.wsgi_app

    def timed(environ, start_response):
        started = time.perf_counter()
        try:
            return wsgi_app(environ, start_response)
        finally:
            served.append(time.perf_counter() - started)

    setup.app.wsgi_app = timed
    before = counter.count if counter else 0
    if profiler is not None:
        profiler.enable()
    try:
        response = client.post(f"/tasks/{task_id}", **post)
    finally:
        if profiler is not None:
            profiler.disable()
        setup.app.wsgi_app = wsgi_app
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    if statements is not None:
        statements.append(counter.count - before)  # the POST's own: not the page fetched before it
    return served[0]


def empty_commits(app, count: int) -> list[float]:
    """The old reference: a transaction doing nothing but SELECT 1 and COMMIT, in a fresh app context."""
    samples = []
    for _ in range(count):
        with app.app_context():
            started = time.perf_counter()
            db.session.execute(text("SELECT 1"))
            db.session.commit()
            samples.append(time.perf_counter() - started)
    return samples


def measure(app, samples: int, warmup: int, steps: tuple[str, ...] = STEPS) -> dict:
    """Every step: a, w, b (and a_old), c interleaved per sample; statements; ratios and verdicts."""
    setup = Setup(app, samples + warmup, steps=steps)
    counter = StatementCounter(app)
    rng = random.Random(5)
    results = {}
    for step in steps:
        timings = {"a": [], "w": [], "b": [], "c": [], "a_old": []}
        statements = {"b": [], "c": []}
        setup.prepare(step)
        tasks = setup.tasks[step]
        half = len(tasks) // 2
        for index in range(half):
            (task_id, actor_id), (twin_id, twin_actor) = tasks[index], tasks[half + index]
            data = step_data(setup, step, task_id, actor_id)
            kinds = ["awb", "c"]
            rng.shuffle(kinds)
            for kind in kinds:
                if kind == "awb":
                    probe = probe_step(setup, task_id, data)
                    evidence = data["evidence"][0] if step == "fill_declaration" else None
                    measured = {
                        "a": engine_round_trip(setup, task_id, data, probe),
                        "w": write_floor(setup, task_id, probe, evidence),
                        "a_old": old_bare_round_trip(setup, task_id, data),
                        # (b) last: it consumes the state
                        "b": service_complete(setup, task_id, actor_id, data, counter, statements["b"]),
                    }
                    if step == "fill_declaration":
                        measured["u"] = upload_floor(setup, actor_id)
                    if index >= warmup:
                        for key, value in measured.items():
                            timings.setdefault(key, []).append(value)
                else:
                    c = http_complete(setup, step, twin_id, twin_actor, counter, statements["c"])
                    if index >= warmup:
                        timings["c"].append(c)
        commits = empty_commits(app, len(timings["a"]))
        results[step] = _compare(timings, commits, statements, STATEMENT_TARGETS.get(step))
    return results


def _compare(timings: dict[str, list[float]], commits: list[float], statements: dict[str, list[int]],
             statement_target: int | None = None) -> dict:
    """Summaries, ratios against the floor (a + w) and verdicts against the targets; the old ratio beside."""
    stats = {kind: common.summary(values) for kind, values in timings.items()}
    stats["empty_commit"] = common.summary(commits)
    median = {kind: stats[kind]["median_ms"] for kind in stats}
    floor = median["a"] + median["w"]
    old_reference = median["a_old"] + median["empty_commit"]
    stats["floor_ms"] = round(floor, 2)
    stats["statements"] = {kind: {"median": sorted(v)[len(v) // 2], "max": max(v)} for kind, v in statements.items() if v}
    stats["ratios"] = {
        "b_over_floor": round(median["b"] / floor, 2),
        "c_over_floor": round(median["c"] / floor, 2),
        **({"c_over_floor_with_upload": round(median["c"] / (floor + median["u"]), 2)} if "u" in median else {}),
        "p95_b_over_floor": round(stats["b"]["p95_ms"] / (stats["a"]["p95_ms"] + stats["w"]["p95_ms"]), 2),
        "p95_c_over_floor": round(stats["c"]["p95_ms"] / (stats["a"]["p95_ms"] + stats["w"]["p95_ms"]), 2),
        # The old figure, named for what it is: against a floor that held the handlers' reads and a
        # spec deserialised from JSON on every step.
        "old_b_over_inflated_floor": round(median["b"] / old_reference, 2),
        "old_c_over_inflated_floor": round(median["c"] / old_reference, 2),
    }
    stats["targets"] = {
        "b <= 2 x (a + w)": common.verdict(stats["ratios"]["b_over_floor"], 2.0),
        "c <= 3 x (a + w)": common.verdict(stats["ratios"]["c_over_floor"], 3.0),
    }
    if statement_target is not None and "b" in stats["statements"]:
        stats["targets"][f"statements (b) <= {statement_target}"] = common.verdict(
            stats["statements"]["b"]["max"], statement_target)
    return stats


def profile_service_layer(app, count: int) -> dict:
    """Where (b)'s time goes: cProfile over extra service-layer completions of the review step."""
    setup = Setup(app, count // 2 + 1, prefix="profile", steps=("school_review",))
    tasks = setup.tasks["school_review"][:count]
    import cProfile

    profiler = cProfile.Profile()
    for task_id, actor_id in tasks:
        profiler.runcall(service_complete, setup, task_id, actor_id, REVIEW)
    return {"completions": len(tasks), "self_time_s_by_library": common.time_by_library(profiler)}


# Parts of (c), each a function whose inclusive time the profile of (c) measures (file suffix, name).
HTTP_PARTS = (
    ("the user and their roles (Flask-Login)", "webapp/__init__.py", "load_active_user"),
    ("the task row, permission checked", "webapp/workflow/operations.py", "get_actionable_task"),
    ("restoring the instance", "webapp/engine/runtime.py", "restore"),
    ("the form's context and earlier answers", "webapp/workflow/task_forms.py", "task_context"),
    ("", "webapp/workflow/task_forms.py", "current_form_data"),
    ("multipart parsing (Werkzeug)", "werkzeug/wrappers/request.py", "_load_form_data"),
    ("storing the upload", "webapp/evidence/operations.py", "store_upload"),
    ("form parsing and validation (ours)", "webapp/forms/library.py", "parse_submission"),
    ("", "webapp/forms/library.py", "validate"),
    ("complete_task (= most of b)", "webapp/workflow/operations.py", "complete_task"),
    ("  of which the secret ballot's handler", "handlers/school_vote.py", "record_ballot"),
    ("  of which the count and the notice", "handlers/school_vote.py", "close_round"),
    ("", "handlers/school_vote.py", "publish_notice"),
    ("evidence links", "webapp/evidence/operations.py", "link_to_instance"),
    ("the outcome message", "webapp/workflow/outcomes.py", "outcome_after"),
    ("commit", "sqlalchemy/orm/session.py", "commit"),
    ("the session cookie", "flask/sessions.py", "save_session"),
)


def profile_http(app, step: str, count: int) -> dict:
    """Where (c)'s time goes: cProfile over extra HTTP completions; each part's share of the total.

    Shares, not milliseconds: the profiler slows Python code more than waiting on the database,
    so a part's share times the measured median is an estimate. Parts may overlap (the multipart
    parse runs inside our form parsing); "the rest" is Flask's dispatch, routing, CSRF, headers.
    """
    import cProfile
    import pstats

    setup = Setup(app, count // 2 + 1, prefix=f"http{step[:4]}", steps=(step,))
    setup.prepare(step)
    tasks = setup.tasks[step][:count]
    profiler = cProfile.Profile()
    for task_id, actor_id in tasks:
        http_complete(setup, step, task_id, actor_id, profiler=profiler)  # the POST only, not the page before it
    stats = pstats.Stats(profiler).stats
    # The whole of the POST as the server sees it: the WSGI call (`timed`, inside http_complete).
    total = sum(ct for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.items()
                if name == "timed" and filename.endswith("bench_step_overhead.py"))
    shares: dict[str, float] = {}
    label = ""
    for part, suffix, function in HTTP_PARTS:
        label = part or label
        inclusive = sum(ct for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.items()
                        if name == function and filename.endswith(suffix))
        shares[label] = shares.get(label, 0.0) + inclusive / total
    return {"completions": len(tasks), "share_of_c": {key: round(value, 3) for key, value in shares.items()}}


def report(database: str, results: dict) -> None:
    """Print the figures of one database."""
    print(f"\n== {database}")
    labels = (
        ("a", "(a) engine round trip, handlers stubbed"), ("w", "(w) write floor: Core rows + commit"),
        ("b", "(b) service layer + commit"), ("c", "(c) HTTP POST, server time"),
        ("a_old", "(old a) full-JSON restore + handlers"), ("empty_commit", "    empty commit (SELECT 1; COMMIT)"),
    )
    for step, stats in results.items():
        print(f"  step {step}:")
        for kind, label in labels:
            print(f"    {label:<40} median {stats[kind]['median_ms']:7.2f} ms   p95 {stats[kind]['p95_ms']:7.2f} ms")
        ratios, targets = stats["ratios"], stats["targets"]
        print(f"    floor a + w = {stats['floor_ms']} ms; b/(a+w) = {ratios['b_over_floor']} "
              f"(target ≤ 2: {targets['b <= 2 x (a + w)']}), c/(a+w) = {ratios['c_over_floor']} "
              f"(target ≤ 3: {targets['c <= 3 x (a + w)']})")
        if "u" in stats:
            print(f"    (u) the upload's floor (file written durably + evidence row, in (c) only): median "
                  f"{stats['u']['median_ms']:.2f} ms; for information c/(a+w+u) = {ratios['c_over_floor_with_upload']}")
        print(f"    old figure, against the inflated floor (a_old + empty commit): b {ratios['old_b_over_inflated_floor']}, "
              f"c {ratios['old_c_over_inflated_floor']}")
        for kind, figures in stats["statements"].items():
            print(f"    SQL statements ({kind}): median {figures['median']}, max {figures['max']}")
        for name, verdict in targets.items():
            if name.startswith("statements"):
                print(f"    target {name}: {verdict}")


def main() -> None:
    """Run on PostgreSQL (durable settings) and on SQLite; save bench/results/bench_step_overhead.json."""
    args = common.arguments(__doc__, extra=[
        ("--samples", dict(type=int, default=None, help="samples per kind and step (default 150, 20 with --quick)")),
        ("--steps", dict(default=",".join(STEPS), help=f"comma-separated steps to measure (default: {','.join(STEPS)})")),
    ])
    samples, warmup = (20, 3) if args.quick else (150, 10)
    if args.samples:
        samples = args.samples
    steps = tuple(step.strip() for step in args.steps.split(",") if step.strip())
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise SystemExit(f"unknown steps {sorted(unknown)}; known: {', '.join(STEPS)}")
    load_before = common.load_average()
    server, pg_info = common.start_bench_postgres()
    try:
        pg_app = common.make_app(server.url)
        postgres = measure(pg_app, samples, warmup, steps)
        report("PostgreSQL", postgres)
        profile = profile_service_layer(pg_app, 20 if args.quick else 60)
        print("  (b) self time by library, review step on PostgreSQL:", profile["self_time_s_by_library"])
        http_profile = {}
        for step in postgres:
            http_profile[step] = profile_http(pg_app, step, 20 if args.quick else 60)
            median_c = postgres[step]["c"]["median_ms"]
            print(f"  (c) {step} on PostgreSQL, median {median_c} ms, by part (cProfile share × median; parts may overlap):")
            for part, share in http_profile[step]["share_of_c"].items():
                print(f"      {part:<42} {share * 100:5.1f} %  ≈ {share * median_c:5.2f} ms")
    finally:
        server.stop()
    sqlite = measure(common.make_app(common.sqlite_url()), samples, warmup, steps)
    report("SQLite", sqlite)
    common.save_result("bench_step_overhead", {
        "samples_per_kind": samples, "warmup": warmup, "steps": list(steps), "load_average_before": load_before,
        "postgresql_settings": pg_info["settings"],
        "load_average_after": common.load_average(),
        "notes": "(a) = the engine as the app runs it (cached spec, sandboxed script engine), the handlers stubbed "
                 "with the results the real ones returned in a rolled-back probe; (w) = the completion's rows as Core "
                 "statements and one durable commit; floor = a + w. (b) = complete_task + link_to_instance + commit, "
                 "its arguments (user with roles, task row) loaded before the clock starts. (c) = the whole request: "
                 "session, permission checks, form parsing and validation, file upload, complete_task, evidence links, "
                 "commit, redirect. a_old/empty_commit: the old, inflated reference, kept for one release. "
                 "ballot / closing_ballot: a committee member's secret ballot (not the last / the last of a round of "
                 "three); the secret handler record_ballot is stubbed in (a) (not called), its rows and those of the "
                 "closing ballot's service tasks are in (w).",
        "postgresql": postgres, "sqlite": sqlite, "profile_b_postgresql": profile,
        "profile_c_postgresql": http_profile,
    }, pg_info["version"])


if __name__ == "__main__":
    main()
