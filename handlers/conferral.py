"""Handlers for the conferral of titles (workflows/conferral.bpmn); rules from workflows/conferral_rules.dmn."""
from __future__ import annotations

from webapp.extensions import db
from webapp.processes.conferral import operations
from webapp.processes.conferral.models import Conferral

from . import handler


def _conferral(conferral_id) -> Conferral:
    row = db.session.get(Conferral, int(conferral_id))
    if row is None:
        raise LookupError(f"conferral {conferral_id} does not exist")
    return row


@handler("apply_conferral_rules", "Keep the term, allowance and certificate-number format of the conferral (from conferral_rules).")
def apply_conferral_rules(conferral_id, rules: dict) -> bool:
    operations.apply_rules(_conferral(conferral_id), rules)
    return True


@handler("confer_titles", "Number each certificate from the county's gapless sequence and enter the titles in the register.")
def confer_titles(conferral_id) -> int:
    conferral = _conferral(conferral_id)
    return len(operations.confer_all(conferral, instance_id=conferral.instance_id))


@handler("conferral_returned", "The leading group returned the list to the office.")
def conferral_returned(conferral_id, comment=None) -> bool:
    operations.returned(_conferral(conferral_id), comment)
    return True
