"""Events of the school vote told to the people concerned: ballots, the list, objections' outcomes.

Each is written through `notify_event` in the transaction that makes the change, once per
person (the keys below name each event).
"""
from __future__ import annotations

from ...models import NotificationKind
from ...models import utcnow
from ...notifications.events import app_path, current_event_policy, event_row, holders_above, insert_events, notify_event
from ...roles import Role
from ...titles import call_title
from .models import CandidateStatus, RoundCandidate, VoteRound


def _about(round_: VoteRound) -> dict:
    """What every message about a round names: the title in both languages and the school."""
    return {"title": call_title(round_.cycle, english=False), "title_en": call_title(round_.cycle, english=True),
            "school": round_.school.name}


def _notice_page(round_: VoteRound) -> str:
    return app_path("school_vote.round_page", round_id=round_.id)


def ballots_issued(round_: VoteRound, voter_ids: list[int]) -> None:
    """Each member who gets a ballot (at opening, or again after an extension) is told."""
    deadline = round_.ballot_deadline_dt.isoformat()
    notify_event(NotificationKind.ballot_issued, voter_ids, key=f"round:{round_.id}:ballots:{deadline}",
                 instance=round_.instance_id, params={**_about(round_), "deadline": deadline},
                 link=None if round_.instance_id else app_path("workflow.inbox", view="mine"))


def list_published(round_: VoteRound) -> None:
    """Every candidate learns whether the vote recommended them once the list is on notice."""
    about = _about(round_)
    policy, now = current_event_policy(), utcnow()
    recommended = {**about, "notice_end": round_.notice_end_dt.isoformat(), "link": _notice_page(round_)}
    others = {**about, "link": app_path("self_application.mine")}
    rows = []  # one INSERT for the whole list (was one per candidate)
    for candidate in round_.candidates:
        if candidate.status is CandidateStatus.recommended:
            kind, params = NotificationKind.recommended, recommended
        elif candidate.status in (CandidateStatus.reserve, CandidateStatus.not_passed):
            kind, params = NotificationKind.not_recommended, others
        else:
            continue
        if policy.enabled(kind):
            rows.append(event_row(kind, candidate.teacher_id, f"candidate:{candidate.id}:published", now, params=dict(params)))
    insert_events(rows)


def moved_up(candidate: RoundCandidate | None) -> None:
    """A candidate who moves up into the list (after a removal or a withdrawal) is told."""
    if candidate is None:
        return
    round_ = candidate.round
    params = {**_about(round_), "notice_end": round_.notice_end_dt.isoformat() if round_.notice_end_dt else None}
    notify_event(NotificationKind.recommended, [candidate.teacher_id], key=f"candidate:{candidate.id}:promoted",
                 params=params, link=_notice_page(round_))


def removed(candidate: RoundCandidate) -> None:
    """The candidate an upheld objection removed from the list is told (not by whom)."""
    notify_event(NotificationKind.removed, [candidate.teacher_id], key=f"candidate:{candidate.id}:removed",
                 params=_about(candidate.round), link=app_path("self_application.mine"))


def list_reported(round_: VoteRound) -> None:
    """The county office finds the list waiting for it; the teachers on it learn it went to the county."""
    about = {**_about(round_), "names": [c.teacher.display_name for c in round_.recommended()]}
    key = f"round:{round_.id}:reported"
    notify_event(NotificationKind.list_reported, holders_above(Role.county_office, round_.school), key=key,
                 params=about, link=app_path("school_vote.county"))
    notify_event(NotificationKind.list_reported, [c.teacher_id for c in round_.recommended()], key=key,
                 params=about, link=_notice_page(round_))


def objection_answered(objection) -> None:
    """The objector reads the school's answer on the notice page."""
    candidate = objection.candidate
    notify_event(NotificationKind.objection_reply, [objection.objector_id], key=f"objection:{objection.id}",
                 instance=objection.instance_id,
                 params={**_about(candidate.round), "candidate": candidate.teacher.display_name,
                         "decision": objection.status.value, "reply": (objection.reply or "")[:1000]},
                 link=_notice_page(candidate.round))
