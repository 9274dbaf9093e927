"""CSRF, rate limits, cookies, headers, error pages."""
from __future__ import annotations

from lms import create_app
from lms.db import Base
from tests.conftest import PASSWORD, csrf_from, make_config


def _strict_app(db_url, content_dirs, **extra):
    app = create_app(make_config(db_url, *content_dirs, **{"WTF_CSRF_ENABLED": True, **extra}))
    Base.metadata.create_all(app.extensions["lms"].engine)
    return app


def test_post_without_csrf_token_is_refused(db_url, content_dirs):
    app = _strict_app(db_url, content_dirs)
    c = app.test_client()
    resp = c.post("/account/register", data={"display_name": "A", "email": "a@example.org", "password": PASSWORD, "confirm": PASSWORD, "locale": "en"})
    assert resp.status_code == 400
    assert "form expired" in resp.get_data(as_text=True)


def test_post_with_csrf_token_from_the_page_is_accepted(db_url, content_dirs):
    app = _strict_app(db_url, content_dirs)
    c = app.test_client()
    token = csrf_from(c.get("/account/register").get_data(as_text=True))
    resp = c.post("/account/register", data={"csrf_token": token, "display_name": "A", "email": "a@example.org", "password": PASSWORD, "confirm": PASSWORD, "locale": "en"})
    assert resp.status_code == 302


def test_login_is_rate_limited(db_url, content_dirs):
    app = _strict_app(db_url, content_dirs, WTF_CSRF_ENABLED=False, LMS_LOGIN_RATE_LIMIT="3 per minute")
    c = app.test_client()
    codes = [c.post("/account/login", data={"email": "x@example.org", "password": "wrong password"}).status_code for _ in range(5)]
    assert codes[:3] == [401, 401, 401]
    assert codes[3] == 429
    assert "Too many attempts" in c.post("/account/login", data={"email": "x@example.org", "password": "nope nope"}).get_data(as_text=True)


def test_security_headers_and_no_inline_script(client):
    resp = client.get("/")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    html = resp.get_data(as_text=True)
    assert "<script>" not in html and "onclick" not in html


def test_session_cookie_is_secure_httponly_samesite(client, learner):
    resp = client.post("/account/login", data={"email": learner.email, "password": PASSWORD})
    cookie = next(v for k, v in resp.headers.items() if k == "Set-Cookie" and v.startswith("lms_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_unknown_page_is_a_translated_404(client):
    client.set_cookie("lms_lang", "nb")
    resp = client.get("/no/such/page")
    assert resp.status_code == 404
    assert 'lang="nb"' in resp.get_data(as_text=True)


def test_malformed_ids_in_urls_give_404_not_500(learner_client):
    for url in ["/quiz/attempt/abc", "/quiz/attempt/99999999", "/courses/%00", "/learn/no-such-course/%2e%2e", "/courses/demo-course/media/..%2f..%2fcourse.yaml"]:
        assert learner_client.get(url).status_code == 404, url


def test_unexpected_error_is_a_friendly_500(app, client, monkeypatch):
    from lms.catalogue import services

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(services, "catalogue_courses", boom)
    resp = client.get("/courses/")
    assert resp.status_code == 500
    assert "kaboom" not in resp.get_data(as_text=True)
    assert "Something went wrong" in resp.get_data(as_text=True)
