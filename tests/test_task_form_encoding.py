"""A task page posts multipart/form-data only when its form has a file field; both posts work."""
from __future__ import annotations

import re

from .helpers import cycle_id_for, declaration, start_application, submit, task_id_in_inbox


def _form_tag(page: str) -> str:
    match = re.search(r'<form method="post"[^>]*class="task-form"[^>]*>', page)
    assert match, page[:2000]
    return match.group(0)


def test_only_forms_with_files_post_multipart(app, login):
    teacher = login("t001")
    task_id = start_application(teacher, cycle_id_for(app, "backbone", "t001"))
    # The declaration carries evidence files: multipart.
    page = teacher.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in _form_tag(page)
    assert submit(teacher, task_id, declaration()).status_code == 302
    # The school's review has no file field: a plain form post, which the server takes as well.
    admin = login("s1admin")
    review_id = task_id_in_inbox(admin, "学校审核申报")
    page = admin.get(f"/tasks/{review_id}").get_data(as_text=True)
    assert "enctype" not in _form_tag(page)
    response = admin.post(f"/tasks/{review_id}", data={"review_decision": "accept", "_action": "submit"})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    assert "已提交" in admin.get(response.headers["Location"]).get_data(as_text=True)
