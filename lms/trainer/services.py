"""Cohorts: who may see them, join codes, members and co-trainers, sessions, attendance and
announcements. Every function takes the acting user or an already checked cohort."""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from lms import db
from lms.trainer import timezones
from lms.db import insert_ignore, utcnow
from lms.extension import state
from lms.models import (
    Announcement, Attendance, Cohort, CohortCourse, CohortMember, CohortSession, CohortTrainer, Course, User,
)

log = logging.getLogger(__name__)

# Join codes: typeable and unambiguous (no 0/O, 1/I/L, U), 30^8 ≈ 6.6e11 codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
ATTENDANCE = ("present", "absent", "excused")


class CohortError(Exception):
    """A refused request; ``message`` is translated and shown to the user."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str | None) -> str:
    """What a learner typed: case, spaces and dashes do not matter."""
    return "".join(c for c in (text or "").upper() if c not in " -\t")


def display_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


# -- access ----------------------------------------------------------------------------------------


@dataclass
class CohortAccess:
    """A cohort the acting trainer may open, and what they may do in it."""

    cohort: Cohort
    role: str  # owner | co-trainer | admin

    @property
    def id(self) -> int:
        return self.cohort.id

    @property
    def manages_trainers(self) -> bool:
        return self.role in ("owner", "admin")


def cohort_for(user: User, cohort_id: int) -> CohortAccess:
    """The cohort if ``user`` trains it (or is an admin); otherwise 404, so ids reveal nothing."""
    sess = db.session()
    row = sess.execute(
        select(Cohort, CohortTrainer.role)
        .outerjoin(CohortTrainer, (CohortTrainer.cohort_id == Cohort.id) & (CohortTrainer.user_id == user.id))
        .where(Cohort.id == cohort_id)
    ).first()
    if row is None:
        raise NotFound()
    cohort, role = row
    if role is None:
        if not user.is_admin:
            raise NotFound()
        role = "admin"
    return CohortAccess(cohort, role)


@dataclass
class CohortSummary:
    cohort: Cohort
    role: str
    members: int
    course_ids: list[str] = field(default_factory=list)


def my_cohorts(user: User) -> list[CohortSummary]:
    """Cohorts the user trains (all cohorts for an admin), newest first, with member counts."""
    sess = db.session()
    stmt = (
        select(Cohort, CohortTrainer.role)
        .outerjoin(CohortTrainer, (CohortTrainer.cohort_id == Cohort.id) & (CohortTrainer.user_id == user.id))
        .order_by(Cohort.archived, Cohort.starts_on.desc().nulls_last(), Cohort.id.desc())
    )
    if not user.is_admin:
        stmt = stmt.where(CohortTrainer.user_id == user.id)
    rows = sess.execute(stmt).all()
    ids = [c.id for c, _r in rows]
    if not ids:
        return []
    counts = dict(sess.execute(
        select(CohortMember.cohort_id, func.count()).where(CohortMember.cohort_id.in_(ids)).group_by(CohortMember.cohort_id)
    ).all())
    courses: dict[int, list[str]] = {}
    for cid, course_id in sess.execute(select(CohortCourse.cohort_id, CohortCourse.course_id).where(CohortCourse.cohort_id.in_(ids))):
        courses.setdefault(cid, []).append(course_id)
    return [CohortSummary(c, role or "admin", counts.get(c.id, 0), sorted(courses.get(c.id, []))) for c, role in rows]


def course_ids(cohort_id: int) -> list[str]:
    return sorted(db.session().scalars(select(CohortCourse.course_id).where(CohortCourse.cohort_id == cohort_id)))


def is_running(cohort: Cohort, today: date | None = None) -> bool:
    today = today or datetime.now(timezone.utc).date()
    return not cohort.archived and (cohort.starts_on is None or cohort.starts_on <= today) and (
        cohort.ends_on is None or today <= cohort.ends_on
    )


# -- creating and editing ---------------------------------------------------------------------------


def _check_courses(ids: list[str]) -> list[str]:
    ids = sorted(set(ids))
    if not ids:
        raise CohortError(_("Choose at least one course."))
    known = set(db.session().scalars(select(Course.id).where(Course.id.in_(ids), Course.retired.is_(False))))
    if known != set(ids):
        raise CohortError(_("Choose courses from the list."))
    return ids


def create_cohort(
    user: User, *, name: str, courses: list[str], language: str, country: str | None,
    starts_on: date | None, ends_on: date | None, token: str,
) -> Cohort:
    """Create a cohort owned by ``user``; a repeated form token returns the cohort made the first time."""
    ids = _check_courses(courses)
    sess = db.session()
    for _attempt in range(5):
        try:
            inserted = insert_ignore(sess, Cohort, {
                "name": name.strip(), "country": country or None, "language": language, "starts_on": starts_on,
                "ends_on": ends_on, "join_code": new_code(), "created_by": user.id, "created_at": utcnow(),
                "archived": False, "request_token": token,
            }, ["request_token"])
            break
        except IntegrityError:  # the random join code exists already: draw again
            sess.rollback()
    else:  # pragma: no cover - five collisions in a 6.6e11 space
        raise CohortError(_("Please try again."), 409)
    cohort = sess.scalar(select(Cohort).where(Cohort.request_token == token))
    if not inserted:
        sess.commit()
        if cohort is None or cohort.created_by != user.id:
            raise CohortError(_("This form was already used. Please reload the page."), 409)
        return cohort
    for cid in ids:
        sess.add(CohortCourse(cohort_id=cohort.id, course_id=cid))
    sess.add(CohortTrainer(cohort_id=cohort.id, user_id=user.id, role="owner", added_at=utcnow()))
    sess.commit()
    log.info("cohort %s created by user %s", cohort.id, user.id)
    return cohort


def update_cohort(
    access: CohortAccess, *, name: str, courses: list[str], language: str, country: str | None,
    starts_on: date | None, ends_on: date | None,
) -> None:
    """Change the details; members are enrolled in courses added to the cohort."""
    ids = _check_courses(courses)
    sess = db.session()
    cohort = access.cohort
    sess.execute(update(Cohort).where(Cohort.id == cohort.id).values(
        name=name.strip(), language=language, country=country or None, starts_on=starts_on, ends_on=ends_on,
    ))
    old, new = set(course_ids(cohort.id)), set(ids)
    for cid in sorted(new - old):
        insert_ignore(sess, CohortCourse, {"cohort_id": cohort.id, "course_id": cid}, ["cohort_id", "course_id"])
    if old - new:
        sess.execute(delete(CohortCourse).where(CohortCourse.cohort_id == cohort.id, CohortCourse.course_id.in_(old - new)))
    sess.commit()
    if new - old:
        for member in members(cohort.id):
            _enrol(member, sorted(new - old))
    sess.refresh(cohort)


def regenerate_code(access: CohortAccess) -> str:
    """A new join code; the old one stops working at once."""
    sess = db.session()
    for _attempt in range(5):
        code = new_code()
        try:
            sess.execute(update(Cohort).where(Cohort.id == access.id).values(join_code=code))
            sess.commit()
            access.cohort.join_code = code
            return code
        except IntegrityError:
            sess.rollback()
    raise CohortError(_("Please try again."), 409)  # pragma: no cover


def set_archived(access: CohortAccess, archived: bool) -> None:
    sess = db.session()
    sess.execute(update(Cohort).where(Cohort.id == access.id).values(archived=archived))
    sess.commit()
    access.cohort.archived = archived


# -- members ---------------------------------------------------------------------------------------


def _enrol(user: User, course_ids: list[str]) -> None:
    from lms.learn.services import enrol

    for cid in course_ids:
        enrol(user, cid)


def members(cohort_id: int) -> list[User]:
    return list(db.session().scalars(
        select(User).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort_id).order_by(User.display_name, User.id)
    ))


def member_rows(cohort_id: int) -> list[tuple[User, datetime]]:
    return list(db.session().execute(
        select(User, CohortMember.joined_at).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort_id).order_by(User.display_name, User.id)
    ).all())


def member_of(access: CohortAccess, user_id: int) -> User:
    """A member of the cohort, or 404."""
    user = db.session().scalar(
        select(User).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == access.id, User.id == user_id)
    )
    if user is None:
        raise NotFound()
    return user


def _add_member(cohort: Cohort, user: User) -> bool:
    sess = db.session()
    added = insert_ignore(sess, CohortMember, {"cohort_id": cohort.id, "user_id": user.id, "joined_at": utcnow()}, ["cohort_id", "user_id"])
    sess.commit()
    # Enrol even on a repeat: it is idempotent, and repairs a course added while they were away.
    _enrol(user, course_ids(cohort.id))
    return added


def add_member(access: CohortAccess, email: str) -> tuple[User, bool]:
    """Add an existing account by e-mail; True when they were not a member yet."""
    from lms.auth.services import find_by_email

    user = find_by_email(email)
    if user is None or not user.active:
        raise CohortError(_("There is no account with this e-mail. Ask the person to register, then share the join code."), 404)
    return user, _add_member(access.cohort, user)


def remove_member(access: CohortAccess, user_id: int) -> bool:
    """Take a learner out of the cohort; their progress and enrolments stay theirs."""
    sess = db.session()
    gone = sess.execute(delete(CohortMember).where(CohortMember.cohort_id == access.id, CohortMember.user_id == user_id)).rowcount
    sess.commit()
    return bool(gone)


def cohort_by_code(code: str) -> Cohort | None:
    code = normalise_code(code)
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return db.session().scalar(select(Cohort).where(Cohort.join_code == code, Cohort.archived.is_(False)))


def join(user: User, code: str) -> tuple[Cohort, bool]:
    """A learner joins with a code (a repeat changes nothing) and is enrolled in its courses."""
    cohort = cohort_by_code(code)
    if cohort is None:
        raise CohortError(_("There is no group with this code. Check the code with your trainer."), 404)
    return cohort, _add_member(cohort, user)


def my_memberships(user: User) -> list[Cohort]:
    return list(db.session().scalars(
        select(Cohort).join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user.id).order_by(Cohort.starts_on.desc().nulls_last(), Cohort.id.desc())
    ))


# -- co-trainers -----------------------------------------------------------------------------------


def trainers(cohort_id: int) -> list[tuple[User, str]]:
    return list(db.session().execute(
        select(User, CohortTrainer.role).join(CohortTrainer, CohortTrainer.user_id == User.id)
        .where(CohortTrainer.cohort_id == cohort_id).order_by(CohortTrainer.role.desc(), User.display_name)
    ).all())


def add_co_trainer(access: CohortAccess, email: str) -> tuple[User, bool]:
    from lms.auth.services import find_by_email

    user = find_by_email(email)
    if user is None or not user.active or not user.is_trainer:
        raise CohortError(_("There is no trainer account with this e-mail. An administrator can give the person the trainer role."), 404)
    sess = db.session()
    added = insert_ignore(sess, CohortTrainer, {"cohort_id": access.id, "user_id": user.id, "role": "co-trainer", "added_at": utcnow()}, ["cohort_id", "user_id"])
    sess.commit()
    return user, added


def remove_co_trainer(access: CohortAccess, user_id: int) -> bool:
    """The owner (or an admin) removes a co-trainer; the owner cannot be removed."""
    if not access.manages_trainers:
        raise CohortError(_("Only the cohort's owner can remove co-trainers."), 403)
    sess = db.session()
    gone = sess.execute(delete(CohortTrainer).where(
        CohortTrainer.cohort_id == access.id, CohortTrainer.user_id == user_id, CohortTrainer.role == "co-trainer",
    )).rowcount
    sess.commit()
    if not gone:
        raise NotFound()
    return True


# -- sessions and attendance -----------------------------------------------------------------------


def sessions(cohort_id: int) -> list[CohortSession]:
    return list(db.session().scalars(
        select(CohortSession).where(CohortSession.cohort_id == cohort_id).order_by(CohortSession.starts_at, CohortSession.id)
    ))


def session_of(access: CohortAccess, session_id: int) -> CohortSession:
    row = db.session().scalar(select(CohortSession).where(CohortSession.id == session_id, CohortSession.cohort_id == access.id))
    if row is None:
        raise NotFound()
    return row




def add_session(access: CohortAccess, *, title: str, starts_at: datetime, minutes: int, location: str | None, token: str) -> bool:
    """Add once per form token; ``starts_at`` as typed: the group's local time (lms.trainer.timezones)."""
    sess = db.session()
    added = insert_ignore(sess, CohortSession, {
        "cohort_id": access.id, "title": title.strip(), "starts_at": timezones.to_utc(starts_at, access.cohort.country), "minutes": minutes,
        "location": (location or "").strip() or None, "request_token": token,
    }, ["request_token"])
    sess.commit()
    return added


