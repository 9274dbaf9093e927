"""Trainer views: cohorts, people, sessions and attendance, announcements, the progress grid and
exercise review. Every view opens the cohort through ``services.cohort_for``: another trainer's
cohort is a 404."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import access
from lms.auth.forms import ConfirmForm
from lms.catalogue import services as catalogue
from lms.errors import user_error
from lms.i18n import current_lang
from lms.trainer import bp, exercises, grid, services, timezones
from lms.trainer.forms import (
    AnnouncementForm, CohortForm, CommentForm, NewCohortForm, NewSessionForm, PersonForm, SessionForm,
    attendance_form, attendance_label,
)
from lms.trainer.services import CohortError, display_code


def _me():
    return current_user._get_current_object()


def _status(form) -> int:
    """400 when a submitted form comes back with errors, else 200."""
    return 400 if form.is_submitted() else 200


def _course_choices(keep: list[str] = ()) -> list[tuple[str, str]]:
    """Published courses (all for admins), plus those the cohort has already."""
    cards = catalogue.catalogue_courses(include_unpublished=current_user.is_admin)
    choices = [(c.id, c.title) for c in cards]
    lang = current_lang()
    for cid in keep:
        if cid not in {k for k, _t in choices}:
            cdef = catalogue.catalog().course(cid)
            choices.append((cid, cdef.title(lang) if cdef else cid))
    return choices


# -- cohorts -----------------------------------------------------------------------------------------


@bp.route("/")
@access("trainer")
def index():
    """The trainer's cohorts (all cohorts for an admin)."""
    cohorts = services.my_cohorts(_me())
    cat = catalogue.catalog()
    lang = current_lang()
    titles = {cid: (cat.course(cid).title(lang) if cat.course(cid) else cid) for s in cohorts for cid in s.course_ids}
    return render_template("lms/trainer/index.html", cohorts=cohorts, titles=titles)


@bp.route("/cohorts/new", methods=["GET", "POST"])
@access("trainer")
def new_cohort():
    form = NewCohortForm(course_choices=_course_choices())
    if form.validate_on_submit():
        try:
            cohort = services.create_cohort(
                _me(), name=form.name.data, courses=form.courses.data, language=form.language.data,
                country=form.country.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data, token=form.token.data,
            )
        except CohortError as exc:
            raise user_error(exc.status, exc.message) from exc
        flash(_("The cohort is ready. Share its join code with the participants."), "success")
        return redirect(url_for("lms.trainer.cohort", cohort_id=cohort.id))
    return render_template("lms/trainer/cohort_form.html", form=form, acc=None, confirm_form=ConfirmForm()), _status(form)


@bp.route("/cohorts/<int:cohort_id>")
@access("trainer")
def cohort(cohort_id: int):
    """The cohort dashboard: join code, who is behind, the progress grid, sessions."""
    acc = services.cohort_for(_me(), cohort_id)
    lang = current_lang()
    sessions = services.sessions(acc.id)
    return render_template(
        "lms/trainer/cohort.html", acc=acc, cohort=acc.cohort, grid=grid.cohort_grid(acc, lang),
        sessions=sessions, counts=services.attendance_counts([s.id for s in sessions]),
        waiting=exercises.waiting_count(acc), announcements=services.announcements(acc.id, limit=3),
        code=display_code(acc.cohort.join_code),
        join_url=url_for("lms.learn.join_code", code=acc.cohort.join_code, _external=True),
        form=ConfirmForm(),
        behind_points=grid.BEHIND_POINTS, inactive_days=grid.INACTIVE_DAYS,
    )


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@access("trainer")
def edit_cohort(cohort_id: int):
    acc = services.cohort_for(_me(), cohort_id)
    current = services.course_ids(acc.id)
    form = CohortForm(obj=acc.cohort if request.method == "GET" else None, course_choices=_course_choices(current))
    if request.method == "GET":
        form.courses.data = current
        form.country.data = acc.cohort.country or ""
    if form.validate_on_submit():
        try:
            services.update_cohort(
                acc, name=form.name.data, courses=form.courses.data, language=form.language.data,
                country=form.country.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
            )
        except CohortError as exc:
            raise user_error(exc.status, exc.message) from exc
        flash(_("The cohort is saved."), "success")
        return redirect(url_for("lms.trainer.cohort", cohort_id=acc.id))
    return render_template("lms/trainer/cohort_form.html", form=form, acc=acc, confirm_form=ConfirmForm()), _status(form)


