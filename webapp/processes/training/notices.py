"""Telling a trainee what happened to their place: eliminated (with the reason) or joined from the
reserve list. One `training_notice` event each, the message stored in both languages, sent once."""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import force_locale, gettext as _

from ...models import NotificationKind
from ...notifications.events import app_path, notify_event
from ...titles import title_label
from .labels import status_reason
from .models import Trainee, TrainingCohort


def _tell(cohort: TrainingCohort, trainee: Trainee, event: str, message: Callable[[str], str]) -> int:
    """`message(title)` under each locale; the key makes the notice once per trainee and event."""
    texts = {}
    for locale, english in (("zh_Hans_CN", False), ("en", True)):
        with force_locale(locale):
            texts[english] = str(message(title_label(cohort.level, cohort.category, english=english)))
    return notify_event(
        NotificationKind.training_notice, [trainee.teacher_id], key=f"training:{trainee.id}:{event}",
        instance=cohort.instance_id, link=app_path("training.mine", trainee_id=trainee.id), params={
            "title": title_label(cohort.level, cohort.category, english=False),
            "title_en": title_label(cohort.level, cohort.category, english=True),
            "message": texts[False], "message_en": texts[True]})


def eliminated(cohort: TrainingCohort, trainee: Trainee) -> int:
    """The trainee is out of the training, and reads why."""
    return _tell(cohort, trainee, "eliminated", lambda title: _(
        "You were eliminated from the training for %(title)s: %(reason)s", title=title,
        reason=status_reason(trainee.status_reason)))


def joined(cohort: TrainingCohort, trainee: Trainee) -> int:
    """A reserve candidate joined the training as a supplement."""
    return _tell(cohort, trainee, "joined", lambda title: _(
        "You joined the training for %(title)s from the reserve list; you take part in the remaining sessions. "
        "Your plan and record are on your training page.", title=title))
