"""Cohorts: creation and join codes, members and co-trainers, isolation between trainers,
sessions and attendance, announcements, the progress grid and the learner drill-down."""
from __future__ import annotations

import functools
import itertools
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select

from lms import db
from lms.models import (
    Announcement, Attendance, Cohort, CohortMember, CohortSession, Enrolment, Lesson, LessonProgress, QuizAttempt,
    Submission, User,
)
from lms.trainer.services import CODE_ALPHABET
from tests.conftest import PASSWORD

TODAY = date.today()


def _count(app, model, **where) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return db.session().scalar(stmt)


def _cohort_form(**extra) -> dict:
    data = {
        "name": "Ilulissat pilot", "courses": ["demo-course"], "language": "da", "country": "GL",
        "starts_on": (TODAY - timedelta(days=10)).isoformat(), "ends_on": (TODAY + timedelta(days=30)).isoformat(),
        "token": "tok-" + "a" * 20,
    }
    data.update(extra)
    return data


@functools.lru_cache(maxsize=1)
def _password_hash() -> str:
    from lms.auth.services import hash_password

    return hash_password(PASSWORD)


@pytest.fixture
def make_user(app):
    """Users inserted directly with one shared password hash: hashing per user is slow (scrypt)."""
    counter = itertools.count(1)

    def factory(role: str = "learner", name: str | None = None, locale: str = "en") -> User:
        n = next(counter)
        with app.app_context():
            sess = db.session()
            user = User(email=f"p{n}-{role}@example.org", password_hash=_password_hash(), display_name=name or f"Person {n}",
                        role=role, locale=locale)
            sess.add(user)
            sess.commit()
            return user

    return factory


@pytest.fixture
def client_for(app):
    """A test client logged in as ``user`` (the session is set directly; login itself is tested elsewhere)."""

    def make(user):
        c = app.test_client()
        with c.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return c

    return make


@pytest.fixture
def learner(make_user):
    return make_user(name="Lea Learner")


@pytest.fixture
def learner_client(client_for, learner):
    return client_for(learner)


@pytest.fixture
def trainer(make_user):
    return make_user(role="trainer", name="Tove Trainer")


@pytest.fixture
def tclient(client_for, trainer):
    return client_for(trainer)


def _create(tclient, **extra) -> int:
    resp = tclient.post("/trainer/cohorts/new", data=_cohort_form(**extra))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:800]
    return int(re.search(r"/trainer/cohorts/(\d+)$", resp.headers["Location"]).group(1))


def _code(app, cohort_id: int) -> str:
    with app.app_context():
        return db.session().get(Cohort, cohort_id).join_code


def _join(app, client, cohort_id):
    return client.post("/learn/join", data={"code": _code(app, cohort_id)})


# -- creating, codes and joining ---------------------------------------------------------------------


def test_trainer_creates_a_cohort_and_gets_a_typeable_join_code_and_link(tclient, app):
    cohort_id = _create(tclient)
    code = _code(app, cohort_id)
    assert len(code) == 8 and all(c in CODE_ALPHABET for c in code)
    assert not set("01OILU") & set(code)
    html = tclient.get(f"/trainer/cohorts/{cohort_id}").get_data(as_text=True)
    assert "Ilulissat pilot" in html
    assert f"{code[:4]}-{code[4:]}" in html
    assert f"/learn/join/{code}" in html
    assert "<script" not in html


def test_a_double_submitted_create_form_makes_one_cohort(tclient, app):
    first = _create(tclient)
    second = _create(tclient)
    assert first == second
    assert _count(app, Cohort) == 1


def test_invalid_cohort_form_is_a_400_with_messages_and_creates_nothing(tclient, app):
    resp = tclient.post("/trainer/cohorts/new", data=_cohort_form(courses=[], ends_on="2020-01-01"))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "Choose at least one course." in html and "must not be before the start date" in html
    assert _count(app, Cohort) == 0


