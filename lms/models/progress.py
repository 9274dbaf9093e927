"""Enrolments and per-lesson progress. Unique constraints make every write idempotent."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, utcnow


class Enrolment(Base):
    __tablename__ = "lms_enrolments"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        # Analytics (migration 0004): covering indexes, so figures per course, per month and
        # per learner are read from an index alone, in the order they are grouped by.
        Index("ix_lms_enrolments_course_enrolled", "course_id", "enrolled_at", "completed_at", "last_activity_at", "user_id"),
        Index("ix_lms_enrolments_course_completed", "course_id", "completed_at"),
        Index("ix_lms_enrolments_user_dates", "user_id", "course_id", "enrolled_at", "completed_at", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[str] = mapped_column(
        ForeignKey("lms_courses.id", ondelete="CASCADE"), index=True
    )
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_lessons.id", ondelete="SET NULL"), nullable=True
    )
    last_activity_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LessonProgress(Base):
    __tablename__ = "lms_lesson_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id"),
        # Analytics (migration 0004): the per-lesson funnel of a course reads only these narrow
        # indexes (integers and a timestamp): by lesson for everyone, by learner for a filter.
        Index("ix_lms_lesson_progress_lesson_done", "lesson_id", "completed_at", "user_id"),
        Index("ix_lms_lesson_progress_user_lesson_done", "user_id", "lesson_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(
        ForeignKey("lms_lessons.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seconds_spent: Mapped[int] = mapped_column(Integer, default=0)
