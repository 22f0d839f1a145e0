"""What the annual review's service tasks do (`handlers/annual_review.py` calls these).

Title changes go through `webapp.register` only. A fail does not revoke at once: the revocation
takes effect when the appeal window ends, when the holder accepts, or when the leader rejects
the appeal — the title stays valid until then.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ... import register
from ...calendar import end_of_working_days, local_zone
from ...calendar.editing import today
from ...evidence.operations import link_to_instance
from ...extensions import db
from ...i18n import is_english
from ...models import HumanTask, ProcessInstance, RoleAssignment, TaskState, TeacherProfile, TitleStatus, User, utcnow
from ...roles import Role
from .duties import pairing_credit, records_of, tally as duty_tally, title_duties
from .labels import OUTCOMES
from .models import AnnualReview, AnnualReviewStatus
from .notices import in_both, school_admin_ids, tell
from .schoolyear import SchoolYear


def review_by_id(review_id) -> AnnualReview:
    """The review a process is about."""
    review = db.session.get(AnnualReview, int(review_id))
    if review is None:
        raise LookupError(f"annual review {review_id} does not exist")
    return review


def _completed_by(review: AnnualReview, step: str) -> int | None:
    """Who completed the latest `step` of the review's instance (the handler is not told)."""
    return db.session.scalar(
        select(HumanTask.completed_by_id).where(HumanTask.instance_id == review.instance_id,
                                                HumanTask.task_name == step, HumanTask.state == TaskState.completed)
        .order_by(HumanTask.id.desc()).limit(1))


def _year_label(review: AnnualReview, english: bool) -> str:
    return SchoolYear(review.school_year).label(english)


def record_summary(review: AnnualReview, summary: str) -> None:
    """Keep the summary; the year's logged evidence becomes readable through the review."""
    review.summary = summary
    review.status = AnnualReviewStatus.confirmation
    cited = {e for record in records_of(review.title_id, review.school_year) for e in (record.evidence or [])}
    if cited and review.instance_id:
        link_to_instance(db.session.get(ProcessInstance, review.instance_id), cited,
                         uploaded_by=db.session.get(User, review.user_id))


def opinion_staff(review: AnnualReview) -> int | None:
    """The research staff of the holder's subject in the county, if there is one."""
    from ..county_review.models import StaffSubject

    subject = review.title.subject or db.session.scalar(
        select(TeacherProfile.subject).where(TeacherProfile.user_id == review.user_id))
    if not subject:
        return None
    return db.session.scalar(
        select(StaffSubject.user_id)
        .join(RoleAssignment, (RoleAssignment.user_id == StaffSubject.user_id)
              & (RoleAssignment.org_id == StaffSubject.org_id) & (RoleAssignment.role == Role.research_staff))
        .where(StaffSubject.org_id == review.county_id, StaffSubject.subject == subject)
        .order_by(StaffSubject.user_id).limit(1))


def record_confirmation(review: AnnualReview, decision: str, comment: str, ask_opinion: bool) -> dict:
    """The school confirmed (on to the opinion or the proposal) or returned the records to the holder."""
    review.school_comment = comment or None
    if decision == "return":
        review.status = AnnualReviewStatus.returned
        count = db.session.query(HumanTask).filter_by(instance_id=review.instance_id, task_name="confirm_records").count()
        tell([review.user_id], review.title, f"annual:{review.id}:returned:{count}",
             lambda: _("Your annual review (%(year)s) was returned by your school: %(comment)s",
                       year=_year_label(review, _is_en()), comment=comment or "—"), instance_id=review.instance_id)
        return {"returned": True, "opinion_staff": None}
    staff = opinion_staff(review) if ask_opinion else None
    review.status = AnnualReviewStatus.opinion if staff is not None else AnnualReviewStatus.decision
    return {"returned": False, "opinion_staff": staff}


def _is_en() -> bool:
    return is_english()


def record_opinion(review: AnnualReview, opinion: str) -> None:
    """The research staff's opinion, for the office's decision."""
    review.opinion = opinion
    review.status = AnnualReviewStatus.decision


def tally(review: AnnualReview) -> dict:
    """The duties met and short in the review's school year (what the proposal table reads)."""
    return duty_tally(title_duties(review.title), records_of(review.title_id, review.school_year),
                      pairing_credit(review.title, review.school_year))


