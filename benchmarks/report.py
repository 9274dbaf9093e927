"""Write the measured numbers into docs/benchmarks.md.

Only the parts between ``<!-- BEGIN name -->`` and ``<!-- END name -->`` markers are replaced
(results of `make bench`, of `make bench-peer`, and the goals table, which needs both); the
hand-written analysis around them stays. ``python benchmarks/report.py`` re-renders from
benchmarks/results/*.json.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, load_result  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"

SKELETON = """# Benchmarks

How fast the LMS serves learners on one small machine, what the Python/Flask stack itself allows
(the floor), how it compares with Kolibri (the peer), and whether quiz submissions survive load.
How to run them: [benchmarks/README.md](../benchmarks/README.md). The numbers between the markers
are written by the bench scripts; the text around them is not.

<!-- BEGIN goals -->
<!-- END goals -->

<!-- BEGIN bench -->
<!-- END bench -->

<!-- BEGIN peer -->
<!-- END peer -->
"""


def _ms(v) -> str:
    return "–" if v is None else f"{v:g}"


def _mib(b) -> str:
    return "–" if b is None else f"{b / 1024 / 1024:.0f} MiB"


def _kb(b) -> str:
    return "–" if b is None else f"{b / 1000:.1f} kB"


def machine_line(m: dict) -> str:
    return (f"{m['date']}; {m['nproc']} cores ({m['cpu_model']}), {m['memory_gib']} GiB memory, "
            f"Python {m['python']}, Linux {m['kernel']}, {m.get('wrk') or 'wrk'}")


def render_bench(b: dict | None) -> str:
    if not b:
        return "_No results yet: run `make bench`._"
    s = b["sqlite"]
    lines = [
        "## Results of `make bench`",
        "",
        f"Measured {machine_line(b['machine'])}. Everything on 127.0.0.1, load generator and server",
        "sharing the two cores. The app: gunicorn, 2 sync workers, SQLite (WAL) in a temp dir, "
        f"{s['seed']['counts']['learners']} seeded learners ({s['seed']['counts']['enrolments']} enrolments, "
        f"{s['seed']['counts']['lesson_progress']} lesson progress rows, {s['seed']['counts']['quiz_attempts']} graded attempts). "
        f"wrk: {b['settings']['wrk']}; logged-in pages rotate over 64 learners' session cookies from real logins.",
        "",
        "| scenario | req/s | p50 ms | p95 ms | p99 ms | errors | server CPU ms/request | server cores busy | "
        "other processes, cores | bytes/response |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows = [("home `/` (anonymous)", s.get("home")),
            ("catalogue `/courses/` (anonymous)", s.get("catalogue")),
            (f"lesson `{s.get('lesson_path', '')}` (enrolled learner)", s.get("lesson")),
            ("dashboard `/learn/` (learner, 3 courses)", s.get("dashboard"))]
    for name, r in rows:
        if r:
            lines.append(f"| {name} | {r['rps']:g} | {_ms(r['p50_ms'])} | {_ms(r['p95_ms'])} | {_ms(r['p99_ms'])} | "
                         f"{r['errors']} | {_ms(r.get('server_cpu_ms_per_request'))} | {_ms(r.get('server_cores_busy'))} | "
                         f"{_ms(r.get('other_cores_busy'))} | {r['bytes_per_response']} |")
    q = s.get("quiz")
    if q:
        lines.append(f"| quiz: start + page + submit + result ({q['learners']} learners, async client) | {q['rps']:g} "
                     f"({q['submissions_per_s']:g} submissions/s) | {_ms(q['p50_ms'])} | {_ms(q['p95_ms'])} | {_ms(q['p99_ms'])} | "
                     f"{q['errors']} | {_ms(q.get('server_cpu_ms_per_request'))} | {_ms(q.get('server_cores_busy'))} | "
                     f"{_ms(q.get('other_cores_busy'))} | – |")
    f = s.get("floor")
    if f:
        lines.append(f"| **floor**: minimal Flask app, fixed {f['page_bytes']}-byte page | {f['rps']:g} | {_ms(f['p50_ms'])} | "
                     f"{_ms(f['p95_ms'])} | {_ms(f['p99_ms'])} | {f['errors']} | {_ms(f.get('server_cpu_ms_per_request'))} | "
                     f"{_ms(f.get('server_cores_busy'))} | {_ms(f.get('other_cores_busy'))} | {f['bytes_per_response']} |")
    lines.append("")
    if s.get("floor_ratio") is not None:
        lines.append(f"**Floor ratio** (lesson req/s ÷ floor req/s): **{s['floor_ratio']:.3f}** (goal ≥ 0.5).")
        lines.append("")
    if q:
        lines += ["Quiz steps (latency per request, ms):", "",
                  "| step | requests | p50 | p95 | p99 | max |", "|---|---:|---:|---:|---:|---:|"]
        for step, st in q["steps"].items():
            lines.append(f"| {step} | {st['count']} | {st['p50_ms']:g} | {st['p95_ms']:g} | {st['p99_ms']:g} | {st['max_ms']:g} |")
        lines.append("")
    lines += ["*Server cores busy*: CPU time of the gunicorn master and workers ÷ wall time (2 would be both cores). "
              "*Other processes*: CPU the rest of the machine used meanwhile (this machine is shared; above ~0.2 "
              f"cores a run is disturbed). Load average at the start: {b.get('loadavg_at_start', '–')}.", ""]
    lines += ["Errors are wrk's socket errors and timeouts, statuses ≥ 400, and any other status than the page's "
              "expected 200 (a 302 to the login page would count); for the quiz, any step that did not answer as a "
              f"learner expects. Server log errors: {s.get('server_errors_logged', '–')}.", ""]
    lines += ["Server memory (gunicorn master + 2 workers, from /proc; PSS counts shared pages once):", "",
              "| server | before: RSS / PSS | after: RSS / PSS |", "|---|---:|---:|"]

    def mem(row, name):
        if row and row.get("memory_before"):
            a, z = row["memory_before"], row.get("memory_after") or {}
            lines.append(f"| {name} | {a['rss_mib']:g} / {a['pss_mib']:g} MiB | {z.get('rss_mib', '–')} / {z.get('pss_mib', '–')} MiB |")

    mem(s, "LMS on SQLite (before load / after all scenarios)")
    mem(f, "floor app")
    mem(b.get("postgres"), "LMS on PostgreSQL (before / after the 60 s soak)")
    lines.append("")
    pw = s.get("page_weight")
    if pw:
        lines += ["First view (HTML + the CSS/JS/fonts it references, empty cache):", "",
                  "| page | requests | bytes on the wire | HTML bytes |", "|---|---:|---:|---:|"]
        for name, p in pw.items():
            lines.append(f"| {name} `{p['url']}` | {p['requests']} | {p['wire_bytes']} | {p['html_bytes']} |")
        lines.append("")
    pg = b.get("postgres")
    if pg:
        ld, c = pg["load"], pg["check"]
        lines += [
            "## Nothing lost under load (PostgreSQL)",
            "",
            f"{pg['database']}, database `{pg['db_url'].rsplit('/', 1)[-1]}` dropped and recreated for the run; gunicorn, "
            f"2 sync workers. {ld['learners']} learners, each with its own session (logged in through the form), "
            f"repeating start attempt → read the questions → answer and submit → see the result for "
            f"{pg['duration_s']} s (cycles under way at the end were finished: {ld['duration_s']:g} s in all).",
            "",
            "| measure | value |", "|---|---:|",
            f"| submissions the clients saw succeed (302 to the result page) | {c['client_successes']} |",
            f"| submissions per second | {ld['submissions_per_s']:g} |",
            f"| requests per second (4 per cycle) | {ld['rps']:g} |",
            f"| newly graded attempts in the database | {c['db_graded_new']} |",
            f"| **lost** (seen to succeed, not graded) | **{c['lost']}** |",
            f"| **duplicated** (graded twice, or graded without a client seeing it) | **{c['duplicated']}** |",
            f"| learners whose count differs (client vs database) | {c['users_with_count_mismatch']} |",
            f"| submissions with unknown outcome (error/timeout on the submit) | {c['unknown_outcome']} |",
            f"| attempts left open at the end | {c['open_attempts_left']} |",
            f"| graded attempts without score or time | {c['graded_without_score_or_time']} |",
            f"| client errors (any step) | {ld['errors']} |",
            f"| latency p50 / p95 / p99, all steps | {ld['p50_ms']:g} / {ld['p95_ms']:g} / {ld['p99_ms']:g} ms |",
            f"| submit latency p50 / p95 / p99 | {ld['steps']['submit']['p50_ms']:g} / {ld['steps']['submit']['p95_ms']:g} / "
            f"{ld['steps']['submit']['p99_ms']:g} ms |",
            f"| server CPU per request | {_ms(ld.get('server_cpu_ms_per_request'))} ms |",
            f"| cores busy: gunicorn / PostgreSQL / load generator / other processes | {_ms(ld.get('server_cores_busy'))} / "
            f"{_ms(ld.get('postgres_cores_busy'))} / {_ms(ld.get('loadgen_cores_busy'))} / {_ms(ld.get('other_cores_busy'))} |",
            f"| server errors logged | {pg.get('server_errors_logged', '–')} |",
            "",
            f"Result: **{'every submission graded exactly once' if c['ok'] else 'MISMATCH: see the numbers above'}**.",
            "",
        ]
        if ld.get("error_samples"):
            lines += ["Client error samples:", "", *[f"- `{e}`" for e in ld["error_samples"][:10]], ""]
    lines.append(f"`make bench` took {b.get('elapsed_s', '–')} s.")
    return "\n".join(lines)


def render_peer(p: dict | None, b: dict | None) -> str:
    if not p:
        return "## The peer: Kolibri\n\n_No results yet: run `make bench-peer`._"
    lines = ["## The peer: Kolibri (`make bench-peer`)", ""]
    if p.get("error"):
        e = p["error"]
        lines += [f"Measured {machine_line(p['machine'])}.", "",
                  f"**Kolibri could not be measured here.** It failed at the stage *{e['stage']}*:", "",
                  "```", e["detail"][-3000:], "```", ""]
        if not p.get("landing"):
            return "\n".join(lines)
    lp = p.get("landing") or {}
    lines += [
        f"Measured {machine_line(p['machine'])}. Kolibri {p.get('kolibri_version', '?')} from PyPI (Python "
        f"{p.get('python', '?')}) in benchmarks/.peer-venv, an empty facility provisioned with "
        f"`kolibri manage provisiondevice`, served by its own `kolibri start` (CherryPy/cheroot, one process, "
        f"threads) on 127.0.0.1 with zeroconf and the statistics ping off. `/` redirects to "
        f"`{p.get('landing_path', '?')}`, the sign-in page: that page is measured.",
        "",
        "| measure | Kolibri | the LMS |",
        "|---|---:|---:|",
    ]
    s = (b or {}).get("sqlite") or {}
    les = s.get("lesson") or {}
    if lp:
        home = s.get("home") or {}
        lines.append(f"| req/s at {p['connections']} connections ({p['duration_s']} s) | {lp['rps']:g} (landing page) | "
                     f"{les.get('rps', '–')} (lesson page); {home.get('rps', '–')} (home page `/`) |")
        lines.append(f"| p50 / p95 / p99 ms | {lp['p50_ms']:g} / {lp['p95_ms']:g} / {lp['p99_ms']:g} | "
                     f"{les.get('p50_ms', '–')} / {les.get('p95_ms', '–')} / {les.get('p99_ms', '–')} |")
        lines.append(f"| errors | {lp['errors']} | {les.get('errors', '–')} |")
        lines.append(f"| server CPU ms/request | {_ms(lp.get('server_cpu_ms_per_request'))} | "
                     f"{_ms(les.get('server_cpu_ms_per_request'))} |")
        lines.append(f"| server cores busy / other processes' cores during the run | {_ms(lp.get('server_cores_busy'))} / "
                     f"{_ms(lp.get('other_cores_busy'))} | {_ms(les.get('server_cores_busy'))} / {_ms(les.get('other_cores_busy'))} |")
    mi, ma = p.get("memory_idle"), p.get("memory_after")
    lm = s.get("memory_before") or {}
    if mi:
        lines.append(f"| idle memory RSS (PSS) | {mi['rss_mib']:g} MiB ({mi['pss_mib']:g}), {mi['processes']} process | "
                     f"{lm.get('rss_mib', '–')} MiB ({lm.get('pss_mib', '–')}), {lm.get('processes', '–')} processes |")
    if ma:
        la = s.get("memory_after") or {}
        lines.append(f"| memory after the load RSS (PSS) | {ma['rss_mib']:g} MiB ({ma['pss_mib']:g}) | "
                     f"{la.get('rss_mib', '–')} MiB ({la.get('pss_mib', '–')}) |")
    if p.get("install_bytes"):
        lines.append(f"| install size (du of a venv with the app and its dependencies) | {_mib(p['install_bytes'])} | "
                     f"{_mib(p.get('lms_install_bytes'))} |")
    pw = p.get("page_weight")
    lpw = (s.get("page_weight") or {}).get("home")
    if pw:
        lines.append(f"| first view of the landing page: requests | {pw['requests']} | {lpw['requests'] if lpw else '–'} |")
        lines.append(f"| first view: bytes on the wire (decoded) | {_kb(pw['wire_bytes'])} ({_kb(pw['decoded_bytes'])}) | "
                     f"{_kb(lpw['wire_bytes']) if lpw else '–'} ({_kb(lpw['decoded_bytes']) if lpw else '–'}) |")
        lines.append(f"| first view: HTML / CSS / JS bytes on the wire | {pw['by_kind'].get('html', 0)} / {pw['by_kind'].get('css', 0)} / "
                     f"{pw['by_kind'].get('js', 0)} | "
                     + (f"{lpw['by_kind'].get('html', 0)} / {lpw['by_kind'].get('css', 0)} / {lpw['by_kind'].get('js', 0)}" if lpw else "–")
                     + " |")
    if p.get("provision_seconds") is not None:
        lines.append(f"| time to provision / start | {p['provision_seconds']} s / {p.get('start_seconds', '–')} s | – |")
    lines += ["",
              "Page weight counts what the HTML references directly (stylesheets, scripts, preloaded fonts, "
              "fonts and `@import`s in the CSS), fetched with `Accept-Encoding: gzip` as a browser would; "
              "Kolibri's JavaScript loads more chunks at run time that a fetch without a browser does not see, "
              "so its number is a lower bound. Kolibri keeps connections alive; gunicorn's sync workers close "
              "each one, so wrk reconnects for every LMS request."]
    return "\n".join(lines)


def render_goals(b: dict | None, p: dict | None) -> str:
    lines = ["## Goals", "", "| goal | target | measured | met |", "|---|---|---|---|"]
    s = (b or {}).get("sqlite") or {}
    les = s.get("lesson")
    lp = (p or {}).get("landing")

    def row(goal, target, measured, met):
        mark = "–" if met is None else ("**yes**" if met else "**no**")
        lines.append(f"| {goal} | {target} | {measured} | {mark} |")

    if les and lp:
        ratio = les["rps"] / lp["rps"] if lp["rps"] else None
        row("lesson page vs Kolibri's landing page, 16 connections", "≥ 10× its req/s",
            f"{les['rps']:g} vs {lp['rps']:g} req/s = {ratio:.1f}×", ratio is not None and ratio >= 10)
    else:
        row("lesson page vs Kolibri's landing page, 16 connections", "≥ 10× its req/s",
            "no Kolibri result" if les else "no results", None)
    if les:
        row("lesson page p99 at 16 connections", "< 100 ms", f"{les['p99_ms']:g} ms", les["p99_ms"] < 100)
    if s.get("floor_ratio") is not None:
        row("lesson req/s ÷ floor req/s", "≥ 0.5", f"{les['rps']:g} / {s['floor']['rps']:g} = {s['floor_ratio']:.3f}",
            s["floor_ratio"] >= 0.5)
    pg = (b or {}).get("postgres")
    if pg:
        c = pg["check"]
        row("quiz submissions lost / duplicated (50 learners, 60 s, PostgreSQL)", "0 / 0",
            f"{c['lost']} / {c['duplicated']} of {c['client_successes']}", c["ok"])
    if b:
        errs = sum((s.get(k) or {}).get("errors", 0) for k in ("home", "catalogue", "lesson", "dashboard", "quiz", "floor"))
        errs += (pg or {}).get("load", {}).get("errors", 0)
        row("errors (non-2xx/3xx, socket errors, timeouts) in all runs", "0", str(errs), errs == 0)
    return "\n".join(lines)


def _replace(doc: str, name: str, body: str) -> str:
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    if begin not in doc:
        doc = doc.rstrip("\n") + f"\n\n{begin}\n{end}\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    return pattern.sub(lambda _m: f"{begin}\n{body}\n{end}", doc, count=1)


def write_report() -> Path:
    b, p = load_result("bench"), load_result("peer")
    doc = DOC.read_text() if DOC.exists() else SKELETON
    doc = _replace(doc, "goals", render_goals(b, p))
    doc = _replace(doc, "bench", render_bench(b))
    doc = _replace(doc, "peer", render_peer(p, b))
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(doc)
    return DOC


if __name__ == "__main__":
    print(write_report())
