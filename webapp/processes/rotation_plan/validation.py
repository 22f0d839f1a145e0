"""Reading plain HTML forms of the rotation pages: each bad value gets a message next to its field."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _


class FieldErrors(dict):
    """field name → message in the user's language (empty: the form is valid)."""

    def add(self, name: str, message: str) -> None:
        """Keep the first message for a field."""
        self.setdefault(name, message)

    def integer(self, form, name: str, label: str, low: int, high: int, required: bool = True) -> int | None:
        """A whole number in [low, high]."""
        raw = (form.get(name) or "").strip()
        if not raw:
            if required:
                self.add(name, _("%(field)s is required.", field=label))
            return None
        try:
            value = int(raw)
        except ValueError:
            self.add(name, _("Enter a whole number."))
            return None
        if not low <= value <= high:
            self.add(name, _("Enter a number from %(low)s to %(high)s.", low=low, high=high))
            return None
        return value

    def date(self, form, name: str, label: str, required: bool = True) -> date | None:
        """A date written YYYY-MM-DD."""
        raw = (form.get(name) or "").strip()
        if not raw:
            if required:
                self.add(name, _("%(field)s is required.", field=label))
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.add(name, _("Enter a date as YYYY-MM-DD."))
            return None

    def text(self, form, name: str, label: str, minimum: int = 0, maximum: int = 1000) -> str:
        """Free text of a bounded length."""
        value = (form.get(name) or "").strip()
        if len(value) < minimum:
            self.add(name, _("%(field)s needs at least %(count)s characters.", field=label, count=minimum))
        elif len(value) > maximum:
            self.add(name, _("%(field)s may have at most %(count)s characters.", field=label, count=maximum))
        return value
