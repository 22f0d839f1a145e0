"""The roles people hold, and the level of organisation each one acts at."""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l



class Role(enum.Enum):
    """A role as named in BPMN lanes (the lane name is the role's value)."""

    teacher = "teacher"
    school_committee = "school_committee"
    school_admin = "school_admin"
    research_staff = "research_staff"
    expert = "expert"
    county_office = "county_office"
    county_leader = "county_leader"
    training_centre = "training_centre"
    # The county's human resources and social security bureau (人社局): a second approval of a conferral
    # where the local rule (workflows/conferral_rules.dmn, hr_approval) asks for it.
    hr_bureau = "hr_bureau"
    city_office = "city_office"
    province_office = "province_office"
    sysadmin = "sysadmin"
    # Edits its county's variants of diagrams, decision tables and forms (never the defaults).
    process_admin = "process_admin"

    @property
    def level(self) -> str:
        """The kind of organisation in which this role is held ('school', 'county', …)."""
        return ROLE_LEVEL[self]

    @property
    def levels(self) -> tuple[str, ...]:
        """Every kind of organisation at which the role may be held (its own level first)."""
        return ROLE_LEVELS.get(self, (ROLE_LEVEL[self],))

    def at_level(self, kind: str) -> "Role":
        """The role a diagram's lane names, acting in an instance of an organisation of `kind`: the county
        office's lane of the competitive review is, in a city's review, the city office's."""
        return LEVEL_PEERS.get(self, {}).get(kind, self)

    @property
    def label(self) -> str:
        """The role's name in the user's language."""
        return str(ROLE_LABELS[self])


ROLE_LEVEL = {
    Role.teacher: "school",
    Role.school_committee: "school",
    Role.school_admin: "school",
    Role.research_staff: "county",
    Role.expert: "county",
    Role.county_office: "county",
    Role.county_leader: "county",
    Role.training_centre: "county",
    Role.hr_bureau: "county",
    Role.city_office: "city",
    Role.province_office: "province",
    Role.sysadmin: "province",
    Role.process_admin: "county",
}

# The competitive review runs the same diagram at county, city and province level: its research staff,
# experts and leading group are held at the office that runs it, whatever its level.
ROLE_LEVELS = {
    Role.research_staff: ("county", "city", "province"),
    Role.expert: ("county", "city", "province"),
    Role.county_leader: ("county", "city", "province"),
}
# A lane naming the county office, in an instance of a higher organisation, is that level's office.
LEVEL_PEERS = {Role.county_office: {"city": Role.city_office, "province": Role.province_office}}

ROLE_LABELS = {
    Role.teacher: _l("Teacher"),
    Role.school_committee: _l("School qualification committee member"),
    Role.school_admin: _l("School administrator / principal"),
    Role.research_staff: _l("Subject research staff"),
    Role.expert: _l("Expert reviewer"),
    Role.county_office: _l("County leading-group office"),
    Role.county_leader: _l("Leading group (leader)"),  # held at the county, city or province running a review
    Role.training_centre: _l("Training centre"),
    Role.hr_bureau: _l("Human resources and social security bureau"),
    Role.city_office: _l("City office"),
    Role.province_office: _l("Province office"),
    Role.sysadmin: _l("System administrator"),
    Role.process_admin: _l("County process administrator"),
}

# Roles that oversee every application inside their organisation (not only tasks given to them).
OVERSEEING_ROLES = frozenset(
    {Role.school_admin, Role.county_office, Role.city_office, Role.province_office, Role.sysadmin}
)
