"""Analytics at scale: generate 100,000 learners (about 300,000 enrolments and 5,000,000
lesson-progress rows) with ``flask lms demo-data`` and time every analytics page on SQLite and
on PostgreSQL.

    .venv/bin/python benchmarks/analytics_bench.py --db sqlite --db postgresql --write-docs
    .venv/bin/python benchmarks/analytics_bench.py --db sqlite --learners 2000      # a quick try
    .venv/bin/python benchmarks/analytics_bench.py --db postgresql --reuse           # time again

Databases: SQLite in ``instance/analytics_bench.sqlite3``; PostgreSQL in a database of its own,
``lms_analytics_bench`` (created, or dropped and created again; never the test database).

Course content: the shipped courses have 52 lessons, and a learner has one progress row per
lesson, so 300,000 enrolments give at most about 3 million rows. To reach the 5 million rows of
the scale target with realistic drop-off, the benchmark uses a copy of the courses in which
every lesson is listed four times (``file:`` points at the same lesson file): about 40 lessons
per course, the size of a long course.

Pages are requested in-process with Flask's test client as a logged-in administrator (and a
trainer for the trainer's view): the time covers routing, the queries, the charts (pygal) and
the template, not the network. Each page is requested once cold, then ``--runs`` times; the
median and the slowest of those runs are reported.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_NAME = "lms_analytics_bench"
ADMIN = ("analytics-bench-admin@example.org", "analytics bench admin password")
TRAINER = ("analytics-bench-trainer@example.org", "analytics bench trainer password")
SECTION = "## Analytics at scale"


def scaled_courses(src: Path, dst: Path, factor: int) -> Path:
    """A copy of the courses with every lesson listed ``factor`` times (same lesson files)."""
    import yaml

    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    for course_yaml in dst.glob("*/course.yaml"):
        data = yaml.safe_load(course_yaml.read_text(encoding="utf-8"))
        for module in data["modules"]:
            lessons = []
            for lesson in module["lessons"]:
                lessons.append(lesson)
                lessons += [{"id": f"{lesson['id']}-r{k}", "file": lesson.get("file", lesson["id"])} for k in range(2, factor + 1)]
            module["lessons"] = lessons
        course_yaml.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dst


def pg_recreate(base_url: str) -> str:
    import psycopg

    admin_url = base_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
        conn.execute(f"CREATE DATABASE {PG_NAME}")
    return base_url.rsplit("/", 1)[0] + "/" + PG_NAME


def flask(env: dict, *args: str) -> None:
    cmd = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", "lms", *args]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)


def make_app(url: str, courses: Path):
    from lms import create_app

    return create_app({
        "LMS_DATABASE_URL": url, "LMS_COURSES_DIR": str(courses), "SECRET_KEY": "analytics-bench",
        "LMS_LOGIN_RATE_LIMIT": "10000 per minute", "LMS_SECURE_COOKIES": False, "WTF_CSRF_ENABLED": False,
    })


def prepare_people(app) -> dict:
    """An administrator and a trainer who co-trains three demo cohorts, with known passwords."""
    from sqlalchemy import func, select

    from lms import db
    from lms.auth import services as accounts
    from lms.db import insert_ignore
    from lms.models import Cohort, CohortMember, CohortTrainer

    with app.app_context():
        for (email, password), role in ((ADMIN, "admin"), (TRAINER, "trainer")):
            user = accounts.find_by_email(email)
            if user is None:
                accounts.register_user(email, password, role.title() + " (benchmark)", role=role)
        trainer = accounts.find_by_email(TRAINER[0])
        sess = db.session()
        # the three biggest cohorts
        cohorts = [cid for cid, _n in sess.execute(
            select(CohortMember.cohort_id, func.count()).group_by(CohortMember.cohort_id).order_by(func.count().desc()).limit(3)
        )]
        for cid in cohorts:
            insert_ignore(sess, CohortTrainer, {"cohort_id": cid, "user_id": trainer.id, "role": "co-trainer",
                                                "added_at": datetime.now(timezone.utc)}, ["cohort_id", "user_id"])
        sess.commit()
        first_course = sorted(app.extensions["lms"].content.courses)[0]
        members = sess.scalar(select(func.count()).select_from(CohortMember).where(CohortMember.cohort_id.in_(cohorts)))
        return {"cohorts": cohorts, "cohort": cohorts[0], "course": first_course, "members": members,
                "cohort_name": sess.get(Cohort, cohorts[0]).name}


def counts(app) -> dict:
    from sqlalchemy import func, select

    from lms import db
    from lms.models import Certificate, Cohort, Enrolment, LessonProgress, QuizAttempt, User

    with app.app_context():
        sess = db.session()
        out = {name: sess.scalar(select(func.count()).select_from(model)) for name, model in (
            ("users", User), ("enrolments", Enrolment), ("lesson progress", LessonProgress),
            ("quiz attempts", QuizAttempt), ("certificates", Certificate), ("cohorts", Cohort))}
        out["learners"] = sess.scalar(select(func.count()).select_from(User).where(User.role == "learner"))
        return out


def db_size(url: str) -> str:
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        return f"{size / 1e9:.1f} GB"
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT pg_size_pretty(pg_database_size('{PG_NAME}'))").fetchone()[0]


def login(app, email: str, password: str):
    client = app.test_client()
    resp = client.post("/account/login", data={"email": email, "password": password})
    if resp.status_code != 302:
        raise SystemExit(f"could not log in as {email}")
    return client


def cases(ctx: dict) -> list[tuple[str, str, str]]:
    """(who, label, path): the pages with the filters a coordinator or a trainer would use."""
    today = date.today()
    half_year = f"date_from={(today - timedelta(days=182)).isoformat()}&date_to={today.isoformat()}"
    last_year = f"date_from={date(today.year - 1, 1, 1).isoformat()}&date_to={date(today.year - 1, 12, 31).isoformat()}"
    c = ctx["course"]
    return [
        ("admin", "Overview, everything", "/analytics/"),
        ("admin", "Overview, one course", f"/analytics/?course={c}"),
        ("admin", "Overview, one country (GL)", "/analytics/?country=GL"),
        ("admin", "Overview, one language (lt)", "/analytics/?language=lt"),
        ("admin", "Overview, last six months", f"/analytics/?{half_year}"),
        ("admin", "Overview, last calendar year (a closed period)", f"/analytics/?{last_year}"),
        ("admin", "Overview, one cohort", f"/analytics/?cohort={ctx['cohort']}"),
        ("admin", "Countries and languages, everything", "/analytics/audience"),
        ("admin", "Countries and languages, last six months", f"/analytics/audience?{half_year}"),
        ("admin", "Funnel, biggest course", f"/analytics/funnel?course={c}"),
        ("admin", "Funnel, biggest course, one country (SE)", f"/analytics/funnel?course={c}&country=SE"),
        ("admin", "Funnel, biggest course, last six months", f"/analytics/funnel?course={c}&{half_year}"),
        ("admin", "Quiz questions, first quiz", "/analytics/quizzes"),
        ("admin", "Quiz questions, one country (EE)", "/analytics/quizzes?country=EE"),
        ("admin", "CSV export, courses table", "/analytics/export/courses.csv"),
        ("admin", "JSON export, funnel table", f"/analytics/export/funnel.json?course={c}"),
        ("trainer", "Trainer: overview of own cohorts", "/analytics/"),
        ("trainer", "Trainer: funnel of own cohorts", "/analytics/funnel"),
        ("trainer", "Trainer: quiz questions of own cohorts", "/analytics/quizzes"),
    ]


def time_pages(app, ctx: dict, runs: int) -> list[dict]:
    clients = {"admin": login(app, *ADMIN), "trainer": login(app, *TRAINER)}
    results = []
    for who, label, path in cases(ctx):
        client = clients[who]
        times = []
        for _ in range(runs + 1):
            started = time.perf_counter()
            resp = client.get(path)
            times.append(time.perf_counter() - started)
            if resp.status_code != 200:
                raise SystemExit(f"{path}: HTTP {resp.status_code}\n{resp.get_data(as_text=True)[:2000]}")
        cold, warm = times[0], times[1:]
        results.append({"label": label, "path": path, "cold": cold, "median": statistics.median(warm), "max": max(warm)})
        print(f"  {label:50} cold {cold * 1000:7.0f} ms   median {statistics.median(warm) * 1000:6.0f} ms   max {max(warm) * 1000:6.0f} ms")
    return results


def run(kind: str, args) -> dict:
    env = dict(os.environ)
    courses = scaled_courses(ROOT / "courses", ROOT / "instance" / "analytics_bench_courses", args.lesson_factor)
    if kind == "sqlite":
        path = ROOT / "instance" / "analytics_bench.sqlite3"
        url = f"sqlite:///{path}"
        fresh = not args.reuse or not path.exists()
        if fresh:
            for p in path.parent.glob(path.name + "*"):
                p.unlink()
    else:
        url = args.pg_url.rsplit("/", 1)[0] + "/" + PG_NAME
        fresh = not args.reuse
        if fresh:
            url = pg_recreate(args.pg_url)
    env.update(LMS_DATABASE_URL=url, LMS_COURSES_DIR=str(courses), LMS_SECRET_KEY="analytics-bench")
    generated = None
    if fresh:
        print(f"== {kind}: migrating and generating {args.learners:,} learners")
        flask(env, "db", "upgrade")
        started = time.monotonic()
        flask(env, "demo-data", "--learners", str(args.learners), "--seed", str(args.seed))
        generated = time.monotonic() - started
    app = make_app(url, courses)
    ctx = prepare_people(app)
    rows = counts(app)
    print(f"== {kind}: {rows}")
    results = time_pages(app, ctx, args.runs)
    app.extensions["lms"].engine.dispose()
    return {"kind": kind, "url": url, "counts": rows, "generated_s": generated, "size": db_size(url), "results": results,
            "ctx": ctx, "version": server_version(url)}


def server_version(url: str) -> str:
    if url.startswith("sqlite"):
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    import psycopg

    with psycopg.connect(url) as conn:
        return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0]


def markdown(runs: list[dict], args) -> str:
    load = os.getloadavg()
    lines = [
        SECTION, "",
        f"Run of {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC with `benchmarks/analytics_bench.py` "
        f"({platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {load[0]:.1f} at the end; other jobs were running on the machine).", "",
        "Data: `flask lms demo-data --learners "
        f"{args.learners} --seed {args.seed}` on courses whose lessons are listed {args.lesson_factor} times (the shipped "
        "courses have 52 lessons; one progress row per learner and lesson caps 300,000 enrolments at about 3 million "
        "rows). Each page is requested in-process as a logged-in administrator or trainer: routing, queries, "
        f"charts and template; one cold request, then {args.runs} more (median and slowest).", "",
    ]
    for r in runs:
        c = r["counts"]
        gen = f", generated in {r['generated_s'] / 60:.1f} min" if r["generated_s"] else ""
        lines += [
            f"### {r['version']}", "",
            f"{c['learners']:,} learners, {c['enrolments']:,} enrolments, {c['lesson progress']:,} lesson-progress rows, "
            f"{c['quiz attempts']:,} quiz attempts, {c['certificates']:,} certificates, {c['cohorts']:,} cohorts; "
            f"{r['size']} on disk{gen}. The trainer co-trains {len(r['ctx']['cohorts'])} cohorts "
            f"({r['ctx']['members']} members).", "",
            "| page | cold | median | slowest |", "|---|---:|---:|---:|",
        ]
        for x in r["results"]:
            lines.append(f"| {x['label']} | {x['cold'] * 1000:.0f} ms | {x['median'] * 1000:.0f} ms | {x['max'] * 1000:.0f} ms |")
        worst = max(x["max"] for x in r["results"])
        cold = max(x["cold"] for x in r["results"])
        lines += ["", f"Slowest of all warm requests: {worst * 1000:.0f} ms; slowest cold request: {cold * 1000:.0f} ms.", ""]
    lines += [
        "How: every figure is aggregated in the database; covering indexes (migration `0004`) let the figures per "
        "course, month, learner, lesson and quiz be read from an index alone; SQLite counts each month's index range "
        "instead of sorting 300,000 enrolments; the median is `percentile_cont` on PostgreSQL and "
        "`ORDER BY … LIMIT/OFFSET` per course on SQLite; the quiz item analysis reads the latest 3,000 first attempts "
        "per quiz; PostgreSQL runs the analytics transaction with `work_mem = 64MB` and without JIT. "
        "Definitions and limits: `docs/analytics.md`.", "",
    ]
    return "\n".join(lines)


def write_docs(text: str) -> None:
    """Add or replace only this section of docs/benchmarks.md (others write the other sections)."""
    path = ROOT / "docs" / "benchmarks.md"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _m: text.rstrip() + "\n\n", current)
    else:
        updated = current.rstrip() + "\n\n" + text.rstrip() + "\n"
    path.write_text(updated.rstrip() + "\n", encoding="utf-8")
    print(f"wrote the section '{SECTION}' of {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", action="append", choices=["sqlite", "postgresql"], help="repeat for both (default: both)")
    ap.add_argument("--learners", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lesson-factor", type=int, default=4, help="how many times each lesson is listed")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reuse", action="store_true", help="time the existing benchmark database, do not generate")
    ap.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                    help=f"any database on the server; the benchmark uses {PG_NAME}")
    ap.add_argument("--write-docs", action="store_true", help=f"write '{SECTION}' into docs/benchmarks.md")
    args = ap.parse_args()
    runs = [run(kind, args) for kind in (args.db or ["sqlite", "postgresql"])]
    text = markdown(runs, args)
    print()
    print(text)
    if args.write_docs:
        write_docs(text)


if __name__ == "__main__":
    main()
