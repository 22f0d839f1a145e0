"""Linking cited files to an instance: only the submitter's own upload of those bytes."""
from __future__ import annotations

from sqlalchemy import select

from webapp.processes.self_application.operations import start_application
from webapp.evidence.operations import link_to_instance, linked_evidence, own_upload
from webapp.extensions import db
from webapp.models import ApplicationCycle, Evidence, EvidenceLink, ProcessInstance, User


def test_same_bytes_uploaded_by_others_are_not_linked(app, demo):
    with app.test_request_context():
        engine = app.extensions["workflow_engine"]
        teacher = db.session.scalar(select(User).filter_by(username="t001"))
        others = db.session.scalars(select(User).where(User.username.in_(["t002", "t004", "t005"]))).all()
        cycle = db.session.scalar(select(ApplicationCycle).filter_by(category="academic_leader"))
        application = start_application(engine, teacher, cycle.id)
        digest = "sha256-" + "ab" * 32
        for user in [teacher, *others]:
            db.session.add(Evidence(digest=digest, uploaded_by_id=user.id, original_name="证书.pdf",
                                    content_type="application/pdf", size=10))
        db.session.flush()
        instance = db.session.get(ProcessInstance, application.instance_id)
        link_to_instance(instance, {digest}, uploaded_by=teacher)
        link_to_instance(instance, {digest}, uploaded_by=teacher)  # idempotent
        db.session.flush()
        links = db.session.scalars(select(EvidenceLink).filter_by(instance_id=instance.id)).all()
        own = db.session.scalar(select(Evidence).filter_by(digest=digest, uploaded_by_id=teacher.id))
        assert [link.evidence_id for link in links] == [own.id]
        # The school still reads the file through the instance, as the teacher's own upload.
        admin = db.session.scalar(select(User).filter_by(username="s1admin"))
        assert linked_evidence(admin, instance.id, digest) == own
        # A colleague who uploaded the same bytes reads their own upload, never the instance's.
        colleague = next(user for user in others if user.username == "t004")
        assert linked_evidence(colleague, instance.id, digest) is None
        assert own_upload(colleague, digest).uploaded_by_id == colleague.id


def test_an_upload_is_on_disk_durably_before_its_row_can_commit(app, demo, monkeypatch, tmp_path, fsynced):
    """The file's bytes, its name in its directory and new directories' names are fsynced."""
    import io
    import os

    from werkzeug.datastructures import FileStorage

    from webapp.evidence.operations import evidence_path, store_upload

    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    with app.test_request_context():
        teacher = db.session.scalar(select(User).filter_by(username="t001"))
        upload = FileStorage(io.BytesIO(b"%PDF-1.4 durable"), filename="证书.pdf", content_type="application/pdf")
        evidence_id = store_upload(teacher, upload, {})
        target = evidence_path(evidence_id.removeprefix("sha256-"))
        assert target.read_bytes() == b"%PDF-1.4 durable"
    files = [path for path in fsynced if not os.path.isdir(path)]
    directories = [path for path in fsynced if os.path.isdir(path)]
    assert len(files) == 1  # the spooled bytes
    assert files[0].startswith(str(tmp_path / "evidence"))
    # The renamed name, and the names of the two directories the digest made: all three levels.
    assert directories == [str(target.parent), str(target.parent.parent), str(target.parent.parent.parent)]
