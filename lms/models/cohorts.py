"""Cohorts (pilot courses run by trainers), their sessions, attendance, announcements, and
exercise submissions that trainers review."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, utcnow


class Cohort(Base):
    __tablename__ = "lms_cohorts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(2), nullable=True, index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # One-time token from the creating form: a double submit creates one cohort.
    request_token: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)


class CohortCourse(Base):
    __tablename__ = "lms_cohort_courses"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohorts.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("lms_courses.id", ondelete="CASCADE"), primary_key=True)


class CohortTrainer(Base):
    __tablename__ = "lms_cohort_trainers"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohorts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16), default="co-trainer")  # owner | co-trainer
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CohortMember(Base):
    __tablename__ = "lms_cohort_members"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohorts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id", ondelete="CASCADE"), primary_key=True, index=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CohortSession(Base):
    """One meeting of the cohort, e.g. one of four half-day sessions."""

    __tablename__ = "lms_cohort_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohorts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    minutes: Mapped[int] = mapped_column(Integer, default=180)
    location: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_token: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)


class Attendance(Base):
    __tablename__ = "lms_attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("lms_cohort_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="present")  # present | absent | excused
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id", ondelete="SET NULL"), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Announcement(Base):
    __tablename__ = "lms_announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohorts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id", ondelete="SET NULL"), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A client-generated token from the form makes a double submit post one announcement.
    request_token: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)


class Submission(Base):
    """A learner's answer to a lesson's exercise; one per learner and lesson (resubmits update it)."""

    __tablename__ = "lms_submissions"
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id"),
        Index("ix_lms_submissions_course_status", "course_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[str] = mapped_column(String(64))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lms_lessons.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str | None] = mapped_column(String(200), nullable=True)  # the learner's name for it
    file_key: Mapped[str | None] = mapped_column(String(80), nullable=True)  # random name on disk
    file_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    file_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="submitted")  # submitted | complete
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id", ondelete="SET NULL"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SubmissionComment(Base):
    __tablename__ = "lms_submission_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("lms_submissions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id", ondelete="SET NULL"), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    request_token: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