def test_join_codes_are_unique_and_a_new_code_replaces_the_old(tclient, app, learner, client_for):
    ids = [_create(tclient, token=f"token-number-{i:08d}") for i in range(5)]
    codes = {_code(app, i) for i in ids}
    assert len(codes) == 5
    old = _code(app, ids[0])
    assert tclient.post(f"/trainer/cohorts/{ids[0]}/code").status_code == 302
    new = _code(app, ids[0])
    assert new != old and len(new) == 8
    lc = client_for(learner)
    assert lc.post("/learn/join", data={"code": old}).status_code == 404
    assert lc.post("/learn/join", data={"code": new}).status_code == 302


def test_learner_joins_with_a_typed_code_once_and_is_enrolled_in_the_courses(tclient, app, learner, client_for):
    cohort_id = _create(tclient)
    code = _code(app, cohort_id)
    lc = client_for(learner)
    typed = f" {code[:4].lower()}-{code[4:].lower()} "
    for _ in range(3):
        resp = lc.post("/learn/join", data={"code": typed})
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/learn/")
    assert _count(app, CohortMember, cohort_id=cohort_id) == 1
    assert _count(app, Enrolment, user_id=learner.id, course_id="demo-course") == 1
    html = lc.get("/learn/").get_data(as_text=True)
    assert "Demo course" in html and "Ilulissat pilot" in html


def test_the_join_link_shows_the_group_and_a_join_button(tclient, app, learner, client_for):
    cohort_id = _create(tclient)
    lc = client_for(learner)
    html = lc.get(f"/learn/join/{_code(app, cohort_id)}").get_data(as_text=True)
    assert "You are invited to join Ilulissat pilot" in html and 'action="/learn/join"' in html
    assert _count(app, CohortMember) == 0  # a GET never joins


def test_an_anonymous_visitor_of_a_join_link_is_sent_to_log_in_and_back(client, tclient, app):
    code = _code(app, _create(tclient))
    resp = client.get(f"/learn/join/{code}")
    assert resp.status_code == 302 and "/account/login" in resp.headers["Location"] and code in resp.headers["Location"]


def test_an_unknown_or_archived_code_is_a_clear_404(tclient, app, learner, client_for):
    cohort_id = _create(tclient)
    lc = client_for(learner)
    resp = lc.post("/learn/join", data={"code": "ZZZZ-ZZZZ"})
    assert resp.status_code == 404 and "There is no group with this code" in resp.get_data(as_text=True)
    assert lc.get("/learn/join/nonsense").status_code == 404
    assert tclient.post(f"/trainer/cohorts/{cohort_id}/archive").status_code == 302
    assert _join(app, lc, cohort_id).status_code == 404
    assert _count(app, CohortMember) == 0


# -- people -----------------------------------------------------------------------------------------------


def test_trainer_adds_a_member_by_email_and_removes_them_keeping_their_progress(tclient, app, make_user):
    cohort_id = _create(tclient)
    someone = make_user(name="Aqqa")
    for _ in range(2):
        assert tclient.post(f"/trainer/cohorts/{cohort_id}/members", data={"m-email": someone.email}).status_code == 302
    assert _count(app, CohortMember, cohort_id=cohort_id) == 1
    assert _count(app, Enrolment, user_id=someone.id) == 1
    assert "Aqqa" in tclient.get(f"/trainer/cohorts/{cohort_id}/people").get_data(as_text=True)
    resp = tclient.post(f"/trainer/cohorts/{cohort_id}/members/{someone.id}/remove")
    assert resp.status_code == 302
    assert _count(app, CohortMember, cohort_id=cohort_id) == 0
    assert _count(app, Enrolment, user_id=someone.id) == 1


def test_adding_an_unknown_email_says_so_and_adds_nothing(tclient, app):
    cohort_id = _create(tclient)
    resp = tclient.post(f"/trainer/cohorts/{cohort_id}/members", data={"m-email": "nobody@example.org"})
    assert resp.status_code == 404
    assert "There is no account with this e-mail" in resp.get_data(as_text=True)
    assert _count(app, CohortMember) == 0


