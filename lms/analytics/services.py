"""Analytics queries: every figure is aggregated in the database (GROUP BY, window functions,
percentile_cont on PostgreSQL), never by loading rows into Python.

Who sees what: an administrator sees everything; a trainer sees the members of the cohorts
they train, in those cohorts' courses (``Scope``). Filters narrow it further.

Periods (``date_from``/``date_to``, whole days in UTC) mean:
- enrolments, started, completions, completion rate, median time and the funnel: enrolments
  *made* in the period (so the completion rate is a share of one group of learners);
- active learners: learners who opened a lesson in the period;
- completions per month: completed in the period; certificates: issued in the period.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import DateTime, Float, String, and_, case, cast, exists, func, literal_column, or_, select, text, true, tuple_
from sqlalchemy.sql import ColumnElement

from lms import db
from lms.db import aware
from lms.models import (
    Cohort, CohortCourse, CohortMember, CohortTrainer, Enrolment, LessonProgress, QuizAttempt, User,
)

try:  # the certificates area is optional; its figures appear when it is installed
    from lms.models import Certificate
except ImportError:  # pragma: no cover
    Certificate = None  # type: ignore[assignment,misc]


class AnalyticsError(Exception):
    """A filter the viewer may not use or that makes no sense; ``str(exc)`` is translated."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Filters:
    course: str | None = None
    cohort: int | None = None
    country: str | None = None
    language: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def start(self) -> datetime | None:
        return datetime.combine(self.date_from, time.min, tzinfo=timezone.utc) if self.date_from else None

    @property
    def end(self) -> datetime | None:
        """Exclusive: the day after ``date_to``."""
        if self.date_to is None:
            return None
        return datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=timezone.utc)

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass(frozen=True)
class Scope:
    """``cohorts`` None: everything; otherwise only members of these cohorts, in their courses."""

    cohorts: tuple[int, ...] | None

    @property
    def restricted(self) -> bool:
        return self.cohorts is not None


def scope_for(user: User) -> Scope:
    if user.is_admin:
        return Scope(None)
    ids = db.session().scalars(
        select(CohortTrainer.cohort_id).where(CohortTrainer.user_id == user.id).order_by(CohortTrainer.cohort_id)
    )
    return Scope(tuple(ids))


def cohort_choices(scope: Scope, limit: int = 500) -> list[tuple[int, str]]:
    """Cohorts the viewer may filter by: their own, or (admins) the newest ``limit``."""
    stmt = select(Cohort.id, Cohort.name).order_by(Cohort.archived, Cohort.starts_on.desc().nulls_last(), Cohort.id.desc())
    if scope.restricted:
        stmt = stmt.where(Cohort.id.in_(scope.cohorts or ()))
    else:
        stmt = stmt.limit(limit)
    return [(cid, name) for cid, name in db.session().execute(stmt)]


def cohort_name(cohort_id: int) -> str | None:
    return db.session().scalar(select(Cohort.name).where(Cohort.id == cohort_id))


def scope_course_ids(scope: Scope) -> set[str] | None:
    """Courses a restricted viewer's cohorts run; None for everything."""
    if not scope.restricted:
        return None
    return set(db.session().scalars(
        select(CohortCourse.course_id).where(CohortCourse.cohort_id.in_(scope.cohorts or ())).distinct()
    ))


def effective_cohorts(scope: Scope, f: Filters) -> tuple[int, ...] | None:
    """The cohorts the figures are limited to, checking that the viewer may use the filter."""
    from flask_babel import gettext as _

    if f.cohort is not None:
        if scope.restricted and f.cohort not in (scope.cohorts or ()):
            raise AnalyticsError(_("You can only see analytics of the cohorts you train."), 403)
        return (f.cohort,)
    return scope.cohorts


# -- building blocks ------------------------------------------------------------------------------


def _dialect() -> str:
    return db.session().get_bind().dialect.name


