"""Generated organisations and people at any scale, inserted in bulk: tests, the demo, benchmarks.

`generate_population(PopulationSize(...))` builds cities, counties, schools, every role and
teachers with plausible professional facts (the same distributions as the demo), and opens this
year's county calls. Rows are inserted with explicit ids in bulk — PostgreSQL `COPY` through
psycopg, SQLAlchemy Core `executemany` elsewhere — so a province of 400,000 teachers takes
minutes, not hours. Run it while nobody else inserts into these tables (ids are reserved by
reading `max(id)`); sequences are moved past the new ids afterwards.
"""
from __future__ import annotations

import enum
import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Table, func, insert, select, text

from .demo import DEMO_PASSWORD, GIVEN, SUBJECTS, SURNAMES
from .extensions import db
from .models import (
    AnnualAssessment,
    ApplicationCycle,
    Organisation,
    OrgKind,
    RoleAssignment,
    TeacherProfile,
    User,
    utcnow,
)
from .roles import Role

CATEGORIES = ("academic_leader", "backbone", "famous_teacher")
COUNTY_ROLES = (Role.county_office, Role.research_staff, Role.expert, Role.training_centre)


@dataclass(frozen=True)
class PopulationSize:
    """How many of each: totals, spread evenly (schools and their staff vary a little)."""

    cities: int
    counties: int
    schools: int
    teachers: int
    committee_per_school: int = 3


SMALL = PopulationSize(cities=2, counties=3, schools=6, teachers=60)
COUNTY = PopulationSize(cities=1, counties=1, schools=60, teachers=2_400)
PROVINCE = PopulationSize(cities=16, counties=130, schools=10_000, teachers=400_000)
SIZES = {"small": SMALL, "county": COUNTY, "province": PROVINCE}


