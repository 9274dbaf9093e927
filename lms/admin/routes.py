"""Administration: users and roles, course publishing."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import access
from lms.admin import bp
from lms.admin.forms import PublishForm, RoleForm, role_label
from lms.auth import services as accounts
from lms.catalogue import services as catalogue


@bp.route("/")
@access("admin")
def index():
    return redirect(url_for("lms.admin.users"))


@bp.route("/users")
@access("admin")
def users():
    q = (request.args.get("q") or "")[:100]
    rows = accounts.list_users(q)
    forms = {}
    for u in rows:
        f = RoleForm(prefix=f"u{u.id}")
        f.role.data = u.role
        forms[u.id] = f
    return render_template("lms/admin/users.html", users=rows, forms=forms, q=q, role_label=role_label)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@access("admin")
def set_role(user_id: int):
    user = accounts.get_user(user_id)
    if user is None:
        abort(404)
    form = RoleForm(prefix=f"u{user_id}")
    if not form.validate_on_submit():
        flash(_("Choose a valid role."), "error")
        return redirect(url_for("lms.admin.users")), 303
    if user.id == current_user.id and form.role.data != "admin":
        flash(_("You cannot remove your own administrator role."), "error")
        return redirect(url_for("lms.admin.users"))
    accounts.set_role(user, form.role.data)
    flash(_("%(name)s is now: %(role)s.", name=user.display_name, role=role_label(form.role.data)), "success")
    return redirect(url_for("lms.admin.users"))


@bp.route("/courses")
@access("admin")
def courses():
    cards = catalogue.catalogue_courses(include_unpublished=True)
    return render_template("lms/admin/courses.html", courses=cards, form=PublishForm())


@bp.route("/courses/<course_id>/publish", methods=["POST"])
@access("admin")
def publish(course_id: str):
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    if not catalogue.set_published(course_id, form.published.data == "1"):
        abort(404)
    flash(_("The course is published.") if form.published.data == "1" else _("The course is unpublished."), "success")
    return redirect(url_for("lms.admin.courses"))


# -- privacy requests (GDPR): see lms/privacy.py and docs/privacy.md ---------------------------------


def _privacy_user(user_id: int):
    user = accounts.get_user(user_id)
    if user is None:
        abort(404)
    return user


def _privacy_page(user, form, status: int = 200):
    from lms import privacy

    data = privacy.export_user(user)
    areas = []
    for p in privacy.providers():
        if p.export is None:
            continue
        value = data.get(p.area)
        count = len(value) if isinstance(value, list) else (1 if value else 0)
        areas.append({"label": p.label, "count": count, "keeps": p.keeps})
    return render_template("lms/admin/privacy.html", user=user, areas=areas, form=form,
                           erased=privacy.is_erased(user)), status


@bp.route("/users/<int:user_id>/privacy")
@access("admin")
def privacy(user_id: int):
    """A person's data: what each area holds, a JSON export of all of it, and erasure."""
    from lms.admin.forms import EraseUserForm

    return _privacy_page(_privacy_user(user_id), EraseUserForm())


@bp.route("/users/<int:user_id>/privacy/export.json")
@access("admin")
def privacy_export(user_id: int):
    """Everything the LMS holds about one person, as a JSON download (a subject access request)."""
    import json
    import logging

    from flask import Response

    from lms import privacy as privacy_requests

    user = _privacy_user(user_id)
    logging.getLogger(__name__).info("privacy: export of user %s by admin %s", user.id, current_user.id)
    body = json.dumps({"user_id": user.id, **privacy_requests.export_user(user)}, ensure_ascii=False, indent=2, default=str)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename=user-{user.id}-data.json", "Cache-Control": "private, no-store"})


@bp.route("/users/<int:user_id>/privacy/erase", methods=["POST"])
@access("admin")
def privacy_erase(user_id: int):
    """Erase (anonymise) a person's data after the e-mail address is typed again; repeatable."""
    from lms import privacy as privacy_requests
    from lms.admin.forms import EraseUserForm

    user = _privacy_user(user_id)
    if privacy_requests.is_erased(user):
        flash(_("This person's data has already been erased."), "info")
        return redirect(url_for("lms.admin.privacy", user_id=user.id), 303)
    form = EraseUserForm()
    if not form.validate_on_submit():
        return _privacy_page(user, form, 400)
    if accounts.normalise_email(form.email.data or "") != user.email:
        form.email.errors.append(_("This is not the e-mail address of this account."))
        return _privacy_page(user, form, 400)
    if user.id == current_user.id:
        form.email.errors.append(_("You cannot erase your own account here; ask another administrator."))
        return _privacy_page(user, form, 400)
    if privacy_requests.erase_user(user, current_user):
        flash(_("The person's data is erased. The account is anonymous and can no longer be used."), "success")
    else:
        flash(_("This person's data has already been erased."), "info")
    return redirect(url_for("lms.admin.privacy", user_id=user.id), 303)
