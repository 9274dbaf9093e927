"""Enrolment, lesson progress and course completion. Every write is idempotent."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, func, select, update

from lms import db
from lms.content.catalog import CourseDef, LessonEntry
from lms.db import aware, insert_ignore, utcnow
from lms.models import Course, Enrolment, Lesson, LessonProgress, QuizAttempt, Submission, User

# Time between two lesson views counts as reading time only up to this gap.
MAX_READING_GAP = timedelta(minutes=30)
# Reloading the lesson just opened records nothing new (saves a write per reload).
REVISIT_WITHOUT_WRITE = timedelta(minutes=1)


def enrol(user: User, course_id: str) -> bool:
    """Enrol once; a repeat (double click, retry) changes nothing. True when newly enrolled."""
    sess = db.session()
    created = insert_ignore(sess, Enrolment, {"user_id": user.id, "course_id": course_id, "enrolled_at": utcnow()}, ["user_id", "course_id"])
    sess.commit()
    return created


@dataclass(frozen=True)
class EnrolledCourse:
    """One read of a course's row and the learner's enrolment in it (the lesson player's hot path)."""

    published: bool
    synced_at: datetime
    enrolment_id: int | None
    last_lesson_id: int | None
    last_activity_at: datetime | None


# The lesson player's reads, built once: a statement object is constructed and its cache key
# computed on first use only (SQLAlchemy memoises both on the object), not on every request.
_COURSE_AND_ENROLMENT = (
    select(Course.published, Course.synced_at, Enrolment.id, Enrolment.last_lesson_id, Enrolment.last_activity_at)
    .outerjoin(Enrolment, (Enrolment.course_id == Course.id) & (Enrolment.user_id == bindparam("user_id")))
    .where(Course.id == bindparam("course_id"), Course.retired.is_(False))
)
_COMPLETED_LESSONS = select(LessonProgress.course_id, LessonProgress.lesson_id).where(
    LessonProgress.user_id == bindparam("user_id"), LessonProgress.course_id.in_(bindparam("course_ids", expanding=True)),
    LessonProgress.completed_at.is_not(None),
)
_PASSED_QUIZZES = (
    select(QuizAttempt.quiz_id, func.max(QuizAttempt.percent))
    .where(QuizAttempt.user_id == bindparam("user_id"), QuizAttempt.quiz_id.in_(bindparam("quiz_ids", expanding=True)),
           QuizAttempt.passed.is_(True))
    .group_by(QuizAttempt.quiz_id)
)


def course_and_enrolment(user: User, course_id: str) -> EnrolledCourse | None:
    """The synced course (None if unknown or retired) with the learner's enrolment, if any."""
    row = db.session().execute(_COURSE_AND_ENROLMENT, {"user_id": user.id, "course_id": course_id}).first()
    return EnrolledCourse(*row) if row is not None else None


def enrolment(user: User, course_id: str) -> Enrolment | None:
    return db.session().scalar(select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course_id))


@dataclass(frozen=True)
class LessonRef:
    """A lesson's database identity: what progress rows point at (read-only, shareable)."""

    id: int
    key: str


_rows_lock = threading.Lock()


def lesson_rows(course_id: str, version: object = None) -> dict[str, LessonRef]:
    """The course's current lessons by key.

    The rows change only when ``lms courses sync`` runs, which sets the course's ``synced_at``;
    callers that have loaded the course row pass that as ``version`` and get a per-process copy
    until the next sync (any process's sync changes it, so every process notices).
    """
    cache = current_app.extensions["lms"].lesson_rows_cache if version is not None else None
    if cache is not None:
        hit = cache.get(course_id)
        if hit is not None and hit[0] == version:
            return hit[1]
    stmt = select(Lesson.id, Lesson.key).where(Lesson.course_id == course_id, Lesson.retired.is_(False))
    rows = {key: LessonRef(id=lid, key=key) for lid, key in db.session().execute(stmt)}
    if cache is not None:
        with _rows_lock:
            cache[course_id] = (version, rows)
    return rows


