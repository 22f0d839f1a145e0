"""The administrator's walk-through of the README: create a county and a school, import the county's
teachers from the template (the demo's sample sheet), and see them in the reports."""
from __future__ import annotations

from webapp.extensions import db

from .people_support import finished_job, org_id


def test_administrator_creates_a_county_imports_teachers_and_reads_reports(app, login):
    from webapp.demo_people import sample_sheet, seed_titles
    from webapp.models import Organisation

    admin = login("admin")
    city = org_id(app, "5301")
    assert admin.post(f"/admin/people/orgs/{city}/new", data={"name": "新设县", "code": "530109"}).status_code == 302
    county = org_id(app, "530109")
    for number in (1, 2):
        assert admin.post(f"/admin/people/orgs/{county}/new", data={
            "name": f"新设县第{number}小学", "code": f"530109-0{number}", "teacher_headcount": "30"}).status_code == 302
    with app.test_request_context():
        data = sample_sheet(db.session.get(Organisation, county), 40)
    _job, status, summary, problems = finished_job(app, admin, data, apply=True)
    assert (status, problems, summary["created"]) == ("applied", [], 40)
    users = admin.get(f"/admin/people/users?org={county}").get_data(as_text=True)
    assert "共 40 人" in users
    with app.app_context():
        assert seed_titles("530109", share=1.0) == 40
        db.session.commit()
    report = admin.get(f"/admin/people/reports?org={county}").get_data(as_text=True)
    assert "新设县第1小学" in report and "新设县第2小学" in report
    total = report.split("<tfoot>")[1].split("</tfoot>")[0]
    assert ">40<" in total
