"""Who may use a view. Every LMS view declares it; the app refuses to start otherwise."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort, current_app, request
from flask_login import current_user

LEVELS = ("public", "learner", "trainer", "admin")


def access(level: str) -> Callable:
    """Declare and enforce who may call a view: public, learner (signed in), trainer or admin."""
    if level not in LEVELS:
        raise ValueError(f"unknown access level {level!r}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if level != "public":
                if not current_user.is_authenticated:
                    return current_app.login_manager.unauthorized()
                if level == "trainer" and not current_user.is_trainer:
                    abort(403)
                if level == "admin" and not current_user.is_admin:
                    abort(403)
            return view(*args, **kwargs)

        wrapped._lms_access = level  # type: ignore[attr-defined]
        return wrapped

    return decorate


def wants_json() -> bool:
    """True for API calls, which get JSON errors and 401 instead of a login redirect."""
    if request.blueprint and request.blueprint.endswith(".api"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
