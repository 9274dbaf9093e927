"""Locale selection and the template helpers for languages, dates and numbers."""
from __future__ import annotations

from flask import current_app, g, request
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale, get_translations
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms.config import LANGUAGES

COOKIE = "lms_lang"


def supported() -> list[str]:
    return list(current_app.config.get("LMS_LANGUAGES", list(LANGUAGES)))


def select_locale() -> str:
    """Profile, then cookie, then Accept-Language, then the default."""
    langs = supported()
    try:
        if current_user and current_user.is_authenticated and current_user.locale in langs:
            return current_user.locale
    except Exception:  # outside a request or before login is set up
        pass
    if request:
        cookie = request.cookies.get(COOKIE)
        if cookie in langs:
            return cookie
        best = request.accept_languages.best_match(langs + ["no", "nn"])
        if best in ("no", "nn"):
            return "nb"
        if best:
            return best
    return current_app.config.get("LMS_DEFAULT_LANGUAGE", "en")


def select_timezone() -> str:
    return "UTC"


def current_lang() -> str:
    loc = get_locale()
    return str(loc.language) if loc else "en"


def format_minutes(minutes: int) -> str:
    """'1 h 30 min' style durations, translated and with plural forms."""
    minutes = int(minutes or 0)
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return _("%(h)s h %(m)s min", h=format_decimal(hours), m=format_decimal(mins))
    if hours:
        return ngettext("%(num)s hour", "%(num)s hours", hours)
    return ngettext("%(num)s minute", "%(num)s minutes", mins)


def language_name(code: str) -> str:
    """The name of a language in the reader's language, for use inside sentences."""
    loc = get_locale()
    return (loc.languages.get(code) if loc else None) or LANGUAGES.get(code, code)


def template_context() -> dict:
    from flask_wtf.csrf import generate_csrf

    from lms.catalogue.forms import level_label, theme_label
    from lms.trainer.timezones import session_time

    return {
        "theme_label": theme_label,
        "level_label": level_label,
        "languages": LANGUAGES,
        "supported_languages": supported(),
        "current_lang": current_lang(),
        "csrf_token": generate_csrf,
        "format_date": format_date,
        "format_datetime": format_datetime,
        "format_decimal": format_decimal,
        "format_percent": format_percent,
        "format_minutes": format_minutes,
        "session_time": session_time,
        "language_name": language_name,
        "site_name": current_app.config["LMS_SITE_NAME"],
    }


def request_translations():
    """``flask_babel.get_translations()``, remembered for the request's current locale object.

    ``force_locale`` (e-mails in the recipient's language) and ``flask_babel.refresh`` put a new
    Locale object in place, so a changed locale is never served from the remembered catalog.
    """
    try:
        ns = g._flask_babel
    except (AttributeError, RuntimeError):
        return get_translations()
    hit = getattr(ns, "lms_translations", None)
    if hit is not None and hit[0] is getattr(ns, "babel_locale", None):
        return hit[1]
    translations = get_translations()  # sets ns.babel_locale when it was not set yet
    ns.lms_translations = (getattr(ns, "babel_locale", None), translations)
    return translations
