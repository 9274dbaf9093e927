"""The shipped Co-in-Co courses meet the content standard of the content issue."""
from __future__ import annotations

from pathlib import Path

import pytest

from lms.content.catalog import read_lesson, scan
from lms.content.report import coverage, words

ROOT = Path(__file__).resolve().parent.parent
LANGS = ["en", "nb", "sv", "da", "is", "lv", "lt", "et", "kl"]
COURSES = ["entrepreneurship-in-clusters", "general-digital-skills", "digital-skills-for-entrepreneurs",
           "leading-a-cluster-initiative", "clusters-in-practice"]


@pytest.fixture(scope="module")
def catalog():
    return scan(ROOT / "courses", ROOT / "quizzes", LANGS)


def test_shipped_content_has_no_problems(catalog):
    assert [str(p) for p in catalog.problems] == []
    assert sorted(catalog.courses) == sorted(COURSES)
    assert {"glossary", "resources"} <= {key for key, lang in catalog.library if lang == "en"}


@pytest.mark.parametrize("course_id", COURSES)
def test_course_is_complete_in_english_norwegian_and_swedish(catalog, course_id):
    course = catalog.courses[course_id]
    assert {"en", "nb", "sv"} <= set(course.complete_languages(LANGS))
    for module in course.modules:
        assert module.quiz, f"module {module.key} has no quiz"
        quiz = catalog.quizzes[module.quiz]
        assert {"nb", "sv"} <= set(quiz.translations), module.quiz


@pytest.mark.parametrize("course_id", COURSES)
def test_every_lesson_meets_the_lesson_standard(catalog, course_id):
    course = catalog.courses[course_id]
    for entry in course.lessons:
        meta, body, _ = read_lesson(course.lesson_meta[("en", entry.file)].path)
        n = words(body)
        assert 500 <= n <= 1600, f"{entry.key}: {n} words"
        assert meta.get("objectives"), f"{entry.key}: no objectives"
        assert meta.get("sources"), f"{entry.key}: no sources"
        assert "!!! tip" in body or "exercise" in meta, f"{entry.key}: no exercise or reflection task"
        assert "## Key takeaways" in body, f"{entry.key}: no key takeaways"


@pytest.mark.parametrize("course_id", COURSES)
def test_every_module_quiz_has_eight_questions_with_feedback(catalog, course_id):
    for quiz_id in catalog.courses[course_id].quiz_ids:
        quiz = catalog.quizzes[quiz_id]
        assert len(quiz.questions) >= 8, quiz_id
        for q in quiz.questions:
            if q["type"] in ("single", "multiple"):
                assert all(o.get("feedback") for o in q["options"]), f"{quiz_id}/{q['id']}"
            if q["type"] == "truefalse":
                assert q.get("feedback_true") and q.get("feedback_false"), f"{quiz_id}/{q['id']}"


def test_every_part_of_the_source_documents_is_used(catalog):
    unused = [part["part"] for part, where in coverage(catalog, ROOT / "docs" / "seed-coverage.yaml") if not where]
    assert unused == []


def test_translations_record_their_source_hash_and_status(catalog):
    import hashlib

    for course in catalog.courses.values():
        for (lang, file), meta in course.lesson_meta.items():
            if lang == "en":
                continue
            en = course.lesson_meta[("en", file)].path
            assert meta.meta.get("source_hash") == hashlib.sha256(en.read_bytes()).hexdigest()[:12], f"{course.id}/{lang}/{file}"
            assert (meta.meta.get("translation") or {}).get("status") in ("machine-assisted", "reviewed"), f"{course.id}/{lang}/{file}"


def test_every_course_quiz_and_library_page_is_translated_and_current_in_all_nine_languages(catalog):
    """What `lms i18n status --strict` checks, on the shipped content."""
    from lms.content.i18n_status import course_status, library_status

    gaps = []
    for course_id, per_lang in course_status(catalog, LANGS[1:]).items():
        for lang, st in per_lang.items():
            if not st.ok:
                gaps.append(f"{course_id} {lang}: missing {st.missing}, outdated {st.outdated}")
    for lang, st in library_status(catalog, LANGS[1:]).items():
        if not st.ok:
            gaps.append(f"library {lang}: missing {st.missing}, outdated {st.outdated}")
    assert gaps == []


def test_i18n_status_strict_passes_on_the_shipped_content():
    from lms import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "LMS_DATABASE_URL": "sqlite://",
                      "LMS_COURSES_DIR": str(ROOT / "courses"), "LMS_QUIZZES_DIR": str(ROOT / "quizzes")})
    result = app.test_cli_runner().invoke(args=["lms", "i18n", "status", "--strict"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("course_id", COURSES)
def test_translations_keep_the_structure_of_the_english_lesson(catalog, course_id):
    """Same headings, call-outs and tables as the English: nothing dropped or merged."""
    from lms.content.render import render_markdown

    def shape(path):
        _meta, body, _ = read_lesson(path)
        html = render_markdown(body)
        return html.count("<h2"), html.count('class="admonition'), html.count("<table")

    course = catalog.courses[course_id]
    for entry in course.lessons:
        english = shape(course.lesson_meta[("en", entry.file)].path)
        for lang in LANGS[1:]:
            assert shape(course.lesson_meta[(lang, entry.file)].path) == english, f"{course_id}/{lang}/{entry.file}"
