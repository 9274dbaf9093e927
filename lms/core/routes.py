"""Home page, language choice, health check."""
from __future__ import annotations

from flask import jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from lms import db
from lms.access import access
from lms.auth import services as accounts
from lms.core import bp
from lms.i18n import COOKIE, supported
from lms.security import safe_next


@bp.route("/")
@access("public")
def home():
    """Landing page: what this is, and the way in."""
    from lms.catalogue.services import catalogue_courses

    courses = catalogue_courses()[:6]
    return render_template("lms/home.html", courses=courses)


@bp.route("/language", methods=["POST"])
@access("public")
def set_language():
    """Store the language on the profile (signed in) and in a cookie (everyone)."""
    lang = request.form.get("lang", "")
    target = safe_next(request.form.get("next"), url_for("lms.core.home"))
    if lang not in supported():
        return redirect(target)
    if current_user.is_authenticated:
        accounts.update_profile(current_user._get_current_object(), locale=lang)
    resp = redirect(target)
    resp.set_cookie(COOKIE, lang, max_age=365 * 86400, samesite="Lax", httponly=True)
    return resp


@bp.route("/healthz")
@access("public")
def health():
    from sqlalchemy import text

    db.session().execute(text("SELECT 1"))
    return jsonify(status="ok")


@bp.route("/library/<page>")
@access("public")
def library(page: str):
    """Glossary and resource library, in the reader's language where translated."""
    from flask import abort

    from lms.content.lessons import library_page
    from lms.i18n import current_lang

    lang = current_lang()
    found = library_page(page, lang)
    if found is None:
        abort(404)
    page_obj, html, shown = found
    return render_template("lms/library.html", page=page_obj, html=html, shown=shown, requested=lang)
