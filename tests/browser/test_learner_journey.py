"""Journey a: a visitor picks Latvian, registers, takes the skills self-assessment, enrols in a
recommended course, reads its lessons and passes its quizzes (with JavaScript on and off)."""
from __future__ import annotations

import re
import uuid

import pytest

from tests.browser.helpers import answer_quiz_correctly, answer_self_assessment_low

PASSWORD = "correct horse battery"


def _submit(page, form_selector: str) -> None:
    with page.expect_navigation():
        page.click(f"{form_selector} button[type=submit], {form_selector} input[type=submit]")


def run_learner_journey(j, live_app) -> dict:
    page = j.page
    catalog = live_app.extensions["lms"].content
    out = {}

    page.goto(j.base_url + "/")
    j.axe()
    j.shot("home")
    # 1. pick Latvian with the switcher (a form: works without JavaScript)
    page.select_option("#lang-select", "lv")
    _submit(page, "form.lang")
    assert page.get_attribute("html", "lang") == "lv"
    j.shot("home-latvian")

    # 2. register
    page.click("a[href$='/account/register']")
    j.axe()
    page.fill("#display_name", "Ieva Bērziņa")
    page.fill("#email", f"ieva-{uuid.uuid4().hex[:8]}@example.lv")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.select_option("#country", "LV")
    j.shot("register")
    _submit(page, "main form")
    assert page.get_attribute("html", "lang") == "lv"
    j.axe()

    # 3. the skills self-assessment
    page.click("a[href$='/quiz/skills/']")
    j.axe()
    _submit(page, "form[action$='/quiz/skills/start']")
    j.axe()
    answer_self_assessment_low(page)
    j.shot("self-assessment")
    with page.expect_navigation():
        page.click("button[value=submit]")
    assert re.search(r"/quiz/skills/\d+$", page.url), page.url
    j.axe()
    j.shot("skills-profile")

    # 4. the first recommended course
    page.click("ol.path li a")
    j.axe()
    slug = page.url.rstrip("/").rsplit("/", 1)[1]
    course = catalog.course_by_slug(slug)
    out["course"] = course.id
    _submit(page, "form[action$='/enrol']")
    j.shot("first-lesson")

    # 5. read every lesson; take every module quiz
    quizzes_passed = 0
    for _ in range(200):
        url = page.url
        if "/learn/" in url and re.search(r"/learn/[^/]+/[^/]+$", url) and not url.endswith("/continue"):
            j.axe()
            with page.expect_navigation():
                page.click("form[action$='/complete'] button")
            continue
        if re.search(r"/quiz/[^/]+/[^/]+$", url) and "/attempt/" not in url:
            j.axe()
            _submit(page, "form[action$='/start']")
            continue
        if re.search(r"/quiz/attempt/\d+$", url):
            j.axe()
            # which quiz is this attempt of? (the page itself does not say: ask the database)
            from lms import db
            from lms.models import QuizAttempt

            with live_app.app_context():
                attempt = db.session().get(QuizAttempt, int(url.rsplit("/", 1)[1]))
                quiz = catalog.quizzes[attempt.quiz_id]
            answer_quiz_correctly(page, quiz, "lv")
            if quizzes_passed == 0:
                j.shot("quiz")
            with page.expect_navigation():
                page.click("button[value=submit]")
            assert page.url.endswith("/result")
            j.axe()
            assert page.query_selector(".result.pass"), "the quiz should be passed with the right answers"
            quizzes_passed += 1
            if quizzes_passed == 1:
                j.shot("quiz-result")
            with page.expect_navigation():
                page.click("a[href$='/continue']")
            continue
        break
    out["quizzes_passed"] = quizzes_passed

    # 6. the course is complete
    page.goto(j.base_url + f"/courses/{slug}")
    j.axe()
    j.shot("course-complete")
    assert page.query_selector("progress").get_attribute("value") == "100"
    page.goto(j.base_url + "/learn/")
    j.axe()
    j.shot("dashboard")

    # 7. the certificate: download the PDF, parse it back, open the public verify link
    page.goto(j.base_url + "/certificates/")
    j.axe()
    j.shot("certificates")
    with page.expect_download() as dl:
        page.click("a[href$='.pdf']")
    pdf_path = dl.value.path()
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(pdf_path).pages)
    verify = page.get_attribute("a[href*='/verify/']", "href")
    cert_id = verify.rstrip("/").rsplit("/", 1)[1]
    out["pdf_text"], out["cert_id"] = text, cert_id
    page.goto(verify)
    j.axe()
    j.shot("verify")
    out["verify_html"] = page.content()
    return out


@pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])
def test_learner_journey_in_latvian(journey_factory, live_server, live_app, js):
    j = journey_factory(f"learner-{'js' if js else 'nojs'}", js=js)
    j.base_url = live_server.url
    result = run_learner_journey(j, live_app)
    course = live_app.extensions["lms"].content.course(result["course"])
    assert result["quizzes_passed"] == len(course.required_quizzes())
    assert "Ieva" in result["pdf_text"] and result["cert_id"] in result["pdf_text"].replace("\n", "")
    assert "Ieva Bērziņa" in result["verify_html"] and "@example.lv" not in result["verify_html"]
    assert j.violations == [], j.violations
