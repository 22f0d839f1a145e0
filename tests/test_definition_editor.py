"""Editing diagrams, tables, forms and the reminder policy over HTTP: checks, publishing, versions, rollback."""
from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import DefinitionDraft, DefinitionPublication

ROOT = Path(__file__).resolve().parent.parent
RULES = "workflows/vote_rules.dmn"
VOTE = "workflows/school_vote.bpmn"
OBJECTION = "workflows/objection.bpmn"


def shipped(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def rules_with(notice_days: str = "5", quorum: tuple[str, str] = ("2", "3")) -> str:
    text = shipped(RULES).replace("<text>5</text>", f"<text>{notice_days}</text>")
    text = text.replace("<outputEntry id=\"rule_default_quorum_num\">\n          <text>2</text>",
                        f"<outputEntry id=\"rule_default_quorum_num\">\n          <text>{quorum[0]}</text>")
    return text.replace("<outputEntry id=\"rule_default_quorum_den\">\n          <text>3</text>",
                        f"<outputEntry id=\"rule_default_quorum_den\">\n          <text>{quorum[1]}</text>")


def draft(session, name: str, content: str, scope: str = "default"):
    return session.post("/admin/definitions/draft", json={"file": name, "scope": scope, "content": content})


def publish(session, name: str, content: str, comment: str = "local rule", scope: str = "default"):
    return session.post("/admin/definitions/publish",
                        data={"file": name, "scope": scope, "content": content, "comment": comment})


def publication_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(DefinitionPublication.id)))


def minimal_process(process_id: str, body: str) -> str:
    """A BPMN file with one process, to build hostile variants from."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{process_id}" isExecutable="true">
{body}
  </bpmn:process>
</bpmn:definitions>
"""


LOOP = minimal_process("objection", """
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="count"><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f_again</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>n = 1</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw_again" default="f_done"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f_again</bpmn:outgoing><bpmn:outgoing>f_done</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="end"><bpmn:incoming>f_done</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="count" />
    <bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="gw_again" />
    <bpmn:sequenceFlow id="f_again" sourceRef="gw_again" targetRef="count">
      <bpmn:conditionExpression>n &lt; 10</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_done" sourceRef="gw_again" targetRef="end" />""")

RECURSIVE = minimal_process("objection", """
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:callActivity id="call_again" calledElement="objection"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:callActivity>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call_again" />
    <bpmn:sequenceFlow id="f2" sourceRef="call_again" targetRef="end" />""")

HANGING = Path(__file__).parent / "fixtures" / "engine" / "hanging" / "workflows"


def hanging(name: str) -> str:
    """One of the files that used to hang a worker (issue 11), as the objection process."""
    text = (HANGING / name).read_text(encoding="utf-8")
    return re.sub(r'process id="[a-z_]+"', 'process id="objection"', text)


# (case, file, content, expected words in a problem, element it names or None)
HOSTILE = [
    ("doctype", VOTE, shipped(VOTE).replace('<?xml version="1.0" encoding="UTF-8"?>',
     '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE d [<!ENTITY x "__import__(\'os\')">]>'), "DOCTYPE", None),
    ("entity", RULES, shipped(RULES).replace("<definitions", '<!ENTITY x SYSTEM "file:///etc/passwd">\n<definitions'),
     "ENTITY", None),
    ("script escape", VOTE, shipped(VOTE).replace('ballot_deadline = extension["deadline"]',
     "ballot_deadline = ().__class__.__base__.__subclasses__()"), "are not allowed", "set_deadline"),
    ("encoding", RULES, shipped(RULES).replace('encoding="UTF-8"', 'encoding="GBK"'), "UTF-8", None),
    ("oversize", RULES, shipped(RULES).replace("<definitions", "<!--" + "x" * (2 * 1024 * 1024) + "-->\n<definitions"),
     "larger than", None),
    ("unknown handler", VOTE, shipped(VOTE).replace('serviceTaskOperator id="close_round"',
     'serviceTaskOperator id="close_round_everywhere"'), "names no handler", None),
    ("unknown form", VOTE, shipped(VOTE).replace('value="school_vote_tie.schema.json"', 'value="no_such.schema.json"'),
     "no_such.schema.json", "decide_tie"),
    ("unknown panel", VOTE, shipped(VOTE).replace('name="panel" value="vote_candidates"',
     'name="panel" value="everything"'), "panel 'everything' is not registered", "cast_ballot"),
    ("unquoted due time", VOTE, shipped(VOTE).replace("""name="dueIn" value='"P3D"'""", 'name="dueIn" value="P3D"', 1),
     "unquoted", "no_quorum_decision"),
    ("bad assignee", VOTE, shipped(VOTE).replace('name="assignee" value="voter"',
     'name="assignee" value="__import__(&quot;os&quot;)"'), "assignee", "cast_ballot"),
    ("bad template", OBJECTION, shipped(OBJECTION).replace("{{ candidate_name }}（", "{{ candidate_name （", 1),
     "instructions", "investigate"),
    ("bad condition", VOTE, shipped(VOTE).replace("<bpmn:script>ballot_deadline = extension[\"deadline\"]",
     "<bpmn:script>ballot_deadline = (", 1), "syntax error", "set_deadline"),
    ("loop without wait", OBJECTION, LOOP, "has no step that waits", "gw_again"),
    ("recursive call", OBJECTION, RECURSIVE, "cycle", "call_again"),
    ("huge multi-instance", OBJECTION, hanging("multi_instance_huge.bpmn"), "at most 500 instances", "count_each"),
    ("endless timer cycle", OBJECTION, hanging("timer_cycle_zero.bpmn"), "repeats forever", "remind"),
    ("dmn output type", RULES, rules_with(notice_days='"7"'), "declared integer", "rule_default_notice_days"),
    ("process renamed", OBJECTION, shipped(OBJECTION).replace('process id="objection"', 'process id="objection2"')
     .replace('processRef="objection"', 'processRef="objection2"'), "must stay defined", None),
    ("malformed", RULES, shipped(RULES)[:-40], "malformed XML", None),
]


