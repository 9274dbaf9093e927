"""Quiz submissions under load, as real learners make them (async Python client, aiohttp).

Each simulated learner logs in once (its own session cookie), then repeats for the whole run:

    POST /quiz/<course>/<quiz>/start      -> 302 to /quiz/attempt/<id>     (start an attempt)
    GET  /quiz/attempt/<id>               -> 200, the questions             (read them)
    POST /quiz/attempt/<id> action=submit -> 302 to /quiz/attempt/<id>/result (answer + submit)
    GET  /quiz/attempt/<id>/result        -> 200                            (see the result)

A submission counts as a success only when the POST answered 302 to that attempt's result page.
Every attempt id seen to succeed is recorded per learner, so the caller can compare with the
database afterwards (nothing lost, nothing graded twice). wrk cannot do this: each submission
needs a fresh attempt and the per-attempt option tokens from the page.

    python benchmarks/quizload.py --base http://127.0.0.1:8000 --seed seed.json \
        --learners 50 --duration 60 --out quiz.json
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import time
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

USER_AGENT = "lms-bench/1.0"
STEPS = ("start", "page", "submit", "result")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class Failure(Exception):
    pass


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    if not m:
        raise Failure("no csrf token in page")
    return m.group(1) or m.group(2)


def _check_base(base: str) -> str:
    host = urlsplit(base).hostname
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit("load tests target 127.0.0.1 only")
    return base.rstrip("/")


def new_session(timeout: float = 120.0) -> aiohttp.ClientSession:
    # unsafe=True: keep cookies for an IP-address host; one connection per learner, as a browser tab.
    return aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True),
        connector=aiohttp.TCPConnector(limit=1, force_close=True),
        timeout=aiohttp.ClientTimeout(total=timeout),
        headers={"User-Agent": USER_AGENT},
    )


async def login(session: aiohttp.ClientSession, base: str, email: str, password: str) -> str:
    """Log in through the form; returns a CSRF token valid for this session."""
    async with session.get(f"{base}/account/login") as r:
        html = await r.text()
        if r.status != 200:
            raise Failure(f"login page {r.status}")
    data = {"csrf_token": csrf_from(html), "email": email, "password": password, "next": ""}
    async with session.post(f"{base}/account/login", data=data, allow_redirects=False) as r:
        await r.read()
        if r.status != 302:
            raise Failure(f"login {r.status}")
    # The dashboard shows (and so clears) the welcome message kept in the session cookie.
    async with session.get(f"{base}/learn/", allow_redirects=False) as r:
        html = await r.text()
        if r.status != 200:
            raise Failure(f"dashboard after login {r.status}")
    return csrf_from(html)


def session_cookie(session: aiohttp.ClientSession, name: str = "lms_session") -> str:
    for cookie in session.cookie_jar:
        if cookie.key == name:
            return f"{name}={cookie.value}"
    raise Failure("no session cookie")


class _Form(HTMLParser):
    """The answer fields of an attempt page."""

    def __init__(self) -> None:
        super().__init__()
        self.radios: dict[str, list[str]] = defaultdict(list)
        self.checks: dict[str, list[str]] = defaultdict(list)
        self.selects: dict[str, list[str]] = defaultdict(list)
        self.texts: list[str] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name") or ""
        if tag == "input" and name.startswith("q-"):
            kind = a.get("type")
            if kind == "radio":
                self.radios[name].append(a.get("value", ""))
            elif kind == "checkbox":
                self.checks[name].append(a.get("value", ""))
            elif kind == "text":
                self.texts.append(name)
        elif tag == "select" and name.startswith("q-"):
            self._select = name
            self.selects[name]
        elif tag == "option" and self._select and a.get("value"):
            self.selects[self._select].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def answer(html: str, rng: random.Random) -> list[tuple[str, str]]:
    """Answer every question the way a hurried learner might: a random valid choice."""
    form = _Form()
    form.feed(html)
    data: list[tuple[str, str]] = []
    for name, values in form.radios.items():
        data.append((name, rng.choice(values)))
    for name, values in form.checks.items():
        for v in rng.sample(values, rng.randint(1, len(values))):
            data.append((name, v))
    # ordering questions: the selects of one question share positions 1..n; give a permutation
    groups: dict[str, list[str]] = defaultdict(list)
    for name in form.selects:
        groups[name.rsplit("-", 1)[0]].append(name)
    for _qid, names in groups.items():
        options = form.selects[names[0]]
        if all(o.isdigit() for o in options) and len(options) == len(names):
            perm = rng.sample(options, len(options))
            data.extend(zip(names, perm))
        else:
            data.extend((n, rng.choice(form.selects[n])) for n in names)
    for name in form.texts:
        data.append((name, "42"))
    return data


class Stats:
    def __init__(self) -> None:
        self.lat: dict[str, list[float]] = {s: [] for s in STEPS}
        self.errors: list[str] = []
        self.error_count = 0
        self.successes: dict[str, list[int]] = defaultdict(list)  # email -> attempt ids seen graded
        self.unknown: dict[str, list[int]] = defaultdict(list)  # submit sent, answer not seen (error/timeout)
        self.requests = 0

    def error(self, msg: str) -> None:
        self.error_count += 1
        if len(self.errors) < 20:
            self.errors.append(msg)


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


async def learner(base: str, email: str, password: str, slug: str, quiz_id: str, stats: Stats,
                  start_evt: asyncio.Event, stop_at: list[float], ready: list[int], seed: int) -> None:
    rng = random.Random(seed)
    async with new_session() as s:
        try:
            token = await login(s, base, email, password)
        except Exception as exc:  # noqa: BLE001 - counted and reported
            stats.error(f"{email}: login failed: {exc!r}")
            ready.append(0)
            return
        ready.append(1)
        await start_evt.wait()
        start_url = f"{base}/quiz/{slug}/{quiz_id}/start"
        while time.monotonic() < stop_at[0]:
            attempt_id = None
            submitted = False
            try:
                t = time.perf_counter()
                async with s.post(start_url, data={"csrf_token": token}, allow_redirects=False) as r:
                    await r.read()
                    loc = r.headers.get("Location", "")
                stats.requests += 1
                stats.lat["start"].append(time.perf_counter() - t)
                m = re.search(r"/quiz/attempt/(\d+)$", loc)
                if r.status != 302 or not m:
                    raise Failure(f"start: {r.status} {loc}")
                attempt_id = int(m.group(1))
                page_url = f"{base}/quiz/attempt/{attempt_id}"

                t = time.perf_counter()
                async with s.get(page_url, allow_redirects=False) as r:
                    html = await r.text()
                stats.requests += 1
                stats.lat["page"].append(time.perf_counter() - t)
                if r.status != 200:
                    raise Failure(f"attempt page: {r.status}")
                data = [("csrf_token", csrf_from(html)), *answer(html, rng), ("action", "submit")]

                t = time.perf_counter()
                submitted = True
                async with s.post(page_url, data=data, allow_redirects=False) as r:
                    await r.read()
                    loc = r.headers.get("Location", "")
                stats.requests += 1
                stats.lat["submit"].append(time.perf_counter() - t)
                if r.status != 302 or not loc.endswith(f"/quiz/attempt/{attempt_id}/result"):
                    raise Failure(f"submit: {r.status} {loc}")
                stats.successes[email].append(attempt_id)
                submitted = False

                t = time.perf_counter()
                async with s.get(f"{page_url}/result", allow_redirects=False) as r:
                    await r.read()
                stats.requests += 1
                stats.lat["result"].append(time.perf_counter() - t)
                if r.status != 200:
                    raise Failure(f"result: {r.status}")
            except Exception as exc:  # noqa: BLE001 - counted and reported
                stats.error(f"{email}: {exc!r}")
                if submitted and attempt_id is not None:
                    stats.unknown[email].append(attempt_id)
                await asyncio.sleep(0.2)


async def run(base: str, seed: dict, learners: int, duration: float, offset: int = 0, on_start=None) -> dict:
    base = _check_base(base)
    emails = seed["learners"][offset: offset + learners]
    if len(emails) < learners:
        raise SystemExit(f"the seed has only {len(seed['learners'])} learners")
    stats = Stats()
    start_evt = asyncio.Event()
    stop_at = [float("inf")]
    ready: list[int] = []
    tasks = [
        asyncio.create_task(learner(base, e, seed["password"], seed["course_slug"], seed["quiz_id"], stats,
                                    start_evt, stop_at, ready, seed=i))
        for i, e in enumerate(emails)
    ]
    t_login = time.monotonic()
    while len(ready) < len(emails):
        await asyncio.sleep(0.05)
    login_s = time.monotonic() - t_login
    if on_start:
        on_start()
    t0 = time.monotonic()
    stop_at[0] = t0 + duration
    start_evt.set()
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - t0
    submits = sum(len(v) for v in stats.successes.values())
    steps = {
        step: {"count": len(v), "p50_ms": round(_pct(v, 50) * 1000, 1), "p95_ms": round(_pct(v, 95) * 1000, 1),
               "p99_ms": round(_pct(v, 99) * 1000, 1), "max_ms": round(max(v, default=0) * 1000, 1)}
        for step, v in stats.lat.items()
    }
    all_lat = [x for v in stats.lat.values() for x in v]
    return {
        "learners": len(emails), "logged_in": sum(ready), "login_seconds": round(login_s, 1),
        "duration_s": round(elapsed, 1), "requests": stats.requests,
        "rps": round(stats.requests / elapsed, 1), "submissions": submits,
        "submissions_per_s": round(submits / elapsed, 1),
        "p50_ms": round(_pct(all_lat, 50) * 1000, 1), "p95_ms": round(_pct(all_lat, 95) * 1000, 1),
        "p99_ms": round(_pct(all_lat, 99) * 1000, 1),
        "steps": steps, "errors": stats.error_count, "error_samples": stats.errors,
        "successes": dict(stats.successes), "unknown": dict(stats.unknown),
    }


async def make_cookies(base: str, emails: list[str], password: str, concurrency: int = 8) -> list[str]:
    """Log learners in with the real form; returns one 'lms_session=…' cookie each (for wrk)."""
    base = _check_base(base)
    sem = asyncio.Semaphore(concurrency)

    async def one(email: str) -> str:
        async with sem, new_session() as s:
            await login(s, base, email, password)
            return session_cookie(s)

    return list(await asyncio.gather(*(one(e) for e in emails)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True)
    ap.add_argument("--seed", required=True, help="JSON written by seed.py")
    ap.add_argument("--learners", type=int, default=16)
    ap.add_argument("--offset", type=int, default=0, help="skip this many seeded learners")
    ap.add_argument("--duration", type=float, default=15)
    ap.add_argument("--out")
    args = ap.parse_args()
    if not 0 < args.duration <= 600:
        raise SystemExit("duration must be within 0-600 s")
    seed = json.loads(Path(args.seed).read_text())
    res = asyncio.run(run(args.base, seed, args.learners, args.duration, args.offset))
    text = json.dumps(res, indent=1)
    if args.out:
        Path(args.out).write_text(text)
    summary = {k: v for k, v in res.items() if k not in ("successes", "unknown")}
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
