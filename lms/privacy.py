"""Privacy requests: every area that stores data about a user registers an exporter here."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select

from lms import db
from lms.models import Enrolment, LessonProgress, QuizAttempt, SkillAssessment, User

Exporter = Callable[[User], object]
_EXPORTERS: dict[str, Exporter] = {}


def exporter(area: str) -> Callable[[Exporter], Exporter]:
    def register(fn: Exporter) -> Exporter:
        _EXPORTERS[area] = fn
        return fn

    return register


def _rows(model, user: User, columns: list[str]) -> list[dict]:
    rows = db.session().scalars(select(model).where(model.user_id == user.id).order_by(model.id))
    return [{c: getattr(r, c) for c in columns} for r in rows]


@exporter("account")
def _account(user: User) -> dict:
    return {
        "email": user.email, "display_name": user.display_name, "locale": user.locale,
        "country": user.country, "organisation": user.organisation, "role": user.role,
        "created_at": user.created_at, "last_login_at": user.last_login_at,
    }


@exporter("enrolments")
def _enrolments(user: User) -> list[dict]:
    return _rows(Enrolment, user, ["course_id", "enrolled_at", "completed_at", "last_activity_at"])


@exporter("lesson_progress")
def _progress(user: User) -> list[dict]:
    from lms.models import Lesson

    rows = db.session().execute(
        select(LessonProgress, Lesson.key)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id == user.id)
        .order_by(LessonProgress.id)
    )
    return [
        {"course_id": p.course_id, "lesson": key, "started_at": p.started_at,
         "completed_at": p.completed_at, "seconds_spent": p.seconds_spent}
        for p, key in rows
    ]


@exporter("quiz_attempts")
def _attempts(user: User) -> list[dict]:
    return _rows(QuizAttempt, user, ["quiz_id", "course_id", "number", "status", "started_at",
                                     "submitted_at", "answers", "percent", "passed"])


@exporter("skill_assessments")
def _skills(user: User) -> list[dict]:
    return _rows(SkillAssessment, user, ["taken_at", "context", "answers", "profile"])


def export_user(user: User) -> dict:
    return {area: fn(user) for area, fn in _EXPORTERS.items()}