def update_session(access: CohortAccess, row: CohortSession, *, title: str, starts_at: datetime, minutes: int,
                   location: str | None) -> None:
    """``starts_at`` as typed: the group's local time (lms.trainer.timezones)."""
    sess = db.session()
    sess.execute(update(CohortSession).where(CohortSession.id == row.id).values(
        title=title.strip(), starts_at=timezones.to_utc(starts_at, access.cohort.country), minutes=minutes, location=(location or "").strip() or None,
    ))
    sess.commit()


def delete_session(row: CohortSession) -> None:
    sess = db.session()
    sess.execute(delete(CohortSession).where(CohortSession.id == row.id))
    sess.commit()


def attendance(session_id: int) -> dict[int, str]:
    rows = db.session().execute(select(Attendance.user_id, Attendance.status).where(Attendance.session_id == session_id))
    return dict(rows.all())


def attendance_counts(session_ids: list[int]) -> dict[int, dict[str, int]]:
    if not session_ids:
        return {}
    out: dict[int, dict[str, int]] = {}
    for sid, status, n in db.session().execute(
        select(Attendance.session_id, Attendance.status, func.count())
        .where(Attendance.session_id.in_(session_ids)).group_by(Attendance.session_id, Attendance.status)
    ):
        out.setdefault(sid, {})[status] = n
    return out


