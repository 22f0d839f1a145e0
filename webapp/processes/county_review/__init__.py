"""Competitive review (差额评审): materials check, research-staff opinions, expert scoring, selection with
more candidates than places, the leading group's approval and the public notice → formal candidates.

The flow is ``workflows/county_review.bpmn`` with ``workflows/review_rules.dmn``; its service tasks
are ``handlers/county_review.py``. A school's supplementary material is its own small process
(``review_supplement``). One review per call (cycle × level × category) and office. The pool
comes from a provider per level (`pools.POOL_PROVIDERS`): at county level the lists schools
reported after their vote.

Interface for later processes (training, conferral, the next level's pool)
-------------------------------------------------------------------------
Table ``review_candidate`` (`models.ReviewCandidate`), one row per teacher per review, carrying
``cycle_id``, ``level``, ``category``, ``office_id`` (the county), ``teacher_id``, ``school_id``,
``subject``, ``application_id``, ``final_score`` (aggregate of the experts' totals; None on the
fast track), ``rank`` (1 = best; fast-track candidates first) and ``status``:
``formal`` (正式候选人), ``reserve`` (后备, in ``rank`` order), ``not_selected``, ``rejected``
(reason in ``materials_note``) or ``withdrawn``. The statuses are final only when the review
(``review_round``) is ``done``; read them with `results.formal_candidates(cycle_id)` and
`results.reserve_list(cycle_id)`, which check that.
"""