def test_co_trainers_see_and_run_the_cohort_but_only_the_owner_removes_them(tclient, app, make_user, client_for, learner):
    cohort_id = _create(tclient)
    co = make_user(role="trainer", name="Cai Co")
    resp = tclient.post(f"/trainer/cohorts/{cohort_id}/trainers", data={"t-email": learner.email})
    assert resp.status_code == 404 and "no trainer account" in resp.get_data(as_text=True)
    assert tclient.post(f"/trainer/cohorts/{cohort_id}/trainers", data={"t-email": co.email}).status_code == 302
    cc = client_for(co)
    assert "Ilulissat pilot" in cc.get("/trainer/").get_data(as_text=True)
    assert cc.get(f"/trainer/cohorts/{cohort_id}").status_code == 200
    owner_id = next(u.id for u, role in _trainers(app, cohort_id) if role == "owner")
    assert cc.post(f"/trainer/cohorts/{cohort_id}/trainers/{co.id}/remove").status_code == 403
    assert cc.post(f"/trainer/cohorts/{cohort_id}/trainers/{owner_id}/remove").status_code == 403
    assert tclient.post(f"/trainer/cohorts/{cohort_id}/trainers/{owner_id}/remove").status_code == 404
    assert tclient.post(f"/trainer/cohorts/{cohort_id}/trainers/{co.id}/remove").status_code == 302
    assert cc.get(f"/trainer/cohorts/{cohort_id}").status_code == 404


def _trainers(app, cohort_id):
    from lms.trainer.services import trainers

    with app.app_context():
        return trainers(cohort_id)


# -- isolation --------------------------------------------------------------------------------------------


@pytest.fixture
def other_world(app, tclient, client_for, make_user):
    """Trainer A's cohort with a member, a session and a submission; trainer B is logged in."""
    cohort_id = _create(tclient)
    member = make_user(name="Member M")
    client_for(member).post("/learn/join", data={"code": _code(app, cohort_id)})
    tclient.post(f"/trainer/cohorts/{cohort_id}/sessions", data={
        "title": "Session 1", "starts_at": "2030-05-01T09:00", "minutes": "180", "location": "Town hall", "token": "s" * 20})
    with app.app_context():
        sess = db.session()
        session_id = sess.scalar(select(CohortSession.id))
        lesson_id = sess.scalar(select(Lesson.id).where(Lesson.key == "intro"))
        sub = Submission(user_id=member.id, course_id="demo-course", lesson_id=lesson_id, text="My SWOT", status="submitted",
                         submitted_at=datetime.now(timezone.utc))
        sess.add(sub)
        sess.commit()
        sub_id = sub.id
    other = make_user(role="trainer", name="Other Trainer")
    ids = {"cohort_id": cohort_id, "user_id": member.id, "session_id": session_id, "submission_id": sub_id}
    return ids, client_for(other)


def _trainer_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("lms.trainer.")]


def _fill(rule, ids) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(ids[m.group(1)]), rule.rule)


def test_every_trainer_url_of_another_trainers_cohort_is_404(app, other_world):
    ids, bclient = other_world
    checked = 0
    for rule in _trainer_rules(app):
        if "<int:cohort_id>" not in rule.rule:
            continue
        url = _fill(rule, ids)
        for method in sorted(rule.methods & {"GET", "POST"}):
            resp = bclient.open(url, method=method, data={"m-email": "x@example.org", "t-email": "x@example.org",
                                                          "title": "t", "body": "b", "token": "b" * 20})
            assert resp.status_code == 404, (method, url, resp.status_code)
            assert "Ilulissat" not in resp.get_data(as_text=True)
            checked += 1
    assert checked >= 20
    # and nothing was changed
    assert _count(app, Announcement) == 0 and _count(app, CohortMember) == 1 and _count(app, CohortSession) == 1


def test_the_owner_reaches_every_trainer_url_of_their_own_cohort(app, other_world, tclient):
    ids, _b = other_world
    for rule in _trainer_rules(app):
        if "GET" not in rule.methods:
            continue
        url = _fill(rule, ids)
        resp = tclient.get(url)
        expected = 404 if rule.endpoint == "lms.trainer.submission_file" else 200  # that submission has no file
        assert resp.status_code == expected, (url, resp.status_code)