def record_attendance(access: CohortAccess, row: CohortSession, recorder: User, marks: dict[int, str]) -> int:
    """Save present/absent/excused per member: one row per (session, learner), updated in place."""
    allowed = {u.id for u in members(access.id)}
    sess = db.session()
    now = utcnow()
    saved = 0
    for user_id, status in marks.items():
        if user_id not in allowed or status not in ATTENDANCE:
            continue
        insert_ignore(sess, Attendance, {
            "session_id": row.id, "user_id": user_id, "status": status, "recorded_by": recorder.id, "recorded_at": now,
        }, ["session_id", "user_id"])
        sess.execute(
            update(Attendance).where(Attendance.session_id == row.id, Attendance.user_id == user_id, Attendance.status != status)
            .values(status=status, recorded_by=recorder.id, recorded_at=now)
        )
        saved += 1
    sess.commit()
    return saved


# -- announcements ---------------------------------------------------------------------------------


def announcements(cohort_id: int, limit: int = 50) -> list[Announcement]:
    return list(db.session().scalars(
        select(Announcement).where(Announcement.cohort_id == cohort_id)
        .order_by(Announcement.created_at.desc(), Announcement.id.desc()).limit(limit)
    ))


def announcements_for(user: User, limit: int = 5) -> list[tuple[Announcement, str]]:
    """The latest announcements of the learner's cohorts, with the cohort's name."""
    return list(db.session().execute(
        select(Announcement, Cohort.name)
        .join(CohortMember, CohortMember.cohort_id == Announcement.cohort_id)
        .join(Cohort, Cohort.id == Announcement.cohort_id)
        .where(CohortMember.user_id == user.id)
        .order_by(Announcement.created_at.desc(), Announcement.id.desc()).limit(limit)
    ).all())


