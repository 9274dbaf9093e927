"""Exercises: the form on the lesson page, text and file answers (size, type and content
checks), safe storage and downloads, trainer review, and completion with ``exercises: all``."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from lms import db
from lms.content.catalog import scan
from lms.models import Cohort, Enrolment, Submission, SubmissionComment
from tests.test_cohorts import client_for, learner, make_user  # noqa: F401  (fixtures)
from tests.test_learning import _pass_quiz

LANGS = ["en", "nb", "sv", "da", "is", "lv", "lt", "et", "kl"]
PROMPT = "Write a SWOT of your own cluster."
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture
def content_dirs(content_dirs):
    """The demo course with an exercise on 'details' that trainers must review (exercises: all)."""
    courses, _quizzes = content_dirs
    lesson = courses / "demo-course" / "en" / "details.md"
    lesson.write_text(lesson.read_text().replace("minutes: 5\n", f"minutes: 5\nexercise:\n  prompt: {PROMPT}\n", 1))
    course = courses / "demo-course" / "course.yaml"
    course.write_text(course.read_text().replace("  pass_mark: 70\n", "  pass_mark: 70\n  exercises: all\n"))
    return content_dirs


@pytest.fixture
def app_config(app_config, tmp_path):
    app_config["LMS_UPLOAD_DIR"] = str(tmp_path / "uploads")
    app_config["LMS_UPLOAD_MAX_BYTES"] = 20_000
    return app_config


@pytest.fixture
def uploads(app):
    from pathlib import Path

    return Path(app.config["LMS_UPLOAD_DIR"])


@pytest.fixture
def world(app, make_user, client_for):
    """A trainer's cohort on the demo course with one enrolled member (logged in as ``lc``)."""
    trainer = make_user(role="trainer", name="Tove")
    tc = client_for(trainer)
    resp = tc.post("/trainer/cohorts/new", data={"name": "SWOT pilot", "courses": ["demo-course"], "language": "en",
                                                 "country": "", "starts_on": "", "ends_on": "", "token": "c" * 24})
    cohort_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        code = db.session().get(Cohort, cohort_id).join_code
    learner = make_user(name="Lea Learner")
    lc = client_for(learner)
    assert lc.post("/learn/join", data={"code": code}).status_code == 302
    return {"cohort_id": cohort_id, "tc": tc, "lc": lc, "learner": learner, "trainer": trainer}


def _submit(client, text="", file=None, name="answer.pdf"):
    data = {"text": text}
    if file is not None:
        data["file"] = (io.BytesIO(file), name)
    return client.post("/learn/demo-course/details/exercise", data=data, content_type="multipart/form-data")


def _sub(app) -> Submission | None:
    with app.app_context():
        return db.session().scalar(select(Submission))


def _ooxml(folder: str, content_types: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        if content_types:
            zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(f"{folder}document.xml", "<doc/>")
    return buf.getvalue()


def _odf(mimetype: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", mimetype)
        zf.writestr("content.xml", "<office:document-content/>")
    return buf.getvalue()


# -- the lesson page ---------------------------------------------------------------------------------


def test_a_lesson_with_an_exercise_shows_the_prompt_and_a_file_form(world):
    html = world["lc"].get("/learn/demo-course/details").get_data(as_text=True)
    assert PROMPT in html
    assert 'enctype="multipart/form-data"' in html and 'action="/learn/demo-course/details/exercise"' in html
    assert 'type="file"' in html and "Allowed: PDF" in html
    assert "complete when your trainer has marked this exercise complete" in html
    assert "<script" not in html


def test_a_lesson_without_an_exercise_has_no_form_and_refuses_answers(world):
    assert 'type="file"' not in world["lc"].get("/learn/demo-course/intro").get_data(as_text=True)
    resp = world["lc"].post("/learn/demo-course/intro/exercise", data={"text": "x"})
    assert resp.status_code == 404


def test_a_learner_hands_in_text_and_a_resubmit_updates_the_same_row(world, app):
    lc = world["lc"]
    assert _submit(lc, "First draft").status_code == 302
    assert _submit(lc, "First draft").status_code == 302
    assert _submit(lc, "Better draft").status_code == 302
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Submission)) == 1
    assert _sub(app).text == "Better draft" and _sub(app).status == "submitted"
    html = lc.get("/learn/demo-course/details").get_data(as_text=True)
    assert "Better draft" in html and "has not reviewed it yet" in html and "Hand in again" in html


