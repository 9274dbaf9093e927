"""A/B: how much does taking SQLite's write lock in every transaction cost?

Runs the catalogue, lesson and dashboard scenarios of bench.py (16 connections, 10 s each)
against the app as shipped (``wsgi:app``) and against ``wsgi_deferred:app`` (the BEGIN
IMMEDIATE listener removed; see that file's warning), on the same freshly seeded instance.

    .venv/bin/python benchmarks/experiments/sqlite_lock.py
"""
from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import bench  # noqa: E402
from common import HOST, CpuMeter, Server, free_port, gunicorn_argv, save_result, wrk  # noqa: E402


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="lms-lock-"))
    rows = []
    try:
        env = bench.app_env(f"sqlite:///{tmp / 'lms.sqlite3'}", tmp)
        seed = bench.prepare(env, tmp, 300)
        env["PYTHONPATH"] = str(HERE)
        for app in ("wsgi:app", "wsgi_deferred:app"):
            port = free_port()
            srv = Server(gunicorn_argv(bench.VENV_BIN, port, app), env, tmp / "gunicorn.log")
            base = f"http://{HOST}:{port}"
            try:
                srv.wait_ready(base + "/healthz")
                time.sleep(1)
                cookies = asyncio.run(bench._make_cookies(base, seed["learners"][:64], seed["password"]))
                cookie_file = tmp / "cookies.txt"
                cookie_file.write_text("\n".join(cookies) + "\n")
                pages = [("catalogue", "/courses/", None),
                         ("lesson", f"/learn/{seed['course_slug']}/{seed['lesson_key']}", cookie_file),
                         ("dashboard", "/learn/", cookie_file)]
                for name, path, cookie in pages:
                    wrk(base + path, 16, 2, cookie)
                    meter = CpuMeter(srv.pid)
                    r = wrk(base + path, 16, 10, cookie)
                    r.update(meter.stop(r["requests"]))
                    r.update(app=app, page=name)
                    rows.append(r)
                    print(f"{app:18} {name:10} {r['rps']:7.1f} req/s  p99 {r['p99_ms']:7.1f} ms  errors {r['errors']}  "
                          f"server {r['server_cpu_ms_per_request']} ms CPU/request, {r['server_cores_busy']} cores; "
                          f"other processes {r['other_cores_busy']} cores", flush=True)
            finally:
                srv.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    save_result("sqlite-lock", {"runs": rows})


if __name__ == "__main__":
    main()
