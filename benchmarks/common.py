"""Shared helpers for the benchmark scripts: machine facts, ports, process memory, servers, wrk.

Standard library only, so the peer benchmark can use it before anything else is installed.
Every server started here listens on 127.0.0.1 and every load run is bounded in time.
"""
from __future__ import annotations

import gzip
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
WRK_LUA = HERE / "wrk" / "bench.lua"
HOST = "127.0.0.1"
USER_AGENT = "lms-bench/1.0"


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# -- machine -----------------------------------------------------------------------------------


def machine_info(python: str | None = None) -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    py = python or sys.executable
    try:
        py_version = subprocess.run([py, "-c", "import platform; print(platform.python_version())"],
                                    capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        py_version = platform.python_version()
    wrk = shutil.which("wrk")
    wrk_version = ""
    if wrk:
        out = subprocess.run([wrk, "--version"], capture_output=True, text=True)
        first = (out.stdout or out.stderr or "").splitlines()[:1]
        m = re.search(r"wrk \S*?(\d+\.\d+\.\d+)", first[0]) if first else None
        wrk_version = f"wrk {m.group(1)}" if m else (first[0] if first else "")
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "cpu_model": cpu,
        "python": py_version,
        "kernel": platform.release(),
        "wrk": wrk_version,
    }


# -- ports, processes, memory ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _ppid_map() -> dict[int, int]:
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may contain spaces and parentheses
        rest = stat[stat.rfind(")") + 2:].split()
        out[int(entry)] = int(rest[1])
    return out


