"""Analytics: figures aggregated in the database, filters, scopes, charts and exports."""
from __future__ import annotations

import base64
import csv
import io
import json
import math
import re
import statistics
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms import db
from lms.models import Cohort, CohortCourse, CohortMember, CohortTrainer, Enrolment, Lesson, LessonProgress, QuizAttempt, User

COURSE = "demo-course"
QUIZ = "demo-quiz"


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=timezone.utc)


@pytest.fixture
def quick_user(app):
    """Learners who never log in: no password hashing, so the tests stay fast."""
    counter = {"n": 0}

    def make(name: str = "", country: str | None = None, locale: str = "en", role: str = "learner") -> User:
        counter["n"] += 1
        with app.app_context():
            user = User(email=f"quick{counter['n']}@example.org", password_hash="!", display_name=name or f"Q{counter['n']}",
                        country=country, locale=locale, role=role)
            db.session().add(user)
            db.session().commit()
            return user

    return make


@pytest.fixture
def world(app, quick_user):
    """Four learners in the demo course, with known dates, progress and quiz attempts.

    ann (SE, sv): enrolled 2025-01-10, completed after 10 days
    bo (SE, sv): enrolled 2025-01-15, completed after 30 days
    cai (GL, kl): enrolled 2025-02-01, opened two lessons (2025-02-02), finished one, failed the quiz
    dag (NO, nb): enrolled 2025-03-01, never opened a lesson
    """
    people = {
        "ann": quick_user("Ann", "SE", "sv"),
        "bo": quick_user("Bo", "SE", "sv"),
        "cai": quick_user("Cai", "GL", "kl"),
        "dag": quick_user("Dag", "NO", "nb"),
    }
    with app.app_context():
        sess = db.session()
        lessons = {row.key: row.id for row in sess.scalars(select(Lesson).where(Lesson.course_id == COURSE))}

        def enrol(who, enrolled, completed=None, last=None):
            sess.add(Enrolment(user_id=people[who].id, course_id=COURSE, enrolled_at=at(enrolled),
                               completed_at=at(completed) if completed else None,
                               last_activity_at=at(last) if last else None, last_lesson_id=lessons["intro"] if last else None))

        def progress(who, key, day, done=True):
            sess.add(LessonProgress(user_id=people[who].id, lesson_id=lessons[key], course_id=COURSE, started_at=at(day, 9),
                                    last_seen_at=at(day, 10), completed_at=at(day, 10) if done else None, seconds_spent=300))

        enrol("ann", "2025-01-10", "2025-01-20", "2025-01-20")
        enrol("bo", "2025-01-15", "2025-02-14", "2025-02-14")
        enrol("cai", "2025-02-01", None, "2025-02-02")
        enrol("dag", "2025-03-01")
        for who, day in (("ann", "2025-01-20"), ("bo", "2025-02-14")):
            for key in ("intro", "details", "wrap-up"):
                progress(who, key, day)
        progress("cai", "intro", "2025-02-02")
        progress("cai", "details", "2025-02-02", done=False)
        sess.commit()
    return people


def attempt(app, user, answers: dict, number: int = 1, day: str = "2025-02-01") -> QuizAttempt:
    """A graded attempt whose results come from the real grader, as in production."""
    from lms.assessment.services import grade
    from lms.catalogue.services import catalog

    with app.app_context():
        quiz = catalog().quizzes[QUIZ]
        layout = [{"id": q["id"]} for q in quiz.questions]
        g = grade(quiz, layout, answers, "en", quiz.pass_mark)
        row = QuizAttempt(user_id=user.id, quiz_id=QUIZ, course_id=COURSE, number=number, status="graded",
                          started_at=at(day), submitted_at=at(day, 13), layout=layout, answers=answers,
                          results=g.results, score=g.score, max_score=g.max_score, percent=g.percent, passed=g.passed)
        db.session().add(row)
        db.session().commit()
        return row


def services_call(app, fn, *args):
    with app.test_request_context():  # a request: translated labels, the session of its app context
        return fn(*args)


