"""The population generator: the right shape, usable by the app like hand-made data."""
from __future__ import annotations

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.generator import SMALL, Population, PopulationSize, generate_population
from webapp.models import (
    AnnualAssessment,
    ApplicationCycle,
    HumanTask,
    Organisation,
    OrgKind,
    RoleAssignment,
    TaskState,
    TeacherProfile,
    User,
)
from webapp.roles import Role


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_small_population_has_the_shape_asked_for(app):
    with app.app_context():
        population = generate_population(SMALL, seed=3)
        db.session.commit()
        assert _count(Organisation, Organisation.kind == OrgKind.city) == 2
        assert _count(Organisation, Organisation.kind == OrgKind.county) == 3
        assert _count(Organisation, Organisation.kind == OrgKind.school) == 6
        assert _count(TeacherProfile) == 60 == len(population.teacher_ids)
        assert _count(AnnualAssessment) == 60 * 5
        assert _count(ApplicationCycle) == 3 * 3
        # Every school lies below its county, and its headcount matches its teachers.
        for school_id, county_id in population.school_county.items():
            school, county = db.session.get(Organisation, school_id), db.session.get(Organisation, county_id)
            assert school.is_within(county) and school.parent_id == county_id
            assert school.teacher_headcount == _count(TeacherProfile, TeacherProfile.school_id == school_id)
        assert _count(RoleAssignment, RoleAssignment.role == Role.school_admin) == 6
        assert _count(RoleAssignment, RoleAssignment.role == Role.county_office) == 3


def test_generated_people_use_the_app_like_anyone_else(app):
    from webapp.processes.self_application.operations import start_application

    with app.test_request_context():
        population = generate_population(
            PopulationSize(cities=1, counties=1, schools=2, teachers=4), prefix="x", assessments=False
        )
        # A second population next to the first one: ids and sequences continue.
        generate_population(PopulationSize(cities=1, counties=1, schools=1, teachers=1), prefix="y")
        db.session.commit()
        teacher = db.session.get(User, population.teacher_ids[0])
        county_id = population.school_county[population.teacher_school[teacher.id]]
        cycle_id = population.cycle_ids[(county_id, "backbone")]
        application = start_application(app.extensions["workflow_engine"], teacher, cycle_id)
        db.session.commit()
        task = db.session.scalar(select(HumanTask).filter_by(instance_id=application.instance_id, state=TaskState.open))
        assert task.assignee_id == teacher.id
        username = teacher.username
        db.session.add(User(username="after", display_name="after", password_hash="-"))
        db.session.commit()  # the id sequence moved past the generated ids

    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": "demo1234"})
    assert response.status_code == 302


def test_population_reads_back_from_the_database(app):
    with app.app_context():
        made = generate_population(SMALL, seed=5)
        db.session.commit()
        read = Population.from_database()
        assert sorted(read.teacher_ids) == sorted(made.teacher_ids)
        assert read.school_county == made.school_county and read.cycle_ids == made.cycle_ids
        assert read.school_admin == made.school_admin
        assert len(Population.from_database(teachers=10).teacher_ids) == 10