def test_an_empty_answer_is_a_400_with_a_message(world, app):
    resp = _submit(world["lc"], "   ")
    assert resp.status_code == 400 and "Write your answer or attach a file." in resp.get_data(as_text=True)
    assert _sub(app) is None


def test_a_learner_must_be_enrolled_to_hand_in(app, make_user, client_for):
    stranger = client_for(make_user())
    resp = _submit(stranger, "hello")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/courses/demo-course")
    assert _sub(app) is None


# -- files ---------------------------------------------------------------------------------------------


ALLOWED_FILES = [
    ("plan.pdf", PDF),
    ("photo.png", PNG),
    ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 40),
    ("swot.docx", _ooxml("word/")),
    ("budget.xlsx", _ooxml("xl/")),
    ("slides.pptx", _ooxml("ppt/")),
    ("swot.odt", _odf("application/vnd.oasis.opendocument.text")),
    ("notes.txt", "Styrker: havnen. Svakheter: få båter.\n".encode()),
]

REFUSED_FILES = [
    ("page.html", b"<html><body>hi</body></html>", "This type of file is not accepted"),
    ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "This type of file is not accepted"),
    ("tool.exe", b"MZ\x90\x00", "This type of file is not accepted"),
    ("noext", PDF, "This type of file is not accepted"),
    ("fake.pdf", b"<html><script>alert(1)</script></html>", "does not match its type"),
    ("fake.png", PDF, "does not match its type"),
    ("page.txt", b"<!DOCTYPE html><html><script>alert(1)</script>", "does not match its type"),
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "does not match its type"),
    ("zip.docx", _ooxml("word/", content_types=False), "does not match its type"),
    ("sheet.docx", _ooxml("xl/"), "does not match its type"),
    ("wrong.odt", _odf("application/vnd.oasis.opendocument.spreadsheet"), "does not match its type"),
    ("empty.pdf", b"", "The file is empty."),
]


def test_allowed_files_are_stored_under_a_random_key_outside_the_web_root(world, app, uploads):
    for name, content in ALLOWED_FILES:
        assert _submit(world["lc"], "", content, name).status_code == 302, name
        sub = _sub(app)
        assert sub.file_name.lower() == name.lower() and sub.file_size == len(content)
        assert re.fullmatch(r"[0-9a-f]{40}", sub.file_key)
        stored = list(uploads.iterdir())
        assert [p.name for p in stored] == [sub.file_key], name  # the previous file is gone
        assert stored[0].read_bytes() == content
    assert not str(uploads).startswith(str(app.root_path))


def test_refused_files_give_a_400_with_a_message_and_leave_nothing_behind(world, app, uploads):
    for name, content, message in REFUSED_FILES:
        resp = _submit(world["lc"], "text too", content, name)
        assert resp.status_code == 400, name
        assert message in resp.get_data(as_text=True), name
        assert _sub(app) is None
        assert not uploads.exists() or list(uploads.iterdir()) == [], name


def test_a_file_over_the_upload_limit_is_a_413_with_the_limit_in_the_message(world, app, uploads):
    resp = _submit(world["lc"], "", PDF + b"0" * 25_000, "big.pdf")
    assert resp.status_code == 413
    assert "The file is too large. The limit is" in resp.get_data(as_text=True)
    assert _sub(app) is None and list(uploads.iterdir()) == []


def test_a_request_over_max_content_length_gets_a_translated_413_page_not_a_500(world, app):
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    lc = world["lc"]
    lc.post("/account/profile", data={"display_name": "Lea", "locale": "nb", "country": "", "organisation": ""})
    resp = _submit(lc, "", b"%PDF-" + b"0" * 60_000, "huge.pdf")
    assert resp.status_code == 413
    html = resp.get_data(as_text=True)
    assert '<html lang="nb">' in html and "<h1>" in html
    assert _sub(app) is None


