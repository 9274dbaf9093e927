"""Exercise submissions: a learner hands in text and/or a file for a lesson's exercise; the
cohort's trainers read it, comment and mark it complete (which may complete the course)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Response, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound

from lms import db
from lms.catalogue.services import catalog
from lms.content.catalog import CourseDef
from lms.db import insert_ignore, utcnow
from lms.extension import state
from lms.models import CohortCourse, CohortMember, Lesson, Submission, SubmissionComment, User
from lms.trainer import uploads
from lms.trainer.services import CohortAccess

log = logging.getLogger(__name__)


class ExerciseError(Exception):
    """A refused answer; ``message`` is translated, ``field`` is the form field it belongs to."""

    def __init__(self, message: str, status: int = 400, field: str = "file") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field


def has_exercise(cdef: CourseDef, lesson_key: str) -> bool:
    return lesson_key in cdef.exercise_lessons()


def submission(user: User, lesson_id: int) -> Submission | None:
    return db.session().scalar(select(Submission).where(Submission.user_id == user.id, Submission.lesson_id == lesson_id))


def comments(submission_id: int) -> list[tuple[SubmissionComment, str | None]]:
    return list(db.session().execute(
        select(SubmissionComment, User.display_name).outerjoin(User, User.id == SubmissionComment.author_id)
        .where(SubmissionComment.submission_id == submission_id).order_by(SubmissionComment.created_at, SubmissionComment.id)
    ).all())


def submit(user: User, cdef: CourseDef, lesson: Lesson, text: str, upload: FileStorage | None) -> Submission:
    """Hand in or update the learner's answer (one row per learner and lesson).

    A file is checked and stored before the row changes; a replaced file is deleted after the
    commit. Once a trainer marked the exercise complete it is closed.
    """
    existing = submission(user, lesson.id)
    old_key = existing.file_key if existing is not None else None  # read before the UPDATE refreshes ``existing``
    if existing is not None and existing.status == "complete":
        raise ExerciseError(_("Your trainer has marked this exercise complete, so it can no longer be changed."), 409, "text")
    text = (text or "").strip()
    stored = None
    if upload is not None and upload.filename:
        try:
            stored = uploads.store(upload.stream, upload.filename)
        except uploads.UploadError as exc:
            raise ExerciseError(exc.message, exc.status) from exc
    if not text and stored is None and not old_key:
        raise ExerciseError(_("Write your answer or attach a file."), 400, "text")
    sess = db.session()
    now = utcnow()
    file_values = {}
    if stored is not None:
        file_values = {"file_name": stored.name, "file_key": stored.key, "file_size": stored.size, "file_type": stored.content_type}
    inserted = insert_ignore(sess, Submission, {
        "user_id": user.id, "course_id": cdef.id, "lesson_id": lesson.id, "text": text, "status": "submitted",
        "submitted_at": now, **file_values,
    }, ["user_id", "lesson_id"])
    if not inserted:
        changed = sess.execute(
            update(Submission)
            .where(Submission.user_id == user.id, Submission.lesson_id == lesson.id, Submission.status == "submitted")
            .values(text=text, submitted_at=now, **file_values)
        ).rowcount
        if not changed:
            sess.rollback()
            uploads.delete(stored.key if stored else None)
            raise ExerciseError(_("Your trainer has marked this exercise complete, so it can no longer be changed."), 409, "text")
    sess.commit()
    if stored is not None and old_key and old_key != stored.key:
        uploads.delete(old_key)
    return submission(user, lesson.id)


# -- trainers --------------------------------------------------------------------------------------


@dataclass
class SubmissionLine:
    submission: Submission
    learner: User
    course: CourseDef | None
    lesson_key: str
    lesson_title: str


def _lines(rows, lang: str) -> list[SubmissionLine]:
    cat = catalog()
    out = []
    for sub, learner, key in rows:
        cdef = cat.course(sub.course_id)
        entry = cdef.lesson(key) if cdef else None
        title = cdef.lesson_title(entry, lang) if cdef and entry else key
        out.append(SubmissionLine(sub, learner, cdef, key, title))
    return out


def _in_cohort(access: CohortAccess):
    return (
        Submission.user_id.in_(select(CohortMember.user_id).where(CohortMember.cohort_id == access.id)),
        Submission.course_id.in_(select(CohortCourse.course_id).where(CohortCourse.cohort_id == access.id)),
    )


def cohort_submissions(access: CohortAccess, lang: str, status: str | None = None) -> list[SubmissionLine]:
    """Submissions of the cohort's members to the cohort's courses; waiting ones first, oldest first."""
    stmt = (
        select(Submission, User, Lesson.key).join(User, User.id == Submission.user_id).join(Lesson, Lesson.id == Submission.lesson_id)
        .where(*_in_cohort(access))
    )
    if status:
        stmt = stmt.where(Submission.status == status)
    stmt = stmt.order_by((Submission.status == "complete"), Submission.submitted_at)
    return _lines(db.session().execute(stmt).all(), lang)


def waiting_count(access: CohortAccess) -> int:
    from sqlalchemy import func

    return db.session().scalar(select(func.count()).select_from(Submission).where(*_in_cohort(access), Submission.status == "submitted")) or 0


def submissions_of(access: CohortAccess, user: User, lang: str) -> list[SubmissionLine]:
    stmt = (
        select(Submission, User, Lesson.key).join(User, User.id == Submission.user_id).join(Lesson, Lesson.id == Submission.lesson_id)
        .where(*_in_cohort(access), Submission.user_id == user.id).order_by(Submission.submitted_at)
    )
    return _lines(db.session().execute(stmt).all(), lang)


def submission_in(access: CohortAccess, submission_id: int, lang: str) -> SubmissionLine:
    """A submission the cohort's trainers may read, or 404."""
    stmt = (
        select(Submission, User, Lesson.key).join(User, User.id == Submission.user_id).join(Lesson, Lesson.id == Submission.lesson_id)
        .where(Submission.id == submission_id, *_in_cohort(access))
    )
    lines = _lines(db.session().execute(stmt).all(), lang)
    if not lines:
        raise NotFound()
    return lines[0]


