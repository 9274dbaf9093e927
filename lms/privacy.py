"""Privacy requests (GDPR): export everything the LMS holds about a person, or erase it.

One small interface: every area that stores data about a user registers a ``Provider`` that
names the tables it covers and gives ``export(user) -> data`` and ``erase(user) -> None``.
``tests/test_privacy.py`` walks the models and fails when a table with a column referencing
``lms_users.id`` has no provider, so a new feature cannot forget its data.

Erasure anonymises rather than deletes (docs/privacy.md): the account row stays as an
anonymous placeholder (no e-mail, name, organisation or password, signed out, inactive) so
enrolments, progress and quiz attempts still count in the statistics; what the person wrote
(exercise submissions, self-assessments, free-text quiz answers) is deleted; links that only
say who did something (who created a cohort, marked attendance, reviewed a submission) are
cleared. Certificates are handed to the certificates area (``delete_user_certificates``).
Every step is idempotent, so a repeated or interrupted erasure simply completes.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from lms import db
from lms.models import (
    Announcement, Attendance, Cohort, CohortTrainer, Enrolment, LessonProgress, PasswordResetToken,
    QuizAttempt, SkillAssessment, Submission, SubmissionComment, User,
)

log = logging.getLogger(__name__)

Exporter = Callable[[User], Any]
Eraser = Callable[[User], None]

ERASED_DOMAIN = "erased.invalid"  # .invalid is reserved: never a real mailbox


@dataclass
class Provider:
    """What one area holds about a person: the tables it covers, how to export and erase it.

    ``erase`` None means the area's rows stay as they are, linked to the anonymised account
    (they hold nothing personal once the account is anonymous). ``order``: erasers run from
    low to high; the account itself is anonymised last.
    """

    area: str
    tables: tuple[str, ...] = ()
    export: Exporter | None = None
    erase: Eraser | None = None
    order: int = 50
    label: Any = ""  # the area's name for people (lazy translated)
    keeps: Any = ""  # what erasure does to it, in a few words (shown on the admin page)


_PROVIDERS: dict[str, Provider] = {}


def register(area: str, *, tables: Iterable[str] = (), export: Exporter | None = None, erase: Eraser | None = None,
             order: int = 50, label: Any = "", keeps: Any = "") -> Provider:
    """Register (or complete) an area's provider. Registering an area twice merges the two:
    areas may register their tables and functions from their own modules."""
    p = _PROVIDERS.get(area)
    if p is None:
        p = _PROVIDERS[area] = Provider(area, tuple(tables), export, erase, order, label or area, keeps)
    else:
        p.tables = tuple(dict.fromkeys(p.tables + tuple(tables)))
        p.export = export or p.export
        p.erase = erase or p.erase
        p.order = order if order != 50 else p.order
        p.keeps = keeps or p.keeps
        p.label = label or p.label
    return p


def exporter(area: str) -> Callable[[Exporter], Exporter]:
    """Decorator form of ``register(area, export=fn)`` (kept for areas that use it)."""

    def wrap(fn: Exporter) -> Exporter:
        register(area, export=fn)
        return fn

    return wrap


def providers() -> list[Provider]:
    return sorted(_PROVIDERS.values(), key=lambda p: (p.order, p.area))


def covered_tables() -> set[str]:
    return {t for p in _PROVIDERS.values() for t in p.tables}


# -- export ---------------------------------------------------------------------------------------


def export_user(user: User) -> dict[str, Any]:
    """Everything every area holds about ``user``, by area."""
    return {p.area: p.export(user) for p in providers() if p.export is not None}


# -- erase ------------------------------------------------------------------------------------------


def is_erased(user: User) -> bool:
    return user.email.endswith("@" + ERASED_DOMAIN)


def erase_user(user: User, by: User | None = None) -> bool:
    """Erase a person's data (anonymise the account). False when it had already been done.

    Safe to repeat and to run twice at once: every step is idempotent, and the final
    conditional UPDATE (only while the e-mail is still a real one) lets one request finish it.
    """
    sess = db.session()
    if is_erased(user):
        return False
    for p in providers():
        if p.erase is not None:
            p.erase(user)
    sess.flush()
    placeholder = f"erased-{secrets.token_hex(8)}"
    from lms.auth.services import hash_password
    from lms.models.accounts import new_session_token

    done = sess.execute(
        update(User)
        .where(User.id == user.id, User.email.not_like(f"%@{ERASED_DOMAIN}"))
        .values(email=f"{placeholder}@{ERASED_DOMAIN}", display_name=placeholder, organisation=None,
                password_hash=hash_password(secrets.token_urlsafe(32)), session_token=new_session_token(),
                active=False, role="learner", last_login_at=None)
    ).rowcount
    sess.commit()
    sess.refresh(user)
    if done:
        log.info("privacy: user %s erased (anonymised) by %s", user.id, by.id if by is not None else "-")
    return bool(done)


# -- the providers of the core areas ----------------------------------------------------------------


def _rows(model, user: User, columns: list[str], col: str = "user_id") -> list[dict]:
    rows = db.session().scalars(select(model).where(getattr(model, col) == user.id).order_by(model.id))
    return [{c: getattr(r, c) for c in columns} for r in rows]


def _account(user: User) -> dict:
    return {
        "email": user.email, "display_name": user.display_name, "locale": user.locale,
        "country": user.country, "organisation": user.organisation, "role": user.role,
        "created_at": user.created_at, "last_login_at": user.last_login_at,
    }


def _erase_account(user: User) -> None:
    db.session().execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))


register("account", tables=("lms_users", "lms_password_reset_tokens"), export=_account, erase=_erase_account,
         order=100,
         label=_l("Account"), keeps=_l("country and language stay for statistics; the rest is replaced or cleared"))


def _enrolments(user: User) -> list[dict]:
    return _rows(Enrolment, user, ["course_id", "enrolled_at", "completed_at", "last_activity_at"])


register("enrolments", tables=("lms_enrolments",), export=_enrolments,
         label=_l("Enrolments"), keeps=_l("kept, linked to the anonymous account (statistics)"))


def _progress(user: User) -> list[dict]:
    from lms.models import Lesson

    rows = db.session().execute(
        select(LessonProgress, Lesson.key)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id == user.id)
        .order_by(LessonProgress.id)
    )
    return [
        {"course_id": p.course_id, "lesson": key, "started_at": p.started_at,
         "completed_at": p.completed_at, "seconds_spent": p.seconds_spent}
        for p, key in rows
    ]


register("lesson_progress", tables=("lms_lesson_progress",), export=_progress,
         label=_l("Lesson progress"), keeps=_l("kept, linked to the anonymous account (statistics)"))


def _attempts(user: User) -> list[dict]:
    return _rows(QuizAttempt, user, ["quiz_id", "course_id", "number", "status", "started_at",
                                     "submitted_at", "answers", "percent", "passed"])


def _erase_attempts(user: User) -> None:
    """Scores and chosen options stay (quiz statistics); typed answers (short text) are
    emptied, since a person may type anything into a text box."""
    from lms.catalogue.services import catalog

    sess = db.session()
    quizzes = catalog().quizzes
    for attempt in sess.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id)):
        quiz = quizzes.get(attempt.quiz_id)
        answers = dict(attempt.answers or {})
        typed = {q["id"] for q in (quiz.questions if quiz else []) if q.get("type") == "short"}
        if quiz is None:  # a quiz file that is gone: empty every text answer to be safe
            typed = {k for k, v in answers.items() if isinstance(v, str)}
        changed = {k: "" for k in typed if isinstance(answers.get(k), str) and answers[k]}
        if changed:
            attempt.answers = {**answers, **changed}


register("quiz_attempts", tables=("lms_quiz_attempts",), export=_attempts, erase=_erase_attempts,
         label=_l("Quiz attempts"), keeps=_l("scores and chosen options kept (quiz statistics); typed answers emptied"))


def _skills(user: User) -> list[dict]:
    return _rows(SkillAssessment, user, ["taken_at", "context", "answers", "profile"])


def _erase_skills(user: User) -> None:
    db.session().execute(delete(SkillAssessment).where(SkillAssessment.user_id == user.id))


register("skill_assessments", tables=("lms_skill_assessments",), export=_skills, erase=_erase_skills,
         label=_l("Skills self-assessments"), keeps=_l("deleted"))


def _certificates(user: User) -> list[dict]:
    from lms.certificates.services import export_certificates

    return export_certificates(user)


def _erase_certificates(user: User) -> None:
    """The certificates area decides (docs/certificates.md): each record is kept, unlinked
    from the person, without the holder's name, and verifies as "withdrawn"."""
    from lms.models import BadgeIssuer, Certificate

    sess = db.session()
    try:
        from lms.certificates.services import delete_user_certificates
    except ImportError:  # pragma: no cover - the certificates area is optional
        delete_user_certificates = None
    if delete_user_certificates is not None:
        sess.commit()  # it commits itself; start it from a clean transaction
        delete_user_certificates(user)
    sess.execute(update(Certificate).where(Certificate.issued_by == user.id).values(issued_by=None))
    sess.execute(update(Certificate).where(Certificate.revoked_by == user.id).values(revoked_by=None))
    sess.execute(update(BadgeIssuer).where(BadgeIssuer.updated_by == user.id).values(updated_by=None))


