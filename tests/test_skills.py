"""The skills self-assessment: profile, learning path, pre/post gain, history."""
from __future__ import annotations

from sqlalchemy import func, select

from lms import db
from lms.assessment.skills import Area, Recommendation, SkillsMap, learning_path
from lms.content.catalog import scan
from lms.models import QuizAttempt, SkillAssessment


def _answer(client, app, r1: int, k1: bool, r2: int, k2: str, context: str = "general") -> int:
    resp = client.post("/quiz/skills/start", data={"context": context})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    attempt_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        layout = {i["id"]: i for i in db.session().get(QuizAttempt, attempt_id).layout}
    data = {
        "q-r1": str(r1), "q-r2": str(r2), "action": "submit",
        "q-k1": next(t for t, v in layout["k1"]["options"] if v is k1),
        "q-k2": next(t for t, v in layout["k2"]["options"] if v == k2),
    }
    resp = client.post(f"/quiz/attempt/{attempt_id}", data=data)
    assert resp.status_code == 302 and "/quiz/skills/" in resp.headers["Location"], resp.headers.get("Location")
    return int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _profile(app, assessment_id):
    with app.app_context():
        return db.session().get(SkillAssessment, assessment_id).profile


def test_profile_scales_ratings_and_scores_knowledge(learner_client, app):
    aid = _answer(learner_client, app, r1=5, k1=True, r2=1, k2="a")
    assert _profile(app, aid) == {"clusters": 100, "digital": 0}


def test_learning_path_follows_the_answers(learner_client, app):
    strong_clusters = _answer(learner_client, app, r1=5, k1=True, r2=1, k2="a")
    html = learner_client.get(f"/quiz/skills/{strong_clusters}").get_data(as_text=True)
    assert "Wrap up your digital basics." in html and "Learn what a cluster is." not in html
    strong_digital = _answer(learner_client, app, r1=1, k1=False, r2=5, k2="b")
    html = learner_client.get(f"/quiz/skills/{strong_digital}").get_data(as_text=True)
    assert "Learn what a cluster is." in html and "Wrap up your digital basics." not in html
    # the table shows the change since the previous assessment
    assert "Change since" in html and "+100" in html


def test_pre_and_post_show_the_gain(learner_client, app):
    _answer(learner_client, app, r1=2, k1=False, r2=2, k2="a", context="pre:demo-course")
    post = _answer(learner_client, app, r1=5, k1=True, r2=4, k2="b", context="post:demo-course")
    html = learner_client.get(f"/quiz/skills/{post}").get_data(as_text=True)
    assert "What you gained in Demo course" in html
    with app.app_context():
        contexts = [r.context for r in db.session().scalars(select(SkillAssessment).order_by(SkillAssessment.id))]
    assert contexts == ["pre:demo-course", "post:demo-course"]


def test_unknown_context_falls_back_to_general(learner_client, app):
    aid = _answer(learner_client, app, 3, True, 3, "b", context="pre:no-such-course")
    with app.app_context():
        assert db.session().get(SkillAssessment, aid).context == "general"


def test_reloading_the_result_records_the_assessment_once(learner_client, app):
    aid = _answer(learner_client, app, 3, True, 3, "b")
    with app.app_context():
        attempt_id = db.session().get(SkillAssessment, aid).attempt_id
    for _ in range(3):
        assert learner_client.get(f"/quiz/attempt/{attempt_id}/result").status_code == 302
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(SkillAssessment)) == 1


def test_chart_is_an_svg_without_script(learner_client, app):
    aid = _answer(learner_client, app, 4, True, 2, "a")
    resp = learner_client.get(f"/quiz/skills/{aid}/chart.svg")
    assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"
    svg = resp.get_data(as_text=True)
    assert svg.startswith("<svg") and "<script" not in svg and "Clusters" in svg


def test_another_learners_profile_is_forbidden(learner_client, app, make_user, login):
    aid = _answer(learner_client, app, 4, True, 2, "a")
    other = app.test_client()
    login(other, make_user())
    assert other.get(f"/quiz/skills/{aid}").status_code == 403
    assert other.get(f"/quiz/skills/{aid}/chart.svg").status_code == 403


def test_history_lists_every_assessment(learner_client, app):
    _answer(learner_client, app, 1, False, 1, "a")
    _answer(learner_client, app, 5, True, 5, "b")
    html = learner_client.get("/quiz/skills/").get_data(as_text=True)
    assert html.count("/quiz/skills/") >= 3 and "Your results over time" in html


def test_prerequisites_come_first_on_the_path():
    area_a = Area("a", {"en": "A"}, [], ["q"], [Recommendation("advanced", [], {"en": "adv"})])
    area_b = Area("b", {"en": "B"}, [], ["r"], [Recommendation("basics", [], {"en": "basic"})])
    smap = SkillsMap("x", 60, [area_a, area_b])
    steps = learning_path(smap, {"a": 0, "b": 30}, "en", {"advanced": ["basics"]})
    assert [s.course for s in steps] == ["basics", "advanced"]
    assert learning_path(smap, {"a": 90, "b": 90}, "en", {}) == []


def test_a_course_recommended_by_two_areas_is_one_step():
    area_a = Area("a", {"en": "A"}, [], ["q"], [Recommendation("c1", ["l1", "l2"], {"en": "for a"})])
    area_b = Area("b", {"en": "B"}, [], ["r"], [Recommendation("c1", ["l2", "l3"], {"en": "for b"}), Recommendation("c2", [], {"en": "other"})])
    steps = learning_path(SkillsMap("x", 60, [area_a, area_b]), {"a": 10, "b": 20}, "en", {})
    assert [s.course for s in steps] == ["c1", "c2"]
    assert steps[0].lessons == ["l1", "l2", "l3"]
    assert [r for _a, _s, r in steps[0].reasons] == ["for a", "for b"]


def test_checker_reports_a_broken_skills_map(content_dirs):
    courses, quizzes = content_dirs
    path = quizzes / "_maps" / "skills.yaml"
    path.write_text(path.read_text().replace("questions: [r2, k2]", "questions: [r2, k9]").replace("lessons: [wrap-up]", "lessons: [nope]"))
    problems = [str(p) for p in scan(courses, quizzes, ["en"]).problems]
    assert any("unknown question 'k9'" in p for p in problems), problems
    assert any("has no lesson 'nope'" in p for p in problems), problems
    assert any("questions in no area: k2" in p for p in problems), problems