def test_a_new_file_replaces_the_old_one_on_disk_and_text_only_keeps_it(world, app, uploads):
    lc = world["lc"]
    _submit(lc, "v1", PDF, "one.pdf")
    first = _sub(app).file_key
    _submit(lc, "v2", PNG, "two.png")
    second = _sub(app)
    assert second.file_key != first and second.file_name == "two.png"
    assert [p.name for p in uploads.iterdir()] == [second.file_key]
    _submit(lc, "v3")
    third = _sub(app)
    assert third.text == "v3" and third.file_key == second.file_key


def test_downloads_are_attachments_with_a_safe_name_for_the_learner_and_their_trainers_only(world, app, make_user, client_for):
    _submit(world["lc"], "", PDF, "..\\..\\win\\evil*name<x>.PDF")
    sub = _sub(app)
    assert sub.file_name.endswith("evil_name_x.pdf") and not set("/\\.<>*") & set(sub.file_name[:-4])
    own = world["lc"].get(f"/learn/submissions/{sub.id}/file")
    trainer = world["tc"].get(f"/trainer/cohorts/{world['cohort_id']}/submissions/{sub.id}/file")
    admin = client_for(make_user(role="admin")).get(f"/trainer/cohorts/{world['cohort_id']}/submissions/{sub.id}/file")
    for resp in (own, trainer, admin):
        assert resp.status_code == 200
        assert resp.data == PDF
        assert resp.headers["Content-Disposition"].startswith("attachment;")
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.mimetype == "application/pdf"
        assert "\n" not in resp.headers["Content-Disposition"] and "/" not in resp.headers["Content-Disposition"]
    other_learner = client_for(make_user())
    assert other_learner.get(f"/learn/submissions/{sub.id}/file").status_code == 404
    other_trainer = client_for(make_user(role="trainer"))
    assert other_trainer.get(f"/trainer/cohorts/{world['cohort_id']}/submissions/{sub.id}/file").status_code == 404
    # a trainer cannot use the learners' URL for someone else's file either
    assert world["tc"].get(f"/learn/submissions/{sub.id}/file").status_code == 404


@pytest.mark.parametrize("given, clean", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ('a"b;c\r\nd.pdf', "a_b_c__d.pdf"),
    ("...pdf", "submission.pdf"),
    ("x" * 300 + ".pdf", "x" * 100 + ".pdf"),
])
def test_file_names_are_cleaned_of_paths_quotes_and_control_characters(given, clean):
    from lms.trainer.uploads import clean_name

    assert clean_name(given, "pdf" if given.endswith("pdf") else "txt") == clean


def test_a_non_ascii_file_name_is_kept_for_display_and_download(world, app):
    _submit(world["lc"], "", PDF, "Ålesund SWOT.pdf")
    sub = _sub(app)
    assert sub.file_name == "Ålesund SWOT.pdf"
    resp = world["lc"].get(f"/learn/submissions/{sub.id}/file")
    assert "filename*=UTF-8''%C3%85lesund%20SWOT.pdf" in resp.headers["Content-Disposition"]


# -- review and completion ----------------------------------------------------------------------------


def _finish_everything_else(world, app):
    lc = world["lc"]
    for key in ("intro", "details", "wrap-up"):
        lc.get(f"/learn/demo-course/{key}")
        lc.post(f"/learn/demo-course/{key}/complete")
    _pass_quiz(lc, app)


def _percent(client) -> tuple[int, bool]:
    p = client.get("/api/me/progress").get_json()["progress"][0]
    return p["percent"], p["completed"]


