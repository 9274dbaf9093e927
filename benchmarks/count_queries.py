"""SQL statements and in-process time per page, without a server (Flask test client, one learner).

Sets up the same isolated instance as bench.py (SQLite, or PostgreSQL with --postgres) and
prints, for each page of the benchmark, how many statements one request runs, which ones, and
the mean time of a request in this process (no network, no concurrency).

    .venv/bin/python benchmarks/count_queries.py [--postgres] [--verbose]
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench  # noqa: E402


def measure(args, seed: dict) -> list[dict]:
    from sqlalchemy import event

    from lms import create_app

    app = create_app()
    engine = app.extensions["lms"].engine
    stmts: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, params, context, executemany):  # noqa: ANN001
        stmts.append(" ".join(statement.split())[:100])

    c = app.test_client()
    html = c.get("/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    r = c.post("/account/login", data={"csrf_token": token, "email": seed["learners"][0], "password": seed["password"]})
    assert r.status_code == 302, r.status_code
    html = c.get("/learn/").get_data(as_text=True)  # the session (and its CSRF secret) is new after login
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    slug, quiz = seed["course_slug"], seed["quiz_id"]
    pages = {"catalogue": "/courses/", "lesson": f"/learn/{slug}/{seed['lesson_key']}", "dashboard": "/learn/"}
    out = []

    def one(name: str, fn) -> None:
        fn()  # warm (templates compiled, caches filled)
        stmts.clear()
        fn()
        n = len(stmts)
        listing = list(stmts)
        # The best of five batches: the machine is shared, and the quietest batch is the
        # closest to what the code itself costs.
        batch = max(1, args.repeat // 5)
        best = float("inf")
        for _ in range(5):
            t = time.process_time()
            for _ in range(batch):
                fn()
            best = min(best, (time.process_time() - t) / batch)
        ms = 1000 * best
        out.append({"page": name, "statements": n, "ms": round(ms, 2), "sql": listing})

    if args.profile:
        import cProfile
        import pstats

        path = pages[args.profile]
        _ok(c.get(path), 200)
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.repeat):
            _ok(c.get(path), 200)
        prof.disable()
        pstats.Stats(prof).sort_stats(args.sort).print_stats(45)
        if args.profile_out:
            prof.dump_stats(args.profile_out)
        return out

    for name, path in pages.items():
        one(name, lambda p=path: _ok(c.get(p), 200))

    # the quiz cycle: start, page, submit, result
    def cycle() -> None:
        r = _ok(c.post(f"/quiz/{slug}/{quiz}/start", data={"csrf_token": token}), 302)
        loc = r.headers["Location"]
        page = _ok(c.get(loc), 200).get_data(as_text=True)
        data = {"csrf_token": token, "action": "submit"}
        for name in set(re.findall(r'type="radio" name="([^"]+)"', page)):
            data[name] = re.search(rf'name="{re.escape(name)}" value="([^"]+)"', page).group(1)
        _ok(c.post(loc, data=data), 302)
        _ok(c.get(loc + "/result"), 200)

    one("quiz cycle (start+page+submit+result)", cycle)
    return out


def _ok(resp, status: int):
    if resp.status_code != status:
        raise RuntimeError(f"{resp.request.path}: {resp.status_code}, expected {status}")
    return resp


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--postgres", action="store_true")
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--verbose", action="store_true", help="list the statements")
    ap.add_argument("--profile", choices=["catalogue", "lesson", "dashboard"], help="cProfile one page instead")
    ap.add_argument("--profile-out", help="also write the raw cProfile data to this file")
    ap.add_argument("--sort", default="tottime", help="pstats sort key for --profile (tottime, cumulative)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lms-queries-"))
    try:
        env = bench.isolated_env(tmp, args.postgres)
        seed = bench.prepare(env, tmp, 50)
        os.environ.update({k: v for k, v in env.items() if k.startswith("LMS_")})
        rows = measure(args, seed)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for row in rows:
        print(f"{row['page']:40} {row['statements']:3} statements  {row['ms']:7.2f} ms CPU/request in-process (best of 5 batches)")
        if args.verbose:
            for s in row["sql"]:
                print("      " + s)
    if args.profile:
        return
    bench.save_result("queries-pg" if args.postgres else "queries", {"pages": rows})


if __name__ == "__main__":
    main()
