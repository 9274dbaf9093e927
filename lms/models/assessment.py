"""Quiz attempts and skills self-assessments."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, utcnow


class QuizAttempt(Base):
    __tablename__ = "lms_quiz_attempts"
    __table_args__ = (
        # At most one open attempt per learner and quiz, enforced by the database.
        Index(
            "uq_lms_quiz_attempts_open",
            "user_id",
            "quiz_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        # Analytics (migration 0004): who took and passed each quiz of a course, read from an
        # index alone (by course for everyone, by learner for a filter); and the latest first
        # attempts of a quiz for the item analysis.
        Index("ix_lms_quiz_attempts_course_quiz", "course_id", "quiz_id", "user_id", "passed", "status"),
        Index("ix_lms_quiz_attempts_user_course_quiz", "user_id", "course_id", "quiz_id", "passed", "status"),
        Index("ix_lms_quiz_attempts_quiz_first", "quiz_id", "number", "submitted_at", "user_id", "id",
              sqlite_where=text("status = 'graded'"), postgresql_where=text("status = 'graded'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[str] = mapped_column(String(100), index=True)
    course_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    # Why the attempt exists beyond a course quiz, e.g. "skills:pre:<course>" for a self-assessment.
    purpose: Mapped[str | None] = mapped_column(String(120), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | graded
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The drawn questions and the option order shown to this learner.
    layout: Mapped[list] = mapped_column(JSON, default=list)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    results: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    percent: Mapped[float | None] = mapped_column(Float, nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class SkillAssessment(Base):
    __tablename__ = "lms_skill_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_quiz_attempts.id", ondelete="SET NULL"), nullable=True, unique=True
    )
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # "general", or "pre:<course>"/"post:<course>" for a before/after pair around a course.
    context: Mapped[str] = mapped_column(String(100), default="general")
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    profile: Mapped[dict] = mapped_column(JSON, default=dict)  # area -> percent
