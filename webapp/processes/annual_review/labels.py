"""Words of the annual review: review statuses, proposals and decisions, appeal outcomes, timeline entries."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

REVIEW_STATUS = {
    "summary": _l("Holder writes the year's summary"),
    "confirmation": _l("School confirms the records"),
    "returned": _l("Returned to the holder"),
    "opinion": _l("Research-staff opinion"),
    "decision": _l("County office decides"),
    "appeal_window": _l("Failed; appeal possible"),
    "appeal": _l("Appeal with the county leader"),
    "passed": _l("Passed"),
    "revoked": _l("Failed; title revoked"),
    "void": _l("Closed: the title was no longer valid"),
}

OUTCOMES = {
    "pass": _l("Pass"),
    "fail": _l("Fail"),
}

APPEAL_OUTCOMES = {
    "upheld": _l("Appeal upheld: the title is kept"),
    "rejected": _l("Appeal rejected: the title is revoked"),
}

PERIODS = {
    "semester": _l("per semester"),
    "year": _l("per school year"),
}