def test_with_exercises_all_the_course_completes_only_after_the_trainer_marks_it_complete(world, app):
    lc, tc, cid = world["lc"], world["tc"], world["cohort_id"]
    _finish_everything_else(world, app)
    assert _percent(lc) == (80, False)
    html = lc.get("/learn/").get_data(as_text=True)
    assert "Next step" in html and "Details" in html  # the exercise still to hand in
    _submit(lc, "My SWOT: strengths ...")
    sub = _sub(app)
    listing = tc.get(f"/trainer/cohorts/{cid}/submissions").get_data(as_text=True)
    assert "Lea Learner" in listing and "Details" in listing and "waiting for review" in listing
    assert "1 exercise is waiting for your review." in tc.get(f"/trainer/cohorts/{cid}").get_data(as_text=True)
    page = tc.get(f"/trainer/cohorts/{cid}/submissions/{sub.id}").get_data(as_text=True)
    assert "My SWOT: strengths ..." in page and PROMPT in page
    for _ in range(2):
        assert tc.post(f"/trainer/cohorts/{cid}/submissions/{sub.id}/complete").status_code == 302
    assert _sub(app).status == "complete" and _sub(app).reviewed_by == world["trainer"].id
    assert _percent(lc) == (100, True)
    with app.app_context():
        assert db.session().scalar(select(Enrolment.completed_at)) is not None
    grid = tc.get(f"/trainer/cohorts/{cid}").get_data(as_text=True)
    assert "exercise marked complete" in grid


def test_a_completed_exercise_is_closed_to_changes(world, app):
    _submit(world["lc"], "Done")
    sub = _sub(app)
    world["tc"].post(f"/trainer/cohorts/{world['cohort_id']}/submissions/{sub.id}/complete")
    resp = _submit(world["lc"], "Changed my mind")
    assert resp.status_code == 409 and "can no longer be changed" in resp.get_data(as_text=True)
    assert _sub(app).text == "Done"
    html = world["lc"].get("/learn/demo-course/details").get_data(as_text=True)
    assert "marked this exercise complete" in html and 'type="file"' not in html


def test_trainer_comments_are_posted_once_and_shown_to_the_learner(world, app):
    _submit(world["lc"], "Draft")
    sub = _sub(app)
    url = f"/trainer/cohorts/{world['cohort_id']}/submissions/{sub.id}/comment"
    data = {"body": "Add one threat from outside the cluster.", "token": "comment-token-00000001"}
    for _ in range(2):
        assert world["tc"].post(url, data=data).status_code == 302
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(SubmissionComment)) == 1
    assert world["tc"].post(url, data={"body": "", "token": "comment-token-00000002"}).status_code == 400
    html = world["lc"].get("/learn/demo-course/details").get_data(as_text=True)
    assert "Comments from your trainer" in html and "Add one threat from outside the cluster." in html and "Tove" in html


def test_without_the_exercises_rule_progress_ignores_exercises(app_config, content_dirs, learner):
    from lms import create_app
    from lms.content.sync import sync_catalog
    from lms.db import Base

    courses, _q = content_dirs
    course = courses / "demo-course" / "course.yaml"
    course.write_text(course.read_text().replace("  exercises: all\n", ""))
    app2 = create_app(app_config)
    state = app2.extensions["lms"]
    Base.metadata.create_all(state.engine)
    with app2.app_context():
        sync_catalog(db.session(), state.content)
        assert state.content.course("demo-course").exercise_lessons() == ["details"]
        assert state.content.course("demo-course").required_exercises() == []
    c = app2.test_client()
    with c.session_transaction() as session:
        session["_user_id"] = learner.get_id()
    c.post("/courses/demo-course/enrol")
    for key in ("intro", "details", "wrap-up"):
        c.post(f"/learn/demo-course/{key}/complete")
    _pass_quiz(c, app2)
    assert _percent(c) == (100, True)
    state.engine.dispose()


