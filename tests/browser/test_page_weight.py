"""A lesson page's first view is light: at most 60 KB (HTML, CSS, JS, fonts; lesson images
excluded) in at most 6 requests, with an empty cache."""
from __future__ import annotations

import uuid

from tests.browser.conftest import CHROMIUM_ARGS  # noqa: F401  (same launch flags)

LIMIT_BYTES = 60 * 1024
LIMIT_REQUESTS = 6


def _signed_in_state(browser, base: str) -> dict:
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(base + "/account/register")
    page.fill("#display_name", "Weight Tester")
    page.fill("#email", f"weight-{uuid.uuid4().hex[:8]}@example.org")
    page.fill("#password", "correct horse battery")
    page.fill("#confirm", "correct horse battery")
    with page.expect_navigation():
        page.click("main form button[type=submit], main form input[type=submit]")
    page.goto(base + "/courses/digital-skills-for-entrepreneurs")
    with page.expect_navigation():
        page.click("form[action$='/enrol'] button")
    state = ctx.storage_state()
    ctx.close()
    return state


def test_lesson_first_view_is_under_60_kb_in_6_requests(browser, live_server):
    base = live_server.url
    state = _signed_in_state(browser, base)
    ctx = browser.new_context(storage_state=state, viewport={"width": 390, "height": 844})
    page = ctx.new_page()
    seen = []

    def on_response(response):
        kind = response.request.resource_type
        if kind == "image":
            return
        seen.append((response.url, kind, len(response.body()) + sum(len(k) + len(v) + 4 for k, v in response.headers.items())))

    page.on("response", on_response)
    page.goto(base + "/learn/digital-skills-for-entrepreneurs/crm-customer-relationships", wait_until="networkidle")
    ctx.close()
    total = sum(size for _u, _k, size in seen)
    assert "document" in {kind for _u, kind, _s in seen}
    assert len(seen) <= LIMIT_REQUESTS, seen
    assert total <= LIMIT_BYTES, (total, seen)


def test_lesson_images_are_sized_and_lazy(live_app):
    from lms.content.render import render_markdown

    html = render_markdown("![Map](../media/map.png)")
    assert 'loading="lazy"' in html and 'decoding="async"' in html
