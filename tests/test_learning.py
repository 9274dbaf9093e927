"""Catalogue, enrolment, the lesson player, progress and completion."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from lms import db
from lms.models import Enrolment, LessonProgress


def _count(app, model, **where) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return db.session().scalar(stmt)


def test_catalogue_lists_filters_and_searches(client):
    html = client.get("/courses/").get_data(as_text=True)
    assert "Demo course" in html
    assert "Demo course" in client.get("/courses/?theme=clustering&level=beginner&duration=short").get_data(as_text=True)
    assert "Demo course" not in client.get("/courses/?theme=digital-skills").get_data(as_text=True)
    assert "Demo course" not in client.get("/courses/?duration=long").get_data(as_text=True)
    assert "Demo course" in client.get("/courses/?q=small+course").get_data(as_text=True)
    assert "Demo course" not in client.get("/courses/?q=knitting").get_data(as_text=True)
    # only English is complete (nb lacks two lessons)
    assert "Demo course" in client.get("/courses/?language=en").get_data(as_text=True)
    assert "Demo course" not in client.get("/courses/?language=nb").get_data(as_text=True)


def test_catalogue_searches_in_the_users_language(client):
    assert "Demo course" in client.get("/courses/").get_data(as_text=True)
    client.set_cookie("lms_lang", "nb")
    assert "Demokurs" in client.get("/courses/").get_data(as_text=True)  # not the cached English list
    html = client.get("/courses/?q=lite+kurs").get_data(as_text=True)
    assert "Demokurs" in html


def test_bad_filter_value_is_a_400_not_a_500(client):
    assert client.get("/courses/?theme=<script>").status_code == 400


def test_course_page_shows_outline_duration_languages(client):
    html = client.get("/courses/demo-course").get_data(as_text=True)
    for text in ("Introduction", "Details", "Wrap-up", "First module", "30 minutes", "English", "Log in to enrol"):
        assert text in html, text


def test_admin_unpublishes_a_course(make_user, login, client):
    admin = make_user(role="admin")
    assert "Demo course" in client.get("/courses/").get_data(as_text=True)  # rendered and cached
    login(client, admin)
    assert client.post("/admin/courses/demo-course/publish", data={"published": "0"}).status_code == 302
    client.post("/account/logout")
    assert "Demo course" not in client.get("/courses/").get_data(as_text=True)
    assert client.get("/courses/demo-course").status_code == 404


def test_enrol_is_idempotent(learner_client, app, learner):
    for _ in range(3):
        assert learner_client.post("/courses/demo-course/enrol").status_code == 302
    assert _count(app, Enrolment, user_id=learner.id) == 1


def test_lessons_need_enrolment(learner_client):
    resp = learner_client.get("/learn/demo-course/intro")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/courses/demo-course")


def test_mark_complete_twice_keeps_one_record_and_first_time(learner_client, app, learner):
    learner_client.post("/courses/demo-course/enrol")
    learner_client.get("/learn/demo-course/intro")
    learner_client.post("/learn/demo-course/intro/complete")
    with app.app_context():
        first = db.session().scalar(select(LessonProgress.completed_at))
    resp = learner_client.post("/learn/demo-course/intro/complete")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/learn/demo-course/details")
    assert _count(app, LessonProgress, user_id=learner.id) == 1
    with app.app_context():
        assert db.session().scalar(select(LessonProgress.completed_at)) == first


def test_lesson_player_has_outline_prev_next_and_works_without_js(learner_client):
    learner_client.post("/courses/demo-course/enrol")
    html = learner_client.get("/learn/demo-course/details").get_data(as_text=True)
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert "Course outline" in html and 'aria-current="page"' in html
    assert "<form method=\"post\" action=\"/learn/demo-course/details/complete\">" in html
    assert "<script" not in html


def test_fallback_language_is_shown_with_a_notice(learner_client, learner, app):
    learner_client.post("/account/profile", data={"display_name": "K", "locale": "kl", "country": "", "organisation": ""})
    learner_client.post("/courses/demo-course/enrol")
    html = learner_client.get("/learn/demo-course/details").get_data(as_text=True)
    assert '<p class="notice">' in html  # "not yet translated into Greenlandic", in Greenlandic
    assert "is not yet translated" not in html
    assert '<h1 lang="en">Details</h1>' in html


def test_translated_lesson_shows_unreviewed_notice(learner_client):
    learner_client.post("/account/profile", data={"display_name": "N", "locale": "nb", "country": "", "organisation": ""})
    learner_client.post("/courses/demo-course/enrol")
    html = learner_client.get("/learn/demo-course/intro").get_data(as_text=True)
    assert '<h1 lang="nb">Innledning</h1>' in html
    assert "not yet been reviewed" in html or "ikke" in html


def test_dashboard_offers_to_continue_where_the_learner_left_off(learner_client):
    learner_client.post("/courses/demo-course/enrol")
    learner_client.get("/learn/demo-course/details")
    html = learner_client.get("/learn/").get_data(as_text=True)
    assert "Continue where you left off" in html and "Details" in html
    resp = learner_client.get("/learn/demo-course/continue")
    assert resp.headers["Location"].endswith("/learn/demo-course/details")


def test_reading_time_is_recorded_without_javascript(learner_client, app, learner):
    from datetime import timedelta

    learner_client.post("/courses/demo-course/enrol")
    learner_client.get("/learn/demo-course/intro")
    with app.app_context():
        enr = db.session().scalar(select(Enrolment))
        enr.last_activity_at = enr.last_activity_at - timedelta(minutes=4)
        db.session().commit()
    learner_client.get("/learn/demo-course/details")
    with app.app_context():
        rows = {p.lesson_id: p.seconds_spent for p in db.session().scalars(select(LessonProgress))}
    assert sorted(rows.values())[-1] >= 240


def _pass_quiz(client, app):
    """Start the demo quiz and answer everything right by reading the layout on the server."""
    from lms.models import QuizAttempt

    resp = client.post("/quiz/demo-course/demo-quiz/start")
    attempt_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        attempt = db.session().get(QuizAttempt, attempt_id)
        layout = {item["id"]: item for item in attempt.layout}
    data = {}
    tok = {q: {oid: t for t, oid in layout[q]["options"]} for q in ("q1", "q2", "q3")}
    data["q-q1"] = tok["q1"]["a"]
    data["q-q2"] = [tok["q2"]["a"], tok["q2"]["b"]]
    data["q-q3"] = tok["q3"][True]
    matches = {pid: t for t, pid in layout["q4"]["matches"]}
    for t, pid in layout["q4"]["prompts"]:
        data[f"q-q4-{t}"] = matches[pid]
    order = {"s1": 1, "s2": 2, "s3": 3}
    for t, iid in layout["q5"]["items"]:
        data[f"q-q5-{t}"] = str(order[iid])
    data["q-q6"] = "nordplus"
    data["q-q7"] = "7"
    data["action"] = "submit"
    return client.post(f"/quiz/attempt/{attempt_id}", data=data), attempt_id


def test_course_completes_at_100_percent(learner_client, app, learner):
    learner_client.post("/courses/demo-course/enrol")
    for key in ("intro", "details", "wrap-up"):
        learner_client.get(f"/learn/demo-course/{key}")
        learner_client.post(f"/learn/demo-course/{key}/complete")
    progress = learner_client.get("/api/me/progress").get_json()["progress"][0]
    assert progress["percent"] == 75 and not progress["completed"]
    resp, _ = _pass_quiz(learner_client, app)
    assert resp.status_code == 302
    progress = learner_client.get("/api/me/progress").get_json()["progress"][0]
    assert progress["percent"] == 100 and progress["completed"]
    html = learner_client.get("/learn/").get_data(as_text=True)
    assert "100" in html and "Completed on" in html


def test_export_contains_enrolments_and_progress(learner_client):
    learner_client.post("/courses/demo-course/enrol")
    learner_client.post("/learn/demo-course/intro/complete")
    data = learner_client.get("/account/export.json").get_json()
    assert data["enrolments"][0]["course_id"] == "demo-course"
    assert data["lesson_progress"][0]["lesson"] == "intro"
    assert data["lesson_progress"][0]["completed_at"]


def test_concurrent_enrol_and_complete_never_duplicate(app, learner, login):
    clients = [app.test_client() for _ in range(8)]
    for c in clients:
        login(c, learner)
    barrier = threading.Barrier(len(clients))
    errors = []

    def hit(c, url):
        try:
            barrier.wait()
            r = c.post(url)
            if r.status_code != 302:
                errors.append(r.status_code)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    for url in ("/courses/demo-course/enrol", "/learn/demo-course/intro/complete"):
        threads = [threading.Thread(target=hit, args=(c, url)) for c in clients]
        [t.start() for t in threads]
        [t.join() for t in threads]
    assert errors == []
    assert _count(app, Enrolment, user_id=learner.id) == 1
    assert _count(app, LessonProgress, user_id=learner.id) == 1


def test_continue_goes_to_the_next_step_when_the_last_lesson_is_done(learner_client):
    learner_client.post("/courses/demo-course/enrol")
    for key in ("intro", "details"):
        learner_client.get(f"/learn/demo-course/{key}")
        learner_client.post(f"/learn/demo-course/{key}/complete")
    resp = learner_client.get("/learn/demo-course/continue")
    assert resp.headers["Location"].endswith("/quiz/demo-course/demo-quiz")


def test_concurrent_lesson_views_by_many_learners_all_succeed(app, make_user, login):
    """Lesson views read and then write progress: on SQLite they must queue, never fail."""
    clients = []
    for _ in range(8):
        c = app.test_client()
        login(c, make_user())
        c.post("/courses/demo-course/enrol")
        c.get("/learn/demo-course/intro")
        clients.append(c)
    barrier = threading.Barrier(len(clients))
    codes = []

    def view(c):
        barrier.wait()
        for key in ("details", "wrap-up", "intro"):
            codes.append(c.get(f"/learn/demo-course/{key}").status_code)

    threads = [threading.Thread(target=view, args=(c,)) for c in clients]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert codes == [200] * 24
    assert _count(app, LessonProgress) == 24