def test_a_trainer_lists_only_their_own_cohorts_and_an_admin_sees_all(app, other_world, make_user, client_for):
    _ids, bclient = other_world
    assert "Ilulissat pilot" not in bclient.get("/trainer/").get_data(as_text=True)
    admin = client_for(make_user(role="admin"))
    assert "Ilulissat pilot" in admin.get("/trainer/").get_data(as_text=True)
    assert admin.get(f"/trainer/cohorts/{_ids['cohort_id']}").status_code == 200


def test_members_of_another_cohort_are_not_reachable_through_my_cohort(app, other_world, client_for, make_user):
    ids, bclient = other_world
    mine = _create(bclient, token="b-token-0000000000000")
    for url in (f"/trainer/cohorts/{mine}/learners/{ids['user_id']}",
                f"/trainer/cohorts/{mine}/submissions/{ids['submission_id']}",
                f"/trainer/cohorts/{mine}/submissions/{ids['submission_id']}/file",
                f"/trainer/cohorts/{mine}/sessions/{ids['session_id']}/attendance",
                f"/trainer/cohorts/{mine}/sessions/{ids['session_id']}/edit"):
        assert bclient.get(url).status_code == 404, url
    assert bclient.post(f"/trainer/cohorts/{mine}/members/{ids['user_id']}/remove").status_code == 404
    assert bclient.post(f"/trainer/cohorts/{mine}/submissions/{ids['submission_id']}/complete").status_code == 404
    assert _count(app, CohortMember, user_id=ids["user_id"]) == 1


def test_learners_see_no_trainer_link_and_trainers_do(learner_client, tclient):
    assert "/trainer/" not in learner_client.get("/learn/").get_data(as_text=True)
    assert 'href="/trainer/"' in tclient.get("/learn/").get_data(as_text=True)


# -- sessions and attendance ---------------------------------------------------------------------------------


def test_trainer_plans_edits_and_deletes_sessions_and_a_double_submit_adds_one(tclient, app):
    cohort_id = _create(tclient, country="")  # no country: times in UTC
    data = {"title": "Kick-off", "starts_at": "2030-05-01T09:00", "minutes": "180", "location": "Harbour house", "token": "k" * 22}
    for _ in range(2):
        assert tclient.post(f"/trainer/cohorts/{cohort_id}/sessions", data=data).status_code == 302
    assert _count(app, CohortSession) == 1
    bad = tclient.post(f"/trainer/cohorts/{cohort_id}/sessions", data={**data, "minutes": "5", "token": "z" * 22})
    assert bad.status_code == 400 and _count(app, CohortSession) == 1
    with app.app_context():
        sid = db.session().scalar(select(CohortSession.id))
    html = tclient.get(f"/trainer/cohorts/{cohort_id}/sessions").get_data(as_text=True)
    assert "Kick-off" in html and "Harbour house" in html and "3 hours" in html
    resp = tclient.post(f"/trainer/cohorts/{cohort_id}/sessions/{sid}/edit",
                        data={"title": "Kick-off (moved)", "starts_at": "2030-05-02T13:30", "minutes": "120", "location": ""})
    assert resp.status_code == 302
    with app.app_context():
        row = db.session().get(CohortSession, sid)
        assert row.title == "Kick-off (moved)" and row.minutes == 120 and row.location is None
        assert row.starts_at.replace(tzinfo=timezone.utc) == datetime(2030, 5, 2, 13, 30, tzinfo=timezone.utc)
    assert tclient.post(f"/trainer/cohorts/{cohort_id}/sessions/{sid}/delete").status_code == 302
    assert _count(app, CohortSession) == 0


