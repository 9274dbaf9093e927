"""Walk the URL map: every LMS rule declares who may use it, and that is enforced."""
from __future__ import annotations

import re

import pytest

PUBLIC = {
    "lms.core.home", "lms.core.set_language", "lms.core.health", "lms.core.library",
    "lms.auth.login", "lms.auth.register", "lms.auth.forgot", "lms.auth.reset",
    "lms.catalogue.index", "lms.catalogue.course", "lms.catalogue.media", "lms.api.courses",
    "lms.certificates.verify", "lms.certificates.verify_json", "lms.certificates.issuer_key",
}


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("lms.") and rule.endpoint != "lms.static":
            yield rule


def _url(rule) -> str:
    def fill(m):
        conv = rule._converters[m.group(1)]
        return "1" if type(conv).__name__ == "IntegerConverter" else "x"

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", fill, rule.rule)


def _method(rule) -> str:
    return "GET" if "GET" in rule.methods else "POST"


def test_every_lms_view_declares_its_access_level(app):
    for rule in _rules(app):
        view = app.view_functions[rule.endpoint]
        level = getattr(view, "_lms_access", None)
        assert level in ("public", "learner", "trainer", "admin"), rule.endpoint
        assert (level == "public") == (rule.endpoint in PUBLIC), rule.endpoint
        if ".admin." in rule.endpoint:
            assert level == "admin", rule.endpoint
        if ".trainer." in rule.endpoint:
            assert level in ("trainer", "admin"), rule.endpoint


def test_anonymous_requests_are_sent_to_login_or_get_401(client, app):
    checked = 0
    for rule in _rules(app):
        if rule.endpoint in PUBLIC:
            continue
        resp = client.open(_url(rule), method=_method(rule))
        if ".api." in rule.endpoint:
            assert resp.status_code == 401, rule.rule
        else:
            assert resp.status_code == 302, (rule.rule, resp.status_code)
            assert "/account/login" in resp.headers["Location"], rule.rule
        checked += 1
    assert checked >= 10


def test_learners_get_403_on_trainer_and_admin_rules(learner_client, app):
    checked = 0
    for rule in _rules(app):
        if getattr(app.view_functions[rule.endpoint], "_lms_access") not in ("trainer", "admin"):
            continue
        resp = learner_client.open(_url(rule), method=_method(rule))
        assert resp.status_code == 403, (rule.rule, resp.status_code)
        checked += 1
    assert checked >= 4


def test_an_undeclared_view_stops_the_app():
    from flask import Flask

    from lms.extension import LMS

    app = Flask("undeclared")
    app.add_url_rule("/x", endpoint="lms.core.forgotten", view_func=lambda: "x")
    with pytest.raises(RuntimeError, match="without an access declaration: lms.core.forgotten"):
        LMS._check_access_declared(app)


def test_admin_changes_a_role(make_user, login, client, app):
    from lms import db
    from lms.models import User

    admin = make_user(role="admin")
    someone = make_user()
    login(client, admin)
    resp = client.post(f"/admin/users/{someone.id}/role", data={f"u{someone.id}-role": "trainer"})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session().get(User, someone.id).role == "trainer"
    assert client.get("/admin/users").status_code == 200


def test_admin_cannot_demote_themselves(make_user, login, client, app):
    from lms import db
    from lms.models import User

    admin = make_user(role="admin")
    login(client, admin)
    client.post(f"/admin/users/{admin.id}/role", data={f"u{admin.id}-role": "learner"})
    with app.app_context():
        assert db.session().get(User, admin.id).role == "admin"
