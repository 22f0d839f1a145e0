"""English is English: every page a role can reach, at several stages of the demo, carries no
Chinese except what people entered (names, schools, answers, files: see tests/english_scan.py)."""
from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import HumanTask, TaskState

from .english_scan import chinese_left, scan
from .helpers import (
    accepted_applications, cycle_id_for, declaration, reach_timers, start_application, submit, task_id_in_inbox,
)
from .test_school_vote import APPLICANTS, _object, _open_round, _vote

START = ("/", "/notifications/", "/applications/", "/vote/", "/vote/county", "/vote/quotas",
         "/admin/processes", "/admin/scheduler", "/admin/calendar")


def _sessions(login, usernames):
    return {username: login(username) for username in usernames}


def _announce(app):
    """The scheduler's digest of new steps, so that the notification pages have some."""
    from webapp.notifications.announcements import announce_new_tasks

    with app.app_context():
        announce_new_tasks()


def test_the_scanner_finds_chinese_and_spares_user_data():
    page = '<html lang="en"><body><p>张三 · County-level backbone teacher</p><button lang="zh-CN">中文</button></body></html>'
    assert chinese_left(page, ["张三"]) == []
    leaking = chinese_left('<html lang="en"><body><p>张三 · 县级骨干教师</p></body></html>', ["张三"])
    assert leaking and "县级骨干教师" in leaking[0]
    assert chinese_left('<html lang="en"><body><p>a、b</p></body></html>', [])  # Chinese punctuation counts


def test_every_page_in_english_at_every_stage(app, login):
    # 1. The demo as it starts: every role's pages, the administrators' included.
    everyone = _sessions(login, ["t001", "t002", "s1admin", "s1c1", "county", "admin"])
    visited: set[str] = set()
    problems = scan(app, everyone, START, limit=40, visited=visited)

    # 2. Applications: one refused as ineligible (t002, age 50), one returned with a comment
    #    (t001 as academic leader), five accepted for the school vote; a holiday recorded.
    t002 = login("t002")
    submit(t002, start_application(t002, cycle_id_for(app, "academic_leader")), declaration())
    t001 = login("t001")
    submit(t001, start_application(t001, cycle_id_for(app, "academic_leader")), declaration())
    admin = login("s1admin")
    submit(admin, task_id_in_inbox(admin, "学校审核申报"),
           {"review_decision": "return", "review_comment": "请补充近五年公开课的证明材料。"})
    accepted_applications(app, login, APPLICANTS)
    login("admin").post("/admin/calendar", data={"day": f"{date.today().year}-10-01", "kind": "holiday",
                                                       "name": "国庆节", "year": date.today().year})
    _announce(app)
    problems += scan(app, _sessions(login, ["t001", "t002", "s1admin", "county", "admin"]), START, limit=60, visited=visited)

    # 3. The vote is open and one member has voted: the overview says who still has to.
    ids = _open_round(app, login)
    assert _vote(login, "s1c1", ids, ["t001", "t004"]).status_code == 302
    _announce(app)
    problems += scan(app, _sessions(login, ["s1c1", "s1c2", "s1admin", "t004"]), START, limit=60, visited=visited)

    # 4. Everyone voted, the notice ran with an objection answered, the list went to the county.
    assert _vote(login, "s1c2", ids, ["t001", "t004"]).status_code == 302
    assert _vote(login, "s1c3", ids, ["t001", "t007"]).status_code == 302
    assert _object(login, "t010", ids, "t004").status_code == 302
    investigate = task_id_in_inbox(admin, "调查处理异议")
    submit(admin, investigate, {"objection_decision": "dismissed", "objection_reply": "经核实，异议不成立。"})
    assert reach_timers(app, ids["instance"]) == 1
    submit(admin, task_id_in_inbox(admin, "报送"), {"report_confirmed": "true"})
    with app.app_context():
        assert db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == ids["instance"],
                                                            HumanTask.state == TaskState.open)) is None
    _announce(app)
    problems += scan(app, _sessions(login, ["t001", "t004", "t010", "t013", "s1admin", "county"]), START, limit=60, visited=visited)

    # 5. Refusals and errors, as English readers meet them.
    problems += _error_pages(app, login, ids)
    Path(os.environ.get("ENGLISH_SCAN_REPORT") or "/dev/null").write_text("\n".join(problems), encoding="utf-8")
    assert problems == [], "\n".join(problems)
    # The walk reached every kind of page, not just the menus.
    assert {"/inbox", "/tasks/N", "/instances/N", "/vote/rounds/N", "/notifications/", "/applications/",
            "/vote/county", "/vote/quotas", "/admin/calendar", "/admin/scheduler"} <= visited, sorted(visited)


def _error_pages(app, login, ids) -> list[str]:
    """Forms shown again with their errors, and refusals, in English."""
    from .english_scan import user_entered_values

    with app.app_context():
        allowed = user_entered_values()
    found = []
    county, admin = login("county"), login("s1admin")
    pages = {
        "quota": county.post(f"/vote/quotas/{ids['cycle']}?lang=en", data={"mode": "ratio", "value": "2"}),
        "deadline": admin.post(f"/vote/schools/{ids['school']}/rounds?lang=en",
                               data={"cycle_id": ids["cycle"], "deadline": (date.today() - timedelta(days=1)).isoformat()}),
        "not found": admin.get("/instances/999999?lang=en"),
        "late objection": login("t013").post(f"/vote/rounds/{ids['round']}/objections?lang=en",
                                             data={"candidate": str(ids["t001"]), "reason": "x" * 30}),
    }
    teacher = login("t007")
    started = teacher.post("/applications/?lang=en", data={"cycle_id": cycle_id_for(app, "academic_leader")})
    task = started.headers["Location"].rsplit("/", 1)[1]
    pages["unticked commitment"] = submit(teacher, f"{task}?lang=en", declaration(commitment=None))
    for name, response in pages.items():
        page = response.get_data(as_text=True)
        found += [f"{name}: …{snippet}…" for snippet in chinese_left(page, allowed)]
    return found
