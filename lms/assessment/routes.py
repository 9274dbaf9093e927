"""Quiz views: start, answer (save or submit), results. Grading happens in services."""
from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import db
from lms.access import access, wants_json
from lms.assessment import bp, services
from lms.auth.forms import ConfirmForm
from lms.catalogue import services as catalogue
from lms.db import utcnow
from lms.errors import user_error
from lms.i18n import current_lang
from lms.learn import services as learning
from lms.models import QuizAttempt


def _course_quiz(slug: str, quiz_id: str):
    found = catalogue.get_course(slug)
    if found is None:
        abort(404)
    cdef, _row = found
    quiz = catalogue.catalog().quizzes.get(quiz_id)
    if quiz is None or quiz_id not in cdef.quiz_ids:
        abort(404)
    if learning.enrolment(current_user, cdef.id) is None:
        raise user_error(403, _("Enrol in the course to take its quizzes."))
    return cdef, quiz


def _pass_mark(cdef, quiz) -> float:
    if "pass_mark" in quiz.data or cdef is None:
        return quiz.pass_mark
    return cdef.pass_mark


def _now():
    # The time the request arrived, so a slow server never costs a learner their time.
    return g.get("lms_request_time") or utcnow()


@bp.before_app_request
def _stamp_request_time():
    g.lms_request_time = utcnow()


def _skills_map():
    smap = catalogue.catalog().skills
    if smap is None or smap.assessment not in catalogue.catalog().quizzes:
        abort(404)
    return smap


def _is_skills(attempt) -> bool:
    return (attempt.purpose or "").startswith("skills:")


def _attempt(attempt_id: int):
    """The learner's own attempt, its course (None for the self-assessment) and its quiz."""
    attempt = db.session().get(QuizAttempt, attempt_id)
    if attempt is None:
        abort(404)
    if attempt.user_id != current_user.id:
        raise user_error(403, _("This quiz attempt belongs to someone else."))
    quiz = catalogue.catalog().quizzes.get(attempt.quiz_id)
    cdef = catalogue.catalog().course(attempt.course_id or "")
    if quiz is None or (cdef is None and not _is_skills(attempt)):
        abort(404)
    return attempt, cdef, quiz


@bp.route("/<slug>/<quiz_id>")
@access("learner")
def start_page(slug: str, quiz_id: str):
    cdef, quiz = _course_quiz(slug, quiz_id)
    lang = current_lang()
    attempts = services.attempts_of(current_user, quiz.id)
    return render_template(
        "lms/quiz/start.html", course=cdef, quiz=quiz, title=quiz.title(lang), attempts=attempts,
        left=services.attempts_left(quiz, current_user), pass_mark=_pass_mark(cdef, quiz),
        open_attempt=services.open_attempt(current_user, quiz.id), form=ConfirmForm(),
    )


