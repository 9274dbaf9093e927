"""Learners report problems in a translated lesson; admins see and resolve the reports."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select, update
from wtforms import TextAreaField

from lms import db
from lms.access import access
from lms.admin import bp as admin_bp
from lms.auth.forms import ConfirmForm
from lms.catalogue import services as catalogue
from lms.content.lessons import resolve_lang
from lms.i18n import current_lang, language_name
from lms.learn import bp
from lms.models import TranslationReport
from lms.validators import length, required


class ReportForm(FlaskForm):
    message = TextAreaField(
        _l("What is wrong?"), validators=[required(), length(max=2000)],
        description=_l("For example: a sentence that is hard to understand, a wrong term, or text that is not translated."),
    )


def create_report(user, course_id: str, lesson_key: str, lang: str, message: str) -> TranslationReport:
    report = TranslationReport(user_id=user.id, course_id=course_id, lesson_key=lesson_key, lang=lang, message=message.strip())
    db.session().add(report)
    db.session().commit()
    return report


@bp.route("/<slug>/<lesson_key>/translation-report", methods=["GET", "POST"])
@access("learner")
def report_translation(slug: str, lesson_key: str):
    """A short form: what is wrong with this translation? Works without JavaScript."""
    found = catalogue.get_course(slug)
    if found is None:
        abort(404)
    cdef, _row = found
    entry = cdef.lesson(lesson_key)
    if entry is None:
        abort(404)
    lang = resolve_lang(cdef, entry, current_lang())
    form = ReportForm()
    if form.validate_on_submit():
        create_report(current_user, cdef.id, lesson_key, lang, form.message.data)
        flash(_("Thank you. Your report goes to the people who review the translations."), "success")
        return redirect(url_for("lms.learn.lesson", slug=slug, lesson_key=lesson_key))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "lms/learn/report_translation.html", form=form, course=cdef, entry=entry,
        title=cdef.lesson_title(entry, lang), lang_label=language_name(lang),
    ), status


@admin_bp.route("/translation-reports")
@access("admin")
def translation_reports():
    rows = list(db.session().scalars(
        select(TranslationReport).order_by(TranslationReport.resolved, TranslationReport.created_at.desc()).limit(500)
    ))
    return render_template("lms/admin/translation_reports.html", rows=rows, form=ConfirmForm(), catalog=catalogue.catalog())


@admin_bp.route("/translation-reports/<int:report_id>/resolve", methods=["POST"])
@access("admin")
def resolve_translation_report(report_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    changed = db.session().execute(update(TranslationReport).where(TranslationReport.id == report_id).values(resolved=True)).rowcount
    db.session().commit()
    if not changed:
        abort(404)
    flash(_("Marked as resolved."), "success")
    return redirect(url_for("lms.admin.translation_reports"))
