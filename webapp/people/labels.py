"""Names of organisation kinds and role-change actions in the page's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ORG_KINDS = {"province": _l("province"), "city": _l("city"), "county": _l("county"), "school": _l("school")}
GRANT_ACTIONS = {"grant": _l("Granted"), "revoke": _l("Revoked"), "deactivate": _l("Deactivated"),
                 "activate": _l("Reactivated")}


def org_kind_label(kind: str) -> str:
    """'县' / 'county'."""
    return str(ORG_KINDS.get(kind, kind))


def grant_action_label(action: str) -> str:
    """'授予' / 'Granted'."""
    return str(GRANT_ACTIONS.get(action, action))