@bp.route("/<slug>/<quiz_id>/start", methods=["POST"])
@access("learner")
def start(slug: str, quiz_id: str):
    """Start or resume (a repeated click resumes the same attempt)."""
    cdef, quiz = _course_quiz(slug, quiz_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        attempt = services.start_attempt(current_user, quiz, cdef.id, _now())
    except services.QuizError as exc:
        raise user_error(exc.status, str(exc)) from exc
    return redirect(url_for("lms.quiz.attempt", attempt_id=attempt.id))


@bp.route("/attempt/<int:attempt_id>", methods=["GET", "POST"])
@access("learner")
def attempt(attempt_id: int):
    attempt, cdef, quiz = _attempt(attempt_id)
    lang = current_lang()
    now = _now()
    if request.method == "GET":
        if services.expire_if_due(attempt, quiz, now, lang, _pass_mark(cdef, quiz)):
            flash(_("The time for this quiz ran out. It was graded with the answers saved in time."), "info")
        if attempt.status != "open":
            return redirect(url_for("lms.quiz.result", attempt_id=attempt.id))
        return _render_attempt(attempt, cdef, quiz, lang)
    action = request.form.get("action", "submit")
    try:
        if action == "save":
            in_time = services.save_answers(attempt, quiz, current_user, request.form, now)
            if wants_json() or request.headers.get("X-Requested-With") == "fetch":
                return jsonify(saved=in_time)
            if in_time:
                flash(_("Your answers are saved."), "success")
                return redirect(url_for("lms.quiz.attempt", attempt_id=attempt.id))
            services.expire_if_due(attempt, quiz, now, lang, _pass_mark(cdef, quiz))
            return redirect(url_for("lms.quiz.result", attempt_id=attempt.id))
        services.submit(attempt, quiz, current_user, request.form, lang, _pass_mark(cdef, quiz), now)
    except services.QuizError as exc:
        if exc.status == 400 and attempt.status == "open":
            flash(str(exc), "error")
            return _render_attempt(attempt, cdef, quiz, lang, status=400)
        raise user_error(exc.status, str(exc)) from exc
    if _is_skills(attempt):
        from lms.assessment import skills

        row = skills.record(current_user, attempt, _skills_map(), quiz)
        return redirect(url_for("lms.quiz.skills_result", assessment_id=row.id))
    learning.update_completion(current_user, cdef)
    return redirect(url_for("lms.quiz.result", attempt_id=attempt.id))


def _render_attempt(attempt, cdef, quiz, lang, status: int = 200):
    questions = services.present_attempt(quiz, attempt, lang)
    return render_template(
        "lms/quiz/attempt.html", course=cdef, quiz=quiz, title=quiz.title(lang), attempt=attempt,
        questions=questions,
    ), status


@bp.route("/attempt/<int:attempt_id>/result")
@access("learner")
def result(attempt_id: int):
    attempt, cdef, quiz = _attempt(attempt_id)
    if attempt.status != "graded":
        return redirect(url_for("lms.quiz.attempt", attempt_id=attempt.id))
    if _is_skills(attempt):
        from lms.assessment import skills

        row = skills.record(current_user, attempt, _skills_map(), quiz)
        return redirect(url_for("lms.quiz.skills_result", assessment_id=row.id))
    lang = current_lang()
    reveal = services.may_show_answers(quiz, attempt, current_user)
    return render_template(
        "lms/quiz/result.html", course=cdef, quiz=quiz, title=quiz.title(lang), attempt=attempt,
        review=services.review_attempt(quiz, attempt, lang, reveal), reveal=reveal,
        left=services.attempts_left(quiz, current_user), pass_mark=_pass_mark(cdef, quiz),
        progress=learning.course_progress(current_user, cdef), form=ConfirmForm(),
    )


# -- skills self-assessment --------------------------------------------------------------------


def _context_arg(value: str | None) -> str:
    """'general', or 'pre:<course>' / 'post:<course>' for a known course; anything else is general."""
    if value and ":" in value:
        when, course_id = value.split(":", 1)
        if when in ("pre", "post") and catalogue.catalog().course(course_id) is not None:
            return value
    return "general"


@bp.route("/skills/")
@access("learner")
def skills_home():
    """The self-assessment: intro, the latest profile and path, and the history over time."""
    from lms.assessment import skills

    smap = _skills_map()
    rows = skills.history(current_user)
    lang = current_lang()
    context = _context_arg(request.args.get("context"))
    return render_template(
        "lms/quiz/skills_home.html", smap=smap, rows=rows, lang=lang, context=context,
        course=catalogue.catalog().course(context.split(":", 1)[1]) if ":" in context else None,
        quiz=catalogue.catalog().quizzes[smap.assessment], form=ConfirmForm(),
        open_attempt=services.open_attempt(current_user, smap.assessment),
    )


@bp.route("/skills/start", methods=["POST"])
@access("learner")
def skills_start():
    smap = _skills_map()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    quiz = catalogue.catalog().quizzes[smap.assessment]
    context = _context_arg(request.form.get("context"))
    attempt = services.start_attempt(current_user, quiz, None, _now(), purpose=f"skills:{context}")
    return redirect(url_for("lms.quiz.attempt", attempt_id=attempt.id))


def _own_assessment(assessment_id: int):
    from lms.models import SkillAssessment

    row = db.session().get(SkillAssessment, assessment_id)
    if row is None:
        abort(404)
    if row.user_id != current_user.id:
        raise user_error(403, _("This self-assessment belongs to someone else."))
    return row


@bp.route("/skills/<int:assessment_id>")
@access("learner")
def skills_result(assessment_id: int):
    """A skills profile (chart and table) and the learning path it suggests."""
    from lms.assessment import skills

    smap = _skills_map()
    row = _own_assessment(assessment_id)
    lang = current_lang()
    cat = catalogue.catalog()
    done = {e.course_id for e in learning.my_enrolments(current_user) if e.completed_at}
    prereqs = {c.id: c.prerequisites for c in cat.courses.values()}
    path = skills.learning_path(smap, row.profile, lang, prereqs, done)
    history = skills.history(current_user)
    earlier = [r for r in history if (r.taken_at, r.id) < (row.taken_at, row.id)]
    previous = earlier[-1] if earlier else None
    pair = None
    if row.context.startswith("post:"):
        pair = skills.gain(current_user, row.context.split(":", 1)[1])
    return render_template(
        "lms/quiz/skills_result.html", smap=smap, row=row, lang=lang, path=path, previous=previous,
        pair=pair, catalog=cat, history=history,
    )


@bp.route("/skills/<int:assessment_id>/chart.svg")
@access("learner")
def skills_chart(assessment_id: int):
    from flask import Response

    from lms.assessment import skills

    smap = _skills_map()
    row = _own_assessment(assessment_id)
    lang = current_lang()
    compare = None
    if request.args.get("compare", type=int):
        other = _own_assessment(request.args.get("compare", type=int))
        compare = other.profile
    svg = skills.chart_svg(
        smap, row.profile, lang, _("Your skills profile (%)"), compare=compare,
        compare_label=_("Before"), label=_("Now") if compare else _("Your skills profile (%)"),
    )
    resp = Response(svg, mimetype="image/svg+xml")
    # The SVG carries its own inline style and no script; it is shown as an image.
    resp.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp
