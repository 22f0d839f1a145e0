"""People see the outcome where they act: a refusal at once with its reasons, the next action linked,
the facts to check, a completed step that says who did it; errors next to their field, input kept."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import HumanTask

from .helpers import PDF, cycle_id_for, declaration, start_application, submit, task_id_in_inbox


def _follow(session, response):
    assert response.status_code == 302, response.get_data(as_text=True)
    return session.get(response.headers["Location"]).get_data(as_text=True)


def _flash(page: str) -> str:
    """The outcome message block of a page."""
    match = re.search(r'<div class="flash ([a-z]+) outcome"[^>]*>(.*?)</div>', page, re.S)
    assert match, page
    return match.group(1), match.group(2)


def test_an_ineligible_submission_says_so_at_once_with_reasons_and_what_to_do(app, login):
    teacher = login("t002")  # 50 years old: over the age limit for academic leader
    first = start_application(teacher, cycle_id_for(app, "academic_leader"))
    teacher.get(f"/tasks/{first}")  # the form, as the browser opens it after starting
    response = submit(teacher, first, declaration())
    assert re.search(r"/tasks/\d+$", response.headers["Location"])  # back on the form, not a success page
    page = _follow(teacher, response)
    tone, outcome = _flash(page)
    assert tone == "error" and "flash success" not in page
    assert "未能提交：您申报的" in outcome and "不符合申报条件" in outcome
    assert "<li>" in outcome  # the reasons, one per line
    assert 'href="/applications/"' in outcome  # withdraw is one click away
    assert "修改申报表并重新提交" in outcome
    mine = teacher.get("/applications/").get_data(as_text=True)
    row = mine[mine.index("data-application-id="):mine.index("</tr>", mine.index("data-application-id="))]
    assert "不符合申报条件" in row
    assert 'class="next-step"' in row and "data-confirm=" in row  # the step to correct; withdrawal asks first


def test_a_step_that_ends_its_process_says_so_without_looking_for_open_steps(app, login):
    """Accepting an application ends its self-application: the message says the process is done,
    and no query looks for steps still open (an ended instance has none)."""
    from .helpers import counting

    cycle = cycle_id_for(app, "backbone")
    for username in ("t001", "t004"):  # two, so the first review is not the last before the vote
        teacher = login(username)
        submit(teacher, start_application(teacher, cycle), declaration())
    admin = login("s1admin")
    first = task_id_in_inbox(admin, "学校审核申报")
    with counting(app) as seen:
        response = submit(admin, first, {"review_decision": "accept"})
    tone, outcome = _flash(_follow(admin, response))
    assert tone == "success"
    assert "流程已办结。" in outcome
    assert "等待" not in outcome
    open_step_reads = [text for text in seen if "human_task.state" in text and "user_account.display_name" in text]
    assert open_step_reads == []


def test_after_a_review_the_next_one_then_the_vote(app, login):
    cycle = cycle_id_for(app, "backbone")
    for username in ("t001", "t004"):
        teacher = login(username)
        response = submit(teacher, start_application(teacher, cycle), declaration())
        tone, outcome = _flash(_follow(teacher, response))
        assert tone == "success" and "下一步：学校审核申报——等待学校管理员" in outcome
    admin = login("s1admin")
    first = task_id_in_inbox(admin, "学校审核申报")
    tone, outcome = _flash(_follow(admin, submit(admin, first, {"review_decision": "accept"})))
    second = task_id_in_inbox(admin, "学校审核申报")
    assert f'href="/tasks/{second}"' in outcome and "下一件：学校审核申报" in outcome
    response = submit(admin, second, {"review_decision": "accept"})
    assert "/vote/#school-" in response.headers["Location"]
    tone, outcome = _flash(_follow(admin, response))
    assert "所有申报均已审核完毕" in outcome and "到“评议与公示”开启评议" in outcome
    # A completed step says who did it and when, and leads to where things stand.
    page = admin.get(f"/tasks/{second}").get_data(as_text=True)
    assert 'id="task-done"' in page and "校长" in page and 'href="/instances/' in page
    assert 'name="review_decision"' not in page


def test_an_empty_inbox_leads_on(app, login):
    page = login("t001").get("/inbox").get_data(as_text=True)
    empty = page[page.index('id="inbox-empty"'):]
    assert 'href="/applications/"' in empty and "我的申报" in empty


def test_the_school_review_shows_the_facts_to_check(app, login):
    teacher = login("t001")
    submit(teacher, start_application(teacher, cycle_id_for(app, "backbone")), declaration())
    admin = login("s1admin")
    page = admin.get(f"/tasks/{task_id_in_inbox(admin, '学校审核申报')}").get_data(as_text=True)
    facts = page[page.index('id="applicant-facts"'):page.index("</section>", page.index('id="applicant-facts"'))]
    assert "县级骨干教师" in facts and "一级教师" in facts  # title applied for, professional title
    age = int(re.search(r'id="fact-age">(\d+)<', facts).group(1))
    assert age in (38, 39)  # the demo's t001 is 38 now; on the deadline a birthday may have passed
    assert re.search(r'id="fact-years">1[45]<', facts)
    assert "优秀" in facts and "合格" in facts  # annual assessments, each year


def test_evidence_shows_by_file_name(app, login):
    teacher = login("t001")
    response = submit(teacher, start_application(teacher, cycle_id_for(app, "backbone")),
                      declaration(evidence=(io.BytesIO(PDF), "教学成果证书.pdf")))
    page = _follow(login("s1admin"), response)
    assert re.search(r'class="evidence-file" href="/instances/\d+/evidence/sha256-[0-9a-f]+">教学成果证书.pdf<', page)
    assert "文件 1" not in page


def test_an_unticked_commitment_says_it_must_be_ticked(app, login):
    teacher = login("t001")
    task = start_application(teacher, cycle_id_for(app, "backbone"))
    response = submit(teacher, task, declaration(commitment=None))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请勾选“本人承诺所填信息和材料真实、准确”后再提交。" in page
    assert "请从给定选项中选择" not in page


def test_a_form_shown_again_keeps_its_rows(app, login):
    teacher = login("t001")
    task = start_application(teacher, cycle_id_for(app, "backbone"))
    page = submit(teacher, task, declaration(statement="太短")).get_data(as_text=True)
    assert 'name="achievements[0].description"' in page
    spare = page[page.index("<noscript>"):page.index("</noscript>")]
    assert 'name="achievements[1].description"' in spare  # a blank row only for browsers without scripts
    assert page.count('name="achievements[1].description"') == 1


def test_error_pages_have_words_for_headings(app, login):
    page = login("t001").get("/instances/999999").get_data(as_text=True)
    assert re.search(r"<h1>未找到</h1>", page) and "<h1>404</h1>" not in page


def test_a_bad_voting_deadline_is_shown_by_its_field_with_the_input_kept(app, login):
    from .helpers import accepted_applications

    accepted_applications(app, login, ["t001", "t004"])
    admin = login("s1admin")
    page = admin.get("/vote/").get_data(as_text=True)
    school, cycle = re.search(r'action="/vote/schools/(\d+)/rounds".*?id="ready-\d+-(\d+)"', page, re.S).groups()
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    response = admin.post(f"/vote/schools/{school}/rounds", data={"cycle_id": cycle, "deadline": yesterday})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    field = page[page.index(f'id="deadline-{school}"') - 200:page.index(f'id="deadline-{school}-error"') + 200]
    assert f'value="{yesterday}"' in field and 'aria-invalid="true"' in field
    assert "投票截止日期必须晚于今天" in field
    assert "<h1>422</h1>" not in page and "评议与公示" in page
    with app.app_context():
        assert db.session.scalar(select(HumanTask.id).filter_by(process_id="school_vote")) is None  # nothing changed


def test_a_bad_quota_is_shown_by_its_field_with_the_input_kept(app, login):
    county = login("county")
    cycle = cycle_id_for(app, "backbone")
    assert f'id="value-{cycle}" value="2"' in county.get("/vote/quotas").get_data(as_text=True)  # "2", not "2.0"
    response = county.post(f"/vote/quotas/{cycle}", data={"mode": "ratio", "value": "1.5"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    row = page[page.index(f'data-cycle-id="{cycle}"'):page.index("</tr>", page.index(f'data-cycle-id="{cycle}"'))]
    assert 'value="1.5"' in row and 'aria-invalid="true"' in row and 'form-error' in row
    assert '<option value="ratio" selected>' in row
    with app.app_context():
        from webapp.models import ApplicationCycle

        assert db.session.get(ApplicationCycle, cycle).quota_value == 2  # unchanged


def test_menu_and_page_use_the_same_names(app, login):
    page = login("county").get("/vote/county").get_data(as_text=True)
    nav = page[page.index('id="nav-county-lists"'):page.index("</a>", page.index('id="nav-county-lists"'))]
    assert "学校推荐名单" in nav and "<h1>学校推荐名单</h1>" in page and "各校推荐名单" not in page


def test_a_new_voting_deadline_in_the_past_is_refused_by_its_field(app):
    """The no-quorum form: extending to a past day is an error on the date field, before anything runs."""
    library = app.extensions["form_library"]
    form = "school_vote_no_quorum.schema.json"
    today = date.today()
    with app.test_request_context():
        errors = library.validate(form, {"no_quorum_decision": "extend", "new_deadline": today.isoformat()}, {})
        assert [(e.name, e.message) for e in errors] == [("new_deadline", "新的投票截止日期必须晚于今天。")]
        later = (today + timedelta(days=2)).isoformat()
        assert library.validate(form, {"no_quorum_decision": "extend", "new_deadline": later}, {}) == []
        # Cancelling ignores an old date left in the field.
        assert library.validate(form, {"no_quorum_decision": "cancel", "new_deadline": "2020-01-01"}, {}) == []
