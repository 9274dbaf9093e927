"""Issuing, verifying, revoking and re-issuing certificates. Every write is idempotent.

A certificate stores a snapshot of what it states and an HMAC-SHA256 over that snapshot, so
an edit made to the database behind the application's back shows as "invalid" when verified.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lms import db
from lms.content.catalog import BASE_LANG, CourseDef
from lms.db import aware, insert_ignore, utcnow
from lms.models import BadgeIssuer, Certificate, Enrolment, User

log = logging.getLogger(__name__)

# token_urlsafe(24) gives 32 characters; accept a little more for ids from other installs.
ID_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
ID_BYTES = 24  # 192 random bits
SIGNING_PURPOSE = b"lms.certificates.signature.v1"
REISSUED = "re-issued"
# Fields covered by the signature, in the canonical form's key order.
SIGNED_FIELDS = (
    "id", "holder_name", "course_id", "course_title", "completed_on", "study_minutes",
    "organisation", "signatory_name", "signatory_title", "issued_at",
)


class CertificateError(Exception):
    """A refused request, with a translated message and an HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def new_certificate_id() -> str:
    """An unguessable id: random bits only, never derived from the user or the course."""
    return secrets.token_urlsafe(ID_BYTES)


def iso_utc(dt: datetime) -> str:
    return aware(dt).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- signing ---------------------------------------------------------------------------------

