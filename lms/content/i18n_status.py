"""Translation status of the course content: per course and language, what is translated,
missing, outdated (the English changed after translation) and reviewed."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from lms.content.catalog import BASE_LANG, Catalog


@dataclass
class LangStatus:
    translated: int = 0
    missing: list[str] = field(default_factory=list)
    outdated: list[str] = field(default_factory=list)
    reviewed: int = 0
    unreviewed: int = 0

    @property
    def ok(self) -> bool:
        return not self.missing and not self.outdated


def _hash(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _review_state(meta: dict) -> bool:
    tr = meta.get("translation") or {}
    return isinstance(tr, dict) and tr.get("status") == "reviewed"


def course_status(catalog: Catalog, languages: list[str]) -> dict[str, dict[str, LangStatus]]:
    """{course id: {lang: LangStatus}} counting lessons, the course texts and module quizzes."""
    out: dict[str, dict[str, LangStatus]] = {}
    for course in catalog.courses.values():
        per: dict[str, LangStatus] = {}
        for lang in languages:
            if lang == BASE_LANG:
                continue
            st = LangStatus()
            if lang not in course.translations:
                st.missing.append("_course.yaml")
            for entry in course.lessons:
                en = course.lesson_meta[(BASE_LANG, entry.file)]
                meta = course.lesson_meta.get((lang, entry.file))
                if meta is None:
                    st.missing.append(entry.key)
                    continue
                st.translated += 1
                if meta.meta.get("source_hash") != _hash(en.path):
                    st.outdated.append(entry.key)
                if _review_state(meta.meta):
                    st.reviewed += 1
                else:
                    st.unreviewed += 1
            for quiz_id in course.quiz_ids:
                quiz = catalog.quizzes[quiz_id]
                tr = quiz.translations.get(lang)
                if tr is None:
                    st.missing.append(f"quiz:{quiz_id}")
                    continue
                if tr.get("source_hash") != _hash(quiz.path):
                    st.outdated.append(f"quiz:{quiz_id}")
            per[lang] = st
        out[course.id] = per
    return out


def library_status(catalog: Catalog, languages: list[str]) -> dict[str, LangStatus]:
    pages = sorted({key for key, lang in catalog.library if lang == BASE_LANG})
    out = {}
    for lang in languages:
        if lang == BASE_LANG:
            continue
        st = LangStatus()
        for key in pages:
            page = catalog.library.get((key, lang))
            if page is None:
                st.missing.append(key)
                continue
            st.translated += 1
            if page.meta.get("source_hash") != _hash(catalog.library[(key, BASE_LANG)].path):
                st.outdated.append(key)
            if _review_state(page.meta):
                st.reviewed += 1
            else:
                st.unreviewed += 1
        out[lang] = st
    return out