@pytest.fixture
def admin_client(client, make_user, login):
    login(client, make_user(role="admin"))
    return client


# -- figures ---------------------------------------------------------------------------------------------


def test_overview_counts_enrolments_starts_completions_and_the_median(app, world):
    from lms.analytics import services

    ov = services_call(app, services.overview, services.Filters(), services.Scope(None))
    total = ov.total
    assert (total.enrolments, total.started, total.completed, total.active) == (4, 3, 2, 3)
    assert total.completion_rate == 0.5
    assert total.median_days == pytest.approx(20.0)  # median of 10 and 30 days
    assert [c.course_id for c in ov.courses] == [COURSE]
    months = {m["month"]: m for m in ov.months}
    assert [m["month"] for m in ov.months] == ["2025-01", "2025-02", "2025-03"]
    assert (months["2025-01"]["enrolments"], months["2025-01"]["completions"]) == (2, 1)
    assert (months["2025-02"]["enrolments"], months["2025-02"]["completions"]) == (1, 1)


def test_the_median_is_computed_in_the_database_for_odd_and_even_counts(app, quick_user):
    from lms.analytics import services

    scenarios = {1: [5.0], 2: [3.0, 9.0], 3: [1.0, 2.0, 40.0], 4: [4.0, 1.0, 7.0, 2.0, 30.0, 6.0]}
    with app.app_context():
        for month, days in scenarios.items():
            for d in days:
                start = at(f"2025-0{month}-01")
                db.session().add(Enrolment(user_id=quick_user().id, course_id=COURSE, enrolled_at=start,
                                           completed_at=start + timedelta(days=d)))
        db.session().commit()
    for month, days in scenarios.items():
        f = services.Filters(date_from=date(2025, month, 1), date_to=date(2025, month, 28))
        ov = services_call(app, services.overview, f, services.Scope(None))
        assert ov.total.median_days == pytest.approx(statistics.median(days)), days
        assert ov.courses[0].median_days == pytest.approx(statistics.median(days)), days
    everything = [d for days in scenarios.values() for d in days]
    assert services_call(app, services.overview, services.Filters(), services.Scope(None)).total.median_days == \
        pytest.approx(statistics.median(everything))


def test_filters_narrow_by_country_language_course_and_period(app, world):
    from lms.analytics import services

    def total(**kw):
        return services_call(app, services.overview, services.Filters(**kw), services.Scope(None)).total

    assert total(country="SE").enrolments == 2
    assert total(language="kl").enrolments == 1 and total(language="kl").completed == 0
    assert total(course="other-course").enrolments == 0
    jan = total(date_from=date(2025, 1, 1), date_to=date(2025, 1, 31))
    assert (jan.enrolments, jan.completed, jan.median_days) == (2, 2, pytest.approx(20.0))
    assert total(date_from=date(2025, 3, 1)).enrolments == 1
    assert total(date_from=date(1900, 1, 1), date_to=date(2999, 12, 31)).enrolments == 4


def test_active_learners_are_those_who_opened_a_lesson_in_the_period(app, world):
    from lms.analytics import services

    def active(**kw):
        return services_call(app, services.overview, services.Filters(**kw), services.Scope(None)).total.active

    assert active() == 3
    assert active(date_from=date(2025, 2, 1)) == 2  # bo (14 Feb) and cai (2 Feb)
    assert active(date_from=date(2025, 1, 1), date_to=date(2025, 1, 31)) == 1  # ann only; a past period
    assert active(date_from=date(2025, 2, 2), date_to=date(2025, 2, 2)) == 1  # cai


def test_monthly_figures_from_index_ranges_equal_those_from_grouping(app, world):
    from lms.analytics import services

    for f in (services.Filters(), services.Filters(date_from=date(2025, 1, 12), date_to=date(2025, 2, 20))):
        with app.test_request_context():
            by_ranges = {m: (e, c) for m, e, c in services._monthly_by_ranges(f) if e or c}
            by_grouping: dict[str, list[int]] = {}
            for m, e, c in services._monthly_by_grouping(f, None):
                by_grouping.setdefault(m, [0, 0])
                by_grouping[m][0] += e
                by_grouping[m][1] += c
        assert by_ranges == {m: tuple(v) for m, v in by_grouping.items() if any(v)}


