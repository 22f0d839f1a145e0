"""Words of the county review: review and candidate statuses, opinions, criteria, the teacher's stage."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

REVIEW_STATUS = {
    "materials": _l("Materials check"),
    "opinions": _l("Research-staff opinions"),
    "assigning": _l("Forming the expert panels"),
    "scoring": _l("Expert scoring"),
    "selection": _l("Selection"),
    "approval": _l("Waiting for the leading group's approval"),
    "notice": _l("On public notice"),
    "done": _l("Result final"),
    "cancelled": _l("Cancelled"),
}

CANDIDATE_STATUS = {
    "pending": _l("Materials not yet checked"),
    "returned": _l("Returned to the school for material"),
    "supplemented": _l("Material supplemented, to be checked again"),
    "accepted": _l("Materials accepted"),
    "formal": _l("Formal candidate"),
    "reserve": _l("Reserve list"),
    "not_selected": _l("Not selected"),
    "rejected": _l("Rejected at the materials check"),
    "withdrawn": _l("Withdrawn"),
    "removed": _l("Removed after an objection"),
}

OPINIONS = {
    "recommend": _l("Recommend"),
    "neutral": _l("Neutral"),
    "not_recommend": _l("Do not recommend"),
}

# Names of rubric criteria; a criterion an administrator adds without a label shows its key.
CRITERIA = {
    "teaching": _l("Teaching"),
    "research": _l("Research"),
    "growth": _l("Professional growth"),
}

CONFLICTS = {
    "self": _l("the expert is the candidate"),
    "same_school": _l("the expert belongs to the candidate's school"),
    "subject": _l("the expert does not serve this subject"),
}

# The review's own paper trail (models.ReviewEvent).
EVENTS = {
    "accepted": _l("Materials accepted"),
    "fast_track": _l("Materials accepted, fast track verified"),
    "rejected": _l("Rejected at the materials check"),
    "returned": _l("Returned to the school for material"),
    "supplemented": _l("The school supplemented material"),
    "materials_done": _l("Materials check finished"),
    "panel_changed": _l("Expert panel changed"),
    "panels_confirmed": _l("Expert panels confirmed"),
    "withdrawn": _l("Withdrawn by the teacher"),
    "objection_upheld": _l("Removed from the notice: an objection was upheld"),
    "moved_up": _l("Moved up from the reserve list"),
    "expert_inactive": _l("Score sheet returned: the expert's account is deactivated"),
    "opened_itself": _l("Opened at the schools' reporting deadline"),
}

# Where a teacher stands in the review (see stages.py).
# The same stages for a candidate who entered from the title register (a city or province review):
# the review is not the county's.
REGISTER_STAGES = {
    "in_review": _l("In the review"),
    "returned": _l("Material requested"),
    "rejected": _l("Rejected at the materials check"),
    "on_notice": _l("Selected, on the public notice"),
    "formal": _l("Formal candidate"),
    "reserve": _l("On the reserve list"),
    "not_selected": _l("Not selected in the review"),
    "withdrawn": _l("Withdrawn from the review"),
    "removed": _l("Removed from the notice after an objection"),
}
TEACHER_STAGES = {
    "in_review": _l("In the county review"),
    "returned": _l("County review: material requested from your school"),
    "rejected": _l("Rejected at the county's materials check"),
    "on_notice": _l("Selected, on the county's public notice"),
    "formal": _l("Formal candidate"),
    "reserve": _l("On the county's reserve list"),
    "not_selected": _l("Not selected in the county review"),
    "withdrawn": _l("Withdrawn from the county review"),
    "removed": _l("Removed from the county's notice after an objection"),
}