@pytest.mark.parametrize("country, typed, utc, shown", [
    ("LV", "2030-01-15T09:00", datetime(2030, 1, 15, 7, 0), "9:00 AM (Riga)"),      # winter: UTC+2
    ("LV", "2030-07-15T09:00", datetime(2030, 7, 15, 6, 0), "9:00 AM (Riga)"),      # summer: UTC+3
    ("GL", "2030-01-15T09:00", None, "9:00 AM (Nuuk)"),  # Nuuk's rules changed in 2023: from the system's tz data
    ("IS", "2030-07-15T09:00", datetime(2030, 7, 15, 9, 0), "9:00 AM (Reykjavik)"),  # no summer time
    ("", "2030-07-15T09:00", datetime(2030, 7, 15, 9, 0), "9:00 AM (UTC)"),
])
def test_sessions_are_typed_and_shown_in_the_groups_local_time(tclient, app, country, typed, utc, shown):
    cohort_id = _create(tclient, country=country)
    data = {"title": "Kick-off", "starts_at": typed, "minutes": "180", "location": "", "token": "tz" * 11}
    assert tclient.post(f"/trainer/cohorts/{cohort_id}/sessions", data=data).status_code == 302
    if utc is None:
        from zoneinfo import ZoneInfo

        utc = datetime.fromisoformat(typed).replace(tzinfo=ZoneInfo("America/Nuuk")).astimezone(timezone.utc).replace(tzinfo=None)
    with app.app_context():
        row = db.session().scalar(select(CohortSession))
        assert row.starts_at.replace(tzinfo=timezone.utc) == utc.replace(tzinfo=timezone.utc)
        sid = row.id
    def page(url):  # Babel separates "9:00" and "AM" with a narrow no-break space
        return tclient.get(url).get_data(as_text=True).replace("\u202f", " ").replace("\xa0", " ")

    assert shown in page(f"/trainer/cohorts/{cohort_id}/sessions")
    assert shown in page(f"/trainer/cohorts/{cohort_id}")
    # the edit form shows the local time again, and saving it unchanged keeps the time
    form = tclient.get(f"/trainer/cohorts/{cohort_id}/sessions/{sid}/edit").get_data(as_text=True)
    assert f'value="{typed}"' in form
    tclient.post(f"/trainer/cohorts/{cohort_id}/sessions/{sid}/edit",
                 data={"title": "Kick-off", "starts_at": typed, "minutes": "180", "location": ""})
    with app.app_context():
        assert db.session().get(CohortSession, sid).starts_at.replace(tzinfo=timezone.utc) == utc.replace(tzinfo=timezone.utc)


def test_attendance_saved_twice_keeps_one_record_per_member_and_updates_it(tclient, app, make_user, client_for):
    cohort_id = _create(tclient)
    a, b, outsider = make_user(name="Ane"), make_user(name="Bo"), make_user(name="Outsider")
    for u in (a, b):
        client_for(u).post("/learn/join", data={"code": _code(app, cohort_id)})
    tclient.post(f"/trainer/cohorts/{cohort_id}/sessions", data={"title": "S1", "starts_at": "2030-05-01T09:00", "minutes": "180", "token": "t" * 20})
    with app.app_context():
        sid = db.session().scalar(select(CohortSession.id))
    url = f"/trainer/cohorts/{cohort_id}/sessions/{sid}/attendance"
    form = tclient.get(url).get_data(as_text=True)
    assert "Ane" in form and "Present" in form and "Excused" in form and "Outsider" not in form
    for _ in range(2):
        assert tclient.post(url, data={f"m{a.id}": "present", f"m{b.id}": "absent", f"m{outsider.id}": "present"}).status_code == 302
    assert _count(app, Attendance) == 2
    assert tclient.post(url, data={f"m{b.id}": "excused"}).status_code == 302
    with app.app_context():
        got = dict(db.session().execute(select(Attendance.user_id, Attendance.status)).all())
    assert got == {a.id: "present", b.id: "excused"}
    assert tclient.post(url, data={f"m{a.id}": "asleep"}).status_code == 400
    assert 'checked' in tclient.get(url).get_data(as_text=True)


# -- announcements ---------------------------------------------------------------------------------------------


