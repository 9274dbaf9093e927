"""Accounts: registration, authentication, passwords, reset tokens, profiles."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from lms import db
from lms.db import aware
from lms.models import PasswordResetToken, User
from lms.models.accounts import ROLES, new_session_token

# A constant hash to compare against when the e-mail is unknown, so timing does not reveal it.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


class AccountError(Exception):
    """A problem the user can fix; ``str(exc)`` is a translated message."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def get_user(user_id: int) -> User | None:
    return db.session().get(User, user_id)


def find_by_email(email: str) -> User | None:
    return db.session().scalar(select(User).where(User.email == normalise_email(email)))


def load_user_by_session_id(session_id: str) -> User | None:
    """Flask-Login loader: the id carries the session token, rotated at logout."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = get_user(int(user_id))
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def register_user(
    email: str,
    password: str,
    display_name: str,
    locale: str = "en",
    country: str | None = None,
    organisation: str | None = None,
    role: str = "learner",
) -> User:
    from flask_babel import gettext as _

    if role not in ROLES:
        raise ValueError(role)
    sess = db.session()
    user = User(
        email=normalise_email(email),
        password_hash=hash_password(password),
        display_name=display_name.strip(),
        locale=locale,
        country=country or None,
        organisation=(organisation or "").strip() or None,
        role=role,
    )
    sess.add(user)
    try:
        sess.commit()
    except IntegrityError as exc:
        sess.rollback()
        raise AccountError(_("An account with this e-mail address already exists.")) from exc
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.active or not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = datetime.now(timezone.utc)
    db.session().commit()
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session cookie of this user (logout, password change)."""
    user.session_token = new_session_token()
    db.session().commit()


def change_password(user: User, current: str, new: str) -> None:
    from flask_babel import gettext as _

    if not check_password_hash(user.password_hash, current):
        raise AccountError(_("Your current password is not correct."))
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()
    db.session().commit()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_reset_token(user: User, max_age: int) -> str:
    token = secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    db.session().add(
        PasswordResetToken(
            user_id=user.id, token_hash=_token_hash(token), created_at=now,
            expires_at=now + timedelta(seconds=max_age),
        )
    )
    db.session().commit()
    return token


def check_reset_token(token: str) -> PasswordResetToken:
    from flask_babel import gettext as _

    row = db.session().scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_hash(token or ""))
    )
    if row is None:
        raise AccountError(_("This password reset link is not valid."))
    if row.used_at is not None:
        raise AccountError(_("This password reset link has already been used. Ask for a new one."))
    if aware(row.expires_at) < datetime.now(timezone.utc):
        raise AccountError(_("This password reset link has expired. Ask for a new one."))
    return row


def reset_password(token: str, new_password: str) -> User:
    """Single use, also under a double submit: the token is claimed by a conditional UPDATE."""
    from flask_babel import gettext as _
    from sqlalchemy import update

    row = check_reset_token(token)
    sess = db.session()
    claimed = sess.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=datetime.now(timezone.utc))
    ).rowcount
    if not claimed:
        sess.rollback()
        raise AccountError(_("This password reset link has already been used. Ask for a new one."))
    user = sess.get(User, row.user_id)
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    sess.commit()
    return user


def update_profile(user: User, **fields) -> None:
    for key in ("display_name", "locale", "country", "organisation"):
        if key in fields:
            value = fields[key]
            if isinstance(value, str):
                value = value.strip() or None
            if key == "display_name" and not value:
                continue
            setattr(user, key, value)
    db.session().commit()


def set_role(user: User, role: str) -> None:
    if role not in ROLES:
        raise ValueError(role)
    user.role = role
    db.session().commit()


def list_users(q: str = "", limit: int = 200) -> list[User]:
    stmt = select(User).order_by(User.created_at.desc()).limit(limit)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(func.lower(User.email).like(like) | func.lower(User.display_name).like(like))
    return list(db.session().scalars(stmt))
