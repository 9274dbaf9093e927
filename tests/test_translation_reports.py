"""Learners report translation problems from an unreviewed lesson; admins resolve them."""
from __future__ import annotations

from sqlalchemy import select

from lms import db
from lms.models import TranslationReport


def _nb_learner(learner_client):
    learner_client.post("/account/profile", data={"display_name": "N", "locale": "nb", "country": "", "organisation": ""})
    learner_client.post("/courses/demo-course/enrol")


def test_unreviewed_lesson_links_to_the_report_form(learner_client):
    _nb_learner(learner_client)
    html = learner_client.get("/learn/demo-course/intro").get_data(as_text=True)
    assert "/learn/demo-course/intro/translation-report" in html


def test_a_report_is_stored_with_the_language_shown(learner_client, app, learner):
    _nb_learner(learner_client)
    assert learner_client.get("/learn/demo-course/intro/translation-report").status_code == 200
    resp = learner_client.post("/learn/demo-course/intro/translation-report", data={"message": "Ordet 'klynge' er feil her."})
    assert resp.status_code == 302
    with app.app_context():
        row = db.session().scalar(select(TranslationReport))
        assert (row.lang, row.lesson_key, row.user_id) == ("nb", "intro", learner.id)


def test_an_empty_report_is_refused_with_a_message(learner_client, app):
    _nb_learner(learner_client)
    resp = learner_client.post("/learn/demo-course/intro/translation-report", data={"message": ""})
    assert resp.status_code == 400 and 'role="alert"' in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session().scalar(select(TranslationReport)) is None


def test_admin_sees_and_resolves_reports(learner_client, app, make_user, login):
    _nb_learner(learner_client)
    learner_client.post("/learn/demo-course/intro/translation-report", data={"message": "Feil ord."})
    admin = app.test_client()
    login(admin, make_user(role="admin"))
    assert "Feil ord." in admin.get("/admin/translation-reports").get_data(as_text=True)
    with app.app_context():
        report_id = db.session().scalar(select(TranslationReport.id))
    assert admin.post(f"/admin/translation-reports/{report_id}/resolve").status_code == 302
    with app.app_context():
        assert db.session().get(TranslationReport, report_id).resolved is True
    assert learner_client.get("/admin/translation-reports").status_code == 403
