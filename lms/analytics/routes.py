"""Analytics pages: administrators see everything, trainers the members of their own cohorts.

Four pages (overview, countries and languages, funnel, quiz questions) share one filter form;
every table downloads as CSV or JSON with the same filters.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import access
from lms.analytics import bp, export, report, services
from lms.analytics.forms import FilterForm, QuizFilterForm
from lms.analytics.services import AnalyticsError, Filters
from lms.catalogue.services import catalog
from lms.errors import user_error
from lms.i18n import current_lang

log = logging.getLogger(__name__)


@dataclass
class Request:
    scope: services.Scope
    form: FilterForm
    filters: Filters
    catalog: Any
    lang: str
    args: dict[str, Any]  # the filters as query arguments, for links and downloads
    cdef: Any = None  # the funnel's course
    quiz: Any = None  # the quiz of the item analysis


def _read(page: str) -> Request:
    """Who is asking, and the filters they chose (checked against what they may see)."""
    scope = services.scope_for(current_user)
    cat = catalog()
    lang = current_lang()
    allowed = services.scope_course_ids(scope)
    courses = sorted(
        ((c.id, c.title(lang)) for c in cat.courses.values() if allowed is None or c.id in allowed), key=lambda x: x[1].casefold()
    )
    cohorts = services.cohort_choices(scope)
    wanted = request.args.get("cohort", type=int)
    if wanted and not scope.restricted and wanted not in {i for i, _n in cohorts}:
        name = services.cohort_name(wanted)  # an older cohort beyond the list's length
        if name is not None:
            cohorts.append((wanted, name))
    kw = {"courses": courses, "cohorts": cohorts, "restricted": scope.restricted}
    if page == "quizzes":
        course_ids = [request.args.get("course")] if request.args.get("course") else [c for c, _t in courses]
        quizzes = []
        for cid in course_ids:
            cdef = cat.course(cid) if cid else None
            for qid in (cdef.quiz_ids if cdef else []):
                if qid in cat.quizzes and qid not in {q for q, _t in quizzes}:
                    quizzes.append((qid, f"{cdef.title(lang)}: {cat.quizzes[qid].title(lang)}"))
        form: FilterForm = QuizFilterForm(request.args, quizzes=quizzes, **kw)
    else:
        form = FilterForm(request.args, **kw)
    if not form.validate():
        problems = "; ".join(f"{form[name].label.text}: {' '.join(str(e) for e in errs)}" for name, errs in form.errors.items())
        raise user_error(400, _("Please check the filters (%(problems)s).", problems=problems))
    f = Filters(
        course=form.course.data or None, cohort=int(form.cohort.data) if form.cohort.data else None,
        country=form.country.data or None, language=form.language.data or None,
        date_from=form.date_from.data, date_to=form.date_to.data,
    )
    args = f.as_dict()
    req = Request(scope, form, f, cat, lang, args)
    if page == "funnel":
        course_id = f.course or (courses[0][0] if courses else None)
        req.cdef = cat.course(course_id) if course_id else None
        if req.cdef is not None:
            form.course.data = req.cdef.id
            args["course"] = req.cdef.id
    if page == "quizzes":
        qid = form.quiz.data or (form.quiz.choices[0][0] if form.quiz.choices else None)
        req.quiz = cat.quizzes.get(qid) if qid else None
        if req.quiz is not None:
            form.quiz.data = req.quiz.id
            args["quiz"] = req.quiz.id
    return req


def _build(page: str, req: Request) -> report.Page | None:
    try:
        if page == "overview":
            return report.overview(req.filters, req.scope, req.catalog, req.lang)
        if page == "audience":
            return report.audience(req.filters, req.scope, req.lang)
        if page == "funnel":
            return report.funnel(req.filters, req.scope, req.cdef, req.catalog, req.lang) if req.cdef else None
        if page == "quizzes":
            sample = int(current_app.config.get("LMS_ANALYTICS_ITEM_SAMPLE", services.ITEM_SAMPLE))
            return report.quiz_items(req.filters, req.scope, req.quiz, req.lang, sample) if req.quiz else None
    except AnalyticsError as exc:
        raise user_error(exc.status, str(exc)) from exc
    raise ValueError(page)


def _render(page: str, template: str):
    req = _read(page)
    built = _build(page, req)
    return render_template(
        template, page=page, req=req, form=req.form, args=req.args, data=built,
        cohort_name=services.cohort_name(req.filters.cohort) if req.filters.cohort else None,
    )


@bp.route("/")
@access("trainer")
def index():
    """Enrolments, active learners, completion and certificates, per course and per month."""
    return _render("overview", "lms/analytics/overview.html")


@bp.route("/audience")
@access("trainer")
def audience():
    """Learners, completions and certificates by country and by language."""
    return _render("audience", "lms/analytics/audience.html")


@bp.route("/funnel")
@access("trainer")
def funnel():
    """Where learners of a course drop off: each lesson and quiz in course order."""
    return _render("funnel", "lms/analytics/funnel.html")


@bp.route("/quizzes")
@access("trainer")
def quizzes():
    """Quiz item analysis: facility, discrimination and options chosen, per question."""
    return _render("quizzes", "lms/analytics/quizzes.html")


@bp.route("/export/<table>.<fmt>")
@access("trainer")
def export_table(table: str, fmt: str):
    """One table as CSV (for spreadsheets) or JSON, with the page's filters."""
    page = report.TABLE_PAGE.get(table)
    if page is None or fmt not in ("csv", "json"):
        abort(404)
    req = _read(page)
    built = _build(page, req)
    if built is None:
        abort(404)
    data = built.tables[table]
    log.info("analytics export %s.%s by user %s with %s", table, fmt, current_user.id, req.args)
    name = f"{table}.{fmt}"
    if fmt == "csv":
        return Response(export.to_csv(data), mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename={name}", "Cache-Control": "private, no-store"})
    return Response(export.to_json(data, req.args), mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename={name}", "Cache-Control": "private, no-store"})
