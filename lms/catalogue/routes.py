"""Catalogue views: browse, filter, search, course page, enrol, course media."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_from_directory, url_for
from markupsafe import Markup
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import access
from lms.auth.forms import ConfirmForm
from lms.catalogue import bp, services
from lms.catalogue.forms import FilterForm
from lms.content.catalog import LEVELS, THEMES
from lms.content.lessons import media_path
from lms.i18n import current_lang
from lms.learn import services as learning


@bp.route("/")
@access("public")
def index():
    """The catalogue with filters and search (a GET form: works without JavaScript).

    The list depends only on the language, the query and the published courses, so the
    rendered filters and cards are kept per (language, query, catalogue version)."""
    rows = services.db_courses()
    refused: list = []

    def render():
        form = FilterForm(request.args, meta={"csrf": False})
        if not form.validate():
            refused.append(form)
            return None
        cards = services.catalogue_courses(
            theme=form.theme.data or None, level=form.level.data or None,
            language=form.language.data or None, duration=form.duration.data or None,
            q=(form.q.data or "").strip() or None, rows=rows,
        )
        return Markup(render_template("lms/catalogue/_results.html", form=form, courses=cards))

    key = ("catalogue", current_lang(), request.script_root, request.query_string, services.catalogue_version(rows))
    results = services.cached_fragment(key, render)
    if results is None:
        return render_template("lms/catalogue/index.html", form=refused[0], courses=[]), 400
    return render_template("lms/catalogue/index.html", results=results)


@bp.route("/<slug>")
@access("public")
def course(slug: str):
    found = services.get_course(slug, include_unpublished=current_user.is_authenticated and current_user.is_admin)
    if found is None:
        abort(404)
    cdef, row = found
    lang = current_lang()
    enrolment = progress = None
    if current_user.is_authenticated:
        enrolment = learning.enrolment(current_user, cdef.id)
        if enrolment:
            progress = learning.course_progress(current_user, cdef)
    prereqs = [services.catalog().course(p) for p in cdef.prerequisites]
    return render_template(
        "lms/catalogue/course.html", course=cdef, row=row, card=services.card(cdef, row, lang),
        enrolment=enrolment, progress=progress, prereqs=[p for p in prereqs if p], form=ConfirmForm(),
        themes=THEMES, levels=LEVELS,
    )


@bp.route("/<slug>/enrol", methods=["POST"])
@access("learner")
def enrol(slug: str):
    found = services.get_course(slug)
    if found is None:
        abort(404)
    cdef, _row = found
    if ConfirmForm().validate_on_submit():
        if learning.enrol(current_user, cdef.id):
            flash(_("You are enrolled. Enjoy the course!"), "success")
        return redirect(url_for("lms.learn.resume", slug=cdef.slug))
    abort(400)


@bp.route("/<slug>/media/<path:filename>")
@access("public")
def media(slug: str, filename: str):
    cdef = services.catalog().course_by_slug(slug)
    if cdef is None:
        abort(404)
    return send_from_directory(media_path(cdef), filename, max_age=7 * 86400)
