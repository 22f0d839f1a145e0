"""The reminder timetable of one step: when to say "due soon", "due", "overdue", and when to escalate."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..calendar.window import WorkingDayWindow
from ..models import NotificationKind
from .policy import StepPolicy


@dataclass(frozen=True)
class Slot:
    """One moment of the timetable: a reminder to whoever holds the step, maybe an escalation too."""

    at: datetime
    kind: NotificationKind
    sequence: int
    escalation: int | None = None  # sequence of the escalation sent at the same moment
    expires: datetime | None = None  # after this moment the reminder no longer makes sense


def reminder_slots(step: StepPolicy, due: datetime, days: WorkingDayWindow) -> tuple[Slot, ...]:
    """Every reminder moment of a step due at `due`, in time order.

    Before due by `remind_before_working_days`, at due, then every `repeat_every_working_days`
    working days up to `max_overdue_reminders` times; once `escalate_after_reminders` overdue
    reminders have gone out, each later one is also escalated to the supervising role.
    """
    if not step.enabled:
        return ()
    slots = []
    if step.remind_before_working_days:
        before = days.shift_deadline(due, -step.remind_before_working_days)
        if before < due:
            slots.append(Slot(before, NotificationKind.due_soon, 1, expires=due))
    if step.remind_at_due:
        slots.append(Slot(due, NotificationKind.due, 1))
    if step.repeat_every_working_days:
        threshold = step.escalate_after_reminders
        for number in range(1, step.max_overdue_reminders + 1):
            at = days.shift_deadline(due, number * step.repeat_every_working_days)
            escalation = number - threshold if threshold is not None and number > threshold else None
            slots.append(Slot(at, NotificationKind.overdue, number, escalation))
    return tuple(slots)


def latest_slot(slots: tuple[Slot, ...], now: datetime) -> Slot | None:
    """The most recent moment that has come (earlier ones that were missed are not sent late).

    A "due soon" reminder whose step is already due by the time the scan runs is not sent.
    """
    passed = [slot for slot in slots if slot.at <= now]
    if not passed or (passed[-1].expires is not None and now >= passed[-1].expires):
        return None
    return passed[-1]


def next_slot_time(slots: tuple[Slot, ...], now: datetime) -> datetime | None:
    """When the timetable next needs attention after `now` (None: never again)."""
    return next((slot.at for slot in slots if slot.at > now), None)