def test_an_announcement_is_posted_once_mailed_to_each_member_and_shown_on_their_dashboard(tclient, app, make_user, client_for, monkeypatch):
    import flask_babel

    import lms.trainer.services as services

    cohort_id = _create(tclient)
    nb = make_user(name="Nora", locale="nb")
    en = make_user(name="Eve", locale="en")
    for u in (nb, en):
        client_for(u).post("/learn/join", data={"code": _code(app, cohort_id)})
    locales = []
    real = services._

    def spy(text, **kw):
        locales.append(str(flask_babel.get_locale()))
        return real(text, **kw)

    monkeypatch.setattr(services, "_", spy)
    data = {"title": "Bring your laptop", "body": "Session 2 is at the harbour.", "token": "once-" + "x" * 20}
    for _ in range(2):
        assert tclient.post(f"/trainer/cohorts/{cohort_id}/announcements", data=data).status_code == 302
    assert _count(app, Announcement) == 1
    outbox = app.extensions["lms"].mail.outbox
    assert sorted(m["To"] for m in outbox) == sorted([nb.email, en.email])
    assert all("Bring your laptop" in m["Subject"] and "Session 2 is at the harbour." in m.get_content() for m in outbox)
    assert "nb" in locales and "en" in locales
    html = client_for(nb).get("/learn/").get_data(as_text=True)
    assert "Bring your laptop" in html and "Session 2 is at the harbour." in html
    assert tclient.post(f"/trainer/cohorts/{cohort_id}/announcements", data={**data, "token": ""}).status_code == 400


def test_announcements_of_other_cohorts_are_not_shown_to_a_learner(tclient, app, learner_client):
    cohort_id = _create(tclient)
    tclient.post(f"/trainer/cohorts/{cohort_id}/announcements", data={"title": "Secret plan", "body": "x", "token": "y" * 20})
    assert "Secret plan" not in learner_client.get("/learn/").get_data(as_text=True)


# -- progress grid and drill-down ------------------------------------------------------------------------------


def _add_learners(app, cohort_id: int, n: int, joined_days_ago: int = 1) -> list[int]:
    """Members inserted directly (fast), enrolled in the demo course."""
    with app.app_context():
        sess = db.session()
        pw = _password_hash()
        ids = []
        for i in range(n):
            u = User(email=f"bulk{cohort_id}-{i}@example.org", password_hash=pw, display_name=f"Learner {i:02d}", role="learner", locale="en")
            sess.add(u)
            sess.flush()
            when = datetime.now(timezone.utc) - timedelta(days=joined_days_ago)
            sess.add(CohortMember(cohort_id=cohort_id, user_id=u.id, joined_at=when))
            sess.add(Enrolment(user_id=u.id, course_id="demo-course", enrolled_at=when))
            ids.append(u.id)
        sess.commit()
        return ids


def _progress(app, user_id: int, keys: list[str], done: bool = True, days_ago: int = 0, quiz: float | None = None) -> None:
    with app.app_context():
        sess = db.session()
        when = datetime.now(timezone.utc) - timedelta(days=days_ago)
        for key in keys:
            lid = sess.scalar(select(Lesson.id).where(Lesson.course_id == "demo-course", Lesson.key == key))
            sess.add(LessonProgress(user_id=user_id, lesson_id=lid, course_id="demo-course", started_at=when,
                                    last_seen_at=when, completed_at=when if done else None))
        if quiz is not None:
            sess.add(QuizAttempt(user_id=user_id, quiz_id="demo-quiz", course_id="demo-course", number=1, status="graded",
                                 started_at=when, submitted_at=when, percent=quiz, passed=quiz >= 70, layout=[], answers={}))
        sess.commit()


def test_the_grid_shows_each_member_per_lesson_and_quiz_as_text_in_an_accessible_table(tclient, app):
    cohort_id = _create(tclient)
    a, b = _add_learners(app, cohort_id, 2)
    _progress(app, a, ["intro", "details"], quiz=85.0)
    _progress(app, b, ["intro"], done=False)
    html = tclient.get(f"/trainer/cohorts/{cohort_id}").get_data(as_text=True)
    assert '<th scope="colgroup" colspan="4">Demo course</th>' in html
    assert '<th scope="col" class="item">Introduction</th>' in html and "Quiz: First module" in html
    body = html[html.index('<table class="table grid"'):]
    row_a = body[body.index("Learner 00"):body.index("Learner 01")]
    assert row_a.count("completed</span>") == 2 and "85%" in row_a and "passed</span>" in row_a
    row_b = body[body.index("Learner 01"):body.index("</tbody>")]
    assert "started</span>" in row_b and "not taken</span>" in row_b
    assert "75%" in row_a and '<th scope="row">' in html