register("certificates", tables=("lms_certificates", "lms_badge_issuer"), export=_certificates,
         erase=_erase_certificates, order=90,
         label=_l("Certificates"), keeps=_l("kept without the holder's name, unlinked; they verify as withdrawn"))


def _cohorts(user: User) -> list[dict]:
    from lms.trainer.privacy import export_memberships

    return export_memberships(user)


def _trains(user: User) -> list[dict]:
    rows = db.session().execute(
        select(Cohort.name, CohortTrainer.role, CohortTrainer.added_at)
        .join(CohortTrainer, CohortTrainer.cohort_id == Cohort.id).where(CohortTrainer.user_id == user.id)
    )
    return [{"cohort": n, "role": r, "added_at": a} for n, r, a in rows]


def _erase_cohorts(user: User) -> None:
    """Membership stays (the cohort's figures); the person stops being a trainer of any
    cohort; "created by" and "author" links are cleared (announcements stay for the cohort)."""
    sess = db.session()
    sess.execute(delete(CohortTrainer).where(CohortTrainer.user_id == user.id))
    sess.execute(update(Cohort).where(Cohort.created_by == user.id).values(created_by=None))
    sess.execute(update(Announcement).where(Announcement.author_id == user.id).values(author_id=None))


register("cohorts", tables=("lms_cohorts", "lms_cohort_members", "lms_cohort_trainers", "lms_announcements"),
         export=_cohorts, erase=_erase_cohorts,
         label=_l("Cohort memberships"), keeps=_l("memberships kept (cohort figures); trainer roles removed"))