def add_comment(sub: Submission, author: User, body: str, token: str) -> bool:
    """A trainer's comment; the form token makes a double submit post it once."""
    sess = db.session()
    added = insert_ignore(sess, SubmissionComment, {
        "submission_id": sub.id, "author_id": author.id, "body": body.strip(), "created_at": utcnow(), "request_token": token,
    }, ["request_token"])
    sess.commit()
    if added:
        _notify_learner(sub, author, comment=body.strip())
    return added


def _notify_learner(sub: Submission, trainer: User, comment: str | None = None) -> bool:
    """E-mail the learner, in their language, that a trainer commented on (``comment``) or marked
    complete (no comment) their exercise, with a link to the lesson. A failed send is logged and
    does not undo the comment or the review."""
    sess = db.session()
    learner = sess.get(User, sub.user_id)
    lesson = sess.get(Lesson, sub.lesson_id)
    cdef = catalog().course(sub.course_id)
    if learner is None or not learner.active or lesson is None or cdef is None:
        return False
    entry = cdef.lesson(lesson.key)
    lang = learner.locale or "en"
    lesson_title = cdef.lesson_title(entry, lang) if entry else lesson.key
    link = url_for("lms.learn.lesson", slug=cdef.slug, lesson_key=lesson.key, _external=True) + "#exercise"
    with force_locale(lang):
        names = {"trainer": trainer.display_name, "lesson": lesson_title, "course": cdef.title(lang)}
        if comment is not None:
            subject = _("Your trainer commented on %(lesson)s", **names)
            parts = [_("%(trainer)s commented on your answer to the exercise in %(lesson)s (%(course)s):", **names), comment]
        else:
            subject = _("Your exercise in %(lesson)s is marked complete", **names)
            parts = [_("%(trainer)s marked your answer to the exercise in %(lesson)s (%(course)s) complete.", **names)]
        parts.append(_("Read it on the lesson page: %(url)s", url=link))
    try:
        state().mail.send(learner.email, subject, "\n\n".join(parts))
    except Exception:  # the comment or review stands; the learner also sees it on the lesson page
        log.exception("submission %s: mail to user %s failed", sub.id, learner.id)
        return False
    return True


def mark_complete(sub: Submission, reviewer: User) -> bool:
    """Mark reviewed and complete (once); the learner's course may now be complete."""
    from lms.learn.services import update_completion

    sess = db.session()
    changed = sess.execute(
        update(Submission).where(Submission.id == sub.id, Submission.status == "submitted")
        .values(status="complete", reviewed_by=reviewer.id, reviewed_at=utcnow())
    ).rowcount
    sess.commit()
    cdef = catalog().course(sub.course_id)
    learner = sess.get(User, sub.user_id)
    if cdef is not None and learner is not None:
        update_completion(learner, cdef)
    if changed:
        _notify_learner(sub, reviewer)
    return bool(changed)


# -- files -----------------------------------------------------------------------------------------


def own_submission(user: User, submission_id: int) -> Submission:
    sub = db.session().get(Submission, submission_id)
    if sub is None or sub.user_id != user.id:
        raise NotFound()
    return sub


def file_response(sub: Submission) -> Response:
    """The stored file as a download under a safe name; never rendered by the browser."""
    if not sub.file_key:
        raise NotFound()
    try:
        path = uploads.path_for(sub.file_key)
    except ValueError:
        raise NotFound() from None
    if not path.is_file():
        log.warning("submission %s: file %s is missing", sub.id, sub.file_key)
        raise NotFound()
    ext = uploads.extension(sub.file_name or "")
    content_type = uploads.ALLOWED.get(ext, "application/octet-stream")
    resp = send_file(path, mimetype=content_type, as_attachment=True, download_name=sub.file_name or f"submission.{ext or 'bin'}",
                     max_age=0, conditional=False, etag=False)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp

