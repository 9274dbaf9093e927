"""Migrations build the schema the models describe, from an empty database."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from lms import db
from lms.db import Base
from tests.conftest import PG_URL


def _fresh_engine(tmp_path):
    if PG_URL:
        engine = db.make_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS lms_migration_test CASCADE"))
            conn.execute(text("CREATE SCHEMA lms_migration_test"))
        engine.dispose()
        from sqlalchemy import event

        engine = db.make_engine(PG_URL)

        @event.listens_for(engine, "connect")
        def _search_path(dbapi_conn, _rec):
            cur = dbapi_conn.cursor()
            cur.execute("SET search_path TO lms_migration_test")
            cur.close()
            dbapi_conn.commit()

        return engine
    return db.make_engine(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")


def test_migrations_on_an_empty_database_match_the_models(tmp_path):
    engine = _fresh_engine(tmp_path)
    try:
        assert inspect(engine).get_table_names() == []
        db.upgrade(engine)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, Base.metadata)
        assert diff == [], diff
        tables = set(inspect(engine).get_table_names())
        assert {t.name for t in Base.metadata.sorted_tables} <= tables
        assert "alembic_version" in tables
    finally:
        if PG_URL:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS lms_migration_test CASCADE"))
        engine.dispose()


def test_cli_upgrade_migrates_a_new_database_and_is_repeatable(tmp_path, content_dirs):
    from lms import create_app
    from tests.conftest import make_config

    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    app = create_app(make_config(url, *content_dirs))
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["lms", "db", "upgrade"])
        assert result.exit_code == 0, result.output
    tables = set(inspect(app.extensions["lms"].engine).get_table_names())
    assert "lms_users" in tables and "alembic_version" in tables
