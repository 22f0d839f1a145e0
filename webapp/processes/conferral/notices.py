"""Telling a new holder their title is conferred: the certificate number, the validity and a link to
print the certificate. One `conferred` event per title, the message stored in both languages, sent once."""
from __future__ import annotations

from flask_babel import force_locale, gettext as _

from ...models import NotificationKind, TitleHolding
from ...notifications.events import app_path, notify_event
from ...titles import title_label


def conferred(title: TitleHolding, instance_id: int | None) -> int:
    texts = {}
    for locale, english in (("zh_Hans_CN", False), ("en", True)):
        with force_locale(locale):
            texts[english] = _(
                "You hold the title %(title)s: certificate No. %(number)s, valid from %(start)s until %(end)s. "
                "Print your certificate from this notice.",
                title=title_label(title.level, title.category, english=english), number=title.certificate_no,
                start=title.valid_from.isoformat(), end=title.valid_until.isoformat())
    return notify_event(
        NotificationKind.conferred, [title.user_id], key=f"title:{title.id}:conferred", instance=instance_id,
        link=app_path("conferral.certificate_pdf", title_id=title.id), params={
            "title": title_label(title.level, title.category, english=False),
            "title_en": title_label(title.level, title.category, english=True),
            "message": texts[False], "message_en": texts[True]})