def test_the_grid_needs_the_same_few_queries_for_30_learners_as_for_2(tclient, app):
    small = _create(tclient, token="small-cohort-token-0001")
    big = _create(tclient, token="big-cohort-token-000001")
    for cid, n in ((small, 2), (big, 30)):
        for uid in _add_learners(app, cid, n):
            _progress(app, uid, ["intro"], quiz=50.0)
    engine = app.extensions["lms"].engine
    counts = {}
    for cid in (small, big):
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            resp = tclient.get(f"/trainer/cohorts/{cid}")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert resp.status_code == 200
        counts[cid] = len(statements)
    assert counts[small] == counts[big]
    assert counts[big] <= 20, counts


def test_falling_behind_flags_the_inactive_and_those_far_below_the_median(tclient, app):
    cohort_id = _create(tclient)
    fast1, fast2, slow, idle = _add_learners(app, cohort_id, 4, joined_days_ago=20)
    for uid in (fast1, fast2):
        _progress(app, uid, ["intro", "details", "wrap-up"], quiz=90.0)
    _progress(app, slow, ["intro"])
    _progress(app, idle, ["intro", "details", "wrap-up"], days_ago=10)
    with app.test_request_context():
        from lms.trainer import grid, services

        trainer_user = db.session().scalar(select(User).where(User.role == "trainer"))
        g = grid.cohort_grid(services.cohort_for(trainer_user, cohort_id), "en")
        flags = {r.user.id: r.behind for r in g.rows}
        assert flags[fast1] == [] and flags[fast2] == []
        assert flags[slow] == ["median"]
        assert flags[idle] == ["inactive"]
        # not running: nobody is flagged
        g.running = False
        ended = grid.cohort_grid(services.cohort_for(trainer_user, cohort_id), "en",
                                 now=datetime.now(timezone.utc) + timedelta(days=60))
        assert not ended.running and ended.behind == []
    html = tclient.get(f"/trainer/cohorts/{cohort_id}").get_data(as_text=True)
    assert "more than 25 percentage points below" in html and "needs attention" in html


def test_the_drilldown_shows_lessons_quiz_attempts_exercises_and_attendance(tclient, app):
    cohort_id = _create(tclient)
    (uid,) = _add_learners(app, cohort_id, 1)
    _progress(app, uid, ["intro"], quiz=60.0)
    tclient.post(f"/trainer/cohorts/{cohort_id}/sessions", data={"title": "Kick-off", "starts_at": "2030-05-01T09:00", "minutes": "180", "token": "d" * 20})
    with app.app_context():
        sid = db.session().scalar(select(CohortSession.id))
    tclient.post(f"/trainer/cohorts/{cohort_id}/sessions/{sid}/attendance", data={f"m{uid}": "excused"})
    html = tclient.get(f"/trainer/cohorts/{cohort_id}/learners/{uid}").get_data(as_text=True)
    assert "Learner 00" in html and "Introduction" in html and "Completed on" in html and "Not started" in html
    assert "60%" in html and "not passed" in html
    assert "Kick-off" in html and "Excused" in html
    assert tclient.get(f"/trainer/cohorts/{cohort_id}/learners/999999").status_code == 404


def test_the_privacy_export_contains_memberships_and_attendance(tclient, app, learner, client_for):
    cohort_id = _create(tclient)
    lc = client_for(learner)
    _join(app, lc, cohort_id)
    tclient.post(f"/trainer/cohorts/{cohort_id}/sessions", data={"title": "Kick-off", "starts_at": "2030-05-01T09:00", "minutes": "180", "token": "e" * 20})
    with app.app_context():
        sid = db.session().scalar(select(CohortSession.id))
    tclient.post(f"/trainer/cohorts/{cohort_id}/sessions/{sid}/attendance", data={f"m{learner.id}": "present"})
    data = lc.get("/account/export.json").get_json()
    assert data["cohorts"][0]["cohort"] == "Ilulissat pilot"
    assert data["attendance"][0] == {**data["attendance"][0], "session": "Kick-off", "status": "present"}


