"""Uploads over HTTP: a file name with a line break or a reserved name gets a message at its field."""
from __future__ import annotations

import io
import re

from .helpers import PDF, cycle_id_for, declaration, start_application, submit

BOUNDARY = "----sanjiBoundary7MA4YWxk"


def raw_multipart(fields: dict[str, str], file_field: str, file_name: bytes, content: bytes) -> bytes:
    """A multipart body written by hand, so a file name can hold bytes a browser would escape."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; filename="'.encode()
        + file_name + b'"\r\nContent-Type: application/pdf\r\n\r\n' + content + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def field_error(html: str, field_id: str) -> str:
    """The message shown under one field (empty if none)."""
    match = re.search(rf'<p class="form-error" id="{field_id}--error">(.*?)</p>', html, re.S)
    return match.group(1) if match else ""


def test_line_break_in_a_file_name_is_shown_next_to_the_field(app, login):
    teacher = login("t001")
    task_id = start_application(teacher, cycle_id_for(app, "backbone"))
    body = raw_multipart({"statement": "草稿内容", "_action": "save"}, "evidence", "证书\r\n.pdf".encode(), PDF)
    response = teacher.post(f"/tasks/{task_id}?lang=en", data=body,
                            content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code == 422  # not a silent redirect: the draft is not saved without its file
    html = response.get_data(as_text=True)
    assert "its name probably contains a line break" in field_error(html, "f-evidence")
    assert "草稿内容" in html  # what was typed is kept


def test_reserved_and_overlong_names_are_refused_at_the_field(app, login):
    teacher = login("t001")
    task_id = start_application(teacher, cycle_id_for(app, "backbone"))
    for name, fragment in (("NUL.pdf", "Windows reserves for a device"),
                           ("长" * 90 + ".pdf", "the file name is too long")):
        response = submit(teacher, task_id, declaration(evidence=(io.BytesIO(PDF), name)) | {"_action": "save"})
        # English messages for the check; the task page is in the user's language.
        assert response.status_code == 422, name
        html = teacher.get(f"/tasks/{task_id}").get_data(as_text=True)
        assert "/evidence/sha256-" not in html  # nothing was stored for the draft
        english = teacher.post(f"/tasks/{task_id}?lang=en", data=declaration(evidence=(io.BytesIO(PDF), name)),
                               content_type="multipart/form-data")
        assert english.status_code == 422
        assert fragment in field_error(english.get_data(as_text=True), "f-evidence"), name
