"""Administrators' edits of diagrams, decision tables, forms and the reminder policy.

A *scope* is where an edit applies: ``"default"`` (every organisation) or the id of a province,
city or county (its variant, which overrides the one above it for instances started inside it).
Files are named by their path under the project, e.g. ``workflows/vote_rules.dmn`` or
``forms/school_vote_ballot.schema.json``; the shipped files are version 0 of the default.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

DEFAULT_SCOPE = "default"


class DefinitionDraft(db.Model):
    """The one draft of a file in a scope, saved as often as the editor likes, never run."""

    __tablename__ = "definition_draft"
    __table_args__ = (UniqueConstraint("filename", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(32))
    org_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisation.id"))
    content: Mapped[str] = mapped_column(Text)
    # The publication the draft started from (None: the shipped file), to tell of concurrent publishes.
    base_publication_id: Mapped[Optional[int]] = mapped_column(Integer)
    saved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    saved_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    saved_by = relationship("User")

    # Two editors saving from stale copies: the second UPDATE matches no row (StaleDataError).
    __mapper_args__ = {"version_id_col": lock_version}


class DefinitionPublication(db.Model):
    """A published version of a file in a scope; append-only, so it is also the audit of publishing.

    The newest row of a (file, scope) is in force; a rollback publishes an older content again.
    """

    __tablename__ = "definition_publication"
    __table_args__ = (UniqueConstraint("filename", "scope", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200), index=True)
    scope: Mapped[str] = mapped_column(String(32))
    org_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisation.id"))
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text)
    published_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    published_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when this publication re-published an older one (a rollback).
    rollback_of_id: Mapped[Optional[int]] = mapped_column(ForeignKey("definition_publication.id"))

    published_by = relationship("User")
    organisation = relationship("Organisation")


class DefinitionFormSet(db.Model):
    """The forms in force for an organisation when an instance started there, stored once per set.

    A running instance keeps drawing and checking its steps with these forms, as it keeps its
    diagram (`process_instance.form_set`); a form published later applies to new instances.
    """

    __tablename__ = "definition_form_set"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    # {"forms/name.schema.json": "file text", ...}
    contents: Mapped[str] = mapped_column(Text)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
