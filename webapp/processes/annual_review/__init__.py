"""The annual review of title holders (年度考核), the duty log through the year, transfers, term end and
the career record.

- `duties.py`: the duties of a title (local rule `workflows/annual_duties.dmn`, level × category)
  and each holder's progress from their duty log (`DutyRecord`);
- `opening.py`: the county office opens the review of a school year: one instance of
  `workflows/annual_review.bpmn` per active title of the county, inserted set-based;
- `operations.py`: what the diagram's service tasks do (summary, proposal, decision, appeal,
  revocation through `webapp.register`);
- `term.py`: reminders before a title expires and the lapse job (exactly once, several schedulers);
- `transfers.py`: a holder's move to another school (the allowance stops with a personnel change);
- `career.py`: one teacher's career record (applications, outcomes, titles, reviews, rotations).
"""
