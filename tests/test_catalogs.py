"""Interface catalogs: current with the code, complete for all nine languages, placeholders intact,
and every main page served in each language with its translated title."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from lms.config import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
LOCALES = [lang for lang in LANGUAGES if lang != "en"]


def _pot():
    return read_po(open(TRANSLATIONS / "messages.pot", encoding="utf-8"))


def _po(lang):
    return read_po(open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", encoding="utf-8"), locale=lang)


def _ids(catalog) -> set:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_the_template_is_current_with_the_code(tmp_path):
    out = tmp_path / "fresh.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
         "-k", "lazy_gettext", "--no-location", "-o", str(out), "."],
        check=True, capture_output=True, cwd=ROOT,
    )
    fresh = _ids(read_po(open(out, encoding="utf-8")))
    assert fresh - _ids(_pot()) == set(), "new strings: run `make i18n-update` and translate them"
    assert _ids(_pot()) - fresh == set(), "strings no longer used: run `make i18n-update`"


@pytest.mark.parametrize("lang", LOCALES)
def test_catalog_is_complete_without_fuzzy_entries_or_broken_placeholders(lang):
    catalog = _po(lang)
    assert _ids(_pot()) - _ids(catalog) == set(), "messages missing from the catalog"
    nplurals = catalog.num_plurals
    problems = []
    for msg in catalog:
        if not msg.id:
            continue
        if msg.fuzzy:
            problems.append(("fuzzy", msg.id))
        strings = msg.string if isinstance(msg.string, (tuple, list)) else (msg.string,)
        if not all(s and s.strip() for s in strings):
            problems.append(("empty", msg.id))
        if msg.pluralizable and len(strings) != nplurals:
            problems.append((f"needs {nplurals} plural forms", msg.id))
        ids = msg.id if isinstance(msg.id, (tuple, list)) else (msg.id,)
        wanted = set(re.findall(r"%\((\w+)\)[sd]", " ".join(ids)))
        for s in strings:
            if set(re.findall(r"%\((\w+)\)[sd]", s or "")) - wanted:
                problems.append(("unknown placeholder", msg.id))
            if not msg.pluralizable and set(re.findall(r"%\((\w+)\)[sd]", s or "")) != wanted:
                problems.append(("placeholders differ", msg.id))
    for msg, errors in catalog.check():
        problems += [("babel: " + str(e), msg.id) for e in errors]
    assert problems == []


PAGES = {"/": "Learn to grow together", "/courses/": "Courses", "/account/login": "Log in", "/account/register": "Create an account"}


@pytest.mark.parametrize("lang", LOCALES)
def test_main_pages_are_served_in_each_language(client, lang):
    from babel.support import Translations

    tr = Translations.load(str(TRANSLATIONS), [lang])
    client.set_cookie("lms_lang", lang)
    for path, english in PAGES.items():
        html = client.get(path).get_data(as_text=True)
        assert f'<html lang="{lang}">' in html, path
        title = tr.gettext(english)
        assert title != english, (lang, english)
        assert f"<title>{title} ·" in html.replace("&#39;", "'"), (lang, path, title)


def test_template_translations_follow_a_locale_switch_inside_a_request(app):
    """Templates remember the request's catalog (lms.i18n.request_translations); e-mails rendered
    with force_locale in the recipient's language must still switch."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string("{{ _('Courses') }}") == "Courses"
        with force_locale("nb"):
            assert render_template_string("{{ _('Courses') }}") == "Kurs"
            with force_locale("sv"):
                assert render_template_string("{{ _('Courses') }}") == "Kurser"
            assert render_template_string("{{ _('Courses') }}") == "Kurs"
        assert render_template_string("{{ _('Courses') }}") == "Courses"
