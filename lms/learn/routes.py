"""The lesson player and the learner's dashboard."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import access
from lms.auth.forms import ConfirmForm
from lms.catalogue import services as catalogue
from lms.content.lessons import lesson_view
from lms.i18n import current_lang
from lms.learn import bp, services


def _enrolled_course(slug: str):
    found = catalogue.get_course(slug)
    if found is None:
        abort(404)
    cdef, _row = found
    if services.enrolment(current_user, cdef.id) is None:
        flash(_("Enrol in the course to open its lessons."), "info")
        return cdef, redirect(url_for("lms.catalogue.course", slug=slug))
    return cdef, None


@bp.route("/")
@access("learner")
def dashboard():
    """My learning: progress bars and the next step of every course."""
    lang = current_lang()
    items = []
    for enr in services.my_enrolments(current_user):
        cdef = catalogue.catalog().course(enr.course_id)
        if cdef is None:
            continue
        items.append({
            "course": cdef, "title": cdef.title(lang), "enrolment": enr,
            "progress": services.course_progress(current_user, cdef),
            "last_key": services.lesson_key_by_id(enr.last_lesson_id),
        })
    resume = items[0] if items and not items[0]["progress"].complete else None
    return render_template("lms/learn/dashboard.html", items=items, resume=resume)


@bp.route("/<slug>/continue")
@access("learner")
def resume(slug: str):
    """Continue where the learner left off (last lesson opened, else the next step)."""
    cdef, redirect_response = _enrolled_course(slug)
    if redirect_response:
        return redirect_response
    enr = services.enrolment(current_user, cdef.id)
    key = services.lesson_key_by_id(enr.last_lesson_id) if enr else None
    progress = services.course_progress(current_user, cdef)
    if key is None or key in progress.completed_lessons:
        # The last lesson is done: go on to the next step instead of back to it.
        if progress.next_quiz:
            return redirect(url_for("lms.quiz.start_page", slug=slug, quiz_id=progress.next_quiz))
        if progress.next_lesson is None:
            return redirect(url_for("lms.catalogue.course", slug=slug))
        key = progress.next_lesson.key
    return redirect(url_for("lms.learn.lesson", slug=slug, lesson_key=key))


@bp.route("/<slug>/<lesson_key>")
@access("learner")
def lesson(slug: str, lesson_key: str):
    cdef, redirect_response = _enrolled_course(slug)
    if redirect_response:
        return redirect_response
    entry = cdef.lesson(lesson_key)
    rows = services.lesson_rows(cdef.id)
    if entry is None or lesson_key not in rows:
        abort(404)
    services.open_lesson(current_user, cdef.id, rows[lesson_key])
    lang = current_lang()
    view = lesson_view(cdef, entry, lang)
    lessons = cdef.lessons
    idx = next(i for i, e in enumerate(lessons) if e.key == lesson_key)
    progress = services.course_progress(current_user, cdef)
    module = next(m for m in cdef.modules if m.key == entry.module_key)
    last_in_module = module.lessons[-1].key == lesson_key
    return render_template(
        "lms/learn/lesson.html", course=cdef, view=view, lang=lang, module=module,
        prev=lessons[idx - 1] if idx > 0 else None,
        next=lessons[idx + 1] if idx + 1 < len(lessons) else None,
        quiz_after=module.quiz if last_in_module else None,
        progress=progress, form=ConfirmForm(),
    )


@bp.route("/<slug>/<lesson_key>/complete", methods=["POST"])
@access("learner")
def complete(slug: str, lesson_key: str):
    """Mark a lesson complete (idempotent) and go on to the next step."""
    cdef, redirect_response = _enrolled_course(slug)
    if redirect_response:
        return redirect_response
    rows = services.lesson_rows(cdef.id)
    entry = cdef.lesson(lesson_key)
    if entry is None or lesson_key not in rows:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.complete_lesson(current_user, cdef, rows[lesson_key])
    module = next(m for m in cdef.modules if m.key == entry.module_key)
    if module.lessons[-1].key == lesson_key and module.quiz:
        return redirect(url_for("lms.quiz.start_page", slug=slug, quiz_id=module.quiz))
    lessons = cdef.lessons
    idx = next(i for i, e in enumerate(lessons) if e.key == lesson_key)
    if idx + 1 < len(lessons):
        return redirect(url_for("lms.learn.lesson", slug=slug, lesson_key=lessons[idx + 1].key))
    if services.course_progress(current_user, cdef).complete:
        flash(_("Congratulations, you have completed the course!"), "success")
    return redirect(url_for("lms.catalogue.course", slug=slug))
