"""Handlers for the annual review of a title holder (workflows/annual_review.bpmn).

The rules come from `workflows/annual_review_rules.dmn` (periods, opinion, appeal days) and
`workflows/annual_review_proposal.dmn` (pass or fail from the duties met); the duties from
`workflows/annual_duties.dmn`. Each handler reads the review by id and changes titles only
through `webapp.register` (in `webapp.processes.annual_review.operations`).
"""
from __future__ import annotations

from webapp.processes.annual_review import operations as review_ops

from . import handler


@handler("record_annual_summary", "Keep the holder's summary of the year; the log's evidence becomes readable through the review.")
def record_annual_summary(review_id, summary: str) -> bool:
    review_ops.record_summary(review_ops.review_by_id(review_id), summary)
    return True


@handler("record_school_confirmation", "The school confirmed or returned the records; finds the research staff of the subject for an opinion.")
def record_school_confirmation(review_id, decision: str, comment: str = "", ask_opinion: bool = True) -> dict:
    return review_ops.record_confirmation(review_ops.review_by_id(review_id), decision, comment, bool(ask_opinion))


@handler("record_research_opinion", "Keep the research staff's opinion.")
def record_research_opinion(review_id, opinion: str) -> bool:
    review_ops.record_opinion(review_ops.review_by_id(review_id), opinion)
    return True


@handler("tally_annual_duties", "Count the duties met and short in the school year (read by annual_review_proposal).")
def tally_annual_duties(review_id) -> dict:
    return review_ops.tally(review_ops.review_by_id(review_id))


@handler("record_annual_proposal", "Keep the proposal of the rule; words for the county office's step.")
def record_annual_proposal(review_id, proposal: str) -> dict:
    return review_ops.record_proposal(review_ops.review_by_id(review_id), proposal)


@handler("record_annual_decision", "The county office's decision: pass keeps the title, fail opens the appeal window.")
def record_annual_decision(review_id, decision: str, reason: str = "", appeal_days: int = 5) -> dict:
    return review_ops.record_decision(review_ops.review_by_id(review_id), decision, reason, int(appeal_days))


@handler("record_annual_appeal", "The holder appealed or accepted; an appeal after the window is refused.")
def record_annual_appeal(review_id, choice: str, text: str = "") -> dict:
    return review_ops.record_appeal(review_ops.review_by_id(review_id), choice, text)


@handler("record_annual_appeal_decision", "The county leader upheld (title kept) or rejected (title revoked) the appeal.")
def record_annual_appeal_decision(review_id, outcome: str, reason: str) -> dict:
    return review_ops.record_appeal_decision(review_ops.review_by_id(review_id), outcome, reason)


@handler("revoke_after_annual_review", "The appeal window ended or the holder accepted: revoke the title and allowance.")
def revoke_after_annual_review(review_id) -> bool:
    return review_ops.revoke_after_window(review_ops.review_by_id(review_id))