def open_lesson(user: User, course_id: str, lesson: LessonRef, enr: EnrolledCourse | Enrolment | None) -> None:
    """Record that the learner opened a lesson and remember the position.

    Reading time needs no JavaScript: the time since the previous lesson view (up to
    MAX_READING_GAP) is added to that previous lesson. ``enr`` is the learner's enrolment,
    already loaded by the caller.
    """
    now = utcnow()
    if (enr is not None and enr.last_lesson_id == lesson.id and enr.last_activity_at
            and timedelta(0) <= now - aware(enr.last_activity_at) < REVISIT_WITHOUT_WRITE):
        return  # a reload of the same lesson: nothing new to record, so no write
    db.begin_write()  # a GET that writes
    sess = db.session()
    if enr is not None and enr.last_lesson_id and enr.last_activity_at:
        gap = now - aware(enr.last_activity_at)
        if timedelta(0) < gap <= MAX_READING_GAP:
            sess.execute(
                update(LessonProgress)
                .where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == enr.last_lesson_id)
                .values(seconds_spent=LessonProgress.seconds_spent + int(gap.total_seconds()))
            )
    insert_ignore(
        sess, LessonProgress,
        {"user_id": user.id, "lesson_id": lesson.id, "course_id": course_id, "started_at": now, "last_seen_at": now, "seconds_spent": 0},
        ["user_id", "lesson_id"],
    )
    sess.execute(
        update(LessonProgress)
        .where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)
        .values(last_seen_at=now)
    )
    sess.execute(
        update(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.course_id == course_id)
        .values(last_lesson_id=lesson.id, last_activity_at=now)
    )
    sess.commit()


def complete_lesson(user: User, cdef: CourseDef, lesson: LessonRef) -> None:
    """Mark complete exactly once; repeats keep the first completion time."""
    sess = db.session()
    now = utcnow()
    insert_ignore(
        sess, LessonProgress,
        {"user_id": user.id, "lesson_id": lesson.id, "course_id": cdef.id, "started_at": now, "last_seen_at": now, "seconds_spent": 0},
        ["user_id", "lesson_id"],
    )
    sess.execute(
        update(LessonProgress)
        .where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id, LessonProgress.completed_at.is_(None))
        .values(completed_at=now)
    )
    sess.commit()
    update_completion(user, cdef)


def passed_quizzes(user: User, quiz_ids: list[str]) -> dict[str, float]:
    """Best percent per quiz among the learner's graded attempts that passed."""
    if not quiz_ids:
        return {}
    rows = db.session().execute(_PASSED_QUIZZES, {"user_id": user.id, "quiz_ids": list(quiz_ids)})
    return {qid: pct for qid, pct in rows}


@dataclass
class CourseProgress:
    done: int
    total: int
    completed_lessons: set[str] = field(default_factory=set)
    passed: set[str] = field(default_factory=set)
    next_lesson: LessonEntry | None = None
    next_quiz: str | None = None
    # Lesson keys of exercises the learner submitted, and those a trainer marked complete.
    submitted_exercises: set[str] = field(default_factory=set)
    reviewed_exercises: set[str] = field(default_factory=set)

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else int(100 * self.done / self.total)

    @property
    def complete(self) -> bool:
        return self.done >= self.total


def build_progress(
    cdef: CourseDef, lesson_keys: set[str], completed: set[str], passed: set[str],
    submitted: set[str] = frozenset(), reviewed: set[str] = frozenset(),
) -> CourseProgress:
    """Apply the completion rule to what a learner has done (no queries: the trainer's
    cohort grid computes many learners from a few bulk queries with the same rule)."""
    req_lessons = [k for k in cdef.required_lessons() if k in lesson_keys]
    req_quizzes = cdef.required_quizzes()
    req_exercises = [k for k in cdef.required_exercises() if k in lesson_keys]
    done = (
        sum(1 for k in req_lessons if k in completed)
        + sum(1 for q in req_quizzes if q in passed)
        + sum(1 for k in req_exercises if k in reviewed)
    )
    result = CourseProgress(
        done=done, total=len(req_lessons) + len(req_quizzes) + len(req_exercises),
        completed_lessons=set(completed), passed=set(passed) & set(req_quizzes),
        submitted_exercises=set(submitted), reviewed_exercises=set(reviewed),
    )
    for module in cdef.modules:
        for entry in module.lessons:
            if entry.key not in completed:
                result.next_lesson = entry
                return result
        if module.quiz and module.quiz in req_quizzes and module.quiz not in passed:
            result.next_quiz = module.quiz
            return result
    # Everything read and passed: the next step is an exercise not yet handed in.
    for key in req_exercises:
        if key not in submitted:
            result.next_lesson = cdef.lesson(key)
            return result
    return result


