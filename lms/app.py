"""The standalone application factory (``wsgi.py`` and ``make run`` use it)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from lms.config import env_config
from lms.extension import LMS


def _secret_key(instance: Path) -> str:
    """LMS_SECRET_KEY, else a random key kept in instance/secret_key (never in the repo)."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the standalone LMS: defaults, instance config.py, environment, then ``config``."""
    from lms.config import PROJECT_ROOT

    app = Flask(
        __name__, instance_path=str(PROJECT_ROOT / "instance"), instance_relative_config=True, static_folder=None
    )
    app.config.update(
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="lms_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead; a long lesson must not expire a form
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(env_config(os.environ))
    if config:
        app.config.update(config)
    secure = app.config.get("LMS_SECURE_COOKIES", True)
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = app.config.get("LMS_SECRET_KEY") or _secret_key(Path(app.instance_path))

    LMS(app)

    from lms.errors import register_error_handlers

    register_error_handlers(app)
    return app
