"""Walk the app's pages as a logged-in user and find Chinese that is not user-entered data.

What people typed or were given as names is allowed to stay Chinese on an English page: user and
organisation names, uploaded file names, holiday names, and every answer and comment entered on
a form. Those values are read from the database (not guessed), removed from each page, and what
is left must contain no CJK character. The language switch names the other language in itself
(`lang="zh-CN"`), which is allowed too, and so is the source text of the definition files that
administrators edit (the editor's file text and its diffs: both languages live in those files).
"""
from __future__ import annotations

import html
import re
from collections import deque

from lxml import html as lxml_html
from sqlalchemy import select

from webapp.extensions import db

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
LINK = re.compile(r'href="(/[^"#]*)')
SKIP = ("/logout", "/static/", "/evidence/", "/language")


def _strings(value) -> list[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def user_entered_values() -> list[str]:
    """Everything people typed or named, longest first (so that a name inside a text goes with it)."""
    from webapp.models import AuditEvent, CalendarDay, Evidence, HumanTask, Organisation, User
    from webapp.processes.objection.models import Objection
    from webapp.processes.school_vote.models import VoteRound

    values: set[str] = set()
    values |= set(db.session.scalars(select(User.display_name)))
    values |= set(db.session.scalars(select(Organisation.name)))
    values |= {v for v in db.session.scalars(select(Organisation.school_group)) if v}
    values |= {v for v in db.session.scalars(select(Organisation.supervision_district)) if v}
    values |= set(db.session.scalars(select(Evidence.original_name)))
    values |= set(db.session.scalars(select(CalendarDay.name)))
    for data, comment in db.session.execute(select(AuditEvent.data, AuditEvent.comment)):
        values |= set(_strings(data)) | ({comment} if comment else set())
    for (draft,) in db.session.execute(select(HumanTask.draft_json)):
        values |= set(_strings(draft))
    for reason, reply in db.session.execute(select(Objection.reason, Objection.reply)):
        values |= {v for v in (reason, reply) if v}
    values |= {note for note in db.session.scalars(select(VoteRound.tie_note)) if note}
    values |= _title_texts()
    return sorted((v for v in values if v and CJK.search(v)), key=len, reverse=True)


def _title_texts() -> set[str]:
    """Reasons typed for title events (transfers, revocations) and the annual review's texts and logs."""
    from webapp.models import TitleEvent, TitleHolding
    from webapp.processes.annual_review.models import AnnualReview, DutyRecord

    values = set(db.session.scalars(select(TitleEvent.reason))) | set(db.session.scalars(select(TitleHolding.status_reason)))
    values |= set(db.session.scalars(select(DutyRecord.description)))
    for row in db.session.execute(select(AnnualReview.summary, AnnualReview.school_comment, AnnualReview.opinion,
                                         AnnualReview.decision_reason, AnnualReview.appeal_text, AnnualReview.appeal_reason)):
        values |= {value for value in row if value}
    return {value for value in values if value}


def chinese_left(page: str, allowed: list[str]) -> list[str]:
    """Snippets of CJK text left on a page once user data and `lang="zh-*"` elements are removed."""
    tree = lxml_html.document_fromstring(page)
    for element in tree.xpath('//*[starts-with(@lang, "zh")] | //*[@id="content"] | //pre[@id="text-diff"]'):
        element.drop_tree()
    text = lxml_html.tostring(tree, encoding="unicode")
    text = html.unescape(text)
    for value in allowed:
        text = text.replace(value, " ")
    return [text[max(0, m.start() - 40):m.end() + 40].replace("\n", " ") for m in CJK.finditer(text)][:5]


def crawl(session, start: list[str], limit: int = 120) -> dict[str, str]:
    """GET pages breadth-first from `start`, following the app's own links; path → page text."""
    seen: dict[str, str] = {}
    queue = deque(start)
    while queue and len(seen) < limit:
        url = html.unescape(queue.popleft())
        if url in seen or url.startswith(SKIP):
            continue
        response = session.get(url)
        if response.status_code in (301, 302, 303):
            queue.append(response.headers["Location"].replace("http://localhost", ""))
            seen[url] = ""
            continue
        if "text/html" not in response.content_type:
            continue
        page = response.get_data(as_text=True)
        seen[url] = page
        for link in LINK.findall(page):
            if link not in seen:
                queue.append(link)
    return seen


def scan(app, sessions: dict, start=("/",), limit: int = 120, visited: set | None = None) -> list[str]:
    """Crawl as each user (their language set to English) and report Chinese outside user data.

    `visited` collects the paths seen (without ids), so that a test can check what was covered.
    """
    from webapp.models import User

    problems = []
    with app.app_context():
        allowed = user_entered_values()
        for user in db.session.scalars(select(User).where(User.username.in_(list(sessions)))):
            user.locale = "en"
        db.session.commit()
    try:
        for username, session in sessions.items():
            for url, page in crawl(session, list(start), limit).items():
                if visited is not None and page:
                    visited.add(re.sub(r"\d+", "N", url.split("?")[0]))
                if page and 'lang="en"' not in page[:200]:
                    problems.append(f"{username} {url}: not served in English")
                for snippet in chinese_left(page, allowed) if page else []:
                    problems.append(f"{username} {url}: …{snippet}…")
    finally:
        with app.app_context():
            for user in db.session.scalars(select(User).where(User.username.in_(list(sessions)))):
                user.locale = None
            db.session.commit()
    return problems
