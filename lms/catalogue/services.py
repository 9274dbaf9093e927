"""The catalogue: which courses a learner can find, filtered and searched in their language."""
from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable

from cachetools import LRUCache

from flask import current_app
from sqlalchemy import select

from lms import db
from lms.content.catalog import Catalog, CourseDef
from lms.extension import state
from lms.i18n import current_lang
from lms.models import Course

DURATIONS = {"short": (0, 60), "medium": (61, 180), "long": (181, 10**6)}


def catalog() -> Catalog:
    content = state().content
    if content is None:
        from lms.content.catalog import load_catalog

        content = state().content = load_catalog(current_app.config)
    return content


@dataclass
class CourseCard:
    course: CourseDef
    title: str
    summary: str
    languages: list[str]
    published: bool

    @property
    def id(self) -> str:
        return self.course.id

    @property
    def slug(self) -> str:
        return self.course.slug


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def db_courses() -> dict[str, Course]:
    return {c.id: c for c in db.session().scalars(select(Course).where(Course.retired.is_(False)))}


def card(cdef: CourseDef, row: Course | None, lang: str) -> CourseCard:
    langs = cdef.complete_languages(list(current_app.config["LMS_LANGUAGES"]))
    return CourseCard(cdef, cdef.title(lang), cdef.summary(lang), langs, bool(row and row.published))


def catalogue_version(rows: dict[str, Course]) -> tuple:
    """What the catalogue page shows besides the files: which courses are published, and when
    each was last synced. Any process's change (an admin unpublishing, a sync) changes it."""
    return (id(catalog()),) + tuple(sorted((r.id, r.published, str(r.synced_at)) for r in rows.values()))


_fragments_lock = threading.Lock()


def cached_fragment(key: tuple, render: Callable[[], Any]) -> Any:
    """A rendered fragment from this app's bounded LRU cache, or ``render()`` stored under ``key``.

    ``render`` may return None (nothing is stored then). The key must hold everything the
    fragment depends on (language, query, ``catalogue_version``)."""
    extra = state().extra
    cache = extra.get("fragments")
    if cache is None:
        cache = extra.setdefault("fragments", LRUCache(maxsize=256))
    with _fragments_lock:
        found = cache.get(key)
    if found is not None:
        return found
    value = render()
    if value is not None:
        with _fragments_lock:
            cache[key] = value
    return value


def catalogue_courses(
    theme: str | None = None,
    level: str | None = None,
    language: str | None = None,
    duration: str | None = None,
    q: str | None = None,
    include_unpublished: bool = False,
    rows: dict[str, Course] | None = None,
) -> list[CourseCard]:
    """Published, synced courses that match the filters; search over title and summary."""
    lang = current_lang()
    if rows is None:
        rows = db_courses()
    out = []
    for cdef in catalog().courses.values():
        row = rows.get(cdef.id)
        if row is None or (not row.published and not include_unpublished):
            continue
        c = card(cdef, row, lang)
        if theme and cdef.theme != theme:
            continue
        if level and cdef.level != level:
            continue
        if language and language not in c.languages:
            continue
        if duration in DURATIONS:
            lo, hi = DURATIONS[duration]
            if not lo <= cdef.estimated_minutes <= hi:
                continue
        if q:
            hay = _fold(" ".join([c.title, c.summary, cdef.data["title"], cdef.data["summary"]]))
            if not all(word in hay for word in _fold(q).split()):
                continue
        out.append(c)
    level_order = {"beginner": 0, "intermediate": 1, "advanced": 2}
    out.sort(key=lambda c: (level_order.get(c.course.level, 9), c.title))
    return out


def get_course(slug: str, include_unpublished: bool = False) -> tuple[CourseDef, Course] | None:
    cdef = catalog().course_by_slug(slug)
    if cdef is None:
        return None
    row = db.session().get(Course, cdef.id)
    if row is None or row.retired or (not row.published and not include_unpublished):
        return None
    return cdef, row


def set_published(course_id: str, published: bool) -> bool:
    row = db.session().get(Course, course_id)
    if row is None:
        return False
    row.published = published
    db.session().commit()
    return True