@dataclass
class Population:
    """The ids of what was generated, for drivers and tests to pick people and places."""

    province_id: int
    city_ids: list[int] = field(default_factory=list)
    county_ids: list[int] = field(default_factory=list)
    school_ids: list[int] = field(default_factory=list)
    school_county: dict[int, int] = field(default_factory=dict)
    teacher_ids: list[int] = field(default_factory=list)
    teacher_school: dict[int, int] = field(default_factory=dict)
    school_admin: dict[int, int] = field(default_factory=dict)
    county_staff: dict[tuple[int, Role], int] = field(default_factory=dict)
    cycle_ids: dict[tuple[int, str], int] = field(default_factory=dict)

    @classmethod
    def from_database(cls, teachers: int | None = None, seed: int = 1) -> "Population":
        """Read back what is in the database: organisations, calls and (a sample of) teachers."""
        population = cls(province_id=db.session.scalar(
            select(Organisation.id).where(Organisation.kind == OrgKind.province).order_by(Organisation.id)
        ))
        for org_id, kind, parent_id in db.session.execute(select(Organisation.id, Organisation.kind, Organisation.parent_id)):
            if kind is OrgKind.city:
                population.city_ids.append(org_id)
            elif kind is OrgKind.county:
                population.county_ids.append(org_id)
            elif kind is OrgKind.school:
                population.school_ids.append(org_id)
                population.school_county[org_id] = parent_id
        staff = select(RoleAssignment.user_id, RoleAssignment.role, RoleAssignment.org_id).where(
            RoleAssignment.role.in_([Role.school_admin, *COUNTY_ROLES])
        )
        for user_id, role, org_id in db.session.execute(staff):
            if role is Role.school_admin:
                population.school_admin.setdefault(org_id, user_id)
            else:
                population.county_staff.setdefault((org_id, role), user_id)
        query = select(TeacherProfile.user_id, TeacherProfile.school_id).order_by(TeacherProfile.id)
        if teachers is not None:
            # Every n-th profile: spread over all schools, and the 400,000 rows never reach Python.
            total = db.session.scalar(select(func.count(TeacherProfile.id)))
            stride = max(1, total // max(teachers, 1))
            offset = random.Random(seed).randrange(stride)
            query = query.where(TeacherProfile.id % stride == offset).limit(teachers)
        for user_id, school_id in db.session.execute(query):
            population.teacher_ids.append(user_id)
            population.teacher_school[user_id] = school_id
        for cycle_id, county_id, category in db.session.execute(
            select(ApplicationCycle.id, ApplicationCycle.county_id, ApplicationCycle.category)
        ):
            population.cycle_ids[(county_id, category)] = cycle_id
        return population


def generate_population(
    size: PopulationSize,
    *,
    seed: int = 1,
    prefix: str = "g",
    province: Organisation | None = None,
    password: str = DEMO_PASSWORD,
    assessments: bool = True,
    profile: dict | None = None,
) -> Population:
    """Insert a generated population (under `province`, or a new one) and return its ids.

    `prefix` keeps usernames and organisation codes apart from other data; `profile` fixes
    teacher facts for every teacher (keys as in `TeacherProfile`), e.g. to make all eligible.
    """
    from werkzeug.security import generate_password_hash

    builder = _Builder(random.Random(seed), prefix, generate_password_hash(password))
    population = builder.organisations(size, province)
    builder.staff(population, size.committee_per_school)
    builder.teachers(population, size.teachers, assessments, profile or {})
    population.cycle_ids = builder.open_calls(population.county_ids)
    builder.flush()
    return population


class _Builder:
    """Collects rows per table with ids it reserves, then inserts them in bulk."""

    def __init__(self, rng: random.Random, prefix: str, password_hash: str) -> None:
        self.rng = rng
        self.prefix = prefix
        self.password_hash = password_hash
        self.now = utcnow()
        self.today = date.today()
        self.rows: dict[Table, list[dict]] = {}
        self.next_id: dict[Table, int] = {}
        self.org_count = 0

    def add(self, model, **values) -> int:
        """Queue a row for `model`'s table with the next free id; return the id."""
        table = model.__table__
        if table not in self.next_id:
            self.next_id[table] = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
            self.rows[table] = []
        row_id = self.next_id[table]
        self.next_id[table] += 1
        self.rows[table].append({"id": row_id, **values})
        return row_id

    def org(self, kind: OrgKind, name: str, parent_path: str, parent_id: int | None, **extra) -> tuple[int, str]:
        """Queue an organisation; return its id and materialised path."""
        self.org_count += 1
        code = f"{self.prefix}-{kind.value}-{self.org_count}"
        defaults = dict(is_rural=False, school_group=None, supervision_district=None, teacher_headcount=0)
        org_id = self.add(Organisation, kind=kind, name=name, code=code, parent_id=parent_id, path="", **{**defaults, **extra})
        path = f"{parent_path}{org_id}/"
        self.rows[Organisation.__table__][-1]["path"] = path
        return org_id, path

    def user(self, username: str, name: str, role: Role, org_id: int) -> int:
        """Queue a user holding one role at one organisation."""
        user_id = self.add(
            User,
            username=username,
            display_name=name,
            email=f"{username}@example.edu.cn",
            password_hash=self.password_hash,
            locale=None,
            is_active=True,
            created_dt=self.now,
        )
        self.add(RoleAssignment, user_id=user_id, role=role, org_id=org_id)
        return user_id

    def organisations(self, size: PopulationSize, province: Organisation | None) -> Population:
        """Province (or the given one), cities, counties and schools with their paths."""
        if province is None:
            province_id, province_path = self.org(OrgKind.province, "生成省", "/", None)
            self.user(f"{self.prefix}province", "省教育厅骨干办", Role.province_office, province_id)
        else:
            province_id, province_path = province.id, province.path
        population = Population(province_id=province_id)
        city_paths = []
        for number in range(size.cities):
            city_id, path = self.org(OrgKind.city, f"第{number + 1}市", province_path, province_id)
            population.city_ids.append(city_id)
            city_paths.append(path)
            self.user(f"{self.prefix}city{number + 1}", f"第{number + 1}市教育局骨干办", Role.city_office, city_id)
        county_paths = []
        for number in range(size.counties):
            city = number % size.cities
            county_id, path = self.org(OrgKind.county, f"第{number + 1}县", city_paths[city], population.city_ids[city])
            population.county_ids.append(county_id)
            county_paths.append(path)
        for number in range(size.schools):
            county = number % size.counties
            rural = self.rng.random() < 0.45
            school_id, _ = self.org(
                OrgKind.school,
                f"第{county + 1}县{'乡村' if rural else '城区'}第{number // size.counties + 1}学校",
                county_paths[county],
                population.county_ids[county],
                is_rural=rural,
                supervision_district=f"片区{number % 5 + 1}",
            )
            population.school_ids.append(school_id)
            population.school_county[school_id] = population.county_ids[county]
        return population

    def staff(self, population: Population, committee_per_school: int) -> None:
        """County office roles, a school administrator and committee members for every school."""
        for number, county_id in enumerate(population.county_ids, start=1):
            for role in COUNTY_ROLES:
                username = f"{self.prefix}c{number}{role.value}"
                population.county_staff[(county_id, role)] = self.user(username, f"第{number}县{role.value}", role, county_id)
        for number, school_id in enumerate(population.school_ids, start=1):
            population.school_admin[school_id] = self.user(f"{self.prefix}s{number}admin", f"第{number}校校长", Role.school_admin, school_id)
            for member in range(1, committee_per_school + 1):
                self.user(f"{self.prefix}s{number}c{member}", self.name(), Role.school_committee, school_id)

    def teachers(self, population: Population, total: int, assessments: bool, fixed: dict) -> None:
        """Teachers spread over the schools (sizes vary), each with a profile and assessments."""
        counts = self.spread(total, len(population.school_ids))
        orgs = {row["id"]: row for row in self.rows[Organisation.__table__]}
        serial = 0
        for school_id, count in zip(population.school_ids, counts):
            if school_id in orgs:
                orgs[school_id]["teacher_headcount"] = count
            for _ in range(count):
                serial += 1
                user_id = self.user(f"{self.prefix}t{serial:06d}", self.name(), Role.teacher, school_id)
                population.teacher_ids.append(user_id)
                population.teacher_school[user_id] = school_id
                profile_id = self.add(TeacherProfile, **self.profile_facts(user_id, school_id, fixed))
                if assessments:
                    for year in range(self.today.year - 5, self.today.year):
                        rating = "excellent" if self.rng.random() < 0.3 else "competent"
                        self.add(AnnualAssessment, profile_id=profile_id, year=year, rating=rating)

    def profile_facts(self, user_id: int, school_id: int, fixed: dict) -> dict:
        """Plausible professional facts, the demo's distributions; `fixed` overrides any of them."""
        rng, today = self.rng, self.today
        age = rng.randint(24, 58)
        years = max(0, min(age - 22, rng.randint(1, 36)))
        facts = dict(
            user_id=user_id,
            school_id=school_id,
            gender=rng.choice(["女", "男"]),
            birth_date=today - timedelta(days=int(age * 365.25) + rng.randint(0, 300)),
            teaching_start_date=today - timedelta(days=int(years * 365.25) + rng.randint(0, 200)),
            professional_title=rng.choice(["junior", "intermediate", "intermediate", "senior", "senior", "full_senior"]),
            education=rng.choice(["associate", "bachelor", "bachelor", "bachelor", "master"]),
            subject=rng.choice(SUBJECTS),
            has_teacher_qualification=True,
            has_it_certificate=rng.random() < 0.7,
            open_classes_5y=rng.randint(0, 8),
            papers_awarded_5y=rng.randint(0, 5),
            research_projects_5y=rng.randint(0, 2),
            prizes_5y=rng.randint(0, 3),
        )
        facts.update(fixed)
        return facts

    def open_calls(self, county_ids: list[int], days: int = 30) -> dict[tuple[int, str], int]:
        """This year's county calls in every category for every county, closing in `days` days."""
        deadline = (self.now + timedelta(days=days)).replace(hour=15, minute=59, second=0, microsecond=0)
        return {
            (county_id, category): self.add(
                ApplicationCycle,
                county_id=county_id,
                year=self.now.year,
                level="county",
                category=category,
                opens_dt=self.now - timedelta(days=1),
                deadline_dt=deadline,
            )
            for county_id in county_ids
            for category in CATEGORIES
        }

    def name(self) -> str:
        """A plausible Chinese name."""
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))

    def spread(self, total: int, buckets: int) -> list[int]:
        """Split `total` over `buckets` with sizes varying between 0.5× and 1.5× the mean."""
        if buckets == 0:
            return []
        weights = [self.rng.uniform(0.5, 1.5) for _ in range(buckets)]
        scale = total / sum(weights)
        counts = [int(weight * scale) for weight in weights]
        for index in range(total - sum(counts)):
            counts[index % buckets] += 1
        return counts

    def flush(self) -> None:
        """Insert every queued row, parents first, and move the id sequences on."""
        for table in db.metadata.sorted_tables:
            rows = self.rows.get(table)
            if rows:
                bulk_insert(table, rows)
                reset_sequence(table)
        db.session.expire_all()


def bulk_insert(table: Table, rows: list[dict], chunk: int = 20_000) -> None:
    """Insert many rows fast in the session's transaction: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        for start in range(0, len(rows), chunk):
            connection.execute(insert(table), rows[start:start + chunk])
        return
    columns = list(rows[0].keys())
    raw = connection.connection.driver_connection
    names = ", ".join(f'"{name}"' for name in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_copy_value(row[name]) for name in columns])


def _copy_value(value):
    """A Python value as COPY expects it: enums by name (SQLAlchemy's non-native enums), JSON as text."""
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError("naive datetime given where UTC is required")
    return value


def reset_sequence(table: Table) -> None:
    """After explicit ids on PostgreSQL, let the id sequence continue past the largest one."""
    if db.session.get_bind().dialect.name != "postgresql" or "id" not in table.c:
        return
    db.session.execute(
        text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT max(id) FROM \"{table.name}\"))")
    )
