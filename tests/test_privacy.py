"""Privacy requests: every table with a user column has a provider; export; erasure that
anonymises, keeps the statistics, deletes what the person wrote and can be repeated."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lms import db
from lms.models import (
    Attendance, Certificate, Cohort, CohortCourse, CohortMember, CohortSession, CohortTrainer, Enrolment, Lesson,
    LessonProgress, PasswordResetToken, QuizAttempt, SkillAssessment, Submission, SubmissionComment, TranslationReport, User,
)
from tests.conftest import PASSWORD

COURSE = "demo-course"
FILE_KEY = "ab" * 20


def test_every_table_with_a_user_column_has_a_privacy_provider():
    """A new feature cannot forget its data: a table that references lms_users needs a provider."""
    import lms.models  # noqa: F401  (every model on Base.metadata)
    from lms import privacy
    from lms.db import Base

    covered = privacy.covered_tables()
    missing = []
    for table in Base.metadata.sorted_tables:
        user_columns = [c.name for c in table.columns for fk in c.foreign_keys if fk.column.table.name == "lms_users"]
        if (user_columns or table.name == "lms_users") and table.name not in covered:
            missing.append(f"{table.name} ({', '.join(user_columns)})")
    assert not missing, "no privacy provider covers: " + "; ".join(missing) + " - register one in lms/privacy.py"
    for p in privacy.providers():
        assert p.export is not None, p.area
        assert str(p.label) and str(p.keeps), p.area


@pytest.fixture
def person(app, make_user, tmp_path):
    """A learner with data in every area, and a trainer whose cohort they joined."""
    app.config["LMS_UPLOAD_DIR"] = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / FILE_KEY).write_bytes(b"my SWOT")
    user = make_user(country="GL", locale="kl", name="Aviaja Kleist", organisation="Ilulissat Boats")
    now = datetime.now(timezone.utc)
    with app.app_context():
        # people who never log in here: no password hashing, so the tests stay fast
        trainer = User(email="trainer@example.org", password_hash="!", display_name="Trainer", role="trainer")
        other = User(email="other@example.org", password_hash="!", display_name="Other", country="GL", locale="kl")
        db.session().add_all([trainer, other])
        db.session().commit()
        from lms.assessment.services import grade
        from lms.catalogue.services import catalog
        from lms.certificates.services import issue_certificate

        sess = db.session()
        lessons = {r.key: r.id for r in sess.scalars(select(Lesson).where(Lesson.course_id == COURSE))}
        for who in (user, other):
            sess.add(Enrolment(user_id=who.id, course_id=COURSE, enrolled_at=now - timedelta(days=9),
                               completed_at=now - timedelta(days=1) if who is user else None, last_activity_at=now - timedelta(days=1)))
            sess.add(LessonProgress(user_id=who.id, lesson_id=lessons["intro"], course_id=COURSE, started_at=now - timedelta(days=2),
                                    last_seen_at=now - timedelta(days=1), completed_at=now - timedelta(days=1), seconds_spent=60))
            quiz = catalog().quizzes["demo-quiz"]
            answers = {"q1": "a", "q6": "Nordplus, says Aviaja from Ilulissat" if who is user else "Nordplus"}
            layout = [{"id": q["id"]} for q in quiz.questions]
            g = grade(quiz, layout, answers, "en", 60)
            sess.add(QuizAttempt(user_id=who.id, quiz_id=quiz.id, course_id=COURSE, number=1, status="graded", started_at=now,
                                 submitted_at=now, layout=layout, answers=answers, results=g.results, score=g.score,
                                 max_score=g.max_score, percent=g.percent, passed=g.passed))
        sess.add(SkillAssessment(user_id=user.id, context="general", answers={"r1": 2}, profile={"clusters": 25}))
        sess.add(PasswordResetToken(user_id=user.id, token_hash="f" * 64, expires_at=now + timedelta(hours=1)))
        cohort = Cohort(name="Ilulissat pilot", country="GL", language="kl", join_code="PRIVACY1", created_by=trainer.id)
        sess.add(cohort)
        sess.flush()
        sess.add_all([CohortTrainer(cohort_id=cohort.id, user_id=trainer.id, role="owner"), CohortCourse(cohort_id=cohort.id, course_id=COURSE),
                      CohortMember(cohort_id=cohort.id, user_id=user.id), CohortMember(cohort_id=cohort.id, user_id=other.id)])
        session = CohortSession(cohort_id=cohort.id, title="Half-day 1", starts_at=now)
        sess.add(session)
        sess.flush()
        sess.add(Attendance(session_id=session.id, user_id=user.id, status="present", recorded_by=trainer.id))
        sub = Submission(user_id=user.id, course_id=COURSE, lesson_id=lessons["intro"], text="Our boat tours ...",
                         file_name="swot.txt", file_key=FILE_KEY, file_size=7, file_type="text/plain")
        sess.add(sub)
        sess.flush()
        sess.add(SubmissionComment(submission_id=sub.id, author_id=trainer.id, body="Good start"))
        sess.add(TranslationReport(user_id=user.id, course_id=COURSE, lesson_key="intro", lang="kl", message="A typo"))
        sess.commit()
        cert = issue_certificate(sess.get(User, user.id), catalog().course(COURSE))
        assert cert is not None
    return {"user": user, "trainer": trainer, "other": other, "cohort": cohort.id, "uploads": tmp_path / "uploads"}


@pytest.fixture
def admin(make_user):
    return make_user(role="admin", name="Admin")


@pytest.fixture
def admin_client(client, admin, login):
    login(client, admin)
    return client


def _count(app, model, **where) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return db.session().scalar(stmt)


def _statistics(app) -> dict:
    """What the analytics pages show, for comparing before and after an erasure."""
    from lms.analytics import services
    from lms.catalogue.services import catalog

    with app.test_request_context():
        f, everyone = services.Filters(), services.Scope(None)
        ov = services.overview(f, everyone)
        au = services.audience(f, everyone)
        fn = services.funnel(f, everyone, catalog().course(COURSE))
        ia = services.item_analysis(f, everyone, catalog().quizzes["demo-quiz"])
        return {
            "total": (ov.total.enrolments, ov.total.started, ov.total.completed, ov.total.active, ov.total.median_days),
            "months": ov.months,
            "countries": [(g.key, g.learners, g.enrolments, g.completed) for g in au.countries],
            "languages": [(g.key, g.learners, g.enrolments, g.completed) for g in au.languages],
            "certificates by country": [(g.key, g.certificates) for g in au.countries],
            "funnel": [(s.key, s.started, s.completed) for s in fn.steps],
            "items": {k: (v.presented, v.answered, v.facility, v.choices) for k, v in ia.items.items()},
        }


def test_the_admin_page_lists_what_the_platform_holds(admin_client, person):
    html = admin_client.get(f"/admin/users/{person['user'].id}/privacy").get_data(as_text=True)
    for text in ("Aviaja Kleist", "Exercise submissions", "Certificates", "Download everything as JSON", "Erase this person"):
        assert text in html, text
    assert f"/admin/users/{person['user'].id}/privacy" in admin_client.get("/admin/users").get_data(as_text=True)


def test_an_admin_exports_everything_about_a_person_as_json(admin_client, person):
    resp = admin_client.get(f"/admin/users/{person['user'].id}/privacy/export.json")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    data = json.loads(resp.data)
    assert data["account"]["email"] == person["user"].email and data["account"]["organisation"] == "Ilulissat Boats"
    assert len(data["enrolments"]) == 1 and len(data["lesson_progress"]) == 1 and len(data["quiz_attempts"]) == 1
    assert data["submissions"][0]["text"] == "Our boat tours ..." and data["certificates"][0]["holder_name"] == "Aviaja Kleist"
    assert data["cohorts"][0]["cohort"] == "Ilulissat pilot" and data["attendance"][0]["status"] == "present"
    assert data["translation_reports"][0]["message"] == "A typo" and data["skill_assessments"]
    trainer = json.loads(admin_client.get(f"/admin/users/{person['trainer'].id}/privacy/export.json").data)
    assert trainer["cohorts_trained"][0]["role"] == "owner"


def test_erasure_needs_the_email_address_typed_again(admin_client, app, person):
    user = person["user"]
    resp = admin_client.post(f"/admin/users/{user.id}/privacy/erase", data={"email": "someone@example.org"})
    assert resp.status_code == 400 and "not the e-mail address" in resp.get_data(as_text=True)
    assert admin_client.post(f"/admin/users/{user.id}/privacy/erase", data={}).status_code == 400
    with app.app_context():
        assert db.session().get(User, user.id).email == user.email
    assert _count(app, Submission, user_id=user.id) == 1


def test_erasure_anonymises_the_account_and_keeps_the_statistics(admin_client, app, person):
    user = person["user"]
    before = _statistics(app)
    resp = admin_client.post(f"/admin/users/{user.id}/privacy/erase", data={"email": user.email.upper()})
    assert resp.status_code == 303
    with app.app_context():
        row = db.session().get(User, user.id)
        assert row.email.endswith("@erased.invalid") and row.email != user.email
        assert row.display_name.startswith("erased-") and row.organisation is None and not row.active
        assert row.session_token != user.session_token and row.password_hash != user.password_hash
        assert (row.country, row.locale) == ("GL", "kl")  # kept: the statistics by country and language
    after = _statistics(app)
    # Certificates are unlinked from the person (docs/privacy.md): they leave the per-country
    # counts but still count per month. Everything else is unchanged.
    assert dict(after.pop("certificates by country"))["GL"] == dict(before.pop("certificates by country"))["GL"] - 1
    assert after == before
    assert _count(app, Enrolment, user_id=user.id) == 1 and _count(app, LessonProgress, user_id=user.id) == 1
    assert _count(app, CohortMember, user_id=user.id) == 1 and _count(app, Attendance, user_id=user.id) == 1


def test_erasure_deletes_what_the_person_wrote(admin_client, app, person):
    user = person["user"]
    admin_client.post(f"/admin/users/{user.id}/privacy/erase", data={"email": user.email})
    assert _count(app, Submission, user_id=user.id) == 0 and _count(app, SubmissionComment) == 0
    assert not (person["uploads"] / FILE_KEY).exists()
    assert _count(app, SkillAssessment, user_id=user.id) == 0
    assert _count(app, PasswordResetToken, user_id=user.id) == 0
    assert _count(app, TranslationReport, user_id=user.id) == 0 and _count(app, TranslationReport) == 1
    with app.app_context():
        answers = db.session().scalar(select(QuizAttempt.answers).where(QuizAttempt.user_id == user.id))
        assert answers == {"q1": "a", "q6": ""}  # the typed answer is emptied, the chosen option stays
        other = db.session().scalar(select(QuizAttempt.answers).where(QuizAttempt.user_id == person["other"].id))
        assert other["q6"] == "Nordplus"


def test_erasure_withdraws_the_certificates_through_the_certificates_area(admin_client, app, person):
    user = person["user"]
    admin_client.post(f"/admin/users/{user.id}/privacy/erase", data={"email": user.email})
    with app.app_context():
        cert = db.session().scalar(select(Certificate))
        assert cert.user_id is None and cert.holder_name == "" and cert.status == "withdrawn"


def test_erasing_a_trainer_removes_their_role_and_authorship(admin_client, app, person):
    trainer = person["trainer"]
    admin_client.post(f"/admin/users/{trainer.id}/privacy/erase", data={"email": trainer.email})
    assert _count(app, CohortTrainer, user_id=trainer.id) == 0
    with app.app_context():
        sess = db.session()
        assert sess.get(Cohort, person["cohort"]).created_by is None
        assert sess.scalar(select(Attendance.recorded_by)) is None
        assert sess.scalar(select(SubmissionComment.author_id)) is None  # the learner keeps the feedback
    assert _count(app, SubmissionComment) == 1


def test_erasure_is_idempotent(admin_client, app, person):
    from lms import privacy

    user = person["user"]
    first = admin_client.post(f"/admin/users/{user.id}/privacy/erase", data={"email": user.email})
    second = admin_client.post(f"/admin/users/{user.id}/privacy/erase", data={"email": user.email})
    assert first.status_code == second.status_code == 303
    page = admin_client.get(f"/admin/users/{user.id}/privacy").get_data(as_text=True)
    assert "already been erased" in page and "has been erased" in page
    with app.app_context():
        row = db.session().get(User, user.id)
        email = row.email
        assert privacy.erase_user(row) is False
        assert db.session().get(User, user.id).email == email
    assert _count(app, User, id=user.id) == 1


def test_an_erased_person_is_signed_out_and_cannot_log_in(client, app, admin, login, person):
    from lms import privacy

    user = person["user"]
    login(client, user)
    assert client.get("/learn/").status_code == 200
    with app.app_context():
        assert privacy.erase_user(db.session().get(User, user.id), admin) is True
    assert client.get("/learn/").status_code == 302  # the old session cookie no longer loads the user
    resp = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert resp.status_code != 302


def test_an_admin_cannot_erase_their_own_account(admin_client, app, admin):
    resp = admin_client.post(f"/admin/users/{admin.id}/privacy/erase", data={"email": admin.email})
    assert resp.status_code == 400
    with app.app_context():
        assert db.session().get(User, admin.id).email == admin.email


def test_privacy_pages_are_for_admins_only(learner_client, learner):
    assert learner_client.get(f"/admin/users/{learner.id}/privacy").status_code == 403
    assert learner_client.get(f"/admin/users/{learner.id}/privacy/export.json").status_code == 403
    assert learner_client.post(f"/admin/users/{learner.id}/privacy/erase", data={"email": learner.email}).status_code == 403


def test_learners_still_download_their_own_data(learner_client, learner):
    data = json.loads(learner_client.get("/account/export.json").data)
    assert data["account"]["email"] == learner.email and "enrolments" in data


def test_an_area_registers_and_completes_its_provider_from_its_own_module():
    from lms import privacy

    try:
        privacy.register("test_area", tables=("lms_test_things",), label="Things", keeps="deleted")

        @privacy.exporter("test_area")
        def export_things(user):
            return ["thing"]

        p = next(p for p in privacy.providers() if p.area == "test_area")
        assert p.tables == ("lms_test_things",) and p.export is export_things and p.keeps == "deleted"
        assert "lms_test_things" in privacy.covered_tables()
    finally:
        privacy._PROVIDERS.pop("test_area", None)
