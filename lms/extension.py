"""The ``LMS`` Flask extension: mounts the whole LMS into any Flask app."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, jsonify, redirect, request, url_for
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from lms import config as lms_config
from lms import db as lms_db
from lms.access import wants_json
from lms.mail import MailSender, make_sender

log = logging.getLogger(__name__)


@dataclass
class LMSState:
    """Per-app state, kept in ``app.extensions["lms"]`` (the extension never keeps the app)."""

    url_prefix: str
    engine: Engine
    sessionmaker: sessionmaker
    mail: MailSender
    content: Any = None  # lms.content.catalog.Catalog
    extra: dict[str, Any] = field(default_factory=dict)
    # course id -> (synced_at, lessons by key): see lms.learn.services.lesson_rows
    lesson_rows_cache: dict[str, Any] = field(default_factory=dict)


class LMS:
    """``LMS(app, url_prefix="/learn")`` or ``LMS().init_app(app, url_prefix=...)``."""

    def __init__(self, app: Flask | None = None, **options: Any) -> None:
        self.options = options
        if app is not None:
            self.init_app(app, **options)

    def init_app(self, app: Flask, url_prefix: str | None = None, **options: Any) -> None:
        opts = {**self.options, **options}
        if url_prefix is None:
            url_prefix = opts.get("url_prefix", app.config.get("LMS_URL_PREFIX", ""))
        url_prefix = (url_prefix or "").rstrip("/")
        if url_prefix and not url_prefix.startswith("/"):
            raise ValueError("url_prefix must start with '/'")
        if "lms" in app.extensions:
            raise RuntimeError("the LMS is already mounted on this app")

        for key, value in lms_config.DEFAULTS.items():
            app.config.setdefault(key, value)
        db_url = app.config.get("LMS_DATABASE_URL") or (
            "sqlite:///" + str(Path(app.instance_path) / "lms.sqlite3")
        )
        app.config["LMS_DATABASE_URL"] = db_url
        if not app.config.get("SECRET_KEY"):
            raise RuntimeError("the LMS needs app.config['SECRET_KEY'] (sessions, CSRF, tokens)")

        engine = lms_db.make_engine(db_url)
        state = LMSState(
            url_prefix=url_prefix,
            engine=engine,
            sessionmaker=lms_db.make_sessionmaker(engine),
            mail=make_sender(app.config, app.instance_path),
        )
        app.extensions["lms"] = state
        app.teardown_appcontext(lms_db.close_session)

        self._init_login(app)
        self._init_babel(app)
        self._init_limiter(app)
        self._register_blueprints(app, url_prefix)
        self._check_access_declared(app)

        from lms.cli import lms_cli

        app.cli.add_command(lms_cli)

        from lms.content.catalog import load_catalog

        if app.config["LMS_LOAD_CONTENT_ON_START"]:
            state.content = load_catalog(app.config, strict=bool(app.config["LMS_STRICT_CONTENT"]))
        else:
            state.content = None

    # -- pieces ------------------------------------------------------------------------------

    @staticmethod
    def _init_login(app: Flask) -> None:
        if getattr(app, "login_manager", None) is not None:
            raise RuntimeError(
                "this app already has a Flask-Login LoginManager; the LMS needs its own user loader"
            )
        manager = LoginManager()
        manager.login_view = "lms.auth.login"
        manager.login_message = _l("Please log in to open this page.")
        manager.login_message_category = "info"
        manager.session_protection = "basic"

        @manager.user_loader
        def load_user(user_id: str):
            from lms.auth.services import load_user_by_session_id

            return load_user_by_session_id(user_id)

        @manager.unauthorized_handler
        def unauthorized():
            from flask import flash

            if wants_json():
                return jsonify(error="unauthorized"), 401
            flash(manager.login_message, "info")
            nxt = request.full_path if request.query_string else request.path
            return redirect(url_for("lms.auth.login", next=nxt))

        manager.init_app(app)

    @staticmethod
    def _init_babel(app: Flask) -> None:
        from lms.i18n import select_locale, select_timezone

        app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
        dirs = app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations")
        ours = app.config["LMS_TRANSLATIONS_DIR"]
        if ours not in dirs.split(";"):
            app.config["BABEL_TRANSLATION_DIRECTORIES"] = f"{ours};{dirs}"
        if "babel" in app.extensions:
            log.info("the host app already has Flask-Babel; the LMS uses its locale selector")
            return
        Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
        from lms.i18n import request_translations as tr

        # Flask-Babel's template callables look the catalog up again on every call (~8 µs; a page
        # has 20-40 strings); these remember it for the request's current locale.
        app.jinja_env.install_gettext_callables(
            gettext=lambda s: tr().ugettext(s),
            ngettext=lambda s, p, n: tr().ungettext(s, p, n),
            newstyle=True,
            pgettext=lambda c, s: tr().upgettext(c, s),
            npgettext=lambda c, s, p, n: tr().unpgettext(c, s, p, n),
        )

    @staticmethod
    def _init_limiter(app: Flask) -> None:
        from lms.security import limiter

        app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["LMS_RATELIMIT_STORAGE_URI"])
        app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
        limiter.init_app(app)

    @staticmethod
    def _register_blueprints(app: Flask, url_prefix: str) -> None:
        import importlib

        from lms import security
        from lms.admin import bp as admin_bp
        from lms.analytics import bp as analytics_bp
        from lms.api import bp as api_bp
        from lms.assessment import bp as quiz_bp
        from lms.auth import bp as auth_bp
        from lms.catalogue import bp as catalogue_bp
        from lms.certificates import bp as certificates_bp
        from lms.core import bp as core_bp
        from lms.errors import register_error_handlers
        from lms.learn import bp as learn_bp
        from lms.trainer import bp as trainer_bp

        # Views live in each area's routes module; importing it attaches them to the area's bp.
        for area in ("core", "auth", "catalogue", "learn", "learn.feedback", "assessment", "admin", "api", "certificates", "trainer", "analytics"):
            importlib.import_module(f"lms.{area}" if "." in area else f"lms.{area}.routes")
        parent = Blueprint(
            "lms",
            __name__,
            template_folder="templates",
            static_folder="static",
            static_url_path="/static/lms",
        )
        for child in (core_bp, auth_bp, catalogue_bp, learn_bp, quiz_bp, admin_bp, api_bp, certificates_bp, trainer_bp, analytics_bp):
            parent.register_blueprint(child)
        security.install(parent)
        register_error_handlers(parent)

        @parent.context_processor
        def lms_context():
            from lms.i18n import template_context

            return template_context()

        app.register_blueprint(parent, url_prefix=url_prefix or None)

    @staticmethod
    def _check_access_declared(app: Flask) -> None:
        """Fail loudly at start-up when a view forgot to say who may use it."""
        missing = [
            endpoint
            for endpoint, view in app.view_functions.items()
            if endpoint.startswith("lms.")
            and endpoint != "lms.static"
            and not hasattr(view, "_lms_access")
        ]
        if missing:
            raise RuntimeError("LMS views without an access declaration: " + ", ".join(sorted(missing)))


def state(app: Flask | None = None) -> LMSState:
    from flask import current_app

    return (app or current_app).extensions["lms"]


__all__ = ["LMS", "LMSState", "state"]
