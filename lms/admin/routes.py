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
