"""EXPERIMENT ONLY, never for production: the standalone app with the SQLite ``BEGIN IMMEDIATE``
listener of ``lms/db.py`` removed, so transactions start deferred and reads do not take the
write lock. Writes that read first can then fail with "database is locked" under concurrency,
so this is an upper bound for the real fix (IMMEDIATE only for writing transactions), used by
``sqlite_lock.py`` to show how much the lock costs.
"""
from sqlalchemy import event

from lms import create_app

app = create_app()
_engine = app.extensions["lms"].engine
for _fn in list(_engine.dispatch.begin):
    if getattr(_fn, "__name__", "") == "_sqlite_begin":
        event.remove(_engine, "begin", _fn)