def post_announcement(access: CohortAccess, author: User, *, title: str, body: str, token: str) -> tuple[bool, int]:
    """Post once per form token and e-mail every member; returns (posted, mails sent)."""
    sess = db.session()
    posted = insert_ignore(sess, Announcement, {
        "cohort_id": access.id, "author_id": author.id, "title": title.strip(), "body": body.strip(),
        "created_at": utcnow(), "request_token": token,
    }, ["request_token"])
    sess.commit()
    if not posted:
        return False, 0
    return True, _mail_announcement(access.cohort, author, title.strip(), body.strip())


def _mail_announcement(cohort: Cohort, author: User, title: str, body: str) -> int:
    mail = state().mail
    link = url_for("lms.learn.dashboard", _external=True)
    sent = 0
    for member in members(cohort.id):
        # The wrapper text in the member's language; the trainer's own text as written.
        with force_locale(member.locale or "en"):
            subject = _("%(cohort)s: %(title)s", cohort=cohort.name, title=title)
            text = "\n\n".join([
                _("%(trainer)s posted an announcement to your group %(cohort)s:", trainer=author.display_name, cohort=cohort.name),
                title, body,
                _("You can also read it on your learning page: %(url)s", url=link),
            ])
        try:
            mail.send(member.email, subject, text)
            sent += 1
        except Exception:  # one unreachable address must not stop the others
            log.exception("announcement %s: mail to user %s failed", cohort.id, member.id)
    return sent
