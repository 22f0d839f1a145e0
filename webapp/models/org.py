"""The organisation tree: province → city → county → school."""
from __future__ import annotations

import enum
from typing import Optional

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class OrgKind(enum.Enum):
    """The level of an organisation in the education administration."""

    province = "province"
    city = "city"
    county = "county"
    school = "school"


class Organisation(db.Model):
    """A bureau or a school. `path` lists the ids from the root, e.g. '/1/4/9/', for scope checks."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(Enum(OrgKind, native_enum=False, length=16))
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisation.id"), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True, default="")
    is_rural: Mapped[bool] = mapped_column(Boolean, default=False)
    school_group: Mapped[Optional[str]] = mapped_column(String(100))
    supervision_district: Mapped[Optional[str]] = mapped_column(String(100))
    teacher_headcount: Mapped[int] = mapped_column(Integer, default=0)
    # Rotation facts (交流轮岗): a weak school (薄弱学校) receives 顶岗 teachers; paired schools (结对) exchange staff.
    is_weak: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    paired_school_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisation.id"))
    # A deactivated organisation keeps its history but takes no new people, imports or children.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    parent: Mapped[Optional["Organisation"]] = relationship(remote_side=[id], foreign_keys=[parent_id])

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this organisation, inclusive."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def is_within(self, other: "Organisation") -> bool:
        """True if this organisation is `other` or lies below it."""
        return self.path.startswith(other.path)

    def __repr__(self) -> str:
        return f"<Organisation {self.kind.value} {self.name}>"


def assign_path(org: Organisation) -> None:
    """Compute the materialised path once the organisation has an id."""
    prefix = org.parent.path if org.parent is not None else "/"
    org.path = f"{prefix}{org.id}/"
