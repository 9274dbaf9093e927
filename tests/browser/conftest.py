"""Browser journeys: the real app on 127.0.0.1 (migrated SQLite, shipped courses, CSRF on),
driven by Playwright in Debian's headless Chromium (no browser downloads)."""
from __future__ import annotations

import os
import re
import shutil
import threading
import uuid
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from lms import create_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("LMS_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    from lms import db
    from lms.content.sync import sync_catalog

    tmp = tmp_path_factory.mktemp("live")
    app = create_app({
        "TESTING": False,
        "SECRET_KEY": uuid.uuid4().hex,
        "LMS_DATABASE_URL": f"sqlite:///{tmp / 'live.sqlite3'}",
        "LMS_MAIL_BACKEND": "memory",
        "LMS_SECURE_COOKIES": False,
        "LMS_LOGIN_RATE_LIMIT": "1000 per minute",
    })
    app.config["SESSION_COOKIE_SECURE"] = False
    state = app.extensions["lms"]
    db.upgrade(state.engine)
    with app.app_context():
        sync_catalog(db.session(), state.content)
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    with LiveServer(live_app) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Journey:
    """A page plus helpers: screenshots at phone and desktop size, axe checks, weights."""

    def __init__(self, page, name: str, js: bool):
        self.page = page
        self.name = name
        self.js = js
        self.step = 0
        self.axe_seen: set[str] = set()
        self.violations: list[tuple[str, str, str]] = []

    def shot(self, label: str) -> None:
        self.step += 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^a-z0-9-]+", "-", label.lower())
        size = self.page.viewport_size
        for tag, vp in (("phone", PHONE), ("desktop", DESKTOP)):
            self.page.set_viewport_size(vp)
            self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self.step:02d}-{safe}-{tag}.png"), full_page=True)
        self.page.set_viewport_size(size)

    def axe(self) -> None:
        """axe-core on this page (once per path): collect serious and critical violations."""
        if not self.js:
            return
        path = re.sub(r"/\d+", "/N", self.page.url.split("?")[0])
        if path in self.axe_seen:
            return
        self.axe_seen.add(path)
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
        for v in results.response["violations"]:
            if v["impact"] in ("serious", "critical"):
                targets = ", ".join(str(n["target"]) for n in v["nodes"][:3])
                self.violations.append((path, v["id"], targets))


@pytest.fixture
def journey_factory(browser, live_server):
    contexts = []

    def make(name: str, js: bool = True, viewport=PHONE) -> Journey:
        ctx = browser.new_context(viewport=viewport, java_script_enabled=js, accept_downloads=True, locale="en-GB")
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(15000)
        return Journey(page, name, js)

    yield make
    for ctx in contexts:
        ctx.close()