def record_proposal(review: AnnualReview, proposal: str, counts: dict | None = None) -> dict:
    """Keep the rule's proposal; words for the office's step."""
    review.proposal = "pass" if proposal == "pass" else "fail"
    counts = counts if counts is not None else tally(review)
    review.tally = counts
    review.status = AnnualReviewStatus.decision
    with_locale = in_both(lambda: str(OUTCOMES[review.proposal]))
    summary = in_both(lambda: _("%(met)d of %(total)d duties met", met=counts.get("met", 0), total=counts.get("total", 0)))
    return {"proposal": review.proposal, "label": with_locale[0], "label_en": with_locale[1],
            "summary": summary[0], "summary_en": summary[1]}


def record_decision(review: AnnualReview, decision: str, reason: str, appeal_days: int) -> dict:
    """Pass keeps the title; fail opens the appeal window. A departure from the proposal needs a
    reason; a title no longer valid closes the review without a decision."""
    reason = (reason or "").strip()
    if review.title.status != TitleStatus.active:
        review.status = AnnualReviewStatus.void
        return {"outcome": "void"}
    if decision != review.proposal and not reason:
        problem = in_both(lambda: _("Your decision departs from the proposal: give the reason."))
        return {"outcome": "invalid", "problem": problem[0], "problem_en": problem[1]}
    review.decision, review.decision_reason = decision, reason or None
    review.decided_by_id = _completed_by(review, "county_decision")
    review.decided_on = today()
    year_label = lambda: _year_label(review, _is_en())  # noqa: E731
    if decision == "pass":
        review.status = AnnualReviewStatus.passed
        review.effective_on = review.decided_on
        tell([review.user_id], review.title, f"annual:{review.id}:passed",
             lambda: _("Your annual review (%(year)s) is passed: the title and its allowance are kept.", year=year_label()),
             instance_id=review.instance_id)
        return {"outcome": "pass"}
    ends = end_of_working_days(utcnow(), max(0, int(appeal_days)))
    review.appeal_until = ends
    review.status = AnnualReviewStatus.appeal_window
    local = ends.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")
    tell([review.user_id], review.title, f"annual:{review.id}:failed",
         lambda: _("Your annual review (%(year)s) is failed: %(reason)s. You may appeal until %(end)s; otherwise the "
                   "title and allowance are revoked then.", year=year_label(), reason=reason, end=local),
         instance_id=review.instance_id)
    return {"outcome": "fail", "reason": reason, "appeal_ends": ends.isoformat(), "appeal_ends_local": local}


def record_appeal(review: AnnualReview, choice: str, text: str) -> dict:
    """The holder appealed (to the leader) or accepted (revoked now); an appeal after the window is refused."""
    if choice != "appeal":
        return {"appealed": False}
    if review.appeal_until is not None and utcnow() > review.appeal_until:
        tell([review.user_id], review.title, f"annual:{review.id}:late",
             lambda: _("Your appeal came after the appeal period had ended; the revocation takes effect."),
             instance_id=review.instance_id)
        return {"appealed": False, "late": True}
    review.appeal_text = text
    review.status = AnnualReviewStatus.appeal
    return {"appealed": True}


def _revoke(review: AnnualReview, reason: str, actor_id: int | None) -> None:
    on = today()
    if review.title.status == TitleStatus.active:
        register.revoke(review.title, on, reason, actor_id=actor_id, instance_id=review.instance_id)
    review.status = AnnualReviewStatus.revoked
    review.effective_on = on
    tell([review.user_id, *school_admin_ids(review.school_id)], review.title, f"annual:{review.id}:revoked",
         lambda: _("The title of %(name)s is revoked after the annual review (%(year)s): %(reason)s",
                   name=review.holder.display_name, year=_year_label(review, _is_en()), reason=reason),
         instance_id=review.instance_id)


def revoke_after_window(review: AnnualReview) -> bool:
    """The window ended (or the holder accepted, or appealed too late): the revocation takes effect."""
    if review.status not in (AnnualReviewStatus.appeal_window, AnnualReviewStatus.appeal):
        return False
    _revoke(review, review.decision_reason or _("Annual review failed"), review.decided_by_id)
    return True


def record_appeal_decision(review: AnnualReview, outcome: str, reason: str) -> dict:
    """The leader upholds the appeal (title kept) or rejects it (revoked now)."""
    review.appeal_outcome = "upheld" if outcome == "upheld" else "rejected"
    review.appeal_reason = reason
    actor = _completed_by(review, "appeal_decision")
    if review.appeal_outcome == "upheld":
        review.status = AnnualReviewStatus.passed
        review.effective_on = today()
        tell([review.user_id], review.title, f"annual:{review.id}:appeal_upheld",
             lambda: _("Your appeal is upheld: the title and its allowance are kept. %(reason)s", reason=reason),
             instance_id=review.instance_id)
    else:
        _revoke(review, f"{review.decision_reason or ''} {reason}".strip(), actor)
    return {"outcome": review.appeal_outcome}
