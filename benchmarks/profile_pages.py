"""Where does a request spend its time? Sample the gunicorn workers with py-spy under wrk load.

Sets up the same isolated instance as bench.py (SQLite by default, or PostgreSQL with
--postgres), starts gunicorn, drives one page with wrk and records both workers with py-spy.
Prints the functions with the most samples (inclusive, and self time) and writes the collapsed
stacks (flamegraph input) to benchmarks/results/profile-<page>.txt.

    .venv/bin/python benchmarks/profile_pages.py lesson        # or: catalogue, dashboard, quiz
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench  # noqa: E402
from common import RESULTS, ROOT, log, process_tree, wrk  # noqa: E402


def _count(stacks: Path, needle: str) -> int:
    n = 0
    for line in stacks.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if needle in stack and count.isdigit():
            n += int(count)
    return n


def summarise(stacks: Path, top: int) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in stacks.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        for f in set(frames):
            inclusive[f] += n
        own[frames[-1]] += n
    out = [f"{total} samples"]
    in_req = sum(n for f, n in inclusive.items() if f.startswith("SyncWorker.handle_request"))
    lock = _count(stacks, "_sqlite_begin")
    if in_req and lock:
        out.append(f"{100 * lock / in_req:.0f}% of the samples inside requests wait in BEGIN IMMEDIATE (SQLite write lock; "
                   "meaningful with --idle)")
    out += ["", "inclusive (a frame and what it calls), project code and notable libraries:"]
    for frame, n in inclusive.most_common():
        if len(out) > top + 3:
            break
        if "/lms/" in frame or "sqlalchemy" in frame or "jinja2" in frame or "babel" in frame or "sqlite" in frame \
                or "psycopg" in frame or "markdown" in frame or "wtforms" in frame:
            out.append(f"{100 * n / total:5.1f}%  {frame}")
    out += ["", "self time (the frame that was running):"]
    for frame, n in own.most_common(top):
        out.append(f"{100 * n / total:5.1f}%  {frame}")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("page", choices=["lesson", "catalogue", "dashboard", "quiz"])
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--postgres", action="store_true")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--idle", action="store_true", help="also sample threads that wait (locks, fsync, network)")
    args = ap.parse_args()
    pyspy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(pyspy).exists():
        raise SystemExit("py-spy is not installed: .venv/bin/pip install -r benchmarks/requirements.txt")

    tmp = Path(tempfile.mkdtemp(prefix="lms-profile-"))
    try:
        env = bench.isolated_env(tmp, args.postgres)
        seed = bench.prepare(env, tmp, 300)
        server, base = bench.start_gunicorn(env, tmp, "wsgi:app", "gunicorn-profile")
        try:
            cookies = asyncio.run(bench._make_cookies(base, seed["learners"][:64], seed["password"]))
            cookie_file = tmp / "cookies.txt"
            cookie_file.write_text("\n".join(cookies) + "\n")
            url = {"lesson": f"{base}/learn/{seed['course_slug']}/{seed['lesson_key']}",
                   "catalogue": f"{base}/courses/", "dashboard": f"{base}/learn/"}.get(args.page)
            if url:
                wrk(url, args.connections, 3, None if args.page == "catalogue" else cookie_file)  # warm-up
            RESULTS.mkdir(exist_ok=True)
            out = RESULTS / f"profile-{args.page}{'-pg' if args.postgres else ''}{'-idle' if args.idle else ''}.txt"
            workers = [p for p in process_tree(server.pid) if p != server.pid]
            log(f"recording workers {workers} for {args.duration} s while {args.page} is under load")
            spy = subprocess.Popen([pyspy, "record", "--pid", str(server.pid), "--subprocesses", "--format", "raw",
                                    "--rate", "200", "--duration", str(args.duration + 1), "--output", str(out),
                                    "--nonblocking"] + (["--idle"] if args.idle else []), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if url:
                res = wrk(url, args.connections, args.duration, None if args.page == "catalogue" else cookie_file)
                log(f"{res['rps']} req/s, p99 {res['p99_ms']} ms")
            else:
                res = asyncio.run(bench._quiz(base, seed, args.connections, args.duration, offset=64))
                log(f"{res['rps']} req/s, {res['submissions_per_s']} submissions/s, p99 {res['p99_ms']} ms")
            spy.wait(timeout=args.duration + 60)
            print(summarise(out, args.top))
            log(f"collapsed stacks in {out.relative_to(ROOT)}")
        finally:
            server.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
