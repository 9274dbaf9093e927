"""`lms i18n status`: translated, missing, outdated and reviewed lessons per language."""
from __future__ import annotations

import hashlib


def test_status_counts_missing_and_outdated_and_fails_when_strict(runner):
    result = runner.invoke(args=["lms", "i18n", "status", "--lang", "nb"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("demo-course") and " nb " in x)
    # 1 translated (intro), missing: details, wrap-up, quiz; outdated: intro (hash does not match)
    assert line.split()[2:] == ["1", "3", "1", "0", "1"]
    assert "outdated: intro" in result.output
    assert runner.invoke(args=["lms", "i18n", "status", "--lang", "nb", "--strict"]).exit_code == 1


def test_status_is_clean_when_everything_is_translated_and_current(runner, content_dirs):
    courses, quizzes = content_dirs
    en, nb = courses / "demo-course" / "en", courses / "demo-course" / "nb"
    for f in en.glob("*.md"):
        digest = hashlib.sha256(f.read_bytes()).hexdigest()[:12]
        status = "reviewed\n  reviewer: Kari" if f.stem == "intro" else "machine-assisted"
        (nb / f.name).write_text(f"---\ntitle: T {f.stem}\nsource_hash: {digest}\ntranslation:\n  status: {status}\n---\n\nTekst.\n")
    qdigest = hashlib.sha256((quizzes / "demo-quiz.yaml").read_bytes()).hexdigest()[:12]
    (quizzes / "nb").mkdir()
    (quizzes / "nb" / "demo-quiz.yaml").write_text(f"source_hash: {qdigest}\ntitle: Quiz\n")
    result = runner.invoke(args=["lms", "i18n", "status", "--lang", "nb", "--strict"])
    assert result.exit_code == 0, result.output
    assert "nb 1/2" in result.output  # one reviewed, two machine-assisted


def test_editing_the_english_makes_the_translation_outdated(runner, content_dirs):
    courses, _ = content_dirs
    en = courses / "demo-course" / "en" / "details.md"
    nb = courses / "demo-course" / "nb" / "details.md"
    digest = hashlib.sha256(en.read_bytes()).hexdigest()[:12]
    nb.write_text(f"---\ntitle: Detaljer\nsource_hash: {digest}\n---\n\nTekst.\n")
    assert "outdated: details" not in runner.invoke(args=["lms", "i18n", "status", "--lang", "nb"]).output
    en.write_text(en.read_text() + "\nNew sentence.\n")
    assert "outdated: details" in runner.invoke(args=["lms", "i18n", "status", "--lang", "nb"]).output
