"""Certificates of course completion and the Open Badges issuer profile.

A certificate keeps a signed snapshot of what it states (holder's name, course title, dates,
hours, organisation), so it reads the same after the course or the profile changes.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, utcnow

# valid: in force; revoked: withdrawn by an administrator (reason shown publicly);
# superseded: replaced by a re-issued certificate; withdrawn: the holder's account was deleted.
STATUSES = ("valid", "revoked", "superseded", "withdrawn")
NAME_DISPLAYS = ("full", "initials")


class Certificate(Base):
    __tablename__ = "lms_certificates"
    __table_args__ = (
        # One current certificate per learner and course; re-issuing marks the old one
        # superseded first. The database decides under concurrent completions.
        Index(
            "uq_lms_certificates_current",
            "user_id",
            "course_id",
            unique=True,
            sqlite_where=text("status <> 'superseded'"),
            postgresql_where=text("status <> 'superseded'"),
        ),
        Index("ix_lms_certificates_course_issued", "course_id", "issued_at"),
    )

    # secrets.token_urlsafe(24): 192 random bits, never derived from the user or course.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # SET NULL: the record outlives an account deletion, anonymised (docs/certificates.md).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    course_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="valid")
    # The signed snapshot.
    holder_name: Mapped[str] = mapped_column(String(100))
    course_title: Mapped[str] = mapped_column(String(300))
    completed_on: Mapped[date] = mapped_column(Date)
    study_minutes: Mapped[int] = mapped_column(Integer, default=0)  # the course's estimated minutes
    organisation: Mapped[str] = mapped_column(String(200))
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_title: Mapped[str] = mapped_column(String(200), default="")
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    signature: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 hex over the snapshot
    # Not signed: presentation and life-cycle.
    lang: Mapped[str] = mapped_column(String(8), default="en")  # language at issue
    name_display: Mapped[str] = mapped_column(String(16), default="full")  # full | initials
    issued_by: Mapped[int | None] = mapped_column(
        ForeignKey("lms_users.id", ondelete="SET NULL"), nullable=True
    )
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    revoked_by: Mapped[int | None] = mapped_column(
        ForeignKey("lms_users.id", ondelete="SET NULL"), nullable=True
    )
    superseded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class BadgeIssuer(Base):
    """The Open Badges issuer profile an administrator sets; one row (id 1)."""

    __tablename__ = "lms_badge_issuer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(
        ForeignKey("lms_users.id", ondelete="SET NULL"), nullable=True
    )
