"""`make bench-peer`: Kolibri, the peer, measured the same way as the LMS.

Installs Kolibri (benchmarks/peer-requirements.txt) in its own venv, benchmarks/.peer-venv;
provisions an empty facility non-interactively in a temp KOLIBRI_HOME; starts it on 127.0.0.1
(zeroconf and the statistics ping turned off); then measures

- the landing page (where "/" redirects to) with wrk, 16 connections, like the LMS pages;
- idle memory (RSS and PSS of the Kolibri process tree), and after the load;
- install size (du of the venv), and for comparison the LMS installed the same way
  (a fresh venv with ``pip install .[prod]``);
- first-view page weight: the landing HTML plus the CSS, JS and fonts it references.

Results go to benchmarks/results/peer.json and docs/benchmarks.md. When Kolibri cannot be
installed or started, the reason is written there instead.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    HERE, HOST, ROOT, USER_AGENT, CpuMeter, Server, du_bytes, free_port, log, machine_info, page_weight,
    save_result, tree_memory, wrk,
)

PEER_VENV = HERE / ".peer-venv"
PEER_REQS = HERE / "peer-requirements.txt"


class Stage(Exception):
    def __init__(self, stage: str, detail: str) -> None:
        super().__init__(f"{stage}: {detail}")
        self.stage = stage
        self.detail = detail


def run(argv: list[str], stage: str, env: dict | None = None, timeout: int = 900) -> str:
    try:
        out = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Stage(stage, repr(exc)) from exc
    if out.returncode:
        tail = "\n".join((out.stdout + out.stderr).strip().splitlines()[-15:])
        raise Stage(stage, f"exit {out.returncode}:\n{tail}")
    return out.stdout + out.stderr


def base_python() -> str:
    return os.environ.get("PEER_PYTHON") or shutil.which("python3") or sys.executable


def install_kolibri(result: dict) -> Path:
    py = PEER_VENV / "bin" / "python"
    t = time.monotonic()
    if not py.exists():
        log(f"creating {PEER_VENV.relative_to(ROOT)}")
        run([base_python(), "-m", "venv", str(PEER_VENV)], "create venv")
        run([str(py), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], "upgrade pip")
    log("installing Kolibri (pip install -r benchmarks/peer-requirements.txt)")
    run([str(py), "-m", "pip", "install", "--quiet", "-r", str(PEER_REQS)], "pip install kolibri")
    result["install_seconds"] = round(time.monotonic() - t)
    result["kolibri_version"] = run([str(py), "-c", "import kolibri; print(kolibri.__version__)"], "import kolibri").strip()
    result["python"] = run([str(py), "-c", "import platform; print(platform.python_version())"], "python").strip()
    result["install_bytes"] = du_bytes(PEER_VENV)
    return PEER_VENV / "bin" / "kolibri"


def lms_install_size(tmp: Path) -> int | None:
    """The LMS installed as in production (pip install .[prod]) in a fresh venv, for comparison."""
    venv = tmp / "lms-venv"
    try:
        run([base_python(), "-m", "venv", str(venv)], "lms venv")
        run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], "lms pip")
        # a copy of the sources, so the build leaves nothing behind in the work tree
        src = tmp / "lms-src"
        shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "benchmarks", "instance", "tests",
                                                                "build", "*.egg-info", "__pycache__"))
        run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", f"{src}[prod]"], "lms pip install")
        return du_bytes(venv)
    except Stage as exc:
        log(f"could not measure the LMS install size: {exc}")
        return None


def kolibri_env(home: Path, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOLIBRI_")}
    env.update({
        "KOLIBRI_HOME": str(home),
        "KOLIBRI_HTTP_PORT": str(port),
        "KOLIBRI_LISTEN_ADDRESS": HOST,  # loopback only
        "KOLIBRI_ZIP_CONTENT_PORT": str(free_port()),
        "KOLIBRI_ZEROCONF_ENABLED": "False",  # no multicast discovery
        "KOLIBRI_DISABLE_PING": "True",  # no statistics ping / update check
        "KOLIBRI_RUN_MODE": "bench",
    })
    return env


def landing_url(base: str) -> str:
    req = urllib.request.Request(base + "/", headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - loopback only
        return resp.url  # after redirects


def measure(args, result: dict, tmp: Path) -> None:
    kolibri = install_kolibri(result)
    home = tmp / "kolibri-home"
    home.mkdir()
    port = free_port()
    env = kolibri_env(home, port)
    t = time.monotonic()
    log("provisioning an empty facility (kolibri manage provisiondevice)")
    run([str(kolibri), "manage", "provisiondevice", "--facility", "Bench facility", "--preset", "formal",
         "--superusername", "benchadmin", "--superuserpassword", secrets.token_urlsafe(12), "--language_id", "en",
         "--noinput"], "provisiondevice", env=env, timeout=600)
    result["provision_seconds"] = round(time.monotonic() - t, 1)
    t = time.monotonic()
    server = Server([str(kolibri), "start", "--foreground", "--port", str(port)], env, tmp / "kolibri.log")
    base = f"http://{HOST}:{port}"
    try:
        try:
            server.wait_ready(base + "/", timeout=300)
        except RuntimeError as exc:
            tail = "\n".join((tmp / "kolibri.log").read_text(errors="replace").splitlines()[-15:])
            raise Stage("kolibri start", f"{exc}\n{tail}") from exc
        result["start_seconds"] = round(time.monotonic() - t, 1)
        url = landing_url(base)
        result["landing_path"] = url[len(base):]
        log(f"Kolibri up at {base}; / leads to {result['landing_path']}; waiting {args.settle} s to settle")
        time.sleep(args.settle)
        result["memory_idle"] = tree_memory(server.pid)
        log(f"idle: {result['memory_idle']['rss_mib']} MiB RSS in {result['memory_idle']['processes']} process(es)")
        result["page_weight"] = page_weight(url)
        log(f"first view: {result['page_weight']['requests']} requests, {result['page_weight']['wire_bytes']} bytes")
        if args.warmup:
            wrk(url, args.connections, args.warmup)
        runs = []
        for _ in range(args.repeat):
            meter = CpuMeter(server.pid)
            r = wrk(url, args.connections, args.duration)
            r.update(meter.stop(r["requests"]))
            runs.append(r)
        # on a shared machine, the run least disturbed by other processes (as bench.py does)
        res = min(runs, key=lambda r: (r["other_cores_busy"], -r["rps"]))
        if args.repeat > 1:
            res["runs_rps"] = [r["rps"] for r in runs]
        result["landing"] = res
        log(f"landing  {res['rps']:8.1f} req/s  p50 {res['p50_ms']} ms  p95 {res['p95_ms']} ms  p99 {res['p99_ms']} ms  "
            f"errors {res['errors']}  server {res['server_cpu_ms_per_request']} ms CPU/request, "
            f"{res['server_cores_busy']} cores; other processes {res['other_cores_busy']} cores")
        result["memory_after"] = tree_memory(server.pid)
    finally:
        server.stop()
    result["kolibri_home_bytes"] = du_bytes(home)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=2, choices=[1, 2, 3],
                    help="wrk runs; the one least disturbed by other processes is reported")
    ap.add_argument("--settle", type=int, default=10, help="seconds to wait after start before idle memory")
    ap.add_argument("--skip-lms-size", action="store_true")
    ap.add_argument("--no-report", action="store_true")
    args = ap.parse_args()
    if not 1 <= args.duration <= 300:
        raise SystemExit("duration must be within 1-300 s")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (make bench-peer installs it with apt-get)")
    result: dict = {"machine": machine_info(), "connections": args.connections, "duration_s": args.duration}
    tmp = Path(tempfile.mkdtemp(prefix="lms-peer-"))
    ok = True
    try:
        measure(args, result, tmp)
        if not args.skip_lms_size:
            log("measuring the LMS install size (pip install .[prod] in a fresh venv)")
            result["lms_install_bytes"] = lms_install_size(tmp)
    except Stage as exc:
        ok = False
        result["error"] = {"stage": exc.stage, "detail": exc.detail}
        log(f"Kolibri could not be measured: {exc}")
    except Exception as exc:  # noqa: BLE001 - reported in the docs, then re-raised as exit 1
        ok = False
        result["error"] = {"stage": "unexpected", "detail": "".join(traceback.format_exception_only(exc)).strip()}
        log(traceback.format_exc())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    path = save_result("peer", result)
    log(f"results in {path.relative_to(ROOT)}")
    if not args.no_report:
        from report import write_report

        log(f"updated {write_report().relative_to(ROOT)}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
