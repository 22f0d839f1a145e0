"""Words of the school vote: round and candidate statuses, the teacher's stage, notice changes."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROUND_STATUS = {
    "voting": _l("Voting"),
    "no_quorum": _l("Closed without quorum"),
    "tie": _l("Tie waiting for a decision"),
    "notice": _l("On public notice"),
    "reporting": _l("Notice ended, to be reported"),
    "reported": _l("Reported to the county"),
    "cancelled": _l("Cancelled"),
}

CANDIDATE_STATUS = {
    "candidate": _l("Candidate"),
    "recommended": _l("Recommended"),
    "reserve": _l("Passed, below the quota line"),
    "not_passed": _l("Did not pass"),
    "removed": _l("Removed after an objection"),
    "withdrawn": _l("Withdrawn"),
}

# Where a teacher's application stands in the school vote (see operations.stage).
VOTE_STAGES = {
    "in_vote": _l("In the school vote"),
    "on_notice": _l("Recommended, on public notice"),
    "reported": _l("Recommended, reported to the county"),
    "not_recommended": _l("Not recommended"),
    "removed": _l("Removed after an objection"),
    "withdrawn": _l("Withdrawn from the vote"),
    "round_cancelled": _l("Vote cancelled; waiting for a new vote"),
}

NOTICE_CHANGES = {
    "removed": _l("removed from the list after an objection was upheld"),
    "withdrawn": _l("withdrew"),
    "promoted": _l("moved up into the list"),
}