@pytest.mark.parametrize("case,name,content,words,element", HOSTILE, ids=[c[0] for c in HOSTILE])
def test_hostile_file_is_refused_with_file_line_and_element(app, login, case, name, content, words, element):
    admin = login("admin")
    saved = draft(admin, name, content)
    assert saved.status_code in (200, 422)
    problems = saved.get_json()["problems"]
    assert any(words in p["message"] for p in problems), problems
    assert all(p["filename"] for p in problems)
    if element:
        found = next(p for p in problems if words in p["message"])
        assert found["element_id"] == element
        assert isinstance(found["line"], int)
    response = publish(admin, name, content)
    assert response.status_code == 422
    assert words.replace("'", "&#39;") in response.get_data(as_text=True)
    assert publication_count(app) == 0


def test_invalid_utf8_and_entity_uploads_are_refused_and_not_kept(app, login):
    admin = login("admin")
    bad = shipped(RULES).encode("utf-8").replace("学校评议规则".encode(), "学校评议规则".encode("gbk"), 1)
    response = admin.post("/admin/definitions/upload", content_type="multipart/form-data",
                          data={"file": RULES, "scope": "default", "upload": (io.BytesIO(bad), "vote_rules.dmn")})
    assert response.status_code == 422
    assert "not UTF-8" in response.get_data(as_text=True)
    lone_surrogate = draft(admin, RULES, shipped(RULES).replace("School vote rules", "\ud800"))
    assert lone_surrogate.status_code == 422 and lone_surrogate.get_json()["saved"] is False
    with app.app_context():
        assert db.session.scalar(select(func.count(DefinitionDraft.id))) == 0


def test_upload_of_a_good_file_becomes_the_draft(app, login):
    admin = login("admin")
    response = admin.post("/admin/definitions/upload", content_type="multipart/form-data",
                          data={"file": RULES, "scope": "default",
                                "upload": (io.BytesIO(rules_with("6").encode()), "vote_rules.dmn")})
    assert response.status_code == 302
    source = admin.get(f"/admin/definitions/source?file={RULES}&scope=default").get_json()
    assert source["draft"] is True and "<text>6</text>" in source["content"]


def test_publish_needs_a_comment_and_keeps_the_draft(app, login):
    admin = login("admin")
    response = publish(admin, RULES, rules_with("6"), comment="  ")
    assert response.status_code == 422
    assert 'id="comment-error"' in response.get_data(as_text=True)
    assert publication_count(app) == 0
    source = admin.get(f"/admin/definitions/source?file={RULES}&scope=default").get_json()
    assert "<text>6</text>" in source["content"]


def test_publish_history_diff_and_rollback(app, login):
    admin = login("admin")
    assert draft(admin, RULES, rules_with("6")).get_json()["problems"] == []
    assert publish(admin, RULES, rules_with("6"), comment="六个工作日").status_code == 302
    assert publish(admin, RULES, rules_with("8"), comment="eight days").status_code == 302
    history = admin.get(f"/admin/definitions/history?file={RULES}&scope=default").get_data(as_text=True)
    assert "六个工作日" in history and "eight days" in history and "系统管理员" in history
    diff = admin.get(f"/admin/definitions/diff?file={RULES}&scope=default&from=1&to=2").get_data(as_text=True)
    assert "rule rule_default, rules.notice_days: “6” → “8”" in diff
    assert "-          <text>6</text>" in html.unescape(diff) and "+          <text>8</text>" in html.unescape(diff)
    response = admin.post("/admin/definitions/rollback", data={"file": RULES, "scope": "default", "number": "1"})
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(DefinitionPublication).order_by(DefinitionPublication.number)).all()
        assert [r.number for r in rows] == [1, 2, 3]
        assert rows[2].content == rows[0].content and rows[2].rollback_of_id == rows[0].id
        assert rows[2].published_by.username == "admin"
    index = admin.get("/admin/definitions/").get_data(as_text=True)
    assert re.search(r'data-file="workflows/vote_rules.dmn">.*?data-scope="default">\s*<span class="version">[^<]*3',
                     index, re.S)