def test_countries_and_languages_count_each_learner_once(app, world):
    from lms.analytics import services

    au = services_call(app, services.audience, services.Filters(), services.Scope(None))
    by_country = {g.key: g for g in au.countries}
    assert (by_country["SE"].learners, by_country["SE"].enrolments, by_country["SE"].completed) == (2, 2, 2)
    assert by_country["GL"].learners == 1 and by_country["NO"].started == 0
    assert {g.key: g.learners for g in au.languages} == {"sv": 2, "kl": 1, "nb": 1}


def test_the_funnel_follows_the_course_order_with_lessons_and_the_quiz(app, world):
    from lms.analytics import services
    from lms.catalogue.services import catalog

    attempt(app, world["ann"], {"q1": "a", "q3": True})
    attempt(app, world["ann"], {"q1": "a"}, number=2)  # a retake: the learner counts once
    attempt(app, world["cai"], {"q1": "b"})
    with app.test_request_context():
        fn = services.funnel(services.Filters(), services.Scope(None), catalog().course(COURSE))
    assert (fn.enrolled, fn.completed) == (4, 2)
    steps = [(s.kind, s.key, s.started, s.completed) for s in fn.steps]
    assert steps[0] == ("lesson", "intro", 3, 3)
    assert steps[1] == ("lesson", "details", 3, 2)
    assert steps[2][:3] == ("quiz", QUIZ, 2)
    assert steps[3] == ("lesson", "wrap-up", 2, 2)


def test_item_analysis_gives_facility_point_biserial_and_option_counts(app, quick_user):
    from lms.analytics import services
    from lms.catalogue.services import catalog

    answer_sets = [
        {"q1": "a", "q3": True, "q7": 7},
        {"q1": "a", "q3": True, "q7": 3},
        {"q1": "b", "q3": False, "q7": 7},
        {"q1": "c", "q3": True},
        {"q1": "a", "q3": False, "q7": 7},
    ]
    rows = [attempt(app, quick_user(), answers) for answers in answer_sets]
    attempt(app, quick_user(), {"q1": "c"}, number=2)  # retakes are left out
    with app.test_request_context():
        quiz = catalog().quizzes[QUIZ]
        ia = services.item_analysis(services.Filters(), services.Scope(None), quiz)
    assert ia.attempts == 5
    q1 = ia.items["q1"]
    assert (q1.presented, q1.answered) == (5, 5)
    assert q1.choices == {"a": 3, "b": 1, "c": 1}
    assert ia.items["q3"].choices == {"true": 3, "false": 2}
    assert ia.items["q7"].answered == 4
    # expected: Pearson's r between the item score and the rest of the quiz, computed here
    xs = [r.results["q1"]["score"] / r.results["q1"]["points"] for r in rows]
    ys = [(r.score - r.results["q1"]["score"]) / (r.max_score - r.results["q1"]["points"]) for r in rows]
    assert q1.facility == pytest.approx(statistics.mean(xs))
    assert q1.discrimination == pytest.approx(statistics.correlation(xs, ys))
    assert ia.mean_percent == pytest.approx(statistics.mean(r.percent for r in rows))


def test_item_analysis_uses_only_the_latest_first_attempts_up_to_the_sample(app, quick_user):
    from lms.analytics import services
    from lms.catalogue.services import catalog

    for n, answer in enumerate(["b", "b", "a", "a"]):
        attempt(app, quick_user(), {"q1": answer}, day=f"2025-03-0{n + 1}")
    with app.test_request_context():
        ia = services.item_analysis(services.Filters(), services.Scope(None), catalog().quizzes[QUIZ], sample=2)
    assert ia.attempts == 2 and ia.capped
    assert ia.items["q1"].choices == {"a": 2}
    assert ia.items["q1"].facility == pytest.approx(1.0)


# -- who sees what ---------------------------------------------------------------------------------------


