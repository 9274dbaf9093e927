"""The lesson player and the learner's dashboard."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import access
from lms.auth.forms import ConfirmForm
from lms.catalogue import services as catalogue
from lms.content.catalog import BASE_LANG, CourseDef
from lms.content.lessons import lesson_view
from lms.i18n import current_lang
from lms.learn import bp, services
from lms.security import limiter
from lms.trainer import exercises, uploads
from lms.trainer import services as cohorts
from lms.trainer.forms import ExerciseForm, JoinForm


@dataclass
class Enrolled:
    """A published course the current learner is enrolled in, as the learn views need it."""

    cdef: CourseDef
    enrolment: services.EnrolledCourse

    @property
    def lessons(self) -> dict[str, services.LessonRef]:
        return services.lesson_rows(self.cdef.id, version=self.enrolment.synced_at)


def _enrolled_course(slug: str) -> tuple[Enrolled | None, Response | None]:
    """The course (404 when unknown or unpublished) and the learner's enrolment, or a redirect
    to enrol; one query."""
    cdef = catalogue.catalog().course_by_slug(slug)
    found = services.course_and_enrolment(current_user, cdef.id) if cdef is not None else None
    if found is None or not found.published:
        abort(404)
    if found.enrolment_id is None:
        flash(_("Enrol in the course to open its lessons."), "info")
        return None, redirect(url_for("lms.catalogue.course", slug=slug))
    return Enrolled(cdef, found), None


@bp.route("/")
@access("learner")
def dashboard():
    """My learning: progress bars and the next step of every course."""
    lang = current_lang()
    catalog = catalogue.catalog()
    enrolled = [(enr, catalog.course(enr.course_id)) for enr in services.my_enrolments(current_user)]
    enrolled = [(enr, cdef) for enr, cdef in enrolled if cdef is not None]
    progress = services.progress_for_courses(current_user, [cdef for _enr, cdef in enrolled])
    items = []
    for enr, cdef in enrolled:
        prog, rows = progress[cdef.id]
        items.append({
            "course": cdef, "title": cdef.title(lang), "enrolment": enr, "progress": prog,
            "last_key": services.lesson_key(rows, enr.last_lesson_id),
        })
    resume = items[0] if items and not items[0]["progress"].complete else None
    return render_template(
        "lms/learn/dashboard.html", items=items, resume=resume,
        announcements=cohorts.announcements_for(current_user), my_cohorts=cohorts.my_memberships(current_user),
    )


@bp.route("/<slug>/continue")
@access("learner")
def resume(slug: str):
    """Continue where the learner left off (last lesson opened, else the next step)."""
    course, redirect_response = _enrolled_course(slug)
    if redirect_response:
        return redirect_response
    rows = course.lessons
    key = services.lesson_key(rows, course.enrolment.last_lesson_id)
    progress = services.course_progress(current_user, course.cdef, rows)
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
    course, redirect_response = _enrolled_course(slug)
    if redirect_response:
        return redirect_response
    return _lesson_page(course, lesson_key)


def _lesson_or_404(course: Enrolled, lesson_key: str):
    """The lesson's entry in the course files and its (current) database row, or 404."""
    entry = course.cdef.lesson(lesson_key)
    row = course.lessons.get(lesson_key)
    if entry is None or row is None:
        abort(404)
    return entry, row


def _lesson_page(course: Enrolled, lesson_key: str, exercise_form: ExerciseForm | None = None, status: int = 200):
    """Render a lesson; a refused exercise answer re-renders it with the form's errors (no visit recorded)."""
    cdef = course.cdef
    entry, row = _lesson_or_404(course, lesson_key)
    if exercise_form is None:
        services.open_lesson(current_user, cdef.id, row, course.enrolment)
    lang = current_lang()
    view = lesson_view(cdef, entry, lang)
    lessons = cdef.lessons
    idx = next(i for i, e in enumerate(lessons) if e.key == lesson_key)
    progress = services.course_progress(current_user, cdef, course.lessons)
    module = next(m for m in cdef.modules if m.key == entry.module_key)
    last_in_module = module.lessons[-1].key == lesson_key
    exercise = None
    if exercises.has_exercise(cdef, lesson_key):
        sub = exercises.submission(current_user, row.id)
        shown = view.meta.meta.get("exercise") if isinstance(view.meta.meta.get("exercise"), dict) else None
        base = cdef.lesson_meta[(BASE_LANG, entry.file)].meta["exercise"]
        exercise = {
            "prompt": (shown or base).get("prompt"), "lang": view.lang if shown else BASE_LANG,
            "submission": sub, "comments": exercises.comments(sub.id) if sub else [],
            "form": exercise_form, "text": sub.text if sub else "", "types": uploads.ALLOWED_LABEL,
            "max_mb": current_app.config["LMS_UPLOAD_MAX_BYTES"] / (1024 * 1024),
            "required": lesson_key in cdef.required_exercises(),
        }
    return render_template(
        "lms/learn/lesson.html", course=cdef, view=view, lang=lang, module=module,
        prev=lessons[idx - 1] if idx > 0 else None,
        next=lessons[idx + 1] if idx + 1 < len(lessons) else None,
        quiz_after=module.quiz if last_in_module else None,
        progress=progress, exercise=exercise,
    ), status


