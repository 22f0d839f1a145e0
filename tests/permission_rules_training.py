"""The permission matrix's rows for the training (`training.*`) and the conferral (`conferral.*`), over
the world of `permission_world_training.py` (a cohort mid-training with t002 as a trainee mentored by
`research`, a conferred cohort with t002's numbered certificate, a finished review without a cohort).

Who is who, here:
- the county office of 汉阴县 (`county`) opens cohorts and conferrals, sets the window and adds
  supplements, keeps the title register and its import; another county's office (`county2`) sees its
  own (empty) lists and nothing of 汉阴县;
- the training centre of 汉阴县 (`training`) runs the cohort: plan, attendance, scores, its stages;
- the county's leading group (`leader`) sees the conferral it approved and may print its certificates;
- t002 sees, submits to and withdraws from their own place only, and prints their own certificate;
- `research` (mathematics research staff) mentors t002 and reviews their practice record;
- the public list and the verification page answer everyone, signed in or not (200); a forged
  certificate number answers everyone 404.
Everything else answers 404.
"""
from __future__ import annotations

from .permission_rules import SCHOOL1_TEACHERS, Rule, Target, one, only

OFFICE = {"county"}
CENTRE = {"training"}
STAFF = OFFICE | CENTRE
TRAINEE = {"t002"}
MENTOR = {"research"}
CONFERRAL_SEEN = {"county", "leader"}  # the office that proposed and the leading group that approved
CONFERRAL_INDEX = CONFERRAL_SEEN | {"county2"}  # any county's office or leading group: its own county's page
# The training's start page: any county's office or training centre, and everyone who holds a teacher's or
# a research staff member's role (their own places and mentees; an empty list).
TRAINING_INDEX = {"county", "county2", "training", "research"} | SCHOOL1_TEACHERS | TRAINEE
PRACTICE = {"kind": "课例研究报告", "content": "《一元一次方程》课例研究报告，含课堂观察记录。"}


def cohort(**extra):
    return lambda world: [Target("mid-training", {"cohort_id": world.ids["cohort"], **extra})]


def cohort_posting(data: dict, **extra):
    return lambda world: [Target("mid-training", {"cohort_id": world.ids["cohort"], **extra}, None, data)]


def own_place(data: dict | None = None):
    return lambda world: [Target("t002's place", {"trainee_id": world.ids["trainee"]}, None, data)]


def county(**extra):
    """汉阴县 (with its holders import when `job_id` is named)."""
    return lambda world: [Target("汉阴县", {"county_id": world.ids["county1"],
                                           **{k: world.ids["holders_job"] if k == "job_id" else v
                                              for k, v in extra.items()}})]


def certificates(world):
    """t002's real certificate number and a forged one."""
    return [Target("valid", {"number": world.digests["certificate_no"]}, "valid"),
            Target("forged", {"number": "HY-0000-FORGED-999"}, "forged")]


TRAINING_RULES: dict[tuple[str, str], Rule] = {
    ("training.index", "GET"): Rule(one(), only(TRAINING_INDEX, 200)),
    ("training.open_cohort", "POST"): Rule(
        lambda world: [Target("ready review", {"office_id": world.ids["county1"], "review_id": world.ids["ready_review"]})],
        only(OFFICE, 302)),
    ("training.cohort_page", "GET"): Rule(cohort(), only(STAFF, 200)),
    ("training.plan", "GET"): Rule(cohort(), only(CENTRE, 200)),
    ("training.plan", "POST"): Rule(cohort_posting({}), only(CENTRE, 422)),  # no weights, no sessions
    ("training.attendance", "GET"): Rule(cohort(), only(CENTRE, 200)),
    ("training.attendance", "POST"): Rule(cohort_posting({"mark_0_0": "present"}), only(CENTRE, 422)),  # no such trainee
    ("training.scores", "GET"): Rule(cohort(), only(CENTRE, 200)),
    ("training.scores", "POST"): Rule(cohort_posting({}), only(CENTRE, 409)),  # not at the assessment yet
    ("training.import_sheet", "POST"): Rule(cohort_posting({}, kind="attendance"), only(CENTRE, 422)),  # no file
    # The window is open: the next reserve joins (rolled back afterwards).
    ("training.supplements", "POST"): Rule(cohort_posting({"count": "1"}), only(OFFICE, 302)),
    # The centralised stage's step: its training centre may finish it; everyone else is told it does not exist.
    ("training.finish_stage", "POST"): Rule(
        lambda world: [Target("centralised", {"task_id": world.ids["training_stage"]})], only(CENTRE, 302)),
    ("training.mine", "GET"): Rule(own_place(), only(TRAINEE, 200)),
    ("training.submit_practice", "POST"): Rule(own_place(PRACTICE), only(TRAINEE, 302)),
    ("training.withdraw", "POST"): Rule(own_place({"reason": "工作调动"}), only(TRAINEE, 302)),
    ("training.mentoring", "GET"): Rule(one(), only(MENTOR, 200)),
    ("training.review_practice", "POST"): Rule(
        lambda world: [Target("t002's record", {"record_id": world.ids["practice"]}, None,
                              {"decision": "accept", "comment": ""})], only(MENTOR, 302)),
    ("conferral.index", "GET"): Rule(one(), only(CONFERRAL_INDEX, 200)),
    ("conferral.open_conferral", "POST"): Rule(
        lambda world: [Target("conferred", {"county_id": world.ids["county1"], "cohort_id": world.ids["conferred_cohort"]})],
        only(OFFICE, 404)),  # conferred already: no longer among the trainings to confer
    ("conferral.conferral_page", "GET"): Rule(
        lambda world: [Target("conferred", {"conferral_id": world.ids["conferral"]})], only(CONFERRAL_SEEN, 200)),
    ("conferral.public_list", "GET"): Rule(county(), lambda _user, _fact: 200, anonymous=200),
    ("conferral.verify", "GET"): Rule(certificates, lambda _user, fact: 200 if fact == "valid" else 404,
                                      anonymous=lambda fact: 200 if fact == "valid" else 404),
    ("conferral.certificate_pdf", "GET"): Rule(
        lambda world: [Target("t002's", {"title_id": world.ids["certificate"]})], only(CONFERRAL_SEEN | TRAINEE, 200)),
    ("conferral.title_register", "GET"): Rule(county(), only(OFFICE, 200)),
    ("conferral.holders_template", "GET"): Rule(county(), only(OFFICE, 200)),
    ("conferral.import_holders", "GET"): Rule(county(), only(OFFICE, 200)),
    ("conferral.import_holders", "POST"): Rule(lambda world: [Target("汉阴县", {"county_id": world.ids["county1"]}, None, {})],
                                               only(OFFICE, 422)),  # no file
    ("conferral.holders_job", "GET"): Rule(county(job_id=0), only(OFFICE, 200)),
    ("conferral.holders_job_apply", "POST"): Rule(county(job_id=0), only(OFFICE, 409)),  # applied already
}
