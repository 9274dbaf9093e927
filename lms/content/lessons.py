"""Lessons for a reader: language choice with a fallback chain, and cached safe HTML."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app, url_for

from lms.content.catalog import BASE_LANG, CourseDef, LessonEntry, LessonMeta
from lms.content.render import RenderCache
from lms.extension import state


def fallback_chain(lang: str) -> list[str]:
    chains = current_app.config["LMS_FALLBACK_CHAINS"]
    chain = [lang] + [x for x in chains.get(lang, []) if x != lang]
    if BASE_LANG not in chain:
        chain.append(BASE_LANG)
    return chain


@dataclass
class LessonView:
    entry: LessonEntry
    lang: str  # the language shown
    requested: str
    meta: LessonMeta
    html: str

    @property
    def is_fallback(self) -> bool:
        return self.lang != self.requested

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def unreviewed(self) -> bool:
        if self.lang == BASE_LANG:
            return False
        tr = self.meta.meta.get("translation") or {}
        return (tr.get("status") if isinstance(tr, dict) else None) != "reviewed"


def resolve_lang(cdef: CourseDef, entry: LessonEntry, lang: str) -> str:
    for candidate in fallback_chain(lang):
        if (candidate, entry.file) in cdef.lesson_meta:
            return candidate
    return BASE_LANG


def _cache() -> RenderCache:
    extra = state().extra
    if "render_cache" not in extra:
        extra["render_cache"] = RenderCache()
    return extra["render_cache"]


def _rewriter(cdef: CourseDef):
    by_file = {e.file: e.key for e in cdef.lessons}

    def rewrite(value: str, is_image: bool) -> str | None:
        if "://" in value or value.startswith(("mailto:", "#", "/")):
            return value
        file_part, _, anchor = value.partition("#")
        if file_part.endswith(".md") and "/" not in file_part and file_part[:-3] in by_file:
            url = url_for("lms.learn.lesson", slug=cdef.slug, lesson_key=by_file[file_part[:-3]])
            return url + (f"#{anchor}" if anchor else "")
        if file_part.startswith("../media/"):
            return url_for("lms.catalogue.media", slug=cdef.slug, filename=file_part[len("../media/"):])
        return None  # anything else relative would point outside the course: drop it

    return rewrite


def lesson_view(cdef: CourseDef, entry: LessonEntry, lang: str) -> LessonView:
    shown = resolve_lang(cdef, entry, lang)
    meta = cdef.lesson_meta[(shown, entry.file)]
    html = _cache().get(meta.path, f"{state().url_prefix}|{cdef.slug}", _rewriter(cdef))
    return LessonView(entry, shown, lang, meta, html)


def library_page(key: str, lang: str):
    from lms.catalogue.services import catalog

    pages = catalog().library
    for candidate in fallback_chain(lang):
        page = pages.get((key, candidate))
        if page is not None:
            html = _cache().get(page.path, "library")
            return page, html, candidate
    return None


def media_path(cdef: CourseDef) -> Path:
    return cdef.dir / "media"
