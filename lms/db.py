"""Database plumbing: one engine per app, one session per app context, Alembic upgrades."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from flask import current_app, g
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """Timezone-aware now; stored as UTC."""
    return datetime.now(timezone.utc)


def aware(dt: datetime | None) -> datetime | None:
    """A timestamp read back from the database, as an aware UTC datetime (SQLite returns naive
    ones; every timestamp is stored in UTC)."""
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def make_engine(url: str) -> Engine:
    """Create an engine with sane defaults for SQLite (WAL, FKs, busy timeout) and PostgreSQL."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs["pool_pre_ping"] = True
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            # pysqlite's own transaction handling is off; SQLAlchemy emits BEGIN (see below).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover - trivial
            # A transaction that writes takes the write lock up front (IMMEDIATE): one that read
            # first and wrote later would fail at once with "database is locked" when another
            # request wrote in between (SQLite cannot upgrade a stale snapshot). Reads (GET
            # requests) begin DEFERRED so they never wait for each other; a GET that writes calls
            # begin_write() first.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")

    return engine


def _wants_write_lock() -> bool:
    from flask import has_request_context, request

    if not has_request_context():
        return True  # CLI, tests, background jobs: assume a write
    return request.method not in ("GET", "HEAD", "OPTIONS") or bool(g.get("_lms_write"))


def begin_write() -> None:
    """Before writing in a GET request: end the read transaction so the next one takes the
    write lock first (SQLite). Objects already loaded stay usable (expire_on_commit=False)."""
    g._lms_write = True
    sess = g.get("_lms_session")
    if sess is not None and sess.in_transaction() and sess.get_bind().dialect.name == "sqlite":
        sess.commit()


def _state():
    return current_app.extensions["lms"]


def session() -> Session:
    """The session of the current app context, created on first use."""
    sess = g.get("_lms_session")
    if sess is None:
        sess = _state().sessionmaker()
        g._lms_session = sess
    return sess


def close_session(_exc: BaseException | None = None) -> None:
    sess = g.pop("_lms_session", None)
    if sess is not None:
        sess.close()


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


def insert_ignore(sess: Session, model, values: dict[str, Any], conflict: list[str]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; returns True when a row was inserted.

    Used for idempotent writes (double submits, retries, concurrent requests): the unique
    constraint decides, not a read-then-write race in Python.
    """
    dialect = sess.get_bind().dialect.name
    ins = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = ins(model).values(**values).on_conflict_do_nothing(index_elements=conflict)
    if dialect == "postgresql":
        # On PostgreSQL SQLAlchemy adds RETURNING <pk> to tables with a serial key, and rowcount
        # is then -1 even when the conflict inserted nothing: count the returned rows instead.
        key = next(iter(model.__table__.primary_key.columns))
        return sess.execute(stmt.returning(key)).first() is not None
    result = sess.execute(stmt)
    return bool(result.rowcount)


def alembic_config(engine_url: str | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    if engine_url:
        cfg.set_main_option("sqlalchemy.url", engine_url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Apply Alembic migrations to ``engine``'s database."""
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