def _signing_key() -> bytes:
    cfg = current_app.config
    explicit = cfg.get("LMS_CERT_SIGNING_KEY")
    if explicit:
        return str(explicit).encode("utf-8")
    secret = cfg["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else str(secret).encode("utf-8")
    # A key of its own: a signature never doubles as a session or CSRF token, and back.
    return hmac.new(secret, SIGNING_PURPOSE, hashlib.sha256).digest()


def canonical_content(record: Any) -> bytes:
    """The signed bytes: sorted-key compact JSON of the snapshot (a Certificate or a dict)."""
    get = record.get if isinstance(record, dict) else lambda k: getattr(record, k)
    data = {}
    for key in SIGNED_FIELDS:
        value = get(key)
        if key == "issued_at":
            value = iso_utc(value)
        elif key == "completed_on":
            value = value.isoformat()
        elif key == "study_minutes":
            value = int(value or 0)
        else:
            value = value or ""
        data[key] = value
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(record: Any) -> str:
    return hmac.new(_signing_key(), canonical_content(record), hashlib.sha256).hexdigest()


def signature_ok(cert: Certificate) -> bool:
    return hmac.compare_digest((cert.signature or "").encode(), sign(cert).encode())


# -- course titles, issuer profile, links ----------------------------------------------------

def catalog():
    from lms.catalogue.services import catalog as _catalog

    return _catalog()


def course_title(cdef: CourseDef, lang: str) -> str:
    """The course title in ``lang``, else along the language's fallback chain, else English."""
    chain = [lang] + list(current_app.config.get("LMS_FALLBACK_CHAINS", {}).get(lang, []))
    for code in chain:
        if code == BASE_LANG:
            break
        title = (cdef.translations.get(code) or {}).get("title")
        if title:
            return title
    return cdef.data["title"]


@dataclass
class IssuerProfile:
    name: str
    url: str = ""
    email: str = ""
    description: str = ""


def issuer_profile() -> IssuerProfile:
    """The issuer an administrator set on the admin page, else the configured organisation."""
    row = db.session().get(BadgeIssuer, 1)
    if row is not None:
        return IssuerProfile(row.name, row.url, row.email, row.description)
    cfg = current_app.config
    return IssuerProfile(
        cfg.get("LMS_CERT_ORGANISATION") or cfg["LMS_ORGANISATION"], cfg.get("LMS_BASE_URL") or ""
    )


def save_issuer_profile(admin: User, name: str, url: str, email: str, description: str) -> None:
    sess = db.session()
    values = {
        "name": name.strip(), "url": url.strip(), "email": email.strip(),
        "description": description.strip(), "updated_at": utcnow(), "updated_by": admin.id,
    }
    if not insert_ignore(sess, BadgeIssuer, {"id": 1, **values}, ["id"]):
        sess.execute(update(BadgeIssuer).where(BadgeIssuer.id == 1).values(**values))
    sess.commit()


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute link for PDFs and badges: ``LMS_BASE_URL`` if set, else the request's host."""
    base = current_app.config.get("LMS_BASE_URL")
    if base:
        if has_request_context():
            path = url_for(endpoint, **values)
        else:
            with current_app.test_request_context("/"):
                path = url_for(endpoint, **values)
        return base.rstrip("/") + path
    if not has_request_context():
        raise RuntimeError("set LMS_BASE_URL to build certificate links outside a web request")
    return url_for(endpoint, _external=True, **values)


def verify_url(cert_id: str) -> str:
    return absolute_url("lms.certificates.verify", cert_id=cert_id)


# -- issuing ---------------------------------------------------------------------------------

def _insert_if_absent(sess: Session, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING against the partial unique index of current certificates."""
    ins = pg_insert if sess.get_bind().dialect.name == "postgresql" else sqlite_insert
    return bool(sess.execute(ins(Certificate).values(**values).on_conflict_do_nothing()).rowcount)


def current_certificate(user_id: int, course_id: str) -> Certificate | None:
    return db.session().scalar(
        select(Certificate).where(
            Certificate.user_id == user_id, Certificate.course_id == course_id,
            Certificate.status != "superseded",
        )
    )


def _learner_lang(user: User) -> str:
    langs = list(current_app.config.get("LMS_LANGUAGES") or [])
    return user.locale if user.locale in langs else current_app.config.get("LMS_DEFAULT_LANGUAGE", "en")


def _snapshot(user: User, cdef: CourseDef, completed_at: datetime, issued_by: User | None,
              name_display: str = "full") -> dict[str, Any]:
    cfg = current_app.config
    lang = _learner_lang(user)
    values: dict[str, Any] = {
        "id": new_certificate_id(),
        "user_id": user.id,
        "course_id": cdef.id,
        "status": "valid",
        "holder_name": user.display_name,
        "course_title": course_title(cdef, lang)[:300],
        "completed_on": aware(completed_at).astimezone(timezone.utc).date(),
        # Study time is the course's estimated minutes: recorded reading time misses quizzes,
        # offline reading and half-day sessions, so it would understate the work.
        "study_minutes": cdef.estimated_minutes,
        "organisation": issuer_profile().name[:200],
        "signatory_name": (cfg.get("LMS_CERT_SIGNATORY_NAME") or "")[:200],
        "signatory_title": (cfg.get("LMS_CERT_SIGNATORY_TITLE") or "")[:200],
        "issued_at": utcnow().replace(microsecond=0),
        "lang": lang,
        "name_display": name_display,
        "issued_by": issued_by.id if issued_by is not None else None,
    }
    values["signature"] = sign(values)
    return values


def issue_certificate(user: User, cdef: CourseDef, issued_by: User | None = None) -> Certificate | None:
    """The learner's current certificate for a completed course, issued now if there is none.

    Safe to call any number of times, also concurrently: the partial unique index on
    (user, course) lets exactly one insert through. None while the course is not completed.
    """
    sess = db.session()
    completed_at = sess.scalar(
        select(Enrolment.completed_at).where(Enrolment.user_id == user.id, Enrolment.course_id == cdef.id)
    )
    if completed_at is None:
        return None
    existing = current_certificate(user.id, cdef.id)
    if existing is not None:
        return existing
    if _insert_if_absent(sess, _snapshot(user, cdef, completed_at, issued_by)):
        log.info("certificate issued: user %s, course %s", user.id, cdef.id)
    sess.commit()
    return current_certificate(user.id, cdef.id)


def ensure_certificates(user: User) -> None:
    """Issue any certificate a learner has earned but lacks (courses completed before
    certificates existed, or an issue that failed after completion was recorded)."""
    sess = db.session()
    rows = sess.execute(
        select(Enrolment.course_id)
        .outerjoin(Certificate, (Certificate.user_id == Enrolment.user_id)
                   & (Certificate.course_id == Enrolment.course_id) & (Certificate.status != "superseded"))
        .where(Enrolment.user_id == user.id, Enrolment.completed_at.is_not(None), Certificate.id.is_(None))
    ).scalars().all()
    for course_id in rows:
        cdef = catalog().course(course_id)
        if cdef is not None:
            issue_certificate(user, cdef)


@dataclass
class IssueResult:
    issued: list[str] = field(default_factory=list)  # new certificate ids
    existing: list[int] = field(default_factory=list)  # users who already had one
    not_completed: list[int] = field(default_factory=list)  # users who have not completed


def issue_for_users(course_id: str, user_ids: Iterable[int], issued_by: User | None = None) -> IssueResult:
    """Issue certificates for every listed user who has completed the course, in one action.

    Idempotent (users with a certificate are counted in ``existing``); no PDF is rendered here:
    PDFs are made on first download or by ``flask lms certificates render-pending``. The caller
    checks that ``issued_by`` may act for these users (e.g. owns the cohort).
    """
    cdef = catalog().course(course_id)
    if cdef is None:
        raise CertificateError(_("This course does not exist."), 404)
    wanted = sorted({int(u) for u in user_ids})
    result = IssueResult()
    if not wanted:
        return result
    sess = db.session()
    completed: dict[int, tuple[User, datetime]] = {}
    have: set[int] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        for user, completed_at in sess.execute(
            select(User, Enrolment.completed_at)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.course_id == course_id, User.id.in_(chunk), Enrolment.completed_at.is_not(None))
        ):
            completed[user.id] = (user, completed_at)
        have.update(sess.scalars(
            select(Certificate.user_id).where(
                Certificate.course_id == course_id, Certificate.user_id.in_(chunk),
                Certificate.status != "superseded",
            )
        ))
    for uid in wanted:
        if uid not in completed:
            result.not_completed.append(uid)
        elif uid in have:
            result.existing.append(uid)
        else:
            user, completed_at = completed[uid]
            values = _snapshot(user, cdef, completed_at, issued_by)
            if _insert_if_absent(sess, values):
                result.issued.append(values["id"])
            else:  # issued by a concurrent request in the meantime
                result.existing.append(uid)
    sess.commit()
    log.info("certificates for course %s: %s issued, %s existing, %s not completed",
             course_id, len(result.issued), len(result.existing), len(result.not_completed))
    return result


# -- reading ---------------------------------------------------------------------------------

def get_certificate(cert_id: str) -> Certificate | None:
    """Exact lookup by primary key; a malformed id is simply unknown."""
    if not isinstance(cert_id, str) or not ID_RE.match(cert_id):
        return None
    return db.session().get(Certificate, cert_id)


def certificate_for_viewer(cert_id: str, viewer: User) -> Certificate | None:
    """The certificate if ``viewer`` is its holder or an administrator; else None (a 404)."""
    cert = get_certificate(cert_id)
    if cert is None or not (viewer.is_admin or (cert.user_id is not None and cert.user_id == viewer.id)):
        return None
    return cert


def my_certificates(user: User) -> list[Certificate]:
    return list(db.session().scalars(
        select(Certificate)
        .where(Certificate.user_id == user.id, Certificate.status != "superseded")
        .order_by(Certificate.issued_at.desc())
    ))


def initials(name: str) -> str:
    """'Aputsiaq Ōlsen-Hansen' -> 'A. Ō.-H.'"""
    parts = []
    for word in name.split():
        pieces = [p for p in word.split("-") if p]
        if pieces:
            parts.append("-".join(p[0].upper() + "." for p in pieces))
    return " ".join(parts)


def shown_name(cert: Certificate) -> str:
    """The holder's name as the learner chose to show it publicly."""
    if not cert.holder_name:
        return ""
    return initials(cert.holder_name) if cert.name_display == "initials" else cert.holder_name


def set_name_display(user: User, cert_id: str, choice: str) -> bool:
    if choice not in ("full", "initials"):
        raise CertificateError(_("Choose how your name is shown."))
    sess = db.session()
    changed = sess.execute(
        update(Certificate)
        .where(Certificate.id == cert_id, Certificate.user_id == user.id)
        .values(name_display=choice)
    ).rowcount
    sess.commit()
    return bool(changed)


@dataclass
class Verification:
    cert: Certificate
    status: str  # valid | revoked | superseded | withdrawn | invalid

    @property
    def valid(self) -> bool:
        return self.status == "valid"


def verify(cert_id: str) -> Verification | None:
    """What the public may know about a certificate; None for an unknown id."""
    cert = get_certificate(cert_id)
    if cert is None:
        return None
    return Verification(cert, cert.status if signature_ok(cert) else "invalid")


def status_text(status: str) -> str:
    return {
        "valid": _("Valid"),
        "revoked": _("Revoked"),
        "superseded": _("Replaced by a re-issued certificate"),
        "withdrawn": _("Withdrawn at the holder's request"),
        "invalid": _("Not valid: the record does not match its signature"),
    }.get(status, status)


def reason_text(cert: Certificate) -> str | None:
    if cert.status == "superseded" or cert.revoked_reason == REISSUED:
        return _("The certificate was re-issued, for example after a change of name.")
    if cert.status == "withdrawn":
        return None  # the status says it all; nothing more about the holder is kept
    return cert.revoked_reason


def verification_json(v: Verification) -> dict[str, Any]:
    """The machine-readable verification: status and what the certificate states, no e-mail,
    no user id; the holder's name as they chose to show it."""
    cert = v.cert
    out: dict[str, Any] = {
        "id": cert.id,
        "status": v.status,
        "valid": v.valid,
        "verification_url": verify_url(cert.id),
    }
    if v.status == "invalid":
        out["message"] = status_text("invalid")
        return out
    out.update({
        "holder": shown_name(cert) or None,
        "course": {"id": cert.course_id, "title": cert.course_title},
        "completed_on": cert.completed_on.isoformat(),
        "study_minutes": cert.study_minutes,
        "study_hours": round(cert.study_minutes / 60, 2),
        "organisation": cert.organisation,
        "signatory": {"name": cert.signatory_name, "title": cert.signatory_title} if cert.signatory_name else None,
        "issued_at": iso_utc(cert.issued_at),
        "language": cert.lang,
    })
    if v.status != "valid":
        out["revoked_at"] = iso_utc(cert.revoked_at) if cert.revoked_at else None
        out["reason"] = reason_text(cert)
    return out


# -- administration --------------------------------------------------------------------------

def search_certificates(q: str = "", status: str = "", limit: int = 200) -> list[Certificate]:
    stmt = select(Certificate).order_by(Certificate.issued_at.desc()).limit(limit)
    q = (q or "").strip()
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(
            Certificate.id == q,
            Certificate.course_id == q,
            func.lower(Certificate.holder_name).like(like),
            func.lower(Certificate.course_title).like(like),
        ))
    if status:
        stmt = stmt.where(Certificate.status == status)
    return list(db.session().scalars(stmt))


def revoke(admin: User, cert_id: str, reason: str) -> bool:
    """Revoke a valid certificate; the reason is shown on the public verification page.
    A repeat (double submit) changes nothing and returns False."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Give a reason for the revocation."))
    sess = db.session()
    changed = sess.execute(
        update(Certificate)
        .where(Certificate.id == cert_id, Certificate.status == "valid")
        .values(status="revoked", revoked_at=utcnow(), revoked_reason=reason[:300], revoked_by=admin.id)
    ).rowcount
    sess.commit()
    return bool(changed)


def reissue(admin: User, cert_id: str) -> Certificate:
    """Replace a valid certificate with a new one (new id) carrying the holder's current name;
    the old one is marked superseded with the reason "re-issued". Concurrent re-issues of the
    same certificate produce one new certificate."""
    sess = db.session()
    old = get_certificate(cert_id)
    if old is None:
        raise CertificateError(_("This certificate does not exist."), 404)
    if old.status != "valid" or old.user_id is None:
        raise CertificateError(_("Only a valid certificate of an existing account can be re-issued."), 409)
    user = sess.get(User, old.user_id)
    cdef = catalog().course(old.course_id)
    if user is None or cdef is None:
        raise CertificateError(_("Only a valid certificate of an existing account can be re-issued."), 409)
    completed_at = datetime.combine(old.completed_on, datetime.min.time(), tzinfo=timezone.utc)
    values = _snapshot(user, cdef, completed_at, admin, name_display=old.name_display)
    # The old record leaves the unique "current" slot first, in the same transaction; a second
    # request finds it no longer valid and changes nothing.
    changed = sess.execute(
        update(Certificate)
        .where(Certificate.id == old.id, Certificate.status == "valid")
        .values(status="superseded", revoked_at=utcnow(), revoked_reason=REISSUED,
                revoked_by=admin.id, superseded_by=values["id"])
    ).rowcount
    if not changed:
        sess.rollback()
        current = current_certificate(old.user_id, old.course_id)
        if current is None:
            raise CertificateError(_("Only a valid certificate of an existing account can be re-issued."), 409)
        return current
    _insert_if_absent(sess, values)
    sess.commit()
    log.info("certificate %s re-issued as a new certificate for user %s", old.id[:6], user.id)
    return sess.get(Certificate, values["id"])


@dataclass
class CourseRow:
    user: User
    completed_at: datetime | None
    certificate: Certificate | None


def course_overview(course_id: str) -> list[CourseRow]:
    """Every learner enrolled in a course, with completion and current certificate."""
    rows = db.session().execute(
        select(User, Enrolment.completed_at, Certificate)
        .join(Enrolment, Enrolment.user_id == User.id)
        .outerjoin(Certificate, (Certificate.user_id == User.id) & (Certificate.course_id == course_id)
                   & (Certificate.status != "superseded"))
        .where(Enrolment.course_id == course_id)
        .order_by(Enrolment.completed_at.desc().nulls_last(), User.display_name)
    )
    return [CourseRow(u, c, cert) for u, c, cert in rows]


def completed_user_ids(course_id: str) -> list[int]:
    return list(db.session().scalars(
        select(Enrolment.user_id).where(Enrolment.course_id == course_id, Enrolment.completed_at.is_not(None))
    ))


# -- privacy ---------------------------------------------------------------------------------

def export_certificates(user: User) -> list[dict[str, Any]]:
    rows = db.session().scalars(
        select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.issued_at)
    )
    return [
        {"id": c.id, "course_id": c.course_id, "course_title": c.course_title, "holder_name": c.holder_name,
         "completed_on": c.completed_on, "study_minutes": c.study_minutes, "organisation": c.organisation,
         "issued_at": c.issued_at, "status": c.status, "name_display": c.name_display, "language": c.lang,
         "revoked_reason": c.revoked_reason}
        for c in rows
    ]


def delete_user_certificates(user: User) -> int:
    """Before an account is deleted: keep each certificate record but anonymise it.

    The holder's name is erased, the record is unlinked from the user and marked "withdrawn"
    (re-signed, so it verifies as withdrawn rather than as tampered), and cached PDFs are
    removed. Someone holding an old PDF learns that the certificate was withdrawn at the
    holder's request instead of an "unknown id" that would look like a forgery. Returns the
    number of certificates anonymised. See docs/certificates.md.
    """
    from lms.certificates.pdf import forget_pdfs

    sess = db.session()
    certs = list(sess.scalars(select(Certificate).where(Certificate.user_id == user.id)))
    now = utcnow()
    for cert in certs:
        cert.user_id = None
        cert.holder_name = ""
        cert.name_display = "full"
        if cert.status != "superseded":
            cert.status = "withdrawn"
            cert.revoked_reason = None
        cert.revoked_at = cert.revoked_at or now
        cert.signature = sign(cert)
    sess.commit()
    for cert in certs:
        forget_pdfs(cert.id)
    return len(certs)
