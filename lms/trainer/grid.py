"""The cohort's progress grid (learners × lessons and quizzes), who is falling behind, and one
learner's drill-down. A handful of bulk queries per page, never one per cell."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import case, func, select

from lms import db
from lms.db import aware
from lms.catalogue.services import catalog
from lms.content.catalog import CourseDef
from lms.learn.services import build_progress
from lms.models import (
    Attendance, CohortMember, CohortSession, Enrolment, Lesson, LessonProgress, QuizAttempt, Submission, User,
)
from lms.trainer.services import CohortAccess, course_ids, is_running

# "Falling behind" (shown in the page's help text): while the cohort runs, a learner whose
# progress is more than BEHIND_POINTS below the cohort's median, or who has done nothing for
# INACTIVE_DAYS (counted from joining when they never started).
BEHIND_POINTS = 25
INACTIVE_DAYS = 7


@dataclass
class Column:
    course: CourseDef
    kind: str  # lesson | quiz
    key: str  # lesson key or quiz id
    title: str
    exercise: bool = False


@dataclass
class Cell:
    state: str = "none"  # done | started | none (lessons); passed | tried | none (quizzes)
    percent: float | None = None  # best quiz score
    exercise: str | None = None  # submitted | complete


@dataclass
class Row:
    user: User
    cells: list[Cell]
    percent: int
    last_activity: datetime | None
    joined_at: datetime | None = None
    behind: list[str] = field(default_factory=list)  # reasons: "median", "inactive"


@dataclass
class Grid:
    courses: list[tuple[CourseDef, int]]  # course and its number of columns, for the header row
    columns: list[Column]
    rows: list[Row]
    median: float | None
    running: bool

    @property
    def behind(self) -> list[Row]:
        return [r for r in self.rows if r.behind]


def cohort_courses(access: CohortAccess) -> list[CourseDef]:
    cat = catalog()
    return [c for c in (cat.course(cid) for cid in course_ids(access.id)) if c is not None]


def _columns(courses: list[CourseDef], lang: str) -> list[Column]:
    cols = []
    for cdef in courses:
        exercises = set(cdef.exercise_lessons())
        for module in cdef.modules:
            for entry in module.lessons:
                cols.append(Column(cdef, "lesson", entry.key, cdef.lesson_title(entry, lang), entry.key in exercises))
            if module.quiz:
                cols.append(Column(cdef, "quiz", module.quiz, cdef.module_title(module, lang)))
    return cols


def cohort_grid(access: CohortAccess, lang: str, now: datetime | None = None) -> Grid:
    now = now or datetime.now(timezone.utc)
    sess = db.session()
    courses = cohort_courses(access)
    cids = [c.id for c in courses]
    columns = _columns(courses, lang)
    member_ids = select(CohortMember.user_id).where(CohortMember.cohort_id == access.id)
    people = sess.execute(
        select(User, CohortMember.joined_at).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == access.id).order_by(User.display_name, User.id)
    ).all()
    running = is_running(access.cohort, now.date())
    if not people or not cids:
        return Grid([(c, sum(1 for col in columns if col.course is c)) for c in courses], columns, [], None, running)

    lessons = {(row.course_id, row.id): row.key for row in sess.scalars(
        select(Lesson).where(Lesson.course_id.in_(cids), Lesson.retired.is_(False))
    )}
    keys_by_course: dict[str, set[str]] = {}
    for (course_id, _lid), key in lessons.items():
        keys_by_course.setdefault(course_id, set()).add(key)
    lesson_key = {lid: (course_id, key) for (course_id, lid), key in lessons.items()}

    started: dict[int, set[tuple[str, str]]] = {}
    completed: dict[int, set[tuple[str, str]]] = {}
    last: dict[int, datetime] = {}

    def touch(uid: int, when: datetime | None) -> None:
        when = aware(when)
        if when is not None and (uid not in last or when > last[uid]):
            last[uid] = when

    for uid, lid, done_at, seen_at in sess.execute(
        select(LessonProgress.user_id, LessonProgress.lesson_id, LessonProgress.completed_at, LessonProgress.last_seen_at)
        .where(LessonProgress.user_id.in_(member_ids), LessonProgress.course_id.in_(cids))
    ):
        touch(uid, seen_at)
        if lid not in lesson_key:
            continue
        started.setdefault(uid, set()).add(lesson_key[lid])
        if done_at is not None:
            completed.setdefault(uid, set()).add(lesson_key[lid])

    quiz_ids = sorted({col.key for col in columns if col.kind == "quiz"})
    best: dict[tuple[int, str], tuple[float | None, bool]] = {}
    if quiz_ids:
        for uid, qid, pct, passed, when in sess.execute(
            select(
                QuizAttempt.user_id, QuizAttempt.quiz_id,
                func.max(case((QuizAttempt.status == "graded", QuizAttempt.percent))),
                func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)),
                func.max(func.coalesce(QuizAttempt.submitted_at, QuizAttempt.started_at)),
            )
            .where(QuizAttempt.user_id.in_(member_ids), QuizAttempt.quiz_id.in_(quiz_ids))
            .group_by(QuizAttempt.user_id, QuizAttempt.quiz_id)
        ):
            best[(uid, qid)] = (pct, bool(passed))
            touch(uid, when)

    for uid, when in sess.execute(
        select(Enrolment.user_id, func.max(Enrolment.last_activity_at))
        .where(Enrolment.user_id.in_(member_ids), Enrolment.course_id.in_(cids)).group_by(Enrolment.user_id)
    ):
        touch(uid, when)

    subs: dict[int, dict[tuple[str, str], str]] = {}  # user -> (course, lesson key) -> status
    for uid, lid, status, when in sess.execute(
        select(Submission.user_id, Submission.lesson_id, Submission.status, Submission.submitted_at)
        .where(Submission.user_id.in_(member_ids), Submission.course_id.in_(cids))
    ):
        touch(uid, when)
        if lid in lesson_key:
            subs.setdefault(uid, {})[lesson_key[lid]] = status

    rows = []
    for user, joined_at in people:
        done = total = 0
        my_subs = subs.get(user.id, {})
        for cdef in courses:
            mine = {k for (c, k) in completed.get(user.id, set()) if c == cdef.id}
            passed = {q for q in cdef.quiz_ids if best.get((user.id, q), (None, False))[1]}
            submitted = {k for (c, k) in my_subs if c == cdef.id}
            reviewed = {k for (c, k), st in my_subs.items() if c == cdef.id and st == "complete"}
            p = build_progress(cdef, keys_by_course.get(cdef.id, set()), mine, passed, submitted, reviewed)
            done += p.done
            total += p.total
        cells = []
        for col in columns:
            ref = (col.course.id, col.key)
            if col.kind == "lesson":
                state = "done" if ref in completed.get(user.id, set()) else "started" if ref in started.get(user.id, set()) else "none"
                cells.append(Cell(state, exercise=my_subs.get(ref) if col.exercise else None))
            else:
                pct, passed = best.get((user.id, col.key), (None, False))
                cells.append(Cell("passed" if passed else "tried" if (user.id, col.key) in best else "none", pct))
        percent = 100 if total == 0 else int(100 * done / total)
        rows.append(Row(user, cells, percent, last.get(user.id), aware(joined_at)))

    median = statistics.median(r.percent for r in rows) if rows else None
    if running:
        cutoff = now - timedelta(days=INACTIVE_DAYS)
        for r in rows:
            if median is not None and median - r.percent > BEHIND_POINTS:
                r.behind.append("median")
            since = r.last_activity or r.joined_at
            if r.percent < 100 and since is not None and since < cutoff:
                r.behind.append("inactive")
    spans = [(c, sum(1 for col in columns if col.course is c)) for c in courses]
    return Grid(spans, columns, rows, median, running)


# -- one learner -----------------------------------------------------------------------------------


@dataclass
class LessonLine:
    title: str
    started_at: datetime | None
    completed_at: datetime | None
    seconds: int
    exercise: bool


def learner_detail(access: CohortAccess, user: User, lang: str) -> dict:
    """Lessons, quiz attempts, submissions and attendance of one member, for their trainers."""
    sess = db.session()
    courses = cohort_courses(access)
    cids = [c.id for c in courses]
    progress = {lid: p for lid, p in sess.execute(
        select(LessonProgress.lesson_id, LessonProgress).where(LessonProgress.user_id == user.id, LessonProgress.course_id.in_(cids))
    ).all()}
    rows = {(r.course_id, r.key): r for r in sess.scalars(select(Lesson).where(Lesson.course_id.in_(cids), Lesson.retired.is_(False)))}
    per_course = []
    for cdef in courses:
        exercises = set(cdef.exercise_lessons())
        lines = []
        for entry in cdef.lessons:
            row = rows.get((cdef.id, entry.key))
            p = progress.get(row.id) if row else None
            lines.append(LessonLine(cdef.lesson_title(entry, lang), p.started_at if p else None, p.completed_at if p else None,
                                    p.seconds_spent if p else 0, entry.key in exercises))
        per_course.append((cdef, lines))
    quiz_titles = {}
    for cdef in courses:
        for module in cdef.modules:
            if module.quiz:
                quiz_titles[module.quiz] = (cdef, cdef.module_title(module, lang))
    attempts = list(sess.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id, QuizAttempt.quiz_id.in_(list(quiz_titles)))
        .order_by(QuizAttempt.quiz_id, QuizAttempt.number)
    )) if quiz_titles else []
    from lms.trainer.exercises import submissions_of

    sessions = list(sess.execute(
        select(CohortSession, Attendance.status)
        .outerjoin(Attendance, (Attendance.session_id == CohortSession.id) & (Attendance.user_id == user.id))
        .where(CohortSession.cohort_id == access.id).order_by(CohortSession.starts_at)
    ).all())
    return {
        "courses": per_course, "attempts": attempts, "quiz_titles": quiz_titles,
        "submissions": submissions_of(access, user, lang), "sessions": sessions,
    }
