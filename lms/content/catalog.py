"""Courses on disk: load ``courses/<slug>/course.yaml`` and lesson files, and check them."""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lms.assessment.quizfile import Problem, Quiz, load_quizzes
from lms.content.yamlines import YamlError, line_of, load, split_front_matter

log = logging.getLogger(__name__)

THEMES = ("clustering", "digital-skills", "entrepreneurship")
LEVELS = ("beginner", "intermediate", "advanced")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
LINK_RE = re.compile(r"(!?)\[(?:[^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
BASE_LANG = "en"


@dataclass
class LessonEntry:
    key: str
    file: str
    module_key: str
    position: int
    line: int = 1


@dataclass
class ModuleEntry:
    key: str
    title: str
    quiz: str | None
    lessons: list[LessonEntry]
    position: int


@dataclass
class LessonMeta:
    path: Path
    meta: dict
    body_line: int

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or "")


@dataclass
class CourseDef:
    id: str
    dir: Path
    data: dict
    modules: list[ModuleEntry]
    translations: dict[str, dict] = field(default_factory=dict)
    lesson_meta: dict[tuple[str, str], LessonMeta] = field(default_factory=dict)
    content_hash: str = ""
    _outlines: dict[str, list] = field(default_factory=dict, repr=False, compare=False)

    @property
    def slug(self) -> str:
        return self.dir.name

    def outline(self, lang: str) -> list[tuple[str, list[tuple[str, str]], str | None]]:
        """(module title, [(lesson key, lesson title)], quiz id) per module in ``lang``; built once
        per language (a CourseDef is rebuilt whenever its files change)."""
        found = self._outlines.get(lang)
        if found is None:
            found = [
                (self.module_title(m, lang), [(e.key, self.lesson_title(e, lang)) for e in m.lessons], m.quiz)
                for m in self.modules
            ]
            self._outlines[lang] = found
        return found

    @property
    def lessons(self) -> list[LessonEntry]:
        return [lesson for m in self.modules for lesson in m.lessons]

    def lesson(self, key: str) -> LessonEntry | None:
        return next((entry for entry in self.lessons if entry.key == key), None)

    @property
    def theme(self) -> str:
        return self.data["theme"]

    @property
    def level(self) -> str:
        return self.data["level"]

    @property
    def estimated_minutes(self) -> int:
        return int(self.data["estimated_minutes"])

    @property
    def prerequisites(self) -> list[str]:
        return list(self.data.get("prerequisites") or [])

    def _tr(self, lang: str) -> dict:
        return self.translations.get(lang) or {}

    def title(self, lang: str) -> str:
        return self._tr(lang).get("title") or self.data["title"]

    def summary(self, lang: str) -> str:
        return self._tr(lang).get("summary") or self.data["summary"]

    def module_title(self, module: ModuleEntry, lang: str) -> str:
        return (self._tr(lang).get("modules") or {}).get(module.key) or module.title

    def lesson_langs(self, entry: LessonEntry) -> list[str]:
        return [lang for (lang, file) in self.lesson_meta if file == entry.file]

    def lesson_title(self, entry: LessonEntry, lang: str) -> str:
        meta = self.lesson_meta.get((lang, entry.file)) or self.lesson_meta.get((BASE_LANG, entry.file))
        return meta.title if meta else entry.key

    def complete_languages(self, languages: list[str]) -> list[str]:
        """Languages every lesson (and, except English, the course texts) is translated into."""
        out = []
        for lang in languages:
            if lang != BASE_LANG and lang not in self.translations:
                continue
            if all((lang, e.file) in self.lesson_meta for e in self.lessons):
                out.append(lang)
        return out

    @property
    def quiz_ids(self) -> list[str]:
        return [m.quiz for m in self.modules if m.quiz]

    def required_lessons(self) -> list[str]:
        rule = (self.data.get("completion") or {}).get("lessons", "all")
        return [e.key for e in self.lessons] if rule == "all" else list(rule)

    def required_quizzes(self) -> list[str]:
        rule = (self.data.get("completion") or {}).get("quizzes", "all")
        return self.quiz_ids if rule == "all" else list(rule)

    def exercise_lessons(self) -> list[str]:
        """Keys of the lessons whose (English) front matter sets an exercise."""
        out = []
        for entry in self.lessons:
            meta = self.lesson_meta.get((BASE_LANG, entry.file))
            if meta is not None and isinstance(meta.meta.get("exercise"), dict):
                out.append(entry.key)
        return out

    def required_exercises(self) -> list[str]:
        """Exercises a trainer must mark complete before the course completes (rule ``exercises``)."""
        rule = (self.data.get("completion") or {}).get("exercises", "none")
        return self.exercise_lessons() if rule == "all" else []

    @property
    def pass_mark(self) -> float:
        return float((self.data.get("completion") or {}).get("pass_mark", 70))


