"""CSRF for every LMS POST, security headers, safe redirects and the login rate limiter."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, validate_csrf

limiter = Limiter(key_func=get_remote_address)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def is_safe_path(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no '//' or '/\\' tricks, no control chars."""
    if not target or not isinstance(target, str):
        return False
    if any(ord(c) < 32 or c == "\\" for c in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str) -> str:
    return target if is_safe_path(target) else default


def install(bp: Blueprint) -> None:
    @bp.before_request
    def csrf_protect():
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and current_app.config.get("WTF_CSRF_ENABLED", True):
            token = request.form.get("csrf_token") or request.headers.get("X-CSRFToken")
            try:
                validate_csrf(token)
            except Exception as exc:  # flask_wtf raises ValidationError with a reason
                raise CSRFError(str(exc)) from exc

    @bp.after_request
    def headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            h.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def require(condition: bool, status: int = 404) -> None:
    if not condition:
        abort(status)
