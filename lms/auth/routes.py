"""Account views: thin, they validate and call lms.auth.services."""
from __future__ import annotations

import json

from flask import Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from lms.access import access
from lms.auth import bp, services
from lms.auth.forms import (
    ChangePasswordForm, ConfirmForm, ForgotForm, LoginForm, ProfileForm, RegisterForm,
)
from lms.extension import state
from lms.i18n import COOKIE, current_lang
from lms.security import limiter, safe_next


def _login_limit() -> str:
    return current_app.config["LMS_LOGIN_RATE_LIMIT"]


def _start_session(user) -> None:
    # A fresh session at login defeats session fixation.
    session.clear()
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@access("public")
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Log in; ``next`` may only lead to a path on this site."""
    home = url_for("lms.learn.dashboard")
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, home))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("The e-mail or password is not correct."))
            return render_template("lms/auth/login.html", form=form), 401
        _start_session(user)
        flash(_("Welcome back, %(name)s.", name=user.display_name), "success")
        return redirect(safe_next(form.next.data, home))
    status = 400 if request.method == "POST" else 200
    return render_template("lms/auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@access("learner")
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        services.end_sessions(current_user._get_current_object())
        logout_user()
        session.clear()
        flash(_("You have logged out."), "info")
    return redirect(url_for("lms.core.home"))


@bp.route("/register", methods=["GET", "POST"])
@access("public")
@limiter.limit(_login_limit, methods=["POST"])
def register():
    form = RegisterForm()
    if request.method == "GET":
        form.locale.data = current_lang()
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = services.register_user(
                form.email.data, form.password.data, form.display_name.data,
                locale=form.locale.data, country=form.country.data,
                organisation=form.organisation.data,
            )
        except services.AccountError as exc:
            form.email.errors.append(str(exc))
            return render_template("lms/auth/register.html", form=form), 409
        _start_session(user)
        flash(_("Your account is ready. Welcome!"), "success")
        return redirect(safe_next(form.next.data, url_for("lms.learn.dashboard")))
    status = 400 if request.method == "POST" else 200
    return render_template("lms/auth/register.html", form=form), status


@bp.route("/profile", methods=["GET", "POST"])
@access("learner")
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.country.data = user.country or ""
    if form.validate_on_submit():
        services.update_profile(
            user, display_name=form.display_name.data, locale=form.locale.data,
            country=form.country.data, organisation=form.organisation.data,
        )
        flash(_("Your profile is saved."), "success")
        resp = redirect(url_for("lms.auth.profile"))
        resp.set_cookie(COOKIE, user.locale, max_age=365 * 86400, samesite="Lax", httponly=True)
        return resp
    status = 400 if request.method == "POST" else 200
    return render_template("lms/auth/profile.html", form=form, pw_form=ChangePasswordForm()), status


@bp.route("/password", methods=["POST"])
@access("learner")
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current.data, form.password.data)
        except services.AccountError as exc:
            form.current.errors.append(str(exc))
        else:
            # The token rotated: log this browser in again so only other sessions end.
            _start_session(user)
            flash(_("Your password is changed. Other devices have been logged out."), "success")
            return redirect(url_for("lms.auth.profile"))
    return render_template("lms/auth/profile.html", form=ProfileForm(obj=user), pw_form=form), 400


@bp.route("/forgot", methods=["GET", "POST"])
@access("public")
@limiter.limit(_login_limit, methods=["POST"])
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        user = services.find_by_email(form.email.data)
        if user is not None and user.active:
            token = services.create_reset_token(user, current_app.config["LMS_RESET_TOKEN_MAX_AGE"])
            link = url_for("lms.auth.reset", token=token, _external=True)
            with force_locale(user.locale or "en"):  # the account's language, not the requester's
                body = render_template("lms/email/reset.txt", user=user, link=link)
                subject = _("Reset your password")
            state().mail.send(user.email, subject, body)
        # The same answer whether or not the address exists.
        flash(_("If an account exists for that address, we have sent a link to reset the password."), "info")
        return redirect(url_for("lms.auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("lms/auth/forgot.html", form=form), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
@access("public")
def reset(token: str):
    from lms.auth.forms import ResetForm

    try:
        services.check_reset_token(token)
    except services.AccountError as exc:
        return render_template("lms/auth/reset_invalid.html", message=str(exc)), 410
    form = ResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except services.AccountError as exc:
            return render_template("lms/auth/reset_invalid.html", message=str(exc)), 410
        flash(_("Your password is changed. You can log in now."), "success")
        return redirect(url_for("lms.auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("lms/auth/reset.html", form=form), status


@bp.route("/export.json")
@access("learner")
def export():
    """Everything the learner's account holds, as a JSON download."""
    from lms.privacy import export_user

    data = export_user(current_user._get_current_object())
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=my-learning-data.json"},
    )
