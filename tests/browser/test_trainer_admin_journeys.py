"""Journey b: a trainer creates a cohort, a learner joins with the code and hands in an exercise,
the trainer sees the learner's progress and reviews the exercise.
Journey c: an admin opens analytics and downloads a CSV."""
from __future__ import annotations

import csv
import io
import uuid

PASSWORD = "correct horse battery"


def _account(live_app, role: str, name: str):
    from lms.auth import services

    with live_app.app_context():
        return services.register_user(f"{role}-{uuid.uuid4().hex[:8]}@example.org", PASSWORD, name, role=role)


def _login(j, user) -> None:
    page = j.page
    page.goto(j.base_url + "/account/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit], main form input[type=submit]")


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_trainer_runs_a_cohort_and_reviews_an_exercise(journey_factory, live_server, live_app):
    trainer = journey_factory("trainer")
    trainer.base_url = live_server.url
    learner = journey_factory("trainer-learner")
    learner.base_url = live_server.url
    _login(trainer, _account(live_app, "trainer", "Kirsten Trainer"))
    tp = trainer.page

    # the trainer creates a cohort for General digital skills
    tp.goto(trainer.base_url + "/trainer/cohorts/new")
    trainer.axe()
    tp.fill("#name", "Ilulissat pilot")
    tp.check("input[name=courses][value='general-digital-skills']")
    trainer.shot("new-cohort")
    _submit(tp, "main form button[type=submit], main form input[type=submit]")
    trainer.axe()
    code = tp.inner_text(".join-code").strip()
    cohort_url = tp.url
    trainer.shot("cohort")

    # a learner registers and joins with the code
    lp = learner.page
    _login(learner, _account(live_app, "learner", "Aputsiaq Learner"))
    lp.goto(learner.base_url + "/learn/join")
    learner.axe()
    lp.fill("#code", code)
    _submit(lp, "main form button[type=submit], main form input[type=submit]")
    # the learner reads the first lesson and hands in its exercise
    lp.goto(learner.base_url + "/learn/general-digital-skills/professional-website")
    learner.axe()
    lp.fill("textarea[name=text]", "Our website: opening hours, prices and a booking form in Greenlandic and Danish.")
    learner.shot("exercise")
    _submit(lp, "form[enctype] button[type=submit], form[enctype] input[type=submit]")
    with lp.expect_navigation():
        lp.click("form[action$='/complete'] button")

    # the trainer sees the learner in the progress grid and reviews the exercise
    tp.goto(cohort_url)
    trainer.axe()
    assert "Aputsiaq Learner" in tp.content()
    trainer.shot("progress-grid")
    tp.goto(cohort_url + "/submissions")
    trainer.axe()
    _submit(tp, "table a[href*='/submissions/']")
    trainer.axe()
    assert "booking form" in tp.content()
    tp.fill("textarea[name=body]", "Good start: add your prices in DKK.")
    _submit(tp, "form[action$='/comment'] input[type=submit]")
    _submit(tp, "form[action$='/complete'] button")
    trainer.shot("exercise-reviewed")
    from sqlalchemy import select

    from lms import db
    from lms.models import Submission

    with live_app.app_context():
        assert db.session().scalar(select(Submission.status).order_by(Submission.id.desc())) == "complete"
    # the learner sees the comment
    lp.goto(learner.base_url + "/learn/general-digital-skills/professional-website")
    assert "add your prices in DKK" in lp.content()
    assert trainer.violations == [] and learner.violations == [], trainer.violations + learner.violations


def test_admin_opens_analytics_and_downloads_a_csv(journey_factory, live_server, live_app):
    admin = journey_factory("admin")
    admin.base_url = live_server.url
    _login(admin, _account(live_app, "admin", "Ada Admin"))
    page = admin.page
    page.goto(admin.base_url + "/analytics/")
    admin.axe()
    admin.shot("analytics")
    with page.expect_download() as dl:
        page.click("a[href*='/export/'][href$='.csv'], a[href*='.csv?']")
    data = open(dl.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(data)))
    assert len(rows) >= 1 and len(rows[0]) >= 2
    assert admin.violations == [], admin.violations