register("cohorts_trained", export=_trains,
         label=_l("Cohorts trained"), keeps=_l("trainer roles removed"))


def _attendance(user: User) -> list[dict]:
    from lms.trainer.privacy import export_attendance

    return export_attendance(user)


def _erase_attendance(user: User) -> None:
    db.session().execute(update(Attendance).where(Attendance.recorded_by == user.id).values(recorded_by=None))


register("attendance", tables=("lms_attendance",), export=_attendance, erase=_erase_attendance,
         label=_l("Attendance"), keeps=_l("kept, linked to the anonymous account (attendance counts)"))


def _submissions(user: User) -> list[dict]:
    from lms.trainer.privacy import export_submissions

    return export_submissions(user)


def _erase_submissions(user: User) -> None:
    """The person's own exercise answers (text and files) are deleted with the comments on
    them; comments they wrote on other people's work stay, without their name."""
    sess = db.session()
    try:
        from lms.trainer.privacy import delete_user_files
    except ImportError:  # pragma: no cover - the trainer area is optional
        delete_user_files = None
    if delete_user_files is not None:
        delete_user_files(user)
    own = select(Submission.id).where(Submission.user_id == user.id)
    sess.execute(delete(SubmissionComment).where(SubmissionComment.submission_id.in_(own)))
    sess.execute(delete(Submission).where(Submission.user_id == user.id))
    sess.execute(update(Submission).where(Submission.reviewed_by == user.id).values(reviewed_by=None))
    sess.execute(update(SubmissionComment).where(SubmissionComment.author_id == user.id).values(author_id=None))


register("submissions", tables=("lms_submissions", "lms_submission_comments"), export=_submissions,
         erase=_erase_submissions,
         label=_l("Exercise submissions"), keeps=_l("deleted, with their files and comments"))


def _translation_reports(user: User) -> list[dict]:
    from lms.models.feedback import TranslationReport

    return _rows(TranslationReport, user, ["course_id", "lesson_key", "lang", "message", "created_at", "resolved"])


def _erase_translation_reports(user: User) -> None:
    from lms.models.feedback import TranslationReport

    db.session().execute(update(TranslationReport).where(TranslationReport.user_id == user.id).values(user_id=None))


register("translation_reports", tables=("lms_translation_reports",), export=_translation_reports,
         erase=_erase_translation_reports,
         label=_l("Translation problem reports"), keeps=_l("kept for the translators, unlinked from the person"))


__all__ = ["Provider", "register", "exporter", "providers", "covered_tables", "export_user", "erase_user", "is_erased",
           "ERASED_DOMAIN"]
