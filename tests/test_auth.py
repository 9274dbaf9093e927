"""Accounts: register, login, logout, passwords, reset tokens, profile, safe redirects."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lms import db
from lms.models import PasswordResetToken, User
from tests.conftest import PASSWORD


def _count_users(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(User))


def test_register_creates_account_and_logs_in(client, app):
    resp = client.post("/account/register", data={
        "display_name": "Aputsiaq", "email": "Aputsiaq@Example.org", "password": PASSWORD,
        "confirm": PASSWORD, "locale": "kl", "country": "GL", "organisation": "Sea Tours",
    })
    assert resp.status_code == 302
    with app.app_context():
        user = db.session().scalar(select(User))
        assert user.email == "aputsiaq@example.org"
        assert user.locale == "kl" and user.country == "GL" and user.role == "learner"
        assert user.password_hash.startswith("scrypt:")
    assert client.get("/learn/").status_code == 200


def test_duplicate_email_gets_a_clear_message_and_409(client, make_user, app):
    make_user(email="taken@example.org")
    resp = client.post("/account/register", data={
        "display_name": "X", "email": "TAKEN@example.org", "password": PASSWORD, "confirm": PASSWORD, "locale": "en",
    })
    assert resp.status_code == 409
    assert "already exists" in resp.get_data(as_text=True)
    assert _count_users(app) == 1


def test_over_long_field_is_rejected_without_writing(client, app):
    resp = client.post("/account/register", data={
        "display_name": "x" * 101, "email": "long@example.org", "password": PASSWORD, "confirm": PASSWORD, "locale": "en",
    })
    assert resp.status_code == 400
    assert "aria-invalid" in resp.get_data(as_text=True)
    assert _count_users(app) == 0


def test_form_errors_are_translated(client):
    client.set_cookie("lms_lang", "nb")
    resp = client.post("/account/register", data={"display_name": "", "email": "bad", "password": "x", "confirm": "y", "locale": "en"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'lang="nb"' in html
    # WTForms ships Norwegian Bokmål messages; our own strings come from our catalog
    assert "role=\"alert\"" in html


def test_wrong_password_is_refused(client, learner):
    resp = client.post("/account/login", data={"email": learner.email, "password": "wrong password!"})
    assert resp.status_code == 401
    assert client.get("/learn/").status_code == 302


def test_logout_invalidates_the_old_session_cookie(client, learner, login):
    login(client, learner)
    stolen = client.get_cookie("lms_session").value
    assert client.post("/account/logout").status_code == 302
    client.set_cookie("lms_session", stolen)
    resp = client.get("/learn/")
    assert resp.status_code == 302 and "/account/login" in resp.headers["Location"]


def test_login_renews_the_session(client, learner):
    client.get("/account/login")
    client.set_cookie("lms_session", "planted-session-value")
    client.post("/account/login", data={"email": learner.email, "password": PASSWORD})
    assert client.get_cookie("lms_session").value != "planted-session-value"


@pytest.mark.parametrize("evil", ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", "http:/evil", " //evil", "/\t/evil", "/\n/evil"])
def test_next_parameter_never_leaves_the_site(client, learner, evil):
    resp = client.post("/account/login", data={"email": learner.email, "password": PASSWORD, "next": evil})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/learn/"


def test_next_parameter_leads_to_a_local_path(client, learner):
    resp = client.post("/account/login", data={"email": learner.email, "password": PASSWORD, "next": "/courses/demo-course"})
    assert resp.headers["Location"] == "/courses/demo-course"


def test_change_password_requires_current_and_ends_other_sessions(app, learner, login):
    a, b = app.test_client(), app.test_client()
    login(a, learner)
    login(b, learner)
    bad = a.post("/account/password", data={"current": "not it at all", "password": "new password here", "confirm": "new password here"})
    assert bad.status_code == 400
    ok = a.post("/account/password", data={"current": PASSWORD, "password": "new password here", "confirm": "new password here"})
    assert ok.status_code == 302
    assert a.get("/learn/").status_code == 200  # this browser stays in
    assert b.get("/learn/").status_code == 302  # the other device is logged out


def _reset_link(app) -> str:
    msg = app.extensions["lms"].mail.outbox[-1]
    body = msg.get_content()
    return next(line.strip() for line in body.splitlines() if "/account/reset/" in line)


def test_password_reset_by_emailed_single_use_token(client, app, learner):
    resp = client.post("/account/forgot", data={"email": learner.email})
    assert resp.status_code == 302
    link = _reset_link(app)
    path = link[link.index("/account/reset/"):]
    assert client.get(path).status_code == 200
    resp = client.post(path, data={"password": "brand new secret", "confirm": "brand new secret"})
    assert resp.status_code == 302
    # Used once: the second use is refused with a clear message.
    again = client.post(path, data={"password": "another secret 1", "confirm": "another secret 1"})
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert client.post("/account/login", data={"email": learner.email, "password": "brand new secret"}).status_code == 302


def test_forgot_password_does_not_reveal_unknown_addresses(client, app):
    resp = client.post("/account/forgot", data={"email": "nobody@example.org"})
    assert resp.status_code == 302
    assert app.extensions["lms"].mail.outbox == []


def test_expired_reset_token_is_refused(client, app, learner):
    client.post("/account/forgot", data={"email": learner.email})
    path = _reset_link(app)
    path = path[path.index("/account/reset/"):]
    with app.app_context():
        row = db.session().scalar(select(PasswordResetToken))
        row.expires_at = datetime.now(timezone.utc) - timedelta(seconds=1)
        db.session().commit()
    resp = client.get(path)
    assert resp.status_code == 410 and "expired" in resp.get_data(as_text=True)


def test_unknown_reset_token_is_refused(client):
    assert client.get("/account/reset/not-a-token").status_code == 410


def test_profile_update_changes_language(learner_client, app, learner):
    resp = learner_client.post("/account/profile", data={"display_name": "Ieva", "locale": "lv", "country": "LV", "organisation": ""})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session().get(User, learner.id).locale == "lv"
    assert 'lang="lv"' in learner_client.get("/account/profile").get_data(as_text=True)


def test_learner_downloads_own_data_as_json(learner_client, learner):
    resp = learner_client.get("/account/export.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    data = resp.get_json()
    assert data["account"]["email"] == learner.email
    assert set(data) >= {"account", "enrolments", "lesson_progress", "quiz_attempts"}


def test_create_admin_command_uses_env_password(runner, app, monkeypatch):
    monkeypatch.setenv("LMS_ADMIN_PASSWORD", "admin password 1")
    result = runner.invoke(args=["lms", "create-admin", "boss@example.org"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session().scalar(select(User).where(User.email == "boss@example.org"))
        assert user.role == "admin"


def test_create_admin_refuses_a_short_password(runner, monkeypatch):
    monkeypatch.setenv("LMS_ADMIN_PASSWORD", "short")
    result = runner.invoke(args=["lms", "create-admin", "boss@example.org"])
    assert result.exit_code != 0


def test_reset_mail_is_in_the_accounts_language(client, app, make_user):
    user = make_user(locale="nb")
    client.post("/account/forgot", data={"email": user.email})
    msg = app.extensions["lms"].mail.outbox[-1]
    assert msg["Subject"] != "Reset your password"
    assert "/account/reset/" in msg.get_content()
    assert user.display_name in msg.get_content()


def test_a_new_user_from_a_join_link_registers_and_comes_back_to_it(client):
    # an anonymous visitor follows a trainer's join link, is sent to log in, chooses to register
    login_page = client.get("/learn/join/ABCD-2345", follow_redirects=True).get_data(as_text=True)
    assert 'href="/account/register?next=/learn/join/ABCD-2345"' in login_page
    form = client.get("/account/register?next=%2Flearn%2Fjoin%2FABCD-2345").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/learn/join/ABCD-2345"' in form
    resp = client.post("/account/register", data={
        "display_name": "Nivi", "email": "nivi@example.org", "password": PASSWORD, "confirm": PASSWORD,
        "locale": "kl", "country": "GL", "next": "/learn/join/ABCD-2345",
    })
    assert resp.status_code == 302 and resp.headers["Location"] == "/learn/join/ABCD-2345"


@pytest.mark.parametrize("evil", ["https://evil.example", "//evil.example", "/\\evil.example"])
def test_register_next_never_leaves_the_site(client, evil):
    resp = client.post("/account/register", data={
        "display_name": "Eve", "email": "eve@example.org", "password": PASSWORD, "confirm": PASSWORD,
        "locale": "en", "next": evil,
    })
    assert resp.status_code == 302 and resp.headers["Location"] == "/learn/"
