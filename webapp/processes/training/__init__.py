"""Training period (培养期): plan, centralised sessions with attendance, decentralised practice reviewed by
mentors, the weighted assessment, elimination, supplements from the reserve list and withdrawal.

The flow is ``workflows/training.bpmn`` with ``workflows/training_rules.dmn`` (component weights,
attendance threshold and what falling under it means, pass line); its service tasks are
``handlers/training.py``. One cohort per call (cycle × level × category) and county; the cohort is
the county review's formal candidates (`county_review.results.formal_candidates`), and supplements
come from its reserve list in rank order.

Interface for later processes (conferral)
-----------------------------------------
Table ``trainee`` (`models.Trainee`): one row per teacher per cohort with ``status`` ``passed`` once
the cohort is ``done`` (also ``eliminated`` with ``elimination_reason``, ``withdrawn``, ``active``).
Read them with `results.passed_trainees(cohort_id)`.
"""
