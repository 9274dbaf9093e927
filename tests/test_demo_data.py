"""``flask lms demo-data``: realistic, consistent data written with bulk inserts."""
from __future__ import annotations

from collections import defaultdict
from datetime import timezone

from sqlalchemy import func, select

from lms import db
from lms.config import LANGUAGES
from lms.models import (
    Certificate, Cohort, CohortCourse, CohortMember, CohortTrainer, Enrolment, Lesson, LessonProgress, QuizAttempt, User,
)

PARTNER_COUNTRIES = {"DK", "EE", "FI", "GL", "IS", "LT", "LV", "NO", "SE"}


def _aware(dt):
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _run(runner, *args):
    result = runner.invoke(args=["lms", "demo-data", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_command_adds_learners_with_everything_that_goes_with_them(app, runner):
    output = _run(runner, "--learners", "120", "--seed", "5", "--batch", "50")
    assert "added 120 learners" in output
    with app.app_context():
        sess = db.session()
        learners = list(sess.scalars(select(User).where(User.role == "learner")))
        assert len(learners) == 120
        assert {u.country for u in learners} <= PARTNER_COUNTRIES and len({u.country for u in learners}) >= 5
        assert {u.locale for u in learners} <= set(LANGUAGES) and len({u.locale for u in learners}) >= 5
        for model in (Enrolment, LessonProgress, QuizAttempt, Cohort, CohortMember, CohortTrainer, Certificate):
            assert sess.scalar(select(func.count()).select_from(model)) > 0, model.__name__
        # the test content has one course: (almost) every learner is enrolled in it once
        assert 100 < sess.scalar(select(func.count()).select_from(Enrolment)) <= 120


def test_progress_follows_the_course_and_matches_the_enrolments(app, runner):
    from lms.catalogue.services import catalog

    _run(runner, "--learners", "80", "--seed", "2")
    with app.app_context():
        sess = db.session()
        cdef = catalog().course("demo-course")
        order = {e.key: n for n, e in enumerate(cdef.lessons)}
        keys = {row.id: row.key for row in sess.scalars(select(Lesson))}
        progress = defaultdict(list)
        for p in sess.scalars(select(LessonProgress)):
            progress[(p.user_id, p.course_id)].append(p)
        passed = {(a.user_id, a.course_id) for a in sess.scalars(select(QuizAttempt).where(QuizAttempt.passed.is_(True)))}
        for e in sess.scalars(select(Enrolment)):
            rows = sorted(progress[(e.user_id, e.course_id)], key=lambda p: order[keys[p.lesson_id]])
            # lessons are opened in course order, from the first one, without gaps
            assert [order[keys[p.lesson_id]] for p in rows] == list(range(len(rows)))
            for p in rows:
                assert _aware(p.started_at) >= _aware(e.enrolled_at) and _aware(p.last_seen_at) >= _aware(p.started_at)
            if rows:
                assert _aware(e.last_activity_at) == max(_aware(p.last_seen_at) for p in rows)
                assert e.last_lesson_id == max(rows, key=lambda p: _aware(p.last_seen_at)).lesson_id
            else:
                assert e.last_activity_at is None
            if e.completed_at is not None:
                assert len(rows) == len(cdef.lessons) and all(p.completed_at for p in rows)
                assert (e.user_id, e.course_id) in passed


def test_quiz_results_are_what_the_grader_gives_for_the_answers(app, runner):
    from lms.assessment.services import grade
    from lms.catalogue.services import catalog

    _run(runner, "--learners", "60", "--seed", "3")
    with app.app_context():
        attempts = list(db.session().scalars(select(QuizAttempt)))
        assert attempts
        quiz = catalog().quizzes["demo-quiz"]
        for a in attempts:
            g = grade(quiz, a.layout, a.answers, "en", quiz.pass_mark)
            assert g.results == a.results
            assert (g.score, g.max_score, g.percent, g.passed) == (a.score, a.max_score, a.percent, a.passed)
            assert {item["id"] for item in a.layout} == {q["id"] for q in quiz.questions}
            assert set(a.answers) <= {q["id"] for q in quiz.questions}


def test_cohorts_have_trainers_and_members_enrolled_in_the_cohort_course(app, runner):
    _run(runner, "--learners", "100", "--seed", "4")
    with app.app_context():
        sess = db.session()
        enrolled = set(sess.execute(select(Enrolment.user_id, Enrolment.course_id)).all())
        roles = {u.id: u.role for u in sess.scalars(select(User))}
        for cohort in sess.scalars(select(Cohort)):
            trainers = list(sess.scalars(select(CohortTrainer).where(CohortTrainer.cohort_id == cohort.id)))
            assert any(t.role == "owner" for t in trainers) and all(roles[t.user_id] == "trainer" for t in trainers)
            course = sess.scalar(select(CohortCourse.course_id).where(CohortCourse.cohort_id == cohort.id))
            members = list(sess.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)))
            assert 1 <= len(members) <= 20
            started = cohort.starts_on <= sess.scalar(select(func.max(Enrolment.enrolled_at))).date()
            if started:
                assert any((m, course) in enrolled for m in members)


def test_certificates_are_issued_only_for_completed_courses_and_verify(app, runner):
    from lms.certificates.services import signature_ok

    _run(runner, "--learners", "100", "--seed", "6")
    with app.app_context():
        sess = db.session()
        completed = set(sess.execute(select(Enrolment.user_id, Enrolment.course_id).where(Enrolment.completed_at.is_not(None))).all())
        certs = list(sess.scalars(select(Certificate)))
        assert certs
        for c in certs:
            assert (c.user_id, c.course_id) in completed and signature_ok(c)


def test_the_same_seed_gives_the_same_people(app):
    from lms.analytics.demo import DemoGenerator
    from lms.catalogue.services import catalog

    def people(seed):
        with app.app_context():
            rows = DemoGenerator(db.session(), catalog(), seed).batch(30)
            return [(u["display_name"], u["country"], u["locale"]) for u in rows["users"]], \
                [(e["course_id"], e["enrolled_at"]) for e in rows["enrolments"]]

    assert people(9) == people(9)
    assert people(9) != people(10)


def test_running_it_again_adds_more_learners(app, runner):
    _run(runner, "--learners", "20", "--seed", "1")
    _run(runner, "--learners", "20", "--seed", "1")
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(User).where(User.role == "learner")) == 40


def test_analytics_pages_work_on_demo_data(app, runner, client, make_user, login):
    _run(runner, "--learners", "80", "--seed", "8")
    login(client, make_user(role="admin"))
    for path in ("/analytics/", "/analytics/audience", "/analytics/funnel", "/analytics/quizzes"):
        assert client.get(path).status_code == 200, path
