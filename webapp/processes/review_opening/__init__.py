"""The competitive review opening itself at the schools' reporting deadline (报送截止后自动开启评审).

The flow is ``workflows/review_opening.bpmn`` (two timers: remind the schools that have not
reported, then open the review); its service tasks are ``handlers/review_opening.py``, which call
`webapp.processes.county_review.opening`, where the office's settings (`ReviewOpening`) live.
"""
