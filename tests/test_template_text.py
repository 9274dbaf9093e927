"""No user-visible literal text in templates: everything goes through a translation call."""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "lms" / "templates"
VISIBLE_ATTRS = ("alt", "title", "placeholder", "aria-label")


def visible_literals(source: str) -> list[str]:
    """Words with letters that a reader would see and that no translation call produced."""
    s = re.sub(r"{#.*?#}", " ", source, flags=re.S)
    s = re.sub(r"{%.*?%}", " ", s, flags=re.S)
    s = re.sub(r"{{.*?}}", " ", s, flags=re.S)
    found = []
    for attr in VISIBLE_ATTRS:
        found += [v for v in re.findall(rf'\b{attr}="([^"]*)"', s) if re.search(r"[^\W\d_]", v)]
    s = re.sub(r"<script\b.*?</script>", " ", s, flags=re.S)
    s = re.sub(r"<style\b.*?</style>", " ", s, flags=re.S)
    s = re.sub(r"<!doctype[^>]*>", " ", s, flags=re.I)
    text = re.sub(r"<[^>]*>", " ", s)
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    found += [w for w in text.split() if re.search(r"[^\W\d_]", w)]
    return found


def test_the_checker_finds_literal_text():
    assert visible_literals('<p>Hello {{ _("World") }}</p>') == ["Hello"]
    assert visible_literals('<img alt="A photo" src="{{ x }}">') == ["A photo"]
    assert visible_literals('{% if x %}<p>{{ _("Fine") }}</p>{% endif %} <span>✓</span> <b>1.</b>') == []


def test_templates_have_no_literal_user_visible_text():
    offenders = {}
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in (".html", ".txt") or not path.is_file():
            continue
        words = visible_literals(path.read_text(encoding="utf-8"))
        if words:
            offenders[str(path.relative_to(TEMPLATES))] = words[:8]
    assert offenders == {}