def test_issuing_certificates_reaches_exactly_the_members_who_completed(tclient, app):
    from sqlalchemy import update

    from lms.models import Certificate

    cohort_id = _create(tclient)
    done, busy = _add_learners(app, cohort_id, 2)
    with app.app_context():
        db.session().execute(update(Enrolment).where(Enrolment.user_id == done).values(completed_at=datetime.now(timezone.utc)))
        db.session().commit()
    assert "Issue certificates to everyone who completed" in tclient.get(f"/trainer/cohorts/{cohort_id}").get_data(as_text=True)
    for _ in range(2):
        assert tclient.post(f"/trainer/cohorts/{cohort_id}/certificates").status_code == 302
    with app.app_context():
        holders = db.session().scalars(select(Certificate.user_id)).all()
    assert holders == [done]


def test_with_csrf_on_the_trainer_forms_carry_their_token_and_a_missing_token_is_refused(app, tclient, learner, client_for):
    from tests.conftest import csrf_from

    app.config["WTF_CSRF_ENABLED"] = True
    page = tclient.get("/trainer/cohorts/new").get_data(as_text=True)
    token = csrf_from(page)
    once = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    data = {**_cohort_form(token=once)}
    assert tclient.post("/trainer/cohorts/new", data=data).status_code == 400
    resp = tclient.post("/trainer/cohorts/new", data={**data, "csrf_token": token})
    assert resp.status_code == 302
    cohort_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    overview = tclient.get(f"/trainer/cohorts/{cohort_id}").get_data(as_text=True)
    for action in ("code", "certificates"):
        assert re.search(rf'action="/trainer/cohorts/{cohort_id}/{action}"><input id="csrf_token" name="csrf_token" type="hidden"', overview), action
    lc = client_for(learner)
    join_page = lc.get(f"/learn/join/{_code(app, cohort_id)}").get_data(as_text=True)
    assert lc.post("/learn/join", data={"code": _code(app, cohort_id), "csrf_token": csrf_from(join_page)}).status_code == 302
    people = tclient.get(f"/trainer/cohorts/{cohort_id}/people").get_data(as_text=True)
    assert people.count('name="csrf_token"') >= 3  # add member, invite co-trainer, remove member


def test_the_owner_edits_the_cohort_details(tclient, app):
    cohort_id = _create(tclient)
    page = tclient.get(f"/trainer/cohorts/{cohort_id}/edit").get_data(as_text=True)
    assert 'value="Ilulissat pilot"' in page and "checked" in page
    resp = tclient.post(f"/trainer/cohorts/{cohort_id}/edit", data=_cohort_form(name="Ilulissat pilot, autumn", country="", language="kl"))
    assert resp.status_code == 302
    with app.app_context():
        cohort = db.session().get(Cohort, cohort_id)
        assert (cohort.name, cohort.country, cohort.language) == ("Ilulissat pilot, autumn", None, "kl")
    assert tclient.post(f"/trainer/cohorts/{cohort_id}/edit", data=_cohort_form(courses=[])).status_code == 400


def test_members_are_enrolled_in_a_course_added_to_the_cohort(tclient, app, trainer):
    from lms.models import Course
    from lms.trainer import services

    cohort_id = _create(tclient)
    (uid,) = _add_learners(app, cohort_id, 1)
    with app.test_request_context():
        db.session().add(Course(id="other-course", slug="other-course", theme="clustering", level="beginner"))
        db.session().commit()
        acc = services.cohort_for(trainer, cohort_id)
        services.update_cohort(acc, name="Two courses", courses=["demo-course", "other-course"], language="en",
                               country=None, starts_on=None, ends_on=None)
        assert services.course_ids(cohort_id) == ["demo-course", "other-course"]
        with pytest.raises(services.CohortError):
            services.update_cohort(acc, name="x", courses=["no-such-course"], language="en", country=None, starts_on=None, ends_on=None)
    assert _count(app, Enrolment, user_id=uid, course_id="other-course") == 1