def _month(col) -> ColumnElement:
    """The calendar month (UTC) of a timestamp: 'YYYY-MM' text on SQLite, a timestamp on
    PostgreSQL; ``_month_key`` turns either into 'YYYY-MM'."""
    if _dialect() == "postgresql":
        # date_trunc (a timestamp) groups and sorts faster than text; _month_key formats it.
        return func.date_trunc("month", func.timezone("UTC", col), type_=DateTime)
    # SQLite keeps timestamps as ISO text ('YYYY-MM-DD HH:MM:SS'), in UTC.
    return func.substr(col, 1, 7, type_=String)


def _aware(value) -> datetime:
    """A timestamp read back from the database, in UTC (SQLite returns naive ones)."""
    return aware(datetime.fromisoformat(value) if isinstance(value, str) else value)


def _month_key(value) -> str | None:
    """'YYYY-MM' from what _month() returned (text on SQLite, a timestamp on PostgreSQL)."""
    if value is None or isinstance(value, str):
        return value
    return value.strftime("%Y-%m")


def tune() -> None:
    """PostgreSQL, for this (read-only) transaction: sort and hash in memory instead of on
    disk, and no JIT compilation, which costs more than it saves on queries of this size."""
    if _dialect() == "postgresql":
        sess = db.session()
        sess.execute(text("SET LOCAL work_mem = '64MB'"))
        sess.execute(text("SET LOCAL jit = off"))


def _days(start, end) -> ColumnElement:
    if _dialect() == "postgresql":
        return func.extract("epoch", end - start) / 86400.0
    return func.julianday(end) - func.julianday(start)


def _audience(user_col, course_col, f: Filters, cohorts: tuple[int, ...] | None, course: bool = True) -> list:
    """Conditions on who and which course: course, cohort (members × the cohort's courses),
    country and language. Semi-joins (IN), so a row is never counted twice."""
    conds: list = []
    if course and f.course:
        conds.append(course_col == f.course)
    if cohorts is not None:
        members = select(CohortMember.user_id).where(CohortMember.cohort_id.in_(cohorts))
        pairs = (
            select(CohortMember.user_id, CohortCourse.course_id)
            .join(CohortCourse, CohortCourse.cohort_id == CohortMember.cohort_id)
            .where(CohortMember.cohort_id.in_(cohorts))
        )
        # The plain IN lets the planner seek by user first; the pair IN makes it exact.
        conds.append(user_col.in_(members))
        conds.append(tuple_(user_col, course_col).in_(pairs))
    if f.country or f.language:
        people = select(User.id)
        if f.country:
            people = people.where(User.country == f.country)
        if f.language:
            people = people.where(User.locale == f.language)
        conds.append(user_col.in_(people))
    return conds


def _period(col, f: Filters) -> list:
    conds = []
    if f.start is not None:
        conds.append(col >= f.start)
    if f.end is not None:
        conds.append(col < f.end)
    return conds


def _enrolments(f: Filters, cohorts) -> list:
    """Enrolments in scope, made in the period."""
    return _audience(Enrolment.user_id, Enrolment.course_id, f, cohorts) + _period(Enrolment.enrolled_at, f)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# -- overview ---------------------------------------------------------------------------------------


@dataclass
class CourseFigures:
    course_id: str
    enrolments: int = 0
    started: int = 0
    completed: int = 0
    active: int = 0
    median_days: float | None = None

    @property
    def completion_rate(self) -> float | None:
        return _ratio(self.completed, self.enrolments)


@dataclass
class Overview:
    courses: list[CourseFigures]
    total: CourseFigures
    months: list[dict[str, Any]]
    certificates: bool


def course_figures(f: Filters, cohorts) -> dict[str, CourseFigures]:
    rows = db.session().execute(
        select(Enrolment.course_id, func.count(), func.count(Enrolment.last_activity_at), func.count(Enrolment.completed_at))
        .where(*_enrolments(f, cohorts))
        .group_by(Enrolment.course_id)
    )
    return {cid: CourseFigures(cid, n, s, c) for cid, n, s, c in rows}


