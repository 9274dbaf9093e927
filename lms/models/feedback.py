"""Reports from learners about problems in a translated lesson."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, utcnow


class TranslationReport(Base):
    __tablename__ = "lms_translation_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id", ondelete="SET NULL"), nullable=True, index=True)
    course_id: Mapped[str] = mapped_column(String(64), index=True)
    lesson_key: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8), index=True)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
