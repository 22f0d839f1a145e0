"""Telling holders and schools what happened to a title (one `title_notice` event, message in both languages)."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from flask_babel import force_locale
from sqlalchemy import select

from ...extensions import db
from ...models import NotificationKind, RoleAssignment, TitleHolding
from ...notifications.events import notify_event
from ...roles import Role
from ...titles import title_label


def in_both(message: Callable[[], str]) -> tuple[str, str]:
    """The message in Chinese and in English (each built under its own locale)."""
    with force_locale("zh_Hans_CN"):
        chinese = str(message())
    with force_locale("en"):
        english = str(message())
    return chinese, english


def school_admin_ids(school_id: int | None) -> list[int]:
    """The administrators of a school."""
    if school_id is None:
        return []
    return list(db.session.scalars(
        select(RoleAssignment.user_id).where(RoleAssignment.role == Role.school_admin, RoleAssignment.org_id == school_id)))


def tell(recipients: Iterable[int], title: TitleHolding, key: str, message: Callable[[], str], *,
         instance_id: int | None = None, link: str | None = None) -> int:
    """One notification per recipient, written once for `key`."""
    chinese, english = in_both(message)
    return notify_event(NotificationKind.title_notice, recipients, key=key, instance=instance_id, link=link, params={
        "title": title_label(title.level, title.category, english=False),
        "title_en": title_label(title.level, title.category, english=True),
        "message": chinese, "message_en": english})