def median_days(f: Filters, cohorts, completed: dict[str, int]) -> tuple[dict[str, float], float | None]:
    """Median days from enrolment to completion, per course and overall.

    PostgreSQL: percentile_cont(0.5) with ROLLUP. SQLite, which has no percentile function:
    the middle row(s) by ORDER BY ... LIMIT/OFFSET, per course and overall, in one statement;
    ``completed`` (completions per course, already counted) gives the offsets. Only the one or
    two middle values leave the database.
    """
    days = _days(Enrolment.enrolled_at, Enrolment.completed_at)
    where = [*_enrolments(f, cohorts), Enrolment.completed_at.is_not(None)]
    sess = db.session()
    if _dialect() == "postgresql":
        rows = sess.execute(
            select(Enrolment.course_id, func.percentile_cont(0.5).within_group(days))
            .where(*where).group_by(func.rollup(Enrolment.course_id))
        ).all()
        per = {cid: float(v) for cid, v in rows if cid is not None and v is not None}
        overall = next((float(v) for cid, v in rows if cid is None and v is not None), None)
        return per, overall

    def middle(n: int, *extra) -> ColumnElement:
        rows = select(days.label("d")).where(*where, *extra).order_by(days).limit(2 - n % 2).offset((n - 1) // 2).subquery()
        return select(func.avg(rows.c.d)).scalar_subquery()

    groups = [(cid, n) for cid, n in sorted(completed.items()) if n]
    if not groups:
        return {}, None
    total = sum(n for _cid, n in groups)
    values = sess.execute(select(*[middle(n, Enrolment.course_id == cid) for cid, n in groups], middle(total))).one()
    per = {cid: float(v) for (cid, _n), v in zip(groups, values) if v is not None}
    return per, (float(values[-1]) if values[-1] is not None else None)


def active_learners(f: Filters, cohorts) -> tuple[dict[str, int] | None, int]:
    """Learners who opened a lesson in the period, per course and in all.

    An enrolment's ``last_activity_at`` is its latest lesson view, so "active since the start"
    needs only that column. A period that ends in the past also looks at the lessons' first and
    last views (``started_at``/``last_seen_at``).
    """
    where = _audience(Enrolment.user_id, Enrolment.course_id, f, cohorts)
    if f.start is not None:
        where.append(Enrolment.last_activity_at >= f.start)
    else:
        where.append(Enrolment.last_activity_at.is_not(None))
    if f.end is not None:
        where.append(Enrolment.enrolled_at < f.end)
        if f.end <= datetime.now(timezone.utc):
            # A period that is over: an enrolment whose last view falls in it is active; one
            # seen again later needs a look at its lessons' first and last views.
            p = LessonProgress
            within = [and_(*_period(p.started_at, f)), and_(*_period(p.last_seen_at, f))]
            where.append(or_(
                Enrolment.last_activity_at < f.end,
                exists().where(p.user_id == Enrolment.user_id, p.course_id == Enrolment.course_id, or_(*within)),
            ))
    sess = db.session()
    if f.start is None and f.end is None:
        per = None  # all time: every enrolment with a lesson opened, i.e. "started" per course
    else:
        per = dict(sess.execute(
            select(Enrolment.course_id, func.count()).where(*where).group_by(Enrolment.course_id)
        ).all())
    # Distinct learners as a GROUP BY user over the (user, ...) index: no DISTINCT sort.
    learners = select(Enrolment.user_id).where(*where).group_by(Enrolment.user_id).subquery()
    total = sess.scalar(select(func.count()).select_from(learners)) or 0
    return per, total


def monthly(f: Filters, cohorts) -> list[dict[str, Any]]:
    """Enrolments (by month made), completions (by month completed) and certificates (by month
    issued) per calendar month in UTC."""
    keys = ("enrolments", "completions") + (("certificates", "revoked") if Certificate is not None else ())
    out: dict[str, dict[str, Any]] = {}

    def month(key: str) -> dict[str, Any]:
        return out.setdefault(key, {"month": key, **{k: 0 for k in keys}})

    counts = _monthly_by_ranges(f) if _dialect() == "sqlite" and cohorts is None and not (f.country or f.language) else None
    if counts is None:
        counts = _monthly_by_grouping(f, cohorts)
    for key, enrolled, completed in counts:
        if enrolled or completed:
            row = month(key)
            row["enrolments"] += enrolled
            row["completions"] += completed
    if Certificate is not None:
        for key, issued, revoked in certificate_months(f, cohorts):
            row = month(key)
            row["certificates"], row["revoked"] = issued, revoked
    return _fill_months([out[k] for k in sorted(out)])


def _monthly_by_grouping(f: Filters, cohorts) -> list[tuple[str, int, int]]:
    """One scan grouped by the pair (month enrolled, month completed): at most a few hundred
    groups, summed per month by the caller."""
    e = Enrolment
    enrolled_in = and_(true(), *_period(e.enrolled_at, f))
    completed_in = and_(e.completed_at.is_not(None), *_period(e.completed_at, f))
    me, mc = _month(e.enrolled_at).label("me"), _month(e.completed_at).label("mc")
    rows = db.session().execute(
        select(me, mc, func.count(case((enrolled_in, 1))), func.count(case((completed_in, 1))))
        .where(*_audience(e.user_id, e.course_id, f, cohorts), or_(enrolled_in, completed_in))
        .group_by(me, mc)
    )
    out: list[tuple[str, int, int]] = []
    for m_enrolled, m_completed, n_enrolled, n_completed in rows:
        out.append((_month_key(m_enrolled), n_enrolled, 0))
        if n_completed:
            out.append((_month_key(m_completed), 0, n_completed))
    return out


def _monthly_by_ranges(f: Filters) -> list[tuple[str, int, int]] | None:
    """SQLite, all learners: count each month's range in the (course, enrolled_at) and
    (course, completed_at) indexes instead of grouping every enrolment. SQLite has no hash
    aggregation, so grouping 300,000 enrolments by month means sorting them; counting
    index ranges is about ten times faster."""
    e = Enrolment
    sess = db.session()
    course = [e.course_id == f.course] if f.course else []
    # The earliest enrolment, one index seek per course.
    from lms.models import Course

    firsts = [select(func.min(e.enrolled_at)).where(e.course_id == cid).scalar_subquery()
              for cid in ([f.course] if f.course else sess.scalars(select(Course.id)))]
    first = min((_aware(v) for v in sess.execute(select(*firsts)).one() if v is not None), default=None) if firsts else None
    if first is None:
        return []
    first = max(first, f.start) if f.start else first
    now = datetime.now(timezone.utc)
    last = min(f.end - timedelta(microseconds=1), now) if f.end else now
    months = []
    y, mo = first.year, first.month
    while (y, mo) <= (last.year, last.month):
        lo = datetime(y, mo, 1, tzinfo=timezone.utc)
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
        months.append((lo, datetime(y, mo, 1, tzinfo=timezone.utc)))
    if len(months) > 240:
        return None  # twenty years and more: one grouping query is fine (and SQLite caps columns)
    cols = []
    for lo, hi in months:
        lo_, hi_ = max(lo, f.start) if f.start else lo, min(hi, f.end) if f.end else hi
        for col in (e.enrolled_at, e.completed_at):
            cols.append(select(func.count()).where(*course, col >= lo_, col < hi_).scalar_subquery())
    row = sess.execute(select(*cols)).one() if cols else ()
    return [(lo.strftime("%Y-%m"), row[2 * i], row[2 * i + 1]) for i, (lo, _hi) in enumerate(months)]


def _fill_months(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Months without any event still appear (with zeros), so a chart's x axis is even."""
    if not rows:
        return rows
    have = {r["month"]: r for r in rows}
    y, mo = map(int, rows[0]["month"].split("-"))
    last = rows[-1]["month"]
    out = []
    zero = {k: 0 for k in rows[0] if k != "month"}
    while True:
        key = f"{y:04d}-{mo:02d}"
        out.append(have.get(key) or {"month": key, **zero})
        if key >= last:
            return out
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)


def certificate_months(f: Filters, cohorts) -> list[tuple[str, int, int]]:
    """Certificates issued per month (not counting superseded copies) and how many are revoked."""
    c = Certificate
    m = _month(c.issued_at)
    where = [c.status != "superseded", *_period(c.issued_at, f)]
    if f.course:
        where.append(c.course_id == f.course)
    if cohorts is not None or f.country or f.language:
        # Withdrawn certificates (account deleted) have no user: they drop out of these filters.
        where += _audience(c.user_id, c.course_id, f, cohorts, course=False)
    rows = db.session().execute(
        select(m, func.count(), func.count(case((c.status == "revoked", 1)))).where(*where).group_by(m).order_by(m)
    )
    return [(_month_key(month), n, r) for month, n, r in rows]


def overview(f: Filters, scope: Scope) -> Overview:
    tune()
    cohorts = effective_cohorts(scope, f)
    figures = course_figures(f, cohorts)
    medians, overall = median_days(f, cohorts, {cid: x.completed for cid, x in figures.items()})
    active, active_total = active_learners(f, cohorts)
    for cid in set(active or ()) - set(figures):
        figures[cid] = CourseFigures(cid)
    for cid, fig in figures.items():
        fig.median_days = medians.get(cid)
        fig.active = fig.started if active is None else active.get(cid, 0)
    total = CourseFigures(
        "", sum(x.enrolments for x in figures.values()), sum(x.started for x in figures.values()),
        sum(x.completed for x in figures.values()), active_total, overall,
    )
    return Overview(sorted(figures.values(), key=lambda x: x.course_id), total, monthly(f, cohorts), Certificate is not None)


# -- countries and languages ------------------------------------------------------------------------


@dataclass
class GroupFigures:
    key: str | None
    learners: int = 0
    enrolments: int = 0
    started: int = 0
    completed: int = 0
    certificates: int = 0

    @property
    def completion_rate(self) -> float | None:
        return _ratio(self.completed, self.enrolments)

    def add(self, other: "GroupFigures") -> None:
        for k in ("learners", "enrolments", "started", "completed", "certificates"):
            setattr(self, k, getattr(self, k) + getattr(other, k))


@dataclass
class Audience:
    countries: list[GroupFigures]
    languages: list[GroupFigures]
    certificates: bool


def audience(f: Filters, scope: Scope) -> Audience:
    """Learners, enrolments, starts, completions and certificates by country and by language.

    One GROUP BY (country, language): every learner has one of each, so the per-country and
    per-language sums of distinct learners are exact.
    """
    tune()
    cohorts = effective_cohorts(scope, f)
    sess = db.session()
    cells: dict[tuple, GroupFigures] = {}
    # Per learner first (streamed from the (user, ...) index), then per country and language:
    # the final grouping sorts learners, not enrolments, and needs no DISTINCT.
    e = (
        select(Enrolment.user_id.label("uid"), func.count().label("n"), func.count(Enrolment.last_activity_at).label("s"),
               func.count(Enrolment.completed_at).label("c"))
        .where(*_enrolments(f, cohorts)).group_by(Enrolment.user_id).subquery()
    )
    rows = sess.execute(
        select(User.country, User.locale, func.count(), func.sum(e.c.n), func.sum(e.c.s), func.sum(e.c.c))
        .select_from(e).join(User, User.id == e.c.uid)
        .group_by(User.country, User.locale)
    )
    for country, lang, learners, n, started, completed in rows:
        cells[(country, lang)] = GroupFigures(None, int(learners), int(n), int(started or 0), int(completed or 0))
    if Certificate is not None:
        c = Certificate
        where = [c.status.in_(("valid", "revoked")), *_period(c.issued_at, f)]
        if f.course:
            where.append(c.course_id == f.course)
        where += _audience(c.user_id, c.course_id, f, cohorts, course=False)
        for country, lang, n in sess.execute(
            select(User.country, User.locale, func.count()).select_from(c).join(User, User.id == c.user_id)
            .where(*where).group_by(User.country, User.locale)
        ):
            cells.setdefault((country, lang), GroupFigures(None)).certificates = n
    by_country: dict[str | None, GroupFigures] = {}
    by_lang: dict[str | None, GroupFigures] = {}
    for (country, lang), g in cells.items():
        by_country.setdefault(country, GroupFigures(country)).add(g)
        by_lang.setdefault(lang, GroupFigures(lang)).add(g)
    order = lambda g: (-g.learners, g.key or "~")  # noqa: E731
    return Audience(sorted(by_country.values(), key=order), sorted(by_lang.values(), key=order), Certificate is not None)


# -- funnel -------------------------------------------------------------------------------------------


@dataclass
class FunnelStep:
    kind: str  # lesson | quiz
    key: str  # lesson key or quiz id
    module_key: str
    started: int = 0  # opened the lesson / took the quiz
    completed: int = 0  # completed the lesson / passed the quiz


@dataclass
class Funnel:
    course_id: str
    enrolled: int
    completed: int
    steps: list[FunnelStep] = field(default_factory=list)


def funnel(f: Filters, scope: Scope, cdef) -> Funnel:
    """Per lesson and quiz of a course in course order: how many learners got there."""
    tune()
    cohorts = effective_cohorts(scope, f)
    f = Filters(**{**f.__dict__, "course": cdef.id})
    sess = db.session()
    enrolled, completed = sess.execute(
        select(func.count(), func.count(Enrolment.completed_at)).where(*_enrolments(f, cohorts))
    ).one()
    p, a = LessonProgress, QuizAttempt
    ids = lesson_ids(cdef.id)
    # By lesson id, not course id: the narrow (lesson, completed, user) index for a whole course,
    # the (user, lesson, completed) index when a filter picks the learners; the range keeps a
    # learner's seek within this course's lessons.
    lesson_list = list(ids.values()) or [-1]
    p_where = [p.lesson_id.in_(lesson_list)] + _audience(p.user_id, p.course_id, f, cohorts, course=False)
    if len(p_where) > 1 or f.start is not None or f.end is not None:
        p_where.append(p.lesson_id.between(min(lesson_list), max(lesson_list)))
    a_where = _audience(a.user_id, a.course_id, f, cohorts) + [a.status == "graded"]
    if f.start is not None or f.end is not None:
        # Only learners who enrolled in the period, like the enrolment figures.
        made = select(Enrolment.user_id).where(Enrolment.course_id == cdef.id, *_period(Enrolment.enrolled_at, f))
        p_where.append(p.user_id.in_(made))
        a_where.append(a.user_id.in_(made))
    lessons = dict(
        (lid, (n, c)) for lid, n, c in sess.execute(
            select(p.lesson_id, func.count(), func.count(p.completed_at)).where(*p_where).group_by(p.lesson_id)
        )
    )
    quizzes = dict(
        (qid, (n, c)) for qid, n, c in sess.execute(
            select(a.quiz_id, func.count(a.user_id.distinct()), func.count(case((a.passed.is_(True), a.user_id)).distinct()))
            .where(*a_where).group_by(a.quiz_id)
        )
    )
    out = Funnel(cdef.id, enrolled, completed)
    for module in cdef.modules:
        for entry in module.lessons:
            n, c = lessons.get(ids.get(entry.key), (0, 0))
            out.steps.append(FunnelStep("lesson", entry.key, module.key, n, c))
        if module.quiz:
            n, c = quizzes.get(module.quiz, (0, 0))
            out.steps.append(FunnelStep("quiz", module.quiz, module.key, n, c))
    return out


def lesson_ids(course_id: str) -> dict[str, int]:
    from lms.models import Lesson

    return dict(db.session().execute(select(Lesson.key, Lesson.id).where(Lesson.course_id == course_id, Lesson.retired.is_(False))).all())


# -- quiz item analysis ---------------------------------------------------------------------------------


@dataclass
class ItemFigures:
    """One question. ``facility``: mean score as a share of its points. ``discrimination``: the
    corrected point-biserial correlation (Pearson's r between the item's score and the score on
    the rest of the quiz, on learners' first attempts)."""

    qid: str
    presented: int = 0
    answered: int = 0
    facility: float | None = None
    discrimination: float | None = None
    choices: dict[str, int] = field(default_factory=dict)


@dataclass
class ItemAnalysis:
    quiz_id: str
    attempts: int  # first attempts analysed
    mean_percent: float | None
    items: dict[str, ItemFigures]
    sample: int  # the most that are analysed

    @property
    def capped(self) -> bool:
        return self.attempts >= self.sample


CHOICE_TYPES = ("single", "multiple", "truefalse", "likert")


ITEM_SAMPLE = 3000  # default of LMS_ANALYTICS_ITEM_SAMPLE


def _attempts_in_scope(f: Filters, cohorts, quiz_id: str) -> list:
    a = QuizAttempt
    where = [a.quiz_id == quiz_id, a.number == 1, a.status == "graded", a.submitted_at.is_not(None)]
    # "user_id + 0": walk the (quiz, first attempt, newest first) index and check the learner
    # there, stopping at the sample size; with a plain user_id the planner would rather fetch
    # every attempt of every learner in the filter and sort them.
    where += _audience(a.user_id + 0, a.course_id, f, cohorts)
    where += _period(a.submitted_at, f)
    return where


def item_analysis(f: Filters, scope: Scope, quiz, sample: int = ITEM_SAMPLE) -> ItemAnalysis:
    """Facility, discrimination and option counts per question, from learners' first attempts.

    First attempts only: a retake after seeing the feedback would measure memory of the
    feedback rather than the question. At most the latest ``sample`` first attempts in the
    filters: item statistics are stable long before that (the standard error of a facility
    from 3,000 answers is under one percentage point), recent attempts reflect the current
    wording of an edited question, and the page stays fast at any scale.

    The per-question scores are in the attempts' JSON ``results`` and the chosen options
    (internal option ids) in ``answers``; the database unpacks both (``json_each``) and only
    sums and counts leave it.
    """
    tune()
    cohorts = effective_cohorts(scope, f)
    sess = db.session()
    a = QuizAttempt
    # The sample's ids are fetched once (at most ``sample`` integers), so the filters are not
    # evaluated again by each of the passes below.
    import sqlite3

    latest_q = (
        select(a.id).where(*_attempts_in_scope(f, cohorts, quiz.id))
        .order_by(a.submitted_at.desc()).limit(sample)
    )
    if _dialect() == "sqlite" and sqlite3.sqlite_version_info < (3, 32):
        mine = a.id.in_(latest_q.scalar_subquery())  # older SQLite binds at most 999 values
    else:
        mine = a.id.in_(list(sess.scalars(latest_q)))
    attempts, mean = sess.execute(select(func.count(), func.avg(a.percent)).where(mine)).one()
    items = {q["id"]: ItemFigures(q["id"]) for q in quiz.questions}
    if not attempts:
        return ItemAnalysis(quiz.id, 0, None, items, sample)
    pg = _dialect() == "postgresql"

    # One pass over the results, each value extracted once (a materialised CTE): x = the
    # item's score as a share of its points, y = the score on the rest of the quiz as a share
    # of the rest's points; the sums give the facility and Pearson's r. Ratings (0 points) are
    # presented but not scored.
    j = _json_each(a.results, pg)
    r = _materialised(
        select(j.c.key.label("qid"), _json_number(j.c.value, "score", pg).label("s"),
               _json_number(j.c.value, "points", pg).label("p"), a.score.label("ts"), a.max_score.label("tm"))
        .select_from(a).join(j, true()).where(mine).cte("item_scores")
    )
    scored = r.c.p > 0
    x = case((scored, r.c.s * 1.0 / r.c.p))
    y = case((and_(scored, r.c.tm - r.c.p > 0), (r.c.ts - r.c.s) * 1.0 / (r.c.tm - r.c.p)))
    per = select(r.c.qid, x.label("x"), y.label("y")).subquery()
    for qid, n, nx, sx, sxx, sy, syy, sxy, ny in sess.execute(
        select(per.c.qid, func.count(), func.count(per.c.x), func.sum(per.c.x), func.sum(per.c.x * per.c.x),
               func.sum(per.c.y), func.sum(per.c.y * per.c.y), func.sum(per.c.x * per.c.y), func.count(per.c.y))
        .group_by(per.c.qid)
    ):
        item = items.setdefault(qid, ItemFigures(qid))
        item.presented = n
        if nx:
            item.facility = sx / nx
            item.discrimination = _pearson(nx, sx, sxx, sy, syy, sxy) if ny == nx else None
    j = _json_each(a.answers, pg)
    for qid, n in sess.execute(select(j.c.key, func.count()).select_from(a).join(j, true()).where(mine).group_by(j.c.key)):
        if qid in items:
            items[qid].answered = n

    choice_ids = [q["id"] for q in quiz.questions if q["type"] in CHOICE_TYPES]
    if choice_ids:
        for qid, choice, n in _choices(mine, choice_ids, pg):
            if qid in items:
                items[qid].choices[str(choice)] = n
    return ItemAnalysis(quiz.id, attempts, float(mean) if mean is not None else None, items, sample)


def _materialised(cte):
    """Compute a CTE once (its JSON values are extracted once, not once per use)."""
    import sqlite3

    if _dialect() == "sqlite" and sqlite3.sqlite_version_info < (3, 35):
        return cte  # older SQLite has no MATERIALIZED hint: correct, only slower
    return cte.prefix_with("MATERIALIZED")


def _json_each(column, pg: bool):
    """json_each(column) as a table: key, value (and type on SQLite)."""
    if pg:
        return func.json_each(column).table_valued("key", "value")
    return func.json_each(column).table_valued("key", "value", "type")


def _json_number(value, key: str, pg: bool) -> ColumnElement:
    if pg:
        return cast(value.op("->>")(literal_column(f"'{key}'")), Float)
    return func.json_extract(value, f"$.{key}")


def _choices(mine, qids: list[str], pg: bool) -> list[tuple[str, str, int]]:
    """How often each option (internal id), true/false or rating was chosen, per question.
    A multiple-response answer is a list: each chosen option counts once."""
    a = QuizAttempt
    j = _json_each(a.answers, pg)
    if pg:
        o = func.json_array_elements_text(case((func.json_typeof(j.c.value) == "array", j.c.value))).table_valued("value")
        choice = func.coalesce(o.c.value, j.c.value.op("#>>")(literal_column("'{}'")))
    else:
        o = func.json_each(case((j.c.type == "array", j.c.value))).table_valued("value", "type")
        kind = func.coalesce(o.c.type, j.c.type)
        # SQLite gives true/false as 1/0; name them like PostgreSQL does.
        choice = case((kind.in_(("true", "false")), kind), else_=func.coalesce(o.c.value, j.c.value))
    choice = choice.label("choice")
    stmt = (
        select(j.c.key, choice, func.count())
        .select_from(a).join(j, true()).outerjoin(o, true())
        .where(mine, j.c.key.in_(qids))
        .group_by(j.c.key, choice)
    )
    return [(qid, str(c), n) for qid, c, n in db.session().execute(stmt)]


def _pearson(n: int, sx: float, sxx: float, sy: float, syy: float, sxy: float) -> float | None:
    vx, vy = n * sxx - sx * sx, n * syy - sy * sy
    if n < 2 or vx <= 1e-12 or vy <= 1e-12:
        return None  # everyone scored the same: no spread to correlate
    return (n * sxy - sx * sy) / math.sqrt(vx * vy)
