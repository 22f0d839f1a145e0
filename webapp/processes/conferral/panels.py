"""The conferral's task panel: the list with term, allowance and (once conferred) certificate numbers."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select

from ...extensions import db
from ...models import HumanTask
from .models import Conferral


def list_panel(task: HumanTask, context: dict) -> Markup:
    conferral = db.session.scalar(select(Conferral).filter_by(instance_id=task.instance_id))
    return Markup(render_template("conferral/_list.html", conferral=conferral))


PANELS = {"conferral_list": list_panel}