def _progress(user: User, cdefs: list[CourseDef], rows: dict[str, dict[str, LessonRef]]) -> dict[str, CourseProgress]:
    """The completion rule applied to the learner's records in ``cdefs``, one query per table
    (``rows``: each course's lessons by key)."""
    ids = [c.id for c in cdefs]
    sess = db.session()
    done: dict[str, set[int]] = {cid: set() for cid in ids}
    for cid, lid in sess.execute(_COMPLETED_LESSONS, {"user_id": user.id, "course_ids": ids}):
        done[cid].add(lid)
    passed = set(passed_quizzes(user, [q for c in cdefs for q in c.required_quizzes()]))
    subs: dict[str, tuple[set[int], set[int]]] = {cid: (set(), set()) for cid in ids}
    with_exercises = [c.id for c in cdefs if c.required_exercises()]
    if with_exercises:
        for cid, lid, status in sess.execute(
            select(Submission.course_id, Submission.lesson_id, Submission.status)
            .where(Submission.user_id == user.id, Submission.course_id.in_(with_exercises))
        ):
            subs[cid][0].add(lid)
            if status == "complete":
                subs[cid][1].add(lid)
    out = {}
    for c in cdefs:
        r = rows[c.id]
        keys_where = lambda ids_: {k for k, ref in r.items() if ref.id in ids_}  # noqa: E731
        out[c.id] = build_progress(c, set(r), keys_where(done[c.id]), passed, keys_where(subs[c.id][0]),
                                   keys_where(subs[c.id][1]))
    return out


def course_progress(user: User, cdef: CourseDef, rows: dict[str, LessonRef] | None = None) -> CourseProgress:
    """Percent from the completion rule: each required lesson and quiz counts once, and with
    ``exercises: all`` each lesson's exercise once a trainer marks it complete. ``rows``: the
    course's lessons when the caller has them already."""
    return _progress(user, [cdef], {cdef.id: rows if rows is not None else lesson_rows(cdef.id)})[cdef.id]


def progress_for_courses(user: User, cdefs: list[CourseDef]) -> dict[str, tuple[CourseProgress, dict[str, LessonRef]]]:
    """``course_progress`` of several courses (the dashboard), with each course's lessons."""
    if not cdefs:
        return {}
    ids = [c.id for c in cdefs]
    versions = dict(db.session().execute(select(Course.id, Course.synced_at).where(Course.id.in_(ids))).all())
    rows = {c.id: lesson_rows(c.id, version=versions.get(c.id)) for c in cdefs}
    progress = _progress(user, cdefs, rows)
    return {cid: (progress[cid], rows[cid]) for cid in ids}


def lesson_key(rows: dict[str, LessonRef], lesson_id: int | None) -> str | None:
    """The key of the lesson with database id ``lesson_id`` among ``rows`` (None if retired/unknown)."""
    return next((key for key, ref in rows.items() if ref.id == lesson_id), None)


def update_completion(user: User, cdef: CourseDef) -> bool:
    """Set the enrolment's completion time once, when the rule is met."""
    if not course_progress(user, cdef).complete:
        return False
    sess = db.session()
    changed = sess.execute(
        update(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.course_id == cdef.id, Enrolment.completed_at.is_(None))
        .values(completed_at=utcnow())
    ).rowcount
    sess.commit()
    # Issue the certificate (idempotent: a repeat or a concurrent request finds it issued).
    from lms.certificates.services import issue_certificate

    issue_certificate(user, cdef)
    return bool(changed)


def my_enrolments(user: User) -> list[Enrolment]:
    return list(db.session().scalars(
        select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.last_activity_at.desc().nulls_last(), Enrolment.enrolled_at.desc())
    ))
