"""The rules of the five forms of exchange, as pure functions (the solver and manual moves both obey them).

- support (支教): from an urban school to a rural school;
- exchange (互派): between paired schools (结对), either way;
- secondment (顶岗): a school with a surplus in the teacher's subject sends to a weak school;
- group (集团内部交流): within one school group;
- district (片区轮岗): within one supervision district.
Always: another school than the sending one, in the same county.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class School:
    """The attributes of a school that the rules read."""

    id: int
    county_id: int
    rural: bool = False
    weak: bool = False
    group: str | None = None
    district: str | None = None
    paired_id: int | None = None
    # subject → balance: positive short of teachers (缺编), negative surplus (超编)
    staffing: dict[str, int] = field(default_factory=dict, hash=False, compare=False)

    def balance(self, subject: str | None) -> int:
        """Shortage (+) or surplus (−) in a subject; 0 when unknown."""
        return self.staffing.get(subject or "", 0)


def broken_rule(form: str, sending: School, receiving: School, subject: str | None) -> str | None:
    """The code of the first rule a placement breaks (see labels.RULES), or None if it is allowed."""
    if receiving.id == sending.id:
        return "same_school"
    if receiving.county_id != sending.county_id:
        return "other_county"
    if form == "support" and not (not sending.rural and receiving.rural):
        return "support_urban_to_rural"
    if form == "exchange" and not (sending.paired_id == receiving.id or receiving.paired_id == sending.id):
        return "exchange_paired"
    if form == "secondment":
        if sending.balance(subject) >= 0:
            return "secondment_surplus"
        if not receiving.weak:
            return "secondment_weak"
    if form == "group" and not (sending.group and sending.group == receiving.group):
        return "group_same"
    if form == "district" and not (sending.district and sending.district == receiving.district):
        return "district_same"
    if form not in ("support", "exchange", "secondment", "group", "district"):
        return "unknown_form"
    return None