@pytest.fixture
def cohorts(app, world, make_user, quick_user):
    """trainer Tia runs a cohort with ann and cai; another trainer's cohort has bo."""
    tia, other = make_user(role="trainer", name="Tia"), quick_user(role="trainer")
    with app.app_context():
        sess = db.session()
        mine = Cohort(name="Ilulissat pilot", country="GL", language="kl", join_code="TESTCODE1")
        theirs = Cohort(name="Ljusdal pilot", country="SE", language="sv", join_code="TESTCODE2")
        sess.add_all([mine, theirs])
        sess.flush()
        sess.add_all([
            CohortTrainer(cohort_id=mine.id, user_id=tia.id, role="owner"),
            CohortTrainer(cohort_id=theirs.id, user_id=other.id, role="owner"),
            CohortCourse(cohort_id=mine.id, course_id=COURSE), CohortCourse(cohort_id=theirs.id, course_id=COURSE),
            CohortMember(cohort_id=mine.id, user_id=world["ann"].id), CohortMember(cohort_id=mine.id, user_id=world["cai"].id),
            CohortMember(cohort_id=theirs.id, user_id=world["bo"].id),
        ])
        sess.commit()
        return {"tia": tia, "mine": mine.id, "theirs": theirs.id}


def test_a_trainer_sees_only_the_members_of_their_own_cohorts(app, client, login, cohorts):
    from lms.analytics import services

    with app.test_request_context():
        scope = services.scope_for(cohorts["tia"])
        ov = services.overview(services.Filters(), scope)
    assert scope.cohorts == (cohorts["mine"],)
    assert (ov.total.enrolments, ov.total.completed) == (2, 1)  # ann and cai, not bo or dag
    login(client, cohorts["tia"])
    html = client.get("/analytics/").get_data(as_text=True)
    assert "Ilulissat pilot" in html and "Ljusdal pilot" not in html


def test_a_trainer_cannot_open_another_trainers_cohort(client, login, cohorts):
    login(client, cohorts["tia"])
    assert client.get(f"/analytics/?cohort={cohorts['theirs']}").status_code in (400, 403)
    assert client.get(f"/analytics/export/courses.csv?cohort={cohorts['theirs']}").status_code in (400, 403)
    assert client.get(f"/analytics/?cohort={cohorts['mine']}").status_code == 200


def test_a_trainer_without_cohorts_sees_nothing(app, quick_user):
    from lms.analytics import services

    trainer = quick_user(role="trainer")
    with app.test_request_context():
        ov = services.overview(services.Filters(), services.scope_for(trainer))
    assert ov.total.enrolments == 0


def test_an_admin_filters_by_any_cohort(app, cohorts):
    from lms.analytics import services

    with app.test_request_context():
        ov = services.overview(services.Filters(cohort=cohorts["theirs"]), services.Scope(None))
    assert ov.total.enrolments == 1


def test_learners_cannot_open_analytics(learner_client):
    assert learner_client.get("/analytics/").status_code == 403
    assert learner_client.get("/analytics/export/courses.csv").status_code == 403


# -- pages, charts, exports --------------------------------------------------------------------------------


def test_every_page_shows_charts_as_svg_images_next_to_tables(admin_client, app, world):
    attempt(app, world["ann"], {"q1": "a", "q3": True})
    for path in ("/analytics/", "/analytics/audience", "/analytics/funnel", "/analytics/quizzes"):
        resp = admin_client.get(path)
        assert resp.status_code == 200, path
        html = resp.get_data(as_text=True)
        images = re.findall(r'<img class="chart" src="data:image/svg\+xml;base64,([^"]+)"', html)
        assert images, path
        for data in images:
            svg = base64.b64decode(data).decode("utf-8")
            assert svg.lstrip().startswith("<svg") and "<script" not in svg
        assert "<table" in html and "export/" in html
        assert "<script" not in html.split("<main", 1)[1]