def process_tree(pid: int) -> list[int]:
    parents = _ppid_map()
    tree, frontier = [pid], [pid]
    while frontier:
        cur = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == cur]
        tree.extend(kids)
        frontier.extend(kids)
    return tree


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory(pid: int) -> dict:
    """RSS (and PSS, which does not count shared pages twice) of a process and its children."""
    pids = process_tree(pid)
    rss = {p: _status_kb(p, "VmRSS") for p in pids}
    pids = [p for p in pids if rss[p]]
    return {
        "processes": len(pids),
        "rss_mib": round(sum(rss[p] for p in pids) / 1024, 1),
        "pss_mib": round(sum(_pss_kb(p) for p in pids) / 1024, 1),
        "per_process_rss_mib": [round(rss[p] / 1024, 1) for p in pids],
    }


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by a process and its children (from /proc/PID/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in process_tree(pid):
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
        except OSError:
            continue
        rest = stat[stat.rfind(")") + 2:].split()
        total += int(rest[11]) + int(rest[12])  # utime, stime
    return total / tick


def machine_busy_seconds() -> float:
    """CPU time all cores spent busy since boot (from /proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def named_cpu_seconds(name: str) -> float:
    """CPU time of all processes with this command name (e.g. the PostgreSQL backends)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if stat[stat.find("(") + 1: stat.rfind(")")] != name:
            continue
        rest = stat[stat.rfind(")") + 2:].split()
        total += int(rest[11]) + int(rest[12])
    return total / tick


def own_cpu_seconds() -> float:
    """CPU time of this process and of its finished children (wrk runs)."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


class CpuMeter:
    """Who used the CPU during a run: the server, the load generator, PostgreSQL, everything else.

    "Other" is what the rest of the machine used (other people's processes on a shared box); a
    run with other > 0.2 cores is noisy and its numbers are low.
    """

    def __init__(self, server_pid: int) -> None:
        self.pid = server_pid
        self.t0 = time.monotonic()
        self.busy0, self.srv0 = machine_busy_seconds(), tree_cpu_seconds(server_pid)
        self.own0, self.pg0 = own_cpu_seconds(), named_cpu_seconds("postgres")

    def stop(self, requests: int) -> dict:
        wall = time.monotonic() - self.t0
        busy = machine_busy_seconds() - self.busy0
        srv = tree_cpu_seconds(self.pid) - self.srv0
        own = own_cpu_seconds() - self.own0
        pg = named_cpu_seconds("postgres") - self.pg0
        return {
            "server_cpu_ms_per_request": round(1000 * srv / requests, 2) if requests else None,
            "server_cores_busy": round(srv / wall, 2),
            "loadgen_cores_busy": round(own / wall, 2),
            "postgres_cores_busy": round(pg / wall, 2),
            "other_cores_busy": round(max(0.0, busy - srv - own - pg) / wall, 2),
            "machine_cores_busy": round(busy / wall, 2),
        }


class Server:
    """A server process we started (own session, so it and its children stop together)."""

    def __init__(self, argv: list[str], env: dict, logfile: Path, cwd: Path = ROOT) -> None:
        self.logfile = logfile
        self.log = open(logfile, "ab")
        self.proc = subprocess.Popen(argv, env=env, cwd=str(cwd), stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, url: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.logfile}")
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - loopback only
                    if resp.status < 500:
                        return
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"server not ready after {timeout}s; see {self.logfile}")

    def stop(self, timeout: float = 30.0) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()


def gunicorn_argv(venv_bin: Path, port: int, app: str, workers: int = 2) -> list[str]:
    return [str(venv_bin / "gunicorn"), "-w", str(workers), "-b", f"{HOST}:{port}", "--chdir", str(ROOT),
            "--log-level", "warning", app]


# -- wrk ---------------------------------------------------------------------------------------


def wrk(url: str, connections: int, duration: int, cookie_file: Path | None = None, threads: int = 1,
        timeout: str = "10s") -> dict:
    """Run wrk with benchmarks/wrk/bench.lua; returns its JSON summary plus derived numbers."""
    if not url.startswith(f"http://{HOST}:"):
        raise ValueError("load tests target 127.0.0.1 only")
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", timeout,
            "-H", f"User-Agent: {USER_AGENT}", "-s", str(WRK_LUA), url]
    if cookie_file:
        argv += ["--", str(cookie_file)]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60)
    m = re.search(r"^BENCH_JSON (.*)$", out.stdout, re.M)
    if not m:
        raise RuntimeError(f"wrk gave no summary:\n{out.stdout}\n{out.stderr}")
    res = json.loads(m.group(1))
    secs = res["duration_us"] / 1e6
    res["rps"] = round(res["requests"] / secs, 1) if secs else 0.0
    for key in ("p50_us", "p95_us", "p99_us", "mean_us", "max_us"):
        res[key.replace("_us", "_ms")] = round(res.pop(key) / 1000, 2)
    res["errors"] = (res["status_errors"] + res["not_expected"] + res["connect_errors"] + res["read_errors"]
                     + res["write_errors"] + res["timeouts"])
    res["bytes_per_response"] = round(res["bytes"] / res["requests"]) if res["requests"] else 0
    res["connections"] = connections
    res["duration_s"] = round(secs, 1)
    return res


# -- page weight -------------------------------------------------------------------------------


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.refs.append(("js", a["src"]))
        elif tag == "link" and a.get("href"):
            rel = (a.get("rel") or "").lower().split()
            kind = "css" if "stylesheet" in rel else ("font" if a.get("as") == "font" else ("js" if a.get("as") == "script" or "modulepreload" in rel else None))
            if kind:
                self.refs.append((kind, a["href"]))


def fetch(url: str, headers: dict | None = None, timeout: float = 30.0) -> tuple[int, dict, bytes, bytes]:
    """GET as a browser would (gzip accepted); returns status, headers, wire bytes, decoded bytes."""
    if urlsplit(url).hostname not in (HOST, "localhost"):
        raise ValueError("only loopback")
    hdrs = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", "Accept": "*/*"}
    hdrs.update(headers or {})
    req = urllib.request.Request(url, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback only
            status, h, raw = resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        status, h, raw = exc.code, dict(exc.headers), exc.read()
    enc = {k.lower(): v for k, v in h.items()}.get("content-encoding", "")
    if enc == "gzip":
        body = gzip.decompress(raw)
    elif enc == "deflate":
        body = zlib.decompress(raw)
    else:
        body = raw
    return status, h, raw, body


def page_weight(url: str, cookie: str | None = None) -> dict:
    """First view of a page: the HTML plus the CSS, JS and fonts it references (no cache)."""
    headers = {"Cookie": cookie} if cookie else {}
    status, _h, raw, body = fetch(url, headers)
    parser = _Refs()
    parser.feed(body.decode("utf-8", "replace"))
    items = [{"kind": "html", "url": url, "status": status, "wire": len(raw), "decoded": len(body)}]
    seen = {url}
    queue = [(k, urljoin(url, u)) for k, u in parser.refs]
    while queue:
        kind, ref = queue.pop(0)
        if ref in seen or ref.startswith("data:") or urlsplit(ref).hostname not in (HOST, "localhost"):
            continue
        seen.add(ref)
        st, _h, r, b = fetch(ref, headers)
        items.append({"kind": kind, "url": ref, "status": st, "wire": len(r), "decoded": len(b)})
        if kind == "css":
            for u in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", b.decode("utf-8", "replace")):
                if not u.startswith("data:"):
                    queue.append(("font" if re.search(r"\.(woff2?|ttf|otf|eot)", u) else "css-asset", urljoin(ref, u)))
            for u in re.findall(r"@import\s+['\"]([^'\"]+)['\"]", b.decode("utf-8", "replace")):
                queue.append(("css", urljoin(ref, u)))
    return {
        "url": urlsplit(url).path,
        "requests": len(items),
        "wire_bytes": sum(i["wire"] for i in items),
        "decoded_bytes": sum(i["decoded"] for i in items),
        "html_bytes": items[0]["decoded"],
        "by_kind": {k: sum(i["wire"] for i in items if i["kind"] == k) for k in sorted({i["kind"] for i in items})},
        "non_200": [i["url"] for i in items if i["status"] != 200],
    }


# -- results -----------------------------------------------------------------------------------


def save_result(name: str, data: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path


def load_result(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    if path.exists():
        return json.loads(path.read_text())
    return None


def du_bytes(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_blocks * 512
            except OSError:
                pass
    return total