@dataclass
class LibraryPage:
    key: str
    lang: str
    path: Path
    meta: dict


@dataclass
class Catalog:
    courses: dict[str, CourseDef]
    quizzes: dict[str, Quiz]
    library: dict[tuple[str, str], LibraryPage]
    problems: list[Problem]
    courses_dir: Path
    quizzes_dir: Path
    # Folders whose course has problems: sync leaves their database rows alone.
    invalid_slugs: set[str] = field(default_factory=set)
    skills: Any = None  # lms.assessment.skills.SkillsMap, when quizzes/_maps/skills.yaml exists

    def course(self, course_id: str) -> CourseDef | None:
        return self.courses.get(course_id)

    def course_by_slug(self, slug: str) -> CourseDef | None:
        return next((c for c in self.courses.values() if c.slug == slug), None)


# -- loading and checking -------------------------------------------------------------------------


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _text_map_ok(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def read_lesson(path: Path) -> tuple[dict, str, int]:
    """Front matter, body and the body's first line; raises YamlError."""
    text = path.read_text(encoding="utf-8")
    fm, body, body_line = split_front_matter(text)
    if fm is None:
        raise YamlError(1, "a lesson file must start with front matter between '---' lines")
    meta = load(fm, line_offset=1) or {}
    if not isinstance(meta, dict):
        raise YamlError(2, "front matter must be a mapping")
    return meta, body, body_line


_BULLET_THEN_NUMBER = re.compile(r"^\s*[-*+]\s+(\d+)\.\s")
_NUMBERED = re.compile(r"^(\d+)\.\s")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _check_numbers(body: str, body_line: int, path: Path, root: Path) -> list[Problem]:
    """Lines that Markdown reads as a numbered list by accident. Dates and ordinals in several
    languages start with a number and a full stop ("2004. gadā", "7. solis"); at the start of a
    paragraph or a bullet that becomes a list numbered from 1, which changes the text. Written
    ``2004\\.`` the number shows as it is."""
    problems = []
    in_numbered_list = False
    in_fence = False
    previous_blank = True
    for n, line in enumerate(body.splitlines()):
        if _FENCE.match(line):
            in_fence = not in_fence
        if in_fence:
            continue
        bullet = _BULLET_THEN_NUMBER.match(line)
        numbered = _NUMBERED.match(line)
        if bullet:
            problems.append(Problem(_rel(path, root), body_line + n,
                                    f'"{bullet.group(1)}." right after a bullet is read as a numbered list; write "{bullet.group(1)}\\."'))
        elif numbered and previous_blank and not in_numbered_list and numbered.group(1) != "1":
            problems.append(Problem(_rel(path, root), body_line + n,
                                    f'a paragraph starting "{numbered.group(1)}." is read as a list numbered from 1; write "{numbered.group(1)}\\."'))
        if numbered:
            in_numbered_list = True
        elif line.strip() and not line[:1].isspace():
            in_numbered_list = False
        previous_blank = not line.strip()
    return problems


def _check_links(body: str, body_line: int, path: Path, course_dir: Path, lesson_files: set[str], root: Path) -> list[Problem]:
    problems = []
    for n, line in enumerate(body.split("\n")):
        for m in LINK_RE.finditer(line):
            is_image, target = m.group(1) == "!", m.group(2)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
                scheme = target.split(":", 1)[0].lower()
                if scheme not in ("http", "https", "mailto"):
                    problems.append(Problem(_rel(path, root), body_line + n, f"link scheme {scheme!r} is not allowed"))
                continue
            if target.startswith("#"):
                continue
            file_part = target.split("#", 1)[0].split("?", 1)[0]
            if file_part.endswith(".md") and "/" not in file_part:
                if file_part[:-3] not in lesson_files:
                    problems.append(Problem(_rel(path, root), body_line + n, f"link to unknown lesson {file_part!r}"))
                continue
            resolved = (path.parent / file_part).resolve()
            if not str(resolved).startswith(str(course_dir.resolve())) or not resolved.is_file():
                kind = "image" if is_image else "link"
                problems.append(Problem(_rel(path, root), body_line + n, f"broken {kind} {target!r}"))
    return problems


def load_course(course_dir: Path, root: Path, languages: list[str], quizzes: dict[str, Quiz]) -> tuple[CourseDef | None, list[Problem]]:
    yaml_path = course_dir / "course.yaml"
    rel = _rel(yaml_path, root)
    if not yaml_path.is_file():
        return None, [Problem(_rel(course_dir, root), 1, "course folder without course.yaml")]
    raw = yaml_path.read_bytes()
    try:
        data = load(raw.decode("utf-8"))
    except YamlError as exc:
        return None, [Problem(rel, exc.line, exc.message)]
    except UnicodeDecodeError:
        return None, [Problem(rel, 1, "course.yaml is not UTF-8")]
    if not isinstance(data, dict):
        return None, [Problem(rel, 1, "course.yaml must be a mapping")]
    problems: list[Problem] = []

    def bad(line: int, msg: str) -> None:
        problems.append(Problem(rel, line, msg))

    cid = data.get("id")
    if not isinstance(cid, str) or not ID_RE.match(cid):
        bad(line_of(data, "id"), "course id must be lowercase letters, digits and '-'")
    for key in ("title", "summary"):
        if not _text_map_ok(data.get(key)):
            bad(line_of(data, key), f"'{key}' is required (English text)")
    if data.get("theme") not in THEMES:
        bad(line_of(data, "theme"), f"theme must be one of {', '.join(THEMES)}")
    if data.get("level") not in LEVELS:
        bad(line_of(data, "level"), f"level must be one of {', '.join(LEVELS)}")
    em = data.get("estimated_minutes")
    if not isinstance(em, int) or isinstance(em, bool) or em <= 0:
        bad(line_of(data, "estimated_minutes"), "estimated_minutes must be a positive whole number")
    prereq = data.get("prerequisites", [])
    if not isinstance(prereq, list) or not all(isinstance(p, str) for p in prereq):
        bad(line_of(data, "prerequisites"), "prerequisites must be a list of course ids")

    modules: list[ModuleEntry] = []
    lesson_keys: dict[str, int] = {}
    module_keys: set[str] = set()
    raw_modules = data.get("modules")
    if not isinstance(raw_modules, list) or not raw_modules:
        bad(line_of(data, "modules"), "a course needs a non-empty 'modules' list")
        raw_modules = []
    position = 0
    for mpos, m in enumerate(raw_modules):
        if not isinstance(m, dict):
            bad(line_of(raw_modules), "each module must be a mapping")
            continue
        mkey = m.get("id")
        if not isinstance(mkey, str) or not ID_RE.match(mkey):
            bad(line_of(m, "id"), "module id must be lowercase letters, digits and '-'")
            continue
        if mkey in module_keys:
            bad(line_of(m, "id"), f"duplicate module id {mkey!r}")
        module_keys.add(mkey)
        if not _text_map_ok(m.get("title")):
            bad(line_of(m, "title"), f"module {mkey!r} needs a title")
        quiz = m.get("quiz")
        if quiz is not None and quiz not in quizzes:
            bad(line_of(m, "quiz"), f"quiz {quiz!r} does not exist (or has errors) in quizzes/")
        entries = []
        raw_lessons = m.get("lessons")
        if not isinstance(raw_lessons, list) or not raw_lessons:
            bad(line_of(m, "lessons"), f"module {mkey!r} needs a non-empty 'lessons' list")
            raw_lessons = []
        for lesson in raw_lessons:
            if not isinstance(lesson, dict) or not isinstance(lesson.get("id"), str) or not ID_RE.match(lesson["id"]):
                bad(line_of(lesson, "id", line_of(raw_lessons)), "lesson id must be lowercase letters, digits and '-'")
                continue
            key = lesson["id"]
            if key in lesson_keys:
                bad(line_of(lesson, "id"), f"duplicate lesson id {key!r} (first on line {lesson_keys[key]})")
                continue
            lesson_keys[key] = line_of(lesson, "id")
            file = lesson.get("file", key)
            if not isinstance(file, str) or not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", file):
                bad(line_of(lesson, "file"), "lesson file must be a plain file name without '.md'")
                continue
            position += 1
            entries.append(LessonEntry(key, file, mkey, position, line_of(lesson)))
        modules.append(ModuleEntry(mkey, str(m.get("title") or mkey), quiz, entries, mpos))

    completion = data.get("completion") or {}
    if not isinstance(completion, dict):
        bad(line_of(data, "completion"), "completion must be a mapping")
        completion = {}
    rule_lessons = completion.get("lessons", "all")
    if rule_lessons != "all":
        if not isinstance(rule_lessons, list):
            bad(line_of(completion, "lessons"), "completion.lessons must be 'all' or a list of lesson ids")
        else:
            for key in rule_lessons:
                if key not in lesson_keys:
                    bad(line_of(completion, "lessons"), f"completion names unknown lesson {key!r}")
    rule_quizzes = completion.get("quizzes", "all")
    module_quizzes = {m.quiz for m in modules if m.quiz}
    if rule_quizzes != "all":
        if not isinstance(rule_quizzes, list):
            bad(line_of(completion, "quizzes"), "completion.quizzes must be 'all' or a list of quiz ids")
        else:
            for qid in rule_quizzes:
                if qid not in module_quizzes:
                    bad(line_of(completion, "quizzes"), f"completion names quiz {qid!r} that no module uses")
    if completion.get("exercises", "none") not in ("all", "none"):
        bad(line_of(completion, "exercises"), "completion.exercises must be 'all' or 'none'")
    pm = completion.get("pass_mark", 70)
    if not isinstance(pm, (int, float)) or not 0 <= pm <= 100:
        bad(line_of(completion, "pass_mark"), "pass_mark must be a number from 0 to 100")

    course = CourseDef(id=str(cid), dir=course_dir, data=data, modules=modules)
    digest = hashlib.sha256(raw)

    # Translations of the course texts.
    for lang in languages:
        tpath = course_dir / lang / "_course.yaml"
        if lang == BASE_LANG or not tpath.is_file():
            continue
        try:
            tr = load(tpath.read_text(encoding="utf-8"))
        except YamlError as exc:
            problems.append(Problem(_rel(tpath, root), exc.line, exc.message))
            continue
        if not isinstance(tr, dict):
            problems.append(Problem(_rel(tpath, root), 1, "_course.yaml must be a mapping"))
            continue
        for mkey in (tr.get("modules") or {}):
            if mkey not in module_keys:
                problems.append(Problem(_rel(tpath, root), line_of(tr.get("modules"), mkey), f"translation of unknown module {mkey!r}"))
        course.translations[lang] = tr

    # Lesson files in every language.
    lesson_files = {e.file for e in course.lessons}
    for entry in course.lessons:
        for lang in languages:
            path = course_dir / lang / f"{entry.file}.md"
            if not path.is_file():
                if lang == BASE_LANG:
                    bad(entry.line, f"lesson {entry.key!r}: missing file {_rel(path, root)}")
                continue
            try:
                meta, body, body_line = read_lesson(path)
            except YamlError as exc:
                problems.append(Problem(_rel(path, root), exc.line, exc.message))
                continue
            if not _text_map_ok(meta.get("title")):
                problems.append(Problem(_rel(path, root), line_of(meta, "title", 2), "a lesson needs a 'title' in its front matter"))
            exercise = meta.get("exercise")
            if exercise is not None and not (isinstance(exercise, dict) and _text_map_ok(exercise.get("prompt"))):
                # +1: the front matter starts on the file's second line.
                problems.append(Problem(_rel(path, root), line_of(meta, "exercise", 1) + 1, "exercise must be a mapping with a 'prompt' text"))
            problems.extend(_check_links(body, body_line, path, course_dir, lesson_files, root))
            problems.extend(_check_numbers(body, body_line, path, root))
            course.lesson_meta[(lang, entry.file)] = LessonMeta(path, meta, body_line)
            if lang == BASE_LANG:
                digest.update(path.read_bytes())
    # Stray lesson files that no course.yaml entry names.
    for lang in languages:
        for path in sorted((course_dir / lang).glob("*.md")) if (course_dir / lang).is_dir() else []:
            if path.stem not in lesson_files:
                problems.append(Problem(_rel(path, root), 1, f"lesson file not listed in course.yaml (lesson ids: {', '.join(sorted(lesson_keys)) or 'none'})"))
    course.content_hash = digest.hexdigest()
    return course, problems


def _load_library(root: Path, languages: list[str]) -> tuple[dict, list[Problem]]:
    pages: dict[tuple[str, str], LibraryPage] = {}
    problems = []
    lib = root / "_library"
    for lang in languages:
        for path in sorted((lib / lang).glob("*.md")) if (lib / lang).is_dir() else []:
            try:
                meta, body, body_line = read_lesson(path)
            except YamlError as exc:
                problems.append(Problem(_rel(path, root), exc.line, exc.message))
                continue
            problems.extend(_check_numbers(body, body_line, path, root))
            if not _text_map_ok(meta.get("title")):
                problems.append(Problem(_rel(path, root), 2, "a library page needs a 'title'"))
                continue
            pages[(path.stem, lang)] = LibraryPage(path.stem, lang, path, meta)
    return pages, problems


def scan(courses_dir: Path, quizzes_dir: Path, languages: list[str], only: Path | None = None) -> Catalog:
    """Load everything, collecting every problem; courses with problems are left out."""
    quizzes, problems = load_quizzes(quizzes_dir, languages)
    courses: dict[str, CourseDef] = {}
    loaded: list[tuple[CourseDef, list[Problem]]] = []
    dirs = sorted(p for p in courses_dir.iterdir() if p.is_dir() and p.name[0] not in "._") if courses_dir.is_dir() else []
    invalid: set[str] = set()
    for d in dirs:
        course, found = load_course(d, courses_dir, languages, quizzes)
        if course is not None:
            loaded.append((course, found))
        else:
            problems.extend(found)
            invalid.add(d.name)
    ids: dict[str, CourseDef] = {}
    for course, found in loaded:
        if course.id in ids:
            found.append(Problem(_rel(course.dir / "course.yaml", courses_dir), line_of(course.data, "id"), f"duplicate course id {course.id!r} (also in {ids[course.id].slug})"))
        ids.setdefault(course.id, course)
    for course, found in loaded:
        for p in course.prerequisites:
            if p not in ids:
                found.append(Problem(_rel(course.dir / "course.yaml", courses_dir), line_of(course.data, "prerequisites"), f"unknown prerequisite course {p!r}"))
        problems.extend(found)
        if found:
            invalid.add(course.slug)
        else:
            courses[course.id] = course
    library, lib_problems = _load_library(courses_dir, languages)
    problems.extend(lib_problems)
    from lms.assessment.skills import load_skills_map

    all_lessons = {c.id: {e.key for e in c.lessons} for c, _found in loaded}
    skills, skill_problems = load_skills_map(quizzes_dir, quizzes, all_lessons)
    problems.extend(skill_problems)
    if only is not None:
        only = only.resolve()
        problems = [p for p in problems if str((courses_dir.parent / p.path).resolve()).startswith(str(only))]
    return Catalog(courses, quizzes, library, problems, courses_dir, quizzes_dir, invalid, skills)


def load_catalog(config, strict: bool = False) -> Catalog:
    """Load content at start-up: invalid courses are skipped and logged, or stop the app when strict."""
    catalog = scan(Path(config["LMS_COURSES_DIR"]), Path(config["LMS_QUIZZES_DIR"]), list(config["LMS_LANGUAGES"]))
    for problem in catalog.problems:
        log.error("content problem: %s", problem)
    if strict and catalog.problems:
        raise RuntimeError(
            "LMS_STRICT_CONTENT is set and the content has problems:\n" + "\n".join(map(str, catalog.problems))
        )
    return catalog
