"""Quizzes: grading on the server, no answers in the page, attempts that cannot be tampered with."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms import db
from lms.assessment.types import AnswerError, get_type, normalise_text
from lms.models import QuizAttempt
from tests.test_learning import _pass_quiz


def _T(q):
    def T(*path, default="", raw=False):
        return default if raw else (q.get(path[0]) if len(path) == 1 and isinstance(q.get(path[0]), str) else default or "x")
    return T


# -- question types -------------------------------------------------------------------------

def test_multiple_response_partial_and_all_or_nothing():
    q = {"type": "multiple", "options": [{"id": "a", "correct": True}, {"id": "b", "correct": True}, {"id": "c"}]}
    t = get_type("multiple")
    assert t.grade(q, ["a", "b"], _T(q), "en").score == 1.0
    assert t.grade(q, ["a"], _T(q), "en").score == 0.0
    q["scoring"] = "partial"
    assert t.grade(q, ["a"], _T(q), "en").score == 0.5
    assert t.grade(q, ["a", "c"], _T(q), "en").score == 0.0
    assert t.grade(q, ["a", "b", "c"], _T(q), "en").score == 0.5


def test_weighted_options_sum_and_clamp():
    q = {"type": "multiple", "options": [{"id": "a", "weight": 50, "correct": True}, {"id": "b", "weight": 50, "correct": True}, {"id": "c", "weight": -100}]}
    t = get_type("multiple")
    assert t.grade(q, ["a"], _T(q), "en").score == 0.5
    assert t.grade(q, ["a", "b"], _T(q), "en").score == 1.0
    assert t.grade(q, ["a", "c"], _T(q), "en").score == 0.0


def test_short_text_ignores_case_and_accents_unless_asked():
    assert normalise_text("  Ærøskøbing  Café ", False, False) == normalise_text("aeroskobing cafe", False, False)
    q = {"type": "short", "accept": ["Kalaallit Nunaat"]}
    t = get_type("short")
    assert t.grade(q, "kalaallit   nunaat", _T(q), "en").correct
    q["case_sensitive"] = True
    assert not t.grade(q, "kalaallit nunaat", _T(q), "en").correct


def test_numeric_tolerance_range_and_fractions():
    t = get_type("numeric")
    q = {"type": "numeric", "answers": [{"value": 7, "tolerance": 0.5}, {"min": 1, "max": 3, "fraction": 50}]}
    assert t.grade(q, 7.4, _T(q), "en").score == 1.0
    assert t.grade(q, 2.0, _T(q), "en").score == 0.5
    assert t.grade(q, 5.0, _T(q), "en").score == 0.0
    assert t.parse(q, {}, lambda sub: ["7,5"]) == 7.5
    with pytest.raises(AnswerError):
        t.parse(q, {}, lambda sub: ["seven"])


def test_matching_and_ordering_give_the_fraction_right():
    m = {"type": "matching", "pairs": [{"id": "p1"}, {"id": "p2"}, {"id": "p3"}, {"id": "p4"}]}
    assert get_type("matching").grade(m, {"p1": "p1", "p2": "p2", "p3": "p4", "p4": "p3"}, _T(m), "en").score == 0.5
    o = {"type": "ordering", "items": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}
    assert get_type("ordering").grade(o, {"a": 1, "b": 3, "c": 2}, _T(o), "en").score == pytest.approx(1 / 3)


def test_likert_is_never_scored():
    q = {"type": "likert", "scale": 5}
    g = get_type("likert").grade(q, 4, _T(q), "en")
    assert g.scored is False
    with pytest.raises(AnswerError):
        get_type("likert").parse(q, {}, lambda sub: ["9"])


# -- the page never carries the answer key ----------------------------------------------------

def _start(client) -> int:
    client.post("/courses/demo-course/enrol")
    resp = client.post("/quiz/demo-course/demo-quiz/start")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def test_quiz_page_carries_no_answers_weights_or_feedback(learner_client, app):
    attempt_id = _start(learner_client)
    html = learner_client.get(f"/quiz/attempt/{attempt_id}").get_data(as_text=True)
    assert "Which is a cluster?" in html
    for leak in ("correct", "Right, connected firms", "feedback", "weight", "Nordplus programme", '"Nordplus"', 'value="a"', 'value="b"', 'value="p1"', 'value="s1"', "true\"", "score"):
        assert leak not in html, leak
    values = re.findall(r'value="([^"]*)"', html)
    option_values = [v for v in values if re.fullmatch(r"[0-9a-f]{8}", v)]
    assert len(set(option_values)) >= 11  # opaque, per-attempt tokens (match tokens repeat per prompt)


def test_layout_tokens_differ_between_attempts(app, make_user, login):
    tokens = []
    for _ in range(2):
        c = app.test_client()
        login(c, make_user())
        attempt_id = _start(c)
        with app.app_context():
            tokens.append({t for item in db.session().get(QuizAttempt, attempt_id).layout for t, _ in item.get("options", [])})
    assert tokens[0].isdisjoint(tokens[1])


# -- lifecycle -------------------------------------------------------------------------------

def test_answers_are_saved_as_the_learner_goes_and_refilled(learner_client, app):
    attempt_id = _start(learner_client)
    with app.app_context():
        layout = {i["id"]: i for i in db.session().get(QuizAttempt, attempt_id).layout}
    token = next(t for t, oid in layout["q1"]["options"] if oid == "b")
    resp = learner_client.post(f"/quiz/attempt/{attempt_id}", data={"q-q1": token, "action": "save"})
    assert resp.status_code == 302
    html = learner_client.get(f"/quiz/attempt/{attempt_id}").get_data(as_text=True)
    assert f'value="{token}" checked' in html
    # autosave (fetch) gets JSON
    resp = learner_client.post(f"/quiz/attempt/{attempt_id}", data={"q-q6": "hello", "action": "save"}, headers={"X-Requested-With": "fetch"})
    assert resp.get_json() == {"saved": True}
    # a second start resumes the same open attempt
    assert learner_client.post("/quiz/demo-course/demo-quiz/start").headers["Location"].endswith(f"/quiz/attempt/{attempt_id}")


def test_full_marks_pass_and_results_show_feedback(learner_client, app):
    learner_client.post("/courses/demo-course/enrol")
    resp, attempt_id = _pass_quiz(learner_client, app)
    assert resp.headers["Location"].endswith(f"/quiz/attempt/{attempt_id}/result")
    html = learner_client.get(f"/quiz/attempt/{attempt_id}/result").get_data(as_text=True)
    assert "100" in html and "you passed" in html
    assert "Right, connected firms in one region." in html
    with app.app_context():
        a = db.session().get(QuizAttempt, attempt_id)
        assert a.status == "graded" and a.percent == 100 and a.passed


def test_submitting_twice_is_refused_and_keeps_the_first_result(learner_client, app):
    learner_client.post("/courses/demo-course/enrol")
    _resp, attempt_id = _pass_quiz(learner_client, app)
    again = learner_client.post(f"/quiz/attempt/{attempt_id}", data={"action": "submit"})
    assert again.status_code == 409
    assert "already been submitted" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session().get(QuizAttempt, attempt_id).percent == 100


def test_another_learners_attempt_is_forbidden(app, learner_client, make_user, login):
    attempt_id = _start(learner_client)
    other = app.test_client()
    login(other, make_user())
    assert other.get(f"/quiz/attempt/{attempt_id}").status_code == 403
    assert other.post(f"/quiz/attempt/{attempt_id}", data={"action": "submit"}).status_code == 403
    assert other.get(f"/quiz/attempt/{attempt_id}/result").status_code == 403
    with app.app_context():
        assert db.session().get(QuizAttempt, attempt_id).status == "open"


def test_unknown_option_or_question_is_a_clear_400_and_changes_nothing(learner_client, app):
    attempt_id = _start(learner_client)
    r1 = learner_client.post(f"/quiz/attempt/{attempt_id}", data={"q-q1": "deadbeef", "action": "submit"})
    assert r1.status_code == 400 and "not valid" in r1.get_data(as_text=True)
    r2 = learner_client.post(f"/quiz/attempt/{attempt_id}", data={"q-q99": "x", "action": "submit"})
    assert r2.status_code == 400 and "not part of this attempt" in r2.get_data(as_text=True)
    with app.app_context():
        a = db.session().get(QuizAttempt, attempt_id)
        assert a.status == "open" and a.answers == {}


def test_time_limit_grades_saved_answers_by_arrival_time(app, learner_client, content_dirs):
    _, quizzes = content_dirs
    path = quizzes / "demo-quiz.yaml"
    path.write_text(path.read_text().replace("time_limit_minutes: 0", "time_limit_minutes: 10"))
    from lms.content.catalog import load_catalog

    app.extensions["lms"].content = load_catalog(app.config)
    attempt_id = _start(learner_client)
    with app.app_context():
        a = db.session().get(QuizAttempt, attempt_id)
        layout = {i["id"]: i for i in a.layout}
    right = next(t for t, oid in layout["q1"]["options"] if oid == "a")
    learner_client.post(f"/quiz/attempt/{attempt_id}", data={"q-q1": right, "action": "save"})
    with app.app_context():
        a = db.session().get(QuizAttempt, attempt_id)
        a.deadline = a.deadline - timedelta(minutes=11)  # the time has run out
        db.session().commit()
    # a late answer for q7 does not count; the saved q1 does
    resp = learner_client.post(f"/quiz/attempt/{attempt_id}", data={"q-q7": "7", "action": "submit"})
    assert resp.status_code == 302
    with app.app_context():
        a = db.session().get(QuizAttempt, attempt_id)
        assert a.status == "graded"
        assert "q7" not in a.answers and a.answers["q1"] == "a"
        assert a.results["q1"]["correct"] is True and a.results["q7"]["score"] == 0


def test_attempts_limit_is_enforced(learner_client, app):
    learner_client.post("/courses/demo-course/enrol")
    for _ in range(3):
        attempt_id = _start(learner_client)
        assert learner_client.post(f"/quiz/attempt/{attempt_id}", data={"action": "submit"}).status_code == 302
    resp = learner_client.post("/quiz/demo-course/demo-quiz/start")
    assert resp.status_code == 409 and "used all your attempts" in resp.get_data(as_text=True)


def test_quiz_of_a_course_the_learner_is_not_enrolled_in_is_refused(learner_client):
    assert learner_client.post("/quiz/demo-course/demo-quiz/start").status_code == 403


def _race(clients, fn):
    barrier = threading.Barrier(len(clients))
    results = []

    def run(c):
        barrier.wait()
        results.append(fn(c))

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return results


def test_parallel_starts_create_one_open_attempt(app, learner, login):
    clients = [app.test_client() for _ in range(6)]
    for c in clients:
        login(c, learner)
    clients[0].post("/courses/demo-course/enrol")
    locations = _race(clients, lambda c: c.post("/quiz/demo-course/demo-quiz/start").headers.get("Location"))
    assert len(set(locations)) == 1 and locations[0]
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_concurrent_submissions_grade_exactly_once(app, learner, login):
    clients = [app.test_client() for _ in range(6)]
    for c in clients:
        login(c, learner)
    attempt_id = _start(clients[0])
    codes = _race(clients, lambda c: c.post(f"/quiz/attempt/{attempt_id}", data={"action": "submit"}).status_code)
    assert sorted(codes) == [302] + [409] * 5
    with app.app_context():
        rows = list(db.session().scalars(select(QuizAttempt)))
        assert len(rows) == 1 and rows[0].status == "graded"


# -- pools, policies, GIFT command --------------------------------------------------------------

def _reload(app):
    from lms.content.catalog import load_catalog

    app.extensions["lms"].content = load_catalog(app.config)


def _edit_quiz(content_dirs, old, new):
    _, quizzes = content_dirs
    path = quizzes / "demo-quiz.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_pool_draws_n_questions_per_attempt(app, learner_client, content_dirs):
    _edit_quiz(content_dirs, "draw: 0", "draw: 3")
    _reload(app)
    seen = set()
    for _ in range(3):
        attempt_id = _start(learner_client)
        with app.app_context():
            layout = db.session().get(QuizAttempt, attempt_id).layout
        assert len(layout) == 3
        seen |= {item["id"] for item in layout}
        learner_client.post(f"/quiz/attempt/{attempt_id}", data={"action": "submit"})
    assert len(seen) > 3  # different draws across attempts (7 in the pool)


def test_policy_never_hides_answers_and_feedback(app, learner_client, content_dirs):
    _edit_quiz(content_dirs, "show_answers: after_submit", "show_answers: never")
    _reload(app)
    attempt_id = _start(learner_client)
    learner_client.post(f"/quiz/attempt/{attempt_id}", data={"action": "submit"})
    html = learner_client.get(f"/quiz/attempt/{attempt_id}/result").get_data(as_text=True)
    assert "Connected firms in one region" not in html and "Right, connected firms" not in html
    assert "Not passed this time" in html


def test_policy_after_pass_reveals_only_once_passed(app, learner_client, content_dirs):
    from tests.test_learning import _pass_quiz

    _edit_quiz(content_dirs, "show_answers: after_submit", "show_answers: after_pass")
    _reload(app)
    attempt_id = _start(learner_client)
    learner_client.post(f"/quiz/attempt/{attempt_id}", data={"action": "submit"})
    assert "Correct answer:" not in learner_client.get(f"/quiz/attempt/{attempt_id}/result").get_data(as_text=True)
    _resp, passed_id = _pass_quiz(learner_client, app)
    assert "Right, connected firms in one region." in learner_client.get(f"/quiz/attempt/{passed_id}/result").get_data(as_text=True)


def test_import_gift_command_writes_a_quiz_the_checker_accepts(runner, tmp_path, content_dirs):
    from pathlib import Path

    from lms.content.catalog import scan

    courses, quizzes = content_dirs
    src = Path(__file__).parent / "data" / "real_world.gift"
    out = quizzes / "imported-gift.yaml"
    result = runner.invoke(args=["lms", "quizzes", "import-gift", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()
    problems = [str(p) for p in scan(courses, quizzes, ["en"]).problems if "imported-gift" in p.path]
    assert problems == []


def test_import_gift_command_reports_errors_and_writes_nothing(runner, tmp_path):
    bad = tmp_path / "bad.gift"
    bad.write_text("::Q1:: What? {=yes ~no\n\n::Q2:: Essay here {}\n")
    out = tmp_path / "bad.yaml"
    result = runner.invoke(args=["lms", "quizzes", "import-gift", str(bad), "--out", str(out)])
    assert result.exit_code != 0
    assert "line 1:" in result.output and "essay" in result.output.lower()
    assert not out.exists()
