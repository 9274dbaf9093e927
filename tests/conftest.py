"""Fixtures: an app per test on a fresh database (SQLite by default, PostgreSQL when
LMS_TEST_DATABASE_URL is set), a client, a CLI runner and small data factories."""
from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from lms import create_app
from lms.db import Base
from lms.models import User

HERE = Path(__file__).parent
DATA = HERE / "data"
PG_URL = os.environ.get("LMS_TEST_DATABASE_URL")
PASSWORD = "correct horse battery"


def _pg_engine():
    return create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))


@pytest.fixture(scope="session")
def pg_schema_ready():
    """On PostgreSQL: one clean schema for the session, created from the models."""
    if not PG_URL:
        yield None
        return
    engine = _pg_engine()
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _truncate(engine) -> None:
    names = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def db_url(tmp_path, pg_schema_ready):
    if PG_URL:
        _truncate(pg_schema_ready)
        return PG_URL
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def content_dirs(tmp_path):
    """A private copy of the test course and quiz, so tests may edit files."""
    courses = tmp_path / "content" / "courses"
    quizzes = tmp_path / "content" / "quizzes"
    shutil.copytree(DATA / "courses", courses)
    shutil.copytree(DATA / "quizzes", quizzes)
    return courses, quizzes


def make_config(db_url: str, courses: Path, quizzes: Path, **extra) -> dict:
    cfg = {
        "TESTING": True,
        "SECRET_KEY": "test-" + uuid.uuid4().hex,
        "LMS_DATABASE_URL": db_url,
        "LMS_MAIL_BACKEND": "memory",
        "LMS_COURSES_DIR": str(courses),
        "LMS_QUIZZES_DIR": str(quizzes),
        "LMS_LOGIN_RATE_LIMIT": "1000 per minute",
        "WTF_CSRF_ENABLED": False,
        "LMS_SECURE_COOKIES": True,
        # the badge signing key is made beside the test's content, not in the repo's instance/
        "LMS_BADGE_KEY_FILE": str(Path(courses).parent / "badge-signing-key.pem"),
    }
    cfg.update(extra)
    return cfg


@pytest.fixture
def app_config(db_url, content_dirs):
    return make_config(db_url, *content_dirs)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    state = app.extensions["lms"]
    if not PG_URL:
        Base.metadata.create_all(state.engine)
    with app.app_context():
        from lms import db
        from lms.content.sync import sync_catalog

        sync_catalog(db.session(), state.content)
    yield app
    state.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    counter = {"n": 0}

    def factory(role: str = "learner", email: str | None = None, password: str = PASSWORD, **kw) -> User:
        from lms.auth import services

        counter["n"] += 1
        with app.app_context():
            return services.register_user(email or f"user{counter['n']}-{uuid.uuid4().hex[:6]}@example.org", password, kw.pop("name", f"User {counter['n']}"), role=role, **kw)

    return factory


@pytest.fixture
def login():
    def do(client, user: User, password: str = PASSWORD):
        resp = client.post("/account/login", data={"email": user.email, "password": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return resp

    return do


@pytest.fixture
def learner(make_user):
    return make_user()


@pytest.fixture
def learner_client(client, learner, login):
    login(client, learner)
    return client


def csrf_from(html: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert m, "no csrf token in page"
    return m.group(1)
