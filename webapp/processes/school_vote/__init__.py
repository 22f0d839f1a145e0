"""School vote and public notice (学校民主评议与公示): secret ballots, the notice, the report to the county.

The flow is ``workflows/school_vote.bpmn`` with ``workflows/vote_rules.dmn``; its service tasks
are ``handlers/school_vote.py``. Objections to the notice are their own process (`objection`).
"""