def test_diagram_changes_are_listed_in_words(app, login):
    admin = login("admin")
    changed = shipped(VOTE).replace("""name="dueIn" value='"P3D"'""", """name="dueIn" value='"P4D"'""", 1)
    assert publish(admin, VOTE, changed).status_code == 302
    diff = admin.get(f"/admin/definitions/diff?file={VOTE}&scope=default&from=0&to=1").get_data(as_text=True)
    assert "userTask no_quorum_decision “未达法定人数：延期或取消”: property dueIn “&#34;P3D&#34;” → “&#34;P4D&#34;”" in diff


def test_form_preview_uses_the_app_renderer_and_bad_schemas_are_refused(app, login):
    admin = login("admin")
    name = "forms/school_vote_tie.schema.json"
    changed = shipped(name).replace('"推荐人选"', '"最终推荐人选"')
    preview = admin.post("/admin/definitions/preview-form", json={"file": name, "scope": "default", "content": changed})
    assert preview.status_code == 200 and "最终推荐人选" in preview.get_json()["html"]
    broken = admin.post("/admin/definitions/preview-form",
                        json={"file": name, "scope": "default", "content": '{"type": "object", "properties": 5}'})
    assert broken.status_code == 422
    response = publish(admin, name, '{"type": "object", "$ref": "https://example.com/x.json"}')
    assert response.status_code == 422 and publication_count(app) == 0
    assert publish(admin, name, changed).status_code == 302


def test_reminder_policy_is_checked_published_and_used(app, login):
    admin = login("admin")
    policy = "workflows/reminders.json"
    bad = shipped(policy).replace('"max_overdue_reminders": 6', '"max_overdue_reminders": "six"')
    assert publish(admin, policy, bad).status_code == 422
    good = shipped(policy).replace('"repeat_every_working_days": 2', '"repeat_every_working_days": 4', 1)
    assert publish(admin, policy, good).status_code == 302
    with app.app_context():
        assert app.extensions["reminder_policy"].current().for_step("x", "y").repeat_every_working_days == 4



def test_a_county_publishes_its_own_reminder_policy_and_the_scan_follows_it(app, login):
    """Escalation one overdue reminder earlier in 汉阴县 only; bad files are refused there too."""
    from datetime import datetime, timezone

    from webapp.notifications.reminders import scan_reminders
    from webapp.roles import Role

    from .scheduling import open_step, synthetic_instance
    from .test_reminders import _sent

    policy = "workflows/reminders.json"
    county = str(_county_id(app))
    hypa = login("hypa")
    bad = shipped(policy).replace('"max_overdue_reminders": 6', '"max_overdue_reminders": "six"')
    refused = publish(hypa, policy, bad, scope=county)
    assert refused.status_code == 422 and "max_overdue_reminders" in html.unescape(refused.get_data(as_text=True))
    local = shipped(policy).replace('"escalate_after_reminders": 2', '"escalate_after_reminders": 1', 1)
    assert publish(hypa, policy, local, comment="本县逾期一次即上报", scope=county).status_code == 302
    # Not for a county office without the editor role, and not the default for a county.
    assert publish(login("county"), policy, local, scope=county).status_code == 404
    assert publish(hypa, policy, local, scope="default").status_code == 404
    utc = timezone.utc
    with app.app_context():
        assert app.extensions["reminder_policy"].current().defaults.escalate_after_reminders == 2
        task = open_step(synthetic_instance(), role=Role.school_admin, org_code="530101-01",
                         due=datetime(2026, 11, 27, 16, 0, tzinfo=utc))
        db.session.commit()
        scan_reminders(datetime(2026, 12, 1, 16, 0, tzinfo=utc))
        scan_reminders(datetime(2026, 12, 3, 16, 5, tzinfo=utc))  # by default, escalated only on 7 December
        assert _sent(task.id) == [("overdue", 1, "s1admin"), ("overdue", 2, "s1admin"), ("escalation", 1, "county")]


def _county_id(app, name: str = "汉阴县") -> int:
    from webapp.models import Organisation

    with app.app_context():
        return db.session.scalar(select(Organisation.id).filter_by(name=name))


def test_a_malformed_file_after_another_gets_its_own_line(app):
    from webapp.engine.errors import WorkflowFileError
    from webapp.engine.loader import parse_xml_bytes

    lines = []
    for text in (shipped(RULES)[:-40], "<a>\n<b>\n</a>\n"):
        with pytest.raises(WorkflowFileError) as caught:
            parse_xml_bytes(text.encode(), "x.dmn")
        lines.append(caught.value.line)
    assert lines == [57, 3]
