"""The factory, the extension and the plugin mount."""
from __future__ import annotations

import re

from flask import Flask, redirect
from sqlalchemy import inspect

from lms import LMS, create_app
from lms.db import Base
from tests.conftest import make_config


def test_create_app_serves_home_page(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert "<html lang=\"en\">" in resp.get_data(as_text=True)


def test_two_apps_in_one_process_keep_separate_state(db_url, content_dirs, tmp_path):
    a = create_app(make_config(db_url, *content_dirs, LMS_SITE_NAME="Alpha"))
    b = create_app(make_config(f"sqlite:///{tmp_path / 'b.sqlite3'}", *content_dirs, LMS_SITE_NAME="Beta"))
    assert a.extensions["lms"] is not b.extensions["lms"]
    assert a.extensions["lms"].engine is not b.extensions["lms"].engine
    Base.metadata.create_all(b.extensions["lms"].engine)
    assert "Beta" in b.test_client().get("/").get_data(as_text=True)
    assert "Alpha" not in b.test_client().get("/").get_data(as_text=True)


def _host_app(db_url, content_dirs):
    host = Flask("host")
    host.config.update(make_config(db_url, *content_dirs))

    @host.route("/")
    def host_home():
        return "host home"

    @host.route("/go-learn")
    def go_learn():
        return redirect("/learn/")

    LMS(host, url_prefix="/learn")
    Base.metadata.create_all(host.extensions["lms"].engine)
    with host.app_context():
        from lms import db
        from lms.content.sync import sync_catalog

        sync_catalog(db.session(), host.extensions["lms"].content)
    return host


def test_mounted_lms_keeps_host_routes_and_prefixes_every_url(db_url, content_dirs, make_user):
    host = _host_app(db_url, content_dirs)
    c = host.test_client()
    assert c.get("/").get_data(as_text=True) == "host home"
    assert host.extensions["lms"].url_prefix == "/learn"

    pages = ["/learn/", "/learn/courses/", "/learn/courses/demo-course", "/learn/account/login", "/learn/account/register"]
    for page in pages:
        resp = c.get(page)
        assert resp.status_code == 200, page
        html = resp.get_data(as_text=True)
        urls = re.findall(r'(?:href|src|action)="([^"]+)"', html)
        local = [u for u in urls if u.startswith("/")]
        assert local, page
        assert all(u.startswith("/learn/") or u == "/learn" for u in local), (page, [u for u in local if not u.startswith("/learn")])
        assert "/learn/static/lms/site.css" in html

    assert c.get("/learn/static/lms/site.css").status_code == 200
    # A login redirect carries the prefix, and so does the "next" it leads back to.
    resp = c.get("/learn/learn/")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/learn/account/login")
    assert "next=/learn/learn/" in resp.headers["Location"]


def test_mounted_lms_login_redirects_inside_prefix(db_url, content_dirs):
    host = _host_app(db_url, content_dirs)
    with host.app_context():
        from lms.auth import services

        services.register_user("p@example.org", "correct horse battery", "P")
    c = host.test_client()
    resp = c.post("/learn/account/login", data={"email": "p@example.org", "password": "correct horse battery"})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/learn/learn/"


def test_mounting_twice_is_refused(db_url, content_dirs):
    host = Flask("host2")
    host.config.update(make_config(db_url, *content_dirs))
    LMS(host)
    try:
        LMS(host)
    except RuntimeError as exc:
        assert "already mounted" in str(exc)
    else:
        raise AssertionError("mounting twice must fail")


def test_extension_requires_a_secret_key(content_dirs, tmp_path):
    host = Flask("nosecret")
    cfg = make_config(f"sqlite:///{tmp_path / 'x.sqlite3'}", *content_dirs)
    cfg.pop("SECRET_KEY")
    host.config.update(cfg)
    try:
        LMS(host)
    except RuntimeError as exc:
        assert "SECRET_KEY" in str(exc)
    else:
        raise AssertionError("missing SECRET_KEY must fail loudly")


def test_every_model_table_exists(app):
    names = set(inspect(app.extensions["lms"].engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= names
