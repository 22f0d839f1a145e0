"""The applicant's facts as the eligibility rules and the school's reviewer read them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ...models import TeacherProfile


def full_years(start: date, on: date) -> int:
    """Whole years from `start` to `on` (an age, or years of service)."""
    return on.year - start.year - ((on.month, on.day) < (start.month, start.day))


@dataclass(frozen=True)
class ApplicantFacts:
    """What the school checks before accepting an application (as on the call's deadline)."""

    age: int
    years_teaching: int
    professional_title: str
    education: str
    assessments: list[tuple[int, str]]  # (year, rating), the five years before the deadline
    open_classes_5y: int
    papers_awarded_5y: int
    research_projects_5y: int
    has_teacher_qualification: bool
    has_it_certificate: bool


def applicant_facts(profile: TeacherProfile, on: date) -> ApplicantFacts:
    """The facts of a teacher's profile on the day `on` (the call's deadline)."""
    recent = range(on.year - 5, on.year)
    return ApplicantFacts(
        age=full_years(profile.birth_date, on),
        years_teaching=full_years(profile.teaching_start_date, on),
        professional_title=profile.professional_title,
        education=profile.education,
        assessments=[(a.year, a.rating) for a in profile.assessments if a.year in recent],
        open_classes_5y=profile.open_classes_5y,
        papers_awarded_5y=profile.papers_awarded_5y,
        research_projects_5y=profile.research_projects_5y,
        has_teacher_qualification=profile.has_teacher_qualification,
        has_it_certificate=profile.has_it_certificate,
    )
