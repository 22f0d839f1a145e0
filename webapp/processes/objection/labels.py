"""Words of the objection process."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

OBJECTION_STATUS = {
    "open": _l("Under investigation"),
    "upheld": _l("Upheld"),
    "dismissed": _l("Dismissed"),
}
