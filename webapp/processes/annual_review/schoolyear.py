"""School years and semesters (pure): a school year starts on 1 September; the second semester on 1 February."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

YEAR_START_MONTH = 9
SECOND_SEMESTER_MONTH = 2


@dataclass(frozen=True)
class SchoolYear:
    """The school year beginning in September of `start_year` (2026 → 2026-09-01 … 2027-08-31)."""

    start_year: int

    @property
    def first_day(self) -> date:
        return date(self.start_year, YEAR_START_MONTH, 1)

    @property
    def last_day(self) -> date:
        return date(self.start_year + 1, YEAR_START_MONTH - 1, 31)

    @property
    def second_semester_start(self) -> date:
        return date(self.start_year + 1, SECOND_SEMESTER_MONTH, 1)

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def semester_of(self, day: date) -> int:
        """1 or 2 (the day must lie in this school year)."""
        return 1 if day < self.second_semester_start else 2

    def semester_end(self, semester: int) -> date:
        """The last day of a semester."""
        if semester == 1:
            return date.fromordinal(self.second_semester_start.toordinal() - 1)
        return self.last_day

    def label(self, english: bool = False) -> str:
        """'2026–2027学年' / '2026–2027 school year'."""
        return (f"{self.start_year}–{self.start_year + 1} school year" if english
                else f"{self.start_year}–{self.start_year + 1}学年")


def school_year_of(day: date) -> SchoolYear:
    """The school year a day belongs to."""
    return SchoolYear(day.year if day.month >= YEAR_START_MONTH else day.year - 1)