@bp.route("/<slug>/<lesson_key>/complete", methods=["POST"])
@access("learner")
def complete(slug: str, lesson_key: str):
    """Mark a lesson complete (idempotent) and go on to the next step."""
    course, redirect_response = _enrolled_course(slug)
    if redirect_response:
        return redirect_response
    cdef = course.cdef
    entry, row = _lesson_or_404(course, lesson_key)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.complete_lesson(current_user, cdef, row)
    module = next(m for m in cdef.modules if m.key == entry.module_key)
    if module.lessons[-1].key == lesson_key and module.quiz:
        return redirect(url_for("lms.quiz.start_page", slug=slug, quiz_id=module.quiz))
    lessons = cdef.lessons
    idx = next(i for i, e in enumerate(lessons) if e.key == lesson_key)
    if idx + 1 < len(lessons):
        return redirect(url_for("lms.learn.lesson", slug=slug, lesson_key=lessons[idx + 1].key))
    if services.course_progress(current_user, cdef, course.lessons).complete:
        flash(_("Congratulations, you have completed the course!"), "success")
    return redirect(url_for("lms.catalogue.course", slug=slug))


# -- cohorts and exercises -------------------------------------------------------------------------


def _join_limit() -> str:
    return current_app.config["LMS_LOGIN_RATE_LIMIT"]


@bp.route("/join", methods=["GET", "POST"])
@access("learner")
@limiter.limit(_join_limit, methods=["POST"])
def join():
    """Join a trainer's group with its code; joining again changes nothing."""
    form = JoinForm()
    if form.validate_on_submit():
        try:
            cohort, added = cohorts.join(current_user, form.code.data)
        except cohorts.CohortError as exc:
            form.code.errors.append(exc.message)
            return render_template("lms/learn/join.html", form=form, cohort=None), exc.status
        if added:
            flash(_("Welcome to %(name)s! Its courses are now on your learning page.", name=cohort.name), "success")
        else:
            flash(_("You are already a member of %(name)s.", name=cohort.name), "info")
        return redirect(url_for("lms.learn.dashboard"))
    return render_template("lms/learn/join.html", form=form, cohort=None), 400 if form.is_submitted() else 200


@bp.route("/join/<code>")
@access("learner")
def join_code(code: str):
    """The join link a trainer shares: shows the group and a button to join it."""
    form = JoinForm(data={"code": code})
    cohort = cohorts.cohort_by_code(code)
    if cohort is None:
        form.code.errors = [_("There is no group with this code. Check the code with your trainer.")]
        return render_template("lms/learn/join.html", form=form, cohort=None), 404
    return render_template("lms/learn/join.html", form=form, cohort=cohort)


@bp.route("/<slug>/<lesson_key>/exercise", methods=["POST"])
@access("learner")
def exercise(slug: str, lesson_key: str):
    """Hand in (or update) the answer to a lesson's exercise: text and/or one file."""
    course, redirect_response = _enrolled_course(slug)
    if redirect_response:
        return redirect_response
    _entry, row = _lesson_or_404(course, lesson_key)
    if not exercises.has_exercise(course.cdef, lesson_key):
        abort(404)
    form = ExerciseForm()
    if not form.validate_on_submit():
        return _lesson_page(course, lesson_key, form, 400)
    try:
        exercises.submit(current_user, course.cdef, row, form.text.data, form.file.data)
    except exercises.ExerciseError as exc:
        form[exc.field].errors = [exc.message]
        return _lesson_page(course, lesson_key, form, exc.status)
    flash(_("Your answer is handed in. Your trainer will read it."), "success")
    return redirect(url_for("lms.learn.lesson", slug=slug, lesson_key=lesson_key) + "#exercise")


@bp.route("/submissions/<int:submission_id>/file")
@access("learner")
def submission_file(submission_id: int):
    """The learner's own submitted file, as a download."""
    return exercises.file_response(exercises.own_submission(current_user, submission_id))