@bp.route("/cohorts/<int:cohort_id>/code", methods=["POST"])
@access("trainer")
def new_code(cohort_id: int):
    """Replace the join code (e.g. after it was shared too widely); the old one stops working."""
    acc = services.cohort_for(_me(), cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    code = services.regenerate_code(acc)
    flash(_("The new join code is %(code)s. The old code no longer works.", code=display_code(code)), "success")
    return redirect(url_for("lms.trainer.cohort", cohort_id=acc.id))


@bp.route("/cohorts/<int:cohort_id>/archive", methods=["POST"])
@access("trainer")
def archive(cohort_id: int):
    """Archive (no one can join any more) or reopen the cohort."""
    acc = services.cohort_for(_me(), cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_archived(acc, not acc.cohort.archived)
    flash(_("The cohort is archived.") if acc.cohort.archived else _("The cohort is open again."), "success")
    return redirect(url_for("lms.trainer.cohort", cohort_id=acc.id))


@bp.route("/cohorts/<int:cohort_id>/certificates", methods=["POST"])
@access("trainer")
def certificates(cohort_id: int):
    """Issue certificates to every member who completed a course of the cohort (once each)."""
    from lms.certificates.services import CertificateError, issue_for_users

    acc = services.cohort_for(_me(), cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user_ids = [u.id for u in services.members(acc.id)]
    issued = existing = 0
    for course_id in services.course_ids(acc.id):
        try:
            result = issue_for_users(course_id, user_ids, issued_by=_me())
        except CertificateError:  # a course that is gone from the catalogue
            continue
        issued += len(result.issued)
        existing += len(result.existing)
    flash(_("Certificates issued: %(issued)s. Already issued before: %(existing)s.", issued=issued, existing=existing), "success")
    return redirect(url_for("lms.trainer.cohort", cohort_id=acc.id))


# -- people ------------------------------------------------------------------------------------------


def _people_page(acc, member_form=None, trainer_form=None, status: int = 200):
    return render_template(
        "lms/trainer/people.html", acc=acc, cohort=acc.cohort, members=services.member_rows(acc.id),
        trainers=services.trainers(acc.id), member_form=member_form or PersonForm(prefix="m"),
        trainer_form=trainer_form or PersonForm(prefix="t"), form=ConfirmForm(),
    ), status


@bp.route("/cohorts/<int:cohort_id>/people")
@access("trainer")
def people(cohort_id: int):
    """Members and trainers of the cohort."""
    return _people_page(services.cohort_for(_me(), cohort_id))


@bp.route("/cohorts/<int:cohort_id>/members", methods=["POST"])
@access("trainer")
def add_member(cohort_id: int):
    """Add a learner by the e-mail of their account (and enrol them in the cohort's courses)."""
    acc = services.cohort_for(_me(), cohort_id)
    form = PersonForm(prefix="m")
    if not form.validate_on_submit():
        return _people_page(acc, member_form=form, status=400)
    try:
        user, added = services.add_member(acc, form.email.data)
    except CohortError as exc:
        form.email.errors.append(exc.message)
        return _people_page(acc, member_form=form, status=exc.status)
    if added:
        flash(_("%(name)s is now a member.", name=user.display_name), "success")
    else:
        flash(_("%(name)s was already a member.", name=user.display_name), "info")
    return redirect(url_for("lms.trainer.people", cohort_id=acc.id))


@bp.route("/cohorts/<int:cohort_id>/members/<int:user_id>/remove", methods=["POST"])
@access("trainer")
def remove_member(cohort_id: int, user_id: int):
    acc = services.cohort_for(_me(), cohort_id)
    user = services.member_of(acc, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.remove_member(acc, user.id)
    flash(_("%(name)s is no longer a member. Their own progress is kept.", name=user.display_name), "success")
    return redirect(url_for("lms.trainer.people", cohort_id=acc.id))


@bp.route("/cohorts/<int:cohort_id>/trainers", methods=["POST"])
@access("trainer")
def add_trainer(cohort_id: int):
    """Invite a co-trainer by the e-mail of their trainer account."""
    acc = services.cohort_for(_me(), cohort_id)
    form = PersonForm(prefix="t")
    if not form.validate_on_submit():
        return _people_page(acc, trainer_form=form, status=400)
    try:
        user, added = services.add_co_trainer(acc, form.email.data)
    except CohortError as exc:
        form.email.errors.append(exc.message)
        return _people_page(acc, trainer_form=form, status=exc.status)
    if added:
        flash(_("%(name)s now trains this cohort with you.", name=user.display_name), "success")
    else:
        flash(_("%(name)s already trains this cohort.", name=user.display_name), "info")
    return redirect(url_for("lms.trainer.people", cohort_id=acc.id))


@bp.route("/cohorts/<int:cohort_id>/trainers/<int:user_id>/remove", methods=["POST"])
@access("trainer")
def remove_trainer(cohort_id: int, user_id: int):
    acc = services.cohort_for(_me(), cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.remove_co_trainer(acc, user_id)
    except CohortError as exc:
        raise user_error(exc.status, exc.message) from exc
    flash(_("The co-trainer is removed."), "success")
    return redirect(url_for("lms.trainer.people", cohort_id=acc.id))


@bp.route("/cohorts/<int:cohort_id>/learners/<int:user_id>")
@access("trainer")
def learner(cohort_id: int, user_id: int):
    """One member in detail: lessons, quiz attempts, submissions, attendance."""
    acc = services.cohort_for(_me(), cohort_id)
    user = services.member_of(acc, user_id)
    lang = current_lang()
    return render_template("lms/trainer/learner.html", acc=acc, cohort=acc.cohort, learner=user,
                           detail=grid.learner_detail(acc, user, lang), attendance_label=attendance_label)


# -- sessions and attendance ---------------------------------------------------------------------------


def _sessions_page(acc, form=None, status: int = 200):
    rows = services.sessions(acc.id)
    return render_template(
        "lms/trainer/sessions.html", acc=acc, cohort=acc.cohort, sessions=rows, form=form or NewSessionForm(),
        counts=services.attendance_counts([s.id for s in rows]), confirm=ConfirmForm(),
    ), status


@bp.route("/cohorts/<int:cohort_id>/sessions", methods=["GET", "POST"])
@access("trainer")
def sessions(cohort_id: int):
    """The session schedule, and a form to add a session."""
    acc = services.cohort_for(_me(), cohort_id)
    form = NewSessionForm()
    if form.validate_on_submit():
        added = services.add_session(acc, title=form.title.data, starts_at=form.starts_at.data, minutes=form.minutes.data,
                                     location=form.location.data, token=form.token.data)
        if added:
            flash(_("The session is added."), "success")
        return redirect(url_for("lms.trainer.sessions", cohort_id=acc.id))
    return _sessions_page(acc, form, _status(form))


@bp.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@access("trainer")
def edit_session(cohort_id: int, session_id: int):
    acc = services.cohort_for(_me(), cohort_id)
    row = services.session_of(acc, session_id)
    form = SessionForm(obj=row if request.method == "GET" else None)
    if request.method == "GET":
        form.starts_at.data = timezones.to_local(row.starts_at, acc.cohort.country)
    if form.validate_on_submit():
        services.update_session(acc, row, title=form.title.data, starts_at=form.starts_at.data, minutes=form.minutes.data,
                                location=form.location.data)
        flash(_("The session is saved."), "success")
        return redirect(url_for("lms.trainer.sessions", cohort_id=acc.id))
    return render_template("lms/trainer/session_form.html", acc=acc, cohort=acc.cohort, row=row, form=form), _status(form)


@bp.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/delete", methods=["POST"])
@access("trainer")
def delete_session(cohort_id: int, session_id: int):
    acc = services.cohort_for(_me(), cohort_id)
    row = services.session_of(acc, session_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.delete_session(row)
    flash(_("The session and its attendance are deleted."), "success")
    return redirect(url_for("lms.trainer.sessions", cohort_id=acc.id))


@bp.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@access("trainer")
def attendance(cohort_id: int, session_id: int):
    """The attendance register of one session; saving again updates the same records."""
    acc = services.cohort_for(_me(), cohort_id)
    row = services.session_of(acc, session_id)
    people = services.members(acc.id)
    form = attendance_form([u.id for u in people], services.attendance(row.id))
    if form.validate_on_submit():
        marks = {u.id: form[f"m{u.id}"].data for u in people if form[f"m{u.id}"].data}
        services.record_attendance(acc, row, _me(), marks)
        flash(_("Attendance is saved."), "success")
        return redirect(url_for("lms.trainer.attendance", cohort_id=acc.id, session_id=row.id))
    return render_template("lms/trainer/attendance.html", acc=acc, cohort=acc.cohort, row=row, people=people,
                           form=form), _status(form)


# -- announcements -----------------------------------------------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/announcements", methods=["GET", "POST"])
@access("trainer")
def announcements(cohort_id: int):
    """Post an announcement: shown on the members' dashboards and e-mailed to each of them."""
    acc = services.cohort_for(_me(), cohort_id)
    form = AnnouncementForm()
    if form.validate_on_submit():
        posted, sent = services.post_announcement(acc, _me(), title=form.title.data, body=form.body.data, token=form.token.data)
        if posted:
            flash(_("The announcement is posted and e-mailed to %(n)s members.", n=sent), "success")
        else:
            flash(_("This announcement was already posted."), "info")
        return redirect(url_for("lms.trainer.announcements", cohort_id=acc.id))
    return render_template("lms/trainer/announcements.html", acc=acc, cohort=acc.cohort, form=form,
                           items=services.announcements(acc.id)), _status(form)


# -- exercise review ---------------------------------------------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/submissions")
@access("trainer")
def submissions(cohort_id: int):
    """Exercises handed in by the members; those waiting for review first."""
    acc = services.cohort_for(_me(), cohort_id)
    status = request.args.get("status", "submitted")
    if status not in ("submitted", "complete", "all"):
        raise user_error(400, _("Unknown filter."))
    lines = exercises.cohort_submissions(acc, current_lang(), None if status == "all" else status)
    return render_template("lms/trainer/submissions.html", acc=acc, cohort=acc.cohort, lines=lines, status=status)


def _submission_page(acc, line, form=None, status: int = 200):
    return render_template(
        "lms/trainer/submission.html", acc=acc, cohort=acc.cohort, line=line, sub=line.submission,
        comments=exercises.comments(line.submission.id), form=form or CommentForm(), confirm=ConfirmForm(),
        prompt=_prompt(line),
    ), status


def _prompt(line) -> str | None:
    if line.course is None:
        return None
    entry = line.course.lesson(line.lesson_key)
    if entry is None:
        return None
    from lms.content.lessons import resolve_lang

    meta = line.course.lesson_meta.get((resolve_lang(line.course, entry, current_lang()), entry.file))
    exercise = (meta.meta.get("exercise") if meta else None) or {}
    return exercise.get("prompt") if isinstance(exercise, dict) else None


@bp.route("/cohorts/<int:cohort_id>/submissions/<int:submission_id>")
@access("trainer")
def submission(cohort_id: int, submission_id: int):
    acc = services.cohort_for(_me(), cohort_id)
    return _submission_page(acc, exercises.submission_in(acc, submission_id, current_lang()))


@bp.route("/cohorts/<int:cohort_id>/submissions/<int:submission_id>/comment", methods=["POST"])
@access("trainer")
def comment(cohort_id: int, submission_id: int):
    acc = services.cohort_for(_me(), cohort_id)
    line = exercises.submission_in(acc, submission_id, current_lang())
    form = CommentForm()
    if not form.validate_on_submit():
        return _submission_page(acc, line, form, 400)
    if exercises.add_comment(line.submission, _me(), form.body.data, form.token.data):
        flash(_("Your comment is saved. The learner sees it on the lesson page."), "success")
    return redirect(url_for("lms.trainer.submission", cohort_id=acc.id, submission_id=submission_id))


@bp.route("/cohorts/<int:cohort_id>/submissions/<int:submission_id>/complete", methods=["POST"])
@access("trainer")
def complete(cohort_id: int, submission_id: int):
    """Mark the exercise reviewed and complete; it then counts toward the learner's course."""
    acc = services.cohort_for(_me(), cohort_id)
    line = exercises.submission_in(acc, submission_id, current_lang())
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if exercises.mark_complete(line.submission, _me()):
        flash(_("The exercise of %(name)s is marked complete.", name=line.learner.display_name), "success")
    return redirect(url_for("lms.trainer.submissions", cohort_id=acc.id))


@bp.route("/cohorts/<int:cohort_id>/submissions/<int:submission_id>/file")
@access("trainer")
def submission_file(cohort_id: int, submission_id: int):
    """The submitted file, as a download."""
    acc = services.cohort_for(_me(), cohort_id)
    line = exercises.submission_in(acc, submission_id, current_lang())
    return exercises.file_response(line.submission)