def test_the_checker_validates_the_exercises_rule_and_the_exercise_front_matter(content_dirs):
    courses, quizzes = content_dirs
    assert [str(p) for p in scan(courses, quizzes, LANGS).problems] == []
    course = courses / "demo-course" / "course.yaml"
    course.write_text(course.read_text().replace("exercises: all", "exercises: some"))
    lesson = courses / "demo-course" / "en" / "wrap-up.md"
    lesson.write_text(lesson.read_text().replace("minutes: 5\n", "minutes: 5\nexercise: Write something\n"))
    problems = [str(p) for p in scan(courses, quizzes, LANGS).problems]
    assert any("course.yaml:23: completion.exercises must be 'all' or 'none'" in p for p in problems), problems
    assert any("wrap-up.md:4: exercise must be a mapping with a 'prompt' text" in p for p in problems), problems


def test_the_privacy_export_contains_submissions_and_comments(world, app):
    _submit(world["lc"], "My answer", PDF, "plan.pdf")
    sub = _sub(app)
    world["tc"].post(f"/trainer/cohorts/{world['cohort_id']}/submissions/{sub.id}/comment", data={"body": "Good start", "token": "t" * 20})
    data = world["lc"].get("/account/export.json").get_json()
    (item,) = data["submissions"]
    assert item["lesson"] == "details" and item["text"] == "My answer" and item["file_name"] == "plan.pdf"
    assert item["comments"][0]["body"] == "Good start"
    assert data["cohorts"][0]["cohort"] == "SWOT pilot"


def test_with_csrf_on_the_exercise_form_carries_its_token(world, app):
    from tests.conftest import csrf_from

    app.config["WTF_CSRF_ENABLED"] = True
    lc = world["lc"]
    token = csrf_from(lc.get("/learn/demo-course/details").get_data(as_text=True))
    data = {"text": "With a token", "file": (io.BytesIO(PDF), "plan.pdf"), "csrf_token": token}
    assert lc.post("/learn/demo-course/details/exercise", data=data, content_type="multipart/form-data").status_code == 302
    assert _sub(app).file_name == "plan.pdf"
    assert _submit(lc, "Without a token").status_code == 400
    assert _sub(app).text == "With a token"


def test_an_erasure_can_delete_the_learners_files_from_disk(world, app, uploads):
    from lms.trainer.privacy import delete_user_files

    _submit(world["lc"], "", PDF, "plan.pdf")
    assert len(list(uploads.iterdir())) == 1
    with app.app_context():
        assert delete_user_files(world["learner"]) == 1
    assert list(uploads.iterdir()) == []


def test_the_learner_is_mailed_once_in_their_language_when_a_trainer_comments_or_completes(world, app):
    with app.app_context():
        from lms.models import User

        db.session().get(User, world["learner"].id).locale = "nb"
        db.session().commit()
    _submit(world["lc"], "Draft")
    sub = _sub(app)
    outbox = app.extensions["lms"].mail.outbox
    outbox.clear()
    base = f"/trainer/cohorts/{world['cohort_id']}/submissions/{sub.id}"
    data = {"body": "Add one threat from outside the cluster.", "token": "comment-token-00000009"}
    for _ in range(2):  # a double submit posts and mails once
        assert world["tc"].post(base + "/comment", data=data).status_code == 302
    (mail,) = outbox
    body = mail.get_content()
    assert mail["To"] == world["learner"].email
    assert "Add one threat from outside the cluster." in body and "Tove" in body
    assert "/learn/demo-course/details#exercise" in body
    assert "kommenterte" in body and "Details" in body  # Norwegian wrapper text; the lesson has no nb title
    for _ in range(2):
        assert world["tc"].post(base + "/complete").status_code == 302
    assert len(outbox) == 2 and "fullført" in outbox[1]["Subject"]


def test_a_failing_mail_server_does_not_lose_the_comment(world, app, monkeypatch):
    _submit(world["lc"], "Draft")
    sub = _sub(app)

    def broken(*_a, **_k):
        raise OSError("mail server down")

    monkeypatch.setattr(app.extensions["lms"].mail, "send", broken)
    url = f"/trainer/cohorts/{world['cohort_id']}/submissions/{sub.id}/comment"
    assert world["tc"].post(url, data={"body": "Still saved", "token": "comment-token-00000010"}).status_code == 302
    with app.app_context():
        assert db.session().scalar(select(SubmissionComment.body)) == "Still saved"