def test_csv_export_is_excel_friendly_and_matches_the_table(admin_client, world):
    resp = admin_client.get("/analytics/export/courses.csv")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv" and "attachment" in resp.headers["Content-Disposition"]
    body = resp.data
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Course id", "Course", "Enrolments"]
    assert rows[1][0] == COURSE and rows[1][2] == "4"
    assert "Completion rate (%)" in rows[0] and rows[1][rows[0].index("Completion rate (%)")] == "50.0"


def test_csv_cells_that_would_run_as_formulas_are_quoted():
    from lms.analytics.export import safe_cell, to_csv
    from lms.analytics.report import Column, Table

    for bad in ("=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(bad) == "'" + bad
    assert safe_cell("Nuuk") == "Nuuk" and safe_cell(-0.25) == -0.25
    table = Table("t", "T", [Column("name", "=Name"), Column("n", "N", "int")], [{"name": "=cmd|' /C calc'!A0", "n": -3}])
    text = to_csv(table).decode("utf-8-sig")
    assert text.splitlines() == ["'=Name,N", "'=cmd|' /C calc'!A0,-3"]


def test_json_export_has_keys_fractions_and_the_filters(admin_client, world):
    resp = admin_client.get("/analytics/export/countries.json?country=SE")
    assert resp.status_code == 200
    data = json.loads(resp.data)
    assert data["table"] == "countries" and data["filters"] == {"country": "SE"}
    assert data["rows"] == [{"country": "SE", "country_name": "Sweden", "learners": 2, "enrolments": 2, "started": 2,
                             "completed": 2, "completion_rate": 1.0, "certificates": 0}]


def test_every_table_on_every_page_can_be_exported(admin_client, app, world):
    from lms.analytics.report import TABLE_PAGE

    attempt(app, world["ann"], {"q1": "a"})
    for table in TABLE_PAGE:
        for fmt in ("csv", "json"):
            assert admin_client.get(f"/analytics/export/{table}.{fmt}").status_code == 200, (table, fmt)
    assert admin_client.get("/analytics/export/nothing.csv").status_code == 404
    assert admin_client.get("/analytics/export/courses.xlsx").status_code == 404


def test_a_bad_filter_is_a_clear_400(admin_client):
    for query in ("course=no-such-course", "country=XX", "language=xx", "date_from=2025-02-01&date_to=2025-01-01",
                  "date_from=yesterday", "date_to=9999-12-31", "cohort=abc", "quiz=no-such-quiz"):
        page = "quizzes" if query.startswith("quiz") else ""
        resp = admin_client.get(f"/analytics/{page}?{query}")
        assert resp.status_code == 400, query
        assert "check the filters" in resp.get_data(as_text=True), query


def test_the_quiz_page_shows_flags_for_questions_to_review(admin_client, app, quick_user):
    # the strongest learners miss q3, the weakest get it right: negative discrimination
    for q1, q2, q3 in (("a", ["a", "b"], False), ("a", ["a", "b"], False), ("b", ["c"], True), ("c", ["c"], True)):
        attempt(app, quick_user(), {"q1": q1, "q2": q2, "q3": q3, "q4": {"p1": "p1", "p2": "p2", "p3": "p3"}})
    html = admin_client.get(f"/analytics/quizzes?quiz={QUIZ}").get_data(as_text=True)
    assert "check the answer key" in html
    assert "corrected point-biserial" in html


def test_navigation_links_to_analytics_for_trainers_and_admins(client, make_user, login):
    login(client, make_user(role="trainer"))
    assert "/analytics/" in client.get("/courses/").get_data(as_text=True)
    client.post("/account/logout")
    login(client, make_user(role="admin"))
    assert "/analytics/" in client.get("/admin/users").get_data(as_text=True)


def test_pearson_is_none_without_spread():
    from lms.analytics.services import _pearson

    assert _pearson(3, 3.0, 3.0, 1.0, 0.5, 1.0) is None
    r = _pearson(4, 2.0, 2.0, 2.0, 1.5, 1.5)  # x = 1,1,0,0 ; y = 1,0.5,0.5,0
    assert r is not None and -1 <= r <= 1 and not math.isnan(r)
