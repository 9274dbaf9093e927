"""Course files: the checker, sync under stable ids, rendering and sanitising."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from lms import db
from lms.content.catalog import scan
from lms.content.render import render_markdown
from lms.models import Lesson, LessonProgress

ROOT = Path(__file__).resolve().parent.parent
LANGS = ["en", "nb", "sv", "da", "is", "lv", "lt", "et", "kl"]


def _problems(content_dirs):
    courses, quizzes = content_dirs
    return [str(p) for p in scan(courses, quizzes, LANGS).problems]


def test_the_test_course_is_valid(content_dirs):
    assert _problems(content_dirs) == []


def test_shipped_courses_pass_the_checker(runner):
    result = runner.invoke(args=["lms", "courses", "check", str(ROOT / "courses")])
    assert result.exit_code == 0, result.output


def test_documented_example_course_passes_the_checker(runner):
    result = runner.invoke(args=["lms", "courses", "check", str(ROOT / "docs" / "example" / "courses")])
    assert result.exit_code == 0, result.output


def test_checker_reports_invalid_yaml_with_line(content_dirs, runner):
    courses, _ = content_dirs
    path = courses / "demo-course" / "course.yaml"
    path.write_text(path.read_text().replace("theme: clustering", "theme: [clustering"))
    result = runner.invoke(args=["lms", "courses", "check", str(courses)])
    assert result.exit_code == 1
    assert "courses/demo-course/course.yaml:" in result.output and "invalid YAML" in result.output


@pytest.mark.parametrize("edit, expected", [
    (("      - id: details\n", "      - id: details\n      - id: missing-one\n"), "course.yaml:14: lesson 'missing-one': missing file"),
    (("      - id: wrap-up\n", "      - id: intro\n"), "course.yaml:18: duplicate lesson id 'intro'"),
    (("    quiz: demo-quiz\n", "    quiz: no-such-quiz\n"), "course.yaml:14: quiz 'no-such-quiz' does not exist"),
    (("theme: clustering\n", "theme: cooking\n"), "course.yaml:4: theme must be one of"),
    (("id: demo-course\n", "id: Demo Course\n"), "course.yaml:1: course id must be"),
    (("  lessons: all\n", "  lessons: [intro, ghost]\n"), "completion names unknown lesson 'ghost'"),
])
def test_checker_reports_each_problem_as_path_line_message(content_dirs, edit, expected):
    courses, _ = content_dirs
    path = courses / "demo-course" / "course.yaml"
    old, new = edit
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    problems = _problems(content_dirs)
    assert any(expected in p for p in problems), problems


def test_checker_reports_numbers_that_markdown_would_turn_into_a_list(content_dirs):
    """"2004. gadā" starting a paragraph, or "- 7. solis", render as lists numbered from 1."""
    courses, _ = content_dirs
    nb = courses / "demo-course" / "nb" / "intro.md"
    nb.write_text(nb.read_text() + (
        "\n2004. gadā sākās projekts.\n\n- 7. solis: mentori.\n\n"
        "1. first\n2. second\n\n3. a loose list goes on\n\n"  # a real list: fine
        "2004\\. gadā, escaped: fine\n\n```\n2004. in code: fine\n```\n"
    ))
    problems = [p for p in _problems(content_dirs) if "nb/intro.md" in p]
    assert len(problems) == 2, problems
    assert 'paragraph starting "2004."' in problems[0] and 'write "2004\\."' in problems[0]
    assert '"7." right after a bullet' in problems[1]
    from lms.content.render import render_markdown

    assert "<li>7. solis" in render_markdown("- 7\\. solis") and "<ol>" not in render_markdown("2004\\. gadā")


def test_checker_reports_broken_links_and_images(content_dirs):
    courses, _ = content_dirs
    lesson = courses / "demo-course" / "en" / "details.md"
    lesson.write_text(lesson.read_text() + "\n[gone](nowhere.md)\n\n![x](../media/missing.png)\n\n[bad](javascript:alert(1))\n")
    problems = _problems(content_dirs)
    assert any("en/details.md:" in p and "unknown lesson 'nowhere.md'" in p for p in problems), problems
    assert any("broken image '../media/missing.png'" in p for p in problems), problems
    assert any("link scheme 'javascript' is not allowed" in p for p in problems), problems
    line = next(p for p in problems if "nowhere.md" in p).split(":")[1]
    assert int(line) == lesson.read_text().splitlines().index("[gone](nowhere.md)") + 1


def test_checker_validates_quizzes(content_dirs):
    _, quizzes = content_dirs
    path = quizzes / "demo-quiz.yaml"
    text = path.read_text().replace("        correct: true\n        feedback: Right", "        feedback: Right", 1)
    text = text.replace("type: ordering", "type: essay")
    path.write_text(text)
    problems = _problems(content_dirs)
    assert any("question 'q1': a single-choice question needs exactly one correct option, not 0" in p for p in problems), problems
    assert any("unknown question type 'essay'" in p for p in problems), problems
    # the course that uses the broken quiz is reported too
    assert any("quiz 'demo-quiz' does not exist (or has errors)" in p for p in problems), problems


def test_invalid_course_is_skipped_at_start_or_stops_the_app_when_strict(db_url, content_dirs, caplog):
    from lms import create_app
    from tests.conftest import make_config

    courses, _ = content_dirs
    path = courses / "demo-course" / "course.yaml"
    path.write_text(path.read_text().replace("theme: clustering", "theme: cooking"))
    app = create_app(make_config(db_url, *content_dirs))
    assert "demo-course" not in app.extensions["lms"].content.courses
    assert any("theme must be one of" in r.getMessage() for r in caplog.records)
    with pytest.raises(RuntimeError, match="LMS_STRICT_CONTENT"):
        create_app(make_config(db_url, *content_dirs, LMS_STRICT_CONTENT=True))


# -- sync -------------------------------------------------------------------------------------

def _resync(app):
    from lms.content.catalog import load_catalog
    from lms.content.sync import sync_catalog

    with app.app_context():
        app.extensions["lms"].content = load_catalog(app.config)
        return sync_catalog(db.session(), app.extensions["lms"].content)


def _lesson_ids(app) -> dict[str, int]:
    with app.app_context():
        return {r.key: r.id for r in db.session().scalars(select(Lesson))}


def _progress_keys(app, user) -> set[str]:
    with app.app_context():
        rows = db.session().execute(
            select(Lesson.key).join(LessonProgress, LessonProgress.lesson_id == Lesson.id).where(LessonProgress.user_id == user.id, LessonProgress.completed_at.is_not(None))
        )
        return {k for (k,) in rows}


def _complete(client, key):
    assert client.post(f"/learn/demo-course/{key}/complete").status_code == 302


def test_progress_survives_edits_reordering_renames_and_new_lessons(app, learner_client, learner, content_dirs, runner):
    courses, _ = content_dirs
    learner_client.post("/courses/demo-course/enrol")
    _complete(learner_client, "intro")
    _complete(learner_client, "details")
    before = _lesson_ids(app)

    yaml_path = courses / "demo-course" / "course.yaml"
    en = courses / "demo-course" / "en"
    # edit a lesson's text, re-order two lessons, rename a file, add a new lesson
    (en / "intro.md").write_text((en / "intro.md").read_text() + "\nAn added paragraph.\n")
    (en / "details.md").rename(en / "more-details.md")
    text = yaml_path.read_text()
    text = text.replace("      - id: intro\n      - id: details\n", "      - id: details\n        file: more-details\n      - id: intro\n      - id: brand-new\n")
    yaml_path.write_text(text)
    (en / "brand-new.md").write_text("---\ntitle: Brand new\n---\n\nNew lesson.\n")
    # a rename means updating the links to it; the checker would say so otherwise
    for lang in ("en", "nb"):
        f = courses / "demo-course" / lang / "intro.md"
        f.write_text(f.read_text().replace("(details.md)", "(more-details.md)"))
    result = runner.invoke(args=["lms", "courses", "sync"])
    assert result.exit_code == 0, result.output
    assert "1 lesson(s) added" in result.output

    after = _lesson_ids(app)
    assert after["intro"] == before["intro"] and after["details"] == before["details"]
    assert _progress_keys(app, learner) == {"intro", "details"}
    page = learner_client.get("/learn/demo-course/details")
    assert page.status_code == 200 and "Details" in page.get_data(as_text=True)
    # the lesson rows kept per process (lms.learn.services.lesson_rows) were refreshed by the sync
    new = learner_client.get("/learn/demo-course/brand-new")
    assert new.status_code == 200 and "Brand new" in new.get_data(as_text=True)
    with app.app_context():
        assert db.session().get(Lesson, after["details"]).position == 1


def test_sync_keeps_a_course_that_now_has_problems(app, content_dirs):
    from lms.models import Course

    courses, _ = content_dirs
    path = courses / "demo-course" / "course.yaml"
    path.write_text(path.read_text().replace("theme: clustering", "theme: cooking"))
    _resync(app)
    with app.app_context():
        assert db.session().get(Course, "demo-course").retired is False


def test_removed_lesson_is_retired_not_deleted(app, content_dirs, learner_client, learner):
    courses, _ = content_dirs
    learner_client.post("/courses/demo-course/enrol")
    _complete(learner_client, "wrap-up")
    yaml_path = courses / "demo-course" / "course.yaml"
    text = yaml_path.read_text().replace("  - id: second\n    title: Second module\n    lessons:\n      - id: wrap-up\n", "")
    yaml_path.write_text(text)
    (courses / "demo-course" / "en" / "wrap-up.md").unlink()
    nb = courses / "demo-course" / "nb" / "_course.yaml"
    nb.write_text(nb.read_text().replace("  second: Andre modul\n", ""))
    report = _resync(app)
    assert report.lessons_retired == 1
    with app.app_context():
        row = db.session().scalar(select(Lesson).where(Lesson.key == "wrap-up"))
        assert row.retired is True
    assert "wrap-up" in _progress_keys(app, learner)
    assert learner_client.get("/learn/demo-course/wrap-up").status_code == 404


# -- rendering --------------------------------------------------------------------------------

HOSTILE = """
<script>alert(1)</script>
<img src="x" onerror="alert(2)">
<a href="javascript:alert(3)">click</a>
<a href="JaVaScRiPt:alert(4)">click</a>
<iframe src="https://evil.example"></iframe>
<div onclick="alert(5)" style="background:url(javascript:alert(6))">div</div>
[md link](javascript:alert(7))
![md img](javascript:alert(8))
<svg><script>alert(9)</script></svg>
<object data="x"></object><embed src="x">
<form action="https://evil.example"><input name="a"></form>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>
<meta http-equiv="refresh" content="0;url=https://evil.example">
<style>body{display:none}</style>
"""


def test_hostile_markdown_is_sanitised():
    html = render_markdown(HOSTILE).lower()
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "<svg", "<object", "<embed", "<form", "<input", "data:text", "<meta", "<style", "style="):
        assert bad not in html, bad
    assert "click" in html  # text survives


def test_hostile_lesson_file_is_sanitised_in_the_page(app, learner_client, content_dirs):
    courses, _ = content_dirs
    path = courses / "demo-course" / "en" / "details.md"
    path.write_text("---\ntitle: Details\n---\n" + HOSTILE)
    _resync(app)
    learner_client.post("/courses/demo-course/enrol")
    html = learner_client.get("/learn/demo-course/details").get_data(as_text=True).lower()
    assert "alert(" not in html and "<iframe" not in html and "onerror" not in html


def test_markdown_features_render():
    src = "## Title here\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nText[^1]\n\n!!! tip \"Try it\"\n    Inside.\n\n[^1]: Note.\n"
    html = render_markdown(src)
    assert '<h2 id="title-here">' in html
    assert "<table>" in html and "<td>1</td>" in html
    assert 'class="footnote"' in html and 'id="fn:1"' in html
    assert 'class="admonition tip"' in html and 'class="admonition-title"' in html


def test_rendered_lesson_is_cached_and_refreshed_when_the_file_changes(app, learner_client, content_dirs):
    courses, _ = content_dirs
    learner_client.post("/courses/demo-course/enrol")
    assert "More text about clusters" in learner_client.get("/learn/demo-course/details").get_data(as_text=True)
    cache = app.extensions["lms"].extra["render_cache"]
    assert len(cache._data) == 1
    path = courses / "demo-course" / "en" / "details.md"
    path.write_text(path.read_text().replace("More text about clusters", "Changed text"))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert "Changed text" in learner_client.get("/learn/demo-course/details").get_data(as_text=True)


def test_lesson_links_and_images_point_inside_the_course(app, learner_client):
    learner_client.post("/courses/demo-course/enrol")
    html = learner_client.get("/learn/demo-course/intro").get_data(as_text=True)
    assert 'href="/learn/demo-course/details"' in html
    assert 'src="/courses/demo-course/media/diagram.png"' in html and 'loading="lazy"' in html
    assert learner_client.get("/courses/demo-course/media/diagram.png").status_code == 200
