"""What the trainer area holds about a learner, for the privacy export (``lms.privacy``)."""
from __future__ import annotations

from sqlalchemy import select

from lms import db
from lms.models import Attendance, Cohort, CohortMember, CohortSession, Lesson, Submission, SubmissionComment, User


def export_memberships(user: User) -> list[dict]:
    rows = db.session().execute(
        select(Cohort.name, Cohort.starts_on, Cohort.ends_on, CohortMember.joined_at)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id).where(CohortMember.user_id == user.id)
        .order_by(CohortMember.joined_at)
    )
    return [{"cohort": name, "starts_on": s, "ends_on": e, "joined_at": j} for name, s, e, j in rows]


def export_attendance(user: User) -> list[dict]:
    rows = db.session().execute(
        select(Cohort.name, CohortSession.title, CohortSession.starts_at, Attendance.status, Attendance.recorded_at)
        .join(CohortSession, CohortSession.id == Attendance.session_id).join(Cohort, Cohort.id == CohortSession.cohort_id)
        .where(Attendance.user_id == user.id).order_by(CohortSession.starts_at)
    )
    return [{"cohort": c, "session": t, "starts_at": s, "status": st, "recorded_at": r} for c, t, s, st, r in rows]


def export_submissions(user: User) -> list[dict]:
    """The learner's answers and the comments on them (files are named; they are downloaded from the lesson)."""
    sess = db.session()
    subs = sess.execute(
        select(Submission, Lesson.key).join(Lesson, Lesson.id == Submission.lesson_id)
        .where(Submission.user_id == user.id).order_by(Submission.id)
    ).all()
    notes: dict[int, list[dict]] = {}
    if subs:
        for c in sess.scalars(
            select(SubmissionComment).where(SubmissionComment.submission_id.in_([s.id for s, _k in subs]))
            .order_by(SubmissionComment.id)
        ):
            notes.setdefault(c.submission_id, []).append({"created_at": c.created_at, "body": c.body})
    return [
        {"course_id": s.course_id, "lesson": key, "text": s.text, "file_name": s.file_name, "file_size": s.file_size,
         "status": s.status, "submitted_at": s.submitted_at, "reviewed_at": s.reviewed_at, "comments": notes.get(s.id, [])}
        for s, key in subs
    ]


def delete_user_files(user: User) -> int:
    """Delete the learner's uploaded exercise files from disk (for an erasure request).

    The database rows go with the account (foreign keys cascade); files on disk do not, so
    whoever deletes an account calls this first. Returns the number of files removed.
    """
    from lms.trainer import uploads

    keys = [k for k in db.session().scalars(
        select(Submission.file_key).where(Submission.user_id == user.id, Submission.file_key.is_not(None))
    )]
    for key in keys:
        uploads.delete(key)
    return len(keys)
