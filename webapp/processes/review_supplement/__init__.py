"""A school supplements a candidate's material that the review's materials check returned (补充材料).

The flow is ``workflows/review_supplement.bpmn``; its service task is ``handlers/review_supplement.py``.
It is started by the county review (`county_review.operations.decide_materials`).
"""
